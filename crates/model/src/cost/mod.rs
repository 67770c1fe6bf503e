//! What a run would cost on AWS: a price table, the billing rules of each service, and the
//! accounting that turns a run's usage into `cost_usd` (total, by service, per period).
//!
//! Costs are computed per metric period over the whole run (the time series), and the summary
//! totals cover the accounted window after the warm-up, like every other summary figure. Hourly
//! dimensions (ALB LCUs, and the ALB's hourly fee, a started hour billed in full) are computed
//! per clock hour. Each service has two views of its cost per period: what accrued in it (an
//! hour's ALB fee spread over the hour's periods by seconds), from which the totals are taken
//! so that a warm-up cuts a started hour's fee in proportion, and what was billed in it (the
//! fee whole, in the period holding the hour's start), which is the `cost_usd` series. Over
//! the whole run both add up to the same total.

pub mod billing;
pub mod prices;
pub mod regional;

use billing::AlbActivity;
pub use prices::PriceTable;
use std::collections::BTreeMap;

/// One instance's running time, as EC2 bills it: from the `running` state (the end of
/// `pending`), not from the launch request.
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceRun {
    pub hourly_usd: f64,
    /// When it entered `running`: billing starts here.
    pub running_s: f64,
    /// Termination, or the end of the run.
    pub stop_s: f64,
    /// Its region (an index into the scenario's regions; 0 with one region).
    pub region: usize,
}

/// Everything the run used that costs money, per metric period where it varies.
#[derive(Clone, Debug, Default)]
pub struct Usage {
    pub duration_s: f64,
    pub warmup_s: f64,
    pub period_s: f64,
    pub instances: Vec<InstanceRun>,
    /// Per load balancer, per period (`seconds` is the period's length).
    pub load_balancers: Vec<Vec<AlbActivity>>,
    /// Per load balancer, Lambda function and API: its region (an index into the
    /// scenario's regions; none given: the first). Only `regional::price_by_region` reads them.
    pub load_balancer_regions: Vec<usize>,
    pub lambda_regions: Vec<usize>,
    pub api_gateway_regions: Vec<usize>,
    pub nat_gateways: u32,
    /// Bytes through NAT gateways, per period.
    pub nat_bytes: Vec<f64>,
    /// Bytes that crossed AZs (database and cache calls), per period.
    pub inter_az_bytes: Vec<f64>,
    /// Bytes each way of calls between regions, per period.
    pub inter_region_bytes: Vec<f64>,
    /// Bytes out of the region to other regions (one direction), per period: a region's
    /// part of `inter_region_bytes` (`regional::RegionMeters`); empty in a whole run's usage.
    pub inter_region_out_bytes: Vec<f64>,
    /// Per Lambda function, per period: requests, billed duration, provisioned concurrency.
    pub lambda: Vec<Vec<billing::LambdaUsage>>,
    /// Billed SQS requests (calls and 64 KB chunks) of all queues, per period; empty when
    /// the scenario has no queue.
    pub sqs_requests: Vec<f64>,
    /// RDS databases, running for the whole run.
    pub databases: Vec<DatabaseRun>,
    /// Services that price their own usage from the table (`dynamodb`, ...): their cost
    /// per period, under the name `cost_usd.by_service` shows.
    pub priced: BTreeMap<&'static str, Vec<f64>>,
    /// Services that price their own usage from each region's table, with several regions:
    /// per region, their cost per period (instead of an entry in `priced`).
    pub priced_by_region: BTreeMap<&'static str, Vec<Vec<f64>>>,
    /// Per API Gateway API, per period.
    pub api_gateways: Vec<Vec<billing::ApiGatewayUsage>>,
    /// With several regions: NAT gateways, data transfer and SQS requests metered per region
    /// (in region order), priced by each region's table instead of the whole-run fields
    /// above; empty with one region.
    pub by_region: Vec<regional::RegionMeters>,
}

/// An RDS database instance (a Multi-AZ one bills its standby too).
#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseRun {
    pub class: String,
    pub multi_az: bool,
    /// Its region (of its primary's AZ; an index into the scenario's regions, 0 with one).
    pub region: usize,
}

/// Costs in USD.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Breakdown {
    /// Over the accounted window (after the warm-up).
    pub total: f64,
    pub by_service: BTreeMap<String, f64>,
    /// What was billed in each period over the whole run, all services: an hourly fee whole,
    /// in the period holding the start of its hour. Sums to `total` when there is no warm-up.
    pub per_period: Vec<f64>,
    /// With several regions (`regional::price_by_region`): each region's part, by name, and
    /// the part no region's table prices (`not_by_region`); empty with one region.
    pub by_region: BTreeMap<String, RegionBill>,
    pub not_by_region: Option<RegionBill>,
}

/// A region's part of the bill (or the part of no region), over the accounted window.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct RegionBill {
    pub total: f64,
    pub by_service: BTreeMap<String, f64>,
}

impl Usage {
    /// `by_region`, with at least `n` regions' meters (services fill in their parts).
    pub fn meters(&mut self, n: usize) -> &mut [regional::RegionMeters] {
        if self.by_region.len() < n {
            self.by_region.resize(n, regional::RegionMeters::default());
        }
        &mut self.by_region
    }

    fn periods(&self) -> usize {
        (self.duration_s / self.period_s).ceil().max(1.0) as usize
    }

    fn period_span(&self, k: usize) -> (f64, f64) {
        let a = k as f64 * self.period_s;
        (a, (a + self.period_s).min(self.duration_s))
    }

    /// The fraction of period `k` inside the accounted window.
    fn accounted_fraction(&self, k: usize) -> f64 {
        let (a, b) = self.period_span(k);
        if b <= a {
            return 0.0;
        }
        ((b - a.max(self.warmup_s)).max(0.0)) / (b - a)
    }
}

/// Prices a run's usage.
pub fn price(usage: &Usage, prices: &PriceTable) -> Breakdown {
    let n = usage.periods();
    let mut services: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    services.insert("ec2", ec2_per_period(usage, prices, n));
    // Services whose bill falls in other periods than their cost accrues in: the bill.
    let mut billed: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    if !usage.load_balancers.is_empty() {
        let (accrued, bill) = alb_per_period(usage, prices, n);
        services.insert("alb", accrued);
        billed.insert("alb", bill);
    }
    if usage.nat_gateways > 0 {
        let nat = (0..n)
            .map(|k| {
                let (a, b) = usage.period_span(k);
                let bytes = usage.nat_bytes.get(k).copied().unwrap_or(0.0);
                billing::nat_cost(prices, usage.nat_gateways as f64 * (b - a) / 3600.0, bytes)
            })
            .collect();
        services.insert("nat_gateway", nat);
    }
    let crossed = |b: &Vec<f64>| b.iter().any(|b| *b > 0.0);
    if crossed(&usage.inter_az_bytes)
        || crossed(&usage.inter_region_bytes)
        || crossed(&usage.inter_region_out_bytes)
    {
        let at = |b: &Vec<f64>, k: usize| b.get(k).copied().unwrap_or(0.0);
        let transfer = (0..n)
            .map(|k| {
                billing::inter_az_cost(prices, at(&usage.inter_az_bytes, k))
                    + billing::inter_region_cost(prices, at(&usage.inter_region_bytes, k))
                    + billing::inter_region_out_cost(prices, at(&usage.inter_region_out_bytes, k))
            })
            .collect();
        services.insert("data_transfer", transfer);
    }
    if !usage.lambda.is_empty() {
        let lambda = (0..n)
            .map(|k| {
                usage
                    .lambda
                    .iter()
                    .filter_map(|periods| periods.get(k))
                    .map(|u| billing::lambda_cost(prices, u))
                    .sum()
            })
            .collect();
        services.insert("lambda", lambda);
    }
    if !usage.sqs_requests.is_empty() {
        let sqs = (0..n)
            .map(|k| {
                let (a, b) = usage.period_span(k);
                let requests = usage.sqs_requests.get(k).copied().unwrap_or(0.0);
                billing::sqs_cost(prices, requests, b - a)
            })
            .collect();
        services.insert("sqs", sqs);
    }
    if !usage.databases.is_empty() {
        let rds = (0..n)
            .map(|k| {
                let (a, b) = usage.period_span(k);
                let hours = (b - a) / 3600.0;
                usage
                    .databases
                    .iter()
                    .map(|d| billing::rds_cost(prices, &d.class, hours, d.multi_az).unwrap_or(0.0))
                    .sum()
            })
            .collect();
        services.insert("rds", rds);
    }
    for (name, costs) in &usage.priced {
        services.insert(name, costs.clone());
    }
    if !usage.api_gateways.is_empty()
        && let Some(p) = prices.section::<prices::ApiGatewayPrices>()
    {
        let apigw = (0..n)
            .map(|k| {
                usage
                    .api_gateways
                    .iter()
                    .filter_map(|periods| periods.get(k))
                    .map(|u| billing::api_gateway_cost(&p, u))
                    .sum()
            })
            .collect();
        services.insert("api_gateway", apigw);
    }
    let mut by_service = BTreeMap::new();
    let mut per_period = vec![0.0; n];
    for (name, costs) in &services {
        let mut total = 0.0;
        for (k, c) in costs.iter().enumerate() {
            total += c * usage.accounted_fraction(k);
        }
        by_service.insert(name.to_string(), total);
        for (k, c) in billed.get(name).unwrap_or(costs).iter().enumerate() {
            per_period[k] += c;
        }
    }
    Breakdown {
        total: by_service.values().sum(),
        by_service,
        per_period,
        ..Breakdown::default()
    }
}

fn ec2_per_period(usage: &Usage, prices: &PriceTable, n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n];
    let p = usage.period_s;
    for run in &usage.instances {
        let per_s = run.hourly_usd / 3600.0;
        let (start, stop) = (run.running_s, run.stop_s.min(usage.duration_s));
        if stop <= start && start >= usage.duration_s {
            continue;
        }
        let first = ((start / p) as usize).min(n - 1);
        let last = ((stop / p) as usize).min(n - 1);
        for (k, slot) in out.iter_mut().enumerate().take(last + 1).skip(first) {
            let (a, b) = usage.period_span(k);
            *slot += (stop.min(b) - start.max(a)).max(0.0) * per_s;
        }
        // The 60-second minimum per launch: the shortfall is billed when the instance stops.
        let running = (stop - start).max(0.0);
        let shortfall = billing::ec2_billed_seconds(prices, running, true) - running;
        out[last] += shortfall * per_s;
    }
    out
}

/// The ALBs' cost per period: `(accrued, billed)`. Both spread an hour's LCU charge over its
/// periods by seconds; the accrued view spreads the hour's fee likewise, the billed view puts
/// it whole in the period holding the hour's start.
fn alb_per_period(usage: &Usage, prices: &PriceTable, n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut out = vec![0.0; n];
    let mut billed = vec![0.0; n];
    for periods in &usage.load_balancers {
        // Group periods by clock hour, price each hour, spread it by seconds.
        let mut hours: BTreeMap<u64, (AlbActivity, Vec<usize>)> = BTreeMap::new();
        for k in 0..n {
            let a = periods.get(k).copied().unwrap_or_else(|| {
                let (s, e) = usage.period_span(k);
                AlbActivity {
                    seconds: e - s,
                    ..Default::default()
                }
            });
            let hour = (usage.period_span(k).0 / 3600.0).floor() as u64;
            let entry = hours.entry(hour).or_default();
            entry.0.seconds += a.seconds;
            entry.0.new_connections += a.new_connections;
            entry.0.connection_seconds += a.connection_seconds;
            entry.0.processed_bytes += a.processed_bytes;
            entry.0.processed_bytes_lambda += a.processed_bytes_lambda;
            entry.0.billable_rule_evaluations += a.billable_rule_evaluations;
            entry.1.push(k);
        }
        // A partial last hour is billed in full: its fee is spread over its periods.
        for (hour, (activity, members)) in &hours {
            let fee = billing::alb_hourly_fee(prices, activity);
            let lcus = billing::alb_lcu_cost(prices, activity);
            for &k in members {
                let (a, b) = usage.period_span(k);
                let share = (b - a) / activity.seconds.max(1e-9);
                out[k] += (fee + lcus) * share;
                billed[k] += lcus * share;
            }
            let start = ((*hour as f64 * 3600.0 / usage.period_s) as usize).min(n - 1);
            billed[start] += fee;
        }
    }
    (out, billed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n_instances_for_h_hours() {
        let p = PriceTable::shipped();
        let hourly = p.ec2.per_hour["m5.large"];
        let usage = Usage {
            duration_s: 3.0 * 3600.0,
            warmup_s: 0.0,
            period_s: 60.0,
            instances: (0..4)
                .map(|_| InstanceRun {
                    hourly_usd: hourly,
                    running_s: 0.0,
                    stop_s: 3.0 * 3600.0,
                    region: 0,
                })
                .collect(),
            ..Default::default()
        };
        let b = price(&usage, &p);
        let expected = 4.0 * 3.0 * hourly;
        assert!(
            (b.total - expected).abs() < 1e-9,
            "{} vs {expected}",
            b.total
        );
        assert!((b.per_period.iter().sum::<f64>() - expected).abs() < 1e-9);
    }

    #[test]
    fn an_alb_hour_is_billed_whole_in_the_period_of_its_start() {
        let p = PriceTable::shipped();
        // 150 minutes of an idle ALB in 10-minute periods: three started hours.
        let usage = Usage {
            duration_s: 9000.0,
            warmup_s: 0.0,
            period_s: 600.0,
            load_balancers: vec![Vec::new()],
            ..Default::default()
        };
        let b = price(&usage, &p);
        let fee = p.alb.per_hour;
        assert_eq!(b.per_period.len(), 15);
        assert!((b.total - 3.0 * fee).abs() < 1e-12, "{b:?}");
        assert!((b.per_period.iter().sum::<f64>() - b.total).abs() < 1e-12);
        for (k, c) in b.per_period.iter().enumerate() {
            let expected = if k % 6 == 0 { fee } else { 0.0 };
            assert!((c - expected).abs() < 1e-12, "period {k}: {c}");
        }
    }

    #[test]
    fn warmup_is_not_accounted_and_short_runs_pay_the_minimum() {
        let p = PriceTable::shipped();
        let hourly = p.ec2.per_hour["c5.large"];
        let usage = Usage {
            duration_s: 600.0,
            warmup_s: 300.0,
            period_s: 60.0,
            instances: vec![
                InstanceRun {
                    hourly_usd: hourly,
                    running_s: 0.0,
                    stop_s: 600.0,
                    region: 0,
                },
                InstanceRun {
                    hourly_usd: hourly,
                    running_s: 400.0,
                    stop_s: 410.0,
                    region: 0,
                },
            ],
            ..Default::default()
        };
        let b = price(&usage, &p);
        let expected = (300.0 + 60.0) * hourly / 3600.0;
        assert!((b.by_service["ec2"] - expected).abs() < 1e-12, "{:?}", b);
    }
}
