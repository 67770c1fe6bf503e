//! Terraform AWS provider resources mapped onto CloudFormation's vocabulary: each argument
//! named in the provider's documentation (https://registry.terraform.io/providers/hashicorp/aws/latest/docs)
//! becomes the CloudFormation property of the same meaning, so the writer reads both alike.
//! `aws_autoscaling_attachment` and `aws_lb_target_group_attachment` add to the group's
//! `TargetGroupARNs` and the target group's `Targets`; networking and IAM map to the types
//! the writer treats as implied; other types keep their Terraform name.

use super::{At, Plan};
use crate::model::Resolved;
use serde_json::{Map, Value, json};

/// Types with nothing to read: networking and permissions (the writer's implied types).
const IMPLIED: &[(&str, &str)] = &[
    ("aws_vpc", "AWS::EC2::VPC"),
    ("aws_internet_gateway", "AWS::EC2::InternetGateway"),
    ("aws_route_table", "AWS::EC2::RouteTable"),
    ("aws_route", "AWS::EC2::Route"),
    (
        "aws_route_table_association",
        "AWS::EC2::SubnetRouteTableAssociation",
    ),
    ("aws_security_group", "AWS::EC2::SecurityGroup"),
    ("aws_security_group_rule", "AWS::EC2::SecurityGroupIngress"),
    (
        "aws_vpc_security_group_ingress_rule",
        "AWS::EC2::SecurityGroupIngress",
    ),
    (
        "aws_vpc_security_group_egress_rule",
        "AWS::EC2::SecurityGroupEgress",
    ),
    ("aws_eip", "AWS::EC2::EIP"),
    ("aws_iam_role", "AWS::IAM::Role"),
    ("aws_iam_policy", "AWS::IAM::ManagedPolicy"),
    ("aws_iam_role_policy", "AWS::IAM::Policy"),
    ("aws_iam_role_policy_attachment", "AWS::IAM::Policy"),
    ("aws_iam_instance_profile", "AWS::IAM::InstanceProfile"),
    ("aws_lambda_permission", "AWS::Lambda::Permission"),
    ("aws_sqs_queue_policy", "AWS::SQS::QueuePolicy"),
    ("aws_db_subnet_group", "AWS::RDS::DBSubnetGroup"),
    (
        "aws_elasticache_subnet_group",
        "AWS::ElastiCache::SubnetGroup",
    ),
    ("aws_cloudwatch_log_group", "AWS::Logs::LogGroup"),
    ("aws_api_gateway_deployment", "AWS::ApiGateway::Deployment"),
    ("aws_api_gateway_resource", "AWS::ApiGateway::Resource"),
    ("aws_api_gateway_method", "AWS::ApiGateway::Resource"),
    ("aws_api_gateway_stage", "AWS::ApiGateway::Deployment"),
    ("aws_api_gateway_api_key", "AWS::ApiGateway::ApiKey"),
    (
        "aws_api_gateway_usage_plan_key",
        "AWS::ApiGateway::UsagePlanKey",
    ),
    ("aws_apigatewayv2_route", "AWS::ApiGatewayV2::Route"),
    (
        "aws_apigatewayv2_deployment",
        "AWS::ApiGatewayV2::Deployment",
    ),
    ("aws_ecs_cluster", "AWS::ECS::Cluster"),
    (
        "aws_appautoscaling_target",
        "AWS::ApplicationAutoScaling::ScalableTarget",
    ),
];

fn num(a: At) -> Option<Value> {
    a.val().filter(|v| v.is_number() || v.is_string())
}

/// Inserts `key: value` when the value is known.
fn put(m: &mut Map<String, Value>, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        m.insert(key.into(), v);
    }
}

fn ids(a: At, plan: &Plan) -> Value {
    Value::Array(a.ids(plan).into_iter().map(Value::String).collect())
}

fn id(a: At, plan: &Plan) -> Option<Value> {
    a.id(plan).map(Value::String)
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

/// One resource in CloudFormation's vocabulary: (type, properties), or None for the
/// attachments read afterwards.
fn one(ty: &str, a: At, plan: &Plan) -> Option<(String, Map<String, Value>)> {
    let mut m = Map::new();
    let cfn = match ty {
        "aws_subnet" => {
            put(&mut m, "AvailabilityZone", a.get("availability_zone").val());
            "AWS::EC2::Subnet"
        }
        "aws_lb" | "aws_alb" => {
            put(&mut m, "Type", a.get("load_balancer_type").val());
            let mut subnets = ids(a.get("subnets"), plan);
            if subnets.as_array().is_none_or(Vec::is_empty) {
                subnets = Value::Array(
                    a.get("subnet_mapping")
                        .items()
                        .into_iter()
                        .filter_map(|x| id(x.get("subnet_id"), plan))
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
        "aws_autoscaling_group" => {
            put(&mut m, "MinSize", num(a.get("min_size")));
            put(&mut m, "MaxSize", num(a.get("max_size")));
            put(&mut m, "DesiredCapacity", num(a.get("desired_capacity")));
            m.insert(
                "VPCZoneIdentifier".into(),
                ids(a.get("vpc_zone_identifier"), plan),
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
        "aws_lambda_function" => {
            put(&mut m, "MemorySize", num(a.get("memory_size")));
            put(&mut m, "Timeout", num(a.get("timeout")));
            // -1 is the provider's "no reservation".
            put(
                &mut m,
                "ReservedConcurrentExecutions",
                num(a.get("reserved_concurrent_executions"))
                    .filter(|v| v.as_f64().is_some_and(|x| x >= 0.0)),
            );
            put(&mut m, "Architectures", a.get("architectures").val());
            "AWS::Lambda::Function"
        }
        "aws_lambda_provisioned_concurrency_config" => {
            put(&mut m, "FunctionName", id(a.get("function_name"), plan));
            put(
                &mut m,
                "ProvisionedConcurrencyConfig",
                num(a.get("provisioned_concurrent_executions"))
                    .map(|n| json!({"ProvisionedConcurrentExecutions": n})),
            );
            "AWS::Lambda::Alias"
        }
        "aws_lambda_event_source_mapping" => {
            put(
                &mut m,
                "EventSourceArn",
                id(a.get("event_source_arn"), plan),
            );
            put(&mut m, "FunctionName", id(a.get("function_name"), plan));
            for (k, c) in [
                ("batch_size", "BatchSize"),
                (
                    "maximum_batching_window_in_seconds",
                    "MaximumBatchingWindowInSeconds",
                ),
                ("function_response_types", "FunctionResponseTypes"),
                ("parallelization_factor", "ParallelizationFactor"),
                ("maximum_retry_attempts", "MaximumRetryAttempts"),
                (
                    "bisect_batch_on_function_error",
                    "BisectBatchOnFunctionError",
                ),
            ] {
                put(&mut m, c, a.get(k).val());
            }
            put(
                &mut m,
                "ScalingConfig",
                num(a.get("scaling_config").first().get("maximum_concurrency"))
                    .map(|c| json!({"MaximumConcurrency": c})),
            );
            "AWS::Lambda::EventSourceMapping"
        }
        "aws_sqs_queue" => {
            put(
                &mut m,
                "VisibilityTimeout",
                num(a.get("visibility_timeout_seconds")),
            );
            put(&mut m, "DelaySeconds", num(a.get("delay_seconds")));
            put(
                &mut m,
                "MessageRetentionPeriod",
                num(a.get("message_retention_seconds")),
            );
            put(&mut m, "FifoQueue", a.get("fifo_queue").val());
            let rp = a.get("redrive_policy");
            match rp.val().and_then(|v| v.as_str().map(String::from)) {
                Some(text) if !text.is_empty() => {
                    let mut p: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
                    if let Some(arn) = p.get("deadLetterTargetArn").and_then(Value::as_str)
                        && let Some(q) = plan.known.get(arn)
                    {
                        p["deadLetterTargetArn"] = Value::String(q.clone());
                    }
                    m.insert("RedrivePolicy".into(), p);
                }
                _ => {
                    // In a plan the policy is unknown until the queue's ARN is: its
                    // dead-letter queue comes from the configuration, its count is not known.
                    if let Some(q) = rp.id(plan) {
                        m.insert(
                            "RedrivePolicy".into(),
                            json!({"deadLetterTargetArn": q, "maxReceiveCount": "FILL: maxReceiveCount (unknown in the plan)"}),
                        );
                    }
                }
            }
            "AWS::SQS::Queue"
        }
        "aws_db_instance" => {
            put(&mut m, "DBInstanceClass", a.get("instance_class").val());
            put(&mut m, "MultiAZ", a.get("multi_az").val());
            if a.get("replicate_source_db").val().is_some_and(|v| v != "") {
                m.insert(
                    "SourceDBInstanceIdentifier".into(),
                    a.get("replicate_source_db").v.clone(),
                );
            }
            "AWS::RDS::DBInstance"
        }
        "aws_dynamodb_table" => {
            let mode = a.get("billing_mode").val();
            if mode.as_ref().and_then(Value::as_str) == Some("PAY_PER_REQUEST") {
                m.insert("BillingMode".into(), "PAY_PER_REQUEST".into());
            } else {
                let mut pt = Map::new();
                put(&mut pt, "ReadCapacityUnits", num(a.get("read_capacity")));
                put(&mut pt, "WriteCapacityUnits", num(a.get("write_capacity")));
                m.insert("ProvisionedThroughput".into(), Value::Object(pt));
            }
            "AWS::DynamoDB::Table"
        }
        "aws_kinesis_stream" => {
            put(&mut m, "ShardCount", num(a.get("shard_count")));
            put(
                &mut m,
                "RetentionPeriodHours",
                num(a.get("retention_period")),
            );
            put(
                &mut m,
                "StreamModeDetails",
                a.get("stream_mode_details")
                    .first()
                    .get("stream_mode")
                    .val()
                    .map(|x| json!({"StreamMode": x})),
            );
            "AWS::Kinesis::Stream"
        }
        "aws_route53_record" => {
            put(&mut m, "Name", a.get("name").val());
            put(&mut m, "Type", a.get("type").val());
            put(&mut m, "TTL", num(a.get("ttl")));
            put(&mut m, "SetIdentifier", a.get("set_identifier").val());
            let al = a.get("alias").first();
            if let Some(lb) = al.get("name").id(plan) {
                let mut x = Map::new();
                x.insert("DNSName".into(), Value::String(lb));
                put(
                    &mut x,
                    "EvaluateTargetHealth",
                    al.get("evaluate_target_health").val(),
                );
                m.insert("AliasTarget".into(), Value::Object(x));
            }
            let recs = a.get("records");
            let rec_ids = recs.ids(plan);
            if !rec_ids.is_empty() {
                m.insert("ResourceRecords".into(), json!(rec_ids));
            }
            put(
                &mut m,
                "Failover",
                a.get("failover_routing_policy").first().get("type").val(),
            );
            put(
                &mut m,
                "Weight",
                num(a.get("weighted_routing_policy").first().get("weight")),
            );
            put(
                &mut m,
                "Region",
                a.get("latency_routing_policy").first().get("region").val(),
            );
            if a.get("geolocation_routing_policy").first().v.is_object() {
                m.insert("GeoLocation".into(), json!({}));
            }
            put(&mut m, "HealthCheckId", id(a.get("health_check_id"), plan));
            "AWS::Route53::RecordSet"
        }
        "aws_route53_health_check" => {
            let mut c = Map::new();
            put(&mut c, "RequestInterval", num(a.get("request_interval")));
            put(&mut c, "FailureThreshold", num(a.get("failure_threshold")));
            m.insert("HealthCheckConfig".into(), Value::Object(c));
            "AWS::Route53::HealthCheck"
        }
        "aws_nat_gateway" => {
            put(&mut m, "SubnetId", id(a.get("subnet_id"), plan));
            "AWS::EC2::NatGateway"
        }
        "aws_elasticache_cluster" => {
            put(&mut m, "Engine", a.get("engine").val());
            put(&mut m, "CacheNodeType", a.get("node_type").val());
            put(&mut m, "NumCacheNodes", num(a.get("num_cache_nodes")));
            "AWS::ElastiCache::CacheCluster"
        }
        "aws_elasticache_replication_group" => {
            put(&mut m, "CacheNodeType", a.get("node_type").val());
            put(&mut m, "NumCacheClusters", num(a.get("num_cache_clusters")));
            "AWS::ElastiCache::ReplicationGroup"
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
            let subnets = ids(a.get("network_configuration").first().get("subnets"), plan);
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
        "aws_api_gateway_rest_api" => "AWS::ApiGateway::RestApi",
        "aws_api_gateway_integration" => {
            put(&mut m, "RestApiId", id(a.get("rest_api_id"), plan));
            if let Some(f) = a.get("uri").id(plan) {
                m.insert("Integration".into(), json!({"Uri": format!("{f}.Arn")}));
            }
            "AWS::ApiGateway::Method"
        }
        "aws_api_gateway_method_settings" => {
            put(&mut m, "RestApiId", id(a.get("rest_api_id"), plan));
            let st = a.get("settings").first();
            // method_path "*/*" is every method; "orders/POST" one.
            let path = a
                .get("method_path")
                .val()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or("*/*".into());
            let (res, method) = path.rsplit_once('/').unwrap_or(("*", "*"));
            let res = if res == "*" {
                "/*".to_string()
            } else {
                format!("/{res}")
            };
            m.insert(
                "MethodSettings".into(),
                json!([{"HttpMethod": method, "ResourcePath": res,
                        "ThrottlingRateLimit": st.get("throttling_rate_limit").val(),
                        "ThrottlingBurstLimit": st.get("throttling_burst_limit").val()}]),
            );
            "AWS::ApiGateway::Stage"
        }
        "aws_api_gateway_usage_plan" => {
            let stages: Vec<Value> = a
                .get("api_stages")
                .items()
                .into_iter()
                .filter_map(|s| Some(json!({"ApiId": s.get("api_id").id(plan)?})))
                .collect();
            m.insert("ApiStages".into(), Value::Array(stages));
            let t = a.get("throttle_settings").first();
            if t.v.is_object() {
                m.insert(
                    "Throttle".into(),
                    json!({"RateLimit": t.get("rate_limit").val(), "BurstLimit": t.get("burst_limit").val()}),
                );
            }
            let q = a.get("quota_settings").first();
            if q.v.is_object() {
                m.insert(
                    "Quota".into(),
                    json!({"Limit": q.get("limit").val(), "Period": q.get("period").val(), "Offset": q.get("offset").val()}),
                );
            }
            "AWS::ApiGateway::UsagePlan"
        }
        "aws_apigatewayv2_api" => {
            put(&mut m, "ProtocolType", a.get("protocol_type").val());
            "AWS::ApiGatewayV2::Api"
        }
        "aws_apigatewayv2_integration" => {
            put(&mut m, "ApiId", id(a.get("api_id"), plan));
            if let Some(f) = a.get("integration_uri").id(plan) {
                m.insert("IntegrationUri".into(), Value::String(format!("{f}.Arn")));
            }
            "AWS::ApiGatewayV2::Integration"
        }
        "aws_apigatewayv2_stage" => {
            put(&mut m, "ApiId", id(a.get("api_id"), plan));
            let d = a.get("default_route_settings").first();
            if d.v.is_object() {
                m.insert(
                    "DefaultRouteSettings".into(),
                    json!({"ThrottlingRateLimit": d.get("throttling_rate_limit").val(),
                           "ThrottlingBurstLimit": d.get("throttling_burst_limit").val()}),
                );
            }
            "AWS::ApiGatewayV2::Stage"
        }
        "aws_autoscaling_attachment" | "aws_lb_target_group_attachment" => return None,
        other => IMPLIED
            .iter()
            .find(|(t, _)| *t == other)
            .map_or(other, |(_, c)| *c),
    };
    Some((cfn.to_string(), m))
}

/// The plan's resources in CloudFormation's vocabulary.
pub fn to_model(plan: &Plan) -> Resolved {
    let mut out = Resolved::default();
    for r in &plan.res {
        let a = plan.at(r);
        if let Some((ty, props)) = one(&r.ty, a, plan) {
            out.resources.push((r.id.clone(), ty, Value::Object(props)));
        }
    }
    // Attachments: a group's target groups, a target group's Lambda target.
    for r in &plan.res {
        let a = plan.at(r);
        let (owner, key, item) = match r.ty.as_str() {
            "aws_autoscaling_attachment" => (
                a.get("autoscaling_group_name").id(plan),
                "TargetGroupARNs",
                a.get("lb_target_group_arn").id(plan).map(Value::String),
            ),
            "aws_lb_target_group_attachment" => (
                a.get("target_group_arn").id(plan),
                "Targets",
                a.get("target_id").id(plan).map(|f| json!({"Id": f})),
            ),
            _ => continue,
        };
        let (Some(owner), Some(item)) = (owner, item) else {
            out.problems.push(format!(
                "{}: its target group or target is not a resource of the plan",
                r.base
            ));
            continue;
        };
        if let Some((_, _, p)) = out.resources.iter_mut().find(|(i, _, _)| *i == owner)
            && let Some(m) = p.as_object_mut()
        {
            let list = m.entry(key).or_insert_with(|| Value::Array(Vec::new()));
            if let Some(l) = list.as_array_mut() {
                l.push(item);
            }
        }
    }
    out
}
