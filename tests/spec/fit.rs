//! `stratus fit`: logs generated from a known workload (Poisson arrivals, two request classes
//! with lognormal target times, a share of target 5xx) are fitted back within sampling error;
//! malformed lines are counted and reported, never fatal; the scenario written validates and
//! runs; a CloudWatch export's sums are kept period by period.

use crate::support::*;
use flate2::Compression;
use flate2::write::GzEncoder;
use rand_distr::{Distribution, StandardNormal};
use std::io::Write;
use std::path::Path;
use std::process::Command;
use stratus::fit::classes::GroupBy;
use stratus::fit::logs::LogFit;
use stratus::kernel::{RngExt, stream};

const RATE: f64 = 20.0;
const HOURS: f64 = 2.0;
/// (path pattern, example path, share, median seconds, sigma)
const CLASSES: [(&str, f64, f64, f64); 2] =
    [("/orders/*", 0.7, 0.040, 0.5), ("/search", 0.3, 0.120, 0.8)];
const SHARE_5XX: f64 = 0.02;
const START: i64 = 1_709_546_400; // 2024-03-04T10:00:00Z

fn iso(ns: i64) -> String {
    let s = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000) / 1000;
    let (days, rem) = (s.div_euclid(86_400), s.rem_euclid(86_400));
    // Civil date from days (H. Hinnant's civil_from_days).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{frac:06}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The log lines of the known workload, and how many requests of each class and how many
/// 5xx answers were generated.
fn generate() -> (Vec<String>, [u64; 2], u64) {
    let mut rng = stream(7, "test/fit/logs");
    let mut t = START as f64;
    let end = t + HOURS * 3600.0;
    let (mut lines, mut per_class, mut errors) = (Vec::new(), [0u64; 2], 0u64);
    loop {
        t -= rng.open01().ln() / RATE;
        if t >= end {
            break;
        }
        let c = usize::from(rng.open01() >= CLASSES[0].1);
        let (_, _, median, sigma) = CLASSES[c];
        let z: f64 = StandardNormal.sample(&mut rng);
        let work = median * (sigma * z).exp();
        let status = if rng.open01() < SHARE_5XX { 500 } else { 200 };
        per_class[c] += 1;
        errors += u64::from(status == 500);
        let path = if c == 0 {
            format!("/orders/{}", rng.uniform_u64(1, 100_000))
        } else {
            "/search".to_string()
        };
        let arrival = (t * 1e9) as i64;
        let done = arrival + (work * 1e9) as i64 + 1_000_000;
        lines.push(format!(
            "https {} app/web/50dc6c495c0c9188 192.0.2.10:4653 10.0.0.66:8080 0.000 {work:.6} 0.000 {status} {status} 300 2000 \
             \"GET https://shop.example.com:443{path}?q=1 HTTP/1.1\" \"test\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 \
             arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/73e2d6bc24d8a067 \"Root=1-0\" \"-\" \"-\" 0 {} \"forward\"",
            iso(done),
            iso(arrival)
        ));
    }
    (lines, per_class, errors)
}

/// Runs `stratus fit KIND FILES... --out OUT`.
fn fit(kind: &str, files: &[&Path], out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(["fit", kind])
        .args(files)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

/// The lines in two files, the second gzip-compressed, with malformed lines among them.
fn write_logs(dir: &Path, lines: &[String]) -> (std::path::PathBuf, std::path::PathBuf, u64) {
    let half = lines.len() / 2;
    let bad = [
        "garbage",
        "https 2024-03-04T10:00:00Z app/web/x",
        "https yesterday a b c d e f g h i j \"GET / HTTP/1.1\"",
    ];
    let mut plain = lines[..half].join("\n");
    for b in bad {
        plain.push('\n');
        plain.push_str(b);
    }
    plain.push('\n');
    let a = dir.join("a.log");
    std::fs::write(&a, plain).unwrap();
    let b = dir.join("b.log.gz");
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(lines[half..].join("\n").as_bytes()).unwrap();
    std::fs::write(&b, gz.finish().unwrap()).unwrap();
    (a, b, bad.len() as u64)
}

#[test]
fn logs_of_a_known_workload_are_fitted_back_within_sampling_error() {
    let dir = tempfile::tempdir().unwrap();
    let (lines, per_class, errors) = generate();
    let (a, b, bad) = write_logs(dir.path(), &lines);
    let mut fit = LogFit::new(GroupBy::Path);
    fit.add_file(&a).unwrap();
    fit.add_file(&b).unwrap();
    let n = lines.len() as u64;
    assert_eq!((fit.lines, fit.malformed_lines()), (n + bad, bad));
    assert_eq!(fit.per_second.total(), n);
    // The count itself: Poisson with mean RATE x the span.
    let z = z_poisson(n, RATE * HOURS * 3600.0);
    assert!(z.abs() <= 3.3, "{n} requests, z = {z}");
    let classes = fit.classes.ranked(10);
    assert_eq!(
        classes.len(),
        2,
        "{:?}",
        classes.iter().map(|c| &c.0).collect::<Vec<_>>()
    );
    for (c, &(pattern, share, median, sigma)) in CLASSES.iter().enumerate() {
        let (key, stats) = classes.iter().find(|(k, _)| k == pattern).expect(pattern);
        assert_eq!(stats.requests, per_class[c], "{key}");
        let z = z_binomial(stats.requests, n, share);
        assert!(z.abs() <= 3.3, "{key}: share z = {z}");
        let f = stats.work.lognormal().unwrap();
        let k = stats.work.count() as f64;
        // The MLE of mu has standard error sigma / sqrt(n), of sigma about sigma / sqrt(2n);
        // times are logged to the microsecond.
        let z_mu = (f.median_s.ln() - median.ln()) / (sigma / k.sqrt());
        let z_sigma = (f.sigma - sigma) / (sigma / (2.0 * k).sqrt());
        assert!(
            z_mu.abs() <= 3.3 && z_sigma.abs() <= 3.3,
            "{key}: {f:?}, z {z_mu} {z_sigma}"
        );
        // A lognormal sample is close to its own fit.
        assert!(f.ks_distance < 0.01, "{key}: {f:?}");
        assert_eq!(
            (stats.received_bytes, stats.sent_bytes),
            (300 * stats.requests, 2000 * stats.requests)
        );
    }
    let fivexx: u64 = classes.iter().map(|c| c.1.target_5xx).sum();
    assert_eq!(fivexx, errors);
    let z = z_binomial(fivexx, n, SHARE_5XX);
    assert!(z.abs() <= 3.3, "5xx z = {z}");
}

#[test]
fn the_fitted_scenario_validates_runs_and_reports_malformed_lines() {
    let dir = tempfile::tempdir().unwrap();
    let (lines, _, _) = generate();
    let (a, b, _) = write_logs(dir.path(), &lines);
    let out = dir.path().join("shop.yaml");
    let st = fit("alb-logs", &[&a, &b], &out);
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    for needle in [
        "3 skipped",
        "2 with fewer than the 13 required fields",
        "rate: {profile: trace, file: shop.counts.csv, format: counts}",
        "path: \"/orders/",
        "work: {dist: lognormal, median: ",
        "target_errors: fleet",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
    let counts = std::fs::read_to_string(dir.path().join("shop.counts.csv")).unwrap();
    let total: u64 = counts
        .lines()
        .skip(1)
        .map(|l| l.parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, lines.len() as u64);
    // It runs: as many requests as the logs held, within Poisson noise (a trace of counts is
    // replayed exactly: the per-second counts are the arrivals).
    let r = simulate(stratus::scenario::Scenario::from_file(&out, &[]).unwrap());
    assert_eq!(r.arrived, lines.len() as u64);
}

#[test]
fn a_cloudwatch_export_becomes_a_rate_trace_with_its_sums() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("Timestamp,RequestCount\n");
    let sums = [600u64, 1234, 0, 59, 7];
    for (i, s) in sums.iter().enumerate() {
        csv.push_str(&format!(
            "{},{s}\n",
            iso((START + 300 * i as i64) * 1_000_000_000)
        ));
    }
    let file = dir.path().join("requests.csv");
    std::fs::write(&file, csv).unwrap();
    let out = dir.path().join("metric.yaml");
    let st = fit("cloudwatch", &[&file], &out);
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let counts: Vec<u64> = std::fs::read_to_string(dir.path().join("metric.counts.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.parse().unwrap())
        .collect();
    assert_eq!(counts.len(), 5 * 300);
    for (i, s) in sums.iter().enumerate() {
        assert_eq!(
            counts[i * 300..(i + 1) * 300].iter().sum::<u64>(),
            *s,
            "period {i}"
        );
    }
    // A bad export: every bad row with its line, exit code 2.
    std::fs::write(
        &file,
        "Timestamp,RequestCount\n2024-03-04T10:00:00Z,x\nsoon,5\n",
    )
    .unwrap();
    let st = fit("cloudwatch", &[&file], &out);
    let err = String::from_utf8_lossy(&st.stderr);
    assert_eq!(st.status.code(), Some(2), "{err}");
    assert!(err.contains("line 2:") && err.contains("line 3:"), "{err}");
}

#[test]
fn explain_says_where_a_fitted_scenario_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let (lines, _, _) = generate();
    let (a, b, _) = write_logs(dir.path(), &lines[..2000]);
    let out = dir.path().join("small.yaml");
    let st = fit("alb-logs", &[&a, &b], &out);
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let s = stratus::scenario::Scenario::from_file(&out, &[]).unwrap();
    let text = stratus::explain::explain(&s);
    assert!(
        text.contains("Fitted by `stratus fit alb-logs` from 2003 log lines"),
        "{text}"
    );
    assert!(text.contains("(3 skipped)"), "{text}");
}

#[test]
fn by_target_group_writes_a_workload_and_a_rule_per_group() {
    let dir = tempfile::tempdir().unwrap();
    let (lines, per_class, _) = generate();
    // The search class is served by its own target group.
    let lines: Vec<String> = lines
        .into_iter()
        .map(|l| {
            if l.contains("/search?") {
                l.replace("targetgroup/web/", "targetgroup/search/")
            } else {
                l
            }
        })
        .collect();
    let logs = dir.path().join("a.log");
    std::fs::write(&logs, lines.join("\n")).unwrap();
    let out = dir.path().join("shop.yaml");
    let st = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(["fit", "alb-logs"])
        .arg(&logs)
        .args(["--by", "target-group", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let text = std::fs::read_to_string(&out).unwrap();
    for needle in [
        "  web:\n    target: alb/web",
        "  search:\n    target: alb/web",
        "rate: {profile: trace, file: shop.web.counts.csv, format: counts}",
        "rate: {profile: trace, file: shop.search.counts.csv, format: counts}",
        "- {path: \"/search\", target_group: search}",
        "- {default: web}",
        "  search: {group: fleet}",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
    // Each workload replays its own group's requests, second by second.
    let total = |f: &str| -> u64 {
        std::fs::read_to_string(dir.path().join(f))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.parse::<u64>().unwrap())
            .sum()
    };
    assert_eq!(total("shop.web.counts.csv"), per_class[0]);
    assert_eq!(total("shop.search.counts.csv"), per_class[1]);
    let r = simulate(stratus::scenario::Scenario::from_file(&out, &[]).unwrap());
    assert_eq!(r.arrived, lines.len() as u64);
    // Each group received its own workload's requests through its rule (all of them, as
    // a trace replays every logged second and the warm-up is zero unless set).
    let got = |g: &str| r.target_groups.iter().find(|(n, _)| n == g).map(|x| x.1);
    assert_eq!(got("search"), Some(per_class[1]), "{:?}", r.target_groups);
    assert_eq!(got("web"), Some(per_class[0]), "{:?}", r.target_groups);
}
