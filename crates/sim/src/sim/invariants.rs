//! Checks, in the library's tests, of the rule that makes stale events impossible: owners
//! cancel their pending events, so no pending event names a terminated instance (and none
//! that fires does). `World::terminate` and the event loop call these under `cfg(test)`.
//! Also: the indexes that spare scans (each instance's requests, each load balancer's
//! waiting clients, the live instances) agree with a scan, at every stop and termination.

use super::World;
use crate::event::Event;
use crate::ids::InstanceId;
use crate::model::instance::InstanceState;
use std::sync::Arc;

impl World {
    /// Right after `id` terminated: nothing pending names it, and no request is on it.
    pub(super) fn check_nothing_names(&mut self, id: InstanceId) {
        self.terminations_checked += 1;
        if self.faults.is_stopped(id) {
            self.stopped_terminations_checked += 1;
        }
        if let Some(e) = self
            .queue
            .pending()
            .find(|e| World::names_instance(e) == Some(id))
        {
            panic!("instance {} terminated with {e:?} pending", id.0);
        }
        assert!(self.traffic.requests.on_instance(id).is_empty());
    }

    /// The live-instance list holds exactly the instances not terminated, and each
    /// instance's request list exactly the live requests that name it (see `request`).
    pub(super) fn check_indexes(&mut self) {
        self.index_checks += 1;
        let slots = self.ec2.instances.slots();
        let mut live: Vec<InstanceId> = self.ec2.instances.live().to_vec();
        live.sort_unstable();
        let scanned: Vec<InstanceId> = (0..slots)
            .map(|i| InstanceId(i as u32))
            .filter(|i| self.ec2.instances[i.index()].state != InstanceState::Terminated)
            .collect();
        assert_eq!(live, scanned, "live instances: list and scan differ");
        self.traffic.requests.check_lists(&live);
        self.traffic.requests.check_waiting();
    }

    /// An event about to be handled never names a terminated instance.
    pub(super) fn check_fires(&self, e: &Event) {
        if let Some(i) = World::names_instance(e) {
            let inst = &self.ec2.instances[i.index()];
            assert!(
                inst.state != InstanceState::Terminated,
                "{e:?} fired for terminated instance {}",
                i.0
            );
        }
    }
}

/// Runs shipped scenarios that terminate instances in every way (scale-in with draining, AZ
/// outages and instance failures with status-check and health replacement, rebalancing, SQS
/// workers): each termination checked the queue, each event the instance it names.
#[test]
fn no_pending_event_names_a_terminated_instance() {
    let files = [
        "scenarios/quickstart.yaml",
        "scenarios/az-outage.yaml",
        "scenarios/sqs-workers.yaml",
        "scenarios/labs/06-az-outage.yaml",
        "scenarios/labs/09-death-spiral.yaml",
    ];
    let mut stopped = 0;
    for file in files {
        let world = run_shipped(file);
        // Every termination of the run (slots of terminated instances are reused, so the
        // table holds only some of them).
        let terminated: usize = world.ec2.groups.iter().map(|g| g.terminated as usize).sum();
        assert!(terminated > 0, "{file} terminates instances");
        assert_eq!(world.terminations_checked, terminated, "{file}");
        stopped += world.stopped_terminations_checked;
        for e in world.queue.pending() {
            if let Some(i) = World::names_instance(&e) {
                assert_ne!(
                    world.ec2.instances[i.index()].state,
                    InstanceState::Terminated
                );
            }
        }
    }
    assert!(stopped > 0, "faults stopped instances that then terminated");
}

/// A shipped scenario (`file`, relative to the repository), run to its end.
pub(super) fn run_shipped(file: &str) -> World {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(file);
    let s = crate::scenario::Scenario::from_file_with(&path, &[], None, false)
        .expect("shipped scenario");
    let mut world = World::new(Arc::new(s));
    world.run(|_, _| {}).expect("runs");
    world
}
