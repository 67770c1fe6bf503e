//! A stack (`model::Resolved`, from a CloudFormation or SAM template or a Terraform plan)
//! written as a scenario: the resources Stratus models become its components (named by their
//! logical ids), what infrastructure code never says (the traffic, the work of a request, a
//! function's handler time) is a placeholder (`"FILL: ..."`) that `stratus validate` reports
//! until it is replaced, and every resource Stratus does not model is listed in the header,
//! never silently dropped.
//!
//! One module per family: `elb` (load balancers, listeners, rules, target groups),
//! `compute` (Auto Scaling groups, their policies, alarms and scheduled actions; ECS
//! services), `serverless` (Lambda, SQS, API Gateway, Kinesis), `data` (RDS, DynamoDB,
//! ElastiCache, Route 53, NAT gateways).

mod compute;
mod data;
mod elb;
mod serverless;

use crate::model::Resolved;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// The scenario text and what was left out.
#[derive(Clone, Debug, Default)]
pub struct Imported {
    pub scenario: String,
    /// Resources Stratus does not model (logical id, type).
    pub not_modeled: Vec<(String, String)>,
    /// Resources of a modeled type that could not be read (with why).
    pub problems: Vec<String>,
}

/// Types that are part of what Stratus models without a component of their own (networking
/// and permissions the simulation does not need).
const IMPLIED: &[&str] = &[
    "AWS::EC2::VPC",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::EIP",
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::InstanceProfile",
    "AWS::Lambda::Permission",
    "AWS::SQS::QueuePolicy",
    "AWS::RDS::DBSubnetGroup",
    "AWS::ElastiCache::SubnetGroup",
    "AWS::Logs::LogGroup",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::ApiKey",
    "AWS::ApiGateway::UsagePlanKey",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Deployment",
    "AWS::ECS::Cluster",
    "AWS::ApplicationAutoScaling::ScalableTarget",
];

/// Types the writer reads.
const MODELED: &[&str] = &[
    "AWS::ElasticLoadBalancingV2::LoadBalancer",
    "AWS::ElasticLoadBalancingV2::Listener",
    "AWS::ElasticLoadBalancingV2::ListenerRule",
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "AWS::AutoScaling::AutoScalingGroup",
    "AWS::AutoScaling::ScalingPolicy",
    "AWS::AutoScaling::ScheduledAction",
    "AWS::AutoScaling::LaunchConfiguration",
    "AWS::CloudWatch::Alarm",
    "AWS::EC2::LaunchTemplate",
    "AWS::EC2::Subnet",
    "AWS::EC2::NatGateway",
    "AWS::Lambda::Function",
    "AWS::Lambda::Alias",
    "AWS::Lambda::Version",
    "AWS::Route53::HealthCheck",
    "AWS::Lambda::EventSourceMapping",
    "AWS::SQS::Queue",
    "AWS::RDS::DBInstance",
    "AWS::DynamoDB::Table",
    "AWS::Kinesis::Stream",
    "AWS::ElastiCache::CacheCluster",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::Route53::RecordSet",
    "AWS::Route53::RecordSetGroup",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Stage",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::UsagePlan",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGatewayV2::Stage",
    "AWS::ECS::Service",
    "AWS::ECS::TaskDefinition",
];

pub(crate) fn s(v: &Value) -> Option<String> {
    match v {
        Value::String(x) => Some(x.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn num(v: &Value) -> Option<f64> {
    s(v)?.parse().ok()
}

/// A number as the scenario writes it (`2`, not `2.0`).
pub(crate) fn n(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

/// The logical id a reference stands for (`Ref` gives `Id`, `Fn::GetAtt` `Id.Arn`).
pub(crate) fn target_id(v: &Value) -> Option<String> {
    s(v).map(|x| x.split('.').next().unwrap_or("").to_string())
}

pub(crate) fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().filter_map(s).collect(),
        Value::String(x) => x.split(',').map(|p| p.trim().to_string()).collect(),
        _ => Vec::new(),
    }
}

pub(crate) fn boolean(v: &Value) -> Option<bool> {
    v.as_bool().or_else(|| s(v).map(|x| x == "true"))
}

/// A placeholder: `"FILL: what"`.
pub(crate) fn fill(what: &str) -> String {
    format!("\"FILL: {what}\"")
}

pub(crate) struct Stack<'a> {
    by_type: BTreeMap<&'a str, Vec<(&'a str, &'a Value)>>,
    subnet_az: BTreeMap<String, String>,
    pub problems: Vec<String>,
    /// Workloads, written before the components: one per entry point (a load balancer or
    /// an API), as scenario text.
    pub workloads: Vec<String>,
    /// The metric period the alarms ask for (seconds), when some alarm is imported.
    pub metric_period: Option<f64>,
    /// (queue, group): a group scaling on the queue's backlog per instance consumes it.
    pub workers: Vec<(String, String)>,
}

impl<'a> Stack<'a> {
    pub fn of(&self, ty: &str) -> Vec<(&'a str, &'a Value)> {
        self.by_type.get(ty).cloned().unwrap_or_default()
    }

    /// The AZ letters of a list of subnets (their `AvailabilityZone`'s last letter), or
    /// `a`, `b`, ... for subnets the stack does not declare.
    pub fn azs(&self, subnets: &[String]) -> Vec<String> {
        let mut out = BTreeSet::new();
        for (i, sn) in subnets.iter().enumerate() {
            let az = self
                .subnet_az
                .get(sn)
                .cloned()
                .unwrap_or_else(|| char::from(b'a' + (i % 26) as u8).to_string());
            out.insert(az);
        }
        out.into_iter().collect()
    }

    /// The AZ letter of one subnet.
    pub fn subnet_az(&self, subnet: &str) -> Option<String> {
        self.subnet_az.get(subnet).cloned()
    }
}

pub(crate) fn az_letter(az: &str) -> String {
    az.chars()
        .last()
        .filter(char::is_ascii_lowercase)
        .map_or("a".into(), |c| c.to_string())
}

/// Writes the scenario of stack `r` named `name`, read from `source` by `stratus import
/// {reader}`.
pub fn to_scenario(r: &Resolved, name: &str, source: &str, reader: &str) -> Imported {
    let mut by_type: BTreeMap<&str, Vec<(&str, &Value)>> = BTreeMap::new();
    for (id, ty, props) in &r.resources {
        by_type
            .entry(ty.as_str())
            .or_default()
            .push((id.as_str(), props));
    }
    let mut st = Stack {
        subnet_az: BTreeMap::new(),
        by_type,
        problems: Vec::new(),
        workloads: Vec::new(),
        metric_period: None,
        workers: Vec::new(),
    };
    for (id, p) in st.of("AWS::EC2::Subnet") {
        let az = p.get("AvailabilityZone").and_then(s).unwrap_or_default();
        st.subnet_az.insert(id.to_string(), az_letter(&az));
    }
    let mut out = String::new();
    let mut not_modeled = Vec::new();
    for (id, ty, _) in &r.resources {
        if !MODELED.contains(&ty.as_str()) && !IMPLIED.contains(&ty.as_str()) {
            not_modeled.push((id.clone(), ty.clone()));
        }
    }
    let _ = writeln!(
        out,
        "# Imported by `stratus import {reader}` from {source}."
    );
    if !r.dropped.is_empty() {
        let _ = writeln!(
            out,
            "# Dropped by a false condition: {}.",
            r.dropped.join(", ")
        );
    }
    if !not_modeled.is_empty() {
        let _ = writeln!(out, "# Not modeled by Stratus, left out:");
        for (id, ty) in &not_modeled {
            let _ = writeln!(out, "#   {id} ({ty})");
        }
    }
    let _ = writeln!(
        out,
        "# Values marked FILL are not in the {}: `stratus validate` lists them.",
        if reader == "terraform" {
            "plan"
        } else {
            "template"
        }
    );
    let _ = writeln!(out, "name: {name}");
    let _ = writeln!(
        out,
        "description: >-\n  Imported from {source}: {} resources, {} modeled.",
        r.resources.len(),
        r.resources.len() - not_modeled.len()
    );
    let _ = writeln!(out, "duration: 1h   # our choice: set the horizon you want");
    let body = body(&mut st);
    if let Some(p) = st.metric_period {
        let _ = writeln!(
            out,
            "metric_period: {}s   # the imported alarms' Period",
            n(p)
        );
    }
    let mut azs = BTreeSet::new();
    for line in body.lines() {
        if let Some(list) = line.trim().strip_prefix("azs: [") {
            for a in list.trim_end_matches(']').split(',') {
                azs.insert(a.trim().to_string());
            }
        }
        if let Some(a) = line.trim().strip_prefix("az: ") {
            azs.insert(a.trim().to_string());
        }
    }
    if !azs.is_empty() {
        let azs: Vec<String> = azs.into_iter().collect();
        let _ = writeln!(out, "azs: [{}]", azs.join(", "));
    }
    if !st.workloads.is_empty() {
        let _ = writeln!(out, "workloads:");
        for w in &st.workloads {
            out.push_str(w);
        }
    }
    out.push_str(&body);
    Imported {
        scenario: out,
        not_modeled,
        problems: st.problems,
    }
}

fn body(st: &mut Stack) -> String {
    let mut out = String::new();
    elb::write(st, &mut out);
    compute::write_groups(st, &mut out);
    compute::write_ecs(st, &mut out);
    serverless::write_apis(st, &mut out);
    serverless::write_functions(st, &mut out);
    serverless::write_queues(st, &mut out);
    serverless::write_streams(st, &mut out);
    data::write_databases(st, &mut out);
    data::write_tables(st, &mut out);
    data::write_caches(st, &mut out);
    data::write_dns(st, &mut out);
    data::write_nat(st, &mut out);
    out
}
