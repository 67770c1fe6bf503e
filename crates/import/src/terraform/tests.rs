//! A plan's references found through its configuration, a state's through known values.

use super::*;
use serde_json::json;

fn plan() -> Value {
    json!({
      "format_version": "1.2",
      "planned_values": {"root_module": {
        "resources": [
          {"address": "aws_lb.web", "mode": "managed", "type": "aws_lb", "name": "web",
           "values": {"load_balancer_type": "application", "subnets": null}},
          {"address": "aws_subnet.a[0]", "mode": "managed", "type": "aws_subnet", "name": "a", "index": 0,
           "values": {"availability_zone": "us-east-1a"}},
          {"address": "aws_subnet.a[1]", "mode": "managed", "type": "aws_subnet", "name": "a", "index": 1,
           "values": {"availability_zone": "us-east-1b"}},
          {"address": "data.aws_ami.x", "mode": "data", "type": "aws_ami", "name": "x", "values": {}}
        ],
        "child_modules": [{"address": "module.q", "resources": [
          {"address": "module.q.aws_sqs_queue.this", "mode": "managed", "type": "aws_sqs_queue", "name": "this",
           "values": {"visibility_timeout_seconds": 60}}
        ]}]
      }},
      "configuration": {"root_module": {
        "resources": [
          {"address": "aws_lb.web", "type": "aws_lb", "name": "web",
           "expressions": {"subnets": {"references": ["aws_subnet.a", "aws_subnet.a[0].id"]}}}
        ],
        "module_calls": {"q": {"module": {"resources": []}}}
      }}
    })
}

#[test]
fn plan_references_come_from_the_configuration() {
    let r = read(&plan()).unwrap();
    let ids: Vec<&str> = r.resources.iter().map(|x| x.0.as_str()).collect();
    // Data sources are skipped; module resources carry the module's name.
    assert_eq!(ids, ["web", "a-0", "a-1", "q-this"]);
    assert_eq!(
        r.resources[0].1,
        "AWS::ElasticLoadBalancingV2::LoadBalancer"
    );
    assert_eq!(r.resources[0].2["Subnets"], json!(["a-0", "a-1"]));
    assert_eq!(r.resources[3].2["VisibilityTimeout"], 60);
}

#[test]
fn state_references_come_from_known_values() {
    let state = json!({"values": {"root_module": {"resources": [
        {"address": "aws_sqs_queue.dlq", "mode": "managed", "type": "aws_sqs_queue", "name": "dlq",
         "values": {"arn": "arn:aws:sqs:us-east-1:1:dlq"}},
        {"address": "aws_sqs_queue.jobs", "mode": "managed", "type": "aws_sqs_queue", "name": "jobs",
         "values": {"redrive_policy": "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:1:dlq\",\"maxReceiveCount\":4}"}},
        {"address": "aws_s3_bucket.b", "mode": "managed", "type": "aws_s3_bucket", "name": "b", "values": {}}
    ]}}});
    let r = read(&state).unwrap();
    assert_eq!(
        r.resources[1].2["RedrivePolicy"]["deadLetterTargetArn"],
        "dlq"
    );
    assert_eq!(r.resources[1].2["RedrivePolicy"]["maxReceiveCount"], 4);
    // A type the mapping does not know keeps its name, to be listed.
    assert_eq!(r.resources[2].1, "aws_s3_bucket");
    assert!(read(&json!({"x": 1})).is_err());
}
