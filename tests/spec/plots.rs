//! Plots: the dashboard follows the series a run has (a new kind of series gets a panel with
//! no code change), fault markers show, files are well-formed SVG and PNG with real content,
//! text is drawn from the embedded font, and rendering is deterministic.

use crate::support::*;
use std::path::Path;
use std::process::Command;
use stratus::metrics::Statistic;
use stratus::plot::{self, Figure, dashboard::dashboard, timeseries::Timeline};

/// Checks that `svg` is one well-formed `<svg>` element (tags balance, attributes quoted)
/// and returns the number of each drawing element kind: (lines and paths, texts).
pub fn check_svg(svg: &str) -> (usize, usize) {
    assert!(svg.starts_with("<svg"), "starts with <svg");
    assert!(svg.trim_end().ends_with("</svg>"), "ends with </svg>");
    let mut stack: Vec<String> = Vec::new();
    let mut rest = svg;
    let (mut shapes, mut texts) = (0, 0);
    while let Some(open) = rest.find('<') {
        let close = rest[open..].find('>').expect("every tag closes") + open;
        let tag = &rest[open + 1..close];
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "attribute quotes balance in <{tag}>"
        );
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(
                stack.pop().as_deref(),
                Some(name.trim()),
                "closing </{name}>"
            );
        } else {
            let name = tag
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap()
                .to_string();
            match name.as_str() {
                "polyline" | "path" | "line" | "polygon" => shapes += 1,
                "text" => texts += 1,
                _ => {}
            }
            if !tag.ends_with('/') {
                stack.push(name);
            }
        }
        rest = &rest[close + 1..];
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    (shapes, texts)
}

/// Decodes a PNG: (width, height, RGB bytes). Checks the signature and IHDR first.
pub fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    let mut reader = png::Decoder::new(bytes).read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (w, h));
    let rgb = match info.color_type {
        png::ColorType::Rgb => buf[..info.buffer_size()].to_vec(),
        png::ColorType::Rgba => buf[..info.buffer_size()]
            .chunks(4)
            .flat_map(|p| [p[0], p[1], p[2]])
            .collect(),
        other => panic!("unexpected color type {other:?}"),
    };
    (w, h, rgb)
}

/// Dark pixels (text, axes) in the rectangle `x0..x1, y0..y1`.
fn dark_pixels(rgb: &[u8], w: u32, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> usize {
    (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| ((y * w + x) * 3) as usize))
        .filter(|&i| rgb[i] < 100 && rgb[i + 1] < 100 && rgb[i + 2] < 100)
        .count()
}

fn run_quickstart(out: &Path, extra: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(["run", "scenarios/quickstart.yaml", "--quiet", "--set"])
        .args(["duration=12m", "--out", out.to_str().unwrap()])
        .args(extra)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn run_writes_a_dashboard_of_every_series_it_has() {
    let dir = tempfile::tempdir().unwrap();
    run_quickstart(dir.path(), &[]);
    let svg = std::fs::read_to_string(dir.path().join("dashboard.svg")).unwrap();
    let (shapes, texts) = check_svg(&svg);
    // Every series name of timeseries.csv is on a panel, by its kind and metric.
    let csv = std::fs::read_to_string(dir.path().join("timeseries.csv")).unwrap();
    let mut panels: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| plot::dashboard::panel_of(l.split(',').nth(1).unwrap()).0)
        .collect();
    panels.sort();
    panels.dedup();
    assert!(panels.len() >= 8, "{panels:?}");
    // Per-AZ lines have their own panel, apart from the group totals.
    for key in ["asg.in_service", "asg.in_service per AZ"] {
        assert!(panels.iter().any(|p| p == key), "{key}: {panels:?}");
    }
    for p in &panels {
        let title = p.replace('.', " · ");
        assert!(svg.contains(&title), "panel `{title}` missing");
    }
    // A line per series at least, plus axes and grid; labels and titles as text.
    let series = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').take(3).collect::<Vec<_>>().join(","))
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    assert!(shapes > series, "{shapes} shapes for {series} series");
    assert!(texts > 50, "{texts} texts");
    assert!(svg.contains("font-family=\"sans-serif\""));
    assert!(svg.contains(">\nquickstart\n</text>"), "the title is text");

    let cdf = std::fs::read_to_string(dir.path().join("latency-cdf.svg")).unwrap();
    let (shapes, _) = check_svg(&cdf);
    assert!(shapes >= 2 && cdf.contains("percentile spectrum"));
    // The CDF line has a vertex per recorded histogram value: hundreds, not a stub.
    let longest = cdf
        .split("<polyline")
        .skip(1)
        .map(|p| {
            p.split("points=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
        })
        .map(|pts| pts.split_whitespace().count())
        .max()
        .unwrap();
    assert!(longest > 100, "longest line has {longest} points");
}

#[test]
fn png_dashboard_has_its_size_lines_and_font_drawn_text() {
    let dir = tempfile::tempdir().unwrap();
    run_quickstart(dir.path(), &[]);
    let bytes = std::fs::read(dir.path().join("dashboard.png")).unwrap();
    let (w, h, rgb) = decode_png(&bytes);
    // Thirteen panels (requests, errors, latency, availability, five group metrics, three of
    // them per AZ, cost): 4 x 4.
    assert_eq!((w, h), (4 * 470, 56 + 4 * 250));
    let pixels = (w * h) as usize;
    let white = rgb.chunks(3).filter(|p| p == &[255, 255, 255]).count();
    let ink = 1.0 - white as f64 / pixels as f64;
    assert!(ink > 0.05 && ink < 0.7, "non-white fraction {ink:.3}");
    let colors: std::collections::HashSet<&[u8]> = rgb.chunks(3).collect();
    assert!(colors.len() > 50, "{} colours", colors.len());
    // The first line colour (series lines) is present.
    let c = plot::color(0);
    assert!(rgb.chunks(3).any(|p| p == [c.0, c.1, c.2]));
    // The title was rasterized from the embedded font: dark anti-aliased pixels where
    // it stands, none in the empty header space to its right.
    assert!(dark_pixels(&rgb, w, (10, 8, 150, 30)) > 60);
    assert_eq!(dark_pixels(&rgb, w, (900, 4, 1400, 50)), 0);
}

#[test]
fn new_series_and_fault_markers_appear_without_code_changes() {
    let mut r = simulate(load("scenarios/quickstart.yaml", &["duration=10m"]));
    // A series another model might record, and a fault marker.
    let id = r
        .series
        .series("lambda.resize.concurrency", Statistic::Maximum);
    for k in 0..10 {
        r.series.push(k as f64 * 60.0, id, (k * k) as f64);
    }
    r.markers.push((240.0, "az_outage a".into()));
    let timeline = Timeline {
        start_s: 0.0,
        duration_s: r.sim_duration_s,
        warmup_s: r.warmup_s,
        markers: r.markers.clone(),
    };
    let fig = dashboard("t", "", &r.series, timeline.clone());
    let with = plot::svg(&fig).unwrap();
    check_svg(&with);
    assert!(with.contains("lambda · concurrency (maximum)"));
    // The marker is labelled on every panel and drawn as a dashed line of many segments.
    assert_eq!(with.matches("az_outage a").count(), fig.panels.len());
    let without = plot::svg(&dashboard(
        "t",
        "",
        &r.series,
        Timeline {
            markers: vec![],
            ..timeline
        },
    ))
    .unwrap();
    let (a, _) = check_svg(&with);
    let (b, _) = check_svg(&without);
    assert!(a >= b + 5 * fig.panels.len(), "{a} vs {b}");
    assert!(!without.contains("az_outage"));
    // The PNG of the same figure has the size the figure says.
    let (w, h, _) = decode_png(&plot::png(&fig).unwrap());
    assert_eq!((w, h), fig.size());
}

#[test]
fn plots_are_deterministic() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_quickstart(a.path(), &[]);
    run_quickstart(b.path(), &[]);
    for f in ["dashboard.svg", "dashboard.png", "latency-cdf.svg"] {
        assert_eq!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(b.path().join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn no_plots_skips_them_and_nothing_half_written_is_left() {
    let dir = tempfile::tempdir().unwrap();
    run_quickstart(dir.path(), &["--no-plots"]);
    for f in ["dashboard.svg", "dashboard.png", "latency-cdf.svg"] {
        assert!(!dir.path().join(f).exists(), "{f}");
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(!html.contains("<svg") && html.contains("latency_ms.p99"));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The quick start tells the story its description tells, whatever the seed: no request
/// fails; API CPU passes 80% and the per-minute p99 rises during the spike; target tracking
/// scales the fleet out during the spike, after which the p99 is back near its calm value while
/// the spike lasts; and the fleet is back to four at the end.
#[test]
fn the_quick_start_shows_what_its_description_says() {
    for seed in ["1", "2", "3"] {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_stratus"))
            .args([
                "run",
                "scenarios/quickstart.yaml",
                "--quiet",
                "--no-plots",
                "--seed",
                seed,
            ])
            .arg("--out")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success());
        let summary: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join("summary.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(summary["requests"]["failed"], 0, "seed {seed}");
        let series = std::fs::read_to_string(dir.path().join("timeseries.csv")).unwrap();
        let value = |name: &str, stat: &str, t: f64| -> f64 {
            series
                .lines()
                .map(|l| l.split(',').collect::<Vec<_>>())
                .find(|f| f[1] == name && f[2] == stat && f[0].parse::<f64>().unwrap() == t)
                .unwrap_or_else(|| panic!("{name} {stat} at {t}"))[3]
                .parse()
                .unwrap()
        };
        // Calm: the minutes before the spike (at 20 min); hot: 2 to 4 minutes into it.
        let calm = (10..19)
            .map(|m| value("latency_ms", "p99", 60.0 * m as f64))
            .fold(0.0, f64::max);
        let hot = (22..25)
            .map(|m| value("latency_ms", "p99", 60.0 * m as f64))
            .fold(0.0, f64::max);
        assert!(hot > 1.4 * calm, "seed {seed}: p99 {calm} calm, {hot} hot");
        let cpu = (22..25)
            .map(|m| value("asg.api.cpu_percent", "average", 60.0 * m as f64))
            .fold(0.0, f64::max);
        assert!(cpu > 80.0, "seed {seed}: cpu {cpu}");
        // Scale-out during the spike (20..32 min), back near calm by the spike's last minutes.
        let activities =
            std::fs::read_to_string(dir.path().join("scaling_activities.csv")).unwrap();
        let rows: Vec<(f64, u32, u32)> = activities
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (
                    f[0].parse().unwrap(),
                    f[2].parse().unwrap(),
                    f[3].parse().unwrap(),
                )
            })
            .collect();
        assert!(
            rows.iter()
                .any(|&(t, from, to)| (1200.0..1920.0).contains(&t) && to > from),
            "seed {seed}: {activities}"
        );
        let late = value("latency_ms", "p99", 60.0 * 32.0);
        assert!(
            late < 1.2 * calm,
            "seed {seed}: p99 {late} late in the spike, {calm} calm"
        );
        assert_eq!(
            value("asg.api.in_service", "value", 3540.0),
            4.0,
            "seed {seed}"
        );
    }
}

#[test]
fn plot_redraws_a_finished_run_zoomed_to_a_window() {
    let dir = tempfile::tempdir().unwrap();
    run_quickstart(dir.path(), &["--no-plots"]);
    let plot = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_stratus"))
            .arg("plot")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    let out = plot(&["--window", "5m..8m", "--quiet"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = std::fs::read_to_string(dir.path().join("dashboard-5m-8m.svg")).unwrap();
    check_svg(&svg);
    // The time axis is the window's: minutes 6 and 7 are labelled.
    assert!(
        svg.contains(">\n6\n</text>") && svg.contains(">\n7\n</text>"),
        "window axis"
    );
    let (w, h, _) = decode_png(&std::fs::read(dir.path().join("dashboard-5m-8m.png")).unwrap());
    assert!(w > 0 && h > 0);
    assert!(
        !dir.path().join("latency-cdf.svg").exists(),
        "a window does not apply to the latency distribution"
    );
    // Without a window the latency CDF is redrawn from latency.hgrm too.
    assert!(plot(&["--quiet"]).status.success());
    let cdf = std::fs::read_to_string(dir.path().join("latency-cdf.svg")).unwrap();
    let (shapes, _) = check_svg(&cdf);
    assert!(shapes >= 2 && cdf.contains("percentile spectrum"));
    let rows = std::fs::read_to_string(dir.path().join("latency.hgrm"))
        .unwrap()
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .count();
    let longest = cdf
        .split("points=\"")
        .skip(1)
        .map(|p| p.split('"').next().unwrap().split_whitespace().count())
        .max()
        .unwrap();
    assert!(
        longest > 50 && longest <= rows,
        "{longest} points from {rows} rows"
    );
    for bad in ["8m..5m", "5m", "5m..2d"] {
        assert_eq!(plot(&["--window", bad]).status.code(), Some(2), "{bad}");
    }
}

/// Pixels of exactly `c` in an RGB buffer.
fn pixels_of(rgb: &[u8], c: plotters::style::RGBColor) -> usize {
    rgb.chunks(3)
        .filter(|p| (p[0], p[1], p[2]) == (c.0, c.1, c.2))
        .count()
}

#[test]
fn two_identical_lines_are_both_visible() {
    use stratus::plot::timeseries::{Line, Panel, PanelGrid};
    let points: Vec<(f64, f64)> = (0..60).map(|k| (k as f64 * 60.0, (k % 7) as f64)).collect();
    let line = |label: &str| Line {
        label: label.into(),
        points: points.clone(),
    };
    let grid = PanelGrid {
        kind: "dashboard".into(),
        title: "same".into(),
        subtitle: String::new(),
        timeline: Timeline {
            duration_s: 3600.0,
            ..Default::default()
        },
        panels: vec![Panel {
            title: "asg · in_service".into(),
            lines: vec![line("a"), line("b")],
        }],
        columns: 1,
        shared_legend: None,
    };
    let (_, _, rgb) = decode_png(&plot::png(&grid).unwrap());
    let (first, second) = (
        pixels_of(&rgb, plot::color(0)),
        pixels_of(&rgb, plot::color(1)),
    );
    // The second line is drawn over the first: the first shows through its gaps.
    assert!(first > 300 && second > 300, "{first} and {second} pixels");
}

#[test]
fn the_cost_series_bills_an_alb_hour_in_the_period_of_its_start() {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args([
            "run",
            "scenarios/quickstart.yaml",
            "--quiet",
            "--no-plots",
            "--set",
        ])
        .args([
            "duration=90m",
            "--set",
            "warmup=0s",
            "--set",
            "metric_period=10m",
        ])
        .args(["--set", "workloads.browse.rate=20", "--out"])
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    let csv = std::fs::read_to_string(dir.path().join("timeseries.csv")).unwrap();
    let cost: Vec<f64> = csv
        .lines()
        .filter(|l| l.contains(",cost_usd,"))
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(cost.len(), 9);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("summary.json")).unwrap())
            .unwrap();
    let total = summary["cost_usd"]["total"].as_f64().unwrap();
    assert!(
        (cost.iter().sum::<f64>() - total).abs() < 1e-9 * total,
        "{cost:?} vs {total}"
    );
    // The second hour starts in period 6 (60 min): its fee is there, not spread over 6..9.
    let fee = stratus::cost::PriceTable::shipped().alb.per_hour;
    let step = cost[6] - cost[5];
    assert!(
        (step - fee).abs() < 0.05 * fee,
        "{cost:?}: step {step}, fee {fee}"
    );
    // Elsewhere periods cost alike (instances and LCUs, at a steady rate).
    for (k, j) in [(2, 1), (3, 2), (4, 3), (5, 4), (7, 5), (8, 7)] {
        assert!((cost[k] - cost[j]).abs() < 0.05 * fee, "{cost:?}");
    }
    assert!(
        cost[0] > cost[1] + 0.5 * fee,
        "the first hour's fee: {cost:?}"
    );
}
