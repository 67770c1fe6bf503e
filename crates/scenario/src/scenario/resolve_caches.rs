//! Validation of caches: hit ratio, capacity, the primary's AZ and an optional replica that is
//! promoted when the primary is lost. A cache becomes an entry of the database table with a
//! hit ratio (it shares the database's connections and failover model).

use super::raw::RawCache;
use super::resolve::Ctx;
use super::resolve_faults::DEFAULT_ENGINE_CAPACITY;
use super::resolve_workload::resolve_dist;
use crate::dist::Dist;
use crate::ids::AzId;
use crate::model::database::DatabaseSpec;
use std::collections::BTreeMap;

pub(super) fn resolve_caches(
    ctx: &mut Ctx,
    caches: &BTreeMap<String, RawCache>,
) -> Vec<DatabaseSpec> {
    let mut out = Vec::new();
    for (name, c) in caches {
        let path = format!("caches.{name}");
        if !(0.0..=1.0).contains(&c.hit_ratio) {
            ctx.err(
                &format!("{path}.hit_ratio"),
                format!("expected a fraction in [0, 1], got {}", c.hit_ratio),
            );
        }
        let engine_capacity = c.engine_capacity.unwrap_or(DEFAULT_ENGINE_CAPACITY);
        if engine_capacity == 0 {
            ctx.err(
                &format!("{path}.engine_capacity"),
                "expected at least 1 lookup at once",
            );
        }
        let az = match &c.az {
            Some(a) => ctx.az(&format!("{path}.az"), a),
            None if ctx.azs.is_empty() => {
                ctx.err(
                    &format!("{path}.az"),
                    "a cache needs an AZ: declare `azs` in the scenario",
                );
                None
            }
            None => Some(AzId(0)),
        };
        let replica = c
            .replica_az
            .as_ref()
            .and_then(|r| ctx.az(&format!("{path}.replica_az"), r));
        if replica.is_some() && replica == az {
            ctx.err(
                &format!("{path}.replica_az"),
                "expected an AZ other than the primary's",
            );
        }
        let promotion_time = match &c.promotion_time {
            Some(d) => resolve_dist(ctx, &format!("{path}.promotion_time"), d),
            None => Some(Dist::Uniform {
                min_ns: 5e9,
                span_ns: 10e9,
            }),
        };
        if let (Some(az), Some(failover_time)) = (az, promotion_time) {
            out.push(DatabaseSpec {
                name: name.clone(),
                engine_capacity,
                multi_az: replica.is_some(),
                az,
                standby_az: replica,
                failover_time,
                instance_class: String::new(),
                hit_ratio: Some(c.hit_ratio),
            });
        }
    }
    out
}
