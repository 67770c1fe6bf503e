//! ECS services: their tasks (started, stopped, at most running, task-hours), CPU, scaling
//! activities, replacements, deployment and Fargate's bill (on an EC2 capacity provider: its
//! instances, tasks provisioning, the reservation metric and the instances' bill) (`summary.json` `ecs`, present
//! when the scenario has services), a table line per service, and the services in words for
//! `stratus explain`. Their series are `ecs.NAME.desired`, `running`, `pending`, `healthy`;
//! their scaling activities and alarms are in `scaling_activities.csv` and `alarms.csv`
//! under the group `ecs:NAME`.

use super::Section;
use crate::explain::defaults;
use crate::model::ecs::size::{memory_text, vcpu_text};
use crate::model::scaling_policy::PolicyKind;
use crate::scenario::Scenario;
use crate::sim::RunResult;
use serde_json::{Map, Value, json};
use std::fmt::Write;

pub struct Ecs;

impl Section for Ecs {
    /// `ecs.NAME`, when the scenario has services.
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        let services = &r.services.ecs;
        if services.is_empty() {
            return;
        }
        let m: Map<String, Value> = services
            .iter()
            .map(|e| {
                let mut v = json!({
                        "task": {"cpu": e.cpu, "memory_gb": e.memory_gb, "architecture": e.arch},
                        "tasks_started": e.tasks_started,
                        "tasks_stopped": e.tasks_stopped,
                        "max_running": e.max_running,
                        "task_hours": e.task_hours,
                        "mean_cpu_percent": e.mean_cpu_percent,
                        "scaling_activities": e.scaling_activities,
                        "task_replacements": e.replacements,
                        "deployment": e.deployment_started_s.map(|s| json!({
                            "started_s": s,
                            "finished_s": e.deployment_finished_s,
                        })),
                        "cost_usd": e.cost_usd,
                });
                if let Some(c) = &e.capacity {
                    v["capacity_provider"] = json!({
                        "group": c.group,
                        "placement": c.placement,
                        "target_capacity": c.target_capacity,
                        "instances_launched": c.instances_launched,
                        "max_instances": c.max_instances,
                        "instance_hours": c.instance_hours,
                        "tasks_placed": c.tasks_placed,
                        "max_provisioning": c.max_provisioning,
                        "max_capacity_provider_reservation": c.max_reservation,
                    });
                }
                (e.name.clone(), v)
            })
            .collect();
        out.insert("ecs".into(), Value::Object(m));
    }

    fn table(&self, r: &RunResult, out: &mut String) {
        let services = &r.services.ecs;
        if services.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<20} {:>12} {:>8} {:>8} {:>9} {:>11} {:>10} {:>11} {:>10}",
            "ecs service",
            "task",
            "started",
            "stopped",
            "max run",
            "task hours",
            "mean CPU%",
            "activities",
            "cost $"
        );
        for e in services {
            let _ = writeln!(
                out,
                "{:<20} {:>12} {:>8} {:>8} {:>9} {:>11.2} {:>10.1} {:>11} {:>10.4}",
                e.name,
                format!("{}/{}", e.cpu, e.memory_gb),
                e.tasks_started,
                e.tasks_stopped,
                e.max_running,
                e.task_hours,
                e.mean_cpu_percent,
                e.scaling_activities,
                e.cost_usd
            );
        }
        let on_ec2: Vec<_> = (services.iter())
            .filter_map(|e| e.capacity.as_ref().map(|c| (e, c)))
            .collect();
        if on_ec2.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<20} {:<20} {:>10} {:>9} {:>11} {:>13} {:>12}",
            "ecs on ec2",
            "capacity provider",
            "instances",
            "max inst",
            "inst hours",
            "provisioning",
            "max CPR %"
        );
        for (e, c) in on_ec2 {
            let _ = writeln!(
                out,
                "{:<20} {:<20} {:>10} {:>9} {:>11.2} {:>13} {:>12}",
                e.name,
                c.group,
                c.instances_launched,
                c.max_instances,
                c.instance_hours,
                c.max_provisioning,
                c.max_reservation
                    .map_or("-".to_string(), |r| format!("{r:.1}"))
            );
        }
    }

    fn files(&self, _: &RunResult, _: &mut Vec<(&'static str, String)>) {}

    fn components(&self, s: &Scenario, out: &mut String) {
        for e in &s.services.ecs_services {
            let g = &e.group_spec;
            let azs: Vec<&str> = g.azs.iter().map(|a| s.az_name(*a)).collect();
            let tg = e.target_group.map_or(String::from("no target group"), |t| {
                format!("IP targets of `{}`", s.target_groups[t.index()].name)
            });
            let policies: Vec<String> = g
                .policies
                .iter()
                .map(|p| match &p.kind {
                    PolicyKind::TargetTracking { target, .. } => format!(
                        "target tracking `{}` at {target}",
                        p.metric.as_ref().map(|m| m.name()).unwrap_or_default()
                    ),
                    PolicyKind::Step { .. } => format!("step `{}`", p.name),
                    PolicyKind::Scheduled { .. } => format!("scheduled `{}`", p.name),
                    PolicyKind::Simple { .. } => format!("simple `{}`", p.name),
                })
                .collect();
            let scaling = if policies.is_empty() {
                "no auto scaling".to_string()
            } else {
                let c = e.tasks.cooldowns;
                format!(
                    "Application Auto Scaling: {} (scale-out cooldown {}, scale-in cooldown {})",
                    policies.join(", "),
                    c.scale_out,
                    c.scale_in
                )
            };
            let deployment = e.deployment.map_or(String::new(), |d| {
                format!(
                    "; a rolling deployment at {} (minimum healthy {}%, maximum {}%)",
                    d.at, d.minimum_healthy_percent, d.maximum_percent
                )
            });
            let on = e.capacity.map_or("Fargate".to_string(), |p| {
                let scaling = p.managed_scaling.map_or(
                    "no managed scaling".to_string(),
                    |m| {
                        format!(
                            "managed scaling to a CapacityProviderReservation of {}% (scale-out steps {} to {}, instance warm-up {})",
                            m.target_capacity, m.min_step, m.max_step, m.instance_warmup
                        )
                    },
                );
                let protection = if p.termination_protection {
                    ", managed termination protection"
                } else {
                    ""
                };
                format!(
                    "the EC2 capacity provider `{}` ({} vCPU and {} per instance; placement {}; {scaling}{protection})",
                    s.groups[p.group.index()].name,
                    vcpu_text(p.instance_cpu),
                    memory_text(p.instance_memory_mib),
                    p.placement.name()
                )
            });
            let _ = writeln!(
                out,
                "- ECS service `{}` on {on}: {} task(s) (min {}, max {}) of {} vCPU and {} ({}) in [{}], {}; start {}; {}{deployment}.",
                e.name,
                g.desired,
                g.min,
                g.max,
                vcpu_text(e.tasks.cpu),
                memory_text(e.tasks.memory_mib),
                e.tasks.arch.name(),
                azs.join(", "),
                tg,
                g.boot_time.describe(),
                scaling
            );
        }
    }

    fn names(&self, s: &Scenario, out: &mut Vec<String>) {
        for e in &s.services.ecs_services {
            out.push(e.name.clone());
            out.push(e.group_spec.name.clone());
        }
    }

    fn defaults(&self, s: &Scenario, out: &mut String) {
        let names: Vec<String> = (s.services.ecs_services.iter())
            .map(|e| e.name.clone())
            .collect();
        defaults(out, &s.document, "ecs_services", &names);
    }
}
