//! A group's CPU credit keys (`credit_specification`, `initial_credits`) into its
//! `CreditSpec`: only burstable types take them (EC2 refuses a credit specification for
//! other types: "The credit option for CPU usage of a T instance",
//! https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreditSpecificationRequest.html),
//! and every burstable group gets its family's default mode.

use super::raw::RawGroup;
use super::resolve::Ctx;
use crate::model::credits::{Burstable, CreditMode, CreditSpec};

/// `Ok(None)`: not a burstable type; `Err`: a problem was reported.
pub(super) fn resolve_credits(
    ctx: &mut Ctx,
    path: &str,
    g: &RawGroup,
    burstable: Option<Burstable>,
    vcpus: u32,
) -> Result<Option<CreditSpec>, ()> {
    let Some(b) = burstable else {
        let mut ok = true;
        for (key, given) in [
            ("credit_specification", g.credit_specification.is_some()),
            ("initial_credits", g.initial_credits.is_some()),
        ] {
            if given {
                ctx.err(
                    &format!("{path}.{key}"),
                    "only burstable instance types (t2, t3, t3a, t4g) have CPU credits; remove it or use a burstable `instance.type`",
                );
                ok = false;
            }
        }
        return if ok { Ok(None) } else { Err(()) };
    };
    let mut ok = true;
    let mode = match g.credit_specification.as_deref() {
        None => b.family.default_mode(),
        Some(m) => CreditMode::parse(m).unwrap_or_else(|| {
            let hint = super::did_you_mean(m, &["standard", "unlimited"]);
            ctx.err(
                &format!("{path}.credit_specification"),
                format!("unknown credit option `{m}`{hint}; expected `standard` or `unlimited`"),
            );
            ok = false;
            b.family.default_mode()
        }),
    };
    let mut spec = CreditSpec {
        family: b.family,
        vcpus,
        baseline_per_mille: b.baseline_per_mille,
        mode,
        initial_credits: None,
    };
    if let Some(c) = g.initial_credits {
        let max = spec.max_credits();
        if !(c.is_finite() && (0.0..=max).contains(&c)) {
            ctx.err(
                &format!("{path}.initial_credits"),
                format!("expected 0..{max} credits (24 hours of earning for this type), got {c}"),
            );
            ok = false;
        }
        spec.initial_credits = Some(c);
    }
    if ok { Ok(Some(spec)) } else { Err(()) }
}
