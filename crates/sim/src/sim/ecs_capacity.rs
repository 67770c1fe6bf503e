//! ECS services on an EC2 capacity provider in the world: task placement on the group's
//! running instances, tasks left provisioning, managed scaling's `CapacityProviderReservation`
//! and managed termination protection (the rules in `model::ecs::capacity`).
//!
//! A task is still an instance of its service's capacity group (`ecs:NAME`, a server of the
//! task's CPU reservation, `model::ecs::size::server_of`), but EC2's lifecycle does not launch
//! it on its own (`Ec2::reconcile` skips such groups): a task launches in the AZ of the host
//! placement picked, and is remembered on it (`EcsServices::hosts`) until it stops. The entry
//! points are called where the lifecycle changes the picture: a launch or reconcile of the
//! service (`place_missing`), a host going in service (`ecs_host_ready`), any termination
//! (`ecs_instance_gone`: a task frees its reservation, a host's tasks stop with it), the
//! start (tasks in service at once where they fit) and each period's end
//! (`publish_reservations`, before the groups evaluate their policies).
//!
//! Our choices: a task's CPU reservation is a hard limit (the task-level `cpu` is "the hard
//! limit of CPU units to present for the task", ECS Developer Guide, "Amazon ECS task
//! definition parameters", task size,
//! https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html):
//! a task is a server of its own cores and does not borrow the instance's idle ones; the
//! instance's cores are partitioned among its tasks. A host stopped by a fault keeps its
//! tasks until the group replaces it (its AZ's outage stops them too: they are instances in
//! that AZ).

use super::World;
use super::service::Period;
use crate::ids::{GroupId, InstanceId};
use crate::model::ecs::EcsServiceId;
use crate::model::ecs::EcsServiceSpec;
use crate::model::ecs::capacity::{
    Host, RESERVATION_METRIC, instances_needed, place, reservation, tasks_per_instance,
};
use crate::model::instance::InstanceState;
use crate::trace::Field;
use std::collections::BTreeMap;

/// One service's tasks on its provider's instances.
#[derive(Clone, Debug, Default)]
pub(super) struct Hosts {
    /// Task (launch number) -> its host (id, launch number).
    pub on: BTreeMap<u64, (InstanceId, u64)>,
    /// Tasks provisioning at the last look (traced when it changes).
    pub provisioning: u32,
    pub max_provisioning: u32,
    pub tasks_placed: u64,
    /// The highest `CapacityProviderReservation` published.
    pub max_reservation: Option<f64>,
}

impl World {
    /// The service on an EC2 capacity provider whose tasks are group `g`'s.
    fn ec2_service(&self, g: GroupId) -> Option<EcsServiceId> {
        let t = self.scenario.groups[g.index()].ecs?;
        t.provider.map(|_| t.service)
    }

    /// Whether group `g`'s tasks launch where placement puts them.
    pub(super) fn ecs_places(&self, g: GroupId) -> bool {
        self.ec2_service(g).is_some()
    }

    fn ecs_spec(&self, svc: EcsServiceId) -> &EcsServiceSpec {
        &self.scenario.services.ecs_services[svc.index()]
    }

    /// The service's active tasks (launching or running).
    fn active_tasks(&self, spec: &EcsServiceSpec) -> u32 {
        (self.ec2.groups[spec.group.index()].instances.iter())
            .filter(|t| {
                matches!(
                    self.ec2.instances[t.index()].state,
                    InstanceState::Pending | InstanceState::InService
                )
            })
            .count() as u32
    }

    /// Tasks the service wants and has not placed: PROVISIONING.
    fn provisioning(&self, spec: &EcsServiceSpec) -> u32 {
        (self.ec2.groups[spec.group.index()].desired).saturating_sub(self.active_tasks(spec))
    }

    /// The provider's running instances that can take tasks (in service, not stopped by a
    /// fault, in one of the service's AZs) and what each has left after the service's tasks on it (draining ones hold
    /// their reservation until they stop).
    fn host_views(&self, svc: EcsServiceId) -> (Vec<InstanceId>, Vec<Host>) {
        let spec = self.ecs_spec(svc);
        let Some(p) = spec.capacity else {
            return Default::default();
        };
        // Only in the service's AZs (its subnets: an awsvpc task's interface is in one).
        let azs = &spec.group_spec.azs;
        let ids: Vec<InstanceId> = (self.ec2.in_service_of(p.group))
            .filter(|&h| {
                !self.faults.is_stopped(h) && azs.contains(&self.ec2.instances[h.index()].az)
            })
            .collect();
        let mut hosts: Vec<Host> = (ids.iter())
            .map(|&h| {
                let inst = &self.ec2.instances[h.index()];
                Host {
                    az: inst.az.index(),
                    serial: inst.serial,
                    free_cpu: p.instance_cpu,
                    free_memory_mib: p.instance_memory_mib,
                    tasks: 0,
                }
            })
            .collect();
        let on = &self.ecs.hosts[svc.index()].on;
        for &t in &self.ec2.groups[spec.group.index()].instances {
            let serial = self.ec2.instances[t.index()].serial;
            let Some(&(_, host)) = on.get(&serial) else {
                continue;
            };
            if let Some(h) = hosts.iter_mut().find(|h| h.serial == host) {
                h.free_cpu -= spec.tasks.cpu;
                h.free_memory_mib -= spec.tasks.memory_mib;
                h.tasks += 1;
            }
        }
        (ids, hosts)
    }

    /// Places up to `n` of the service's tasks (group `g`); in service at once at the start
    /// (`at_start`), launching (the start time) otherwise. Returns how many were placed.
    pub(super) fn place_tasks(&mut self, g: GroupId, n: u32, at_start: bool) -> u32 {
        let Some(svc) = self.ec2_service(g) else {
            return 0;
        };
        let spec = self.ecs_spec(svc).clone();
        let Some(p) = spec.capacity else { return 0 };
        let mut placed = 0;
        while placed < n {
            let (ids, hosts) = self.host_views(svc);
            let mut per_az = vec![0u32; self.scenario.azs.len()];
            for h in &hosts {
                per_az[h.az] += h.tasks;
            }
            let size = (spec.tasks.cpu, spec.tasks.memory_mib);
            let Some(i) = place(&hosts, size, p.placement, &per_az) else {
                break;
            };
            let host = ids[i];
            let az = self.ec2.instances[host.index()].az;
            let task = if at_start {
                self.launch_task_in_service(g, az)
            } else {
                self.launch_task_booting(g, az)
            };
            let task_serial = self.ec2.instances[task.index()].serial;
            let hs = &mut self.ecs.hosts[svc.index()];
            hs.on.insert(task_serial, (host, hosts[i].serial));
            hs.tasks_placed += 1;
            if p.termination_protection {
                self.ec2.instances[host.index()].protected = true;
            }
            let now = self.queue.now();
            if let Some(t) = self.tracer.as_deref_mut() {
                t.emit(
                    now,
                    super::ecs::TASK_PLACED,
                    &spec.name,
                    None,
                    &[
                        ("task", Field::Int(task_serial)),
                        ("host", Field::Int(hosts[i].serial)),
                        ("placement", Field::Str(p.placement.name())),
                    ],
                );
            }
            placed += 1;
        }
        self.note_provisioning(svc);
        placed
    }

    /// Records (and traces, when it changed) the service's provisioning tasks.
    fn note_provisioning(&mut self, svc: EcsServiceId) {
        let spec = self.ecs_spec(svc);
        let n = self.provisioning(spec);
        let hs = &mut self.ecs.hosts[svc.index()];
        if n == hs.provisioning {
            return;
        }
        hs.provisioning = n;
        hs.max_provisioning = hs.max_provisioning.max(n);
        let now = self.queue.now();
        let name = &self.scenario.services.ecs_services[svc.index()].name;
        if let Some(t) = self.tracer.as_deref_mut() {
            t.emit(
                now,
                super::ecs::TASK_PROVISIONING,
                name,
                None,
                &[("provisioning", Field::Int(n as u64))],
            );
        }
    }

    /// Places the tasks group `g` (a service on EC2) lacks for its desired count.
    pub(super) fn place_missing(&mut self, g: GroupId) {
        if let Some(svc) = self.ec2_service(g) {
            let n = self.provisioning(self.ecs_spec(svc));
            self.place_tasks(g, n, false);
        }
    }

    /// The services whose capacity provider is group `g`.
    fn services_on(&self, g: GroupId) -> Vec<EcsServiceId> {
        (self.scenario.services.ecs_services.iter().enumerate())
            .filter(|(_, e)| e.capacity.is_some_and(|p| p.group == g))
            .map(|(i, _)| EcsServiceId(i as u16))
            .collect()
    }

    /// An instance of group `g` went in service: the provisioning tasks of the services it
    /// hosts may now fit.
    pub(super) fn ecs_host_ready(&mut self, g: GroupId) {
        for svc in self.services_on(g) {
            let tasks = self.ecs_spec(svc).group;
            self.place_missing(tasks);
        }
    }

    /// Before group `g` (a provider) removes instances: with managed termination protection,
    /// exactly the instances running a task are protected.
    pub(super) fn ecs_protect_hosts(&mut self, g: GroupId) {
        for svc in self.services_on(g) {
            let spec = self.ecs_spec(svc);
            if !spec.capacity.is_some_and(|p| p.termination_protection) {
                continue;
            }
            let (ids, hosts) = self.host_views(svc);
            for (id, h) in ids.into_iter().zip(hosts) {
                self.ec2.instances[id.index()].protected = h.tasks > 0;
            }
        }
    }

    /// Instance `serial` of group `g` terminated: a task's reservation is freed (and a
    /// provisioning task may take it); a host's tasks stop with it, and are replaced.
    pub(super) fn ecs_instance_gone(&mut self, g: GroupId, serial: u64) {
        if let Some(svc) = self.ec2_service(g) {
            self.ecs.hosts[svc.index()].on.remove(&serial);
            self.place_missing(g);
            return;
        }
        for svc in self.services_on(g) {
            let spec = self.ecs_spec(svc);
            let tasks = spec.group;
            let on = &self.ecs.hosts[svc.index()].on;
            let orphans: Vec<InstanceId> = (self.ec2.groups[tasks.index()].instances.iter())
                .copied()
                .filter(|t| {
                    let s = self.ec2.instances[t.index()].serial;
                    on.get(&s).is_some_and(|&(_, h)| h == serial)
                })
                .collect();
            for t in orphans {
                self.terminate(t, crate::metrics::Outcome::Http502);
            }
            self.reconcile(tasks);
        }
    }

    /// At a period's end, before the groups evaluate their policies: each managed provider's
    /// `CapacityProviderReservation` (M / N x 100) published to its group, and the service's
    /// series (`provisioning`, `instances`, `capacity_provider_reservation`).
    pub(super) fn publish_reservations(&mut self, p: &Period) {
        for i in 0..self.scenario.services.ecs_services.len() {
            let svc = EcsServiceId(i as u16);
            let spec = self.ecs_spec(svc);
            let Some(cp) = spec.capacity else { continue };
            let provisioning = self.provisioning(spec);
            let (ids, hosts) = self.host_views(svc);
            let running = ids.len() as u32;
            let occupied = hosts.iter().filter(|h| h.tasks > 0).count() as u32;
            let per = tasks_per_instance(&cp, (spec.tasks.cpu, spec.tasks.memory_mib));
            let value = cp.managed_scaling.map(|m| {
                let needed = instances_needed((running, occupied), provisioning, per, &m);
                reservation(needed, running)
            });
            if let Some(v) = value {
                self.publish_custom_metric(cp.group, RESERVATION_METRIC, Some(v));
                let max = &mut self.ecs.hosts[i].max_reservation;
                *max = Some(max.map_or(v, |m: f64| m.max(v)));
            }
            let Some(ids) = self.ecs.capacity_series[i] else {
                continue;
            };
            let values = [provisioning as f64, running as f64, value.unwrap_or(0.0)];
            let n = if value.is_some() { 3 } else { 2 };
            for (id, v) in ids.iter().zip(values).take(n) {
                self.series.push(p.start_s, *id, v);
            }
        }
    }
}
