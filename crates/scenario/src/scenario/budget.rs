//! The size of a run, estimated before it starts: how many events it will process (from the
//! expected arrivals, the integral of every workload's rate over the duration) and how much
//! memory it will hold (instances, time series points, latency histograms, messages left in
//! queues without consumers, kept replication cells). A run that cannot fit its event budget
//! or its memory budget is refused before it starts, with the cause and the flag that raises
//! the budget; `rss_over_budget` checks the memory actually held while it runs.

use super::Scenario;
use crate::workload::Target;

/// Events per request, a generous average over the shipped scenarios (arrival, routing,
/// start, completion, metrics), used only to estimate a run's size.
pub const EVENTS_PER_REQUEST: f64 = 5.0;
/// About what one core simulates per second, for the time estimate.
pub const EVENTS_PER_SECOND: f64 = 5e6;

/// One live instance: its record, target registrations and health, queues' first capacity.
/// Terminated instances' slots are reused (`sim::slots`), so the groups' max bounds them;
/// each launch also leaves a 56-byte record of its life (not estimated: launches are not
/// known before the run).
const INSTANCE_BYTES: f64 = 2048.0;
const SERIES_POINT_BYTES: f64 = 32.0;
const HISTOGRAM_BYTES: f64 = 512.0 * 1024.0;
const MESSAGE_BYTES: f64 = 160.0;

/// What a run is expected to process and hold.
#[derive(Debug, Clone)]
pub struct Estimate {
    pub arrivals: f64,
    /// Target health checks over the run (each instance of a group, in every target group it
    /// registers with, is probed once per `interval`, requests or not).
    pub probes: f64,
    pub events: f64,
    /// Bytes by cause, largest first.
    pub memory: Vec<(String, f64)>,
}

impl Estimate {
    pub fn bytes(&self) -> f64 {
        self.memory.iter().map(|m| m.1).sum()
    }
}

/// Estimates a run of `s`, `cells` times over (replications and variants kept in memory).
pub fn estimate(s: &Scenario, cells: usize) -> Estimate {
    let end = s.duration.as_secs_f64();
    let mut arrivals = 0.0;
    let mut backlog = 0.0;
    for w in &s.workloads {
        let n = w.rate.expected_arrivals(0.0, end);
        arrivals += n;
        if let Target::Queue(q) = w.target
            && s.queues
                .get(q.index())
                .is_some_and(|q| q.consumers.is_empty())
        {
            backlog += n;
        }
    }
    let probes: f64 = s
        .target_groups
        .iter()
        .filter_map(|tg| {
            let g = s.groups.get(tg.group()?.index())?;
            let interval = tg.health_check.interval.as_secs_f64().max(1e-3);
            Some(f64::from(g.desired) * (end / interval).ceil())
        })
        .sum();
    let periods = (end / s.metric_period.as_secs_f64().max(1.0)).ceil();
    let series = 16.0
        + 12.0 * s.groups.len() as f64
        + 10.0 * s.workloads.len() as f64
        + 10.0 * s.queues.len() as f64
        + 10.0 * s.lambda_functions.len() as f64
        + 6.0 * (s.load_balancers.len() + s.target_groups.len()) as f64
        + 4.0 * s.services.api_gateways.apis.len() as f64
        + 3.0 * s.services.dynamodb_tables.len() as f64;
    let instances: f64 = s.groups.iter().map(|g| f64::from(g.max)).sum();
    let cells = cells.max(1) as f64;
    let mut memory = vec![
        (
            format!("{instances} instances (the groups' max)"),
            instances * INSTANCE_BYTES,
        ),
        (
            format!("{periods} metric periods x {series} series, {cells} run(s) kept"),
            periods * series * SERIES_POINT_BYTES * cells,
        ),
        (
            format!(
                "latency histograms of {} workloads, {cells} run(s) kept",
                s.workloads.len()
            ),
            (1.0 + s.workloads.len() as f64) * HISTOGRAM_BYTES * cells,
        ),
        (
            format!("{backlog:.3e} messages left in queues without consumers"),
            backlog * MESSAGE_BYTES,
        ),
    ];
    let cache_keys: u64 = (s.services.api_gateways.apis.iter())
        .filter_map(|a| a.cache.as_ref().map(|c| c.keys))
        .sum();
    if cache_keys > 0 {
        // API Gateway's stage caches: one expiry time (8 bytes) per key.
        memory.push((
            format!("{cache_keys} API Gateway cache keys"),
            cache_keys as f64 * 8.0,
        ));
    }
    let elasticache_keys: u64 = (s.resilience.databases.iter())
        .filter_map(|d| match d.elasticache.as_deref()?.hits {
            crate::model::elasticache::HitModel::Ttl { keys, .. } => Some(keys as u64),
            crate::model::elasticache::HitModel::Ratio(_) => None,
        })
        .sum();
    if elasticache_keys > 0 {
        // ElastiCache TTL caches: an expiry time and a cumulative popularity (16 bytes) per key.
        memory.push((
            format!("{elasticache_keys} ElastiCache keys"),
            elasticache_keys as f64 * 16.0,
        ));
    }
    memory.sort_by(|a, b| b.1.total_cmp(&a.1));
    Estimate {
        arrivals,
        probes,
        events: arrivals * EVENTS_PER_REQUEST + probes,
        memory,
    }
}

/// Refuses a run whose estimate exceeds its budgets, naming the cause and the flag.
pub fn check(e: &Estimate, max_events: u64, max_memory: u64) -> Result<(), String> {
    // Twice the budget: the estimate is an average, and a run near its budget may still fit.
    if e.events > 2.0 * max_events as f64 {
        return Err(format!(
            "this run needs about {:.2e} events ({:.2e} arrivals, {:.2e} target health checks), \
             more than its budget of {max_events} events (max_events): \
             it would stop part way after about {}. Shorten `duration`, lower the rates or the \
             group sizes, or raise --max-events if you mean it",
            e.events,
            e.arrivals,
            e.probes,
            human_time(max_events as f64 / EVENTS_PER_SECOND)
        ));
    }
    if e.bytes() > max_memory as f64 {
        let (cause, bytes) = &e.memory[0];
        return Err(format!(
            "this run would hold about {} of memory, more than --max-memory ({}); the largest part is {cause} ({}). \
             Scale that down, or raise --max-memory if the machine has the memory",
            human_bytes(e.bytes()),
            human_bytes(max_memory as f64),
            human_bytes(*bytes)
        ));
    }
    Ok(())
}

/// The default memory budget: half of the machine's memory, or of the address-space limit
/// when one is set (Linux: `/proc/meminfo`, `/proc/self/limits`); 4 GiB when unknown.
pub fn default_max_memory() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| meminfo_kib(&t, "MemTotal:"))
        .map(|kib| kib * 1024);
    let limit = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| address_space_limit(&t));
    match (total, limit) {
        (Some(t), Some(l)) => t.min(l) / 2,
        (Some(x), None) | (None, Some(x)) => x / 2,
        (None, None) => 4 << 30,
    }
}

/// The resident memory of this process, in bytes (Linux), if known.
pub fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

/// A message when the process holds more than half of `max_memory` (the next doubling of
/// a growing queue or series would pass it), else `None`.
pub fn rss_over_budget(max_memory: u64) -> Option<String> {
    let rss = resident_bytes()?;
    (rss.saturating_mul(2) > max_memory).then(|| {
        format!(
            "the run holds {} of memory and is still growing (a queue, a backlog or the time series); \
             stopped before it passes --max-memory ({}). Shorten the run, give the queue a consumer \
             or bound the backlog, or raise --max-memory",
            human_bytes(rss as f64),
            human_bytes(max_memory as f64)
        )
    })
}

fn meminfo_kib(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn address_space_limit(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("Max address space"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// `1.5 GB`-style sizes (powers of 1024).
pub fn human_bytes(b: f64) -> String {
    let units = ["B", "KB", "MB", "GB", "TB", "PB"];
    let mut v = b;
    let mut i = 0;
    while v >= 1024.0 && i + 1 < units.len() {
        v /= 1024.0;
        i += 1;
    }
    format!("{v:.1} {}", units[i])
}

fn human_time(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.0} s of CPU")
    } else if s < 7200.0 {
        format!("{:.0} min of CPU", s / 60.0)
    } else {
        format!("{:.1} h of CPU", s / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_read_from_proc_formats() {
        let meminfo = "MemTotal:       24000000 kB\nMemFree: 1 kB\n";
        assert_eq!(meminfo_kib(meminfo, "MemTotal:"), Some(24_000_000));
        let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                      Max address space         2000000000           2000000000           bytes\n";
        assert_eq!(address_space_limit(limits), Some(2_000_000_000));
        let unlimited =
            "Max address space         unlimited            unlimited            bytes\n";
        assert_eq!(address_space_limit(unlimited), None);
    }

    #[test]
    fn a_busy_day_is_refused_before_it_runs() {
        let text = "name: big\nduration: 1d\nworkloads:\n  w: {target: sqs/q, rate: 10000, work: {dist: constant, value: 0s}}\nqueues:\n  q: {}\n";
        let s = Scenario::from_text(text, "t", std::path::Path::new("."), &[]).expect("valid");
        let e = estimate(&s, 1);
        // 1e4/s for 86,400 s: 8.64e8 arrivals, every one left in the queue.
        assert!((e.arrivals - 8.64e8).abs() < 1e3, "{}", e.arrivals);
        assert_eq!(e.probes, 0.0, "no target group, no health checks");
        assert!(check(&e, 1_000_000_000, u64::MAX).is_err());
        assert!(check(&e, 5_000_000_000, u64::MAX).is_ok());
        let err = check(&e, u64::MAX, 1 << 30).unwrap_err();
        assert!(
            err.contains("queues without consumers") && err.contains("--max-memory"),
            "{err}"
        );
    }

    #[test]
    fn a_large_fleet_counts_its_health_checks() {
        let text = "name: fleet\nduration: 1h\nazs: [a, b]\nworkloads:\n  w: {target: alb/web, rate: 1, work: {dist: constant, value: 1ms}}\n\
            load_balancers:\n  web: {azs: [a, b], rules: [{default: tg}]}\n\
            target_groups:\n  tg: {group: g, health_check: {interval: 30s}}\n\
            auto_scaling_groups:\n  g: {instance: {type: c5.large}, azs: [a], min: 1000000, max: 1000000, desired: 1000000}\n";
        let s = Scenario::from_text(text, "t", std::path::Path::new("."), &[]).expect("valid");
        let e = estimate(&s, 1);
        // Every instance is probed once per 30 s interval: 3,600 / 30 = 120 probes each.
        assert_eq!(e.probes, 1e6 * 120.0);
        assert!(e.events >= e.probes);
        let err = check(&e, 1_000_000, u64::MAX).unwrap_err();
        assert!(err.contains("target health checks"), "{err}");
        // 1,000,000 instances are about 2 GB: refused under a 1 GB budget, naming the cause.
        let err = check(&e, u64::MAX, 1 << 30).unwrap_err();
        assert!(
            err.contains("1000000 instances") && err.contains("--max-memory"),
            "{err}"
        );
    }
}
