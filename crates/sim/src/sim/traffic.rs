//! Workloads and their requests at the world's fixed points: each period's request series
//! (`requests`, `errors_5xx`, `latency_ms`, `availability`) and, at the end, the totals,
//! the requests still in flight and the conservation law.

use super::Event;
use super::World;
use super::service::{Finish, Period, Service, Stage};
use super::state::Traffic;
use crate::ids::WorkloadId;
use crate::metrics::{Latency, RequestStats, SeriesId, Statistic, TimeSeries};
use crate::scenario::Scenario;
use crate::trace::Kind;

/// The ids of the request series.
pub struct RequestSeries {
    requests: SeriesId,
    errors_5xx: SeriesId,
    /// p50, p90, p99.
    latency: [SeriesId; 3],
    availability: SeriesId,
}

/// The latency percentiles recorded per period, with their series' statistics.
const PERCENTILES: [(Statistic, f64); 3] = [
    (Statistic::P50, 0.5),
    (Statistic::P90, 0.9),
    (Statistic::P99, 0.99),
];

impl RequestSeries {
    pub fn register(series: &mut TimeSeries) -> RequestSeries {
        RequestSeries {
            requests: series.series("requests", Statistic::Sum),
            errors_5xx: series.series("errors_5xx", Statistic::Sum),
            latency: PERCENTILES.map(|(stat, _)| series.series("latency_ms", stat)),
            availability: series.series("availability", Statistic::Average),
        }
    }
}

/// The successful requests a period must have had for the next one to defer its
/// latencies to one addition (`Traffic::deferring`): the addition visits every counter between
/// the period's smallest and largest latency (up to the histogram's 27,648) where a record
/// costs about 15 instructions, so below some thousands of requests a period recording each
/// is cheaper. A choice of cost alone: both ways give the same counts.
const DEFER_MIN_OK: u64 = 4_096;

impl Traffic {
    /// The workload's latencies take those the period deferred (the period's: with one
    /// workload and every ending request counted they are the same), and the rest of the
    /// period records each.
    pub(super) fn stop_deferring(&mut self) {
        if self.deferring {
            self.deferring = false;
            self.workload_latency[0].add(&self.period.latency);
        }
    }

    /// Writes the period's request rows and starts the next period's meters; the next period
    /// defers its latencies when the run has one workload, counts every request ending in it
    /// (`counting`: they all arrived after the warm-up, or the first that did not stops it)
    /// and this period had enough of them to pay for the merge.
    fn period_ended(&mut self, p: &Period, series: &mut TimeSeries, counting: bool) {
        self.stop_deferring();
        let t = p.start_s;
        let m = &self.period;
        series.push(t, self.series.requests, m.ended as f64);
        series.push(t, self.series.errors_5xx, m.errors_5xx as f64);
        if m.ok > 0 {
            let values = m.latency.quantiles_ms(PERCENTILES.map(|(_, q)| q));
            for (&id, v) in self.series.latency.iter().zip(values) {
                series.push(t, id, v);
            }
        }
        // A load balancer's own answers (fixed responses, redirects) are neither available nor
        // not: availability is over the requests that went to targets.
        let ended = m.ended - m.by_load_balancer;
        self.availability.push((ended, m.ok));
        let availability = if ended == 0 {
            1.0
        } else {
            m.ok as f64 / ended as f64
        };
        series.push(t, self.series.availability, availability);
        self.deferring = self.per_workload.len() == 1 && counting && m.ok >= DEFER_MIN_OK;
        self.period.reset();
    }
}

impl Service for Traffic {
    const START: Stage = Stage::Sources;
    const TRACE_KINDS: &'static [Kind] = &[
        Kind::RequestArrived,
        Kind::RequestRouted,
        Kind::RequestRejected,
        Kind::RequestAnswered,
        Kind::RequestStarted,
        Kind::RequestFinished,
        super::clients::CLIENT_ROUTED,
    ];

    /// Each workload's first arrival.
    fn start(w: &mut World) {
        let s = std::sync::Arc::clone(&w.scenario);
        for i in 0..s.workloads.len() {
            if let Some(t) = w.traffic.arrivals[i].next(s.duration) {
                w.queue
                    .schedule_aside(t, Event::RequestArrived(WorkloadId(i as u16)));
            }
        }
    }

    fn build(s: &Scenario, series: &mut TimeSeries) -> Traffic {
        Traffic::new(s, series)
    }

    fn period_ended(w: &mut World, p: &Period) {
        w.traffic.period_ended(p, &mut w.series, w.counting);
    }

    fn close_cost_period(_: &mut World, _: f64) {}

    /// The totals, checked by conservation: every request that arrived after the warm-up
    /// ended exactly once or is still in flight.
    fn finish(w: &mut World, out: &mut Finish) {
        w.traffic.stop_deferring();
        let t = &mut w.traffic;
        for (counts, stats) in t.workload_latency.iter().zip(&mut t.per_workload) {
            counts.merge_into(&mut stats.latency);
        }
        let traffic = &w.traffic;
        let s = &*w.scenario;
        let mut overall = RequestStats::default();
        for stats in &traffic.per_workload {
            overall.merge(stats);
        }
        assert_eq!(
            traffic.arrived,
            overall.total + traffic.requests.live_counted(),
            "conservation: every request that arrived ended exactly once or is still in flight"
        );
        let end = s.duration;
        let mut in_flight_age = Latency::new();
        let mut in_flight_by_workload = vec![0u64; s.workloads.len()];
        for r in traffic.requests.live_counted_iter() {
            in_flight_age.record(end.saturating_sub(r.arrived_at).as_nanos());
            in_flight_by_workload[r.workload.index()] += 1;
        }
        let r = &mut out.result;
        r.arrived = traffic.arrived;
        r.in_flight = traffic.requests.live_counted();
        r.in_flight_age = in_flight_age;
        r.in_flight_by_workload = in_flight_by_workload;
        r.workloads = s
            .workloads
            .iter()
            .zip(&traffic.per_workload)
            .map(|(w, stats)| (w.name.clone(), stats.clone()))
            .collect();
        r.overall = overall;
    }
}
