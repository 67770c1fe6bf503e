//! SQS queues and their consumers.

use super::Section;
use crate::explain::{queue_components, queue_defaults};
use crate::report::{queues_json, queues_table};
use crate::scenario::Scenario;
use crate::sim::RunResult;
use serde_json::{Map, Value};

pub struct Sqs;

impl Section for Sqs {
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        out.insert("queues".into(), queues_json(r));
    }

    fn table(&self, r: &RunResult, out: &mut String) {
        queues_table(r, out);
    }

    fn files(&self, _: &RunResult, _: &mut Vec<(&'static str, String)>) {}

    fn components(&self, s: &Scenario, out: &mut String) {
        queue_components(out, s);
    }

    fn names(&self, s: &Scenario, out: &mut Vec<String>) {
        out.extend(s.queues.iter().map(|x| x.name.clone()));
    }

    fn defaults(&self, s: &Scenario, out: &mut String) {
        queue_defaults(out, s);
    }
}
