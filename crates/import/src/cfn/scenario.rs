//! A resolved CloudFormation stack written as a scenario: the resources Stratus models
//! become its components (named by their logical ids), what a template never says (the
//! traffic, the work of a request, a function's handler time) is a placeholder
//! (`"FILL: ..."`) that `stratus validate` reports until it is replaced, and every resource
//! Stratus does not model is listed in the header, never silently dropped.
//!
//! Read today: `AWS::ElasticLoadBalancingV2::LoadBalancer` (application), `Listener`
//! (forward to one or several weighted target groups), `ListenerRule` (path and host
//! conditions, by priority), `TargetGroup` (instance or Lambda targets, health check,
//! algorithm, deregistration delay), `AWS::AutoScaling::AutoScalingGroup` with its
//! `AWS::EC2::LaunchTemplate` or `LaunchConfiguration` instance type and its target-tracking
//! `ScalingPolicy` (CPU, ALB requests per target), `AWS::EC2::Subnet` (for AZs),
//! `AWS::Lambda::Function`, `AWS::Lambda::EventSourceMapping` (SQS), `AWS::SQS::Queue` (with
//! its redrive policy), `AWS::RDS::DBInstance` (class, Multi-AZ).

use super::intrinsics::Resolved;
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
    "AWS::IAM::Role",
    "AWS::IAM::Policy",
    "AWS::IAM::InstanceProfile",
    "AWS::Lambda::Permission",
    "AWS::SQS::QueuePolicy",
    "AWS::RDS::DBSubnetGroup",
    "AWS::Logs::LogGroup",
];

fn s(v: &Value) -> Option<String> {
    match v {
        Value::String(x) => Some(x.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn num(v: &Value) -> Option<f64> {
    s(v)?.parse().ok()
}

/// The logical id a reference stands for (`Ref` gives `Id`, `Fn::GetAtt` `Id.Arn`).
fn target_id(v: &Value) -> Option<String> {
    s(v).map(|x| x.split('.').next().unwrap_or("").to_string())
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().filter_map(s).collect(),
        Value::String(x) => x.split(',').map(|p| p.trim().to_string()).collect(),
        _ => Vec::new(),
    }
}

struct Stack<'a> {
    by_type: BTreeMap<&'a str, Vec<(&'a str, &'a Value)>>,
    subnet_az: BTreeMap<String, String>,
    problems: Vec<String>,
}

impl<'a> Stack<'a> {
    fn of(&self, ty: &str) -> &[(&'a str, &'a Value)] {
        self.by_type.get(ty).map_or(&[], Vec::as_slice)
    }

    /// The AZ letters of a list of subnets (their `AvailabilityZone`'s last letter), or
    /// `a`, `b`, ... for subnets the template does not declare.
    fn azs(&self, subnets: &[String]) -> Vec<String> {
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
}

fn az_letter(az: &str) -> String {
    az.chars()
        .last()
        .filter(char::is_ascii_lowercase)
        .map_or("a".into(), |c| c.to_string())
}

/// Writes the scenario of a resolved stack named `name`, read from `source`.
pub fn to_scenario(r: &Resolved, name: &str, source: &str) -> Imported {
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
    };
    for (id, p) in st.of("AWS::EC2::Subnet").to_vec() {
        let az = p.get("AvailabilityZone").and_then(s).unwrap_or_default();
        st.subnet_az.insert(id.to_string(), az_letter(&az));
    }
    let mut out = String::new();
    let mut not_modeled = Vec::new();
    const MODELED: &[&str] = &[
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::ElasticLoadBalancingV2::Listener",
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        "AWS::AutoScaling::AutoScalingGroup",
        "AWS::AutoScaling::ScalingPolicy",
        "AWS::AutoScaling::LaunchConfiguration",
        "AWS::EC2::LaunchTemplate",
        "AWS::EC2::Subnet",
        "AWS::Lambda::Function",
        "AWS::Lambda::EventSourceMapping",
        "AWS::SQS::Queue",
        "AWS::RDS::DBInstance",
    ];
    for (id, ty, _) in &r.resources {
        if !MODELED.contains(&ty.as_str()) && !IMPLIED.contains(&ty.as_str()) {
            not_modeled.push((id.clone(), ty.clone()));
        }
    }
    let _ = writeln!(out, "# Imported by `stratus import cfn` from {source}.");
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
        "# Values marked FILL are not in the template: `stratus validate` lists them."
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
    let mut azs = BTreeSet::new();
    for line in body.lines() {
        if let Some(list) = line.trim().strip_prefix("azs: [") {
            for a in list.trim_end_matches(']').split(',') {
                azs.insert(a.trim().to_string());
            }
        }
    }
    if !azs.is_empty() {
        let azs: Vec<String> = azs.into_iter().collect();
        let _ = writeln!(out, "azs: [{}]", azs.join(", "));
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
    let lbs = st.of("AWS::ElasticLoadBalancingV2::LoadBalancer").to_vec();
    let tgs = st.of("AWS::ElasticLoadBalancingV2::TargetGroup").to_vec();
    let asgs = st.of("AWS::AutoScaling::AutoScalingGroup").to_vec();
    // Target group -> the group whose instances register in it.
    let mut tg_group: BTreeMap<String, String> = BTreeMap::new();
    for (g, p) in &asgs {
        for tg in p.get("TargetGroupARNs").map(strings).unwrap_or_default() {
            tg_group.insert(
                target_id(&Value::String(tg)).unwrap_or_default(),
                g.to_string(),
            );
        }
    }
    let mut lb_rules: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, p) in st.of("AWS::ElasticLoadBalancingV2::Listener").to_vec() {
        let lb = p
            .get("LoadBalancerArn")
            .and_then(target_id)
            .unwrap_or_default();
        let mut rules: Vec<(f64, String)> = Vec::new();
        for (_, rp) in st.of("AWS::ElasticLoadBalancingV2::ListenerRule") {
            if rp.get("ListenerArn").and_then(target_id).as_deref() != Some(id) {
                continue;
            }
            let prio = rp.get("Priority").and_then(num).unwrap_or(50_000.0);
            let mut conds = Vec::new();
            for c in rp
                .get("Conditions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let field = c.get("Field").and_then(s).unwrap_or_default();
                let values = c
                    .get("Values")
                    .map(strings)
                    .or_else(|| {
                        c.get("PathPatternConfig")
                            .and_then(|x| x.get("Values"))
                            .map(strings)
                    })
                    .or_else(|| {
                        c.get("HostHeaderConfig")
                            .and_then(|x| x.get("Values"))
                            .map(strings)
                    })
                    .unwrap_or_default();
                let key = match field.as_str() {
                    "path-pattern" => "path",
                    "host-header" => "host",
                    _ => continue,
                };
                if let Some(v) = values.first() {
                    conds.push(format!("{key}: \"{v}\""));
                }
            }
            if let Some(fwd) = forward(rp.get("Actions")) {
                rules.push((
                    prio,
                    format!("{{{}, target_group: {fwd}}}", conds.join(", ")),
                ));
            }
        }
        rules.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut list: Vec<String> = rules.into_iter().map(|r| r.1).collect();
        match forward(p.get("DefaultActions")) {
            Some(d) => list.push(format!("{{default: {d}}}")),
            None => st.problems.push(format!(
                "Listener {id}: its default action is not a forward (Stratus needs a default target group)"
            )),
        }
        lb_rules.entry(lb).or_default().extend(list);
    }
    if !lbs.is_empty() {
        let _ = writeln!(out, "workloads:");
        for (lb, _) in &lbs {
            let _ = writeln!(
                out,
                "  {lb}-clients:\n    target: alb/{lb}\n    rate: \"FILL: requests per second (a number or a profile)\"\n    \
                 work: \"FILL: the CPU time of a request, e.g. {{dist: lognormal, mean: 20ms, p99: 100ms}}\""
            );
        }
        let _ = writeln!(out, "load_balancers:");
        for (lb, p) in &lbs {
            if p.get("Type")
                .and_then(s)
                .is_some_and(|t| t != "application")
            {
                st.problems.push(format!(
                    "LoadBalancer {lb}: only application load balancers are modeled"
                ));
            }
            let azs = st.azs(&p.get("Subnets").map(strings).unwrap_or_default());
            let rules = lb_rules.get(*lb).cloned().unwrap_or_default();
            let _ = writeln!(out, "  {lb}:\n    azs: [{}]\n    rules:", azs.join(", "));
            for r in rules {
                let _ = writeln!(out, "      - {r}");
            }
        }
    }
    if !tgs.is_empty() {
        let _ = writeln!(out, "target_groups:");
        for (tg, p) in &tgs {
            let _ = write!(out, "  {tg}: {{");
            let lambda = p.get("TargetType").and_then(s).as_deref() == Some("lambda");
            let mut parts = Vec::new();
            if lambda {
                let f = p
                    .get("Targets")
                    .and_then(Value::as_array)
                    .and_then(|t| t.first())
                    .and_then(|t| t.get("Id"))
                    .and_then(target_id)
                    .unwrap_or_default();
                parts.push(format!("lambda: {f}"));
            } else if let Some(g) = tg_group.get(*tg) {
                parts.push(format!("group: {g}"));
            } else {
                st.problems.push(format!(
                    "TargetGroup {tg}: no Auto Scaling group registers in it"
                ));
            }
            let hc = |k: &str| p.get(k).and_then(num);
            let mut h = Vec::new();
            if let Some(v) = hc("HealthCheckIntervalSeconds") {
                h.push(format!("interval: {v}s"));
            }
            if let Some(v) = hc("HealthCheckTimeoutSeconds") {
                h.push(format!("timeout: {v}s"));
            }
            if let Some(v) = hc("HealthyThresholdCount") {
                h.push(format!("healthy_threshold: {v}"));
            }
            if let Some(v) = hc("UnhealthyThresholdCount") {
                h.push(format!("unhealthy_threshold: {v}"));
            }
            if !h.is_empty() && !lambda {
                parts.push(format!("health_check: {{{}}}", h.join(", ")));
            }
            for a in p
                .get("TargetGroupAttributes")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let (k, v) = (
                    a.get("Key").and_then(s).unwrap_or_default(),
                    a.get("Value").and_then(s).unwrap_or_default(),
                );
                match k.as_str() {
                    "deregistration_delay.timeout_seconds" => {
                        parts.push(format!("deregistration_delay: {v}s"))
                    }
                    "load_balancing.algorithm.type" if v == "least_outstanding_requests" => {
                        parts.push("algorithm: least_outstanding_requests".into())
                    }
                    _ => {}
                }
            }
            let _ = writeln!(out, "{}}}", parts.join(", "));
        }
    }
    write_groups(st, &asgs, &mut out);
    write_functions(st, &mut out);
    write_queues(st, &mut out);
    write_databases(st, &mut out);
    out
}

/// A forward action's target group, or weighted groups `{a: 9, b: 1}`.
fn forward(actions: Option<&Value>) -> Option<String> {
    let a = actions?
        .as_array()?
        .iter()
        .find(|a| a.get("Type").and_then(s).as_deref() == Some("forward"))?;
    if let Some(tg) = a.get("TargetGroupArn").and_then(target_id) {
        return Some(tg);
    }
    let groups = a.get("ForwardConfig")?.get("TargetGroups")?.as_array()?;
    let parts: Vec<String> = groups
        .iter()
        .filter_map(|g| {
            let id = g.get("TargetGroupArn").and_then(target_id)?;
            let w = g.get("Weight").and_then(num).unwrap_or(1.0);
            Some(format!("{id}: {w}"))
        })
        .collect();
    (!parts.is_empty()).then(|| format!("{{{}}}", parts.join(", ")))
}

fn write_groups(st: &mut Stack, asgs: &[(&str, &Value)], out: &mut String) {
    if asgs.is_empty() {
        return;
    }
    let lts: BTreeMap<&str, &Value> = st.of("AWS::EC2::LaunchTemplate").iter().copied().collect();
    let lcs: BTreeMap<&str, &Value> = st
        .of("AWS::AutoScaling::LaunchConfiguration")
        .iter()
        .copied()
        .collect();
    let policies = st.of("AWS::AutoScaling::ScalingPolicy").to_vec();
    let _ = writeln!(out, "auto_scaling_groups:");
    for (g, p) in asgs {
        let ty = p
            .get("LaunchTemplate")
            .and_then(|lt| {
                lt.get("LaunchTemplateId")
                    .or_else(|| lt.get("LaunchTemplateName"))
            })
            .and_then(target_id)
            .and_then(|id| lts.get(id.as_str()).copied())
            .and_then(|lt| {
                lt.get("LaunchTemplateData")?
                    .get("InstanceType")
                    .and_then(s)
            })
            .or_else(|| {
                let lc = p.get("LaunchConfigurationName").and_then(target_id)?;
                lcs.get(lc.as_str())?.get("InstanceType").and_then(s)
            });
        let instance = match ty {
            Some(t) => format!("{{type: {t}}}"),
            None => {
                "\"FILL: the instance, e.g. {type: m5.large} (no launch template in the stack)\""
                    .into()
            }
        };
        let subnets = p.get("VPCZoneIdentifier").map(strings).unwrap_or_default();
        let azs = if subnets.is_empty() {
            p.get("AvailabilityZones")
                .map(strings)
                .unwrap_or_default()
                .iter()
                .map(|a| az_letter(a))
                .collect()
        } else {
            st.azs(&subnets)
        };
        let n = |k: &str| p.get(k).and_then(num).map(|v| v as u64);
        let (min, max) = (n("MinSize").unwrap_or(0), n("MaxSize").unwrap_or(0));
        let desired = n("DesiredCapacity").unwrap_or(min);
        let _ = writeln!(
            out,
            "  {g}:\n    instance: {instance}\n    azs: [{}]\n    min: {min}\n    max: {max}\n    desired: {desired}",
            azs.join(", ")
        );
        if p.get("HealthCheckType").and_then(s).as_deref() == Some("ELB") {
            let _ = writeln!(out, "    health_check_type: elb");
            if let Some(grace) = n("HealthCheckGracePeriod") {
                let _ = writeln!(out, "    health_check_grace: {grace}s");
            }
        }
        let mut lines = Vec::new();
        for (pid, pp) in &policies {
            if pp
                .get("AutoScalingGroupName")
                .and_then(target_id)
                .as_deref()
                != Some(*g)
            {
                continue;
            }
            match pp.get("PolicyType").and_then(s).as_deref() {
                Some("TargetTrackingScaling") => {
                    let c = pp.get("TargetTrackingConfiguration");
                    let metric = c
                        .and_then(|c| c.get("PredefinedMetricSpecification")?.get("PredefinedMetricType"))
                        .and_then(s);
                    let target = c.and_then(|c| c.get("TargetValue")).and_then(num);
                    let metric = match metric.as_deref() {
                        Some("ASGAverageCPUUtilization") => "cpu",
                        Some("ALBRequestCountPerTarget") => "request_count_per_target",
                        other => {
                            st.problems.push(format!(
                                "ScalingPolicy {pid}: metric {} is not modeled (CPU or ALB requests per target)",
                                other.unwrap_or("(custom)")
                            ));
                            continue;
                        }
                    };
                    let mut l = format!("{{type: target_tracking, metric: {metric}, target: {}", target.unwrap_or(50.0));
                    if let Some(w) = pp.get("EstimatedInstanceWarmup").and_then(num) {
                        let _ = write!(l, ", warmup: {w}s");
                    }
                    if c.and_then(|c| c.get("DisableScaleIn")).and_then(Value::as_bool) == Some(true) {
                        l.push_str(", disable_scale_in: true");
                    }
                    l.push('}');
                    lines.push(l);
                }
                other => st.problems.push(format!(
                    "ScalingPolicy {pid}: {} policies are not imported yet (their CloudWatch alarms are separate resources)",
                    other.unwrap_or("simple")
                )),
            }
        }
        if !lines.is_empty() {
            let _ = writeln!(out, "    policies:");
            for l in lines {
                let _ = writeln!(out, "      - {l}");
            }
        }
    }
}

fn write_functions(st: &mut Stack, out: &mut String) {
    let fns = st.of("AWS::Lambda::Function").to_vec();
    if fns.is_empty() {
        return;
    }
    let _ = writeln!(out, "lambda_functions:");
    for (f, p) in fns {
        let _ = writeln!(out, "  {f}:");
        if let Some(m) = p.get("MemorySize").and_then(num) {
            let _ = writeln!(out, "    memory_mb: {m}");
        }
        if strings(p.get("Architectures").unwrap_or(&Value::Null))
            .iter()
            .any(|a| a == "arm64")
        {
            let _ = writeln!(out, "    architecture: arm64");
        }
        let _ = writeln!(
            out,
            "    duration: \"FILL: the handler time, e.g. {{dist: lognormal, mean: 100ms, p99: 400ms}}\""
        );
        // AWS's default timeout is 3 s (AWS::Lambda::Function's Timeout).
        if let Some(t) = p.get("Timeout").and_then(num) {
            let _ = writeln!(out, "    timeout: {t}s");
        }
        if let Some(r) = p.get("ReservedConcurrentExecutions").and_then(num) {
            let _ = writeln!(out, "    reserved_concurrency: {r}");
        }
    }
}

fn write_queues(st: &mut Stack, out: &mut String) {
    let queues = st.of("AWS::SQS::Queue").to_vec();
    if queues.is_empty() {
        return;
    }
    let esms = st.of("AWS::Lambda::EventSourceMapping").to_vec();
    let _ = writeln!(out, "queues:");
    for (q, p) in queues {
        let start = out.len();
        let _ = writeln!(out, "  {q}:");
        let secs = |k: &str| p.get(k).and_then(num);
        if let Some(v) = secs("VisibilityTimeout") {
            let _ = writeln!(out, "    visibility_timeout: {v}s");
        }
        if let Some(v) = secs("DelaySeconds") {
            let _ = writeln!(out, "    delay: {v}s");
        }
        if let Some(v) = secs("MessageRetentionPeriod") {
            let _ = writeln!(out, "    retention_period: {v}s");
        }
        if let Some(rp) = p.get("RedrivePolicy") {
            let dlq = rp.get("deadLetterTargetArn").and_then(target_id);
            let max = rp.get("maxReceiveCount").and_then(num);
            if let (Some(d), Some(m)) = (dlq, max) {
                let _ = writeln!(
                    out,
                    "    dead_letter_queue: {d}\n    max_receive_count: {m}"
                );
            }
        }
        let consumers: Vec<String> = esms
            .iter()
            .filter(|(_, e)| e.get("EventSourceArn").and_then(target_id).as_deref() == Some(q))
            .filter_map(|(_, e)| {
                let f = e.get("FunctionName").and_then(target_id)?;
                let mut c = format!("{{lambda: {f}");
                if let Some(b) = e.get("BatchSize").and_then(num) {
                    let _ = write!(c, ", batch_size: {b}");
                }
                if let Some(w) = e.get("MaximumBatchingWindowInSeconds").and_then(num) {
                    let _ = write!(c, ", batching_window: {w}s");
                }
                if let Some(m) = e
                    .get("ScalingConfig")
                    .and_then(|x| x.get("MaximumConcurrency"))
                    .and_then(num)
                {
                    let _ = write!(c, ", maximum_concurrency: {m}");
                }
                if strings(e.get("FunctionResponseTypes").unwrap_or(&Value::Null))
                    .iter()
                    .any(|t| t == "ReportBatchItemFailures")
                {
                    c.push_str(", report_batch_item_failures: true");
                }
                c.push('}');
                Some(c)
            })
            .collect();
        if !consumers.is_empty() {
            let _ = writeln!(out, "    consumers:");
            for c in consumers {
                let _ = writeln!(out, "      - {c}");
            }
        }
        if out.len() == start + q.len() + 4 {
            // Nothing but defaults: an empty mapping, not a null.
            out.truncate(out.len() - 1);
            out.push_str(" {}\n");
        }
    }
}

fn write_databases(st: &mut Stack, out: &mut String) {
    let dbs = st.of("AWS::RDS::DBInstance").to_vec();
    if dbs.is_empty() {
        return;
    }
    let _ = writeln!(out, "databases:");
    for (d, p) in dbs {
        let _ = writeln!(out, "  {d}:");
        if let Some(c) = p.get("DBInstanceClass").and_then(s) {
            let _ = writeln!(out, "    instance: {c}");
        }
        let multi = p
            .get("MultiAZ")
            .and_then(|v| v.as_bool().or_else(|| s(v).map(|x| x == "true")));
        if multi == Some(true) {
            let _ = writeln!(out, "    multi_az: true");
        }
        let _ = writeln!(
            out,
            "    # engine_capacity: calls served at once (default 1000); not in the template"
        );
    }
}
