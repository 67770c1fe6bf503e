//! One cell of an experiment grid: what a single run contributes (its summary, its latency
//! histogram, its time series), in a form that round-trips exactly through a JSON file so that
//! shards can be merged without loss.

use crate::metrics::{Latency, TimeSeries};
use crate::report::summary_json;
use crate::sim::RunResult;
use hdrhistogram::Histogram;
use serde_json::{Value, json};

#[derive(Clone)]
pub struct Cell {
    pub variant: usize,
    pub replication: usize,
    /// The run's `summary.json`.
    pub summary: Value,
    /// The latency histogram of successful requests (µs).
    pub histogram: Histogram<u64>,
    pub series: TimeSeries,
    /// How long the requests still in flight at the end had been waiting (µs).
    pub in_flight_age: Histogram<u64>,
    /// The run's `scaling_activities.csv` and `faults.csv` (a variant's folder gets its
    /// first replication's).
    pub activities_csv: String,
    pub faults_csv: String,
    /// The run's dashboard markers, `(time_s, label)`.
    pub markers: Vec<(f64, String)>,
}

impl Cell {
    pub fn from_result(variant: usize, replication: usize, r: &RunResult) -> Cell {
        Cell {
            variant,
            replication,
            summary: summary_json(r),
            histogram: r.overall.latency.histogram().clone(),
            series: r.series.clone(),
            in_flight_age: r.in_flight_age.histogram().clone(),
            activities_csv: crate::report::scaling_activities_csv(r),
            faults_csv: crate::report::faults_csv(r),
            markers: r.markers.clone(),
        }
    }

    pub fn to_json(&self) -> Value {
        let buckets = |h: &Histogram<u64>| -> Vec<Value> {
            h.iter_recorded()
                .map(|v| json!([v.value_iterated_to(), v.count_at_value()]))
                .collect()
        };
        let series: Vec<Value> = self
            .series
            .rows()
            .map(|(t, name, stat, value)| json!([t, name, stat.name(), value]))
            .collect();
        json!({
            "variant": self.variant,
            "replication": self.replication,
            "summary": self.summary,
            "histogram_us": buckets(&self.histogram),
            "in_flight_age_us": buckets(&self.in_flight_age),
            "scaling_activities_csv": self.activities_csv,
            "faults_csv": self.faults_csv,
            "series": series,
            "markers": self.markers,
        })
    }

    pub fn from_json(v: &Value) -> Result<Cell, String> {
        let index = |k: &str| {
            v[k].as_u64()
                .map(|x| x as usize)
                .ok_or_else(|| format!("cell without `{k}`"))
        };
        if !v["summary"]["requests"]["total"].is_u64() {
            return Err("cell whose summary has no `requests.total` count".into());
        }
        let histogram_of = |buckets: &[Value]| {
            let mut h = Latency::new().histogram().clone();
            for b in buckets {
                let (value, count) = (b[0].as_u64().unwrap_or(0), b[1].as_u64().unwrap_or(0));
                h.saturating_record_n(value, count);
            }
            h
        };
        let histogram = histogram_of(
            v["histogram_us"]
                .as_array()
                .ok_or("cell without `histogram_us`")?,
        );
        let in_flight_age = histogram_of(
            v["in_flight_age_us"]
                .as_array()
                .ok_or("cell without `in_flight_age_us`")?,
        );
        let mut series = TimeSeries::default();
        for row in v["series"].as_array().ok_or("cell without `series`")? {
            let stat = crate::metrics::Statistic::from_name(row[2].as_str().unwrap_or(""))
                .ok_or_else(|| format!("unknown statistic in {row}"))?;
            let id = series.series(row[1].as_str().unwrap_or(""), stat);
            series.push(
                row[0].as_f64().unwrap_or(0.0),
                id,
                row[3].as_f64().unwrap_or(0.0),
            );
        }
        Ok(Cell {
            variant: index("variant")?,
            replication: index("replication")?,
            summary: v["summary"].clone(),
            histogram,
            series,
            in_flight_age,
            activities_csv: v["scaling_activities_csv"]
                .as_str()
                .ok_or("cell without `scaling_activities_csv`")?
                .to_string(),
            faults_csv: v["faults_csv"]
                .as_str()
                .ok_or("cell without `faults_csv`")?
                .to_string(),
            markers: v["markers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|m| {
                    (
                        m[0].as_f64().unwrap_or(0.0),
                        m[1].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect(),
        })
    }
}
