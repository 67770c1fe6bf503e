//! EC2's lifecycle on its own: the lifecycle's code runs on a queue of events with no world,
//! and what the load balancers, SQS and the faults must do comes back as values. Expected
//! times and counts come from the scenario's specs and AWS's rules, not from a run.

use super::{Ctx, Detection, Replace, ScaleIn};
use crate::event::Event;
use crate::ids::{AzId, GroupId, InstanceId, RequestId, TgId};
use crate::kernel::{EventQueue, SimTime};
use crate::metrics::TimeSeries;
use crate::model::autoscaling::AutoScalingEvent;
use crate::model::health::Health;
use crate::model::instance::{InstanceState, Job, PENDING_MAX, PENDING_MIN};
use crate::scenario::Scenario;
use crate::sim::state::{Alb, Ec2};

/// A web group in two AZs registered with two target groups of different deregistration
/// delays, replaced on ELB health checks after a 300 s grace period, booting in 90 s; and a
/// one-AZ batch group whose first instance is protected from scale-in.
const SCENARIO: &str = "
name: lifecycle-alone
duration: 1h
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
      - {path: /admin/*, target_group: admin}
      - {default: web}
target_groups:
  web: {group: web, deregistration_delay: 45s}
  admin: {group: web, deregistration_delay: 20s}
auto_scaling_groups:
  web:
    instance: {type: c5.large}
    azs: [a, b]
    min: 0
    max: 10
    desired: 0
    boot_time: {dist: constant, value: 90s}
    health_check_type: elb
    health_check_grace: 300s
  batch:
    instance: {type: c5.large}
    azs: [a]
    min: 0
    max: 10
    desired: 0
    termination_policy: oldest_instance
    protected_instances: 1
";

// Named sections are ordered by name.
const BATCH: GroupId = GroupId(0);
const WEB: GroupId = GroupId(1);
const BOOT: SimTime = SimTime::from_secs(90);
const GRACE: SimTime = SimTime::from_secs(300);

fn scenario() -> Scenario {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let s = Scenario::from_text(SCENARIO, "lifecycle-alone.yaml", &root, &[]).expect("valid");
    assert_eq!(s.groups[WEB.index()].name, "web");
    assert_eq!(s.groups[BATCH.index()].name, "batch");
    s
}

/// EC2's state, a queue, and the AZs up or down, for one scenario.
struct Alone {
    s: Scenario,
    ec2: Ec2,
    queue: EventQueue<Event>,
    az_down: Vec<bool>,
}

impl Alone {
    fn new() -> Alone {
        let s = scenario();
        let ec2 = Ec2::new(&s, &mut TimeSeries::default());
        let az_down = vec![false; s.azs.len()];
        Alone {
            s,
            ec2,
            queue: EventQueue::new(),
            az_down,
        }
    }

    /// EC2's state and its context (during event 1).
    fn parts(&mut self) -> (&mut Ec2, Ctx<'_, EventQueue<Event>>) {
        let cx = Ctx {
            specs: &self.s.groups,
            az_down: &self.az_down,
            counting: true,
            event: 1,
            queue: &mut self.queue,
        };
        (&mut self.ec2, cx)
    }

    /// Launches an instance of `g` in service at once.
    fn in_service(&mut self, g: GroupId) -> InstanceId {
        let (ec2, mut cx) = self.parts();
        let id = ec2.launch(g, &mut cx);
        let _ = ec2.go_in_service(id, &mut cx);
        id
    }

    /// The pending events naming instance `id`.
    fn pending_for(&self, id: InstanceId) -> Vec<Event> {
        self.queue
            .pending()
            .filter(|e| format!("{e:?}").contains(&format!("InstanceId({})", id.0)))
            .collect()
    }
}

/// A launch is pending for the group's boot time (a constant 90 s here), then its boot
/// event fires; EC2 bills it from `running`, 15-25 s after the launch request and never
/// later than the boot's end.
#[test]
fn a_launch_boots_for_the_groups_boot_time_and_bills_from_running() {
    let mut t = Alone::new();
    let (ec2, mut cx) = t.parts();
    let id = ec2.launch_booting(WEB, &mut cx).expect("both AZs are up");
    let inst = &t.ec2.instances[id.index()];
    assert_eq!(inst.state, InstanceState::Pending);
    assert!(
        (PENDING_MIN..=PENDING_MAX.min(BOOT)).contains(&inst.running_at),
        "running at {:?}",
        inst.running_at
    );
    let booted = Event::AutoScaling(AutoScalingEvent::InstanceBooted(id));
    assert_eq!(t.queue.pop(), Some((BOOT, booted)));
}

/// Launches go to the emptiest AZ among those up (AWS: "launch in the group's AZ with the
/// fewest instances; if that fails, another AZ"); with every AZ of the group down nothing
/// launches.
#[test]
fn launches_go_to_the_azs_that_are_up() {
    let mut t = Alone::new();
    let (ec2, mut cx) = t.parts();
    let first = ec2.launch_booting(WEB, &mut cx).expect("launches");
    let second = ec2.launch_booting(WEB, &mut cx).expect("launches");
    let azs = |t: &Alone, ids: &[InstanceId]| -> Vec<AzId> {
        ids.iter().map(|i| t.ec2.instances[i.index()].az).collect()
    };
    let mut both = azs(&t, &[first, second]);
    both.sort();
    assert_eq!(both, [AzId(0), AzId(1)], "one in each AZ");
    t.az_down[0] = true;
    let (ec2, mut cx) = t.parts();
    let ids: Vec<InstanceId> = (0..3)
        .map(|_| ec2.launch_booting(WEB, &mut cx).expect("b is up"))
        .collect();
    assert_eq!(azs(&t, &ids), [AzId(1); 3], "only b is up");
    t.az_down[1] = true;
    let (ec2, mut cx) = t.parts();
    assert_eq!(ec2.launch_booting(WEB, &mut cx), None, "no AZ is up");
}

/// Going in service asks for a registration of the instance in its group's target groups
/// (both of them), and starts the 300 s grace period of ELB health checks.
#[test]
fn in_service_registers_in_the_groups_target_groups_and_starts_the_grace_period() {
    let mut t = Alone::new();
    let (ec2, mut cx) = t.parts();
    let id = ec2.launch(WEB, &mut cx);
    let r = ec2.go_in_service(id, &mut cx);
    ec2.start_grace(id, &mut cx);
    assert_eq!((r.id, r.group, r.outstanding), (id, WEB, 0));
    assert_eq!(t.ec2.target_groups_of(WEB), [TgId(0), TgId(1)]);
    assert_eq!(t.ec2.groups[WEB.index()].in_service, 1);
    let grace = Event::AutoScaling(AutoScalingEvent::GracePeriodEnded(id));
    assert_eq!(t.queue.pop(), Some((GRACE, grace)));
    // The batch group has no target group: no grace period to wait for.
    let (ec2, mut cx) = t.parts();
    let b = ec2.launch(BATCH, &mut cx);
    let _ = ec2.go_in_service(b, &mut cx);
    ec2.start_grace(b, &mut cx);
    assert_eq!(t.queue.pop(), None);
}

/// Scale-in: an idle in-service instance terminates at once; one serving a request drains,
/// deregistered from every target group, for the longest of their deregistration delays
/// (AWS: the load balancer waits the delay for in-flight requests to complete).
#[test]
fn scale_in_terminates_an_idle_instance_and_drains_a_busy_one_for_the_longest_delay() {
    let mut t = Alone::new();
    let idle = t.in_service(WEB);
    let busy = t.in_service(WEB);
    let job = Job::Request(RequestId(0));
    let work = SimTime::from_secs(1);
    t.ec2.instances[busy.index()].admit(busy, job, work, &mut t.queue);
    assert_eq!(t.ec2.scale_in(idle), ScaleIn::Terminate);
    let ScaleIn::Drain { group, az } = t.ec2.scale_in(busy) else {
        panic!("a busy instance drains");
    };
    assert_eq!(t.ec2.instances[busy.index()].state, InstanceState::Draining);
    assert_eq!(t.ec2.groups[WEB.index()].in_service, 1, "it left service");
    assert!(!t.ec2.drained(busy), "its request is still on it");
    let mut alb = Alb::new(&t.s);
    for &tg in t.ec2.target_groups_of(group) {
        alb.target_groups[tg.index()].register(busy, az, Health::Healthy, 1);
    }
    let specs = &t.s.target_groups;
    let delay = alb.deregister(t.ec2.target_groups_of(group), specs, (busy, az));
    let longest = specs.iter().map(|tg| tg.deregistration_delay).max();
    assert_eq!(Some(delay), longest);
    assert_eq!(delay, SimTime::from_secs(45), "web's, not admin's 20 s");
}

/// A group above its desired capacity removes the surplus by its termination policy, never
/// a protected instance; below it, it launches the missing ones.
#[test]
fn reconcile_launches_the_missing_and_never_removes_a_protected_instance() {
    let mut t = Alone::new();
    t.ec2.groups[BATCH.index()].desired = 3;
    let (ec2, mut cx) = t.parts();
    assert!(ec2.reconcile(BATCH, &mut cx).is_empty());
    let boots = t.queue.pending().count();
    assert_eq!(boots, 3, "three launches booting");
    let mut t = Alone::new();
    let ids: Vec<InstanceId> = (0..3).map(|_| t.in_service(BATCH)).collect();
    assert!(t.ec2.instances[ids[0].index()].protected, "the first is");
    t.ec2.groups[BATCH.index()].desired = 0;
    let (ec2, mut cx) = t.parts();
    let mut victims = ec2.reconcile(BATCH, &mut cx);
    victims.sort();
    assert_eq!(victims, [ids[1], ids[2]], "all but the protected one");
}

/// Terminating an instance cancels every pending event naming it (its boot, its grace
/// period, its status check), and the group forgets it.
#[test]
fn termination_cancels_every_timer_naming_the_instance() {
    let mut t = Alone::new();
    let (ec2, mut cx) = t.parts();
    let id = ec2.launch_booting(WEB, &mut cx).expect("launches");
    let other = ec2.launch_booting(WEB, &mut cx).expect("launches");
    let _ = ec2.go_in_service(id, &mut cx);
    ec2.start_grace(id, &mut cx);
    let _ = ec2.detect_stop(id, &mut cx);
    assert_eq!(t.pending_for(id).len(), 3, "boot, grace, status check");
    let (ec2, mut cx) = t.parts();
    let (g, _) = ec2.terminate(id, &mut cx);
    ec2.retire(id, &mut cx);
    assert_eq!(g, WEB);
    assert!(t.pending_for(id).is_empty());
    assert_eq!(t.pending_for(other).len(), 1, "the other's boot stays");
    let group = &t.ec2.groups[WEB.index()];
    assert_eq!((group.terminated, group.in_service), (1, 0));
    assert_eq!(group.instances, [other]);
}

/// A stopped instance: a running one is found by EC2 status checks, two failed one-minute
/// checks later; a pending one never boots, so the group notices at once.
#[test]
fn a_stopped_instance_is_detected_by_status_checks_or_at_once_when_pending() {
    let mut t = Alone::new();
    let running = t.in_service(WEB);
    let (ec2, mut cx) = t.parts();
    let pending = ec2.launch_booting(WEB, &mut cx).expect("launches");
    assert!(ec2.stop(running, &mut cx));
    let at = SimTime::from_secs(2 * 60);
    assert_eq!(ec2.detect_stop(running, &mut cx), Detection::At(at));
    assert!(ec2.stop(pending, &mut cx));
    assert_eq!(ec2.detect_stop(pending, &mut cx), Detection::Now);
    let failed = Event::AutoScaling(AutoScalingEvent::StatusCheckFailed(running));
    assert!(t.queue.pending().any(|e| e == failed));
}

/// With ELB health checks, an instance found unhealthy inside its grace period is kept
/// (replaced when the period ends if still unhealthy); after it, it is replaced at once.
#[test]
fn an_unhealthy_instance_is_replaced_only_after_its_grace_period() {
    let mut t = Alone::new();
    let id = t.in_service(WEB);
    let groups = &t.s.groups;
    let inside = GRACE - SimTime::from_secs(1);
    assert_eq!(t.ec2.target_unhealthy(id, groups, inside), None);
    let serial = t.ec2.instances[id.index()].serial;
    let replace = Replace {
        id,
        group: WEB,
        cause: format!("replacing unhealthy instance {serial}"),
    };
    assert_eq!(
        t.ec2.target_unhealthy(id, groups, GRACE),
        Some(replace.clone())
    );
    let unhealthy = |_: TgId, _: InstanceId| Some(Health::Unhealthy);
    let healthy = |_: TgId, _: InstanceId| Some(Health::Healthy);
    assert_eq!(t.ec2.grace_ended(id, unhealthy), Some(replace));
    assert_eq!(t.ec2.grace_ended(id, healthy), None);
}

/// In a world: the in-service counter agrees with the instances' states after runs that scale out,
/// drain and terminate on scale-in, and replace and rebalance across an AZ outage.
#[test]
fn the_in_service_counter_matches_the_instances() {
    for file in ["scenarios/quickstart.yaml", "scenarios/az-outage.yaml"] {
        let world = crate::sim::invariants::run_shipped(file);
        for (g, group) in world.ec2.groups.iter().enumerate() {
            let scanned = group
                .instances
                .iter()
                .filter(|i| world.ec2.instances[i.index()].state == InstanceState::InService)
                .count() as u32;
            assert_eq!(group.in_service, scanned, "{file}: group {g}");
        }
        // The run went through terminations, so the counter was moved both ways.
        assert!(world.ec2.groups.iter().any(|g| g.terminated > 0), "{file}");
    }
}
