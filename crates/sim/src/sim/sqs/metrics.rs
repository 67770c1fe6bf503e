//! At each metric period's end: every queue's CloudWatch metrics into the time series, and
//! for every worker group the `backlog_per_instance` custom metric (visible messages of the
//! queues it consumes over its in-service instances), which a target tracking policy can
//! follow (`metric: custom:backlog_per_instance`), as AWS recommends for worker fleets.

use super::SqsWorld;
use crate::ids::GroupId;
use crate::metrics::{SeriesId, Statistic, TimeSeries};
use crate::model::sqs::{ConsumerSpec, PeriodCounters};
use crate::scenario::Scenario;
use crate::sim::service::Period;

/// The name of the custom metric published for worker groups.
pub const BACKLOG_PER_INSTANCE: &str = "backlog_per_instance";

/// A queue's levels at the period's end (`sqs.QUEUE.KEY`, statistic `value`).
const LEVELS: [&str; 4] = ["visible", "not_visible", "delayed", "age_of_oldest_s"];
/// A queue's counts over the period (`sqs.QUEUE.KEY`, statistic `sum`).
const SUMS: [&str; 5] = ["sent", "received", "deleted", "empty_receives", "requests"];

/// The ids of the SQS series.
pub struct SqsSeries {
    /// Per queue: `LEVELS` then `SUMS`.
    queues: Vec<[SeriesId; 9]>,
    /// Per group consuming a queue: `asg.GROUP.backlog_per_instance`.
    backlog: Vec<Option<SeriesId>>,
    /// Per event source mapping, in mapping order: `sqs.QUEUE.lambda_pollers`.
    pollers: Vec<SeriesId>,
}

impl SqsSeries {
    pub fn register(
        s: &Scenario,
        group_consumes: impl Fn(usize) -> bool,
        series: &mut TimeSeries,
    ) -> SqsSeries {
        SqsSeries {
            queues: s
                .queues
                .iter()
                .map(|q| {
                    let prefix = format!("sqs.{}", q.name);
                    let levels = series.register(&prefix, LEVELS.map(|k| (k, Statistic::Value)));
                    let sums = series.register(&prefix, SUMS.map(|k| (k, Statistic::Sum)));
                    std::array::from_fn(|i| if i < 4 { levels[i] } else { sums[i - 4] })
                })
                .collect(),
            backlog: s
                .groups
                .iter()
                .enumerate()
                .map(|(g, spec)| {
                    group_consumes(g).then(|| {
                        let name = format!("asg.{}.{BACKLOG_PER_INSTANCE}", spec.name);
                        series.series(&name, Statistic::Value)
                    })
                })
                .collect(),
            // Mappings are made in this order (`start_event_sources`).
            pollers: s
                .queues
                .iter()
                .flat_map(|q| {
                    q.consumers
                        .iter()
                        .filter(|c| matches!(c, ConsumerSpec::Lambda(_)))
                        .map(move |_| q)
                })
                .map(|q| series.series(&format!("sqs.{}.lambda_pollers", q.name), Statistic::Value))
                .collect(),
        }
    }
}

impl SqsWorld {
    /// Queue series for the period `p` that just ended, the backlog metric of every
    /// consuming group (`in_service`: its instances in service), and the mappings' pollers.
    /// The backlog datapoints are kept for the world to publish to the groups' metrics
    /// (`backlog_points`), before the groups evaluate their policies (the registry's order).
    pub(super) fn period_ended(
        &mut self,
        p: &Period,
        series: &mut TimeSeries,
        in_service: impl Fn(GroupId) -> u32,
    ) {
        let (t, now) = (p.start_s, p.end);
        let ids = &self.series;
        for (q, queue) in self.queues.iter_mut().enumerate() {
            let PeriodCounters {
                sent,
                received,
                deleted,
                empty_receives,
                billed_requests,
            } = std::mem::take(&mut queue.stats.period);
            let values = [
                queue.visible as f64,
                queue.in_flight as f64,
                queue.delayed as f64,
                queue.oldest_age(&self.messages, now).as_secs_f64(),
                sent as f64,
                received as f64,
                deleted as f64,
                empty_receives as f64,
                billed_requests as f64,
            ];
            for (&id, v) in ids.queues[q].iter().zip(values) {
                series.push(t, id, v);
            }
        }
        self.backlog.clear();
        for (g, consumed) in self.group_consumers.iter().enumerate() {
            let Some(id) = self.series.backlog[g] else {
                continue;
            };
            let gid = GroupId(g as u16);
            let backlog: u64 = consumed
                .iter()
                .map(|(q, _)| q.index())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(|q| self.queues[q].visible as u64)
                .sum();
            // With no instance in service the whole backlog is one instance's.
            let per_instance = backlog as f64 / in_service(gid).max(1) as f64;
            self.backlog.push((gid, per_instance));
            series.push(t, id, per_instance);
        }
        for (mapping, &id) in self.sources.mappings.iter().zip(&self.series.pollers) {
            series.push(t, id, mapping.active_pollers());
        }
    }

    /// The `backlog_per_instance` datapoints of the period that just ended, by group.
    pub(super) fn backlog_points(&self) -> &[(GroupId, f64)] {
        &self.backlog
    }
}
