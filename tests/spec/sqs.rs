//! SQS: message conservation, visibility timeouts, dead-letter queues, short and long polling
//! against their closed forms, worker fleets against M/M/k, scaling on backlog per instance,
//! determinism and bounded memory.

use crate::support::*;
use stratus::sim::{QueueResult, RunResult};

pub(crate) fn queue<'a>(r: &'a RunResult, name: &str) -> &'a QueueResult {
    r.queues.iter().find(|q| q.name == name).expect("queue")
}

/// One queue `jobs` fed by workload `send` and consumed by group `workers` (one instance of
/// `vcpus` vCPUs, FCFS); `queue` and `consumer` are extra YAML flow-mapping entries.
fn one_queue(duration: &str, send: &str, queue: &str, consumer: &str, vcpus: u32) -> String {
    format!(
        r#"
name: sqs-test
duration: {duration}
azs: [a]
workloads:
  send: {{target: sqs/jobs, {send}}}
queues:
  jobs: {{{queue} consumers: [{{group: workers, {consumer}}}]}}
auto_scaling_groups:
  workers: {{instance: {{vcpus: {vcpus}}}, discipline: fcfs, azs: [a], desired: 1}}
"#
    )
}

const EVERYTHING: &str = r#"
name: sqs-everything
duration: 15m
azs: [a, b]
workloads:
  send:
    target: sqs/main
    rate: {profile: spike, base: 20, peak: 60, at: 3m, duration: 4m, ramp: 30s}
    classes:
      - {name: plain, weight: 0.8, work: {dist: exponential, mean: 150ms}}
      - {name: timed, weight: 0.15, work: {dist: exponential, mean: 150ms}, message_delay: {dist: uniform, min: 0s, max: 5s}}
      - {name: poison, weight: 0.05, work: {dist: constant, value: 20ms}, poison: true}
queues:
  main:
    delay: 2s
    visibility_timeout: 10s
    retention_period: 2m
    max_receive_count: 3
    dead_letter_queue: dlq
    consumers: [{group: workers, pollers: 3, wait_time: 20s, max_messages: 5, failure_probability: 0.3}]
  dlq:
    retention_period: 60s
    consumers: [{group: auditors, pollers: 1, max_messages: 1, api_latency: 50ms}]
auto_scaling_groups:
  workers:
    instance: {vcpus: 2}
    discipline: fcfs
    azs: [a, b]
    min: 1
    desired: 3
    policies:
      - {type: scheduled, at: 5m, desired: 1}
      - {type: scheduled, at: 8m, desired: 3}
  auditors:
    instance: {vcpus: 1}
    azs: [a]
    desired: 1
"#;

#[test]
fn every_message_ends_exactly_once() {
    let r = simulate(parse(EVERYTHING, &[]));
    let main = &queue(&r, "main").stats;
    let dlq = queue(&r, "dlq");
    // Every path was taken: deletes, dead letters, expiries (backlog older than 2 minutes
    // while the fleet was scaled in), and messages left at the end.
    assert!(main.deleted > 10_000, "{}", main.deleted);
    assert!(main.dead_lettered > 100, "{}", main.dead_lettered);
    assert!(main.expired > 100, "{}", main.expired);
    assert_eq!(dlq.stats.moved_in, main.dead_lettered);
    assert!(dlq.stats.deleted > 0 && main.visibility_expiries > main.dead_lettered);
    assert!(queue(&r, "main").remaining > 0);
    // Scale-in terminated instances holding messages: they reappeared and were redelivered.
    assert!(r.groups[1].terminated >= 2);
}

#[test]
fn a_message_processed_longer_than_its_visibility_timeout_is_received_again() {
    // One message at 100 s; 15 s of work against a 10 s visibility timeout: every delete
    // comes too late, and the message is received every 15 s until the end (190 s).
    let text = one_queue(
        "190s",
        "arrivals: uniform, rate: 0.01, work: {dist: constant, value: 15s}",
        "visibility_timeout: 10s,",
        "wait_time: 7s, api_latency: 0s",
        1,
    );
    let r = simulate(parse(&text, &[]));
    let q = queue(&r, "jobs");
    let s = &q.stats;
    assert_eq!(
        (s.sent, s.received, s.deleted, s.stale_deletes),
        (1, 6, 0, 5)
    );
    assert_eq!(
        (s.visibility_expiries, q.remaining, q.in_flight_at_end),
        (6, 1, 0)
    );
    // With a 20 s timeout the first delete succeeds, 15 s after the send.
    let r = simulate(parse(&text, &["queues.jobs.visibility_timeout=20s"]));
    let s = &queue(&r, "jobs").stats;
    assert_eq!((s.received, s.deleted, s.stale_deletes), (1, 1, 0));
    assert_eq!(s.latency.max_ms(), 15_000.0);
}

/// Sends at 20/s for 1,000 s, then nothing; everything is resolved by the end.
fn failing(p: f64, k: u32, seed: u64) -> RunResult {
    let text = one_queue(
        "1100s",
        "rate: {profile: piecewise, points: [[0s, 20], [1000s, 20], [1000s, 0]]}, work: {dist: exponential, mean: 10ms}",
        &format!("visibility_timeout: 5s, max_receive_count: {k}, dead_letter_queue: dlq,"),
        &format!("pollers: 4, wait_time: 20s, max_messages: 10, failure_probability: {p}"),
        4,
    )
    .replace("queues:\n", "queues:\n  dlq: {}\n");
    simulate(parse(&text, &[&format!("seed={seed}")]))
}

#[test]
fn the_dead_lettered_fraction_is_p_to_the_k() {
    for (p, k) in [(0.5, 3), (0.3, 2), (0.8, 5)] {
        let r = failing(p, k, 11);
        let s = &queue(&r, "jobs").stats;
        assert_eq!(queue(&r, "jobs").remaining, 0);
        let n = s.sent as f64;
        let expected = f64::powi(p, k as i32);
        let sd = (expected * (1.0 - expected) / n).sqrt();
        let got = s.dead_lettered as f64 / n;
        assert!(
            (got - expected).abs() < 4.0 * sd,
            "p={p} k={k}: dead-lettered {got:.5}, p^k = {expected:.5} (sd {sd:.5})"
        );
        assert_eq!(s.deleted + s.dead_lettered, s.sent);
    }
}

#[test]
fn redeliveries_follow_the_truncated_geometric_law() {
    let (p, k) = (0.5, 4);
    let r = failing(p, k, 12);
    let s = &queue(&r, "jobs").stats;
    // Receives per message R: P(R = j) = p^(j-1) (1-p) for j < k, P(R = k) = p^(k-1).
    let prob = |j: u32| {
        if j < k {
            p.powi(j as i32 - 1) * (1.0 - p)
        } else {
            p.powi(k as i32 - 1)
        }
    };
    let mean: f64 = (1..=k).map(|j| j as f64 * prob(j)).sum();
    let var: f64 = (1..=k).map(|j| (j as f64 - mean).powi(2) * prob(j)).sum();
    assert!((mean - (1.0 - p.powi(k as i32)) / (1.0 - p)).abs() < 1e-12);
    let n = s.sent as f64;
    let got = s.received as f64 / n;
    let se = (var / n).sqrt();
    assert!(
        (got - mean).abs() < 4.0 * se,
        "receives per message {got:.4}, theory {mean:.4} ± {se:.4}"
    );
    // Every receive but the successful ones ran out its visibility timeout.
    assert_eq!(s.visibility_expiries, s.received - s.deleted);
}

#[test]
fn long_polling_makes_far_fewer_empty_receives_than_short_polling() {
    let r = simulate(load("scenarios/sqs-polling.yaml", &[]));
    let short = &queue(&r, "short-polled").stats;
    let long = &queue(&r, "long-polled").stats;
    // Short polling calls every api_latency (20 ms) while idle: about 3600 s / 20 ms calls,
    // less the time spent processing the ~180 messages.
    let idle_calls = 3600.0 / 0.020;
    assert!(
        (short.empty_receives as f64 - idle_calls).abs() < 0.01 * idle_calls,
        "{}",
        short.empty_receives
    );
    // Long polling: at most one empty answer per 20 s wait.
    assert!(long.empty_receives <= 3600 / 20, "{}", long.empty_receives);
    assert!(long.empty_receives * 500 < short.empty_receives);
    assert!(r.cost.by_service["sqs"] > 0.0);
    // Short polling also misses messages that are there; long polling never does.
    assert!(short.false_empty_receives > 0);
    assert_eq!(long.false_empty_receives, 0);
}

/// The model's short-poll rule as a Markov chain, solved exactly: `n` messages on `servers`
/// servers (a state is the count per server); a poll samples `sampled` servers uniformly,
/// takes every message there and puts each back on a uniformly random server (a zero
/// visibility timeout); messages it missed stay where they are. Returns the stationary
/// probability that a poll finds nothing.
fn short_poll_empty_probability(servers: usize, sampled: usize, n: usize) -> f64 {
    fn compositions(n: usize, parts: usize) -> Vec<Vec<usize>> {
        if parts == 1 {
            return vec![vec![n]];
        }
        (0..=n)
            .flat_map(|first| {
                compositions(n - first, parts - 1)
                    .into_iter()
                    .map(move |mut rest| {
                        rest.insert(0, first);
                        rest
                    })
            })
            .collect()
    }
    fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
        (0u32..1 << n)
            .filter(|m| m.count_ones() as usize == k)
            .map(|m| (0..n).filter(|i| m >> i & 1 == 1).collect())
            .collect()
    }
    let factorial = |x: usize| (1..=x).map(|i| i as f64).product::<f64>();
    let states = compositions(n, servers);
    let index: std::collections::HashMap<Vec<usize>, usize> = states
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, s)| (s, i))
        .collect();
    let samples = subsets(servers, sampled);
    let mut step: Vec<Vec<(usize, f64)>> = vec![Vec::new(); states.len()];
    for (i, st) in states.iter().enumerate() {
        for sample in &samples {
            let found: usize = sample.iter().map(|&j| st[j]).sum();
            let mut kept = st.clone();
            for &j in sample {
                kept[j] = 0;
            }
            // The found messages land multinomially over all servers.
            for landing in compositions(found, servers) {
                let ways =
                    factorial(found) / landing.iter().map(|&c| factorial(c)).product::<f64>();
                let prob = ways / (servers as f64).powi(found as i32) / samples.len() as f64;
                let next: Vec<usize> = kept.iter().zip(&landing).map(|(a, b)| a + b).collect();
                step[i].push((index[&next], prob));
            }
        }
    }
    let mut pi = vec![1.0 / states.len() as f64; states.len()];
    for _ in 0..2000 {
        let mut next = vec![0.0; states.len()];
        for (i, out) in step.iter().enumerate() {
            for &(j, p) in out {
                next[j] += pi[i] * p;
            }
        }
        pi = next;
    }
    states
        .iter()
        .zip(&pi)
        .map(|(st, p)| {
            let misses = samples
                .iter()
                .filter(|s| s.iter().all(|&j| st[j] == 0))
                .count();
            p * misses as f64 / samples.len() as f64
        })
        .sum()
}

#[test]
fn short_polls_miss_visible_messages_as_the_server_model_says() {
    // A handful of messages that never leave: every receive fails them, and a zero
    // visibility timeout makes them visible again at once on a fresh random server.
    for (servers, sampled) in [(5usize, 2usize), (6, 1), (3, 3)] {
        let text = one_queue(
            "1000s",
            "arrivals: uniform, rate: {profile: piecewise, points: [[0s, 3], [1s, 3], [1s, 0]]}, work: {dist: constant, value: 1ms}",
            &format!(
                "visibility_timeout: 0s, short_poll: {{servers: {servers}, sampled: {sampled}}},"
            ),
            "max_messages: 10, failure_probability: 1, api_latency: 10ms",
            1,
        );
        let r = simulate(parse(&text, &[]));
        let s = &queue(&r, "jobs").stats;
        let n = s.sent as usize;
        assert!((2..=4).contains(&n), "{n} messages");
        let expected = short_poll_empty_probability(servers, sampled, n);
        let calls = s.receive_calls as f64;
        // Polls before the first message (a third of a second) are truly empty.
        let truly_empty = s.empty_receives - s.false_empty_receives;
        assert!(truly_empty <= 40, "{truly_empty}");
        let got = s.false_empty_receives as f64 / calls;
        let sd = (expected * (1.0 - expected) / calls).sqrt().max(1e-9);
        assert!(
            (got - expected).abs() < 4.0 * sd + 200.0 / calls,
            "S={servers} k={sampled} n={n}: false-empty fraction {got:.4}, chain {expected:.4}"
        );
        if sampled == servers {
            assert_eq!(s.false_empty_receives, 0);
        }
    }
    // Fresh placement alone would give (1 - k/S)^n; a missed message stays on its server,
    // so misses come in runs and the stationary rate is higher.
    let fresh = (1.0f64 - 2.0 / 5.0).powi(3);
    assert!(short_poll_empty_probability(5, 2, 3) > fresh);
    assert!((short_poll_empty_probability(5, 2, 1) - 0.6).abs() < 1e-12);
}

#[test]
fn a_lone_message_waits_a_geometric_number_of_short_polls() {
    // One message every 10 s, one short-polling worker calling every 10 ms: a message sits
    // on one of 5 servers and each poll samples 1, so it is missed (1 - p)/p = 4 times on
    // average (p = 1/5) before a poll finds it.
    let text = one_queue(
        "20000s",
        "arrivals: uniform, rate: 0.1, work: {dist: constant, value: 1ms}",
        "short_poll: {servers: 5, sampled: 1},",
        "max_messages: 10, api_latency: 10ms",
        1,
    );
    let r = simulate(parse(&text, &[]));
    let s = &queue(&r, "jobs").stats;
    let p: f64 = 0.2;
    let n = s.deleted as f64;
    let got = s.false_empty_receives as f64 / n;
    let se = ((1.0 - p).sqrt() / p) / n.sqrt();
    assert!(
        (got - (1.0 - p) / p).abs() < 4.0 * se,
        "missed polls per message {got:.3}, theory {:.3} ± {se:.3}",
        (1.0 - p) / p
    );
}

#[test]
fn a_long_poll_on_a_sparse_queue_is_empty_with_probability_e_to_the_minus_lambda_w() {
    let (lambda, wait) = (0.05, 20.0);
    let text = one_queue(
        "200000s",
        &format!("rate: {lambda}, work: {{dist: constant, value: 1ms}}"),
        "",
        &format!("wait_time: {wait}s, api_latency: 0s"),
        1,
    );
    let r = simulate(parse(&text, &[]));
    let s = &queue(&r, "jobs").stats;
    let calls = s.receive_calls as f64;
    let expected = f64::exp(-lambda * wait);
    let got = s.empty_receives as f64 / calls;
    let sd = (expected * (1.0 - expected) / calls).sqrt();
    assert!(
        (got - expected).abs() < 4.0 * sd,
        "empty fraction {got:.4}, e^(-lambda W) = {expected:.4} ± {sd:.4}"
    );
}

#[test]
fn k_long_polling_workers_with_exponential_work_are_an_m_m_k_queue() {
    // k single-message receive loops on a k-vCPU FCFS instance, no API latency: a message
    // waits only while every loop is busy, so send-to-delete is the M/M/k response time.
    let (k, mu, rho) = (4u32, 10.0, 0.8);
    let lambda = rho * k as f64 * mu;
    let theory = erlang_c(k, lambda / mu) / (k as f64 * mu - lambda) + 1.0 / mu;
    let means: Vec<f64> = (0..10)
        .map(|seed| {
            let text = one_queue(
                "12000s",
                &format!("rate: {lambda}, work: {{dist: exponential, mean: 100ms}}"),
                "",
                &format!("pollers: {k}, wait_time: 20s, max_messages: 1, api_latency: 0s"),
                k,
            );
            let r = simulate(parse(
                &text,
                &[&format!("seed={}", 300 + seed), "warmup=200s"],
            ));
            queue(&r, "jobs").stats.latency.mean_ms() / 1e3
        })
        .collect();
    let (mean, se) = mean_se(&means);
    assert!(se < 0.0175 * theory, "standard error {se:.5}s too wide");
    // The HDR histogram rounds each latency to 3 significant digits: allow 0.1% on top.
    let z = ((mean - theory).abs() - 1e-3 * theory).max(0.0) / se;
    assert!(
        z <= Z_MAX,
        "M/M/{k}: simulated {mean:.5}s (se {se:.5}s, z {z:.2} beyond the rounding), Erlang C {theory:.5}s"
    );
}

mod outputs;
