//! Burstable instances' CPU credits in the world: per group, what its instances' credits did
//! (each instance's `CreditMeter`, gathered when a period or a cost period closes and when an
//! instance stops or terminates), the series `asg.GROUP.cpu_credit_balance` (the mean
//! balance per instance over the period, CloudWatch's `CPUCreditBalance`) and, in unlimited
//! mode, `asg.GROUP.cpu_surplus_credit_balance` (`CPUSurplusCreditBalance`), the credit
//! events (the throttle starts or ends, traced as `credits_exhausted` / `credits_restored`),
//! the surplus credits' cost per cost period, and each group's `CreditResult`.
//!
//! A group without a burstable type has no `GroupCredits`: nothing here runs for it.

use super::World;
use super::result::CreditResult;
use crate::ids::InstanceId;
use crate::metrics::{SeriesId, Statistic, TimeSeries};
use crate::model::autoscaling::GroupSpec;
use crate::model::credits::{CreditMeter, CreditMode, Transition, UNITS_PER_CREDIT};
use crate::scenario::Scenario;
use crate::trace::{Field, Kind};

/// Trace kind: a burstable instance in standard mode ran out of CPU credits: it runs at its baseline.
pub(in crate::sim) const CREDITS_EXHAUSTED: Kind = Kind::new("credits_exhausted");

/// Trace kind: a throttled burstable instance regained enough credits to run at full speed.
pub(in crate::sim) const CREDITS_RESTORED: Kind = Kind::new("credits_restored");

/// One burstable group's credit meters.
pub struct GroupCredits {
    /// `cpu_credit_balance`, and `cpu_surplus_credit_balance` in unlimited mode.
    balance_series: SeriesId,
    surplus_series: Option<SeriesId>,
    /// This metric period: the balance and surplus integrals and the instance time.
    period: CreditMeter,
    /// This cost period: surplus credits charged, in units.
    cost_charged: i64,
    /// USD per credit (the family's surplus price per vCPU-hour / 60).
    usd_per_credit: f64,
    /// Cost of each closed cost period.
    costs: Vec<f64>,
    /// Since the warm-up.
    throttled_ns: u64,
    charged: i64,
    spent: i64,
    exhausted: u64,
    restored: u64,
    first_exhausted_s: Option<f64>,
}

impl GroupCredits {
    /// The group's meters and series, if its type is burstable.
    pub fn register(s: &Scenario, g: &GroupSpec, series: &mut TimeSeries) -> Option<Self> {
        let spec = g.credits?;
        let prefix = format!("asg.{}", g.name);
        // Its region's table (the run's without `regions:`), as the bill's.
        let table = match g.azs.first() {
            Some(az) => s.regions.az_table(*az, &s.prices),
            None => &s.prices,
        };
        let price = table
            .ec2
            .surplus_credits_per_vcpu_hour
            .get(spec.family.name())
            .copied()
            .unwrap_or(0.0);
        Some(GroupCredits {
            balance_series: series
                .series(&format!("{prefix}.cpu_credit_balance"), Statistic::Average),
            surplus_series: (spec.mode == CreditMode::Unlimited).then(|| {
                series.series(
                    &format!("{prefix}.cpu_surplus_credit_balance"),
                    Statistic::Average,
                )
            }),
            period: CreditMeter::default(),
            cost_charged: 0,
            usd_per_credit: price / 60.0,
            costs: Vec::new(),
            throttled_ns: 0,
            charged: 0,
            spent: 0,
            exhausted: 0,
            restored: 0,
            first_exhausted_s: None,
        })
    }

    /// Adds what one instance's credits did (`counting`: past the warm-up).
    pub fn add(&mut self, m: CreditMeter, counting: bool) {
        self.period.balance_s += m.balance_s;
        self.period.surplus_s += m.surplus_s;
        self.period.alive_s += m.alive_s;
        self.cost_charged += m.charged;
        if counting {
            self.throttled_ns += m.throttled_ns;
            self.charged += m.charged;
            self.spent += m.spent;
        }
    }
}

impl World {
    /// Gathers every live burstable instance's credit meter into its group's.
    pub(super) fn flush_credits(&mut self) {
        if self.ec2.credits.iter().all(Option::is_none) {
            return;
        }
        let now = self.queue.now();
        let (credits, counting) = (&mut self.ec2.credits, self.counting);
        self.ec2.instances.for_each_live(|inst| {
            if let (Some(m), Some(c)) = (
                inst.take_credit_meter(now),
                credits[inst.group.index()].as_mut(),
            ) {
                c.add(m, counting);
            }
        });
    }

    /// A metric period ended (after `flush_credits`): each burstable group's balance series.
    pub(super) fn credit_period_ended(&mut self, start_s: f64) {
        for c in self.ec2.credits.iter_mut().flatten() {
            let p = std::mem::take(&mut c.period);
            let per_instance = |x: f64| if p.alive_s > 0.0 { x / p.alive_s } else { 0.0 };
            self.series
                .push(start_s, c.balance_series, per_instance(p.balance_s));
            if let Some(id) = c.surplus_series {
                self.series.push(start_s, id, per_instance(p.surplus_s));
            }
        }
    }

    /// A cost period closed: the surplus credits charged in it, priced.
    pub(super) fn credit_cost_period_closed(&mut self) {
        self.flush_credits();
        for c in self.ec2.credits.iter_mut().flatten() {
            let credits = std::mem::take(&mut c.cost_charged) as f64 / UNITS_PER_CREDIT as f64;
            c.costs.push(credits * c.usd_per_credit);
        }
    }

    /// Instance `id`'s credit event fired.
    pub(super) fn on_credits_changed(&mut self, id: InstanceId) {
        let inst = &mut self.ec2.instances[id.index()];
        let t = inst.on_credit_change(id, &mut self.queue);
        let (kind, g) = match t {
            Transition::Exhausted => (CREDITS_EXHAUSTED, inst.group),
            Transition::Restored => (CREDITS_RESTORED, inst.group),
            Transition::None => return,
        };
        let serial = inst.serial;
        let now = self.queue.now();
        if let Some(c) = self.ec2.credits[g.index()].as_mut()
            && self.counting
        {
            match t {
                Transition::Exhausted => {
                    c.exhausted += 1;
                    c.first_exhausted_s.get_or_insert(now.as_secs_f64());
                }
                _ => c.restored += 1,
            }
        }
        if let Some(tr) = self.tracer.as_deref_mut() {
            let name = &self.scenario.groups[g.index()].name;
            tr.emit(now, kind, name, None, &[("instance", Field::Int(serial))]);
        }
    }

    /// Each group's credit result, and the surplus credits' cost per cost period (the
    /// bill's `ec2_cpu_credits`, present when a group is unlimited), per region (in region
    /// order; one with one region).
    pub(super) fn credit_results(&mut self) -> (Vec<Option<CreditResult>>, Option<Vec<Vec<f64>>>) {
        let s = &*self.scenario;
        let regions = s.regions.tables.len().max(1);
        let mut bill: Option<Vec<Vec<f64>>> = None;
        let results = s
            .groups
            .iter()
            .zip(&self.ec2.credits)
            .enumerate()
            .map(|(g, (spec, c))| {
                let (cs, c) = (spec.credits?, c.as_ref()?);
                if cs.mode == CreditMode::Unlimited {
                    let b = bill.get_or_insert_with(|| vec![vec![0.0; c.costs.len()]; regions]);
                    let r = spec
                        .azs
                        .first()
                        .map_or(0, |az| s.regions.of_az(*az).index());
                    for (k, x) in c.costs.iter().enumerate() {
                        b[r.min(regions - 1)][k] += x;
                    }
                }
                let live: Vec<_> = self.ec2.groups[g]
                    .instances
                    .iter()
                    .filter_map(|&id| self.ec2.instances[id.index()].credits())
                    .collect();
                let mean = |f: &dyn Fn(&crate::model::credits::Credits) -> f64| {
                    if live.is_empty() {
                        0.0
                    } else {
                        live.iter().map(|c| f(c)).sum::<f64>() / live.len() as f64
                    }
                };
                let charged = c.charged as f64 / UNITS_PER_CREDIT as f64;
                Some(CreditResult {
                    family: cs.family.name(),
                    mode: cs.mode.name(),
                    baseline_percent: cs.baseline_per_mille as f64 / 10.0,
                    credits_per_hour: cs.credits_per_hour(),
                    max_credits: cs.max_credits(),
                    balance_end: mean(&|c| c.balance_credits()),
                    surplus_balance_end: mean(&|c| c.surplus_credits()),
                    throttled_instance_s: c.throttled_ns as f64 * 1e-9,
                    throttled_at_end: live.iter().filter(|c| c.throttled()).count() as u32,
                    exhausted: c.exhausted,
                    restored: c.restored,
                    first_exhausted_s: c.first_exhausted_s,
                    credits_spent: c.spent as f64 / UNITS_PER_CREDIT as f64,
                    surplus_credits_charged: charged,
                    surplus_usd: charged * c.usd_per_credit,
                })
            })
            .collect();
        (results, bill)
    }
}
