//! The faults on their own: the fault state's code runs on a queue of events and EC2's
//! state (its instances launched through the lifecycle's own methods), with no world; what
//! the other services must do comes back as an `Effect`. Expected values come from the
//! scenario's specs and the rules, not from a run.

use super::{Ctx, Effect, Step};
use crate::event::Event;
use crate::ids::{AzId, DatabaseId, FaultId, GroupId, InstanceId};
use crate::kernel::{EventQueue, SimTime};
use crate::metrics::TimeSeries;
use crate::model::faults::FaultEvent;
use crate::scenario::Scenario;
use crate::sim::lifecycle;
use crate::sim::resilience::FaultState;
use crate::sim::state::Ec2;

/// A group across two AZs, a database, and one fault of each kind.
const SCENARIO: &str = "
name: faults-alone
duration: 2h
azs: [a, b]
workloads:
  users:
    target: alb/web
    rate: 1
    classes:
      - {name: page, path: /, work: {dist: constant, value: 10ms}}
load_balancers:
  web:
    azs: [a, b]
    rules:
      - {default: web}
target_groups:
  web: {group: web}
auto_scaling_groups:
  web:
    instance: {type: c5.large}
    azs: [a, b]
    min: 0
    max: 4
    desired: 0
databases:
  orders:
    engine_capacity: 100
    multi_az: true
    instance: db.r5.large
faults:
  - {at: 10m, az_outage: a, duration: 20m}
  - {at: 5m, instance_failure: web, fraction: 0.5}
  - {at: 40m, latency_injection: orders, latency: 50ms, duration: 10m}
  - {at: 55m, database_failover: orders}
";

const WEB: GroupId = GroupId(0);
const OUTAGE: FaultId = FaultId(0);
const FAILURE: FaultId = FaultId(1);
const LATENCY: FaultId = FaultId(2);
const FAILOVER: FaultId = FaultId(3);

fn scenario() -> Scenario {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Scenario::from_text(SCENARIO, "faults-alone.yaml", &root, &[]).expect("valid")
}

struct Alone {
    s: Scenario,
    faults: FaultState,
    ec2: Ec2,
    queue: EventQueue<Event>,
}

impl Alone {
    fn new() -> Alone {
        let s = scenario();
        let mut series = TimeSeries::default();
        let ec2 = Ec2::new(&s, &mut series);
        Alone {
            faults: FaultState::new(&s),
            ec2,
            queue: EventQueue::new(),
            s,
        }
    }

    /// Launches `n` instances of the group in service (spread over the AZs by its placement).
    fn launch(&mut self, n: usize) -> Vec<InstanceId> {
        let mut cx = lifecycle::Ctx {
            specs: &self.s.groups,
            az_down: &self.faults.az_down,
            counting: true,
            event: 1,
            queue: &mut self.queue,
        };
        (0..n)
            .map(|_| {
                let id = self.ec2.launch(WEB, &mut cx);
                let _ = self.ec2.go_in_service(id, &mut cx);
                id
            })
            .collect()
    }

    fn start(&mut self, f: FaultId) -> Effect {
        let mut cx = ctx(&self.s, &mut self.queue);
        self.faults.start(f, &self.ec2, &mut cx)
    }

    fn end(&mut self, f: FaultId) -> Effect {
        let mut cx = ctx(&self.s, &mut self.queue);
        self.faults.end(f, &mut cx)
    }
}

fn ctx<'a>(s: &'a Scenario, queue: &'a mut EventQueue<Event>) -> Ctx<'a, EventQueue<Event>> {
    Ctx {
        specs: &s.resilience.faults,
        regions: &s.regions,
        seed: s.seed,
        queue,
        tracer: None,
    }
}

/// An AZ outage stops exactly the live instances in that AZ, in launch order, and none
/// elsewhere; its end is scheduled after its duration; a second outage of an AZ already
/// down does nothing, and its end brings the AZ back once.
#[test]
fn an_az_outage_stops_exactly_the_instances_in_that_az() {
    let mut t = Alone::new();
    let ids = t.launch(5);
    let a = AzId(0);
    let in_a: Vec<InstanceId> = (ids.iter().copied())
        .filter(|i| t.ec2.instances[i.index()].az == a)
        .collect();
    assert!(!in_a.is_empty() && in_a.len() < ids.len(), "both AZs used");
    assert_eq!(
        t.start(OUTAGE),
        Effect::AzDown {
            az: a,
            stop: in_a.clone()
        }
    );
    assert!(t.faults.az_down[a.index()]);
    let spec = &t.s.resilience.faults[OUTAGE.index()];
    // Started at 0 here: it ends after its duration.
    let end = spec.duration.expect("a duration");
    let ended = Event::Fault(FaultEvent::Ended(OUTAGE));
    assert_eq!(t.queue.pop(), Some((end, ended)), "ends after its duration");
    assert_eq!(t.start(OUTAGE), Effect::Nothing, "already down");
    assert_eq!(t.end(OUTAGE), Effect::AzUp(a));
    assert_eq!(t.end(OUTAGE), Effect::Nothing, "already up");
    assert!(!t.faults.az_down[a.index()]);
}

/// An instance failure with `fraction: 0.5` stops half of the group's running instances,
/// rounded to the nearest count, each at most once, never one a fault already stopped.
#[test]
fn an_instance_failure_stops_the_fraction_of_running_instances_not_yet_stopped() {
    let mut t = Alone::new();
    let ids = t.launch(4);
    t.faults.mark_stopped(ids[0], OUTAGE);
    let Effect::Stop(mut picked) = t.start(FAILURE) else {
        panic!("an instance failure stops instances");
    };
    let running = ids.len() - 1;
    let expected = (0.5 * running as f64).round() as usize;
    assert_eq!(picked.len(), expected);
    picked.sort();
    picked.dedup();
    assert_eq!(picked.len(), expected, "distinct");
    assert!(picked.iter().all(|i| ids[1..].contains(i)));
}

/// Latency injection sets the database's extra latency for its duration and clears it at
/// its end; a forced failover is detected as it starts and takes the primary.
#[test]
fn injections_set_then_clear_and_a_forced_failover_is_detected_at_once() {
    let mut t = Alone::new();
    let d = DatabaseId(0);
    let extra = SimTime::from_millis(50);
    assert_eq!(t.start(LATENCY), Effect::Latency(d, extra));
    assert_eq!(t.end(LATENCY), Effect::Latency(d, SimTime::ZERO));
    assert_eq!(t.start(FAILOVER), Effect::LosePrimary(d));
    let record = &t.faults.log.records[FAILOVER.index()];
    assert_eq!(record.detected, record.started, "detected as it starts");
    assert!(record.started.is_some());
}

/// After an AZ returns, a group evens its AZs by launching in the emptiest first, but goes
/// over its maximum by at most 10% or one instance, whichever is greater; each rebalancing
/// launch in service lets it terminate one, and the last checks the AZs again.
#[test]
fn rebalancing_evens_the_azs_within_the_margin_over_the_maximum() {
    let mut t = Alone::new();
    t.faults.az_down[0] = true;
    let ids = t.launch(4);
    assert!(ids.iter().all(|i| t.ec2.instances[i.index()].az == AzId(1)));
    t.faults.az_down[0] = false;
    let spec = &t.s.groups[WEB.index()];
    // 4 in b, 0 in a: evening them takes 2 moves; max 4 allows 4 + max(1, 0.4) = 5.
    let max = t.ec2.groups[WEB.index()].max;
    let margin = max.div_ceil(10).max(1);
    let allowed = (max + margin - 4).min(2);
    assert_eq!(t.faults.rebalance(WEB, spec, &t.ec2), allowed);
    assert_eq!(allowed, 1);
    assert_eq!(
        t.faults.rebalance_step(WEB),
        Step::Reconcile { again: true }
    );
    assert_eq!(t.faults.rebalance_step(WEB), Step::Idle);
    // With room under the maximum, both moves are made.
    t.ec2.groups[WEB.index()].max = 10;
    assert_eq!(t.faults.rebalance(WEB, spec, &t.ec2), 2);
    assert_eq!(
        t.faults.rebalance_step(WEB),
        Step::Reconcile { again: false }
    );
    assert_eq!(
        t.faults.rebalance_step(WEB),
        Step::Reconcile { again: true }
    );
}
