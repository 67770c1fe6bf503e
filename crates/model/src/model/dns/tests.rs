use super::*;
use crate::kernel::stream;

/// The largest |z| a statistical test accepts (about 1 in 1000 by chance).
const Z_MAX: f64 = 3.3;

fn spec(routing: Routing, weights: &[u8], checked: bool) -> DnsRecordSpec {
    DnsRecordSpec {
        name: "shop".into(),
        routing,
        endpoints: weights
            .iter()
            .enumerate()
            .map(|(i, &weight)| DnsEndpoint {
                lb: LbId(i as u16),
                weight,
                bias: 0,
            })
            .collect(),
        health_check: checked.then_some(DnsHealthCheck {
            interval: SimTime::from_secs(30),
            failure_threshold: 3,
        }),
        ttl: SimTime::from_secs(60),
        propagation: SimTime::ZERO,
        workloads: vec![],
        order: vec![],
        places: vec![],
    }
}

/// Drives `rounds` probes with the same results, so that endpoints reach their threshold.
fn probe(r: &mut DnsRecord, s: &DnsRecordSpec, passed: u64, rounds: u32, at: SimTime) {
    for _ in 0..rounds {
        r.record_probes(passed, s, at);
    }
}

/// Counts which endpoint `n` clients use, long after the last answer change.
fn shares(r: &mut DnsRecord, s: &DnsRecordSpec, n: u64) -> Vec<u64> {
    let mut rng = stream(7, "dns-test");
    let late = SimTime::from_secs(1_000_000);
    let mut counts = vec![0; s.endpoints.len()];
    for _ in 0..n {
        counts[r.resolve(s, late, &mut rng, None).unwrap()] += 1;
    }
    counts
}

/// |z| of a binomial count against probability `p` of `n` trials.
fn z(count: u64, n: u64, p: f64) -> f64 {
    let n = n as f64;
    (count as f64 - n * p) / (n * p * (1.0 - p)).sqrt()
}

#[test]
fn failover_moves_after_the_threshold_and_clients_follow_over_the_ttl() {
    let s = spec(Routing::Failover, &[0, 0], true);
    let mut r = DnsRecord::new(&s);
    let t = SimTime::from_secs(100);
    assert_eq!(r.record_probes(0, &s, t), None);
    assert_eq!(r.record_probes(0, &s, t), None);
    assert_eq!(r.record_probes(0, &s, t), Some(0b10));
    assert_eq!(r.fraction_current(&s, t), 0.0);
    assert_eq!(r.fraction_current(&s, t + SimTime::from_secs(30)), 0.5);
    assert_eq!(r.fraction_current(&s, t + SimTime::from_secs(60)), 1.0);
    assert_eq!(routing::choose(&s, r.healthy, 0.3), 1);
    assert_eq!(routing::choose(&s, r.previous, 0.3), 0);
    // A pass resets the count; as many passes fail back.
    assert_eq!(r.record_probes(1, &s, t), None);
    assert_eq!(r.record_probes(1, &s, t), None);
    assert_eq!(r.record_probes(1, &s, t), Some(0b11));
    assert_eq!((r.failovers, r.failbacks, r.answer_changes), (1, 1, 2));
}

#[test]
fn weighted_shares_follow_the_weights() {
    // Route 53: a record gets weight / sum of weights; 1 and 255 give 1/256 and 255/256.
    let weights = [1, 30, 70, 155];
    let s = spec(Routing::Weighted, &weights, false);
    let mut r = DnsRecord::new(&s);
    let n = 400_000;
    let counts = shares(&mut r, &s, n);
    let total: f64 = weights.iter().map(|&w| f64::from(w)).sum();
    for (i, &c) in counts.iter().enumerate() {
        let p = f64::from(weights[i]) / total;
        assert!(z(c, n, p).abs() < Z_MAX, "endpoint {i}: {c} of {n}, p {p}");
    }
    assert_eq!(r.requests, counts);
}

#[test]
fn weight_zero_gets_traffic_only_when_every_other_is_unhealthy() {
    // The documented table: weights 1, 1, 0, each with a health check; which answer.
    let s = spec(Routing::Weighted, &[1, 1, 0], true);
    let cases: [(u64, [bool; 3]); 5] = [
        (0b100, [false, false, true]),
        (0b000, [true, true, false]),
        (0b010, [false, true, false]),
        (0b011, [true, true, false]),
        (0b111, [true, true, false]),
    ];
    for (serving, answered) in cases {
        let mut r = DnsRecord::new(&s);
        probe(&mut r, &s, serving, 3, SimTime::ZERO);
        let counts = shares(&mut r, &s, 3_000);
        for (i, &c) in counts.iter().enumerate() {
            assert_eq!(
                c > 0,
                answered[i],
                "serving {serving:03b}: endpoint {i} got {c}"
            );
        }
    }
    // Every weight 0: equal shares.
    let s = spec(Routing::Weighted, &[0, 0], false);
    let mut r = DnsRecord::new(&s);
    let counts = shares(&mut r, &s, 100_000);
    assert!(z(counts[0], 100_000, 0.5).abs() < Z_MAX, "{counts:?}");
}

#[test]
fn multivalue_answers_hold_at_most_eight_healthy_endpoints_uniformly() {
    let n_endpoints = 20;
    let s = spec(Routing::Multivalue, &[0; 20], true);
    let serving: u64 = routing::all(n_endpoints) & !0b1010_1000_0001; // 4 unhealthy
    let mut rng = stream(3, "multivalue");
    for _ in 0..2_000 {
        let a = answer(&s.endpoints, serving, &mut rng);
        let e = a.endpoints();
        assert_eq!(e.len(), MAX_ANSWERS);
        for (k, &i) in e.iter().enumerate() {
            assert!(serving >> i & 1 == 1, "unhealthy endpoint {i} answered");
            assert!(!e[..k].contains(&i), "endpoint {i} answered twice");
        }
    }
    // Fewer than 8 healthy: all of them; none healthy: 8 of the unhealthy.
    assert_eq!(answer(&s.endpoints, 0b111, &mut rng).endpoints().len(), 3);
    assert_eq!(answer(&s.endpoints, 0, &mut rng).endpoints().len(), 8);
    // Clients use the first: uniform over the 16 healthy.
    let mut r = DnsRecord::new(&s);
    probe(&mut r, &s, serving, 3, SimTime::ZERO);
    let n = 160_000;
    let counts = shares(&mut r, &s, n);
    for (i, &c) in counts.iter().enumerate() {
        if serving >> i & 1 == 1 {
            assert!(z(c, n, 1.0 / 16.0).abs() < Z_MAX, "endpoint {i}: {c}");
        } else {
            assert_eq!(c, 0, "unhealthy endpoint {i}");
        }
    }
}

#[test]
fn simple_routing_spreads_over_every_endpoint() {
    let s = spec(Routing::Simple, &[0, 0, 0], false);
    assert_eq!(s.probed(), 0);
    let mut r = DnsRecord::new(&s);
    let n = 90_000;
    for (i, &c) in shares(&mut r, &s, n).iter().enumerate() {
        assert!(z(c, n, 1.0 / 3.0).abs() < Z_MAX, "endpoint {i}: {c}");
    }
}

#[test]
fn clients_keep_the_previous_answer_until_their_ttl_runs_out() {
    // Weighted 50/50; endpoint 1 fails at t. Half a TTL later, half the clients still hold
    // the old answer, of whom half use endpoint 1: a quarter of the traffic.
    let s = spec(Routing::Weighted, &[50, 50], true);
    let mut r = DnsRecord::new(&s);
    let t = SimTime::from_secs(100);
    probe(&mut r, &s, 0b01, 3, t);
    assert_eq!(r.healthy, 0b01);
    let mut rng = stream(5, "ttl");
    let half = t + SimTime::from_secs(30);
    let n = 100_000;
    let to_1 = (0..n)
        .filter(|_| r.resolve(&s, half, &mut rng, None) == Some(1))
        .count() as u64;
    assert!(z(to_1, n, 0.25).abs() < Z_MAX, "{to_1} of {n}");
    let after = t + SimTime::from_secs(60);
    assert!((0..1_000).all(|_| r.resolve(&s, after, &mut rng, None) == Some(0)));
}

fn place(
    continent: &str,
    country: &str,
    subdivision: Option<&str>,
) -> crate::model::region::Geography {
    crate::model::region::Geography {
        name: "g".into(),
        location: crate::model::region::GeoPoint { lat: 0.0, lon: 0.0 },
        continent: continent.into(),
        country: country.into(),
        subdivision: subdivision.map(str::to_string),
        rtt: vec![],
    }
}

#[test]
fn geolocation_prefers_the_most_specific_match_then_larger_areas_then_the_default() {
    use geo::{GeoLocation as L, geolocation_order, preferred};
    let records = [
        L::Default,
        L::Continent("NA".into()),
        L::Country("US".into()),
        L::Subdivision("US".into(), "CA".into()),
        L::Country("DE".into()),
    ];
    let california = place("NA", "US", Some("CA"));
    let order = geolocation_order(&records, &california);
    assert_eq!(
        order,
        vec![3, 2, 1, 0],
        "subdivision > country > continent > default"
    );
    // The most specific healthy one answers; all unhealthy: the most specific (fail open).
    assert_eq!(preferred(&order, 0b11111), Some(3));
    assert_eq!(preferred(&order, 0b10111), Some(2));
    assert_eq!(preferred(&order, 0b10001), Some(0));
    assert_eq!(preferred(&order, 0), Some(3));
    assert_eq!(
        geolocation_order(&records, &place("EU", "DE", None)),
        vec![4, 0]
    );
    // No match and no default: no answer.
    let order = geolocation_order(&records[1..], &place("AS", "JP", None));
    assert!(order.is_empty());
    assert_eq!(preferred(&order, u64::MAX), None);
}

#[test]
fn geoproximity_bias_scales_distances_as_route53_documents() {
    use geo::{biased_distance, geoproximity_order};
    assert_eq!(biased_distance(1000.0, 0), 1000.0);
    assert!((biased_distance(1000.0, 25) - 750.0).abs() < 1e-9);
    assert!((biased_distance(1000.0, -50) - 2000.0).abs() < 1e-9);
    assert!((biased_distance(1000.0, 99) - 10.0).abs() < 1e-9);
    // 1000 km and 1400 km: the nearer wins; a bias of +30 on the farther makes it 980 km.
    assert_eq!(geoproximity_order(&[1000.0, 1400.0], &[0, 0]), vec![0, 1]);
    assert_eq!(geoproximity_order(&[1000.0, 1400.0], &[0, 30]), vec![1, 0]);
    assert_eq!(geoproximity_order(&[1000.0, 1400.0], &[0, 28]), vec![0, 1]);
}

#[test]
fn latency_orders_by_round_trip_and_skips_unhealthy_regions() {
    let order = geo::latency_order(&[80_000_000, 20_000_000, 150_000_000]);
    assert_eq!(order, vec![1, 0, 2]);
    assert_eq!(geo::preferred(&order, 0b101), Some(0));
    assert_eq!(geo::preferred(&order, 0b100), Some(2));
}
