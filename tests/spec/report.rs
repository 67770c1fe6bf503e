//! report.html: one self-contained page (no network, no scripts), every user-provided string
//! escaped, tables and plots present; and it renders in headless Chromium without console
//! errors. The browser test runs wherever Chromium is present; `.ci/run` installs it and sets
//! STRATUS_REQUIRE_BROWSER=1, which makes a missing browser a failure. Elsewhere, without a
//! browser, the test prints that it did not run.

use crate::plots::{check_svg, decode_png};
use std::path::{Path, PathBuf};
use std::process::Command;

const HOSTILE: &str = "Checkout <script>alert(\"owned\")</script> & <b>friends</b>";

fn stratus(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(args)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stratus {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A copy of the M/M/c scenario with a hostile description, in `dir`.
fn hostile_scenario(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(crate::support::repo_path("scenarios/mmc.yaml")).unwrap();
    let text = text
        .lines()
        .filter(|l| !l.starts_with("description:"))
        .collect::<Vec<_>>()
        .join("\n");
    let path = dir.join("hostile.yaml");
    let quoted = serde_json::to_string(HOSTILE).unwrap();
    std::fs::write(&path, format!("description: {quoted}\n{text}\n")).unwrap();
    path
}

/// Asserts that `html` shows `HOSTILE` as text and carries none of its markup.
fn assert_escaped(html: &str) {
    assert!(
        html.contains("Checkout &lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt; &amp; &lt;b&gt;friends&lt;/b&gt;"),
        "the description is shown, escaped"
    );
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "no script element");
    assert!(!lower.contains("<b>"), "no markup from user text");
}

/// Asserts the page loads nothing from elsewhere.
fn assert_self_contained(html: &str) {
    let lower = html.to_lowercase();
    for needle in ["http://", "https://", "<link", "<img", "@import", "url("] {
        let allowed = needle == "http://"
            && lower.matches(needle).count()
                == lower
                    .matches("xmlns=\"http://www.w3.org/2000/svg\"")
                    .count();
        assert!(
            allowed || !lower.contains(needle),
            "the page has `{needle}`"
        );
    }
    assert!(html.contains("Content-Security-Policy"));
}

#[test]
fn run_report_escapes_the_description_and_inlines_its_plots() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = hostile_scenario(dir.path());
    let out = dir.path().join("out");
    stratus(&[
        "run",
        scenario.to_str().unwrap(),
        "--set",
        "duration=10m",
        "--out",
        out.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_escaped(&html);
    assert_self_contained(&html);
    // Both plots inline, byte for byte the files beside it.
    for (id, file) in [
        ("dashboard", "dashboard.svg"),
        ("latency-cdf", "latency-cdf.svg"),
    ] {
        let svg = std::fs::read_to_string(out.join(file)).unwrap();
        check_svg(&svg);
        assert!(html.contains(&format!("<figure id=\"{id}\">\n{}", svg.trim_end())));
    }
    // The summary table carries the summary's figures.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let total = summary["requests"]["total"].as_u64().unwrap();
    assert!(html.contains(&format!("<td>requests.total</td><td>{total}</td>")));
}

#[test]
fn compare_report_escapes_variant_names_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    stratus(&[
        "compare",
        "scenarios/mmc.yaml",
        "--vary",
        "description=<i>a</i> & b,plain",
        "--replications",
        "2",
        "--set",
        "duration=8m",
        "--out",
        out.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<i>"), "no markup from a variant name");
    // In the table (escaped by the page) and in the plots' legends (escaped by the SVG writer).
    assert!(html.contains("<th>description=&lt;i&gt;a&lt;/i&gt; &amp; b</th>"));
    let overlay = std::fs::read_to_string(out.join("compare-timeseries.svg")).unwrap();
    assert!(overlay.contains("description=&lt;i&gt;a&lt;/i&gt; &amp; b"));
    check_svg(&overlay);
    assert_self_contained(&html);
    for id in ["compare-figures", "compare-timeseries", "latency-cdf"] {
        assert!(html.contains(&format!("<figure id=\"{id}\">")), "{id}");
    }
    let variant = out.join("variants/description=plain/dashboard.svg");
    check_svg(&std::fs::read_to_string(variant).unwrap());
}

/// The Chromium binary: STRATUS_CHROMIUM, else the first of the usual names on PATH.
fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("STRATUS_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

/// Loads a page headless: (dumped DOM, console messages). Writes a screenshot if asked.
fn load_in_chromium(
    browser: &Path,
    page: &Path,
    screenshot: Option<&Path>,
) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(browser);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=3000",
        "--window-size=1400,2400",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()));
    match screenshot {
        Some(s) => cmd.arg(format!("--screenshot={}", s.display())),
        None => cmd.arg("--dump-dom"),
    };
    let out = cmd
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("CONSOLE("))
        .map(String::from)
        .collect();
    (String::from_utf8_lossy(&out.stdout).to_string(), console)
}

#[test]
fn report_renders_in_headless_chromium_without_console_errors() {
    let Some(browser) = chromium() else {
        // Required where STRATUS_REQUIRE_BROWSER=1 (`.ci/run`, which installs Chromium).
        assert!(
            std::env::var("STRATUS_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "STRATUS_REQUIRE_BROWSER=1 but no headless Chromium: install Debian's `chromium` \
             or set STRATUS_CHROMIUM"
        );
        eprintln!(
            "report_renders_in_headless_chromium_without_console_errors did NOT run: no \
             chromium on PATH (set STRATUS_CHROMIUM, or run .ci/run, which installs it)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The console detector sees a page's errors (so a clean result means something).
    let bad = dir.path().join("bad.html");
    std::fs::write(
        &bad,
        "<!DOCTYPE html><html><body><p>x</p><script>console.error('detector-check')</script></body></html>",
    )
    .unwrap();
    let (_, console) = load_in_chromium(&browser, &bad, None);
    assert!(
        console.iter().any(|l| l.contains("detector-check")),
        "console messages are not captured: {console:?}"
    );

    let scenario = hostile_scenario(dir.path());
    let out = dir.path().join("out");
    stratus(&[
        "sweep",
        scenario.to_str().unwrap(),
        "--vary",
        "auto_scaling_groups.station.instance.vcpus=9..11",
        "--slo",
        "mean<90ms",
        "--replications",
        "2",
        "--set",
        "duration=8m",
        "--out",
        out.to_str().unwrap(),
    ]);
    let report = out.join("report.html");
    let (dom, console) = load_in_chromium(&browser, &report, None);
    assert!(console.is_empty(), "console messages: {console:#?}");
    // The browser built the page: the escaped description is text, no script ran or exists,
    // and every plot is an inline SVG with its drawing.
    assert!(
        dom.contains("Checkout &lt;script&gt;"),
        "description missing"
    );
    assert!(!dom.to_lowercase().contains("<script"));
    for id in ["sweep", "compare-timeseries", "latency-cdf"] {
        let start = dom
            .find(&format!("<figure id=\"{id}\">"))
            .unwrap_or_else(|| panic!("figure {id} missing from the DOM"));
        let figure = &dom[start..start + dom[start..].find("</figure>").unwrap()];
        assert!(figure.contains("<svg"), "{id} has no svg");
        assert!(
            figure.matches("<polyline").count() >= 3,
            "{id} has no lines"
        );
    }
    assert!(dom.contains("<td class=\"yes\">yes</td>"), "an SLO verdict");

    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-screenshot.png");
    let _ = std::fs::remove_file(&shot);
    let (_, console) = load_in_chromium(&browser, &report, Some(&shot));
    assert!(console.is_empty(), "console messages: {console:#?}");
    let (w, h, rgb) = decode_png(&std::fs::read(&shot).unwrap());
    assert_eq!((w, h), (1400, 2400));
    let colors: std::collections::HashSet<&[u8]> = rgb.chunks(3).collect();
    assert!(
        colors.len() > 100,
        "a blank screenshot ({} colours)",
        colors.len()
    );
    eprintln!("screenshot: {}", shot.display());
}

/// Parses `latency.hgrm` by the HdrHistogram percentile format's rules: a header line naming
/// the columns, data rows `Value Percentile TotalCount 1/(1-Percentile)` (the last without the
/// fourth column), and `#[...]` footer lines carrying `Total count`.
fn parse_hgrm(text: &str) -> (Vec<(f64, f64, u64)>, u64) {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["Value", "Percentile", "TotalCount", "1/(1-Percentile)"]
    );
    let mut rows = Vec::new();
    let mut total = None;
    for l in lines {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        if let Some(footer) = l.strip_prefix("#[") {
            if let Some(i) = footer.find("Total count    =") {
                let v = footer[i + 16..].trim_end_matches(']').trim();
                total = Some(v.parse::<u64>().unwrap());
            }
            continue;
        }
        let f: Vec<&str> = l.split_whitespace().collect();
        assert!(f.len() == 3 || f.len() == 4, "row `{l}`");
        rows.push((
            f[0].parse().unwrap(),
            f[1].parse().unwrap(),
            f[2].parse().unwrap(),
        ));
    }
    (rows, total.expect("a Total count footer"))
}

#[test]
fn totals_agree_and_the_hgrm_total_count_is_cumulative() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let o = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args([
            "run",
            "scenarios/quickstart.yaml",
            "--set",
            "duration=10m",
            "--no-plots",
        ])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success());
    let stdout = String::from_utf8_lossy(&o.stdout);
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let r = &s["requests"];
    let n = |v: &serde_json::Value| v.as_u64().unwrap();
    // One definition: total = ok + failed + in flight, at the top, per workload, and on the
    // command line.
    assert_eq!(
        n(&r["total"]),
        n(&r["ok"]) + n(&r["failed"]) + n(&r["in_flight"])
    );
    let mut sum = 0;
    for (_, w) in s["workloads"].as_object().unwrap() {
        let w = &w["requests"];
        assert_eq!(
            n(&w["total"]),
            n(&w["ok"]) + n(&w["failed"]) + n(&w["in_flight"])
        );
        sum += n(&w["total"]);
    }
    assert_eq!(sum, n(&r["total"]));
    assert!(
        stdout.contains(&format!("requests {}  ok {}", n(&r["total"]), n(&r["ok"]))),
        "{stdout}"
    );
    // latency.hgrm: TotalCount is the number of values at or below the row's value, so it
    // never decreases, reaches the total count, and is at least Percentile x total.
    let (rows, total) = parse_hgrm(&std::fs::read_to_string(out.join("latency.hgrm")).unwrap());
    assert_eq!(total, n(&s["latency_ms"]["count"]));
    assert!(rows.len() > 10);
    for w in rows.windows(2) {
        assert!(
            w[1].0 >= w[0].0 && w[1].1 >= w[0].1 && w[1].2 >= w[0].2,
            "{w:?}"
        );
    }
    for &(_, q, count) in &rows {
        assert!(
            count as f64 >= q * total as f64 - 1.0,
            "{q} {count} {total}"
        );
    }
    assert_eq!(rows.last().unwrap().2, total);
    assert_eq!(rows.last().unwrap().1, 1.0);
}
