//! CloudFormation templates: the YAML short forms read into the JSON form (`template`), and
//! parameters, pseudo parameters, mappings, conditions and intrinsic functions resolved
//! (`intrinsics`).

pub mod intrinsics;
pub mod scenario;
pub mod template;
