//! Billing rules, one function per service, each a pure function of usage and prices.

use super::prices::{ByArchitecture, PriceTable};

/// Billed seconds of one EC2 instance's running time inside the accounted window: per second,
/// with the minimum (60 s) for a launch that happened inside the window.
pub fn ec2_billed_seconds(prices: &PriceTable, running_s: f64, launched_in_window: bool) -> f64 {
    if launched_in_window {
        running_s.max(prices.ec2.minimum_billed_seconds)
    } else {
        running_s
    }
}

/// What an ALB did during one stretch of time (an hour, or part of one).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AlbActivity {
    pub seconds: f64,
    pub new_connections: f64,
    /// The integral of open connections over time (connection-seconds).
    pub connection_seconds: f64,
    /// Bytes processed for instance, container and IP targets.
    pub processed_bytes: f64,
    /// Bytes processed for Lambda targets (their LCU dimension is 0.4 GB/h, not 1 GB/h).
    pub processed_bytes_lambda: f64,
    /// Rule evaluations beyond the free ones.
    pub billable_rule_evaluations: f64,
}

/// LCUs consumed during a stretch: the largest of the four dimensions' rates. Processed bytes
/// buy 1 GB/h per LCU for instance targets and 0.4 GB/h for Lambda targets ("1 GB per hour
/// for EC2 instances, containers, and IP addresses as targets and 0.4 GB per hour for Lambda
/// functions as targets", https://aws.amazon.com/elasticloadbalancing/pricing/); traffic to
/// both kinds adds up in the one dimension.
pub fn alb_lcus(prices: &PriceTable, a: &AlbActivity) -> f64 {
    if a.seconds <= 0.0 {
        return 0.0;
    }
    let d = &prices.alb.lcu;
    let new_conn = a.new_connections / a.seconds / d.new_connections_per_s;
    // Active connections per minute: the mean number open (Little's law over the stretch).
    let active = a.connection_seconds / a.seconds / d.active_connections_per_minute;
    let hours = a.seconds / 3600.0;
    let bytes = a.processed_bytes / 1e9 / hours / d.processed_gb_per_hour
        + a.processed_bytes_lambda / 1e9 / hours / d.processed_gb_per_hour_lambda;
    let rules = a.billable_rule_evaluations / a.seconds / d.rule_evaluations_per_s;
    new_conn.max(active).max(bytes).max(rules)
}

/// Cost of an ALB over a stretch of whole clock hours (the last one possibly partial): "each
/// partial Application Load Balancer hour used is billed as a full hour"
/// (https://aws.amazon.com/elasticloadbalancing/pricing/), so the hourly fee counts every
/// started hour; LCUs are averaged over the time the ALB ran, so LCU-hours follow usage.
pub fn alb_cost(prices: &PriceTable, a: &AlbActivity) -> f64 {
    alb_hourly_fee(prices, a) + alb_lcu_cost(prices, a)
}

/// The hourly part of [`alb_cost`]: every started hour of the stretch, billed in full.
pub fn alb_hourly_fee(prices: &PriceTable, a: &AlbActivity) -> f64 {
    let billed_hours = (a.seconds / 3600.0 - 1e-9).ceil().max(0.0);
    billed_hours * prices.alb.per_hour
}

/// The LCU part of [`alb_cost`]: the stretch's LCUs times its length in hours.
pub fn alb_lcu_cost(prices: &PriceTable, a: &AlbActivity) -> f64 {
    alb_lcus(prices, a) * a.seconds / 3600.0 * prices.alb.per_lcu_hour
}

/// Billed duration of one Lambda invocation: rounded up to the billing granularity (1 ms).
pub fn lambda_billed_ms(prices: &PriceTable, duration_ms: f64) -> f64 {
    let g = prices.lambda.billing_granularity_ms;
    (duration_ms / g).ceil() * g
}

/// Lambda usage of one function, as the sim accounts it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LambdaUsage {
    pub arm64: bool,
    pub memory_gb: f64,
    pub requests: f64,
    /// Billed (rounded) on-demand duration, in ms.
    pub billed_ms: f64,
    /// Billed duration of invocations served by provisioned environments, in ms.
    pub provisioned_billed_ms: f64,
    /// Provisioned environments times seconds they were configured.
    pub provisioned_environment_seconds: f64,
}

pub fn lambda_cost(prices: &PriceTable, u: &LambdaUsage) -> f64 {
    let arch = |p: &ByArchitecture| if u.arm64 { p.arm64 } else { p.x86_64 };
    let l = &prices.lambda;
    u.requests / 1e6 * l.per_million_requests
        + u.billed_ms / 1e3 * u.memory_gb * arch(&l.per_gb_second)
        + u.provisioned_billed_ms / 1e3 * u.memory_gb * arch(&l.provisioned_duration_per_gb_second)
        + u.provisioned_environment_seconds * u.memory_gb * arch(&l.provisioned_per_gb_second)
}

/// One API Gateway API's usage in a period, as the sim accounts it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApiGatewayUsage {
    /// A REST API (else an HTTP API).
    pub rest: bool,
    /// Requests billed: those API Gateway let through (throttled ones are not billed).
    pub requests: f64,
    /// The stage cache's size (a `cache_per_hour` key) and the seconds it ran.
    pub cache: Option<(String, f64)>,
}

/// API Gateway's cost: requests at the API type's price per million, plus the stage cache's
/// hours at its size's price ("Amazon API Gateway pricing",
/// https://aws.amazon.com/api-gateway/pricing/). A table without API Gateway prices was
/// refused when the scenario was validated.
pub fn api_gateway_cost(p: &super::prices::ApiGatewayPrices, u: &ApiGatewayUsage) -> f64 {
    let per_million = if u.rest {
        p.rest_per_million_requests
    } else {
        p.http_per_million_requests
    };
    let cache = u.cache.as_ref().map_or(0.0, |(size, seconds)| {
        p.cache_per_hour.get(size).copied().unwrap_or(0.0) * seconds / 3600.0
    });
    u.requests / 1e6 * per_million + cache
}

/// SQS requests a call makes: one per started 64 KB chunk of its payload (at least one).
pub fn sqs_requests_for_payload(prices: &PriceTable, payload_bytes: u64) -> u64 {
    payload_bytes.div_ceil(prices.sqs.chunk_bytes).max(1)
}

/// Cost of `requests` SQS requests over `window_s`, with the monthly free tier prorated when on.
pub fn sqs_cost(prices: &PriceTable, requests: f64, window_s: f64) -> f64 {
    let s = &prices.sqs;
    let free = if s.apply_free_tier {
        s.free_requests_per_month * window_s / (30.0 * 86400.0)
    } else {
        0.0
    };
    (requests - free).max(0.0) / 1e6 * s.per_million_requests
}

/// NAT gateways: hours plus processed gigabytes.
pub fn nat_cost(prices: &PriceTable, gateway_hours: f64, processed_bytes: f64) -> f64 {
    gateway_hours * prices.nat_gateway.per_hour + processed_bytes / 1e9 * prices.nat_gateway.per_gb
}

/// Data between AZs, charged in each direction.
pub fn inter_az_cost(prices: &PriceTable, bytes_each_way: f64) -> f64 {
    2.0 * bytes_each_way / 1e9 * prices.data_transfer.inter_az_per_gb
}

/// Data between regions: each direction is data transfer out of its source region to
/// another region (the price table's `inter_region_per_gb`, us-east-1's; the region
/// receiving it pays nothing: data transfer in is free).
pub fn inter_region_cost(prices: &PriceTable, bytes_each_way: f64) -> f64 {
    2.0 * inter_region_out_cost(prices, bytes_each_way)
}

/// Data out of a region to another region, one direction, at the source region's price
/// (`prices` is the source region's table).
pub fn inter_region_out_cost(prices: &PriceTable, bytes_out: f64) -> f64 {
    bytes_out / 1e9 * prices.data_transfer.inter_region_per_gb
}

/// An RDS instance: hourly, doubled (the configured factor) for Multi-AZ.
pub fn rds_cost(prices: &PriceTable, class: &str, hours: f64, multi_az: bool) -> Option<f64> {
    let hourly = prices.rds.per_hour.get(class)?;
    Some(
        hours
            * hourly
            * if multi_az {
                prices.rds.multi_az_factor
            } else {
                1.0
            },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_instances_pay_the_minimum() {
        let p = PriceTable::shipped();
        assert_eq!(ec2_billed_seconds(&p, 10.0, true), 60.0);
        assert_eq!(ec2_billed_seconds(&p, 10.0, false), 10.0);
        assert_eq!(ec2_billed_seconds(&p, 600.0, true), 600.0);
    }

    #[test]
    fn lcu_is_the_largest_dimension() {
        let p = PriceTable::shipped();
        // 100 new connections/s = 4 LCU; 1 GB in the hour = 1 LCU.
        let a = AlbActivity {
            seconds: 3600.0,
            new_connections: 360_000.0,
            connection_seconds: 0.0,
            processed_bytes: 1e9,
            processed_bytes_lambda: 0.0,
            billable_rule_evaluations: 0.0,
        };
        assert!((alb_lcus(&p, &a) - 4.0).abs() < 1e-12);
        let cost = alb_cost(&p, &a);
        assert!((cost - (p.alb.per_hour + 4.0 * p.alb.per_lcu_hour)).abs() < 1e-12);
    }

    #[test]
    fn lambda_targets_buy_0_4_gb_per_lcu_and_a_partial_hour_is_a_full_one() {
        let p = PriceTable::shipped();
        // 1 GB to Lambda targets in an hour: 1 / 0.4 = 2.5 LCU; plus 1 GB to instances: 3.5.
        let a = AlbActivity {
            seconds: 3600.0,
            processed_bytes_lambda: 1e9,
            ..Default::default()
        };
        assert!((alb_lcus(&p, &a) - 2.5).abs() < 1e-12);
        let both = AlbActivity {
            processed_bytes: 1e9,
            ..a
        };
        assert!((alb_lcus(&p, &both) - 3.5).abs() < 1e-12);
        // Ten minutes idle: the whole hour's fee.
        let short = AlbActivity {
            seconds: 600.0,
            ..Default::default()
        };
        assert_eq!(alb_cost(&p, &short), p.alb.per_hour);
    }

    #[test]
    fn lambda_rounds_up_to_the_millisecond_and_prices_by_architecture() {
        let p = PriceTable::shipped();
        assert_eq!(lambda_billed_ms(&p, 10.2), 11.0);
        assert_eq!(lambda_billed_ms(&p, 10.0), 10.0);
        let u = LambdaUsage {
            memory_gb: 1.0,
            requests: 1e6,
            billed_ms: 1e6 * 100.0,
            ..Default::default()
        };
        let expected = p.lambda.per_million_requests + 1e5 * p.lambda.per_gb_second.x86_64;
        assert!((lambda_cost(&p, &u) - expected).abs() < 1e-9);
        let arm = LambdaUsage { arm64: true, ..u };
        assert!(lambda_cost(&p, &arm) < lambda_cost(&p, &u));
    }

    #[test]
    fn sqs_bills_each_64kb_chunk_and_multi_az_doubles_rds() {
        let p = PriceTable::shipped();
        assert_eq!(sqs_requests_for_payload(&p, 0), 1);
        assert_eq!(sqs_requests_for_payload(&p, 65_536), 1);
        assert_eq!(sqs_requests_for_payload(&p, 65_537), 2);
        assert!((sqs_cost(&p, 2e6, 3600.0) - 0.8).abs() < 1e-12);
        let single = rds_cost(&p, "db.m5.large", 10.0, false).unwrap();
        assert_eq!(
            rds_cost(&p, "db.m5.large", 10.0, true).unwrap(),
            2.0 * single
        );
    }
}
