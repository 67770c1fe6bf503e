//! The AWS services Stratus models, one module per service, each with the same face: its
//! configuration (resolved from the scenario), its runtime state, and the handlers the world
//! calls when one of its events fires. Models do no I/O and never read the wall clock.

pub mod alb;
pub mod apigw;
pub mod autoscaling;
pub mod cloudfront;
pub mod cloudwatch;
pub mod credits;
pub mod database;
pub mod dns;
pub mod dynamodb;
pub mod ecs;
pub mod elasticache;
pub mod eventbridge;
pub mod faults;
pub mod health;
pub mod instance;
pub mod instance_types;
pub mod kinesis;
pub mod lambda;
pub mod nat;
pub mod region;
pub mod rules;
pub mod scaling_policy;
pub mod sns;
pub mod sqs;

use crate::ids::InstanceId;

/// The instance an event names, if any: each service's event enum answers for itself,
/// beside its declaration (the default: none of its events names one). The world's tests
/// check with it that no pending event names a terminated instance (`sim::invariants`).
pub trait NamesInstance {
    fn instance(&self) -> Option<InstanceId> {
        None
    }
}

#[cfg(test)]
mod boundaries {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    /// Every `.rs` file of a service: `model/NAME.rs` or the folder `model/NAME/`.
    fn sources(path: &Path) -> Vec<PathBuf> {
        if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .expect("readable folder")
                .flat_map(|e| sources(&e.expect("entry").path()))
                .collect();
            files.sort();
            files
        } else if path.extension().is_some_and(|e| e == "rs") {
            vec![path.to_path_buf()]
        } else {
            Vec::new()
        }
    }

    /// A service schedules only its own events: no service's code names the event enum another
    /// service declares (the world's dispatcher routes between them). The crate boundary keeps
    /// models from the world's `Event`; this keeps services from each other's.
    #[test]
    fn no_service_names_another_services_events() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/model");
        let mut services: BTreeMap<String, String> = BTreeMap::new();
        for entry in std::fs::read_dir(&root).expect("src/model") {
            let path = entry.expect("entry").path();
            let name = path
                .file_stem()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            if name == "mod" {
                continue;
            }
            let text: String = sources(&path)
                .iter()
                .map(|f| std::fs::read_to_string(f).expect("readable source"))
                .collect();
            // `NAME.rs` and its submodules' folder `NAME/` are one service.
            services.entry(name).or_default().push_str(&text);
        }
        let declared: Vec<(String, String)> = services
            .iter()
            .flat_map(|(service, text)| {
                text.lines()
                    .filter_map(|l| l.trim().strip_prefix("pub enum "))
                    .map(|rest| rest.split([' ', '{', '<']).next().unwrap_or("").to_string())
                    .filter(|name| name.ends_with("Event") && name.len() > "Event".len())
                    .map(|name| (service.clone(), name))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(
            declared.len() >= 8,
            "the services' event enums were not found: {declared:?}"
        );
        let mut crossings = Vec::new();
        for (service, text) in &services {
            for (owner, event) in &declared {
                if owner != service && text.contains(event.as_str()) {
                    crossings.push(format!("model::{service} names model::{owner}::{event}"));
                }
            }
        }
        assert!(crossings.is_empty(), "{crossings:#?}");
    }
}
