//! Auto Scaling groups, launch templates and configurations, scaling policies, scheduled
//! actions and CloudWatch alarms; ECS services and task definitions.

use super::{At, Plan, id, ids, num, put};
use serde_json::{Map, Value, json};

/// A resource of this family in CloudFormation's vocabulary: (type, properties), or None
/// when `ty` is not of this family.
pub(super) fn one(ty: &str, a: At, plan: &Plan) -> Option<(&'static str, Map<String, Value>)> {
    let mut m = Map::new();
    let cfn = match ty {
        "aws_autoscaling_group" => {
            put(&mut m, "MinSize", num(a.get("min_size")));
            put(&mut m, "MaxSize", num(a.get("max_size")));
            put(&mut m, "DesiredCapacity", num(a.get("desired_capacity")));
            m.insert(
                "VPCZoneIdentifier".into(),
                super::subnets(a.get("vpc_zone_identifier"), plan),
            );
            put(
                &mut m,
                "AvailabilityZones",
                a.get("availability_zones").val(),
            );
            m.insert(
                "TargetGroupARNs".into(),
                ids(a.get("target_group_arns"), plan),
            );
            let lt = a.get("launch_template").first();
            if let Some(t) = lt.get("id").id(plan).or_else(|| lt.get("name").id(plan)) {
                m.insert("LaunchTemplate".into(), json!({"LaunchTemplateId": t}));
            }
            put(
                &mut m,
                "LaunchConfigurationName",
                id(a.get("launch_configuration"), plan),
            );
            put(&mut m, "HealthCheckType", a.get("health_check_type").val());
            put(
                &mut m,
                "HealthCheckGracePeriod",
                num(a.get("health_check_grace_period")),
            );
            "AWS::AutoScaling::AutoScalingGroup"
        }
        "aws_launch_template" => {
            put(
                &mut m,
                "LaunchTemplateData",
                a.get("instance_type")
                    .val()
                    .map(|t| json!({"InstanceType": t})),
            );
            "AWS::EC2::LaunchTemplate"
        }
        "aws_launch_configuration" => {
            put(&mut m, "InstanceType", a.get("instance_type").val());
            "AWS::AutoScaling::LaunchConfiguration"
        }
        "aws_autoscaling_policy" => {
            put(
                &mut m,
                "AutoScalingGroupName",
                id(a.get("autoscaling_group_name"), plan),
            );
            put(&mut m, "PolicyType", a.get("policy_type").val());
            put(&mut m, "AdjustmentType", a.get("adjustment_type").val());
            put(
                &mut m,
                "ScalingAdjustment",
                num(a.get("scaling_adjustment")),
            );
            put(&mut m, "Cooldown", num(a.get("cooldown")));
            put(
                &mut m,
                "EstimatedInstanceWarmup",
                num(a.get("estimated_instance_warmup")),
            );
            put(
                &mut m,
                "MinAdjustmentMagnitude",
                num(a.get("min_adjustment_magnitude")),
            );
            let steps: Vec<Value> = a
                .get("step_adjustment")
                .items()
                .into_iter()
                .map(|s| {
                    let mut x = Map::new();
                    // The provider writes the bounds as strings, "" for none.
                    let bound = |k: &str| num(s.get(k)).filter(|v| v.as_str() != Some(""));
                    put(
                        &mut x,
                        "MetricIntervalLowerBound",
                        bound("metric_interval_lower_bound"),
                    );
                    put(
                        &mut x,
                        "MetricIntervalUpperBound",
                        bound("metric_interval_upper_bound"),
                    );
                    put(
                        &mut x,
                        "ScalingAdjustment",
                        num(s.get("scaling_adjustment")),
                    );
                    Value::Object(x)
                })
                .collect();
            m.insert("StepAdjustments".into(), Value::Array(steps));
            let tt = a.get("target_tracking_configuration").first();
            if tt.v.is_object() {
                let mut c = Map::new();
                if let Some(t) = tt
                    .get("predefined_metric_specification")
                    .first()
                    .get("predefined_metric_type")
                    .val()
                {
                    c.insert(
                        "PredefinedMetricSpecification".into(),
                        json!({"PredefinedMetricType": t}),
                    );
                }
                // `customized_metric_specification`'s `metrics` (metric math): each `id`,
                // `expression`, `metric_stat.metric` (`metric_name`, `namespace`,
                // `dimensions`), as CloudFormation's `Metrics`.
                let metrics: Vec<Value> = tt
                    .get("customized_metric_specification")
                    .first()
                    .get("metrics")
                    .items()
                    .into_iter()
                    .map(|x| {
                        let mut q = Map::new();
                        put(&mut q, "Id", x.get("id").val());
                        put(&mut q, "Expression", x.get("expression").val());
                        let metric = x.get("metric_stat").first().get("metric").first();
                        if metric.v.is_object() {
                            let dims: Vec<Value> = metric
                                .get("dimensions")
                                .items()
                                .into_iter()
                                .map(|d| {
                                    let value = d.get("value");
                                    json!({"Name": d.get("name").val(),
                                           "Value": id(value, plan).or_else(|| value.val())})
                                })
                                .collect();
                            q.insert(
                                "MetricStat".into(),
                                json!({"Metric": {"MetricName": metric.get("metric_name").val(),
                                                  "Namespace": metric.get("namespace").val(),
                                                  "Dimensions": dims}}),
                            );
                        }
                        Value::Object(q)
                    })
                    .collect();
                if !metrics.is_empty() {
                    c.insert(
                        "CustomizedMetricSpecification".into(),
                        json!({"Metrics": metrics}),
                    );
                }
                put(&mut c, "TargetValue", num(tt.get("target_value")));
                put(&mut c, "DisableScaleIn", tt.get("disable_scale_in").val());
                m.insert("TargetTrackingConfiguration".into(), Value::Object(c));
            }
            "AWS::AutoScaling::ScalingPolicy"
        }
        "aws_autoscaling_schedule" => {
            put(
                &mut m,
                "AutoScalingGroupName",
                id(a.get("autoscaling_group_name"), plan),
            );
            put(&mut m, "Recurrence", a.get("recurrence").val());
            put(&mut m, "TimeZone", a.get("time_zone").val());
            // The provider's -1 leaves a size unchanged.
            for (k, c) in [
                ("min_size", "MinSize"),
                ("max_size", "MaxSize"),
                ("desired_capacity", "DesiredCapacity"),
            ] {
                put(
                    &mut m,
                    c,
                    num(a.get(k)).filter(|v| v.as_f64().is_some_and(|x| x >= 0.0)),
                );
            }
            "AWS::AutoScaling::ScheduledAction"
        }
        "aws_cloudwatch_metric_alarm" => {
            m.insert("AlarmActions".into(), ids(a.get("alarm_actions"), plan));
            for (k, c) in [
                ("metric_name", "MetricName"),
                ("namespace", "Namespace"),
                ("threshold", "Threshold"),
                ("comparison_operator", "ComparisonOperator"),
                ("evaluation_periods", "EvaluationPeriods"),
                ("datapoints_to_alarm", "DatapointsToAlarm"),
                ("period", "Period"),
            ] {
                put(&mut m, c, a.get(k).val());
            }
            "AWS::CloudWatch::Alarm"
        }
        "aws_ecs_service" => {
            put(&mut m, "DesiredCount", num(a.get("desired_count")));
            put(&mut m, "LaunchType", a.get("launch_type").val());
            put(&mut m, "TaskDefinition", id(a.get("task_definition"), plan));
            let lbs: Vec<Value> = a
                .get("load_balancer")
                .items()
                .into_iter()
                .filter_map(|l| {
                    Some(json!({"TargetGroupArn": l.get("target_group_arn").id(plan)?}))
                })
                .collect();
            m.insert("LoadBalancers".into(), Value::Array(lbs));
            let subnets =
                super::subnets(a.get("network_configuration").first().get("subnets"), plan);
            m.insert(
                "NetworkConfiguration".into(),
                json!({"AwsvpcConfiguration": {"Subnets": subnets}}),
            );
            "AWS::ECS::Service"
        }
        "aws_ecs_task_definition" => {
            put(&mut m, "Cpu", a.get("cpu").val());
            put(&mut m, "Memory", a.get("memory").val());
            "AWS::ECS::TaskDefinition"
        }
        _ => return None,
    };
    Some((cfn, m))
}
