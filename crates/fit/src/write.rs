//! The scenario a fit writes: YAML text with a comment beside each fitted value saying where
//! it came from, and the data files it names (per-second counts, empirical samples).
//!
//! What the logs do not say is filled with a stated first guess, marked in the file: the
//! fleet behind the load balancer (m5.large instances sized by Little's law so the busiest
//! minute runs them at 60%: our choice), one target group (listener rules are not in the
//! logs), two AZs. With `--by target-group`, a workload per target group (its own rate and
//! class) and a listener rule per group on an example path of its requests (the logs name
//! each request's target group, not the rule's conditions: our guess).

use crate::classes::ClassStats;
use crate::cloudwatch::MetricFit;
use crate::durations::LognormalFit;
use crate::logs::LogFit;
use std::fmt::Write;

/// How the arrival rate is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateForm {
    /// Per-second counts replayed as a trace.
    Counts,
    /// The fitted diurnal curve.
    Diurnal,
    /// Diurnal when the logs span a day and the curve explains 80% of the per-minute
    /// variance, else counts (our choice).
    Auto,
}

/// How each class's work is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WorkForm {
    Lognormal,
    Empirical,
    /// Lognormal when its Kolmogorov-Smirnov distance is at most 0.05, else empirical (our
    /// choice: with millions of lines the test itself rejects every real workload).
    Auto,
}

/// What the fit's caller chose.
#[derive(Clone, Debug)]
pub struct Options {
    /// The scenario's name, also the prefix of its data files.
    pub name: String,
    /// Inputs, as listed in the header comment.
    pub sources: Vec<String>,
    pub rate: RateForm,
    pub work: WorkForm,
    /// The largest number of classes; smaller ones are merged into `other`.
    pub top: usize,
}

/// A scenario and its data files (names relative to the scenario's folder).
#[derive(Clone, Debug, Default)]
pub struct Written {
    pub scenario: String,
    pub files: Vec<(String, String)>,
}

const VCPUS: f64 = 2.0; // m5.large
const UTILIZATION: f64 = 0.6;
const DISTANCE_FOR_LOGNORMAL: f64 = 0.05;
const EMPIRICAL_POINTS: usize = 1000;

fn ms(seconds: f64) -> String {
    format!("{}ms", round_sig(seconds * 1e3, 4))
}

/// `x` to `digits` significant digits, as text without trailing zeros.
fn round_sig(x: f64, digits: i32) -> String {
    if x == 0.0 || !x.is_finite() {
        return "0".into();
    }
    let scale = digits - 1 - x.abs().log10().floor() as i32;
    let decimals = scale.max(0) as usize;
    let factor = 10f64.powi(scale);
    let v = (x * factor).round() / factor;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Text safe inside a YAML double-quoted string (URL-escaped quote and backslash).
fn quoted(s: &str) -> String {
    s.replace('%', "%25")
        .replace('"', "%22")
        .replace('\\', "%5C")
}

fn pct(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0%".into();
    }
    format!("{}%", round_sig(100.0 * part as f64 / whole as f64, 3))
}

/// A component name from a class key: letters, digits and dashes, unique in `taken`.
fn class_name(key: &str, taken: &mut Vec<String>) -> String {
    let mut s: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let mut s = s.trim_matches('-').chars().take(48).collect::<String>();
    if s.is_empty() {
        s = "root".into();
    }
    let base = s.clone();
    let mut n = 2;
    while taken.contains(&s) {
        s = format!("{base}-{n}");
        n += 1;
    }
    taken.push(s.clone());
    s
}

fn header(out: &mut String, what: &str, o: &Options) {
    let _ = writeln!(out, "# Fitted by `stratus fit {what}` from:");
    for s in &o.sources {
        let _ = writeln!(out, "#   {s}");
    }
}

/// The scenario's `description` (which `stratus explain` prints): where its values came from.
fn description(out: &mut String, text: &str) {
    let _ = writeln!(out, "description: >-");
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.len() + word.len() > 88 {
            let _ = writeln!(out, "  {line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    let _ = writeln!(out, "  {line}");
}

fn counts_csv(counts: &[u32]) -> String {
    let mut s = String::with_capacity(counts.len() * 4 + 16);
    s.push_str("count\n");
    for c in counts {
        let _ = writeln!(s, "{c}");
    }
    s
}

/// The scenario of an ALB log fit.
pub fn alb_scenario(fit: &LogFit, o: &Options) -> Written {
    let mut w = Written::default();
    let out = &mut w.scenario;
    header(out, "alb-logs", o);
    let read = fit.lines - fit.malformed_lines();
    let _ = writeln!(
        out,
        "# {} lines, {} read, {} skipped:",
        fit.lines,
        read,
        fit.malformed_lines()
    );
    for (why, (n, first)) in &fit.malformed {
        let _ = writeln!(out, "#   {n} with {} (first: {first})", why.describe());
    }
    let span = fit.per_second.span_s().max(1);
    let total = fit.per_second.total();
    let first = fit.per_second.first_second().unwrap_or(0);
    let _ = writeln!(
        out,
        "# Time 0 is {} (Unix seconds), the first second of the logs; they span {span} s: \
         {total} requests, {} per second on average, {} in the busiest second.",
        first,
        round_sig(total as f64 / span as f64, 4),
        fit.per_second.peak()
    );
    let _ = writeln!(out, "name: {}", o.name);
    description(
        out,
        &format!(
            "Fitted by `stratus fit alb-logs` from {} log lines of {} ({} skipped). From the \
             logs: the arrival rate, up to {} request classes (weights, target times as work, \
             mean payloads) and the targets' 5xx share. First guesses to set: the AZs, the \
             listener rule and the fleet behind it.",
            fit.lines,
            o.sources.join(", "),
            fit.malformed_lines(),
            o.top
        ),
    );
    let _ = writeln!(out, "duration: {span}s");
    let _ = writeln!(out, "azs: [a, b]   # a first guess: the logs do not say");
    let classes = fit.classes.ranked(o.top);
    let mut taken = Vec::new();
    let mut busy_s = 0.0; // requests x mean work, over the classes
    let (mut answered, mut target_5xx) = (0u64, 0u64);
    // With `--by target-group`, one workload per target group (its own rate and class) and
    // one listener rule per group; else one workload with a class per key.
    let per_group = !fit.per_group.is_empty();
    let mut rules = Vec::new();
    if per_group {
        let _ = writeln!(out, "workloads:");
    } else {
        let _ = writeln!(out, "workloads:\n  logs:\n    target: alb/web");
        write_rate(out, &mut w.files, &fit.per_second, o, span, &o.name);
        let _ = writeln!(w.scenario, "    classes:");
    }
    for (key, c) in &classes {
        let name = class_name(key, &mut taken);
        let mean = c.work.mean_s();
        busy_s += mean * c.requests as f64;
        answered += c.answered();
        target_5xx += c.target_5xx;
        if per_group {
            let out = &mut w.scenario;
            let _ = writeln!(out, "  {name}:\n    target: alb/web");
            let mut rate = crate::rate::PerSecond::default();
            match fit.per_group.get(key.as_str()) {
                Some(p) => rate.merge(p),
                // `other`: every group not written on its own.
                None => {
                    for (g, p) in &fit.per_group {
                        if !classes.iter().any(|(k, _)| k == g) || g == key {
                            rate.merge(p);
                        }
                    }
                }
            }
            write_rate(
                out,
                &mut w.files,
                &rate,
                o,
                span,
                &format!("{}.{name}", o.name),
            );
            let _ = writeln!(w.scenario, "    classes:");
            rules.push(format!(
                "{{path: \"{}\", target_group: {name}}}",
                quoted(&c.path)
            ));
        }
        write_class(&mut w.scenario, &mut w.files, o, (key, &name), c, total);
    }
    let out = &mut w.scenario;
    let mean_rate = total as f64 / span as f64;
    let busiest = busiest_minute(&fit.per_second.series()).max(mean_rate);
    let mean_work = if total > 0 {
        busy_s / total as f64
    } else {
        0.0
    };
    let instances = ((busiest * mean_work / (VCPUS * UTILIZATION)).ceil() as u64).max(2);
    if per_group {
        // A rule per target group on its example path (the logs name the group, not the
        // rule's conditions: our guess), the largest group as the default.
        let names: Vec<String> = taken.clone();
        let _ = writeln!(
            out,
            "load_balancers:\n  web:\n    azs: [a, b]\n    # One rule per target group on an example path of its requests: a guess, the\n    \
             # logs do not hold the rules' conditions.\n    rules:"
        );
        for r in &rules {
            let _ = writeln!(out, "      - {r}");
        }
        let _ = writeln!(
            out,
            "      - {{default: {}}}\ntarget_groups:",
            names.first().map_or("web", String::as_str)
        );
        for n in &names {
            let _ = writeln!(out, "  {n}: {{group: fleet}}");
        }
    } else {
        let _ = writeln!(
            out,
            "load_balancers:\n  web: {{azs: [a, b], rules: [{{default: web}}]}}   # listener rules are not in the logs\n\
             target_groups:\n  web: {{group: fleet}}"
        );
    }
    let _ = writeln!(
        out,
        "\
         auto_scaling_groups:\n  # A first guess, not in the logs: the busiest minute ({} requests/s) times the mean\n  \
         # target time ({}) over 2 vCPUs at 60% is {} instances. Set your own fleet.\n  \
         fleet: {{instance: {{type: m5.large}}, azs: [a, b], min: {instances}, desired: {instances}, max: {}}}",
        round_sig(busiest, 4),
        ms(mean_work),
        instances,
        instances * 4
    );
    if target_5xx > 0 {
        let f = target_5xx as f64 / answered.max(1) as f64;
        let _ = writeln!(
            out,
            "faults:\n  # The targets answered {target_5xx} of {answered} requests with a 5xx ({}): a steady share.\n  \
             - {{at: 0s, target_errors: fleet, fraction: {}}}",
            pct(target_5xx, answered),
            round_sig(f, 4)
        );
    }
    w
}

/// The busiest minute's mean rate, per second.
fn busiest_minute(series: &[u32]) -> f64 {
    series
        .chunks(60)
        .map(|c| c.iter().map(|&x| f64::from(x)).sum::<f64>() / c.len() as f64)
        .fold(0.0, f64::max)
}

fn write_rate(
    out: &mut String,
    files: &mut Vec<(String, String)>,
    per_second: &crate::rate::PerSecond,
    o: &Options,
    span: u64,
    stem: &str,
) {
    let diurnal = per_second.diurnal();
    let use_diurnal = match (o.rate, diurnal) {
        (RateForm::Diurnal, Some(_)) => true,
        (RateForm::Auto, Some(d)) => span >= 86_400 && d.r_squared >= 0.8,
        _ => false,
    };
    if let (true, Some(d)) = (use_diurnal, diurnal) {
        let _ = writeln!(
            out,
            "    # A diurnal curve fitted by least squares to the per-minute rates (R^2 = {}).\n    \
             rate: {{profile: diurnal, mean: {}, amplitude: {}, period: 24h, peak_at: {}s}}",
            round_sig(d.r_squared, 3),
            round_sig(d.mean, 5),
            round_sig(d.amplitude, 3),
            d.peak_at_s.round()
        );
        return;
    }
    if let (RateForm::Diurnal, None) = (o.rate, diurnal) {
        let _ = writeln!(
            out,
            "    # No diurnal curve: the logs span less than an hour."
        );
    }
    let file = format!("{stem}.counts.csv");
    let _ = writeln!(
        out,
        "    # The logs' requests per second, replayed (Poisson within each second).\n    \
         rate: {{profile: trace, file: {file}, format: counts}}"
    );
    files.push((file, counts_csv(&per_second.series())));
}

fn write_class(
    out: &mut String,
    files: &mut Vec<(String, String)>,
    o: &Options,
    (key, name): (&str, &str),
    c: &ClassStats,
    total: u64,
) {
    let _ = writeln!(
        out,
        "      # {key}: {} requests ({}); answered by a target {} (4xx {}, 5xx {}); \
         the load balancer's own 502 {}, 503 {}, 504 {}, other {}.",
        c.requests,
        pct(c.requests, total),
        c.answered(),
        c.target_4xx,
        c.target_5xx,
        c.elb_502,
        c.elb_503,
        c.elb_504,
        c.elb_other
    );
    let _ = writeln!(out, "      - name: {name}");
    let _ = writeln!(
        out,
        "        path: \"{}\"   # an example of the class",
        quoted(&c.path)
    );
    if c.method != "GET" && c.method != "-" {
        let _ = writeln!(out, "        method: {}", c.method);
    }
    if !c.host.is_empty() && c.host != "-" {
        let _ = writeln!(out, "        host: \"{}\"", quoted(&c.host));
    }
    let _ = writeln!(
        out,
        "        weight: {}",
        round_sig(c.requests as f64 / total.max(1) as f64, 6)
    );
    match c.work.lognormal() {
        Some(fit) => write_work(out, files, o, name, c, fit),
        None => {
            let _ = writeln!(
                out,
                "        # No target time in the logs (fewer than two answers): a placeholder.\n        \
                 work: {{dist: constant, value: 1ms}}"
            );
        }
    }
    let n = c.requests.max(1);
    let _ = writeln!(
        out,
        "        request_bytes: {}   # the mean received\n        response_bytes: {}   # the mean sent",
        c.received_bytes / n,
        c.sent_bytes / n
    );
}

fn write_work(
    out: &mut String,
    files: &mut Vec<(String, String)>,
    o: &Options,
    name: &str,
    c: &ClassStats,
    fit: LognormalFit,
) {
    let lognormal = match o.work {
        WorkForm::Lognormal => true,
        WorkForm::Empirical => false,
        WorkForm::Auto => fit.ks_distance <= DISTANCE_FOR_LOGNORMAL,
    };
    let _ = writeln!(
        out,
        "        # Target time of {} answers: p50 {}, p99 {}; the lognormal fit (median {}, sigma {}) \
         is at KS distance {} (the 1% test rejects beyond {}). Target time includes queueing at the \
         target: as work it is an upper bound when the fleet was busy.",
        c.work.count(),
        ms(c.work.quantile_s(0.5)),
        ms(c.work.quantile_s(0.99)),
        ms(fit.median_s),
        round_sig(fit.sigma, 4),
        round_sig(fit.ks_distance, 3),
        round_sig(fit.ks_critical_1pct, 3)
    );
    if lognormal {
        let _ = writeln!(
            out,
            "        work: {{dist: lognormal, median: {}, sigma: {}}}",
            ms(fit.median_s),
            round_sig(fit.sigma, 4)
        );
    } else {
        let file = format!("{}.{name}.work.csv", o.name);
        let mut csv = String::from("ms\n");
        for q in c.work.quantiles_s(EMPIRICAL_POINTS) {
            let _ = writeln!(csv, "{}", round_sig(q * 1e3, 6));
        }
        files.push((file.clone(), csv));
        let _ = writeln!(
            out,
            "        work: {{dist: empirical, file: {file}, unit: ms}}   # {EMPIRICAL_POINTS} quantiles of the data"
        );
    }
}

/// The scenario of a metric export: its rate as a per-second trace, one workload.
pub fn metric_scenario(fit: &MetricFit, o: &Options) -> Written {
    let mut w = Written::default();
    let out = &mut w.scenario;
    header(out, "cloudwatch", o);
    let span = fit.counts.len() as u64;
    let _ = writeln!(
        out,
        "# {} rows of `{}`, one per {} s period; time 0 is {} (Unix seconds). {} requests, \
         each period's sum spread evenly over its seconds.",
        fit.rows, fit.column, fit.period_s, fit.first_s, fit.total
    );
    let _ = writeln!(out, "name: {}", o.name);
    description(
        out,
        &format!(
            "Fitted by `stratus fit cloudwatch` from {} ({} rows of `{}`, {} s periods): the \
             arrival rate. Placeholders to set: the work of a request, the AZs and the fleet.",
            o.sources.join(", "),
            fit.rows,
            fit.column,
            fit.period_s
        ),
    );
    let _ = writeln!(out, "duration: {span}s\nazs: [a, b]   # a first guess");
    let file = format!("{}.counts.csv", o.name);
    let _ = writeln!(
        out,
        "workloads:\n  metric:\n    target: alb/web\n    rate: {{profile: trace, file: {file}, format: counts}}\n    \
         # Not in a request count: what each request costs. A placeholder to set.\n    \
         work: {{dist: exponential, mean: 50ms}}"
    );
    w.files.push((file, counts_csv(&fit.counts)));
    let peak = busiest_minute(&fit.counts);
    let instances = ((peak * 0.05 / (VCPUS * UTILIZATION)).ceil() as u64).max(2);
    let _ = writeln!(
        out,
        "load_balancers:\n  web: {{azs: [a, b], rules: [{{default: web}}]}}\n\
         target_groups:\n  web: {{group: fleet}}\n\
         auto_scaling_groups:\n  # A first guess: the busiest minute ({} requests/s) at the placeholder work over\n  \
         # 2 vCPUs at 60%. Set your own fleet.\n  \
         fleet: {{instance: {{type: m5.large}}, azs: [a, b], min: {instances}, desired: {instances}, max: {}}}",
        round_sig(peak, 4),
        instances * 4
    );
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_to_significant_digits() {
        assert_eq!(round_sig(0.042_123, 3), "0.0421");
        assert_eq!(round_sig(1234.5, 3), "1230");
        assert_eq!(round_sig(100.0, 4), "100");
        assert_eq!(ms(0.0425), "42.5ms");
    }

    #[test]
    fn class_names_are_unique_component_names() {
        let mut taken = Vec::new();
        assert_eq!(class_name("/orders/*/items", &mut taken), "orders-items");
        assert_eq!(class_name("/orders/*/items/", &mut taken), "orders-items-2");
        assert_eq!(class_name("/", &mut taken), "root");
    }
}
