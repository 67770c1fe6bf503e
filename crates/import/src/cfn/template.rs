//! A template's text, YAML (with CloudFormation's short-form tags) or JSON, into one JSON
//! value in the long form: `!Ref X` is `{"Ref": "X"}`, `!GetAtt R.A` is
//! `{"Fn::GetAtt": ["R", "A"]}`, `!Condition C` is `{"Condition": "C"}`, and any other `!Name v`
//! is `{"Fn::Name": v}` (the short forms of
//! https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html).
//! Keys keep the template's order.

use serde_json::{Map, Value};
use serde_yaml_ng::Value as Yaml;

/// Parses a template (a JSON template is YAML too).
pub fn parse(text: &str) -> Result<Value, String> {
    let yaml: Yaml = serde_yaml_ng::from_str(text).map_err(|e| e.to_string())?;
    convert(yaml)
}

fn key(k: Yaml) -> Result<String, String> {
    match k {
        Yaml::String(s) => Ok(s),
        Yaml::Number(n) => Ok(n.to_string()),
        Yaml::Bool(b) => Ok(b.to_string()),
        other => Err(format!("a mapping key must be text, got {other:?}")),
    }
}

fn convert(y: Yaml) -> Result<Value, String> {
    Ok(match y {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                Value::from(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => {
            Value::Array(items.into_iter().map(convert).collect::<Result<_, _>>()?)
        }
        Yaml::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(key(k)?, convert(v)?);
            }
            Value::Object(out)
        }
        Yaml::Tagged(t) => {
            let name = t.tag.to_string();
            let name = name.trim_start_matches('!');
            let v = convert(t.value)?;
            let (long, v) = match name {
                "Ref" => ("Ref".to_string(), v),
                "Condition" => ("Condition".to_string(), v),
                "GetAtt" => {
                    let v = match v {
                        Value::String(s) => match s.split_once('.') {
                            Some((r, a)) => Value::Array(vec![r.into(), a.into()]),
                            None => {
                                return Err(format!("!GetAtt {s}: expected RESOURCE.ATTRIBUTE"));
                            }
                        },
                        other => other,
                    };
                    ("Fn::GetAtt".to_string(), v)
                }
                other => (format!("Fn::{other}"), v),
            };
            let mut out = Map::new();
            out.insert(long, v);
            Value::Object(out)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_forms_become_long_forms() {
        let t = parse(
            "A: !Ref Env\nB: !GetAtt Queue.Arn\nC: !Sub '${AWS::StackName}-x'\nD: !If [IsProd, 3, 1]\nE: !Select [0, !GetAZs '']\n",
        )
        .unwrap();
        assert_eq!(
            t,
            json!({
                "A": {"Ref": "Env"},
                "B": {"Fn::GetAtt": ["Queue", "Arn"]},
                "C": {"Fn::Sub": "${AWS::StackName}-x"},
                "D": {"Fn::If": ["IsProd", 3, 1]},
                "E": {"Fn::Select": [0, {"Fn::GetAZs": ""}]},
            })
        );
    }

    #[test]
    fn json_templates_read_as_they_are() {
        let t = parse(r#"{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}"#).unwrap();
        assert_eq!(t["Resources"]["Q"]["Type"], "AWS::SQS::Queue");
    }
}
