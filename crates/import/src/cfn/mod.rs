//! CloudFormation templates: the YAML short forms read into the JSON form (`template`), the
//! SAM transform expanded into CloudFormation resources (`sam`), and parameters, pseudo
//! parameters, mappings, conditions and intrinsic functions resolved (`intrinsics`).

pub mod intrinsics;
pub mod sam;
pub mod template;
