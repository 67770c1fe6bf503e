//! Each service's part of every report, and the one list that registers them.
//!
//! A service implements [`Section`]: its keys in `summary.json`, its lines in the table
//! printed after a run, its components and its defaults in `stratus explain`. Every method
//! is required (its own output files too), so a new service says what it shows in each (an empty body says "nothing"
//! where a reader sees it), and its line in the world's registry (`sim::registry`) names it
//! (`=> module::Section`), which adds it to [`SECTIONS`]. A service that workloads
//! target (`PREFIX/NAME`) also draws their arrows in `explain`'s diagram (`diagram`). The reports write the
//! world's own parts (the run's header, the overall requests and latency) and then every
//! section, in list order; that order is `summary.json`'s documented key order.

mod alb;
mod apigw;
mod cloudfront;
mod cost;
mod credits;
mod dynamodb;
mod ec2;
mod ecs;
mod elasticache;
mod eventbridge;
mod kinesis;
mod lambda;
mod nat;
mod resilience;
mod route53;
mod sns;
mod sqs;
mod traffic;

use crate::scenario::Scenario;
use crate::sim::RunResult;
use crate::workload::WorkloadSpec;
use serde_json::{Map, Value};

/// A service's part of the reports (see the module docs).
pub trait Section: Sync {
    /// Its keys in `summary.json`, in their documented order.
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>);
    /// Its lines in the table printed after a run.
    fn table(&self, r: &RunResult, out: &mut String);
    /// Its own files in a run's output folder: `(file name, contents)`.
    fn files(&self, r: &RunResult, out: &mut Vec<(&'static str, String)>);
    /// Its components, in words, in `stratus explain`.
    fn components(&self, s: &Scenario, out: &mut String);
    /// The names of its components: what a trace event's `component` can carry.
    fn names(&self, s: &Scenario, out: &mut Vec<String>);
    /// The defaults in effect for its components that the file does not set.
    fn defaults(&self, s: &Scenario, out: &mut String);
    /// `explain`'s diagram of workload `w` when `w` targets one of its entries
    /// (`Target::Service`): its arrow, and true. The default, false, is for the services no
    /// workload targets.
    fn diagram(&self, s: &Scenario, w: &WorkloadSpec, out: &mut String) -> bool {
        let _ = (s, w, out);
        false
    }
}

/// Declares [`SECTIONS`] from the world's registry (`stratus_sim::for_each_service!`): the
/// world's own sections and the older services' first, by hand, in `summary.json`'s
/// documented key order; then each section a registry line names (`=> module::Section`), in
/// registry order.
macro_rules! sections_from_registry {
    (
        services {
            $($(#[$doc:meta])* $svc:ident: $svc_ty:ty { $($variant:ident($event:ty)),* }
                $(+ $role:ident)* $(-> $out:ty)? $(=> $section:path)?,)*
        }
    ) => {
        /// Every service's section, in report order.
        pub const SECTIONS: &[&dyn Section] = &[
            &traffic::Traffic,
            &alb::Alb,
            &ec2::Ec2,
            &lambda::Lambda,
            &sqs::Sqs,
            &cost::Cost,
            &resilience::Resilience,
            &elasticache::ElastiCache,
            &route53::Route53,
            $($(&$section,)?)*
        ];
    };
}

stratus_sim::for_each_service!(sections_from_registry {});

/// A component's summary object with its `region` added, when it has one (the scenario
/// declares `regions`).
pub(crate) fn with_region(mut v: serde_json::Value, region: &Option<String>) -> serde_json::Value {
    if let (Some(r), Some(m)) = (region, v.as_object_mut()) {
        m.insert("region".into(), serde_json::Value::String(r.clone()));
    }
    v
}
