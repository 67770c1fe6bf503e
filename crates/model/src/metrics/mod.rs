//! The recorder every model writes into: request outcomes, latency histograms and per-period
//! time series. Memory is bounded by the number of workloads and periods, never by requests.

mod latency;
mod series;

pub use latency::Latency;
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
    /// The client's DNS resolution got no answer (a Route 53 geolocation record with no
    /// record for the client's location and no default): the request is never sent.
    DnsNoAnswer,
}

impl Outcome {
    pub const ERRORS: [Outcome; 6] = [
        Outcome::Http502,
        Outcome::Http503,
        Outcome::Http504,
        Outcome::Throttled429,
        Outcome::FunctionError,
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
            Outcome::DnsNoAnswer => "dns_no_answer",
        }
    }

    pub fn is_5xx(self) -> bool {
        matches!(self, Outcome::Http502 | Outcome::Http503 | Outcome::Http504)
    }
}

/// Outcome counts and latencies of a set of requests (all, or one workload's).
#[derive(Clone, Default)]
pub struct RequestStats {
    pub total: u64,
    pub ok: u64,
    /// Indexed like [`Outcome::ERRORS`].
    pub errors: [u64; 6],
    /// Latency of successful requests.
    pub latency: Latency,
}

impl RequestStats {
    #[inline]
    pub fn record(&mut self, outcome: Outcome, latency_ns: u64) {
        self.total += 1;
        match outcome {
            Outcome::Ok => {
                self.ok += 1;
                self.latency.record(latency_ns);
            }
            Outcome::Http502 => self.errors[0] += 1,
            Outcome::Http503 => self.errors[1] += 1,
            Outcome::Http504 => self.errors[2] += 1,
            Outcome::Throttled429 => self.errors[3] += 1,
            Outcome::FunctionError => self.errors[4] += 1,
            Outcome::DnsNoAnswer => self.errors[5] += 1,
        }
    }

    pub fn failed(&self) -> u64 {
        self.errors.iter().sum()
    }

    pub fn count_5xx(&self) -> u64 {
        self.errors[0] + self.errors[1] + self.errors[2]
    }

    pub fn merge(&mut self, other: &RequestStats) {
        self.total += other.total;
        self.ok += other.ok;
        for (a, b) in self.errors.iter_mut().zip(other.errors) {
            *a += b;
        }
        self.latency.merge(&other.latency);
    }
}
