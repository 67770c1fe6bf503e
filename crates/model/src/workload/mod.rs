//! Workloads: who sends requests, how often, of which classes, and to which entry point.

pub mod arrivals;
pub mod bound;
pub mod profile;
pub mod slope;

use crate::dist::Dist;
use crate::ids::{FunctionId, LbId, QueueId};
use crate::kernel::{Rng, RngExt};
use crate::model::sqs::MessageSpec;
pub use arrivals::{ArrivalKind, ArrivalProcess};
pub use profile::RateProfile;

/// Where a workload's requests enter the architecture: the simulator's own entry points (a
/// load balancer, a queue, a function), or an entry of a service that registered a target
/// kind of its own (`PREFIX/NAME`; `scenario::targets`, `sim::front`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Alb(LbId),
    /// Each arrival sends one message (SendMessage) to the queue.
    Queue(QueueId),
    /// A Lambda function, invoked directly.
    Lambda(FunctionId),
    /// An entry of a service that receives workloads' requests (API Gateway's `apigw/NAME`,
    /// CloudFront's `cloudfront/NAME`, Kinesis's `kinesis/NAME`, ...).
    Service(ServiceTarget),
}

/// An entry of a service that registered a target kind: its prefix (the service's constant,
/// e.g. `model::kinesis::TARGET`) and the entry's index in the service's own list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceTarget {
    pub prefix: &'static str,
    pub index: u16,
}

impl Target {
    /// The entry's index when this is a target of the service whose prefix is `prefix`.
    pub fn of(&self, prefix: &str) -> Option<usize> {
        match self {
            Target::Service(t) if t.prefix == prefix => Some(usize::from(t.index)),
            _ => None,
        }
    }
}

/// How a workload invokes a Lambda target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvocationType {
    /// The client waits for the result; throttles are 429s.
    Sync,
    /// The event is queued (the client is answered at once) and retried by Lambda.
    Async,
}

/// A request class: a share of the workload with its own path and CPU demand.
#[derive(Clone, Debug)]
pub struct ClassSpec {
    pub name: String,
    pub path: String,
    pub host: Option<String>,
    /// The HTTP method (default `GET`), headers, query-string pairs and client address the
    /// listener rules see.
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    pub source_ip: Option<std::net::IpAddr>,
    pub weight: f64,
    pub work: Dist,
    /// The action the load balancer's rules give this class (resolved once; `None` for a
    /// queue workload): forward to one target group or weighted ones drawn per request, a
    /// fixed response or a redirect.
    pub action: Option<crate::model::alb::Action>,
    /// The listener rule that gives it (its position; the rule count for the default rule):
    /// target-group stickiness is kept per rule.
    pub rule: u32,
    pub request_bytes: u64,
    pub response_bytes: u64,
    /// `request_bytes + response_bytes` as `f64`, what a request adds to its load balancer's
    /// processed-bytes meter (converted once here, not once a request).
    pub processed_bytes: f64,
    pub nat_bytes: u64,
    /// Listener rules evaluated to route this class, beyond the free ones (ALB LCUs).
    pub billable_rule_evaluations: u32,
    /// The message an arrival sends (queue workloads), or that a request sends when it
    /// ends well (`enqueue` on a web class).
    pub message: Option<MessageSpec>,
}

impl ClassSpec {
    /// What a listener rule sees of this class's requests.
    pub fn request_line(&self) -> crate::model::rules::RequestLine<'_> {
        crate::model::rules::RequestLine {
            host: self.host.as_deref(),
            path: &self.path,
            method: &self.method,
            headers: &self.headers,
            query: &self.query,
            source_ip: self.source_ip,
        }
    }
}

#[derive(Clone, Debug)]
pub struct WorkloadSpec {
    pub name: String,
    pub target: Target,
    pub arrivals: ArrivalKind,
    pub rate: RateProfile,
    pub classes: Vec<ClassSpec>,
    /// For Lambda targets (ignored otherwise).
    pub invocation: InvocationType,
    /// How many distinct clients send its requests (`clients: N`): each request comes from
    /// one of them, drawn uniformly from the workload's stream `workload/NAME/clients`, so
    /// sticky load balancers can keep a client where it was sent. `None`: every request is
    /// a new client, carrying no cookie.
    pub clients: Option<u32>,
}

/// Picks request classes by weight from a workload's own stream.
pub struct ClassPicker {
    cumulative: Vec<f64>,
}

impl ClassPicker {
    pub fn new(classes: &[ClassSpec]) -> Self {
        let total: f64 = classes.iter().map(|c| c.weight).sum();
        let mut acc = 0.0;
        let cumulative = classes
            .iter()
            .map(|c| {
                acc += c.weight / total;
                acc
            })
            .collect();
        ClassPicker { cumulative }
    }

    #[inline]
    pub fn pick(&self, rng: &mut Rng) -> usize {
        if self.cumulative.len() == 1 {
            return 0;
        }
        let u = rng.open01();
        self.cumulative
            .iter()
            .position(|&c| u < c)
            .unwrap_or(self.cumulative.len() - 1)
    }
}
