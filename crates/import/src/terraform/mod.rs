//! Terraform: the JSON of `terraform show -json` (a plan's `planned_values.root_module`, or a
//! state's `values.root_module`, with their `child_modules`; the format of
//! https://developer.hashicorp.com/terraform/internals/json-format) read into the same model
//! as a CloudFormation stack (`model::Resolved`), so one writer serves both.
//!
//! Resources are named by their address without the type: `aws_lb.web` is `web`,
//! `module.app.aws_lb.this[0]` is `app-this-0`. A reference between resources is read from
//! the value when it is known (a state, or a plan's known ARNs, ids and names are matched
//! against every resource's `arn`, `id`, `name`, `invoke_arn` and `dns_name`), else from the
//! plan's `configuration` (the expression's `references`, `aws_lb.web.arn`): values known
//! only after apply are absent from `planned_values`. Data sources are skipped; resource
//! types the mapping (`map`) does not know keep their Terraform type and are listed as not
//! modeled.

mod map;

use crate::model::Resolved;
use serde_json::Value;
use std::collections::BTreeMap;

/// One resource of the plan or state.
pub(crate) struct Res {
    /// The full address without an index (`module.app.aws_lb.this`).
    base: String,
    id: String,
    ty: String,
    values: Value,
    /// The configuration's expressions for it, when the JSON has a `configuration`.
    exprs: Value,
    /// The module prefix of its references (`module.app.`).
    prefix: String,
}

/// The plan or state: every resource, and how references find them.
pub(crate) struct Plan {
    res: Vec<Res>,
    /// Known attribute values (ARN, id, name, ...) -> logical id.
    known: BTreeMap<String, String>,
}

/// A view of one attribute of a resource: its value and its expression, walked together.
#[derive(Clone, Copy)]
pub(crate) struct At<'a> {
    pub v: &'a Value,
    e: &'a Value,
    prefix: &'a str,
}

static NULL: Value = Value::Null;

impl<'a> At<'a> {
    /// A key of an object (a nested block is a list of one object: `.get("x").first()`).
    pub fn get(self, k: &str) -> At<'a> {
        At {
            v: self.v.get(k).unwrap_or(&NULL),
            e: self.e.get(k).unwrap_or(&NULL),
            prefix: self.prefix,
        }
    }

    pub fn idx(self, i: usize) -> At<'a> {
        At {
            v: self.v.get(i).unwrap_or(&NULL),
            e: self.e.get(i).unwrap_or(&NULL),
            prefix: self.prefix,
        }
    }

    pub fn first(self) -> At<'a> {
        self.idx(0)
    }

    /// The items of a list attribute or nested block.
    pub fn items(self) -> Vec<At<'a>> {
        let n = self
            .v
            .as_array()
            .map_or(0, Vec::len)
            .max(self.e.as_array().map_or(0, Vec::len));
        (0..n).map(|i| self.idx(i)).collect()
    }

    /// The value, if known and not null.
    pub fn val(self) -> Option<Value> {
        (!self.v.is_null()).then(|| self.v.clone())
    }

    /// The resources this attribute refers to, in order: by known value, else by the
    /// expression's references.
    pub fn ids(self, plan: &Plan) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let known = |s: &str| plan.known.get(s).cloned();
        match self.v {
            Value::String(s) => out.extend(known(s)),
            Value::Array(a) => out.extend(a.iter().filter_map(|x| x.as_str()).filter_map(known)),
            _ => {}
        }
        if out.is_empty() {
            let mut refs = Vec::new();
            collect_refs(self.e, &mut refs);
            for r in refs {
                for id in plan.by_reference(self.prefix, &r) {
                    if !out.contains(&id) {
                        out.push(id);
                    }
                }
            }
        }
        out
    }

    /// The one resource this attribute refers to.
    pub fn id(self, plan: &Plan) -> Option<String> {
        self.ids(plan).into_iter().next()
    }
}

fn collect_refs(e: &Value, out: &mut Vec<String>) {
    match e {
        Value::Object(m) => {
            if let Some(Value::Array(r)) = m.get("references") {
                out.extend(r.iter().filter_map(|x| x.as_str().map(String::from)));
            }
            for (k, v) in m {
                if k != "references" {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

impl Plan {
    /// The logical ids a reference (`aws_lb.web.arn`, `aws_subnet.a[0].id`,
    /// `aws_subnet.public`) names, from module `prefix`.
    fn by_reference(&self, prefix: &str, r: &str) -> Vec<String> {
        let mut parts = r.split('.');
        let (Some(ty), Some(name)) = (parts.next(), parts.next()) else {
            return Vec::new();
        };
        if matches!(
            ty,
            "var" | "local" | "module" | "data" | "each" | "count" | "path"
        ) {
            return Vec::new();
        }
        let (name, index) = match name.split_once('[') {
            Some((n, i)) => (
                n,
                Some(i.trim_end_matches(']').trim_matches('"').to_string()),
            ),
            None => (name, None),
        };
        let base = format!("{prefix}{ty}.{name}");
        self.res
            .iter()
            .filter(|x| x.base == base)
            .filter(|x| match &index {
                Some(i) => x.id.ends_with(&format!("-{i}")),
                None => true,
            })
            .map(|x| x.id.clone())
            .collect()
    }

    pub fn at<'a>(&'a self, r: &'a Res) -> At<'a> {
        At {
            v: &r.values,
            e: &r.exprs,
            prefix: &r.prefix,
        }
    }
}

/// A name usable in a scenario: letters, digits, `-` and `_`.
fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches('-')
        .to_string()
}

/// The configuration's expressions of every resource, by full address (`module.a.aws_lb.x`).
fn expressions(module: &Value, prefix: &str, out: &mut BTreeMap<String, Value>) {
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(a), Some(e)) = (
            r.get("address").and_then(Value::as_str),
            r.get("expressions"),
        ) {
            out.insert(format!("{prefix}{a}"), e.clone());
        }
    }
    for (name, call) in module
        .get("module_calls")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if let Some(m) = call.get("module") {
            expressions(m, &format!("{prefix}module.{name}."), out);
        }
    }
}

fn resources(module: &Value, exprs: &BTreeMap<String, Value>, out: &mut Vec<Res>) {
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if r.get("mode").and_then(Value::as_str) == Some("data") {
            continue;
        }
        let address = r.get("address").and_then(Value::as_str).unwrap_or("");
        let ty = r
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let name = r.get("name").and_then(Value::as_str).unwrap_or("");
        let base = address.split('[').next().unwrap_or(address).to_string();
        let prefix = base
            .strip_suffix(&format!("{ty}.{name}"))
            .unwrap_or("")
            .to_string();
        let modules: Vec<&str> = prefix
            .split('.')
            .collect::<Vec<_>>()
            .chunks(2)
            .filter_map(|c| c.get(1).copied())
            .filter(|m| !m.is_empty())
            .collect();
        let mut id = modules.join("-");
        if !id.is_empty() {
            id.push('-');
        }
        id.push_str(name);
        if let Some(i) = r.get("index") {
            let i = i.as_str().map_or_else(|| i.to_string(), String::from);
            id.push('-');
            id.push_str(&i);
        }
        // Configuration addresses drop module instance keys (`module.a[0]` is `module.a`).
        let conf_key = {
            let mut k = String::new();
            for seg in base.split('.') {
                if !k.is_empty() {
                    k.push('.');
                }
                k.push_str(seg.split('[').next().unwrap_or(seg));
            }
            k
        };
        out.push(Res {
            base,
            id: clean(&id),
            ty,
            values: r.get("values").cloned().unwrap_or(Value::Null),
            exprs: exprs.get(&conf_key).cloned().unwrap_or(Value::Null),
            prefix,
        });
    }
    for c in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        resources(c, exprs, out);
    }
}

/// Reads the JSON of `terraform show -json` (plan or state) into the stack model.
pub fn read(json: &Value) -> Result<Resolved, String> {
    let root = json
        .get("planned_values")
        .or_else(|| json.get("values"))
        .and_then(|v| v.get("root_module"))
        .ok_or(
            "not the JSON of `terraform show -json`: no planned_values.root_module (a plan) \
             or values.root_module (a state)",
        )?;
    let mut exprs = BTreeMap::new();
    if let Some(conf) = json.get("configuration").and_then(|c| c.get("root_module")) {
        expressions(conf, "", &mut exprs);
    }
    let mut res = Vec::new();
    resources(root, &exprs, &mut res);
    let mut known = BTreeMap::new();
    for r in &res {
        for k in ["arn", "id", "name", "invoke_arn", "dns_name"] {
            if let Some(v) = r.values.get(k).and_then(Value::as_str) {
                known.entry(v.to_string()).or_insert_with(|| r.id.clone());
            }
        }
    }
    let plan = Plan { res, known };
    Ok(map::to_model(&plan))
}

#[cfg(test)]
mod tests;
