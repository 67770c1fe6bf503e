//! Least outstanding requests by load buckets against the scan it replaced: random
//! registrations, deregistrations, health changes and load changes (by one, to zero on a stop,
//! any jump), with the group-wide or per-AZ lists bucketed or not, and between them choices
//! from random nodes and lists (fail open included), which must be the scan's.

use super::*;
use crate::kernel::{RngExt, stream};
use proptest::prelude::*;

const AZS: usize = 3;
const NODES: usize = 2;
const IDS: u32 = 48;

/// The target group before buckets: plain lists kept by `push` and `retain`, and the scan.
#[derive(Default)]
struct Reference {
    targets: Vec<InstanceId>,
    by_az: Vec<Vec<InstanceId>>,
    registered: Vec<InstanceId>,
    registered_by_az: Vec<Vec<InstanceId>>,
    cursors: Vec<u32>,
}

impl Reference {
    fn new() -> Self {
        Reference {
            by_az: vec![Vec::new(); AZS],
            registered_by_az: vec![Vec::new(); AZS],
            cursors: vec![0; NODES],
            ..Default::default()
        }
    }

    fn routable(&self, az: Option<AzId>) -> &[InstanceId] {
        let (healthy, all) = match az {
            Some(a) => (&self.by_az[a.index()], &self.registered_by_az[a.index()]),
            None => (&self.targets, &self.registered),
        };
        if self.targets.is_empty() {
            all
        } else {
            healthy
        }
    }

    /// The scan `LoadBalancer::choose` did before buckets.
    fn choose(&mut self, node: usize, az: Option<AzId>, loads: &[u32]) -> InstanceId {
        let candidates = self.routable(az).to_vec();
        let n = candidates.len();
        let cursor = &mut self.cursors[node];
        let start = *cursor as usize % n;
        *cursor = (*cursor).wrapping_add(1);
        let mut best = candidates[start];
        let mut best_load = loads[best.index()];
        for k in 1..n {
            let c = candidates[(start + k) % n];
            if loads[c.index()] < best_load {
                best = c;
                best_load = loads[c.index()];
            }
        }
        best
    }
}

#[derive(Clone, Debug)]
enum Op {
    Register { id: u32, az: u8, healthy: bool },
    Deregister { id: u32 },
    Probe { id: u32, passed: bool },
    Admit { id: u32 },
    Complete { id: u32 },
    Stop { id: u32 },
    Set { id: u32, load: u32 },
    Choose { node: u8, az: Option<u8> },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..IDS, 0..AZS as u8, any::<bool>())
            .prop_map(|(id, az, healthy)| Op::Register { id, az, healthy }),
        1 => (0..IDS).prop_map(|id| Op::Deregister { id }),
        2 => (0..IDS, any::<bool>()).prop_map(|(id, passed)| Op::Probe { id, passed }),
        6 => (0..IDS).prop_map(|id| Op::Admit { id }),
        5 => (0..IDS).prop_map(|id| Op::Complete { id }),
        1 => (0..IDS).prop_map(|id| Op::Stop { id }),
        1 => (0..IDS, 0..40u32).prop_map(|(id, load)| Op::Set { id, load }),
        8 => (0..NODES as u8, proptest::option::of(0..AZS as u8))
            .prop_map(|(node, az)| Op::Choose { node, az }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn buckets_choose_what_the_scan_chose(
        group_wide in any::<bool>(),
        per_az in any::<bool>(),
        ops in proptest::collection::vec(op(), 1..400),
    ) {
        let spec = HealthCheckSpec { healthy_threshold: 2, unhealthy_threshold: 2, ..Default::default() };
        let mut group = TargetGroup::new(AZS, Algorithm::LeastOutstandingRequests);
        group.bucket_lists(group_wide, per_az);
        let mut reference = Reference::new();
        let mut lb = LoadBalancer::new(NODES, 1, stream(1, "test"));
        let mut loads = vec![0u32; IDS as usize];
        let mut az_of = vec![AzId(0); IDS as usize];
        for op in ops {
            match op {
                Op::Register { id, az, healthy } => {
                    let id = InstanceId(id);
                    if group.is_registered(id) {
                        continue;
                    }
                    // A new occupant of the slot: its count starts from what the world says.
                    let az = AzId(az);
                    az_of[id.index()] = az;
                    let health = if healthy { Health::Healthy } else { Health::Initial };
                    group.register(id, az, health, loads[id.index()]);
                    reference.registered.push(id);
                    reference.registered_by_az[az.index()].push(id);
                    if healthy {
                        reference.targets.push(id);
                        reference.by_az[az.index()].push(id);
                    }
                }
                Op::Deregister { id } => {
                    let (id, az) = (InstanceId(id), az_of[id as usize]);
                    group.deregister(id, az);
                    reference.targets.retain(|&t| t != id);
                    reference.by_az[az.index()].retain(|&t| t != id);
                    reference.registered.retain(|&t| t != id);
                    reference.registered_by_az[az.index()].retain(|&t| t != id);
                }
                Op::Probe { id, passed } => {
                    let (id, az) = (InstanceId(id), az_of[id as usize]);
                    match group.record_probe(id, az, passed, &spec) {
                        Some(Health::Healthy) => {
                            reference.targets.push(id);
                            reference.by_az[az.index()].push(id);
                        }
                        Some(_) => {
                            reference.targets.retain(|&t| t != id);
                            reference.by_az[az.index()].retain(|&t| t != id);
                        }
                        None => {}
                    }
                }
                Op::Admit { id } | Op::Complete { id } | Op::Stop { id } | Op::Set { id, .. } => {
                    let load = &mut loads[id as usize];
                    *load = match op {
                        Op::Admit { .. } => *load + 1,
                        Op::Complete { .. } => load.saturating_sub(1),
                        Op::Set { load, .. } => load,
                        _ => 0,
                    };
                    group.set_outstanding(InstanceId(id), *load);
                }
                Op::Choose { node, az } => {
                    let az = az.map(AzId);
                    prop_assert_eq!(group.routable(az), reference.routable(az));
                    if reference.routable(az).is_empty() {
                        continue;
                    }
                    let want = reference.choose(node as usize, az, &loads);
                    let got = lb.choose(
                        Algorithm::LeastOutstandingRequests,
                        node as usize,
                        TgId(0),
                        &group,
                        az,
                    );
                    prop_assert_eq!(got, want);
                }
            }
        }
    }
}

/// Big lists cross the words and the summary words of the bitsets: 5,000 targets, loads
/// changed by one at random, choices from random cursors.
#[test]
fn a_large_fleet_chooses_what_the_scan_chose() {
    let mut rng = stream(7, "alb/test/large");
    let n = 5_000u32;
    let mut group = TargetGroup::new(1, Algorithm::LeastOutstandingRequests);
    group.bucket_lists(true, true);
    let mut reference = Reference::new();
    let mut lb = LoadBalancer::new(NODES, 1, stream(1, "test"));
    let mut loads = vec![0u32; n as usize];
    for i in 0..n {
        loads[i as usize] = rng.uniform_u64(0, 3) as u32;
        group.register(InstanceId(i), AzId(0), Health::Healthy, loads[i as usize]);
        reference.targets.push(InstanceId(i));
        reference.by_az[0].push(InstanceId(i));
    }
    for step in 0..50_000u32 {
        let id = rng.uniform_u64(0, n as u64) as usize;
        if rng.chance(0.5) {
            loads[id] += 1;
        } else {
            loads[id] = loads[id].saturating_sub(1);
        }
        group.set_outstanding(InstanceId(id as u32), loads[id]);
        let node = (step % NODES as u32) as usize;
        let az = (step % 3 == 0).then_some(AzId(0));
        let want = reference.choose(node, az, &loads);
        let got = lb.choose(
            Algorithm::LeastOutstandingRequests,
            node,
            TgId(0),
            &group,
            az,
        );
        assert_eq!(got, want, "step {step}");
    }
}
