//! Each region's price table (`docs/models/regions.md`, "Prices per region"): a region
//! Stratus has a table for (`cost::prices::REGION_TABLES`: eu-west-1) is priced by it;
//! any other region by the run's table (the shipped us-east-1 one, or `--prices`, with the
//! scenario's `pricing:`) with its EC2 and ALB prices times the region's
//! `price_multiplier`. A region's own `pricing:` overrides entries of its table, as the
//! scenario's `pricing:` does the run's. Only with `regions:` declared: a scenario with `azs`
//! has the run's table alone.

use super::regions::RawRegion;
use super::resolve::{Ctx, checked_table, run_table};
use crate::cost::PriceTable;
use crate::model::autoscaling::GroupSpec;
use crate::model::region::Regions;
use std::collections::BTreeMap;

/// What the regions' tables are resolved from.
pub(super) struct Parts<'a> {
    pub raw: &'a BTreeMap<String, RawRegion>,
    /// The run's table: its `--prices` file, its `pricing:`.
    pub run: (Option<&'a serde_json::Value>, Option<&'a serde_json::Value>),
    /// The auto scaling groups, whose instance types each region's table must price.
    pub groups: &'a [GroupSpec],
    /// The databases and caches, whose RDS instance classes and ElastiCache node types their
    /// region's table must price (with several regions, each region's table bills its own).
    pub databases: &'a [crate::model::database::DatabaseSpec],
}

/// Sets `regions.tables` (one per region, in region order) when the scenario declares
/// regions; reports a multiplier given to a region with a table of its own, a bad
/// `pricing:`, and an instance type a group's region's table has no price for.
pub(super) fn resolve(ctx: &mut Ctx, parts: &Parts, run: &PriceTable, regions: &mut Regions) {
    if parts.raw.is_empty() {
        return;
    }
    let mut tables = Vec::new();
    for (name, raw) in parts.raw {
        let path = format!("regions.{name}");
        let table = match crate::cost::prices::region_table(name) {
            Some(text) => {
                if raw.price_multiplier.is_some() {
                    ctx.err(
                        &format!("{path}.price_multiplier"),
                        format!(
                            "`{name}` has a price table of its own (prices/{name}.yaml); a \
                             multiplier applies only to a region without one: change its \
                             prices with `{path}.pricing`"
                        ),
                    );
                }
                serde_yaml_ng::from_str(text).expect("a built-in region table is YAML")
            }
            None => {
                let mut t = run_table(parts.run.0);
                if let Some(p) = parts.run.1 {
                    crate::cost::prices::deep_merge(&mut t, p);
                }
                scale(&mut t, raw.price_multiplier.unwrap_or(1.0));
                t
            }
        };
        let at = format!("{path}.pricing");
        let before = ctx.problems.len();
        let parsed = checked_table(ctx, table, raw.pricing.as_ref(), &at, &at);
        tables.push(parsed.filter(|_| ctx.problems.len() == before));
    }
    let tables: Vec<PriceTable> = tables
        .into_iter()
        .map(|t| t.unwrap_or_else(|| run.clone()))
        .collect();
    for g in parts.groups {
        let (Some(t), Some(az)) = (&g.instance_type, g.azs.first()) else {
            continue;
        };
        let r = regions.of_az(*az);
        if tables[r.index()].ec2_hourly(Some(t), g.vcpus).is_none() {
            let region = &regions.regions[r.index()].name;
            ctx.err(
                &format!("auto_scaling_groups.{}.instance.type", g.name),
                format!(
                    "{region}'s price table has no price for `{t}`; add it under \
                     `regions.{region}.pricing.ec2.per_hour`"
                ),
            );
        }
    }
    check_databases(ctx, parts.databases, &tables, regions);
    regions.tables = tables;
}

/// Each database's instance class and each ElastiCache cluster's node type, in its region's
/// table (of its primary's AZ): a region's table bills its own databases and caches, and a
/// figure it lacks is refused rather than billed at another region's price.
fn check_databases(
    ctx: &mut Ctx,
    databases: &[crate::model::database::DatabaseSpec],
    tables: &[PriceTable],
    regions: &Regions,
) {
    for d in databases {
        let r = regions.of_az(d.az);
        let (table, region) = (&tables[r.index()], &regions.regions[r.index()].name);
        if let Some(e) = &d.elasticache {
            let priced = (table.section::<crate::model::elasticache::prices::ElastiCachePrices>())
                .is_some_and(|p| p.per_node_hour.contains_key(&e.node_type));
            if !priced {
                ctx.err(
                    &format!("caches.{}.node_type", d.name),
                    format!(
                        "{region}'s price table has no ElastiCache price for `{}`; add it \
                         under `regions.{region}.pricing.elasticache.per_node_hour`",
                        e.node_type
                    ),
                );
            }
        } else if d.hit_ratio.is_none() && !table.rds.per_hour.contains_key(&d.instance_class) {
            ctx.err(
                &format!("databases.{}.instance", d.name),
                format!(
                    "{region}'s price table has no RDS price for `{}`; add it under \
                     `regions.{region}.pricing.rds.per_hour`",
                    d.instance_class
                ),
            );
        }
    }
}

/// A region without a table of its own: the run's EC2 instance-hour and ALB (hourly fee and
/// LCU) prices times its multiplier (our approximation: AWS prices differ per region and per
/// item, usually within 5-30% of us-east-1).
fn scale(table: &mut serde_json::Value, m: f64) {
    if m == 1.0 {
        return;
    }
    let times = |v: Option<&mut serde_json::Value>| {
        if let Some(v) = v
            && let Some(x) = v.as_f64()
        {
            *v = serde_json::json!(x * m);
        }
    };
    if let Some(per_hour) = table
        .pointer_mut("/ec2/per_hour")
        .and_then(|v| v.as_object_mut())
    {
        per_hour.values_mut().for_each(|v| times(Some(v)));
    }
    times(table.pointer_mut("/ec2/per_vcpu_hour"));
    times(table.pointer_mut("/alb/per_hour"));
    times(table.pointer_mut("/alb/per_lcu_hour"));
}
