//! Validation of scaling policies into `model::scaling_policy` types.

use super::raw::{RawPolicy, RawStep};
use super::resolve::Ctx;
use crate::kernel::SimTime;
use crate::model::cloudwatch::{Alarm, Comparison};
use crate::model::scaling_policy::{Adjustment, MetricRef, PolicyKind, PolicySpec, Step};

const METRICS: &str = "cpu, request_count_per_target or custom:NAME";

fn metric(ctx: &mut Ctx, path: &str, name: &str) -> Option<MetricRef> {
    match name {
        "cpu" => Some(MetricRef::Cpu),
        "request_count_per_target" => Some(MetricRef::RequestCountPerTarget),
        custom if custom.starts_with("custom:") && custom.len() > 7 => {
            Some(MetricRef::Custom(custom[7..].to_string()))
        }
        other => {
            let hint = super::did_you_mean(other, &["cpu", "request_count_per_target"]);
            ctx.err(
                &format!("{path}.metric"),
                format!("unknown metric `{other}`{hint}; expected {METRICS}"),
            );
            None
        }
    }
}

/// One adjustment from `add`/`remove`/`set`/`percent` (exactly one).
fn adjustment(
    ctx: &mut Ctx,
    path: &str,
    add: Option<u32>,
    remove: Option<u32>,
    set: Option<u32>,
    percent: Option<f64>,
    min: u32,
) -> Option<Adjustment> {
    let given = [
        add.is_some(),
        remove.is_some(),
        set.is_some(),
        percent.is_some(),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if given != 1 {
        ctx.err(
            path,
            "expected exactly one of `add`, `remove`, `set`, `percent`",
        );
        return None;
    }
    Some(match (add, remove, set, percent) {
        (Some(n), ..) => Adjustment::Change(n as i64),
        (_, Some(n), ..) => Adjustment::Change(-(n as i64)),
        (_, _, Some(n), _) => Adjustment::Exact(n),
        (.., Some(p)) => Adjustment::Percent { percent: p, min },
        _ => unreachable!("exactly one is given"),
    })
}

fn threshold(
    ctx: &mut Ctx,
    path: &str,
    above: Option<f64>,
    below: Option<f64>,
) -> Option<(Comparison, f64)> {
    match (above, below) {
        (Some(a), None) => Some((Comparison::GreaterThan, a)),
        (None, Some(b)) => Some((Comparison::LessThan, b)),
        _ => {
            ctx.err(path, "expected exactly one of `above` or `below`");
            None
        }
    }
}

fn datapoints(ctx: &mut Ctx, path: &str, n: Option<u32>, m: Option<u32>) -> (u32, u32) {
    let n = n.unwrap_or(1);
    let m = m.unwrap_or(n);
    if n == 0 || m == 0 || m > n {
        ctx.err(
            &format!("{path}.datapoints_to_alarm"),
            format!("expected 1 <= datapoints_to_alarm ({m}) <= evaluation_periods ({n})"),
        );
    }
    (n, m)
}

pub(super) fn resolve_policies(
    ctx: &mut Ctx,
    group_path: &str,
    raw: &[RawPolicy],
) -> Option<Vec<PolicySpec>> {
    let before = ctx.problems.len();
    let mut out = Vec::new();
    for (i, p) in raw.iter().enumerate() {
        let path = format!("{group_path}.policies[{i}]");
        let alarm = |comparison, threshold, (n, m): (u32, u32)| Alarm {
            comparison,
            threshold,
            evaluation_periods: n,
            datapoints_to_alarm: m,
            delay: 0,
        };
        let spec = match p {
            RawPolicy::Simple {
                name,
                metric: m,
                above,
                below,
                add,
                remove,
                set,
                percent,
                min_adjustment,
                cooldown,
                evaluation_periods,
                datapoints_to_alarm,
            } => {
                let metric = metric(ctx, &path, m);
                let th = threshold(ctx, &path, *above, *below);
                let adj = adjustment(
                    ctx,
                    &path,
                    *add,
                    *remove,
                    *set,
                    *percent,
                    min_adjustment.unwrap_or(1),
                );
                let dp = datapoints(ctx, &path, *evaluation_periods, *datapoints_to_alarm);
                min_adjustment_applies(ctx, &path, *min_adjustment, [*percent].into_iter());
                match (metric, th, adj) {
                    (Some(metric), Some((c, t)), Some(adjustment)) => Some(PolicySpec {
                        name: name.clone().unwrap_or_else(|| format!("simple-{i}")),
                        metric: Some(metric),
                        kind: PolicyKind::Simple {
                            alarm: alarm(c, t, dp),
                            adjustment,
                            cooldown: cooldown.map_or(SimTime::from_secs(300), |d| d.0),
                        },
                    }),
                    _ => None,
                }
            }
            RawPolicy::Step {
                name,
                metric: m,
                adjustments,
                warmup,
                evaluation_periods,
                datapoints_to_alarm,
                min_adjustment,
            } => {
                let metric = metric(ctx, &path, m);
                let dp = datapoints(ctx, &path, *evaluation_periods, *datapoints_to_alarm);
                min_adjustment_applies(
                    ctx,
                    &path,
                    *min_adjustment,
                    adjustments.iter().map(|s| s.percent),
                );
                let steps = resolve_steps(ctx, &path, adjustments, min_adjustment.unwrap_or(1));
                match (metric, steps) {
                    (Some(metric), Some((c, steps))) => {
                        let bound = match c {
                            Comparison::GreaterThan => {
                                steps.iter().map(|s| s.bound).fold(f64::INFINITY, f64::min)
                            }
                            _ => steps
                                .iter()
                                .map(|s| s.bound)
                                .fold(f64::NEG_INFINITY, f64::max),
                        };
                        let c = if c == Comparison::GreaterThan {
                            Comparison::GreaterOrEqual
                        } else {
                            Comparison::LessOrEqual
                        };
                        Some(PolicySpec {
                            name: name.clone().unwrap_or_else(|| format!("step-{i}")),
                            metric: Some(metric),
                            kind: PolicyKind::Step {
                                alarm: alarm(c, bound, dp),
                                steps,
                                warmup: warmup.map_or(SimTime::from_secs(300), |d| d.0),
                            },
                        })
                    }
                    _ => None,
                }
            }
            RawPolicy::TargetTracking {
                name,
                metric: m,
                target,
                warmup,
                disable_scale_in,
                scale_in_cooldown,
                scale_out_datapoints,
                scale_in_datapoints,
                scale_in_ratio,
            } => {
                if scale_in_cooldown.is_some() {
                    ctx.err(
                        &format!("{path}.scale_in_cooldown"),
                        "EC2 Auto Scaling target tracking has no scale-in cooldown (AWS ignores \
                         it for Auto Scaling groups); scale-in instead waits until new \
                         instances finish warming up (`warmup`): remove the key",
                    );
                }
                let metric = metric(ctx, &path, m);
                if !(target.is_finite() && *target > 0.0) {
                    ctx.err(
                        &format!("{path}.target"),
                        format!("expected a positive target, got {target}"),
                    );
                }
                let ratio = scale_in_ratio.unwrap_or(0.9);
                if !(0.5..=1.0).contains(&ratio) {
                    ctx.err(
                        &format!("{path}.scale_in_ratio"),
                        format!("expected 0.5..1 (AWS uses about 0.9), got {ratio}"),
                    );
                }
                let out_n = scale_out_datapoints.unwrap_or(3).max(1);
                let in_n = scale_in_datapoints.unwrap_or(15).max(1);
                metric.map(|metric| PolicySpec {
                    name: name
                        .clone()
                        .unwrap_or_else(|| format!("target-tracking-{i}")),
                    metric: Some(metric),
                    kind: PolicyKind::TargetTracking {
                        target: *target,
                        warmup: warmup.map_or(SimTime::from_secs(300), |d| d.0),
                        disable_scale_in: disable_scale_in.unwrap_or(false),
                        high: alarm(Comparison::GreaterThan, *target, (out_n, out_n)),
                        low: alarm(Comparison::LessThan, ratio * target, (in_n, in_n)),
                    },
                })
            }
            RawPolicy::Scheduled {
                name,
                at,
                every,
                min,
                max: pmax,
                desired,
            } => {
                if min.is_none() && pmax.is_none() && desired.is_none() {
                    ctx.err(
                        &path,
                        "a scheduled action sets at least one of `min`, `max`, `desired`",
                    );
                }
                if let (Some(a), Some(b)) = (min, pmax)
                    && a > b
                {
                    ctx.err(
                        &format!("{path}.min"),
                        format!("min ({a}) must not exceed max ({b})"),
                    );
                }
                if every.is_some_and(|e| e.0 < SimTime::from_secs(60)) {
                    ctx.err(
                        &format!("{path}.every"),
                        "expected at least 1m between recurrences",
                    );
                }
                Some(PolicySpec {
                    name: name.clone().unwrap_or_else(|| format!("scheduled-{i}")),
                    metric: None,
                    kind: PolicyKind::Scheduled {
                        at: at.0,
                        every: every.map(|d| d.0),
                        min: *min,
                        max: *pmax,
                        desired: *desired,
                    },
                })
            }
        };
        if let Some(s) = spec {
            out.push(s);
        }
    }
    (ctx.problems.len() == before).then_some(out)
}

/// `min_adjustment` (AWS's MinAdjustmentMagnitude) is valid only with percent adjustments
/// (PutScalingPolicy: "Valid only if the adjustment type is PercentChangeInCapacity") and
/// must be at least 1.
fn min_adjustment_applies(
    ctx: &mut Ctx,
    path: &str,
    min: Option<u32>,
    mut percents: impl Iterator<Item = Option<f64>>,
) {
    let Some(min) = min else { return };
    if min == 0 {
        ctx.err(
            &format!("{path}.min_adjustment"),
            "expected at least 1 instance",
        );
    } else if !percents.any(|p| p.is_some()) {
        ctx.err(
            &format!("{path}.min_adjustment"),
            "applies only to `percent` adjustments (AWS: PercentChangeInCapacity); this \
             policy has none",
        );
    }
}

/// Steps all above (scale-out) or all below (scale-in) their bounds; percent steps change by
/// at least `min` instances.
fn resolve_steps(
    ctx: &mut Ctx,
    path: &str,
    raw: &[RawStep],
    min: u32,
) -> Option<(Comparison, Vec<Step>)> {
    if raw.is_empty() {
        ctx.err(
            &format!("{path}.adjustments"),
            "expected at least one step, e.g. `{above: 60, add: 1}`",
        );
        return None;
    }
    let mut direction = None;
    let mut steps = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        let spath = format!("{path}.adjustments[{i}]");
        let (c, bound) = threshold(ctx, &spath, s.above, s.below)?;
        if direction.is_some_and(|d| d != c) {
            ctx.err(
                &spath,
                "all steps of a policy go one way: all `above` or all `below`",
            );
            return None;
        }
        direction = Some(c);
        let adjustment = adjustment(ctx, &spath, s.add, s.remove, s.set, s.percent, min)?;
        steps.push(Step { bound, adjustment });
    }
    Some((direction?, steps))
}
