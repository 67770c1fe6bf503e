//! SQS timers (retention, delays), scaling a worker fleet on backlog per instance, and what a
//! run with queues writes: summary keys, cost, traces, explain, validation; determinism and
//! memory that follows the messages held, not the messages sent.

use super::{one_queue, queue};
use crate::support::*;
use stratus::cost::PriceTable;
use stratus::metrics::Statistic;
use stratus::report::summary_json;

#[test]
fn messages_expire_when_their_retention_period_runs_out() {
    // No consumer; one message a second from t = 1 s; retention 60.5 s; the run ends at
    // 600.25 s, so messages sent up to 539 s expired and 61 remain.
    let text = r#"
name: retention
duration: 600250ms
azs: [a]
workloads:
  send: {target: sqs/jobs, arrivals: uniform, rate: 1, work: {dist: constant, value: 1ms}}
queues:
  jobs: {retention_period: 60500ms}
"#;
    let r = simulate(parse(text, &[]));
    let q = queue(&r, "jobs");
    assert_eq!((q.stats.sent, q.stats.expired, q.remaining), (600, 539, 61));
    assert_eq!(q.stats.max_age.as_secs_f64(), 60.5);
    assert_eq!(q.stats.max_visible, 61);
    for (_, age) in r
        .series
        .points("sqs.jobs.age_of_oldest_s", Statistic::Value)
    {
        assert!(age <= 60.5, "{age}");
    }
}

#[test]
fn queue_delay_and_per_message_timers_hold_messages_back() {
    let text = one_queue(
        "600s",
        "arrivals: uniform, rate: 2, work: {dist: constant, value: 1ms}",
        "delay: 30s,",
        "wait_time: 20s, api_latency: 0s",
        1,
    );
    let r = simulate(parse(&text, &[]));
    let l = &queue(&r, "jobs").stats.latency;
    assert!((l.mean_ms() - 30_001.0).abs() < 1e-6, "{}", l.mean_ms());
    assert_eq!(l.max_ms(), 30_001.0);
    for (t, delayed) in r.series.points("sqs.jobs.delayed", Statistic::Value) {
        if t >= 60.0 {
            assert!((delayed - 60.0).abs() <= 1.0, "{t}: {delayed}");
        }
    }
    // A message's own timer overrides the queue's delay.
    let r = simulate(parse(
        &text,
        &["workloads.send.message_delay={dist: constant, value: 5s}"],
    ));
    let l = &queue(&r, "jobs").stats.latency;
    assert!((l.mean_ms() - 5_001.0).abs() < 1e-6, "{}", l.mean_ms());
}

#[test]
fn a_message_held_by_a_terminated_worker_reappears_after_its_visibility_timeout() {
    // One message at 200 s goes to the longest-waiting loop (the first instance's); at 210 s
    // scale-in terminates that instance mid-job; the message reappears at 260 s, the other
    // worker receives it and deletes it 50 s later.
    let text = r#"
name: abandoned
duration: 400s
azs: [a]
workloads:
  send: {target: sqs/jobs, arrivals: uniform, rate: 0.005, work: {dist: constant, value: 50s}}
queues:
  jobs:
    visibility_timeout: 60s
    consumers: [{group: workers, wait_time: 20s, api_latency: 0s}]
auto_scaling_groups:
  workers:
    instance: {vcpus: 1}
    azs: [a]
    min: 1
    desired: 2
    termination_policy: oldest_instance
    policies: [{type: scheduled, at: 210s, desired: 1}]
"#;
    let r = simulate(parse(text, &[]));
    let s = &queue(&r, "jobs").stats;
    assert_eq!(r.groups[0].terminated, 1);
    assert_eq!(
        (s.sent, s.received, s.deleted, s.visibility_expiries),
        (1, 2, 1, 1)
    );
    assert_eq!(s.latency.max_ms(), 110_000.0);
}

#[test]
fn target_tracking_on_backlog_per_instance_scales_the_workers_out_and_back_in() {
    let r = simulate(load("scenarios/sqs-workers.yaml", &[]));
    let workers = r.groups.iter().find(|g| g.name == "workers").unwrap();
    assert!(workers.max_in_service >= 5, "{}", workers.max_in_service);
    assert!(workers.terminated > 0, "scale-in after the burst");
    let backlog = r
        .series
        .points("asg.workers.backlog_per_instance", Statistic::Value);
    assert!(backlog.len() >= 119);
    // Before the burst (30 m) the backlog stays under the target; the first scale-out
    // follows a backlog above it.
    let first_out = workers
        .activities
        .iter()
        .find(|a| a.to > a.from)
        .expect("a scale-out")
        .time
        .as_secs_f64();
    assert!(first_out > 1800.0, "{first_out}");
    assert!(
        backlog
            .iter()
            .any(|&(t, v)| t < first_out && t >= 1800.0 && v > 100.0)
    );
    // Fixed at two workers, the same burst leaves messages waiting much longer.
    let fixed = simulate(load(
        "scenarios/sqs-workers.yaml",
        &["auto_scaling_groups.workers.policies=[]"],
    ));
    let scaled_p99 = queue(&r, "renders").stats.latency.quantile_ms(0.99);
    let fixed_p99 = queue(&fixed, "renders").stats.latency.quantile_ms(0.99);
    assert!(fixed_p99 > 3.0 * scaled_p99, "{fixed_p99} vs {scaled_p99}");
}

#[test]
fn same_seed_same_queues_and_series() {
    let run = |seed: &str| {
        let r = simulate(load("scenarios/sqs-dlq.yaml", &["duration=10m", seed]));
        let mut v = summary_json(&r);
        v["wall_s"] = serde_json::Value::Null;
        (v, stratus::report::timeseries_csv(&r.series))
    };
    let (a, sa) = run("seed=9");
    let (b, sb) = run("seed=9");
    assert_eq!(a, b);
    assert_eq!(sa, sb);
    let (c, _) = run("seed=10");
    assert_ne!(a["queues"], c["queues"]);
}

#[test]
fn memory_follows_messages_held_not_messages_sent() {
    let text = one_queue(
        "400s",
        "rate: 500, work: {dist: exponential, mean: 2ms}",
        "",
        "pollers: 4, wait_time: 20s, max_messages: 10",
        4,
    );
    let r = simulate(parse(&text, &[]));
    let q = queue(&r, "jobs");
    assert!(q.stats.sent > 190_000);
    assert!(q.peak_messages < 1_000, "{} slots", q.peak_messages);
}

#[test]
fn summary_json_has_the_queue_contract() {
    let r = simulate(load("scenarios/sqs-dlq.yaml", &["duration=10m"]));
    let v = summary_json(&r);
    let q = &v["queues"]["orders"];
    for key in [
        "sent",
        "received",
        "deleted",
        "empty_receives",
        "dead_lettered",
        "expired",
        "max_visible",
        "max_age_s",
    ] {
        assert!(q[key].is_number(), "queues.orders.{key}");
    }
    for key in ["p50", "p90", "p99", "p999", "max", "mean", "count"] {
        assert!(q["latency_ms"][key].is_number(), "latency_ms.{key}");
    }
    for key in ["send", "receive", "delete", "billed"] {
        assert!(q["api_requests"][key].is_u64(), "api_requests.{key}");
    }
    assert_eq!(
        v["queues"]["orders-dlq"]["dead_letters_in"],
        q["dead_lettered"]
    );
    assert!(v["cost_usd"]["by_service"]["sqs"].as_f64().unwrap() > 0.0);
}

#[test]
fn sqs_requests_are_billed_per_64kb_chunk_with_empty_receives() {
    // One 100 KB message a second; a long-polling worker takes each alone: per message a
    // send (2 chunks), a receive answering it (2 chunks) and a delete (1 request).
    let text = one_queue(
        "1h",
        "arrivals: uniform, rate: 1, work: {dist: constant, value: 1ms}, message_bytes: 100000",
        "",
        "wait_time: 20s, max_messages: 1",
        1,
    );
    let r = simulate(parse(&text, &[]));
    let prices = PriceTable::shipped();
    let s = &queue(&r, "jobs").stats;
    assert_eq!((s.sent, s.deleted, s.empty_receives), (3599, 3599, 0));
    let chunks = 100_000u64.div_ceil(prices.sqs.chunk_bytes);
    assert_eq!(chunks, 2);
    let requests = (chunks + chunks + 1) * 3599;
    assert_eq!(s.billed_requests, requests);
    let expected = requests as f64 / 1e6 * prices.sqs.per_million_requests;
    let got = r.cost.by_service["sqs"];
    assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
    // Short polling an idle queue: each empty receive is a billed request.
    let idle = one_queue(
        "10m",
        "rate: {profile: piecewise, points: [[0s, 0], [10m, 0.0001]]}, work: {dist: constant, value: 1ms}",
        "",
        "api_latency: 50ms",
        1,
    );
    let r = simulate(parse(&idle, &[]));
    let s = &queue(&r, "jobs").stats;
    assert_eq!(s.sent, 0);
    assert_eq!(s.empty_receives, s.receive_calls);
    assert_eq!(s.receive_calls, 600 * 20);
    let expected = s.receive_calls as f64 / 1e6 * prices.sqs.per_million_requests;
    assert!((r.cost.by_service["sqs"] - expected).abs() < 1e-12);
}

#[test]
fn receives_and_deletes_are_traced_per_message() {
    let (r, lines) = simulate_traced(
        load("scenarios/sqs-dlq.yaml", &["duration=2m", "warmup=0"]),
        "kind=message_received|message_deleted",
        1.0,
    );
    let count = |kind: &str| lines.iter().filter(|l| l["kind"] == kind).count() as u64;
    let q = &queue(&r, "orders").stats;
    assert_eq!(count("message_received"), q.received);
    assert_eq!(count("message_deleted"), q.deleted);
    // Every deleted message was received before, by the same poller.
    let mut received = std::collections::HashMap::new();
    for l in &lines {
        let id = l["request"].as_u64().unwrap();
        match l["kind"].as_str().unwrap() {
            "message_received" => {
                received.insert(id, l["poller"].as_u64());
            }
            _ => assert_eq!(received.get(&id), Some(&l["poller"].as_u64()), "{l}"),
        }
        assert_eq!(l["component"], "orders");
    }
}

#[test]
fn explain_describes_queues_consumers_and_their_defaults() {
    let text = stratus::explain::explain(&load("scenarios/sqs-dlq.yaml", &[]));
    for needle in [
        "[orders] --50/s messages--> (sqs orders)",
        "queue `orders`",
        "after 5 receives without a delete a message moves to `orders-dlq`",
        "queue `orders-dlq`",
        "worker fleet `workers`, 4 receive loop(s) per in-service instance, long polling (wait 20s)",
        "queues.orders-dlq:",
        "visibility_timeout = 30s",
        "queues.orders.consumers[0]:",
        "api_latency = 10ms",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
    let web = stratus::explain::explain(&load("scenarios/sqs-workers.yaml", &[]));
    assert!(web.contains("then ~~> (sqs renders)"), "{web}");
}

#[test]
fn bad_queues_are_reported_all_at_once_with_their_paths() {
    let text = r#"
name: bad
duration: 10m
azs: [a]
workloads:
  send: {target: sqs/jobs, rate: 1, work: {dist: constant, value: 1ms}}
  lost: {target: sqs/nowhere, rate: 1, work: {dist: constant, value: 1ms}}
queues:
  jobs:
    visibility_timeout: 13h
    max_receive_count: 3
    dead_letter_queue: other
    consumers:
      - {lambda: thumbnail, batch_size: 10}
      - {group: workers, max_messages: 11, wait_time: 25s}
      - {group: workers, api_latency: 0s}
      - {group: ghosts}
  other: {max_receive_count: 2, dead_letter_queue: jobs}
  half: {dead_letter_queue: jobs}
auto_scaling_groups:
  workers: {instance: {vcpus: 1}, azs: [a], desired: 1}
"#;
    let err = stratus::scenario::Scenario::from_text(text, "bad.yaml", &repo_path("."), &[])
        .expect_err("invalid");
    let has = |path: &str, words: &str| {
        assert!(
            err.problems
                .iter()
                .any(|p| p.path == path && p.message.contains(words)),
            "no `{words}` at {path}: {err}"
        )
    };
    has("workloads.lost.target", "no queue named `nowhere`");
    has("queues.jobs.visibility_timeout", "at most 12h");
    has(
        "queues.jobs.consumers[0].lambda",
        "no Lambda function named `thumbnail`",
    );
    has("queues.jobs.consumers[1].max_messages", "1..10");
    has("queues.jobs.consumers[1].wait_time", "at most 20s");
    has("queues.jobs.consumers[2].api_latency", "short polling");
    has(
        "queues.jobs.consumers[3].group",
        "no auto scaling group named `ghosts`",
    );
    has(
        "queues.half.max_receive_count",
        "required with `dead_letter_queue`",
    );
    // The binary exits 2 with the same list.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(&file, text).unwrap();
    let (ok, stderr) = validate_files(&[file]);
    assert!(!ok && stderr.contains("thumbnail"), "{stderr}");
}

#[test]
fn redrive_cycles_are_rejected() {
    let text = r#"
name: cycle
duration: 10m
workloads:
  send: {target: sqs/a, rate: 1, work: {dist: constant, value: 1ms}}
queues:
  a: {max_receive_count: 2, dead_letter_queue: b}
  b: {max_receive_count: 2, dead_letter_queue: a}
"#;
    let err = stratus::scenario::Scenario::from_text(text, "cycle.yaml", &repo_path("."), &[])
        .expect_err("invalid");
    assert!(
        err.problems
            .iter()
            .any(|p| p.path == "queues.a.dead_letter_queue" && p.message.contains("cycle")),
        "{err}"
    );
}

#[test]
fn enqueue_is_refused_on_a_class_served_by_a_lambda_target_group() {
    let text = r#"
name: lambda-enqueue
duration: 10m
azs: [a, b]
workloads:
  web:
    target: alb/front
    rate: 5
    classes: [{name: upload, path: /, enqueue: jobs}]
load_balancers:
  front: {azs: [a, b], rules: [{default: fn}]}
target_groups:
  fn: {lambda: handler}
lambda_functions:
  handler: {duration: {dist: constant, value: 20ms}}
queues:
  jobs: {}
"#;
    let err = stratus::scenario::Scenario::from_text(text, "x.yaml", &repo_path("."), &[])
        .expect_err("invalid");
    assert!(
        err.problems
            .iter()
            .any(|p| p.path == "workloads.web.classes[0].enqueue"
                && p.message.contains("Lambda target group")),
        "{err}"
    );
}
