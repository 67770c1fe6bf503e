//! Auto Scaling groups: what each launched, ran and decided.

use super::Section;
use super::credits::{credits_component, credits_json, credits_table};
use crate::explain::{defaults, policy_defaults, shape};
use crate::report::scaling::{
    blocked_table, health_replacements, policies_json, scaling_activities,
};
use crate::report::{alarms_csv, scaling_activities_csv};
use crate::scenario::Scenario;
use crate::sim::RunResult;
use serde_json::{Map, Value, json};
use std::fmt::Write;

pub struct Ec2;

impl Section for Ec2 {
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        // An ECS service's capacity group is reported in its own section (`sections::ecs`).
        let groups: Map<String, Value> = r
            .groups
            .iter()
            .filter(|g| !g.ecs_service)
            .map(|g| {
                let mut v = json!({
                    "launched": g.launched,
                    "terminated": g.terminated,
                    "max_in_service": g.max_in_service,
                    "instance_hours": g.instance_hours,
                    "mean_cpu_percent": g.mean_cpu_percent,
                    "scaling_activities": scaling_activities(g),
                    "health_replacements": health_replacements(g),
                    "policies": policies_json(g),
                });
                if let Some(c) = &g.credits {
                    v["cpu_credits"] = credits_json(c);
                }
                (g.name.clone(), v)
            })
            .collect();
        out.insert("auto_scaling_groups".into(), Value::Object(groups));
    }

    fn table(&self, r: &RunResult, out: &mut String) {
        if r.groups.iter().all(|g| g.ecs_service) {
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<20} {:>9} {:>11} {:>11} {:>15} {:>10} {:>11} {:>13}",
            "group",
            "launched",
            "terminated",
            "max in svc",
            "instance hours",
            "mean CPU%",
            "activities",
            "replacements"
        );
        for g in r.groups.iter().filter(|g| !g.ecs_service) {
            let _ = writeln!(
                out,
                "{:<20} {:>9} {:>11} {:>11} {:>15.2} {:>10.1} {:>11} {:>13}",
                g.name,
                g.launched,
                g.terminated,
                g.max_in_service,
                g.instance_hours,
                g.mean_cpu_percent,
                scaling_activities(g),
                health_replacements(g)
            );
        }
        credits_table(r, out);
        blocked_table(out, r);
    }

    fn files(&self, r: &RunResult, out: &mut Vec<(&'static str, String)>) {
        out.push(("scaling_activities.csv", scaling_activities_csv(r)));
        out.push(("alarms.csv", alarms_csv(r)));
    }

    fn components(&self, s: &Scenario, out: &mut String) {
        for g in s.groups.iter().filter(|g| g.ecs.is_none()) {
            let azs: Vec<&str> = g.azs.iter().map(|a| s.az_name(*a)).collect();
            let _ = writeln!(
                out,
                "- auto scaling group `{}`: {} instance(s) (min {}, max {}) of {} in [{}], {}, at most {} requests each; boot {}.",
                g.name,
                g.desired,
                g.min,
                g.max,
                shape(g.instance_type.as_deref(), g.vcpus, g.memory_gib),
                azs.join(", "),
                g.discipline.name().replace('_', " "),
                g.max_concurrent,
                g.boot_time.describe()
            );
            credits_component(g, out);
        }
    }

    fn names(&self, s: &Scenario, out: &mut Vec<String>) {
        out.extend(
            (s.groups.iter())
                .filter(|g| g.ecs.is_none())
                .map(|x| x.name.clone()),
        );
    }

    fn defaults(&self, s: &Scenario, out: &mut String) {
        let names: Vec<String> = (s.groups.iter())
            .filter(|g| g.ecs.is_none())
            .map(|x| x.name.clone())
            .collect();
        defaults(out, &s.document, "auto_scaling_groups", &names);
        policy_defaults(out, s);
    }
}
