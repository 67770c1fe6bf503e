//! Regions, client geographies and Route 53's geographic records end to end: every client
//! reaches its lowest-latency healthy region and its latency carries the round trip; after a
//! region fails, traffic moves after detection plus the TTL (exact arithmetic, as for
//! failover); geolocation answers the most specific match, the default, or nothing;
//! geoproximity's bias moves the boundary where Route 53's formula puts it; a region outage
//! stops exactly that region's components; region prices multiply; bad input is reported
//! with its paths.

use crate::support::*;
use stratus::scenario::Scenario;
use stratus::sim::RunResult;

/// Three regions; three client geographies with measured round trips (ms) to each.
const LATENCY: &str = r#"
name: latency
duration: 20m
regions:
  us-east-1: {azs: [use1-a, use1-b]}
  eu-west-1: {azs: [euw1-a, euw1-b]}
  ap-northeast-1: {azs: [apne1-a, apne1-b]}
geographies:
  boston: {location: {lat: 42.4, lon: -71.1}, continent: NA, country: US, subdivision: MA,
           latency: {us-east-1: 12ms, eu-west-1: 75ms, ap-northeast-1: 170ms}}
  paris: {location: {lat: 48.9, lon: 2.35}, continent: EU, country: FR,
          latency: {us-east-1: 80ms, eu-west-1: 18ms, ap-northeast-1: 220ms}}
  seoul: {location: {lat: 37.6, lon: 127.0}, continent: AS, country: KR,
          latency: {us-east-1: 180ms, eu-west-1: 240ms, ap-northeast-1: 35ms}}
workloads:
  na: {target: dns/shop, rate: 10, arrivals: uniform, geography: boston, work: {dist: constant, value: 10ms}}
  eu: {target: dns/shop, rate: 10, arrivals: uniform, geography: paris, work: {dist: constant, value: 10ms}}
  asia: {target: dns/shop, rate: 10, arrivals: uniform, geography: seoul, work: {dist: constant, value: 10ms}}
dns:
  shop:
    routing: latency
    records: [{load_balancer: use1}, {load_balancer: euw1}, {load_balancer: apne1}]
    ttl: 60s
    health_check: {interval: 30s, failure_threshold: 3}
load_balancers:
  use1: {azs: [use1-a, use1-b], rules: [{default: use1}]}
  euw1: {azs: [euw1-a, euw1-b], rules: [{default: euw1}]}
  apne1: {azs: [apne1-a, apne1-b], rules: [{default: apne1}]}
target_groups:
  use1: {group: use1}
  euw1: {group: euw1}
  apne1: {group: apne1}
auto_scaling_groups:
  use1: {instance: {vcpus: 2}, azs: [use1-a, use1-b], desired: 2, discipline: fcfs}
  euw1: {instance: {vcpus: 2}, azs: [euw1-a, euw1-b], desired: 2, discipline: fcfs}
  apne1: {instance: {vcpus: 2}, azs: [apne1-a, apne1-b], desired: 2, discipline: fcfs}
"#;

fn requests(r: &RunResult, lb: &str) -> u64 {
    let d = &r.services.dns[0];
    d.requests.iter().find(|(n, _)| n == lb).map_or(0, |e| e.1)
}

fn workload<'a>(r: &'a RunResult, name: &str) -> &'a stratus::metrics::RequestStats {
    &r.workloads
        .iter()
        .find(|(n, _)| n == name)
        .expect("workload")
        .1
}

#[test]
fn every_client_reaches_its_lowest_latency_region_and_waits_its_round_trip() {
    let r = simulate(parse(LATENCY, &[]));
    // The lowest round trip of each geography's row: boston -> us-east-1 (12 ms), paris ->
    // eu-west-1 (18 ms), seoul -> ap-northeast-1 (35 ms). Every request of a workload goes
    // to its region, none elsewhere.
    for (w, lb, rtt_ms) in [
        ("na", "use1", 12.0),
        ("eu", "euw1", 18.0),
        ("asia", "apne1", 35.0),
    ] {
        let stats = workload(&r, w);
        assert_eq!(requests(&r, lb), stats.total, "{w} all to {lb}");
        assert_eq!(stats.failed(), 0);
        // Evenly spaced arrivals on idle instances: each request takes its 10 ms of work plus
        // the round trip, to the histogram's precision.
        let expected = 10.0 + rtt_ms;
        for q in [0.0, 1.0] {
            let got = stats.latency.quantile_ms(q);
            assert!(
                (got - expected).abs() < expected * 2e-3,
                "{w} q{q}: {got} ms"
            );
        }
    }
}

#[test]
fn after_a_region_fails_its_clients_move_after_detection_plus_the_ttl() {
    let r = simulate(parse(
        LATENCY,
        &["faults=[{at: 615s, region_outage: eu-west-1}]"],
    ));
    let change = (r.resilience.timeline.iter())
        .find(|e| e.event == "dns_answer")
        .expect("the answer changed");
    // Checks every 30 s; three failures at 630, 660 and 690 s.
    assert_eq!(change.time.as_secs_f64(), 690.0);
    // Paris's next lowest round trip is us-east-1 (80 ms, against 220 ms to Tokyo). Its
    // clients reach eu-west-1 until 690 s, then a share falling linearly to zero over the
    // 60 s TTL (half of it on average): 10/s x (690 + 30) s, arrivals evenly spaced.
    let to_eu = requests(&r, "euw1");
    let expected = 10.0 * (690.0 + 60.0 / 2.0);
    // Which cached answer each client holds is a uniform draw, old with probability p
    // falling from 1 to 0 over the TTL: the variance is the sum of p (1 - p), n / 6.
    let sd = (10.0 * 60.0 / 6.0_f64).sqrt();
    assert!(
        ((to_eu as f64 - expected) / sd).abs() < Z_MAX,
        "eu-west-1 {to_eu}, expected {expected}"
    );
    let moved = requests(&r, "use1") - workload(&r, "na").total;
    assert_eq!(moved + to_eu, workload(&r, "eu").total);
    assert_eq!(requests(&r, "apne1"), workload(&r, "asia").total);
    // Requests reaching eu-west-1 after the outage fail; none before it.
    let failed = workload(&r, "eu").failed() as f64;
    let after = to_eu as f64 - 10.0 * 615.0;
    assert!(
        (failed - after).abs() <= 2.0,
        "failed {failed}, after {after}"
    );
}

const GEOLOCATION: &str = r#"
name: geolocation
duration: 5m
azs: [a, b, c, d, e, f, g, h]
workloads:
  california: {target: dns/site, rate: 20, geography: us-west, work: {dist: constant, value: 5ms}}
  virginia: {target: dns/site, rate: 20, geography: us-east, work: {dist: constant, value: 5ms}}
  toronto: {target: dns/site, rate: 20, geography: canada, work: {dist: constant, value: 5ms}}
  germany: {target: dns/site, rate: 20, geography: germany, work: {dist: constant, value: 5ms}}
  japan: {target: dns/site, rate: 20, geography: japan, work: {dist: constant, value: 5ms}}
  tokyo-strict: {target: dns/strict, rate: 20, geography: japan, work: {dist: constant, value: 5ms}}
  berlin-strict: {target: dns/strict, rate: 20, geography: germany, work: {dist: constant, value: 5ms}}
dns:
  site:
    routing: geolocation
    records:
      - {load_balancer: state, location: {country: US, subdivision: CA}}
      - {load_balancer: country, location: {country: US}}
      - {load_balancer: continent, location: {continent: NA}}
      - {load_balancer: europe, location: {continent: EU}}
      - {load_balancer: rest, location: "*"}
  strict:
    routing: geolocation
    records: [{load_balancer: europe, location: {continent: EU}}]
load_balancers:
  state: {azs: [a, b], rules: [{default: state}]}
  country: {azs: [c, d], rules: [{default: country}]}
  continent: {azs: [e, f], rules: [{default: continent}]}
  europe: {azs: [g, h], rules: [{default: europe}]}
  rest: {azs: [a, h], rules: [{default: rest}]}
target_groups:
  state: {group: state}
  country: {group: country}
  continent: {group: continent}
  europe: {group: europe}
  rest: {group: rest}
auto_scaling_groups:
  state: {instance: {vcpus: 2}, azs: [a, b], desired: 2}
  country: {instance: {vcpus: 2}, azs: [c, d], desired: 2}
  continent: {instance: {vcpus: 2}, azs: [e, f], desired: 2}
  europe: {instance: {vcpus: 2}, azs: [g, h], desired: 2}
  rest: {instance: {vcpus: 2}, azs: [a, h], desired: 2}
"#;

#[test]
fn geolocation_answers_the_most_specific_match_the_default_or_nothing() {
    let r = simulate(parse(GEOLOCATION, &[]));
    let site = &r
        .services
        .dns
        .iter()
        .find(|d| d.name == "site")
        .expect("site");
    let to = |lb: &str| {
        site.requests
            .iter()
            .find(|(n, _)| n == lb)
            .map_or(0, |e| e.1)
    };
    // us-west is US-CA: the subdivision; us-east (US-VA) the country; canada the continent
    // (NA); germany its continent (EU); japan (AS) nothing but the default `*`.
    assert_eq!(to("state"), workload(&r, "california").total);
    assert_eq!(to("country"), workload(&r, "virginia").total);
    assert_eq!(to("continent"), workload(&r, "toronto").total);
    assert_eq!(to("europe"), workload(&r, "germany").total);
    assert_eq!(to("rest"), workload(&r, "japan").total);
    assert_eq!(site.no_answer, 0);
    // No record matches Japan and `strict` has no default: every resolution fails, counted
    // as `dns_no_answer`; Germany's clients get their continent's record.
    let strict = &r
        .services
        .dns
        .iter()
        .find(|d| d.name == "strict")
        .expect("strict");
    let tokyo = workload(&r, "tokyo-strict");
    assert!(tokyo.total > 5_000);
    assert_eq!(strict.no_answer, tokyo.total);
    assert_eq!(tokyo.errors[6], tokyo.total, "all dns_no_answer");
    assert_eq!(workload(&r, "berlin-strict").failed(), 0);
}

/// Two regions on the equator, 20 degrees apart; clients 5 degrees from the first.
const GEOPROXIMITY: &str = r#"
name: geoproximity
duration: 2m
regions:
  west: {azs: [w1, w2], location: {lat: 0, lon: 0}}
  east: {azs: [e1, e2], location: {lat: 0, lon: 20}}
geographies:
  between: {location: {lat: 0, lon: 5}, continent: AF, country: GA}
workloads:
  clients: {target: dns/site, rate: 20, geography: between, work: {dist: constant, value: 5ms}}
dns:
  site:
    routing: geoproximity
    records: [{load_balancer: west, bias: 0}, {load_balancer: east, bias: 0}]
load_balancers:
  west: {azs: [w1, w2], rules: [{default: west}]}
  east: {azs: [e1, e2], rules: [{default: east}]}
target_groups:
  west: {group: west}
  east: {group: east}
auto_scaling_groups:
  west: {instance: {vcpus: 2}, azs: [w1, w2], desired: 2}
  east: {instance: {vcpus: 2}, azs: [e1, e2], desired: 2}
"#;

#[test]
fn geoproximity_bias_moves_the_boundary_where_the_formula_puts_it() {
    // Along the equator the distances are 5 and 15 degrees of arc. Route 53: a positive bias
    // b gives d (1 - b/100), a negative one d / (1 + b/100). East wins once
    // 15 (1 - b/100) < 5, i.e. b > 66.67; west loses once 5 / (1 + b/100) > 15, i.e.
    // b < -66.67.
    let winner = |west: i32, east: i32| {
        let set = format!(
            "dns.site.records=[{{load_balancer: west, bias: {west}}}, {{load_balancer: east, bias: {east}}}]"
        );
        let r = simulate(parse(GEOPROXIMITY, &[&set]));
        let total = workload(&r, "clients").total;
        match (requests(&r, "west"), requests(&r, "east")) {
            (n, 0) if n == total => "west",
            (0, n) if n == total => "east",
            other => panic!("split {other:?}"),
        }
    };
    let boundary: f64 = 100.0 * (1.0 - 5.0 / 15.0);
    assert_eq!(winner(0, 0), "west");
    assert_eq!(winner(0, boundary.floor() as i32), "west");
    assert_eq!(winner(0, boundary.ceil() as i32), "east");
    assert_eq!(winner(-(boundary.floor() as i32), 0), "west");
    assert_eq!(winner(-(boundary.ceil() as i32), 0), "east");
}

#[test]
fn a_region_outage_stops_exactly_that_regions_components() {
    let r = simulate(parse(
        LATENCY,
        &["faults=[{at: 615s, region_outage: eu-west-1}]"],
    ));
    for i in &r.instances {
        if i.az.starts_with("euw1") {
            // Every instance there stops at the outage and is replaced by none.
            assert!(i.launched_s < 615.0, "no launch during the outage: {i:?}");
            assert!(i.terminated_s.is_some_and(|t| t >= 615.0), "{i:?}");
        } else {
            assert_eq!(i.terminated_s, None, "{i:?}");
        }
    }
    assert_eq!(workload(&r, "na").failed(), 0);
    assert_eq!(workload(&r, "asia").failed(), 0);
    let events: Vec<&str> = (r.resilience.timeline.iter())
        .filter(|e| e.fault.is_some())
        .map(|e| e.event)
        .collect();
    assert_eq!(events.first(), Some(&"started"));
    let started = &r.resilience.timeline[0];
    assert_eq!(started.detail, "region_outage eu-west-1");
}

#[test]
fn a_regions_price_multiplier_scales_its_ec2_and_alb_costs() {
    let one = simulate(parse(GEOPROXIMITY, &[]));
    let two = simulate(parse(GEOPROXIMITY, &["regions.east.price_multiplier=3"]));
    // Both regions run the same fleet and one load balancer each, but west takes all the
    // traffic: east's share of each bill is what the multiplier scales.
    for service in ["ec2", "alb"] {
        let a = one.cost.by_service[service];
        let b = two.cost.by_service[service];
        assert!(b > a, "{service}: {a} -> {b}");
    }
    // EC2: identical fleets in the two regions, so east is half the bill: 1/2 + 3/2 = 2x.
    let (a, b) = (one.cost.by_service["ec2"], two.cost.by_service["ec2"]);
    assert!((b / a - 2.0).abs() < 1e-9, "{a} -> {b}");
}

#[test]
fn bad_regions_geographies_and_records_are_reported_with_their_paths() {
    let bad = r#"
name: bad
duration: 10m
azs: [x]
regions:
  us-east-1: {azs: [a, b], price_multiplier: -1}
  mars-north-1: {azs: [b, c]}
geographies:
  moon: {continent: XX, country: moon, latency: {pluto-1: 10ms, us-east-1: 3s}}
workloads:
  w: {target: dns/near, rate: 1}
  v: {target: dns/geo, rate: 1, geography: {moon: 1, atlantis: 2}}
  q: {target: sqs/jobs, rate: 1, geography: uk}
dns:
  near:
    routing: latency
    records: [{load_balancer: one, bias: 3}, {load_balancer: two}]
  geo:
    routing: geolocation
    records: [{load_balancer: one, location: {continent: EU}}, {load_balancer: two, location: {continent: EU}}, {load_balancer: one}]
  prox:
    routing: geoproximity
    records: [{load_balancer: one, bias: 120, location: "*"}]
load_balancers:
  one: {azs: [a, b], rules: [{default: one}]}
  two: {azs: [a, c], rules: [{default: one}]}
target_groups:
  one: {group: one}
auto_scaling_groups:
  one: {instance: {vcpus: 2}, azs: [a, b], desired: 1}
lambda_functions:
  f: {memory_mb: 128, duration: {dist: constant, value: 10ms}}
faults:
  - {at: 1m, region_outage: atlantis-1}
"#;
    let err = Scenario::from_text(bad, "bad.yaml", &repo_path("."), &[])
        .expect_err("invalid regions")
        .to_string();
    for expected in [
        "azs: give `regions` (each with its `azs`) or `azs` (one region), not both",
        "regions.us-east-1.azs[1]: AZ `b` is declared twice (also in `mars-north-1`)",
        "regions.us-east-1.price_multiplier: expected a positive number, got -1",
        "regions.mars-north-1.location: required",
        "geographies.moon.location: required",
        "geographies.moon.continent: expected one of Route 53's continent codes",
        "geographies.moon.country: expected an ISO 3166-1 alpha-2 code",
        "geographies.moon.latency.pluto-1: no region named `pluto-1`",
        "geographies.moon.latency.us-east-1: expected a round trip above 0 and at most 2s",
        "workloads.v.geography.atlantis: no geography named `atlantis`",
        "workloads.q.geography: a geography applies to clients of a load balancer",
        "workloads.w.geography: required: this workload resolves `dns/near`, a latency record",
        "load_balancers.two.azs: AZs of regions",
        "dns.near.records[0].bias: only a geoproximity record's endpoints have a bias",
        "dns.geo.records[1].location: continent EU is the location of another record",
        "dns.geo.records[2].location: required for geolocation routing",
        "dns.prox.records[0].bias: expected -99 to 99, got 120",
        "dns.prox.records[0].location: only a geolocation record's endpoints have a `location`",
        "faults[0].region_outage: no region named `atlantis-1`",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
}
