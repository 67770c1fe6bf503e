//! Burstable groups' CPU credits in the EC2 section: the `cpu_credits` key of a group in
//! `summary.json`, the credit table, and the credit line of `explain` (a group whose type
//! is not burstable has none of them).

use crate::model::autoscaling::GroupSpec;
use crate::model::credits::{CreditMode, RESTORE_CREDITS_PER_VCPU};
use crate::sim::CreditResult;
use crate::sim::RunResult;
use serde_json::{Value, json};
use std::fmt::Write;

/// A group's `cpu_credits` entry.
pub(super) fn credits_json(c: &CreditResult) -> Value {
    json!({
        "family": c.family,
        "mode": c.mode,
        "baseline_percent_per_vcpu": c.baseline_percent,
        "credits_per_hour": c.credits_per_hour,
        "max_balance": c.max_credits,
        "balance_end": c.balance_end,
        "surplus_balance_end": c.surplus_balance_end,
        "credits_spent": c.credits_spent,
        "exhausted": c.exhausted,
        "restored": c.restored,
        "first_exhausted_s": c.first_exhausted_s,
        "throttled_instance_seconds": c.throttled_instance_s,
        "throttled_at_end": c.throttled_at_end,
        "surplus_credits_charged": c.surplus_credits_charged,
        "surplus_usd": c.surplus_usd,
    })
}

/// The credit table, when a group is burstable.
pub(super) fn credits_table(r: &RunResult, out: &mut String) {
    let rows: Vec<_> = r
        .groups
        .iter()
        .filter_map(|g| g.credits.as_ref().map(|c| (&g.name, c)))
        .collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{:<20} {:>10} {:>13} {:>13} {:>10} {:>15} {:>16} {:>12}",
        "credits",
        "mode",
        "balance end",
        "surplus end",
        "exhausted",
        "throttled inst-s",
        "surplus charged",
        "surplus USD"
    );
    for (name, c) in rows {
        let _ = writeln!(
            out,
            "{:<20} {:>10} {:>13.1} {:>13.1} {:>10} {:>15.0} {:>16.1} {:>12.4}",
            name,
            c.mode,
            c.balance_end,
            c.surplus_balance_end,
            c.exhausted,
            c.throttled_instance_s,
            c.surplus_credits_charged,
            c.surplus_usd
        );
    }
}

/// `explain`'s line for a burstable group.
pub(super) fn credits_component(g: &GroupSpec, out: &mut String) {
    let Some(c) = g.credits else { return };
    let what = match c.mode {
        CreditMode::Standard => format!(
            "out of credits its vCPUs run at the baseline until it regains {} credit(s) per vCPU",
            RESTORE_CREDITS_PER_VCPU
        ),
        CreditMode::Unlimited => {
            "out of credits it spends surplus credits, charged beyond 24 hours of earning and at termination".to_string()
        }
    };
    let _ = writeln!(
        out,
        "  CPU credits ({} `{}`): baseline {}% per vCPU, {} credits earned per hour, at most {}; starts with {} credit(s); {}.",
        c.family.name(),
        c.mode.name(),
        c.baseline_per_mille as f64 / 10.0,
        c.credits_per_hour(),
        c.max_credits(),
        c.initial_credits
            .unwrap_or(c.launch_units() as f64 / crate::model::credits::UNITS_PER_CREDIT as f64),
        what
    );
}
