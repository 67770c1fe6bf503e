//! At each metric period's end: every queue's CloudWatch metrics into the time series, and
//! for every worker group the `backlog_per_instance` custom metric (visible messages of the
//! queues it consumes over its in-service instances), which a target tracking policy can
//! follow (`metric: custom:backlog_per_instance`), as AWS recommends for worker fleets.

use crate::ids::GroupId;
use crate::metrics::Statistic;
use crate::model::sqs::PeriodCounters;
use crate::sim::World;

/// The name of the custom metric published for worker groups.
pub const BACKLOG_PER_INSTANCE: &str = "backlog_per_instance";

impl World {
    /// Queue series for the period that just ended (`t`: its start, in seconds), and the
    /// backlog metric, published before the groups evaluate their policies.
    pub(in crate::sim) fn on_queues_period_ended(&mut self, t: f64) {
        let now = self.queue.now();
        for q in 0..self.sqs.queues.len() {
            let queue = &mut self.sqs.queues[q];
            let p = std::mem::take(&mut queue.stats.period);
            let levels = [
                ("visible", queue.visible as f64),
                ("not_visible", queue.in_flight as f64),
                ("delayed", queue.delayed as f64),
                (
                    "age_of_oldest_s",
                    queue.oldest_age(&self.sqs.messages, now).as_secs_f64(),
                ),
            ];
            let PeriodCounters {
                sent,
                received,
                deleted,
                empty_receives,
                billed_requests,
            } = p;
            let sums = [
                ("sent", sent),
                ("received", received),
                ("deleted", deleted),
                ("empty_receives", empty_receives),
                ("requests", billed_requests),
            ];
            let name = &self.scenario.queues[q].name;
            for (what, v) in levels {
                let id = self
                    .series
                    .series(&format!("sqs.{name}.{what}"), Statistic::Value);
                self.series.push(t, id, v);
            }
            for (what, v) in sums {
                let id = self
                    .series
                    .series(&format!("sqs.{name}.{what}"), Statistic::Sum);
                self.series.push(t, id, v as f64);
            }
        }
        for g in 0..self.scenario.groups.len() {
            let gid = GroupId(g as u16);
            if !self.sqs.consumes(gid) {
                continue;
            }
            let backlog: u64 = self.sqs.group_consumers[g]
                .iter()
                .map(|(q, _)| q.index())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(|q| self.sqs.queues[q].visible as u64)
                .sum();
            // With no instance in service the whole backlog is one instance's.
            let per_instance = backlog as f64 / self.in_service(gid).max(1) as f64;
            self.publish_custom_metric(gid, BACKLOG_PER_INSTANCE, Some(per_instance));
            let name = &self.scenario.groups[g].name;
            let id = self.series.series(
                &format!("asg.{name}.{BACKLOG_PER_INSTANCE}"),
                Statistic::Value,
            );
            self.series.push(t, id, per_instance);
        }
    }
}
