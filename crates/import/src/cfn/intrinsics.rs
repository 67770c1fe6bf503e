//! A template resolved as CloudFormation resolves it at stack creation: parameters (given
//! values, else defaults, checked against `AllowedValues`), pseudo parameters, `Mappings`,
//! `Conditions` (a resource whose condition is false is dropped), and the intrinsic functions
//! of https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html:
//! `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`,
//! `Fn::If` (with `AWS::NoValue` removing the property), `Fn::Equals`, `Fn::And`, `Fn::Or`,
//! `Fn::Not`, `Fn::GetAZs`, `Fn::Base64`, `Fn::Length`.
//!
//! What exists only once deployed stands for itself, so cross-references stay readable: a
//! `Ref` to a resource is its logical id, `Fn::GetAtt` is `LOGICAL.Attribute`. Our choices
//! where a real stack would know more: the account is 123456789012, `Fn::GetAZs` answers
//! three AZs (`REGIONa`, `b`, `c`), `Fn::ImportValue` and `Fn::Cidr` cannot be resolved
//! and are reported.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The stack the template is deployed as.
#[derive(Clone, Debug)]
pub struct Stack {
    pub name: String,
    pub region: String,
}

impl Default for Stack {
    fn default() -> Self {
        Stack {
            name: "stack".into(),
            region: "us-east-1".into(),
        }
    }
}

pub use crate::model::Resolved;

const ACCOUNT: &str = "123456789012";

struct Resolver<'a> {
    params: BTreeMap<String, Value>,
    mappings: &'a Value,
    conditions: &'a Map<String, Value>,
    decided: BTreeMap<String, bool>,
    deciding: BTreeSet<String>,
    resources: BTreeSet<String>,
    stack: &'a Stack,
    problems: Vec<String>,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Resolves `template` with parameter values `given` (name, value).
pub fn resolve(template: &Value, given: &[(String, String)], stack: &Stack) -> Resolved {
    let empty = Map::new();
    let section = |name: &str| {
        template
            .get(name)
            .and_then(Value::as_object)
            .unwrap_or(&empty)
    };
    let mut r = Resolver {
        params: BTreeMap::new(),
        mappings: template.get("Mappings").unwrap_or(&Value::Null),
        conditions: section("Conditions"),
        decided: BTreeMap::new(),
        deciding: BTreeSet::new(),
        resources: section("Resources").keys().cloned().collect(),
        stack,
        problems: Vec::new(),
    };
    r.parameters(section("Parameters"), given);
    let mut out = Resolved::default();
    for (id, res) in section("Resources") {
        let path = format!("Resources.{id}");
        let ty = res
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if ty.is_empty() {
            r.problems.push(format!("{path}.Type: missing"));
            continue;
        }
        if let Some(c) = res.get("Condition").and_then(Value::as_str)
            && !r.condition(c, &path)
        {
            out.dropped.push(id.clone());
            continue;
        }
        let props = res
            .get("Properties")
            .cloned()
            .unwrap_or(Value::Object(Map::new()));
        let props = r
            .value(&props, &format!("{path}.Properties"))
            .unwrap_or(Value::Null);
        out.resources.push((id.clone(), ty, props));
    }
    out.problems = r.problems;
    out
}

impl Resolver<'_> {
    fn parameters(&mut self, declared: &Map<String, Value>, given: &[(String, String)]) {
        for (name, _) in given {
            if !declared.contains_key(name) {
                self.problems.push(format!(
                    "--params {name}: the template has no such parameter (it has: {})",
                    declared.keys().cloned().collect::<Vec<_>>().join(", ")
                ));
            }
        }
        for (name, decl) in declared {
            let path = format!("Parameters.{name}");
            let value = given
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .or_else(|| decl.get("Default").and_then(text));
            let Some(value) = value else {
                self.problems
                    .push(format!("{path}: no Default; pass --params {name}=VALUE"));
                continue;
            };
            if let Some(allowed) = decl.get("AllowedValues").and_then(Value::as_array)
                && !allowed.iter().filter_map(text).any(|a| a == value)
            {
                self.problems.push(format!(
                    "{path}: `{value}` is not one of its AllowedValues ({})",
                    allowed
                        .iter()
                        .filter_map(text)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            let ty = decl.get("Type").and_then(Value::as_str).unwrap_or("String");
            let v = if ty.starts_with("List<") || ty == "CommaDelimitedList" {
                Value::Array(
                    value
                        .split(',')
                        .map(|s| Value::String(s.trim().into()))
                        .collect(),
                )
            } else {
                Value::String(value)
            };
            self.params.insert(name.clone(), v);
        }
    }

    /// Whether condition `name` holds (each decided once; a cycle is a problem).
    fn condition(&mut self, name: &str, path: &str) -> bool {
        if let Some(&b) = self.decided.get(name) {
            return b;
        }
        let Some(def) = self.conditions.get(name) else {
            self.problems
                .push(format!("{path}: no condition `{name}` in Conditions"));
            return false;
        };
        if !self.deciding.insert(name.to_string()) {
            self.problems
                .push(format!("Conditions.{name}: refers to itself"));
            return false;
        }
        let b = self.boolean(def, &format!("Conditions.{name}"));
        self.deciding.remove(name);
        self.decided.insert(name.to_string(), b);
        b
    }

    /// A condition function's value.
    fn boolean(&mut self, v: &Value, path: &str) -> bool {
        let Some((f, arg)) = single(v) else {
            self.problems
                .push(format!("{path}: expected a condition function"));
            return false;
        };
        let list = |r: &mut Self, n: std::ops::RangeInclusive<usize>| -> Option<Vec<Value>> {
            match arg.as_array() {
                Some(a) if n.contains(&a.len()) => Some(a.clone()),
                _ => {
                    r.problems
                        .push(format!("{path}.{f}: expected a list of {n:?} items"));
                    None
                }
            }
        };
        match f {
            "Condition" => match arg.as_str() {
                Some(c) => self.condition(c, path),
                None => false,
            },
            "Fn::Equals" => match list(self, 2..=2) {
                Some(a) => {
                    let x = self.value(&a[0], path).as_ref().and_then(text);
                    let y = self.value(&a[1], path).as_ref().and_then(text);
                    x.is_some() && x == y
                }
                None => false,
            },
            "Fn::Not" => list(self, 1..=1).is_some_and(|a| !self.boolean(&a[0], path)),
            "Fn::And" => {
                list(self, 2..=10).is_some_and(|a| a.iter().all(|c| self.boolean(c, path)))
            }
            "Fn::Or" => list(self, 2..=10).is_some_and(|a| a.iter().any(|c| self.boolean(c, path))),
            other => {
                self.problems
                    .push(format!("{path}: `{other}` is not a condition function"));
                false
            }
        }
    }

    /// A value resolved; `None` for `AWS::NoValue` (the caller drops it).
    fn value(&mut self, v: &Value, path: &str) -> Option<Value> {
        if let Some((f, arg)) = single(v)
            && (f == "Ref" || f == "Condition" || f.starts_with("Fn::"))
        {
            return self.function(f, arg, path);
        }
        Some(match v {
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, x)| self.value(x, &format!("{path}[{i}]")))
                    .collect(),
            ),
            Value::Object(m) => Value::Object(
                m.iter()
                    .filter_map(|(k, x)| Some((k.clone(), self.value(x, &format!("{path}.{k}"))?)))
                    .collect(),
            ),
            other => other.clone(),
        })
    }

    fn text_of(&mut self, v: &Value, path: &str) -> Option<String> {
        let r = self.value(v, path)?;
        let t = text(&r);
        if t.is_none() {
            self.problems
                .push(format!("{path}: expected text, got {r}"));
        }
        t
    }

    fn list_of(&mut self, v: &Value, path: &str) -> Option<Vec<Value>> {
        match self.value(v, path)? {
            Value::Array(a) => Some(a),
            other => {
                self.problems
                    .push(format!("{path}: expected a list, got {other}"));
                None
            }
        }
    }

    fn reference(&mut self, name: &str, path: &str) -> Option<Value> {
        let s = |x: &str| Some(Value::String(x.to_string()));
        match name {
            "AWS::NoValue" => None,
            "AWS::Region" => s(&self.stack.region),
            "AWS::AccountId" => s(ACCOUNT),
            "AWS::StackName" => s(&self.stack.name),
            "AWS::StackId" => s(&format!(
                "arn:aws:cloudformation:{}:{ACCOUNT}:stack/{}/id",
                self.stack.region, self.stack.name
            )),
            "AWS::Partition" => s("aws"),
            "AWS::URLSuffix" => s("amazonaws.com"),
            "AWS::NotificationARNs" => Some(Value::Array(Vec::new())),
            n if self.params.contains_key(n) => self.params.get(n).cloned(),
            n if self.resources.contains(n) => s(n),
            n => {
                self.problems.push(format!(
                    "{path}: Ref to `{n}`, which is neither a parameter nor a resource"
                ));
                s(n)
            }
        }
    }

    fn function(&mut self, f: &str, arg: &Value, path: &str) -> Option<Value> {
        let path = &format!("{path}.{f}");
        match f {
            "Ref" => match arg.as_str() {
                Some(n) => self.reference(n, path),
                None => {
                    self.problems.push(format!("{path}: expected a name"));
                    None
                }
            },
            "Condition" => {
                let c = arg.as_str().unwrap_or("");
                Some(Value::Bool(self.condition(c, path)))
            }
            "Fn::If" => {
                let a = arg.as_array().filter(|a| a.len() == 3);
                let Some(a) = a else {
                    self.problems
                        .push(format!("{path}: expected [CONDITION, IF_TRUE, IF_FALSE]"));
                    return None;
                };
                let c = a[0].as_str().unwrap_or("");
                let branch = if self.condition(c, path) {
                    &a[1]
                } else {
                    &a[2]
                };
                self.value(branch, path)
            }
            "Fn::GetAtt" => {
                let parts: Vec<String> = match arg {
                    Value::Array(a) => a.iter().filter_map(|x| self.text_of(x, path)).collect(),
                    Value::String(s) => s.splitn(2, '.').map(str::to_string).collect(),
                    _ => Vec::new(),
                };
                if parts.len() != 2 || !self.resources.contains(&parts[0]) {
                    self.problems.push(format!(
                        "{path}: expected [RESOURCE, ATTRIBUTE] of a resource of the template"
                    ));
                }
                Some(Value::String(parts.join(".")))
            }
            "Fn::Sub" => {
                let (template, vars) = match arg {
                    Value::Array(a) if a.len() == 2 => {
                        (a[0].clone(), a[1].as_object().cloned().unwrap_or_default())
                    }
                    other => (other.clone(), Map::new()),
                };
                let template = self.text_of(&template, path)?;
                let mut local = BTreeMap::new();
                for (k, v) in &vars {
                    local.insert(k.clone(), self.text_of(v, &format!("{path}.{k}"))?);
                }
                Some(Value::String(self.substitute(&template, &local, path)))
            }
            "Fn::Join" => {
                let a = arg.as_array().filter(|a| a.len() == 2)?;
                let d = self.text_of(&a[0], path)?;
                let items = self.list_of(&a[1], path)?;
                let parts: Vec<String> = items.iter().filter_map(text).collect();
                Some(Value::String(parts.join(&d)))
            }
            "Fn::Select" => {
                let a = arg.as_array().filter(|a| a.len() == 2)?;
                let i = self.text_of(&a[0], path)?.parse::<usize>().ok();
                let items = self.list_of(&a[1], path)?;
                match i.and_then(|i| items.get(i)) {
                    Some(x) => Some(x.clone()),
                    None => {
                        self.problems
                            .push(format!("{path}: index outside the list of {}", items.len()));
                        None
                    }
                }
            }
            "Fn::Split" => {
                let a = arg.as_array().filter(|a| a.len() == 2)?;
                let d = self.text_of(&a[0], path)?;
                let s = self.text_of(&a[1], path)?;
                Some(Value::Array(
                    s.split(d.as_str())
                        .map(|x| Value::String(x.into()))
                        .collect(),
                ))
            }
            "Fn::FindInMap" => {
                let a = arg.as_array().filter(|a| a.len() >= 3)?;
                let keys: Vec<String> = a[..3]
                    .iter()
                    .filter_map(|x| self.text_of(x, path))
                    .collect();
                let found = (keys.len() == 3)
                    .then(|| {
                        self.mappings
                            .get(&keys[0])?
                            .get(&keys[1])?
                            .get(&keys[2])
                            .cloned()
                    })
                    .flatten();
                match found {
                    Some(v) => self.value(&v, path),
                    None => {
                        self.problems
                            .push(format!("{path}: no Mappings entry {}", keys.join(".")));
                        None
                    }
                }
            }
            "Fn::GetAZs" => {
                // `!GetAZs` with no argument is YAML's null: the stack's region, as `''`.
                let region = (!arg.is_null())
                    .then(|| self.text_of(arg, path))
                    .flatten()
                    .filter(|r| !r.is_empty())
                    .unwrap_or(self.stack.region.clone());
                Some(Value::Array(
                    ["a", "b", "c"]
                        .iter()
                        .map(|z| Value::String(format!("{region}{z}")))
                        .collect(),
                ))
            }
            "Fn::Base64" => self.value(arg, path),
            "Fn::Length" => self.list_of(arg, path).map(|l| Value::from(l.len())),
            "Fn::ImportValue" | "Fn::Cidr" | "Fn::GetStackOutput" => {
                self.problems.push(format!(
                    "{path}: needs another deployed stack; cannot be resolved here"
                ));
                Some(Value::String(format!("<{f}>")))
            }
            other => {
                self.problems.push(format!(
                    "{path}: `{other}` is not an intrinsic function Stratus resolves"
                ));
                None
            }
        }
    }

    /// `Fn::Sub`'s `${Name}` (a local variable, parameter, pseudo parameter, resource) and
    /// `${Resource.Attribute}`; `${!Literal}` writes `${Literal}`.
    fn substitute(
        &mut self,
        template: &str,
        local: &BTreeMap<String, String>,
        path: &str,
    ) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(j) = after.find('}') else {
                self.problems
                    .push(format!("{path}: `${{` without its `}}`"));
                out.push_str(&rest[i..]);
                return out;
            };
            let name = &after[..j];
            if let Some(lit) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(lit);
                out.push('}');
            } else if let Some(v) = local.get(name) {
                out.push_str(v);
            } else if name.contains('.')
                && self
                    .resources
                    .contains(name.split('.').next().unwrap_or(""))
            {
                out.push_str(name);
            } else {
                match self.reference(name, path) {
                    Some(Value::Array(a)) => {
                        out.push_str(&a.iter().filter_map(text).collect::<Vec<_>>().join(","))
                    }
                    Some(v) => out.push_str(&text(&v).unwrap_or_default()),
                    None => {}
                }
            }
            rest = &after[j + 1..];
        }
        out.push_str(rest);
        out
    }
}

/// The one key and value of a single-key object.
fn single(v: &Value) -> Option<(&str, &Value)> {
    let m = v.as_object()?;
    if m.len() != 1 {
        return None;
    }
    m.iter().next().map(|(k, v)| (k.as_str(), v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cfn::template::parse;
    use serde_json::json;

    const TEMPLATE: &str = r#"
Parameters:
  Env: {Type: String, Default: dev, AllowedValues: [dev, prod]}
  Size: {Type: Number, Default: 2}
  Subnets: {Type: CommaDelimitedList, Default: "s-1,s-2"}
Mappings:
  Sizes:
    dev: {Instance: t3.micro}
    prod: {Instance: m5.large}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [!Ref Size, "2"]]
Resources:
  Queue: {Type: AWS::SQS::Queue}
  Extra:
    Type: AWS::SQS::Queue
    Condition: IsProd
  Fleet:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MinSize: !Ref Size
      MaxSize: !If [IsProd, 10, 4]
      Name: !Sub "${AWS::StackName}-${Env}-fleet"
      Literal: !Sub "${!NotThis}"
      WithVars: !Sub ["${A}/${Queue.Arn}", {A: !Ref "AWS::Region"}]
      Type: !FindInMap [Sizes, !Ref Env, Instance]
      Zones: !GetAZs ""
      First: !Select [1, !Ref Subnets]
      Joined: !Join ["-", [a, !Ref Env, !GetAtt Queue.Arn]]
      Split: !Split [",", "x,y"]
      Dropped: !If [IsProd, yes, !Ref "AWS::NoValue"]
      List: [1, !If [IsDev, !Ref "AWS::NoValue", 2], 3]
      Count: !Length [a, b, c]
"#;

    #[test]
    fn intrinsics_resolve_as_cloudformation_resolves_them() {
        let t = parse(TEMPLATE).unwrap();
        let r = resolve(&t, &[], &Stack::default());
        assert_eq!(r.problems, Vec::<String>::new());
        assert_eq!(r.dropped, vec!["Extra"]);
        let fleet = &r.resources.iter().find(|x| x.0 == "Fleet").unwrap().2;
        assert_eq!(
            *fleet,
            json!({
                "MinSize": "2", "MaxSize": 4, "Name": "stack-dev-fleet", "Literal": "${NotThis}",
                "WithVars": "us-east-1/Queue.Arn", "Type": "t3.micro",
                "Zones": ["us-east-1a", "us-east-1b", "us-east-1c"], "First": "s-2",
                "Joined": "a-dev-Queue.Arn", "Split": ["x", "y"], "List": [1, 3], "Count": 3
            })
        );
    }

    #[test]
    fn given_parameters_and_conditions_change_the_stack() {
        let t = parse(TEMPLATE).unwrap();
        let r = resolve(&t, &[("Env".into(), "prod".into())], &Stack::default());
        assert!(
            r.dropped.is_empty() && r.problems.is_empty(),
            "{:?}",
            r.problems
        );
        let fleet = &r.resources.iter().find(|x| x.0 == "Fleet").unwrap().2;
        assert_eq!(
            (fleet["MaxSize"].clone(), fleet["Type"].clone()),
            (json!(10), json!("m5.large"))
        );
        assert_eq!(fleet["Dropped"], "yes");
        assert_eq!(fleet["List"], json!([1, 2, 3]));
    }

    #[test]
    fn every_problem_is_reported_with_its_path() {
        let t = parse(
            "Parameters: {Env: {Type: String, AllowedValues: [a]}}\nResources:\n  R:\n    Type: X\n    Properties: {A: !Ref Nope, B: !ImportValue shared, C: !Select [5, [a]]}\n",
        )
        .unwrap();
        let r = resolve(&t, &[("Envv".into(), "b".into())], &Stack::default());
        let all = r.problems.join("\n");
        for needle in [
            "--params Envv: the template has no such parameter",
            "Parameters.Env: no Default",
            "Resources.R.Properties.A.Ref: Ref to `Nope`",
            "Resources.R.Properties.B.Fn::ImportValue: needs another deployed stack",
            "Resources.R.Properties.C.Fn::Select: index outside the list of 1",
        ] {
            assert!(all.contains(needle), "missing `{needle}` in:\n{all}");
        }
    }
}
