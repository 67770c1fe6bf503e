//! Listener rules beyond path and host: HTTP header, method, query-string and source-IP
//! conditions route each request class by AWS's matching rules; weighted target groups split
//! a rule's requests by weight (AWS: weight / sum of weights, 0-999, at most 5 target groups),
//! each target group then routing as usual; bad rules are reported with their paths.

use crate::support::*;
use stratus::report::summary_json;
use stratus::scenario::Scenario;
use stratus::sim::RunResult;

const CANARY: &str = r#"
name: canary
duration: 20m
azs: [a, b]
workloads:
  api:
    target: alb/front
    rate: 150
    classes: [{name: orders, path: /api/orders, work: {dist: exponential, mean: 5ms}}]
  page:
    target: alb/front
    rate: 50
    classes: [{name: index, path: /index.html, work: {dist: exponential, mean: 2ms}}]
load_balancers:
  front:
    azs: [a, b]
    rules:
      - {path: /api/*, target_group: {blue: 950, green: 50, dark: 0}}
      - {default: blue}
target_groups:
  blue: {group: blue}
  green: {group: green}
  dark: {group: dark}
auto_scaling_groups:
  blue: {instance: {vcpus: 2}, azs: [a, b], desired: 4}
  green: {instance: {vcpus: 2}, azs: [a, b], desired: 2}
  dark: {instance: {vcpus: 2}, azs: [a, b], desired: 2}
"#;

fn requests(r: &RunResult, tg: &str) -> u64 {
    r.target_groups
        .iter()
        .find(|(n, _)| n == tg)
        .map_or(0, |e| e.1)
}

#[test]
fn a_weighted_forward_splits_its_rules_requests_by_weight() {
    let r = simulate(parse(CANARY, &[]));
    let (blue, green, dark) = (
        requests(&r, "blue"),
        requests(&r, "green"),
        requests(&r, "dark"),
    );
    assert_eq!(
        blue + green + dark,
        r.arrived,
        "every request is forwarded once"
    );
    assert_eq!(dark, 0, "a weight of 0 receives nothing");
    // The api workload's requests split 950:50; the page workload's all go to blue. Given
    // the api requests, green's count is binomial with p = 50 / 1000.
    let n = r.workloads[0].1.ok + r.workloads[0].1.failed() + r.in_flight_by_workload[0];
    let z = z_binomial(green, n, 0.05);
    assert!(
        z.abs() < Z_MAX,
        "green {green} of {n} api requests (z {z:.2})"
    );
    let summary = summary_json(&r);
    assert_eq!(summary["target_groups"]["green"]["requests"], green);
}

#[test]
fn the_default_action_may_be_weighted() {
    let blue_green = CANARY.replace(
        "      - {path: /api/*, target_group: {blue: 950, green: 50, dark: 0}}\n      - {default: blue}",
        "      - {default: {blue: 1, green: 1}}",
    );
    let r = simulate(parse(&blue_green, &[]));
    let (blue, green) = (requests(&r, "blue"), requests(&r, "green"));
    let z = z_binomial(green, blue + green, 0.5);
    assert!(z.abs() < Z_MAX, "blue {blue}, green {green}");
}

#[test]
fn bad_forward_actions_are_reported_with_their_paths() {
    let bad = CANARY.replace(
        "      - {path: /api/*, target_group: {blue: 950, green: 50, dark: 0}}\n      - {default: blue}",
        "      - {path: /a/*, target_group: {blue: 1000, nope: 1}}\n      \
         - {path: /b/*, target_group: {blue: 0, green: 0}}\n      \
         - {path: /c/*, target_group: {a1: 1, a2: 1, a3: 1, a4: 1, a5: 1, a6: 1}}\n      \
         - {default: blue}",
    );
    let err = Scenario::from_text(&bad, "bad.yaml", &repo_path("."), &[])
        .expect_err("bad forward actions")
        .to_string();
    for expected in [
        "load_balancers.front.rules[0].target_group.blue: expected a weight from 0 to 999, got 1000",
        "load_balancers.front.rules[0].target_group.nope: no target group named `nope`",
        "load_balancers.front.rules[1].target_group: expected some target group with a weight above 0",
        "load_balancers.front.rules[2].target_group: a forward action names 1 to 5 target groups, got 6",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
    let list = CANARY.replace("{blue: 950, green: 50, dark: 0}", "[blue, green]");
    let err = Scenario::from_text(&list, "bad.yaml", &repo_path("."), &[])
        .expect_err("a list is not a forward action")
        .to_string();
    assert!(
        err.contains("load_balancers.front.rules[0].target_group: expected a target group name, or a mapping of target group names to weights"),
        "{err}"
    );
}

const CONDITIONS: &str = r#"
name: conditions
duration: 5m
azs: [a, b]
workloads:
  web:
    target: alb/front
    rate: 50
    work: {dist: exponential, mean: 2ms}
    classes:
      - {name: phone, path: /shop, headers: {User-Agent: "Mozilla/5.0 (iPhone; CPU)"}}
      - {name: order, path: /shop, method: POST}
      - {name: beta, path: /shop, query: {version: V2}}
      - {name: office, path: /shop, source_ip: 10.20.30.40}
      - {name: plain, path: /shop, source_ip: 192.0.2.1}
load_balancers:
  front:
    azs: [a, b]
    rules:
      - {http_header: {user-agent: ["*android*", "*iphone*"]}, target_group: mobile}
      - {method: [POST, PUT], target_group: writes}
      - {query_string: ["version=v2"], target_group: beta}
      - {source_ip: ["10.0.0.0/8"], path: /shop, target_group: internal}
      - {default: site}
target_groups:
  mobile: {group: web}
  writes: {group: web}
  beta: {group: web}
  internal: {group: web}
  site: {group: web}
auto_scaling_groups:
  web: {instance: {vcpus: 2}, azs: [a, b], desired: 2}
"#;

#[test]
fn header_method_query_and_source_ip_conditions_route_each_class() {
    let s = parse(CONDITIONS, &[]);
    let routed: Vec<(&str, String)> = s.workloads[0]
        .classes
        .iter()
        .map(|c| {
            let tgs: Vec<String> = c
                .action
                .iter()
                .flat_map(|a| a.groups())
                .map(|tg| s.target_groups[tg.index()].name.clone())
                .collect();
            (c.name.as_str(), tgs.join(","))
        })
        .collect();
    assert_eq!(
        routed,
        [
            ("phone", "mobile".to_string()),
            ("order", "writes".to_string()),
            ("beta", "beta".to_string()),
            ("office", "internal".to_string()),
            ("plain", "site".to_string()),
        ]
    );
    let r = simulate(s);
    for tg in ["mobile", "writes", "beta", "internal", "site"] {
        assert!(requests(&r, tg) > 0, "{tg} received nothing");
    }
}

#[test]
fn bad_conditions_are_reported_with_their_paths() {
    let bad = CONDITIONS
        .replace("method: [POST, PUT]", "method: [POST, \"GET /\"]")
        .replace(
            "source_ip: [\"10.0.0.0/8\"]",
            "source_ip: [\"10.0.0.0/40\", nope]",
        )
        .replace(
            "query_string: [\"version=v2\"]",
            "query_string: [a, b, c, d, e, f]",
        )
        .replace("source_ip: 192.0.2.1", "source_ip: 192.0.2");
    let err = Scenario::from_text(&bad, "bad.yaml", &repo_path("."), &[])
        .expect_err("bad conditions")
        .to_string();
    for expected in [
        "load_balancers.front.rules[1].method[1]: expected an HTTP method such as GET or POST",
        "load_balancers.front.rules[2]: a rule holds at most 5 condition values, got 6",
        "load_balancers.front.rules[2].query_string: a condition holds 1 to 3 values, got 6",
        "load_balancers.front.rules[3].source_ip[0]: expected a prefix length 0-32",
        "load_balancers.front.rules[3].source_ip[1]: expected an IP address or a CIDR block",
        "workloads.web.classes[4].source_ip: expected an IPv4 or IPv6 address, got `192.0.2`",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
}
