//! `timeseries.csv`: one row per metric period and series: `time_s,series,statistic,value`.

use crate::metrics::TimeSeries;
use std::fmt::Write;

pub fn timeseries_csv(series: &TimeSeries) -> String {
    let mut out = String::from("time_s,series,statistic,value\n");
    for (t, name, stat, value) in series.rows() {
        let _ = writeln!(out, "{t},{name},{},{value}", stat.name());
    }
    out
}
