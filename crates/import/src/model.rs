//! The one model both readers produce and the writer reads: a stack's resources in
//! CloudFormation's vocabulary (the type names and property names of the CloudFormation
//! resource reference, https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-template-resource-type-ref.html),
//! with references between resources standing for the referenced resource's logical id
//! (`Ref` gives `Id`, `Fn::GetAtt` gives `Id.Attribute`). A CloudFormation or SAM template
//! resolves into it (`cfn`); a Terraform plan or state maps its resources onto it
//! (`terraform`); `write` turns it into a scenario.

use serde_json::Value;

/// A stack: its resources in order (logical id, type, properties), those dropped by a false
/// condition, and every problem met reading it, with its path.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub resources: Vec<(String, String, Value)>,
    pub dropped: Vec<String>,
    pub problems: Vec<String>,
}
