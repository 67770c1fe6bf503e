//! ALB actions besides forwarding, and stickiness, against AWS's rules: a fixed response or a
//! redirect is the load balancer's own answer (its status, no target, the load balancer's
//! latency alone, LCUs billed); target-group stickiness keeps a client on its target group for
//! the duration and then draws again, target stickiness keeps it on its target; a
//! `target_errors` fault makes a target answer 500; bad actions are reported with their paths.

use crate::support::*;
use std::collections::BTreeMap;
use stratus::report::summary_json;
use stratus::scenario::Scenario;

/// Three workloads on one listener: `old` (uniform, 8/s) matches the redirect rule, `gone`
/// (uniform, 4/s) falls to the default fixed response, `api` forwards to `web`.
const ACTIONS: &str = r#"
name: actions
duration: 10m
warmup: 0s
azs: [a, b]
workloads:
  old:
    target: alb/front
    rate: 8
    arrivals: uniform
    classes: [{name: old, path: /old/page}]
  gone:
    target: alb/front
    rate: 4
    arrivals: uniform
    classes: [{name: gone, path: /gone}]
  api:
    target: alb/front
    rate: 20
    classes: [{name: api, path: /api/orders, work: {dist: exponential, mean: 5ms}}]
load_balancers:
  front:
    azs: [a, b]
    rules:
      - {path: /api/*, target_group: web}
      - {path: /old/*, redirect: {status: 301, protocol: HTTPS, path: /new}}
      - {default: {fixed_response: {status: 404, content_type: text/plain, body: "not here"}}}
target_groups:
  web: {group: web}
auto_scaling_groups:
  web: {instance: {vcpus: 2}, azs: [a, b], desired: 2}
"#;

#[test]
fn fixed_responses_and_redirects_are_the_load_balancers_own_answers() {
    let s = parse(ACTIONS, &[]);
    let (r, lines) = simulate_traced(s, "kind=request_finished|request_answered", 1.0);
    // Uniform arrivals at rate r fall at k / r for k = 1, 2, ... before the end (600 s, not
    // included): 8 * 600 - 1 redirects and 4 * 600 - 1 fixed responses, every one counted
    // (no warm-up).
    let (redirects, fixed) = (8 * 600 - 1, 4 * 600 - 1);
    let summary = summary_json(&r);
    assert_eq!(
        summary["load_balancers"]["front"]["answers"],
        serde_json::json!({"301": redirects, "404": fixed})
    );
    let workload = |name: &str| &summary["workloads"][name]["requests"];
    for (name, class, n) in [("old", "3xx", redirects), ("gone", "4xx", fixed)] {
        let w = workload(name);
        assert_eq!(w["total"], n, "{name}");
        assert_eq!((w["ok"].as_u64(), w["failed"].as_u64()), (Some(0), Some(0)));
        assert_eq!(w["answered_by_load_balancer"][class], n, "{name}");
        assert_eq!(summary["workloads"][name]["latency_ms"]["count"], 0);
    }
    let all = &summary["requests"]["answered_by_load_balancer"];
    assert_eq!(
        all,
        &serde_json::json!({"2xx": 0, "3xx": redirects, "4xx": fixed, "5xx": 0})
    );
    // No target involved: the target group received the api workload's requests only.
    let api = workload("api")["total"].as_u64().unwrap();
    assert_eq!(summary["target_groups"]["web"]["requests"], api);
    assert_eq!(r.overall.ok + r.overall.failed() + r.in_flight, api);
    // Each answer ends where it arrived: the load balancer's latency alone (it has no
    // processing time of its own in this model).
    let mut answered = BTreeMap::new();
    for l in &lines {
        let component = l["component"].as_str().unwrap();
        if l["kind"] == "request_answered" {
            *answered
                .entry(l["status"].as_u64().unwrap())
                .or_insert(0u64) += 1;
            assert_eq!(component, "front");
        } else if component != "api" {
            assert_eq!(l["latency_ms"].as_f64(), Some(0.0), "{l}");
            let expected = if component == "old" {
                "load_balancer_3xx"
            } else {
                "load_balancer_4xx"
            };
            assert_eq!(l["outcome"], expected);
        }
    }
    assert_eq!(answered, BTreeMap::from([(301, redirects), (404, fixed)]));
}

#[test]
fn a_load_balancers_own_answers_are_billed_in_lcus() {
    // Only redirects: 128/s (an exact binary spacing) for one hour, 2 KB each. New
    // connections are the largest LCU dimension (128 / 25 per second = 5.12 LCU against
    // 128 * 2 KB * 3600 = 0.92 GB/h; an answer at once holds no connection open; 2 rules
    // evaluated are within the free 10).
    let one_hour = ACTIONS
        .replace("duration: 10m", "duration: 1h")
        .replace("rate: 8", "rate: 128")
        .replace("rate: 4", "rate: 0.0001")
        .replace("rate: 20", "rate: 0.0001");
    let s = parse(&one_hour, &[]);
    let p = s.prices.alb.clone();
    let r = simulate(s);
    let gone_and_api = r.arrived - (128 * 3600 - 1);
    let connections = r.arrived as f64;
    assert!(gone_and_api < 5, "{gone_and_api} other requests");
    let lcu_hours = connections / p.lcu.new_connections_per_s / 3600.0;
    let expected = p.per_hour + lcu_hours * p.per_lcu_hour;
    let alb = r.cost.by_service["alb"];
    assert!(
        (alb - expected).abs() < 1e-9,
        "ALB cost {alb} against {expected} by hand"
    );
}

/// One listener rule forwarding 80:20 with target-group stickiness (1 minute) to `blue` (with
/// target stickiness of 30 s) and `green`; 100 clients send the requests.
const STICKY: &str = r#"
name: sticky
duration: 30m
warmup: 0s
azs: [a, b]
workloads:
  users:
    target: alb/front
    rate: 40
    clients: 100
    classes: [{name: page, path: /shop, work: {dist: exponential, mean: 2ms}}]
load_balancers:
  front:
    azs: [a, b]
    rules:
      - {path: /shop, target_group: {blue: 80, green: 20}, stickiness: {duration: 1m}}
      - {default: blue}
target_groups:
  blue: {group: blue, stickiness: {type: lb_cookie, duration: 30s}}
  green: {group: green}
auto_scaling_groups:
  blue: {instance: {vcpus: 2}, azs: [a, b], desired: 4}
  green: {instance: {vcpus: 2}, azs: [a, b], desired: 2}
"#;

/// Per client, its requests in time order: (time s, target group, instance).
fn routed_by_client(lines: &[serde_json::Value]) -> BTreeMap<u64, Vec<(f64, String, u64)>> {
    let mut client_of = BTreeMap::new();
    let mut out: BTreeMap<u64, Vec<(f64, String, u64)>> = BTreeMap::new();
    for l in lines {
        let id = l["request"].as_u64().unwrap();
        match l["kind"].as_str().unwrap() {
            "request_arrived" => {
                client_of.insert(id, l["client"].as_u64().expect("a client"));
            }
            "request_routed" => out.entry(client_of[&id]).or_default().push((
                l["t"].as_f64().unwrap(),
                l["target_group"].as_str().unwrap().to_string(),
                l["instance"].as_u64().unwrap(),
            )),
            _ => {}
        }
    }
    out
}

/// Splits each client's requests into stickiness periods: a period starts at a request made
/// when no stickiness holds (the first, or the first `duration` or more after the period's
/// start); returns each period's requests.
fn periods<T: Clone>(requests: &[(f64, T)], duration: f64) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut start = f64::NEG_INFINITY;
    for (t, x) in requests {
        if *t >= start + duration - 1e-9 {
            start = *t;
            out.push(Vec::new());
        }
        out.last_mut().unwrap().push(x.clone());
    }
    out
}

#[test]
fn target_group_stickiness_keeps_a_client_for_the_duration_then_draws_again() {
    let (r, lines) = simulate_traced(
        parse(STICKY, &[]),
        "kind=request_arrived|request_routed",
        1.0,
    );
    let clients = routed_by_client(&lines);
    assert_eq!(clients.len(), 100, "every client sent requests");
    let (mut draws, mut green_draws, mut changes, mut transitions) = (0u64, 0u64, 0u64, 0u64);
    for requests in clients.values() {
        let tgs: Vec<(f64, String)> = requests.iter().map(|(t, g, _)| (*t, g.clone())).collect();
        let sticky = periods(&tgs, 60.0);
        for p in &sticky {
            // Within the minute every request goes to the target group first drawn (exact).
            assert!(p.iter().all(|g| g == &p[0]), "a period split: {p:?}");
            draws += 1;
            green_draws += u64::from(p[0] == "green");
        }
        // After the minute the client is drawn again: consecutive periods differ with
        // probability 2 * 0.8 * 0.2 = 0.32 (never, if the client stayed for good).
        for pair in sticky.windows(2) {
            transitions += 1;
            changes += u64::from(pair[0][0] != pair[1][0]);
        }
    }
    // Each draw goes to green with probability 20 / (80 + 20).
    let z = z_binomial(green_draws, draws, 0.2);
    assert!(
        z.abs() < Z_MAX,
        "green {green_draws} of {draws} draws (z {z:.2})"
    );
    let z = z_binomial(changes, transitions, 0.32);
    assert!(
        z.abs() < Z_MAX,
        "{changes} changes in {transitions} (z {z:.2})"
    );
    // Requests are counted once each, whatever the stickiness.
    let forwarded: u64 = r.target_groups.iter().map(|e| e.1).sum();
    assert_eq!(forwarded, r.arrived);
}

#[test]
fn target_stickiness_keeps_a_client_on_its_healthy_target_for_the_duration() {
    let (_, lines) = simulate_traced(
        parse(STICKY, &[]),
        "kind=request_arrived|request_routed",
        1.0,
    );
    let (mut periods_seen, mut instances) = (0, std::collections::BTreeSet::new());
    for requests in routed_by_client(&lines).values() {
        let blue: Vec<(f64, u64)> = (requests.iter())
            .filter(|(_, g, _)| g == "blue")
            .map(|(t, _, i)| (*t, *i))
            .collect();
        for p in periods(&blue, 30.0) {
            // Every target stays healthy: a client's blue requests within 30 s of the first
            // go to the same instance (exact).
            assert!(p.iter().all(|i| *i == p[0]), "a period split: {p:?}");
            periods_seen += 1;
            instances.insert(p[0]);
        }
    }
    assert!(periods_seen > 1000, "{periods_seen} periods");
    assert_eq!(instances.len(), 4, "clients spread over blue's 4 targets");
}

#[test]
fn without_clients_every_request_draws_its_target_group() {
    // No `clients`: each request is a new client, so stickiness changes nothing and each
    // request is one draw with probability 0.2 for green.
    let s = parse(STICKY, &[]);
    let text = STICKY.replace("    clients: 100\n", "");
    let r = simulate(parse(&text, &[]));
    let green = r.target_groups.iter().find(|e| e.0 == "green").unwrap().1;
    let z = z_binomial(green, r.arrived, 0.2);
    assert!(z.abs() < Z_MAX, "green {green} of {} (z {z:.2})", r.arrived);
    assert_eq!(s.workloads[0].clients, Some(100));
}

#[test]
fn a_target_errors_fault_makes_a_fraction_of_the_groups_answers_500s() {
    let text = format!(
        "{}faults:\n  - {{at: 0s, target_errors: green, fraction: 0.25}}\n",
        STICKY.replace("    clients: 100\n", "")
    );
    let r = simulate(parse(&text, &[]));
    let summary = summary_json(&r);
    let errors = summary["requests"]["errors"]["http_500"].as_u64().unwrap();
    // Each request green serves fails with probability 0.25; blue's never do.
    let green = r.target_groups.iter().find(|e| e.0 == "green").unwrap().1;
    let z = z_binomial(errors, green, 0.25);
    assert!(z.abs() < Z_MAX, "{errors} 500s of {green} (z {z:.2})");
    assert_eq!(summary["errors_by_cause"]["injected_error"], errors);
    assert_eq!(r.overall.failed(), errors);
    // Without the fault there is no `http_500` key at all.
    let clean = summary_json(&simulate(parse(STICKY, &[])));
    assert!(clean["requests"]["errors"].get("http_500").is_none());
    assert!(clean.get("load_balancers").is_none());
}

#[test]
fn bad_actions_and_stickiness_are_reported_with_their_paths() {
    let bad = STICKY
        .replace(
            "      - {path: /shop, target_group: {blue: 80, green: 20}, stickiness: {duration: 1m}}\n",
            "      - {path: /shop, target_group: {blue: 80, green: 20}, stickiness: {duration: 8d}}\n      \
             - {path: /a, fixed_response: {status: 302, content_type: text/xml}}\n      \
             - {path: /b, redirect: {status: 307, protocol: FTP, port: 0, path: new, query: \"?x=1\"}}\n      \
             - {path: /c, redirect: {status: 301, query: \"a=b\"}, stickiness: {duration: 1m}}\n      \
             - {path: /d, fixed_response: {status: 200}, target_group: blue}\n      \
             - {path: /e, target_group: blue, stickiness: {enabled: true}}\n",
        )
        .replace(
            "  blue: {group: blue, stickiness: {type: lb_cookie, duration: 30s}}",
            "  blue: {group: blue, stickiness: {type: app_cookie, duration: 0s}}",
        )
        .replace("clients: 100", "clients: 0");
    let bad = format!("{bad}faults:\n  - {{at: 0s, target_errors: green}}\n");
    let err = Scenario::from_text(&bad, "bad.yaml", &repo_path("."), &[])
        .expect_err("bad actions")
        .to_string();
    let at = "load_balancers.front.rules";
    for expected in [
        format!("{at}[0].stickiness.duration: expected 1s to 7d (604800s), got 8d"),
        format!(
            "{at}[1].fixed_response.status: a fixed response's status is 2XX, 4XX or 5XX, got 302"
        ),
        format!("{at}[1].fixed_response.content_type: expected one of text/plain, text/css"),
        format!("{at}[2].redirect.status: a redirect answers 301 or 302, got 307"),
        format!("{at}[2].redirect.protocol: expected HTTP, HTTPS or #{{protocol}}, got `FTP`"),
        format!("{at}[2].redirect.port: expected a port from 1 to 65535, got 0"),
        format!("{at}[2].redirect.path: expected an absolute path starting with `/`, got `new`"),
        format!("{at}[2].redirect.query: leave out the leading `?`"),
        format!("{at}[3].redirect: a redirect must change the protocol, port, host or path"),
        format!("{at}[3].stickiness: target-group stickiness applies to a forward action"),
        format!("{at}[4]: expected one action: `target_group`, `fixed_response` or `redirect`"),
        format!("{at}[5].stickiness.duration: required when stickiness is enabled"),
        "target_groups.blue.stickiness.cookie_name: required with `type: app_cookie`".into(),
        "target_groups.blue.stickiness.duration: expected 1s to 7d (604800s), got 0s".into(),
        "workloads.users.clients: expected 1 to 1000000 clients, got 0".into(),
        "faults[0].fraction: required: the fraction of requests that fail, in (0, 1]".into(),
    ] {
        assert!(err.contains(&expected), "missing `{expected}` in:\n{err}");
    }
    // A fixed response's body holds at most 1,024 characters.
    let long = ACTIONS.replace(
        "body: \"not here\"",
        &format!("body: \"{}\"", "x".repeat(1025)),
    );
    let err = Scenario::from_text(&long, "bad.yaml", &repo_path("."), &[])
        .expect_err("a long body")
        .to_string();
    assert!(
        err.contains("rules[2].default.fixed_response.body: a fixed response's body holds at most 1024 characters, got 1025"),
        "{err}"
    );
}
