//! A CloudWatch metric export (a CSV with a time stamp column and a value column, e.g.
//! `RequestCount` or `Invocations`, the Sum per period, as the console's "Download as .csv"
//! or `aws cloudwatch get-metric-data` piped to CSV give) into per-second counts.
//!
//! The time column is the first whose cells are time stamps (ISO 8601 or epoch seconds or
//! milliseconds); the value column is the one named (`--column`) or else the first other
//! numeric one. The period is the most common gap between consecutive time stamps; a period
//! with no row is a period with no requests (CloudWatch omits empty periods of a Sum). Each
//! period's sum is spread evenly over its seconds, the remainder one request a second
//! starting from evenly spaced seconds (our choice: the export says nothing finer).

use crate::time::parse_timestamp_ns;

const NS: i64 = 1_000_000_000;

/// A metric export read into per-second counts.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricFit {
    /// The value column's header, or `column N`.
    pub column: String,
    pub rows: usize,
    pub period_s: u64,
    /// Unix seconds of the first period's start.
    pub first_s: i64,
    pub counts: Vec<u32>,
    /// Requests in the export (the sum of its values, rounded per period).
    pub total: u64,
}

/// Why an export could not be read: each problem with its line.
#[derive(Debug, thiserror::Error)]
#[error("{}", .0.join("\n"))]
pub struct ExportError(pub Vec<String>);

fn cells(line: &str) -> Vec<&str> {
    line.split(',')
        .map(|c| c.trim().trim_matches('"'))
        .collect()
}

/// Reads an export's text. `column` names the value column (by header, case-insensitive).
pub fn fit_export(text: &str, column: Option<&str>) -> Result<MetricFit, ExportError> {
    let lines: Vec<(usize, Vec<&str>)> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| (i + 1, cells(l)))
        .collect();
    let Some((_, first)) = lines.first() else {
        return Err(ExportError(vec!["the file has no rows".into()]));
    };
    let header = parse_timestamp_ns(first.first().copied().unwrap_or("")).is_none()
        && first.iter().all(|c| c.parse::<f64>().is_err());
    let rows = if header { &lines[1..] } else { &lines[..] };
    if rows.is_empty() {
        return Err(ExportError(vec![
            "the file has a header and no rows".into(),
        ]));
    }
    let width = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
    // A column "is" what most of its cells are, so one bad row does not hide it.
    let most = |pred: &dyn Fn(&str) -> bool, col: usize| {
        2 * rows
            .iter()
            .filter(|r| r.1.get(col).is_some_and(|c| pred(c)))
            .count()
            >= rows.len()
    };
    let iso = |c: &str| crate::time::parse_iso8601_ns(c).is_some();
    let stamp = |c: &str| parse_timestamp_ns(c).is_some();
    let numeric = |c: &str| c.parse::<f64>().is_ok();
    let Some(tcol) = (0..width)
        .find(|&c| most(&iso, c))
        .or_else(|| (0..width).find(|&c| most(&stamp, c)))
    else {
        return Err(ExportError(vec![
            "no column holds time stamps (ISO 8601 or epoch seconds)".into(),
        ]));
    };
    let vcol = match column {
        Some(name) if header => first
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                ExportError(vec![format!(
                    "no column `{name}`; the columns are {}",
                    first.join(", ")
                )])
            })?,
        Some(name) => {
            return Err(ExportError(vec![format!(
                "the file has no header row, so no column is named `{name}`"
            )]));
        }
        None => (0..width)
            .find(|&c| c != tcol && most(&numeric, c))
            .or((width == 2).then_some(1 - tcol))
            .ok_or_else(|| ExportError(vec!["no numeric column beside the time stamps".into()]))?,
    };
    let mut points = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    for (n, r) in rows {
        let t = r.get(tcol).and_then(|c| parse_timestamp_ns(c));
        let v = r.get(vcol).and_then(|c| c.parse::<f64>().ok());
        match (t, v) {
            (Some(t), Some(v)) if v.is_finite() && v >= 0.0 => points.push((t, v)),
            (None, _) => problems.push(format!(
                "line {n}: expected a time stamp in column {}",
                tcol + 1
            )),
            _ => problems.push(format!(
                "line {n}: expected a count (a number, at least 0) in column {}",
                vcol + 1
            )),
        }
        if problems.len() >= 20 {
            problems.push("(further lines not checked)".into());
            break;
        }
    }
    if !problems.is_empty() {
        return Err(ExportError(problems));
    }
    points.sort_by_key(|p| p.0);
    let mut gaps: Vec<i64> = points
        .windows(2)
        .map(|w| w[1].0 - w[0].0)
        .filter(|&g| g > 0)
        .collect();
    gaps.sort_unstable();
    let period_ns = mode(&gaps).unwrap_or(60 * NS);
    if period_ns % NS != 0 {
        return Err(ExportError(vec![format!(
            "the rows are {} s apart: a period must be whole seconds",
            period_ns as f64 / NS as f64
        )]));
    }
    let period_s = (period_ns / NS) as u64;
    let first_ns = points[0].0;
    let periods = ((points.last().unwrap().0 - first_ns) / period_ns + 1) as usize;
    let mut sums = vec![0u64; periods];
    for (t, v) in &points {
        sums[((t - first_ns) / period_ns) as usize] += v.round() as u64;
    }
    let mut counts = Vec::with_capacity(periods * period_s as usize);
    for &sum in &sums {
        let (base, extra) = (sum / period_s, sum % period_s);
        for s in 0..period_s {
            // Bresenham: `extra` seconds of the period get one more, evenly spaced.
            let more = (s + 1) * extra / period_s - s * extra / period_s;
            counts.push(u32::try_from(base + more).unwrap_or(u32::MAX));
        }
    }
    Ok(MetricFit {
        column: if header {
            first[vcol].to_string()
        } else {
            format!("column {}", vcol + 1)
        },
        rows: points.len(),
        period_s,
        first_s: first_ns.div_euclid(NS),
        total: sums.iter().sum(),
        counts,
    })
}

/// The most frequent value of a sorted slice (the smallest among ties).
fn mode(sorted: &[i64]) -> Option<i64> {
    let mut best: Option<(i64, usize)> = None;
    let mut i = 0;
    while i < sorted.len() {
        let j = i + sorted[i..].iter().take_while(|&&g| g == sorted[i]).count();
        if best.is_none_or(|b| j - i > b.1) {
            best = Some((sorted[i], j - i));
        }
        i = j;
    }
    best.map(|b| b.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_console_export_becomes_per_second_counts() {
        let text = "\"Timestamp\",\"RequestCount\"\n\
                    2024-03-04T10:00:00Z,600\n\
                    2024-03-04T10:01:00Z,61\n\
                    2024-03-04T10:03:00Z,120\n";
        let f = fit_export(text, None).unwrap();
        assert_eq!((f.period_s, f.rows, f.total), (60, 3, 781));
        assert_eq!(f.counts.len(), 4 * 60); // 10:02 had no row: no requests
        assert_eq!(f.counts[..60].iter().sum::<u32>(), 600);
        assert!(f.counts[..60].iter().all(|&c| c == 10));
        assert_eq!(f.counts[60..120].iter().sum::<u32>(), 61);
        assert_eq!(f.counts[120..180].iter().sum::<u32>(), 0);
        assert_eq!(f.counts[180..].iter().sum::<u32>(), 120);
        assert_eq!(f.column, "RequestCount");
    }

    #[test]
    fn bad_rows_are_all_reported_with_their_lines() {
        let err = fit_export(
            "time,n\n2024-03-04T10:00:00Z,5\n2024-03-04T10:01:00Z,x\n2024-03-04T10:02:00Z,-1\n",
            None,
        )
        .unwrap_err();
        assert_eq!(err.0.len(), 2, "{err}");
        assert!(
            err.0[0].starts_with("line 3:") && err.0[1].starts_with("line 4:"),
            "{err}"
        );
        assert!(fit_export("time,n\n2024-03-04T10:00:00Z,5\n", Some("Invocations")).is_err());
    }
}
