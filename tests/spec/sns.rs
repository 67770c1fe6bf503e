//! Amazon SNS standard topics, against AWS's documented rules and conservation: every
//! accepted Publish is delivered exactly once to each subscription whose filter matches (the
//! queues' own counts and Lambda's asynchronous events say so), a filter's matches follow the
//! binomial law of its fraction, Publish beyond the account's quota is throttled as the token
//! bucket's closed form says, HTTP/S deliveries are retried on the documented schedule, the
//! bill follows the price table, and bad input is reported with its path.

use crate::support::*;
use std::collections::BTreeMap;
use stratus::cost::prices::PriceSection;
use stratus::model::sns::SnsPrices;

/// A publisher (`rate` per second, evenly spaced, for `publish_s` seconds, then silence
/// until `duration`) to topic `orders`, whose body is `topic` (YAML lines indented by 4), and
/// two worker fleets on queues `a` and `b`, and function `audit`.
fn fanout(duration: &str, rate: u32, publish_s: u32, topic: &str) -> String {
    format!(
        r#"
name: sns
duration: {duration}
azs: [a, b]
workloads:
  pub:
    target: sns/orders
    arrivals: uniform
    rate: {{profile: piecewise, points: [[0s, {rate}], [{publish_s}s, {rate}], [{end}s, 0], [{duration}, 0]]}}
    classes:
      - {{name: order, work: {{dist: constant, value: 2ms}}}}
lambda_functions:
  audit:
    memory_mb: 256
    duration: {{dist: constant, value: 20ms}}
auto_scaling_groups:
  wa: {{instance: {{type: c5.large}}, discipline: fcfs, azs: [a, b], desired: 2}}
  wb: {{instance: {{type: c5.large}}, discipline: fcfs, azs: [a, b], desired: 2}}
queues:
  a:
    consumers: [{{group: wa, pollers: 2, wait_time: 20s, max_messages: 10}}]
  b:
    consumers: [{{group: wb, pollers: 2, wait_time: 20s, max_messages: 10}}]
sns_topics:
  orders:
{topic}
"#,
        end = publish_s + 1
    )
}

#[test]
fn every_accepted_publish_is_delivered_once_per_matching_subscription() {
    // 200 orders a second for 60 s, then a minute of silence for the deliveries to end.
    let topic = "    subscriptions:\n      - sqs: a\n      - sqs: b\n        filter: 0.3\n      - lambda: audit";
    let r = simulate(parse(&fanout("120s", 200, 60, topic), &[]));
    let t = &r.services.sns[0];
    let published = t.published;
    assert_eq!(t.throttled, 0);
    assert_eq!(
        published, r.arrived,
        "every Publish under the quota is accepted"
    );
    assert!(published > 12_000, "{published}");
    let queue = |name: &str| r.queues.iter().find(|q| q.name == name).expect("queue");
    // Queue `a` (no filter) received every message, from SQS's own count.
    assert_eq!(queue("a").stats.sent, published);
    // Queue `b` received a binomial(published, 0.3) share, and exactly SNS's matches.
    let b = queue("b").stats.sent;
    assert_eq!(b, t.subscriptions[1].meters.matched);
    assert_eq!(b + t.subscriptions[1].meters.filtered_out, published);
    let z = z_binomial(b, published, 0.3);
    assert!(z.abs() <= 3.3, "z = {z:.2} ({b} of {published})");
    // The function was invoked asynchronously once per message (Lambda's own count).
    let audit = &r.lambda_functions[0].totals;
    assert_eq!(audit.async_events, published);
    assert_eq!(audit.async_succeeded, published);
    // Nothing left in flight, and the workers deleted every message.
    for s in &t.subscriptions {
        assert_eq!(s.in_flight, 0, "{}", s.name);
        assert_eq!(s.meters.delivered, s.meters.matched, "{}", s.name);
    }
    assert_eq!(queue("a").stats.deleted, published);
    assert_eq!(queue("b").stats.deleted, b);
}

#[test]
fn publish_beyond_the_accounts_quota_is_throttled_by_the_token_bucket() {
    // us-east-1's quota, 30,000 Publish a second, as a bucket of one second's tokens that
    // starts full. 60,000 a second, evenly spaced, for 4 s (N arrivals over (N - 1) / 60,000
    // s): the bucket passes its 30,000 tokens, then one token every 1/30,000 s, that is one
    // arrival in two: 30,000 + floor((N - 1) / 2) in all (within a token of rounding).
    let text = "
name: sns-quota
duration: 4s
workloads:
  pub: {target: sns/orders, arrivals: uniform, rate: 60000}
sns_topics:
  orders: {}
";
    let r = simulate(parse(text, &[]));
    let t = &r.services.sns[0];
    let n = r.arrived;
    assert!(n.abs_diff(240_000) <= 1, "{n}");
    let expected = 30_000 + (n - 1) / 2;
    assert!(
        t.published.abs_diff(expected) <= 1,
        "published {}, closed form {expected}",
        t.published
    );
    assert_eq!(t.published + t.throttled, n);
    // Each throttled Publish is a 429 to its client.
    assert_eq!(r.overall.errors[3], t.throttled); // Outcome::ERRORS[3]: throttled
    assert_eq!(r.overall.ok, t.published);
}

/// An HTTP/S subscription `http` with constant latency 50 ms, failing with probability
/// `failure`, and `retry` (a YAML flow mapping, or empty for the default policy); delivery
/// latency 10 ms.
fn http_topic(failure: f64, retry: &str) -> String {
    let retry = if retry.is_empty() {
        String::new()
    } else {
        format!(", retry: {retry}")
    };
    format!(
        "    delivery_latency: {{dist: constant, value: 10ms}}\n    subscriptions:\n      - http: {{name: partner, latency: {{dist: constant, value: 50ms}}, failure_probability: {failure}{retry}}}"
    )
}

/// Each request's trace times of `kind`, by request id, and its arrival.
fn times(lines: &[serde_json::Value], kind: &str) -> BTreeMap<u64, Vec<f64>> {
    let mut out: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    for l in lines.iter().filter(|l| l["kind"] == kind) {
        let id = l["request"].as_u64().expect("a request id");
        out.entry(id).or_default().push(l["t"].as_f64().unwrap());
    }
    out
}

/// Checks that every request's failed attempts follow `delays` (the delay before retry k,
/// k = 1..): the first attempt answers at arrival + 10 ms + 50 ms, each retry is made
/// `delays[k-1]` after the failure before it and answers 50 ms later; after the last retry
/// the message is discarded.
fn assert_schedule(text: &str, delays: &[f64]) {
    let (r, lines) = simulate_traced(
        parse(text, &[]),
        "kind=request_arrived|sns_http_failed",
        1.0,
    );
    let arrived = times(&lines, "request_arrived");
    let failed = times(&lines, "sns_http_failed");
    assert!(arrived.len() >= 20, "{}", arrived.len());
    for (id, t0) in &arrived {
        let got = &failed[id];
        let mut t = t0[0] + 0.010 + 0.050;
        let mut want = vec![t];
        for d in delays {
            t += d + 0.050;
            want.push(t);
        }
        assert_eq!(got.len(), want.len(), "request {id}: {got:?}");
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() < 1e-6,
                "request {id}: {got:?}, expected {want:?}"
            );
        }
    }
    let s = &r.services.sns[0].subscriptions[0].meters;
    let n = r.services.sns[0].published;
    assert_eq!(s.retries, n * delays.len() as u64);
    assert_eq!(s.failed, n);
    assert_eq!(s.delivered, 0);
}

#[test]
fn a_failing_http_endpoint_is_retried_three_times_20_seconds_apart_by_default() {
    // AWS's default HTTP/S policy: "up to three retries with a delay between failed attempts
    // set at 20 seconds", then the message is discarded.
    let text = fanout("150s", 1, 30, &http_topic(1.0, ""));
    assert_schedule(&text, &[20.0, 20.0, 20.0]);
}

#[test]
fn a_custom_http_policy_runs_its_four_phases_in_order() {
    // numRetries 7: 1 immediate, 2 at minDelayTarget (1 s), 2 in the backoff phase (our
    // linear function from 1 s to 5 s: 3 s, 5 s), 2 at maxDelayTarget (5 s).
    let policy = "{num_retries: 7, no_delay_retries: 1, min_delay_retries: 2, max_delay_retries: 2, min_delay: 1s, max_delay: 5s}";
    let text = fanout("100s", 1, 30, &http_topic(1.0, policy));
    assert_schedule(&text, &[0.0, 1.0, 1.0, 3.0, 5.0, 5.0, 5.0]);
}

#[test]
fn an_http_delivery_is_discarded_only_when_every_attempt_fails() {
    // Each attempt fails with probability 0.5, independently: a delivery is discarded when
    // its 4 attempts (1 + 3 retries) all fail, with probability 1/16.
    let text = fanout("200s", 50, 100, &http_topic(0.5, ""));
    let r = simulate(parse(&text, &[]));
    let t = &r.services.sns[0];
    let s = &t.subscriptions[0].meters;
    assert_eq!(s.delivered + s.failed, t.published);
    assert_eq!(t.subscriptions[0].in_flight, 0);
    let z = z_binomial(s.failed, t.published, 1.0 / 16.0);
    assert!(
        z.abs() <= 3.3,
        "z = {z:.2} ({} of {})",
        s.failed,
        t.published
    );
}

#[test]
fn topics_are_billed_per_64_kb_chunk_and_http_delivery() {
    let p = <SnsPrices as PriceSection>::shipped();
    // 100 KiB messages: 2 publish requests each; HTTP/S deliveries billed when delivered,
    // those to queues and functions free.
    let topic = format!(
        "    message_size: 100KiB\n{}\n      - sqs: a\n      - lambda: audit",
        http_topic(0.0, "").replace("    delivery_latency: {dist: constant, value: 10ms}\n", "")
    );
    let r = simulate(parse(&fanout("120s", 20, 60, &topic), &[]));
    let t = &r.services.sns[0];
    assert_eq!(t.billed_requests, 2 * t.published);
    let http = t.subscriptions[0].meters.delivered;
    assert_eq!(http, t.published);
    let bill = (2 * t.published) as f64 / 1e6 * p.per_million_publish_requests
        + http as f64 / 1e6 * p.per_million_http_deliveries;
    let billed = r.cost.by_service["sns"];
    assert!(
        (billed - bill).abs() < 1e-12,
        "billed {billed}, by hand {bill}"
    );
}

const BAD: &str = r#"
name: bad-sns
duration: 60s
workloads:
  pub: {target: sns/orders, rate: 10}
lambda_functions:
  audit: {memory_mb: 256, duration: {dist: constant, value: 10ms}}
queues:
  a: {}
sns_topics:
  orders:
    message_size: 300KiB
    region: mars-1
    subscriptions:
      - sqs: nope
      - lambda: missing
      - sqs: a
        filter: 1.5
      - sqs: a
        lambda: audit
      - http:
          name: partner
          latency: {dist: constant, value: 10ms}
          failure_probability: 2
          retry: {num_retries: 101, min_delay: 0s}
      - lambda: audit
      - lambda: audit
"#;

#[test]
fn bad_topics_are_reported_with_their_paths() {
    let err = stratus::scenario::Scenario::from_text(BAD, "bad.yaml", &repo_path("."), &[])
        .unwrap_err()
        .to_string();
    for needle in [
        "sns_topics.orders.message_size: expected 1 byte to 256KiB",
        "sns_topics.orders.region: unknown region `mars-1`",
        "sns_topics.orders.subscriptions[0].sqs",
        "sns_topics.orders.subscriptions[1].lambda",
        "sns_topics.orders.subscriptions[2].filter: expected the fraction",
        "sns_topics.orders.subscriptions[3]: expected exactly one endpoint",
        "sns_topics.orders.subscriptions[4].http.failure_probability: expected a probability",
        "sns_topics.orders.subscriptions[4].http.retry.num_retries: expected 0 to 100, got 101",
        "sns_topics.orders.subscriptions[4].http.retry.min_delay: expected at least 1s",
        "sns_topics.orders.subscriptions[6]: `lambda:audit` is subscribed twice",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in:\n{err}");
    }
}

#[test]
fn the_cli_refuses_a_bad_topic_with_exit_code_2() {
    cli_refuses("sns", BAD, &["sns_topics.orders.message_size"]);
}

#[test]
fn a_subscriptions_filter_draws_are_its_own() {
    // The filter's random stream is named after the topic and the subscription, not its
    // position: a filtered subscription added before `sqs:b` leaves b's matches unchanged.
    let b = "      - sqs: b\n        filter: 0.3";
    let alone = format!("    subscriptions:\n{b}");
    let after = format!("    subscriptions:\n      - sqs: a\n        filter: 0.5\n{b}");
    let matched = |topic: &str| {
        let r = simulate(parse(&fanout("60s", 100, 30, topic), &[]));
        let t = &r.services.sns[0];
        let s = t.subscriptions.iter().find(|s| s.name == "sqs:b").unwrap();
        (t.published, s.meters.matched)
    };
    let (n, m) = matched(&alone);
    assert!(m > 0 && m < n, "{m} of {n}");
    assert_eq!(matched(&after), (n, m));
}
