//! The short human summary printed after a run.

use crate::sim::RunResult;
use std::fmt::Write;

pub fn summary_table(r: &RunResult) -> String {
    let mut out = String::new();
    let o = &r.overall;
    let l = &o.latency;
    let _ = writeln!(
        out,
        "scenario {}  seed {}  simulated {:.0}s  events {}  wall {:.2}s ({:.1} M events/s)",
        r.scenario,
        r.seed,
        r.sim_duration_s,
        r.events,
        r.wall_s,
        if r.wall_s > 0.0 {
            r.events as f64 / r.wall_s / 1e6
        } else {
            0.0
        }
    );
    let total = o.total + r.in_flight;
    let pct = |n: u64| {
        if total > 0 {
            100.0 * n as f64 / total as f64
        } else {
            0.0
        }
    };
    let _ = writeln!(
        out,
        "requests {}  ok {}  failed {} ({:.3}%)  in flight at end {}",
        o.total + r.in_flight,
        o.ok,
        o.failed(),
        pct(o.failed()),
        r.in_flight
    );
    let _ = write!(
        out,
        "  502 {}  503 {}  504 {}  429 {}",
        o.errors[0], o.errors[1], o.errors[2], o.errors[3]
    );
    // Direct synchronous Lambda invocations that ended in a function error (Invoke's 200
    // with `FunctionError`), shown only when there are some.
    if o.errors[4] > 0 {
        let _ = write!(out, "  function errors {}", o.errors[4]);
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "latency ms  mean {:.2}  p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}",
        l.mean_ms(),
        l.quantile_ms(0.5),
        l.quantile_ms(0.9),
        l.quantile_ms(0.99),
        l.quantile_ms(0.999),
        l.max_ms()
    );
    let services: Vec<String> = r
        .cost
        .by_service
        .iter()
        .map(|(k, v)| format!("{k} {v:.4}"))
        .collect();
    let _ = writeln!(
        out,
        "cost usd {:.4}  ({})",
        r.cost.total,
        services.join(", ")
    );
    if r.workloads.len() > 1 {
        let _ = writeln!(
            out,
            "\n{:<20} {:>10} {:>8} {:>10} {:>10}",
            "workload", "requests", "failed", "p50 ms", "p99 ms"
        );
        for (i, (name, s)) in r.workloads.iter().enumerate() {
            let _ = writeln!(
                out,
                "{:<20} {:>10} {:>8} {:>10.2} {:>10.2}",
                name,
                s.total + r.in_flight_by_workload.get(i).copied().unwrap_or(0),
                s.failed(),
                s.latency.quantile_ms(0.5),
                s.latency.quantile_ms(0.99)
            );
        }
    }
    if !r.groups.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<20} {:>9} {:>11} {:>11} {:>15} {:>10} {:>11} {:>13}",
            "group",
            "launched",
            "terminated",
            "max in svc",
            "instance hours",
            "mean CPU%",
            "activities",
            "replacements"
        );
        for g in &r.groups {
            let _ = writeln!(
                out,
                "{:<20} {:>9} {:>11} {:>11} {:>15.2} {:>10.1} {:>11} {:>13}",
                g.name,
                g.launched,
                g.terminated,
                g.max_in_service,
                g.instance_hours,
                g.mean_cpu_percent,
                super::scaling::scaling_activities(g),
                super::scaling::health_replacements(g)
            );
        }
        super::scaling::blocked_table(&mut out, r);
    }
    if !r.lambda_functions.is_empty() {
        let _ = writeln!(
            out,
            "\n{:<20} {:>11} {:>10} {:>11} {:>9} {:>8} {:>12} {:>12} {:>11}",
            "lambda function",
            "invocations",
            "throttles",
            "cold starts",
            "max conc",
            "errors",
            "p50 ms",
            "p99 ms",
            "GB-seconds"
        );
        for f in &r.lambda_functions {
            let t = &f.totals;
            let _ = writeln!(
                out,
                "{:<20} {:>11} {:>10} {:>11} {:>9} {:>8} {:>12.2} {:>12.2} {:>11.1}",
                f.name,
                t.invocations,
                t.throttles,
                t.cold_starts,
                t.max_concurrency,
                t.errors,
                t.duration.quantile_ms(0.5),
                t.duration.quantile_ms(0.99),
                f.gb_seconds
            );
        }
    }
    super::queues::queues_table(r, &mut out);
    let a = &r.resilience;
    if !a.faults.is_empty() || !a.databases.is_empty() || !a.dns.is_empty() {
        let _ = writeln!(
            out,
            "\navailability {:.4}%  (objective {}%: {} period(s) below, longest run {})",
            100.0 * a.availability,
            100.0 * a.slo,
            a.periods_below_slo,
            a.longest_run_below_slo
        );
        for f in &a.faults {
            let secs = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.0}s"));
            let _ = writeln!(
                out,
                "  fault {} {} at {:.0}s: detected after {}, recovered after {}",
                f.kind,
                f.target,
                f.at_s,
                secs(f.time_to_detect_s),
                secs(f.time_to_recover_s)
            );
        }
    }
    out
}
