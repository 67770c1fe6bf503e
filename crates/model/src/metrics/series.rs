//! Per-period time series, stored as `(period, series, value)` rows: bounded by the number of
//! periods times the number of series, whatever the request count.

/// The CloudWatch statistic a value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Statistic {
    Sum,
    Average,
    Maximum,
    Minimum,
    SampleCount,
    P50,
    P90,
    P99,
    /// A level sampled at the end of the period (e.g. instances in service).
    Value,
}

impl Statistic {
    pub const ALL: [Statistic; 9] = [
        Statistic::Sum,
        Statistic::Average,
        Statistic::Maximum,
        Statistic::Minimum,
        Statistic::SampleCount,
        Statistic::P50,
        Statistic::P90,
        Statistic::P99,
        Statistic::Value,
    ];

    pub fn from_name(name: &str) -> Option<Statistic> {
        Statistic::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Statistic::Sum => "sum",
            Statistic::Average => "average",
            Statistic::Maximum => "maximum",
            Statistic::Minimum => "minimum",
            Statistic::SampleCount => "sample_count",
            Statistic::P50 => "p50",
            Statistic::P90 => "p90",
            Statistic::P99 => "p99",
            Statistic::Value => "value",
        }
    }
}

/// A series id: an index into [`TimeSeries::names`].
pub type SeriesId = u32;

#[derive(Default, Clone)]
pub struct TimeSeries {
    /// `(series name, statistic)` of each series id.
    names: Vec<(String, Statistic)>,
    /// `(period start, s)`, series id, value.
    rows: Vec<(f64, SeriesId, f64)>,
}

impl TimeSeries {
    /// Registers a series (idempotent) and returns its id.
    pub fn series(&mut self, name: &str, statistic: Statistic) -> SeriesId {
        if let Some(i) = self
            .names
            .iter()
            .position(|(n, s)| n == name && *s == statistic)
        {
            return i as SeriesId;
        }
        self.names.push((name.to_string(), statistic));
        (self.names.len() - 1) as SeriesId
    }

    /// Registers the series `prefix.key` of every `(key, statistic)` and returns their ids,
    /// in order: a service registers its series once and pushes by id each period.
    pub fn register<const N: usize>(
        &mut self,
        prefix: &str,
        keys: [(&str, Statistic); N],
    ) -> [SeriesId; N] {
        keys.map(|(key, statistic)| self.series(&format!("{prefix}.{key}"), statistic))
    }

    #[inline]
    pub fn push(&mut self, time_s: f64, series: SeriesId, value: f64) {
        self.rows.push((time_s, series, value));
    }

    pub fn name(&self, id: SeriesId) -> (&str, Statistic) {
        let (n, s) = &self.names[id as usize];
        (n, *s)
    }

    pub fn rows(&self) -> impl Iterator<Item = (f64, &str, Statistic, f64)> + '_ {
        self.rows.iter().map(|&(t, id, v)| {
            let (n, s) = self.name(id);
            (t, n, s, v)
        })
    }

    /// The points of one series, in time order.
    pub fn points(&self, name: &str, statistic: Statistic) -> Vec<(f64, f64)> {
        let Some(id) = self
            .names
            .iter()
            .position(|(n, s)| n == name && *s == statistic)
        else {
            return Vec::new();
        };
        self.rows
            .iter()
            .filter(|r| r.1 == id as SeriesId)
            .map(|r| (r.0, r.2))
            .collect()
    }
}
