//! ALB actions besides forwarding in the scenario file, and stickiness: a rule's
//! `fixed_response` and `redirect`, a forward's `stickiness` (target-group stickiness) and a
//! target group's `stickiness` (`lb_cookie` or `app_cookie`), validated against AWS's limits
//! (cited in `model::alb::actions`) into the model's types.

use super::resolve::Ctx;
use super::units::Dur;
use crate::kernel::SimTime;
use crate::model::alb::{
    FIXED_RESPONSE_CONTENT_TYPES, FixedResponse, MAX_FIXED_RESPONSE_BODY, MAX_REDIRECT_COMPONENT,
    MAX_STICKINESS, MIN_STICKINESS, Redirect,
};
use schemars::JsonSchema;
use serde::Deserialize;

/// A fixed-response action: the load balancer answers itself.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFixedResponse {
    /// The HTTP status: 2XX, 4XX or 5XX (e.g. 404, 503).
    pub status: u32,
    /// `text/plain`, `text/css`, `text/html`, `application/javascript` or
    /// `application/json`.
    pub content_type: Option<String>,
    /// The body (at most 1,024 characters).
    pub body: Option<String>,
}

/// A redirect action: the load balancer answers 301 or 302 with a `Location` made of these
/// components; a component left out (or written `#{protocol}`, `#{host}`, ...) keeps the
/// request's own.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRedirect {
    /// 301 (permanent) or 302 (temporary).
    pub status: u32,
    /// `HTTP` or `HTTPS`.
    pub protocol: Option<String>,
    pub host: Option<String>,
    /// 1 to 65535.
    pub port: Option<u32>,
    /// An absolute path, starting with `/`.
    pub path: Option<String>,
    /// The query string, without the leading `?`.
    pub query: Option<String>,
}

/// Target-group stickiness of a forward action: a client stays on the target group it was
/// first sent to for `duration` (1s to 7d).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStickiness {
    /// Default true.
    pub enabled: Option<bool>,
    pub duration: Option<Dur>,
}

/// A target group's stickiness: a client stays on the target it was first sent to for
/// `duration` (1s to 7d, default 1d) while that target is healthy.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTargetStickiness {
    /// Default true.
    pub enabled: Option<bool>,
    /// `lb_cookie` (default: the load balancer's cookie) or `app_cookie` (the application's
    /// cookie, named by `cookie_name`; modeled as `lb_cookie`).
    #[serde(rename = "type")]
    pub kind: Option<RawStickinessType>,
    pub duration: Option<Dur>,
    /// The application's cookie (`app_cookie` only).
    pub cookie_name: Option<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawStickinessType {
    LbCookie,
    AppCookie,
}

/// The content types and lengths of a fixed response (AWS's `FixedResponseActionConfig`).
pub(super) fn resolve_fixed_response(
    ctx: &mut Ctx,
    path: &str,
    f: &RawFixedResponse,
) -> Option<FixedResponse> {
    let mut ok = true;
    if !(200..600).contains(&f.status) || f.status / 100 == 3 {
        ctx.err(
            &format!("{path}.status"),
            format!(
                "a fixed response's status is 2XX, 4XX or 5XX, got {}{}",
                f.status,
                if f.status / 100 == 3 {
                    " (a redirect action answers 301 or 302)"
                } else {
                    ""
                }
            ),
        );
        ok = false;
    }
    if let Some(t) = &f.content_type
        && !FIXED_RESPONSE_CONTENT_TYPES.contains(&t.as_str())
    {
        ctx.err(
            &format!("{path}.content_type"),
            format!(
                "expected one of {}, got `{t}`",
                FIXED_RESPONSE_CONTENT_TYPES.join(", ")
            ),
        );
        ok = false;
    }
    let body = f.body.as_deref().unwrap_or("");
    let chars = body.chars().count();
    if chars > MAX_FIXED_RESPONSE_BODY {
        ctx.err(
            &format!("{path}.body"),
            format!("a fixed response's body holds at most {MAX_FIXED_RESPONSE_BODY} characters, got {chars}"),
        );
        ok = false;
    }
    ok.then(|| FixedResponse {
        status: f.status as u16,
        content_type: f.content_type.clone(),
        body_bytes: body.len() as u64,
    })
}

/// A redirect's status and components (AWS's `RedirectActionConfig`), and AWS's rule that a
/// redirect changes the protocol, port, host or path (else it would loop).
pub(super) fn resolve_redirect(ctx: &mut Ctx, path: &str, r: &RawRedirect) -> Option<Redirect> {
    let mut ok = true;
    if r.status != 301 && r.status != 302 {
        ctx.err(
            &format!("{path}.status"),
            format!("a redirect answers 301 or 302, got {}", r.status),
        );
        ok = false;
    }
    // `#{keyword}` is the request's own component, as leaving it out.
    let own =
        |v: &Option<String>, keyword: &str| v.clone().filter(|s| s != &format!("#{{{keyword}}}"));
    let protocol = own(&r.protocol, "protocol");
    if let Some(p) = &protocol
        && p != "HTTP"
        && p != "HTTPS"
    {
        ctx.err(
            &format!("{path}.protocol"),
            format!("expected HTTP, HTTPS or #{{protocol}}, got `{p}`"),
        );
        ok = false;
    }
    let port = match r.port {
        Some(p) if p == 0 || p > 65535 => {
            ctx.err(
                &format!("{path}.port"),
                format!("expected a port from 1 to 65535, got {p}"),
            );
            ok = false;
            None
        }
        p => p.map(|p| p as u16),
    };
    let (host, rpath, query) = (
        own(&r.host, "host"),
        own(&r.path, "path"),
        own(&r.query, "query"),
    );
    for (key, value) in [("host", &host), ("path", &rpath), ("query", &query)] {
        let n = value.as_deref().map_or(0, |v| v.chars().count());
        if n > MAX_REDIRECT_COMPONENT {
            ctx.err(
                &format!("{path}.{key}"),
                format!("at most {MAX_REDIRECT_COMPONENT} characters, got {n}"),
            );
            ok = false;
        }
    }
    if host.as_deref() == Some("") {
        ctx.err(&format!("{path}.host"), "expected a host name");
        ok = false;
    }
    if let Some(p) = &rpath
        && !p.starts_with('/')
    {
        ctx.err(
            &format!("{path}.path"),
            format!("expected an absolute path starting with `/`, got `{p}`"),
        );
        ok = false;
    }
    if let Some(q) = &query
        && q.starts_with('?')
    {
        ctx.err(
            &format!("{path}.query"),
            "leave out the leading `?` of the query string",
        );
        ok = false;
    }
    if protocol.is_none() && port.is_none() && host.is_none() && rpath.is_none() {
        ctx.err(
            path,
            "a redirect must change the protocol, port, host or path (else it redirects to itself)",
        );
        ok = false;
    }
    ok.then_some(Redirect {
        status: r.status as u16,
        protocol,
        host,
        port,
        path: rpath,
        query,
    })
}

/// A stickiness duration (1s to 7 days), required when enabled; `None` when off or broken.
fn duration(
    ctx: &mut Ctx,
    path: &str,
    given: Option<Dur>,
    default: Option<SimTime>,
) -> Option<SimTime> {
    let Some(d) = given.map(|d| d.0).or(default) else {
        ctx.err(
            &format!("{path}.duration"),
            "required when stickiness is enabled: 1s to 7d",
        );
        return None;
    };
    if d < MIN_STICKINESS || d > MAX_STICKINESS {
        ctx.err(
            &format!("{path}.duration"),
            format!("expected 1s to 7d (604800s), got {d}"),
        );
        return None;
    }
    Some(d)
}

/// A forward action's target-group stickiness: `Some(None)` when off or not given, `None`
/// when broken.
pub(super) fn resolve_stickiness(
    ctx: &mut Ctx,
    path: &str,
    s: Option<&RawStickiness>,
) -> Option<Option<SimTime>> {
    match s {
        None => Some(None),
        Some(s) if s.enabled == Some(false) => Some(None),
        Some(s) => duration(ctx, path, s.duration, None).map(Some),
    }
}

/// A target group's stickiness (AWS's `stickiness.*` target group attributes; the duration
/// defaults to 1 day, AWS's `stickiness.lb_cookie.duration_seconds` default).
pub(super) fn resolve_target_stickiness(
    ctx: &mut Ctx,
    path: &str,
    s: &RawTargetStickiness,
) -> Option<SimTime> {
    let app = s.kind == Some(RawStickinessType::AppCookie);
    match (&s.cookie_name, app) {
        (None, true) => ctx.err(
            &format!("{path}.cookie_name"),
            "required with `type: app_cookie`: the application's cookie",
        ),
        (Some(_), false) => ctx.err(
            &format!("{path}.cookie_name"),
            "applies to `type: app_cookie` only",
        ),
        (Some(n), true)
            if n.is_empty()
                || n.starts_with("AWSALB")
                || n.starts_with("AWSALBAPP")
                || n.starts_with("AWSALBTG") =>
        {
            ctx.err(
                &format!("{path}.cookie_name"),
                format!("expected a cookie name not starting with AWSALB, got `{n}`"),
            )
        }
        _ => {}
    }
    if s.enabled == Some(false) {
        return None;
    }
    duration(ctx, path, s.duration, Some(SimTime::from_secs(86_400)))
}
