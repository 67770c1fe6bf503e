//! The EC2 instance-type catalog: vCPUs and memory of the common families.

/// One instance type's shape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct InstanceType {
    pub name: &'static str,
    pub vcpus: u32,
    pub memory_gib: f64,
}

const fn t(name: &'static str, vcpus: u32, memory_gib: f64) -> InstanceType {
    InstanceType {
        name,
        vcpus,
        memory_gib,
    }
}

/// The catalog, as AWS documents each type's vCPUs and memory.
pub const CATALOG: &[InstanceType] = &[
    t("t3.nano", 2, 0.5),
    t("t3.micro", 2, 1.0),
    t("t3.small", 2, 2.0),
    t("t3.medium", 2, 4.0),
    t("t3.large", 2, 8.0),
    t("t3.xlarge", 4, 16.0),
    t("t3.2xlarge", 8, 32.0),
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
