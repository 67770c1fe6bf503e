//! Load balancers, listeners, listener rules and target groups (`aws_lb`, `aws_lb_listener`,
//! `aws_lb_listener_rule`, `aws_lb_target_group` and their `aws_alb_*` aliases).

use super::{At, Plan, id, num, put};
use serde_json::{Map, Value, json};

/// A resource of this family in CloudFormation's vocabulary: (type, properties), or None
/// when `ty` is not of this family.
pub(super) fn one(ty: &str, a: At, plan: &Plan) -> Option<(&'static str, Map<String, Value>)> {
    let mut m = Map::new();
    let cfn = match ty {
        "aws_lb" | "aws_alb" => {
            put(&mut m, "Type", a.get("load_balancer_type").val());
            let mut subnets = super::subnets(a.get("subnets"), plan);
            if subnets.as_array().is_none_or(Vec::is_empty) {
                subnets = Value::Array(
                    a.get("subnet_mapping")
                        .items()
                        .into_iter()
                        .filter_map(|x| {
                            let sn = x.get("subnet_id");
                            id(sn, plan).or_else(|| sn.val().filter(Value::is_string))
                        })
                        .collect(),
                );
            }
            m.insert("Subnets".into(), subnets);
            "AWS::ElasticLoadBalancingV2::LoadBalancer"
        }
        "aws_lb_listener" | "aws_alb_listener" => {
            put(
                &mut m,
                "LoadBalancerArn",
                id(a.get("load_balancer_arn"), plan),
            );
            m.insert(
                "DefaultActions".into(),
                actions(a.get("default_action"), plan),
            );
            "AWS::ElasticLoadBalancingV2::Listener"
        }
        "aws_lb_listener_rule" | "aws_alb_listener_rule" => {
            put(&mut m, "ListenerArn", id(a.get("listener_arn"), plan));
            put(&mut m, "Priority", num(a.get("priority")));
            m.insert("Conditions".into(), conditions(a.get("condition")));
            m.insert("Actions".into(), actions(a.get("action"), plan));
            "AWS::ElasticLoadBalancingV2::ListenerRule"
        }
        "aws_lb_target_group" | "aws_alb_target_group" => {
            put(&mut m, "TargetType", a.get("target_type").val());
            let hc = a.get("health_check").first();
            put(
                &mut m,
                "HealthCheckIntervalSeconds",
                num(hc.get("interval")),
            );
            put(&mut m, "HealthCheckTimeoutSeconds", num(hc.get("timeout")));
            put(
                &mut m,
                "HealthyThresholdCount",
                num(hc.get("healthy_threshold")),
            );
            put(
                &mut m,
                "UnhealthyThresholdCount",
                num(hc.get("unhealthy_threshold")),
            );
            let mut attrs = Vec::new();
            if let Some(d) = num(a.get("deregistration_delay")) {
                attrs.push(json!({"Key": "deregistration_delay.timeout_seconds", "Value": d}));
            }
            if let Some(x) = a.get("load_balancing_algorithm_type").val() {
                attrs.push(json!({"Key": "load_balancing.algorithm.type", "Value": x}));
            }
            m.insert("TargetGroupAttributes".into(), Value::Array(attrs));
            "AWS::ElasticLoadBalancingV2::TargetGroup"
        }
        _ => return None,
    };
    Some((cfn, m))
}

/// A listener's or rule's actions (`default_action`, `action`).
fn actions(a: At, plan: &Plan) -> Value {
    let mut out = Vec::new();
    for act in a.items() {
        let mut m = Map::new();
        put(&mut m, "Type", act.get("type").val());
        put(
            &mut m,
            "TargetGroupArn",
            id(act.get("target_group_arn"), plan),
        );
        let groups: Vec<Value> = act
            .get("forward")
            .first()
            .get("target_group")
            .items()
            .into_iter()
            .filter_map(|g| {
                let mut t = Map::new();
                t.insert("TargetGroupArn".into(), id(g.get("arn"), plan)?);
                put(&mut t, "Weight", num(g.get("weight")));
                Some(Value::Object(t))
            })
            .collect();
        if !groups.is_empty() && !m.contains_key("TargetGroupArn") {
            m.insert("ForwardConfig".into(), json!({"TargetGroups": groups}));
        }
        out.push(Value::Object(m));
    }
    Value::Array(out)
}

fn conditions(a: At) -> Value {
    let mut out = Vec::new();
    for c in a.items() {
        for (block, field) in [
            ("path_pattern", "path-pattern"),
            ("host_header", "host-header"),
        ] {
            if let Some(v) = c.get(block).first().get("values").val() {
                out.push(json!({"Field": field, "Values": v}));
            }
        }
    }
    Value::Array(out)
}
