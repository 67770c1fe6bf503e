//! The short human summary printed after a run: the run's header and overall figures, then
//! every service's section (`sections`).

use crate::sections::SECTIONS;
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
    // Targets' 500s (an injected target error) and the load balancers' own answers, shown
    // only when there are some.
    if o.errors[5] > 0 {
        let _ = write!(out, "  target 500 {}", o.errors[5]);
    }
    if o.answered_by_load_balancer() > 0 {
        let _ = write!(
            out,
            "  answered by the load balancer {}",
            o.answered_by_load_balancer()
        );
    }
    // Failed DNS resolutions (a geolocation record without an answer), likewise.
    if o.errors[6] > 0 {
        let _ = write!(out, "  dns no answer {}", o.errors[6]);
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
    for section in SECTIONS {
        section.table(r, &mut out);
    }
    out
}
