//! A function's time series: per metric period, the figures AWS publishes to CloudWatch for
//! Lambda (`ConcurrentExecutions` as a maximum, `Invocations`, `Throttles`, `Errors` as sums;
//! https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html), plus cold
//! starts and warm environments (our additions), as rows `lambda.NAME.KEY`.

use super::meters::PeriodFigures;
use super::spec::FunctionSpec;
use crate::metrics::{SeriesId, Statistic, TimeSeries};

/// The ids of one function's series.
pub struct FunctionSeries {
    /// concurrent_executions, invocations, throttles, cold_starts, errors, warm_environments.
    figures: [SeriesId; 6],
    /// With provisioned concurrency: the share of it in use.
    provisioned_utilization: Option<SeriesId>,
}

impl FunctionSeries {
    pub fn register(spec: &FunctionSpec, series: &mut TimeSeries) -> FunctionSeries {
        let prefix = format!("lambda.{}", spec.name);
        FunctionSeries {
            figures: series.register(
                &prefix,
                [
                    ("concurrent_executions", Statistic::Maximum),
                    ("invocations", Statistic::Sum),
                    ("throttles", Statistic::Sum),
                    ("cold_starts", Statistic::Sum),
                    ("errors", Statistic::Sum),
                    ("warm_environments", Statistic::Value),
                ],
            ),
            provisioned_utilization: (spec.provisioned_concurrency > 0).then(|| {
                let [id] =
                    series.register(&prefix, [("provisioned_utilization", Statistic::Average)]);
                id
            }),
        }
    }

    /// The rows of the period starting at `t` (seconds), `period_ns` long.
    pub fn push(
        &self,
        series: &mut TimeSeries,
        t: f64,
        p: &PeriodFigures,
        warm: usize,
        spec: &FunctionSpec,
        period_ns: f64,
    ) {
        let values = [
            p.max_concurrency as f64,
            p.invocations as f64,
            p.throttles as f64,
            p.cold_starts as f64,
            p.errors as f64,
            warm as f64,
        ];
        for (&id, value) in self.figures.iter().zip(values) {
            series.push(t, id, value);
        }
        if let Some(id) = self.provisioned_utilization {
            let capacity = spec.provisioned_concurrency as f64 * period_ns;
            series.push(t, id, p.provisioned_busy_ns as f64 / capacity);
        }
    }
}
