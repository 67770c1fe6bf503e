//! An API as a CloudFront origin group's secondary origin: when the primary answers with a
//! listed status (here a 504: its region is under an outage), CloudFront sends the request
//! to the secondary API, whose own limits and integration serve it (AWS, "Optimize high
//! availability with CloudFront origin failover",
//! https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/high_availability_origin_failover.html).

use crate::support::*;
use stratus::scenario::Scenario;
use stratus::sim::RunResult;

/// Readers at 10 requests/s, evenly spaced, through a distribution that caches nothing; the
/// primary origin is an API in eu-west-1, the secondary an API in us-east-1 in front of a
/// Lambda function there; eu-west-1 fails from 60.05 s to 120.05 s.
const FAILOVER: &str = r#"
name: cf-api-failover
duration: 3m
regions:
  us-east-1: {azs: [use1-a]}
  eu-west-1: {azs: [euw1-a]}
workloads:
  readers: {target: cloudfront/cdn, rate: 10, arrivals: uniform, geography: uk}
api_gateways:
  eu: {integration: {http: {latency: {dist: constant, value: 10ms}}}, region: eu-west-1}
  us: {integration: {lambda: f}, region: us-east-1}
lambda_functions:
  f: {duration: {dist: constant, value: 20ms}, region: us-east-1}
cloudfront:
  cdn:
    origin_group: {primary: apigw/eu, secondary: apigw/us}
    default_behavior: {cache: false}
faults:
  - {at: 60050ms, region_outage: eu-west-1, duration: 60s}
"#;

fn api<'a>(r: &'a RunResult, name: &str) -> &'a stratus::sim::ApiResult {
    r.api_gateways.iter().find(|a| a.name == name).expect("API")
}

#[test]
fn the_secondary_api_serves_exactly_the_requests_the_primary_failed() {
    let r = simulate(parse(FAILOVER, &[]));
    let readers = &r.workloads[0].1;
    // Arrivals at k/10 s, k = 1 .. 1799: those at 60.1 .. 120.0 s (600) find eu-west-1
    // down; its API's 504 is a listed failover status, so each goes to us-east-1's API.
    let (total, during) = (1799, 600);
    assert_eq!(readers.total, total);
    assert_eq!(readers.ok, total, "every request is answered");
    let d = &r.services.cloudfront[0].totals;
    assert_eq!(d.failovers, during);
    assert_eq!(api(&r, "eu").totals.requests, total - during);
    assert_eq!(api(&r, "us").totals.requests, during);
    assert_eq!(r.lambda_functions[0].totals.invocations, during);
    // The primary's 504s never reached a client: not one `region_unreachable`
    // (`docs/models/regions.md`), the failovers are the distribution's count.
    let unreachable = (r.resilience.errors_by_cause.iter())
        .find(|(k, _)| k == "region_unreachable")
        .map_or(0, |(_, n)| *n);
    assert_eq!(unreachable, 0);
}

#[test]
fn a_secondary_that_is_the_primary_is_refused() {
    let text = FAILOVER.replace("secondary: apigw/us", "secondary: apigw/eu");
    let err = Scenario::from_text(&text, "bad.yaml", &repo_path("."), &[])
        .expect_err("the same API twice")
        .to_string();
    assert!(
        err.contains("cloudfront.cdn.origin_group.secondary: the secondary origin is the primary"),
        "{err}"
    );
}
