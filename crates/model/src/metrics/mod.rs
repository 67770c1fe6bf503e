//! The recorder every model writes into: request outcomes, latency histograms and per-period
//! time series. Memory is bounded by the number of workloads and periods, never by requests.

mod latency;
mod latency_counts;
mod series;

pub use latency::Latency;
pub use latency_counts::LatencyCounts;
pub use series::{SeriesId, Statistic, TimeSeries};

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// The target closed the connection or failed mid-request.
    Http502,
    /// No registered target, or the target refused the request (`max_concurrent`).
    Http503,
    /// The target did not answer within the load balancer's idle timeout.
    Http504,
    /// Throttled (Lambda 429).
    Throttled429,
    /// A direct synchronous Lambda invocation ended in a function error or timeout: the
    /// Invoke API answers 200 with a `FunctionError` field (an HTTP 502 only behind an ALB
    /// or API Gateway; https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html).
    FunctionError,
    /// The target answered 500 (an injected target error, fault `target_errors`): the load
    /// balancer passes it on (AWS counts it in `HTTPCode_Target_5XX_Count`).
    Http500,
    /// The load balancer answered itself with this status (a fixed-response or redirect
    /// action): no target was involved. Neither ok nor failed: counted by status class.
    LoadBalancer(u16),
    /// The client's DNS resolution got no answer (a Route 53 geolocation record with no
    /// record for the client's location and no default): the request is never sent.
    DnsNoAnswer,
}

impl Outcome {
    pub const ERRORS: [Outcome; 7] = [
        Outcome::Http502,
        Outcome::Http503,
        Outcome::Http504,
        Outcome::Throttled429,
        Outcome::FunctionError,
        Outcome::Http500,
        Outcome::DnsNoAnswer,
    ];

    /// The key used in `summary.json`'s `errors` object.
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Http502 => "http_502",
            Outcome::Http503 => "http_503",
            Outcome::Http504 => "http_504",
            Outcome::Throttled429 => "throttled_429",
            Outcome::FunctionError => "function_error",
            Outcome::Http500 => "http_500",
            Outcome::LoadBalancer(status) => match StatusClass::of(status) {
                StatusClass::S2xx => "load_balancer_2xx",
                StatusClass::S3xx => "load_balancer_3xx",
                StatusClass::S4xx => "load_balancer_4xx",
                StatusClass::S5xx => "load_balancer_5xx",
            },
            Outcome::DnsNoAnswer => "dns_no_answer",
        }
    }

    /// A server error of the architecture (a target's 500, the load balancer's 502-504); a
    /// fixed response's 5XX is the listener's configured answer, not one of them.
    pub fn is_5xx(self) -> bool {
        matches!(
            self,
            Outcome::Http500 | Outcome::Http502 | Outcome::Http503 | Outcome::Http504
        )
    }
}

/// The status class of an answer the load balancer gives itself (a fixed response or a
/// redirect): `summary.json`'s `answered_by_load_balancer` keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusClass {
    S2xx,
    S3xx,
    S4xx,
    S5xx,
}

impl StatusClass {
    pub const ALL: [StatusClass; 4] = [
        StatusClass::S2xx,
        StatusClass::S3xx,
        StatusClass::S4xx,
        StatusClass::S5xx,
    ];

    /// The class of a status code from 200 to 599.
    pub fn of(status: u16) -> StatusClass {
        match status / 100 {
            2 => StatusClass::S2xx,
            3 => StatusClass::S3xx,
            4 => StatusClass::S4xx,
            _ => StatusClass::S5xx,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            StatusClass::S2xx => "2xx",
            StatusClass::S3xx => "3xx",
            StatusClass::S4xx => "4xx",
            StatusClass::S5xx => "5xx",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// Outcome counts and latencies of a set of requests (all, or one workload's).
#[derive(Clone, Default)]
pub struct RequestStats {
    pub total: u64,
    pub ok: u64,
    /// Indexed like [`Outcome::ERRORS`].
    pub errors: [u64; 7],
    /// Answers the load balancer gave itself (fixed responses and redirects), by status
    /// class (indexed like [`StatusClass::ALL`]): neither ok nor failed.
    pub by_load_balancer: [u64; 4],
    /// Latency of successful requests.
    pub latency: Latency,
}

impl RequestStats {
    #[inline]
    pub fn record(&mut self, outcome: Outcome, latency_ns: u64) {
        if self.count(outcome) {
            self.latency.record(latency_ns);
        }
    }

    /// Counts an outcome without recording its latency: whether it is a success, whose
    /// latency belongs in `latency` (the simulation counts it in a `LatencyCounts` and
    /// merges those into `latency` at the run's end, `LatencyCounts::merge_into`; a batch
    /// merged with `Latency::merge` gives the same histogram, sum and maximum too).
    #[inline]
    pub fn count(&mut self, outcome: Outcome) -> bool {
        self.total += 1;
        match outcome {
            Outcome::Ok => {
                self.ok += 1;
                return true;
            }
            Outcome::Http502 => self.errors[0] += 1,
            Outcome::Http503 => self.errors[1] += 1,
            Outcome::Http504 => self.errors[2] += 1,
            Outcome::Throttled429 => self.errors[3] += 1,
            Outcome::FunctionError => self.errors[4] += 1,
            Outcome::Http500 => self.errors[5] += 1,
            Outcome::LoadBalancer(status) => {
                self.by_load_balancer[StatusClass::of(status).index()] += 1
            }
            Outcome::DnsNoAnswer => self.errors[6] += 1,
        }
        false
    }

    pub fn failed(&self) -> u64 {
        self.errors.iter().sum()
    }

    /// Answers the load balancer gave itself (every status class).
    pub fn answered_by_load_balancer(&self) -> u64 {
        self.by_load_balancer.iter().sum()
    }

    pub fn count_5xx(&self) -> u64 {
        self.errors[0] + self.errors[1] + self.errors[2] + self.errors[5]
    }

    pub fn merge(&mut self, other: &RequestStats) {
        self.total += other.total;
        self.ok += other.ok;
        for (a, b) in self.errors.iter_mut().zip(other.errors) {
            *a += b;
        }
        for (a, b) in self.by_load_balancer.iter_mut().zip(other.by_load_balancer) {
            *a += b;
        }
        self.latency.merge(&other.latency);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counting outcomes and merging their latencies in batches (a period's histogram, as
    /// `Traffic::deferring` does) gives what recording each gives: counts, quantiles, mean,
    /// extremes and every bucket, for latencies from 1 ns to past the histogram's top.
    #[test]
    fn counting_then_merging_a_batch_equals_recording_each() {
        let mut rng = stratus_kernel::kernel::stream(7, "metrics/batch");
        let (mut each, mut batched) = (RequestStats::default(), RequestStats::default());
        let mut batch = Latency::new();
        for i in 0..200_000u64 {
            let outcome = if i % 97 == 0 {
                Outcome::Http504
            } else {
                Outcome::Ok
            };
            // Log-uniform over 1 ns .. 2^47 ns (past one day), so every bucket size is hit.
            let e = stratus_kernel::kernel::RngExt::uniform_u64(&mut rng, 0, 47);
            let ns = stratus_kernel::kernel::RngExt::uniform_u64(&mut rng, 1 << e, 2 << e);
            each.record(outcome, ns);
            if batched.count(outcome) {
                batch.record(ns);
            }
            if i % 5_000 == 4_999 {
                batched.latency.merge(&batch);
                batch.reset();
            }
        }
        batched.latency.merge(&batch);
        assert_eq!((each.total, each.ok), (batched.total, batched.ok));
        assert_eq!(each.errors, batched.errors);
        let (a, b) = (&each.latency, &batched.latency);
        assert_eq!(a.count(), b.count());
        assert_eq!(a.mean_ms().to_bits(), b.mean_ms().to_bits());
        assert_eq!(a.max_ms().to_bits(), b.max_ms().to_bits());
        for q in [0.0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(
                a.quantile_ms(q).to_bits(),
                b.quantile_ms(q).to_bits(),
                "q {q}"
            );
        }
        let (ha, hb) = (a.histogram(), b.histogram());
        assert_eq!(
            (ha.min(), ha.max(), ha.len()),
            (hb.min(), hb.max(), hb.len())
        );
        let buckets = |h: &hdrhistogram::Histogram<u64>| -> Vec<(u64, u64)> {
            (h.iter_recorded())
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect()
        };
        assert_eq!(buckets(ha), buckets(hb));
    }

    #[test]
    fn status_classes_follow_the_first_digit() {
        assert_eq!(StatusClass::of(204), StatusClass::S2xx);
        assert_eq!(StatusClass::of(301), StatusClass::S3xx);
        assert_eq!(StatusClass::of(404), StatusClass::S4xx);
        assert_eq!(StatusClass::of(503), StatusClass::S5xx);
        assert_eq!(StatusClass::S4xx.key(), "4xx");
    }
}
