//! The EC2 instance-type catalog: vCPUs and memory of the common families, and the CPU
//! credit figures of the burstable ones (T2, T3, T3a, T4g).

use super::credits::{Burstable, Family};

/// One instance type's shape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InstanceType {
    pub name: &'static str,
    pub vcpus: u32,
    pub memory_gib: f64,
    /// A burstable type's CPU credit figures; `None` for fixed-performance types.
    pub burstable: Option<Burstable>,
}

const fn t(name: &'static str, vcpus: u32, memory_gib: f64) -> InstanceType {
    InstanceType {
        name,
        vcpus,
        memory_gib,
        burstable: None,
    }
}

/// A burstable type: its baseline utilization per vCPU in tenths of a percent (per mille),
/// from AWS's table "CPU credits and baseline utilization for burstable performance
/// instances" (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/burstable-credits-baseline-concepts.html).
/// The credits earned per hour (vCPUs x baseline x 60) and the maximum balance (24 hours of
/// earning) follow from it, as that table's columns do.
const fn b(
    name: &'static str,
    vcpus: u32,
    memory_gib: f64,
    family: Family,
    baseline_per_mille: u32,
) -> InstanceType {
    InstanceType {
        name,
        vcpus,
        memory_gib,
        burstable: Some(Burstable {
            family,
            baseline_per_mille,
        }),
    }
}

use Family::{T2, T3, T3a, T4g};

/// The catalog, as AWS documents each type's vCPUs, memory and (burstable types) baseline.
pub const CATALOG: &[InstanceType] = &[
    // T2 (previous generation): 5% .. 30% per vCPU.
    b("t2.nano", 1, 0.5, T2, 50),
    b("t2.micro", 1, 1.0, T2, 100),
    b("t2.small", 1, 2.0, T2, 200),
    b("t2.medium", 2, 4.0, T2, 200),
    b("t2.large", 2, 8.0, T2, 300),
    b("t2.xlarge", 4, 16.0, T2, 225),
    b("t2.2xlarge", 8, 32.0, T2, 170),
    b("t3.nano", 2, 0.5, T3, 50),
    b("t3.micro", 2, 1.0, T3, 100),
    b("t3.small", 2, 2.0, T3, 200),
    b("t3.medium", 2, 4.0, T3, 200),
    b("t3.large", 2, 8.0, T3, 300),
    b("t3.xlarge", 4, 16.0, T3, 400),
    b("t3.2xlarge", 8, 32.0, T3, 400),
    b("t3a.nano", 2, 0.5, T3a, 50),
    b("t3a.micro", 2, 1.0, T3a, 100),
    b("t3a.small", 2, 2.0, T3a, 200),
    b("t3a.medium", 2, 4.0, T3a, 200),
    b("t3a.large", 2, 8.0, T3a, 300),
    b("t3a.xlarge", 4, 16.0, T3a, 400),
    b("t3a.2xlarge", 8, 32.0, T3a, 400),
    b("t4g.nano", 2, 0.5, T4g, 50),
    b("t4g.micro", 2, 1.0, T4g, 100),
    b("t4g.small", 2, 2.0, T4g, 200),
    b("t4g.medium", 2, 4.0, T4g, 200),
    b("t4g.large", 2, 8.0, T4g, 300),
    b("t4g.xlarge", 4, 16.0, T4g, 400),
    b("t4g.2xlarge", 8, 32.0, T4g, 400),
    t("m5.large", 2, 8.0),
    t("m5.xlarge", 4, 16.0),
    t("m5.2xlarge", 8, 32.0),
    t("m5.4xlarge", 16, 64.0),
    t("m5.8xlarge", 32, 128.0),
    t("m6i.large", 2, 8.0),
    t("m6i.xlarge", 4, 16.0),
    t("m6i.2xlarge", 8, 32.0),
    t("m6i.4xlarge", 16, 64.0),
    t("m6g.medium", 1, 4.0),
    t("m6g.large", 2, 8.0),
    t("m6g.xlarge", 4, 16.0),
    t("m6g.2xlarge", 8, 32.0),
    t("m6g.4xlarge", 16, 64.0),
    t("c5.large", 2, 4.0),
    t("c5.xlarge", 4, 8.0),
    t("c5.2xlarge", 8, 16.0),
    t("c5.4xlarge", 16, 32.0),
    t("c5.9xlarge", 36, 72.0),
    t("c6g.medium", 1, 2.0),
    t("c6g.large", 2, 4.0),
    t("c6g.xlarge", 4, 8.0),
    t("c6g.2xlarge", 8, 16.0),
    t("c6g.4xlarge", 16, 32.0),
    t("r5.large", 2, 16.0),
    t("r5.xlarge", 4, 32.0),
    t("r5.2xlarge", 8, 64.0),
    t("r5.4xlarge", 16, 128.0),
];

pub fn lookup(name: &str) -> Option<&'static InstanceType> {
    CATALOG.iter().find(|t| t.name == name)
}

/// The catalog name closest to `name`, for "did you mean" hints.
pub fn closest(name: &str) -> Option<&'static str> {
    CATALOG
        .iter()
        .map(|t| (strsim::levenshtein(name, t.name), t.name))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, n)| n)
}
