//! A listener rule's action: forward (to one target group or weighted ones, optionally
//! sticky), a fixed response, or a redirect; and the load balancer's own answers' status.
//!
//! AWS (Application Load Balancer listeners, "Rule action types",
//! https://docs.aws.amazon.com/elasticloadbalancing/latest/application/rule-action-types.html;
//! the API's `FixedResponseActionConfig`, `RedirectActionConfig` and
//! `TargetGroupStickinessConfig`):
//! - a fixed-response action answers with a status code of the form 2XX, 4XX or 5XX, an
//!   optional content type (`text/plain`, `text/css`, `text/html`, `application/javascript`,
//!   `application/json`) and an optional body of at most 1,024 characters;
//! - a redirect action answers `HTTP_301` (permanent) or `HTTP_302` (temporary) with a
//!   `Location` built from protocol (`HTTP`, `HTTPS` or `#{protocol}`), host, port (1-65535),
//!   path (starting with `/`) and query (without the leading `?`), each of which may reuse the
//!   request's own with `#{protocol}`, `#{host}`, `#{port}`, `#{path}`, `#{query}`; host, path
//!   and query are at most 128 characters, and a redirect must change the protocol, port,
//!   host or path, or it would loop;
//! - target-group stickiness on a forward action keeps a client on the target group it was
//!   first sent to for 1 second to 7 days.
//!
//! Neither a fixed response nor a redirect involves a target: the load balancer answers at
//! once, so its latency is the load balancer's own (zero in this model, which gives the load
//! balancer no processing time of its own), and its LCUs are billed as for any request.

use super::Forward;
use crate::kernel::SimTime;

/// What a listener rule does with the requests it matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Forward to target groups; `stickiness`: keep a client on its target group this long.
    Forward {
        to: Forward,
        stickiness: Option<SimTime>,
    },
    /// The load balancer answers with this response.
    FixedResponse(FixedResponse),
    /// The load balancer answers with a redirect.
    Redirect(Redirect),
}

/// The shortest and longest target-group stickiness (AWS: 1 to 604,800 seconds).
pub const MIN_STICKINESS: SimTime = SimTime::from_secs(1);
pub const MAX_STICKINESS: SimTime = SimTime::from_secs(604_800);

/// A fixed-response action's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixedResponse {
    /// 2XX, 4XX or 5XX.
    pub status: u16,
    pub content_type: Option<String>,
    /// The body's length in bytes (what the load balancer sends back, for its LCUs).
    pub body_bytes: u64,
}

/// The content types a fixed response may declare.
pub const FIXED_RESPONSE_CONTENT_TYPES: [&str; 5] = [
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
];
/// The longest fixed-response body, in characters.
pub const MAX_FIXED_RESPONSE_BODY: usize = 1024;
/// The longest redirect host, path and query, in characters.
pub const MAX_REDIRECT_COMPONENT: usize = 128;

/// A redirect action: its status and the components of the `Location` it sends (`None`: the
/// request's own, AWS's `#{...}` keyword).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// 301 or 302.
    pub status: u16,
    pub protocol: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub path: Option<String>,
    pub query: Option<String>,
}

pub use crate::metrics::StatusClass;

impl Action {
    /// A forward action to one target group, not sticky.
    pub fn to(tg: crate::ids::TgId) -> Action {
        Action::Forward {
            to: Forward::One(tg),
            stickiness: None,
        }
    }

    /// The forward action, if this is one.
    pub fn forward(&self) -> Option<&Forward> {
        match self {
            Action::Forward { to, .. } => Some(to),
            _ => None,
        }
    }

    /// The status the load balancer answers with itself (`None`: a forward action).
    pub fn own_status(&self) -> Option<u16> {
        match self {
            Action::Forward { .. } => None,
            Action::FixedResponse(f) => Some(f.status),
            Action::Redirect(r) => Some(r.status),
        }
    }

    /// The bytes of the load balancer's own answer (a fixed response's body; a redirect has
    /// none), for its LCUs.
    pub fn own_response_bytes(&self) -> u64 {
        match self {
            Action::FixedResponse(f) => f.body_bytes,
            _ => 0,
        }
    }

    /// Every target group named (none for a fixed response or a redirect).
    pub fn groups(&self) -> impl Iterator<Item = crate::ids::TgId> + '_ {
        self.forward().into_iter().flat_map(Forward::groups)
    }
}

impl Default for Action {
    /// A placeholder for struct-update syntax; every resolved rule sets its own action.
    fn default() -> Self {
        Action::to(crate::ids::TgId(0))
    }
}

/// Target-group stickiness per client: the target group each client was sent to and until
/// when it stays there. Clients are numbered from 0 (see `workload::Clients`); memory is one
/// entry per client of the workloads that reach the action.
#[derive(Clone, Debug, Default)]
pub struct StickyGroups {
    entries: Vec<Option<(crate::ids::TgId, SimTime)>>,
}

impl StickyGroups {
    /// The target group of `client` at `now`: its sticky one while the stickiness lasts (from
    /// the first request that drew it), else a fresh draw by `pick`, which then sticks for
    /// `duration`.
    pub fn pick(
        &mut self,
        client: u32,
        now: SimTime,
        duration: SimTime,
        pick: impl FnOnce() -> crate::ids::TgId,
    ) -> crate::ids::TgId {
        let i = client as usize;
        if self.entries.len() <= i {
            self.entries.resize(i + 1, None);
        }
        match self.entries[i] {
            Some((tg, until)) if now < until => tg,
            _ => {
                let tg = pick();
                self.entries[i] = Some((tg, now + duration));
                tg
            }
        }
    }
}

/// Target stickiness of a target group (`lb_cookie` or `app_cookie`) per client: the target
/// each client was sent to (its slot and launch number, as a slot is reused after a
/// termination) and until when it stays there.
#[derive(Clone, Debug, Default)]
pub struct StickyTargets {
    entries: Vec<Option<(crate::ids::InstanceId, u64, SimTime)>>,
}

impl StickyTargets {
    /// The target `client` is stuck to at `now` (its slot and launch number), if any.
    pub fn get(&self, client: u32, now: SimTime) -> Option<(crate::ids::InstanceId, u64)> {
        match self.entries.get(client as usize).copied().flatten() {
            Some((id, serial, until)) if now < until => Some((id, serial)),
            _ => None,
        }
    }

    /// `client` sticks to the target (`id`, launch number `serial`) until `until`.
    pub fn set(&mut self, client: u32, id: crate::ids::InstanceId, serial: u64, until: SimTime) {
        let i = client as usize;
        if self.entries.len() <= i {
            self.entries.resize(i + 1, None);
        }
        self.entries[i] = Some((id, serial, until));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::TgId;

    #[test]
    fn a_client_keeps_its_target_group_until_the_stickiness_ends() {
        let mut s = StickyGroups::default();
        let d = SimTime::from_secs(10);
        let at = SimTime::from_secs;
        assert_eq!(s.pick(3, at(0), d, || TgId(1)), TgId(1));
        // Within 10 s of the first draw: no new draw.
        assert_eq!(s.pick(3, at(9), d, || panic!("drew again")), TgId(1));
        // Another client draws for itself.
        assert_eq!(s.pick(0, at(9), d, || TgId(2)), TgId(2));
        // At 10 s the stickiness has ended: a new draw, sticking until 20 s.
        assert_eq!(s.pick(3, at(10), d, || TgId(0)), TgId(0));
        assert_eq!(s.pick(3, at(19), d, || panic!("drew again")), TgId(0));
    }
}
