//! Request classes found in the logs: requests grouped by path pattern, host or target
//! group, each with its count, its target time, its payload sizes and its answers.
//!
//! A path pattern replaces the segments that name one object among many (numbers, hex or
//! UUID identifiers, long tokens with digits) with `*`, so `/orders/1042/items` and
//! `/orders/77/items` are one class, `/orders/*/items`: our choice of rule, printed in the
//! output. At most `MAX_KEYS` distinct keys are followed, so memory stays bounded whatever
//! the logs hold; requests of later keys are counted in a class `other`.

use crate::alb_log::Entry;
use crate::durations::Durations;
use std::collections::HashMap;

/// How requests are grouped into classes (`--by`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupBy {
    Path,
    Host,
    TargetGroup,
}

/// The most distinct keys followed.
pub const MAX_KEYS: usize = 10_000;
/// The name of the class that gathers keys past the limit and the smallest classes.
pub const OTHER: &str = "other";

/// What one class saw.
#[derive(Clone, Debug, Default)]
pub struct ClassStats {
    pub requests: u64,
    /// Target processing times of requests a target answered.
    pub work: Durations,
    pub received_bytes: u64,
    pub sent_bytes: u64,
    /// Answers by kind: the target's 2xx/3xx, 4xx and 5xx; and the load balancer's own
    /// 502, 503, 504 and other codes when no target answered.
    pub target_ok: u64,
    pub target_4xx: u64,
    pub target_5xx: u64,
    pub elb_502: u64,
    pub elb_503: u64,
    pub elb_504: u64,
    pub elb_other: u64,
    /// An example method, host and path of the class (the first seen).
    pub method: String,
    pub host: String,
    pub path: String,
}

impl ClassStats {
    fn record(&mut self, e: &Entry) {
        if self.requests == 0 {
            self.method = e.method.to_string();
            self.host = e.host.to_string();
            self.path = e.path.to_string();
        }
        self.requests += 1;
        self.received_bytes += e.received_bytes;
        self.sent_bytes += e.sent_bytes;
        match (e.target_status, e.elb_status) {
            (Some(s), _) => {
                if let Some(t) = e.target_processing_s {
                    self.work.record(t);
                }
                match s {
                    500.. => self.target_5xx += 1,
                    400..500 => self.target_4xx += 1,
                    _ => self.target_ok += 1,
                }
            }
            (None, Some(502)) => self.elb_502 += 1,
            (None, Some(503)) => self.elb_503 += 1,
            (None, Some(504)) => self.elb_504 += 1,
            (None, _) => self.elb_other += 1,
        }
    }

    pub fn merge(&mut self, o: &ClassStats) {
        if self.requests == 0 {
            self.method.clone_from(&o.method);
            self.host.clone_from(&o.host);
            self.path.clone_from(&o.path);
        }
        self.requests += o.requests;
        self.work.merge(&o.work);
        self.received_bytes += o.received_bytes;
        self.sent_bytes += o.sent_bytes;
        self.target_ok += o.target_ok;
        self.target_4xx += o.target_4xx;
        self.target_5xx += o.target_5xx;
        self.elb_502 += o.elb_502;
        self.elb_503 += o.elb_503;
        self.elb_504 += o.elb_504;
        self.elb_other += o.elb_other;
    }

    /// Requests a target answered.
    pub fn answered(&self) -> u64 {
        self.target_ok + self.target_4xx + self.target_5xx
    }
}

/// Whether a path segment names one object among many.
fn is_identifier(seg: &str) -> bool {
    let digits = seg.bytes().filter(u8::is_ascii_digit).count();
    let hex = seg.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    (digits > 0 && digits == seg.len())
        || (hex && digits > 0 && seg.len() >= 8)
        || (digits > 0 && seg.len() >= 16)
}

/// The class key of a path: identifiers replaced by `*` (written into `out`).
pub fn path_pattern(path: &str, out: &mut String) {
    out.clear();
    for seg in path.split('/').skip(1) {
        out.push('/');
        out.push_str(if is_identifier(seg) { "*" } else { seg });
    }
    if out.is_empty() {
        out.push('/');
    }
}

/// Classes keyed by pattern, host or target group.
#[derive(Clone, Debug)]
pub struct Classes {
    by: GroupBy,
    map: HashMap<String, ClassStats>,
    other: ClassStats,
    key: String,
}

impl Classes {
    pub fn new(by: GroupBy) -> Classes {
        Classes {
            by,
            map: HashMap::new(),
            other: ClassStats::default(),
            key: String::new(),
        }
    }

    pub fn record(&mut self, e: &Entry) {
        match self.by {
            GroupBy::Path => path_pattern(e.path, &mut self.key),
            GroupBy::Host => {
                self.key.clear();
                self.key.push_str(e.host);
            }
            GroupBy::TargetGroup => {
                self.key.clear();
                self.key.push_str(if e.target_group.is_empty() {
                    "-"
                } else {
                    e.target_group
                });
            }
        }
        if let Some(c) = self.map.get_mut(self.key.as_str()) {
            c.record(e);
        } else if self.map.len() < MAX_KEYS {
            let mut c = ClassStats::default();
            c.record(e);
            self.map.insert(self.key.clone(), c);
        } else {
            self.other.record(e);
        }
    }

    /// The `top` largest classes by requests (ties by key), then `other` with the rest if
    /// any: a deterministic order whatever order the logs came in.
    pub fn ranked(&self, top: usize) -> Vec<(String, ClassStats)> {
        let mut all: Vec<(&String, &ClassStats)> = self.map.iter().collect();
        all.sort_by(|a, b| b.1.requests.cmp(&a.1.requests).then(a.0.cmp(b.0)));
        let mut out: Vec<(String, ClassStats)> = all
            .iter()
            .take(top)
            .map(|(k, c)| ((*k).clone(), (*c).clone()))
            .collect();
        let mut rest = self.other.clone();
        for (_, c) in all.iter().skip(top) {
            rest.merge(c);
        }
        if rest.requests > 0 {
            out.push((OTHER.to_string(), rest));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_become_stars() {
        let mut s = String::new();
        for (path, want) in [
            ("/orders/1042/items", "/orders/*/items"),
            ("/u/3f2a9c1e-77aa-4b1c-9d1e-0a1b2c3d4e5f", "/u/*"),
            ("/static/app.v2.js", "/static/app.v2.js"),
            ("/", "/"),
            ("/api/v1/search", "/api/v1/search"),
        ] {
            path_pattern(path, &mut s);
            assert_eq!(s, want, "{path}");
        }
    }
}
