//! `stratus explain` for scaling policies: the defaults in effect for each policy of each
//! group (alarm datapoints, cooldowns, warm-ups, minimum adjustments).

use super::defaults_of;
use crate::model::scaling_policy::PolicyKind;
use crate::scenario::Scenario;

/// Lists, per policy of every group, the policy defaults its document entry does not set.
pub(crate) fn policy_defaults(out: &mut String, s: &Scenario) {
    // An ECS service's policies have no warm-up and take App Auto Scaling's cooldowns
    // (`sections::ecs` says so).
    for g in s.groups.iter().filter(|g| g.ecs.is_none()) {
        let doc = &s.document["auto_scaling_groups"][g.name.as_str()]["policies"];
        for (i, p) in g.policies.iter().enumerate() {
            let kind = match p.kind {
                PolicyKind::Simple { .. } => "simple",
                PolicyKind::Step { .. } => "step",
                PolicyKind::TargetTracking { .. } => "target_tracking",
                PolicyKind::Scheduled { .. } => continue,
            };
            let title = format!(
                "auto_scaling_groups.{}.policies[{i}] ({kind} `{}`)",
                g.name, p.name
            );
            defaults_of(out, &doc[i], &format!("policies.{kind}"), &title);
        }
    }
}
