//! `stratus explain` for Lambda: functions in the diagram, their settings and pools in words,
//! and the account defaults in effect.

use super::{defaults_of, rate};
use crate::ids::FunctionId;
use crate::model::alb::TargetGroupSpec;
use crate::scenario::Scenario;
use crate::workload::{InvocationType, WorkloadSpec};
use std::fmt::Write;

/// A workload that invokes a function directly.
pub(super) fn diagram_direct(out: &mut String, s: &Scenario, w: &WorkloadSpec, f: FunctionId) {
    let how = match w.invocation {
        InvocationType::Sync => "sync",
        InvocationType::Async => "async, via the internal queue",
    };
    let _ = writeln!(
        out,
        "  [{}] --{}--> (lambda {}, {how})",
        w.name,
        rate(&w.rate),
        s.lambda_functions[f.index()].name
    );
}

/// A request class the ALB forwards to a Lambda target group.
pub(super) fn diagram_target_group(
    out: &mut String,
    s: &Scenario,
    class: &str,
    path: &str,
    tg: &TargetGroupSpec,
    f: FunctionId,
) {
    let _ = writeln!(
        out,
        "      {class} {path} --> [tg {}] --> (lambda {})",
        tg.name,
        s.lambda_functions[f.index()].name
    );
}

pub(crate) fn target_group(out: &mut String, s: &Scenario, tg: &TargetGroupSpec) {
    if let Some(f) = tg.lambda() {
        let _ = writeln!(
            out,
            "- target group `{}`: Lambda function `{}` (invoked synchronously; a throttle is a 503 from the ALB, a function error a 502; its processed bytes count 0.4 GB/h per LCU).",
            tg.name,
            s.lambda_functions[f.index()].name
        );
    }
}

/// The functions and the account's pools and scaling model.
pub(crate) fn components(out: &mut String, s: &Scenario) {
    if s.lambda_functions.is_empty() {
        return;
    }
    let unreserved = s.account.unreserved(&s.lambda_functions);
    for f in &s.lambda_functions {
        let pool = match f.reserved_concurrency {
            Some(r) => format!("its own pool of {r} (reserved concurrency)"),
            None => format!("the unreserved pool of {unreserved}"),
        };
        let _ = writeln!(
            out,
            "- Lambda function `{}`: {} MB {}, duration {}, timeout {}, error probability {}; {pool}; {} provisioned environment(s); cold start init {}; idle environments expire after {}.",
            f.name,
            f.memory_mb,
            f.architecture.name(),
            f.duration.describe(),
            f.timeout,
            f.error_probability,
            f.provisioned_concurrency,
            f.init.describe(),
            f.idle_expiry.describe()
        );
    }
    let _ = writeln!(
        out,
        "- Lambda account: concurrency {} ({} unreserved, at least {} kept), scaling {}.",
        s.account.concurrency,
        unreserved,
        s.account.unreserved_minimum,
        s.account.scaling.describe()
    );
    let init = if s.prices.lambda.init_billed {
        "billed as duration (AWS's rule since 1 Aug 2025; `pricing.lambda.init_billed: false` for the earlier one)"
    } else {
        "not billed (the rule before 1 Aug 2025, `pricing.lambda.init_billed: false`)"
    };
    let _ = writeln!(
        out,
        "- Lambda billing: a cold start's init phase is {init}."
    );
}

/// The `account` defaults not set in the file (when there are Lambda functions).
pub(crate) fn account_defaults(out: &mut String, s: &Scenario) {
    if s.lambda_functions.is_empty() {
        return;
    }
    defaults_of(out, &s.document["account"], "account", "account");
}
