//! An ECS service's EC2 capacity provider (`launch_type: ec2`, `capacity_provider:`,
//! `placement:`): the task's size as ECS accepts it on EC2, the provider's group and managed
//! scaling, resolved into `model::ecs::capacity::CapacityProvider`; then, once the groups are
//! resolved, each provider checked against its group (a task must fit on one instance) and
//! managed scaling's target tracking policy attached to the group. The rules and sources are
//! in `model::ecs::capacity` and `docs/models/ecs.md`.

use super::raw::RawPolicy;
use super::resolve::{Ctx, reference};
use super::top_level::Resolved;
use super::units::Dur;
use crate::model::autoscaling::GroupSpec;
use crate::model::ecs::EcsServiceSpec;
use crate::model::ecs::capacity::{
    CapacityProvider, DEFAULT_INSTANCE_WARMUP, DEFAULT_MAX_STEP, DEFAULT_MIN_STEP,
    DEFAULT_TARGET_CAPACITY, ManagedScaling, Placement, RESERVATION_METRIC,
};
use crate::model::ecs::size::{memory_text, vcpu_text};
use crate::model::scaling_policy::PolicyKind;
use schemars::JsonSchema;
use serde::Deserialize;

/// The capacity provider of a service on EC2 (an Auto Scaling group capacity provider).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCapacityProvider {
    /// The Auto Scaling group whose instances run the tasks.
    pub group: String,
    /// Managed scaling (default true): ECS scales the group to keep
    /// `CapacityProviderReservation` at `target_capacity`.
    pub managed_scaling: Option<bool>,
    /// `targetCapacity`, 1-100 (default 100: no spare instance).
    pub target_capacity: Option<u32>,
    /// Instances a scale-out adds at least (default 1) and at most (default 10000).
    pub minimum_scaling_step_size: Option<u32>,
    pub maximum_scaling_step_size: Option<u32>,
    /// How long a new instance takes to count in the group's metrics (default 300s).
    pub instance_warmup_period: Option<Dur>,
    /// Managed termination protection (default false, as on AWS): an instance running a task
    /// is protected from scale-in.
    pub managed_termination_protection: Option<bool>,
}

/// A task placement strategy.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum RawPlacement {
    /// Spread across AZs, then across instances (ECS's default for a service is the AZ spread).
    SpreadAz,
    /// Spread across AZs, then bin pack on memory.
    SpreadAzBinpackMemory,
    BinpackMemory,
    BinpackCpu,
}

/// The highest task-level CPU on EC2: 196,608 units (192 vCPU); the lowest 128
/// (RegisterTaskDefinition's `cpu`,
/// https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RegisterTaskDefinition.html).
const EC2_CPU: std::ops::RangeInclusive<u32> = 128..=196_608;

/// A task's size on EC2 in CPU units and MiB: 128 to 196,608 units; a task of more than one
/// vCPU takes whole vCPUs (our restriction: a task is a server of whole cores or one core at
/// a fraction, `model::ecs::size::server_of`); memory at least 6 MiB (Docker's minimum).
pub(super) fn ec2_task_size(
    ctx: &mut Ctx,
    path: &str,
    (cpu, memory_gb): (f64, f64),
) -> Option<(u32, u32)> {
    let units = cpu * 1024.0;
    let mib = memory_gb * 1024.0;
    let mut ok = true;
    if !(units.is_finite()
        && units.fract() == 0.0
        && EC2_CPU.contains(&(units.clamp(0.0, 1e6) as u32))
        && (units < 1024.0 || units % 1024.0 == 0.0))
    {
        ctx.err(
            &format!("{path}.cpu"),
            format!(
                "expected a task CPU on EC2 of 0.125 to 192 vCPU in 1/1024 steps below 1 vCPU and whole vCPUs above, got {cpu}"
            ),
        );
        ok = false;
    }
    if !(mib.is_finite() && mib.fract() == 0.0 && (6.0..=1e8).contains(&mib)) {
        ctx.err(
            &format!("{path}.memory_gb"),
            format!("expected a memory size in GB of whole MiB, at least 6 MiB, got {memory_gb}"),
        );
        ok = false;
    }
    ok.then_some((units as u32, mib as u32))
}

/// The service's capacity provider, its group resolved by name; the instance's size is
/// filled in by `attach` once the groups are resolved.
pub(super) fn resolve_provider(
    ctx: &mut Ctx,
    path: &str,
    raw: &RawCapacityProvider,
    placement: Option<RawPlacement>,
    done: &Resolved,
) -> Option<CapacityProvider> {
    let cpath = format!("{path}.capacity_provider");
    let group = reference(
        ctx,
        &format!("{cpath}.group"),
        done.groups,
        "auto scaling group",
        "auto_scaling_groups",
        &raw.group,
    );
    let target = raw.target_capacity.unwrap_or(DEFAULT_TARGET_CAPACITY);
    if !(1..=100).contains(&target) {
        ctx.err(
            &format!("{cpath}.target_capacity"),
            format!("expected 1..100 (percent), got {target}"),
        );
    }
    let min_step = raw.minimum_scaling_step_size.unwrap_or(DEFAULT_MIN_STEP);
    let max_step = raw.maximum_scaling_step_size.unwrap_or(DEFAULT_MAX_STEP);
    for (key, v) in [
        ("minimum_scaling_step_size", min_step),
        ("maximum_scaling_step_size", max_step),
    ] {
        if !(1..=10_000).contains(&v) {
            ctx.err(
                &format!("{cpath}.{key}"),
                format!("expected 1..10000, got {v}"),
            );
        }
    }
    if min_step > max_step {
        ctx.err(
            &format!("{cpath}.minimum_scaling_step_size"),
            format!(
                "minimum_scaling_step_size ({min_step}) must not exceed maximum_scaling_step_size ({max_step})"
            ),
        );
    }
    let warmup = raw
        .instance_warmup_period
        .map_or(DEFAULT_INSTANCE_WARMUP, |d| d.0);
    if warmup.as_secs_f64() > 10_000.0 {
        ctx.err(
            &format!("{cpath}.instance_warmup_period"),
            format!("expected 0s..10000s, got {warmup}"),
        );
    }
    let managed = raw.managed_scaling.unwrap_or(true);
    let protection = raw.managed_termination_protection.unwrap_or(false);
    if protection && !managed {
        // "When you use managed termination protection, you must also use managed scaling."
        ctx.err(
            &format!("{cpath}.managed_termination_protection"),
            "managed termination protection needs managed scaling (`managed_scaling: true`)",
        );
    }
    Some(CapacityProvider {
        group: group?,
        instance_cpu: 0,
        instance_memory_mib: 0,
        placement: match placement.unwrap_or(RawPlacement::SpreadAz) {
            RawPlacement::SpreadAz => Placement::SpreadAz,
            RawPlacement::SpreadAzBinpackMemory => Placement::SpreadAzBinpackMemory,
            RawPlacement::BinpackMemory => Placement::BinpackMemory,
            RawPlacement::BinpackCpu => Placement::BinpackCpu,
        },
        managed_scaling: managed.then_some(ManagedScaling {
            target_capacity: target,
            min_step,
            max_step,
            instance_warmup: warmup,
        }),
        termination_protection: protection,
    })
}

/// Checks each provider against its group, fills in what an instance offers and attaches
/// managed scaling's target tracking policy (on `CapacityProviderReservation` at the target
/// capacity, with the instance warm-up) to the group.
pub(super) fn attach(ctx: &mut Ctx, groups: &mut [GroupSpec], services: &mut [EcsServiceSpec]) {
    let mut owner: Vec<Option<String>> = vec![None; groups.len()];
    for e in services.iter_mut() {
        let Some(p) = &mut e.capacity else { continue };
        let path = format!("ecs_services.{}", e.name);
        let g = &mut groups[p.group.index()];
        if let Some(other) = owner[p.group.index()].replace(e.name.clone()) {
            ctx.err(
                &format!("{path}.capacity_provider.group"),
                format!(
                    "group `{}` is already the capacity provider of the service `{other}` (one service per capacity provider is modeled)",
                    g.name
                ),
            );
        }
        p.instance_cpu = g.vcpus * 1024;
        p.instance_memory_mib = (g.memory_gib * 1024.0).round() as u32;
        let (cpu, memory) = (e.tasks.cpu, e.tasks.memory_mib);
        let host = format!(
            "an instance of group `{}` ({} vCPU, {})",
            g.name,
            g.vcpus,
            memory_text(p.instance_memory_mib)
        );
        if cpu > p.instance_cpu {
            ctx.err(
                &format!("{path}.cpu"),
                format!(
                    "a task of {} vCPU fits on no instance: {host} has fewer CPU units",
                    vcpu_text(cpu)
                ),
            );
        }
        if memory > p.instance_memory_mib {
            ctx.err(
                &format!("{path}.memory_gb"),
                format!(
                    "a task of {} fits on no instance: {host} has less memory",
                    memory_text(memory)
                ),
            );
        }
        let Some(m) = p.managed_scaling else { continue };
        if g.policies
            .iter()
            .any(|p| !matches!(p.kind, PolicyKind::Scheduled { .. }))
        {
            ctx.err(
                &format!("{path}.capacity_provider.managed_scaling"),
                format!(
                    "group `{}` has scaling policies of its own; managed scaling attaches its target tracking policy to the group: remove them, or set `managed_scaling: false`",
                    g.name
                ),
            );
        }
        let policy = RawPolicy::TargetTracking {
            name: Some("ECSManagedAutoScalingPolicy".into()),
            metric: format!("custom:{RESERVATION_METRIC}"),
            target: m.target_capacity as f64,
            warmup: Some(Dur(m.instance_warmup)),
            disable_scale_in: None,
            scale_in_cooldown: None,
            scale_out_datapoints: None,
            scale_in_datapoints: None,
            scale_in_ratio: None,
        };
        let policies = super::resolve_scaling::resolve_policies(ctx, &path, &[policy]);
        g.policies.extend(policies.unwrap_or_default());
    }
}
