//! Event traces: one JSON line per event of interest, for teaching and debugging.
//!
//! A [`Tracer`] filters by kind, component, request id and time window, and samples whole
//! requests (a sampled request is traced from arrival to its end) by a deterministic hash of
//! the request id, so traces stay small and reproducible. When no tracer is set the world
//! pays one `Option` check per emission point.

use crate::files::{Existing, existing, kind_of, temp_sibling};
use crate::kernel::{SimTime, stream_seed};
use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What a trace line is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    RequestArrived,
    RequestRouted,
    RequestRejected,
    /// The load balancer answered itself (a fixed response or a redirect).
    RequestAnswered,
    RequestStarted,
    RequestFinished,
    ScalingActivity,
    HealthChanged,
    ColdStart,
    Throttle,
    MessageReceived,
    MessageDeleted,
    Fault,
    /// An API Gateway stage cache answered a request.
    CacheHit,
    /// A client with a geography reached a region (its load balancer, the round trip).
    ClientRouted,
    /// A client's DNS resolution got no answer (a geolocation record without a match).
    DnsNoAnswer,
    /// A write to a Kinesis stream was refused (ProvisionedThroughputExceededException).
    StreamThrottled,
    /// A Kinesis consumer lane read a batch and invokes its function.
    StreamBatch,
    /// An ECS service's rolling deployment started, stopped or started tasks, or finished.
    Deployment,
    /// A burstable instance in standard mode ran out of CPU credits: it runs at its baseline.
    CreditsExhausted,
    /// A throttled burstable instance regained enough credits to run at full speed.
    CreditsRestored,
    /// An ElastiCache node was lost (a Memcached node, or a Redis primary with no replica to
    /// promote): ElastiCache replaces it.
    CacheNodeLost,
    /// ElastiCache replaced a lost node: it serves again, empty.
    CacheNodeReplaced,
    /// A cache's primary was lost and its replica is being promoted.
    CacheFailover,
    /// An external call found its NAT gateway's AZ down (or was in flight through it).
    NatUnreachable,
    /// A NAT gateway could not allocate a source port: 55,000 connections to the
    /// destination already (`ErrorPortAllocation`).
    NatPortAllocation,
}

impl Kind {
    pub const ALL: [Kind; 26] = [
        Kind::RequestArrived,
        Kind::RequestRouted,
        Kind::RequestRejected,
        Kind::RequestAnswered,
        Kind::RequestStarted,
        Kind::RequestFinished,
        Kind::ScalingActivity,
        Kind::HealthChanged,
        Kind::ColdStart,
        Kind::Throttle,
        Kind::MessageReceived,
        Kind::MessageDeleted,
        Kind::Fault,
        Kind::CacheHit,
        Kind::ClientRouted,
        Kind::DnsNoAnswer,
        Kind::StreamThrottled,
        Kind::StreamBatch,
        Kind::Deployment,
        Kind::CreditsExhausted,
        Kind::CreditsRestored,
        Kind::CacheNodeLost,
        Kind::CacheNodeReplaced,
        Kind::CacheFailover,
        Kind::NatUnreachable,
        Kind::NatPortAllocation,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::RequestArrived => "request_arrived",
            Kind::RequestRouted => "request_routed",
            Kind::RequestRejected => "request_rejected",
            Kind::RequestAnswered => "request_answered",
            Kind::RequestStarted => "request_started",
            Kind::RequestFinished => "request_finished",
            Kind::ScalingActivity => "scaling_activity",
            Kind::HealthChanged => "health_changed",
            Kind::ColdStart => "cold_start",
            Kind::Throttle => "throttle",
            Kind::MessageReceived => "message_received",
            Kind::MessageDeleted => "message_deleted",
            Kind::Fault => "fault",
            Kind::CacheHit => "cache_hit",
            Kind::ClientRouted => "client_routed",
            Kind::DnsNoAnswer => "dns_no_answer",
            Kind::StreamThrottled => "stream_throttled",
            Kind::StreamBatch => "stream_batch",
            Kind::Deployment => "deployment",
            Kind::CreditsExhausted => "credits_exhausted",
            Kind::CreditsRestored => "credits_restored",
            Kind::CacheNodeLost => "cache_node_lost",
            Kind::CacheNodeReplaced => "cache_node_replaced",
            Kind::CacheFailover => "cache_failover",
            Kind::NatUnreachable => "nat_unreachable",
            Kind::NatPortAllocation => "nat_port_allocation",
        }
    }
}

/// Which events to keep.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    pub kinds: Vec<Kind>,
    pub components: Vec<String>,
    pub request: Option<u64>,
    pub from: Option<SimTime>,
    pub to: Option<SimTime>,
    /// The fraction of requests traced (1 = all).
    pub sample: f64,
}

impl Filter {
    /// Refuses a `component=` name that no event can carry (`known`: the scenario's
    /// component names), with a suggestion, so a typo does not silently trace nothing.
    pub fn check_components(&self, known: &[&str]) -> Result<(), String> {
        for c in &self.components {
            if !known.contains(&c.as_str()) {
                return Err(format!(
                    "--trace-filter: the scenario has no component `{c}`{}",
                    crate::scenario::did_you_mean(c, known)
                ));
            }
        }
        Ok(())
    }

    /// Parses `kind=request_finished|throttle,component=api,time=10m..20m,request=42`.
    pub fn parse(expr: &str, sample: f64) -> Result<Filter, String> {
        let mut f = Filter {
            sample,
            ..Default::default()
        };
        if !(0.0..=1.0).contains(&sample) {
            return Err(format!("--trace-sample expects 0..1, got {sample}"));
        }
        for term in expr.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let (key, value) = term.split_once('=').ok_or_else(|| {
                format!("`{term}`: expected KEY=VALUE (kind, component, request, time)")
            })?;
            match key.trim() {
                "kind" => {
                    for k in value.split('|') {
                        let kind = Kind::ALL
                            .into_iter()
                            .find(|x| x.name() == k.trim())
                            .ok_or_else(|| {
                                let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                                format!(
                                    "unknown trace kind `{k}`{}; expected one of: {}",
                                    crate::scenario::did_you_mean(k.trim(), &names),
                                    names.join(", ")
                                )
                            })?;
                        f.kinds.push(kind);
                    }
                }
                "component" => f
                    .components
                    .extend(value.split('|').map(|c| c.trim().to_string())),
                "request" => {
                    f.request = Some(
                        value
                            .trim()
                            .parse()
                            .map_err(|_| format!("`{term}`: a request id is a number"))?,
                    )
                }
                "time" => {
                    let (a, b) = value.split_once("..").ok_or_else(|| {
                        format!("`{term}`: expected time=FROM..TO, e.g. time=10m..20m")
                    })?;
                    let parse = |s: &str| crate::scenario::units::parse_duration(s);
                    if !a.trim().is_empty() {
                        f.from = Some(parse(a)?);
                    }
                    if !b.trim().is_empty() {
                        f.to = Some(parse(b)?);
                    }
                }
                other => {
                    return Err(format!(
                        "unknown trace filter key `{other}` (expected kind, component, request, time)"
                    ));
                }
            }
        }
        Ok(f)
    }
}

/// Writes filtered trace lines to a sink.
pub struct Tracer {
    filter: Filter,
    seed: u64,
    out: Box<dyn Write + Send>,
    line: String,
    pub lines: u64,
    /// Bytes written, and the cap (`--trace-max-bytes`): lines past it are dropped whole.
    pub bytes: u64,
    max_bytes: u64,
    /// Whether a line was dropped at the cap.
    pub truncated: bool,
}

impl Tracer {
    pub fn new(filter: Filter, seed: u64, out: Box<dyn Write + Send>) -> Tracer {
        Tracer {
            filter,
            seed,
            out,
            line: String::with_capacity(256),
            lines: 0,
            bytes: 0,
            max_bytes: u64::MAX,
            truncated: false,
        }
    }

    /// Caps the trace at `max_bytes`: later lines are dropped and `truncated` is set.
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Tracer {
        self.max_bytes = max_bytes;
        self
    }

    /// Whether request `id` is in the sample (deterministic in the seed and the id).
    fn sampled(&self, id: u64) -> bool {
        if self.filter.sample >= 1.0 {
            return true;
        }
        let h = stream_seed(self.seed, &format!("trace/{id}"));
        (h >> 11) as f64 / (1u64 << 53) as f64 <= self.filter.sample
    }

    /// Whether an event of `kind` at `now` about `component` (and `request`) is kept.
    pub fn wants(&self, now: SimTime, kind: Kind, component: &str, request: Option<u64>) -> bool {
        let f = &self.filter;
        if !f.kinds.is_empty() && !f.kinds.contains(&kind) {
            return false;
        }
        if !f.components.is_empty() && !f.components.iter().any(|c| c == component) {
            return false;
        }
        if f.from.is_some_and(|t| now < t) || f.to.is_some_and(|t| now > t) {
            return false;
        }
        match (f.request, request) {
            (Some(want), Some(id)) if want != id => return false,
            (Some(_), None) => return false,
            _ => {}
        }
        request.is_none_or(|id| self.sampled(id))
    }

    /// Writes one line: time, kind, component, the request id if any, then `fields`
    /// (already-formatted `"key": value` pairs).
    pub fn emit(
        &mut self,
        now: SimTime,
        kind: Kind,
        component: &str,
        request: Option<u64>,
        fields: &[(&str, Field)],
    ) {
        if !self.wants(now, kind, component, request) {
            return;
        }
        self.line.clear();
        let _ = write!(
            self.line,
            "{{\"t\":{},\"kind\":\"{}\",\"component\":{}",
            now.as_secs_f64(),
            kind.name(),
            json_str(component)
        );
        if let Some(id) = request {
            let _ = write!(self.line, ",\"request\":{id}");
        }
        for (k, v) in fields {
            let _ = write!(self.line, ",\"{k}\":");
            match v {
                Field::Str(s) => self.line.push_str(&json_str(s)),
                Field::Num(x) => {
                    let _ = write!(self.line, "{x}");
                }
                Field::Int(x) => {
                    let _ = write!(self.line, "{x}");
                }
            }
        }
        self.line.push_str("}\n");
        let len = self.line.len() as u64;
        if self.bytes + len > self.max_bytes {
            self.truncated = true;
            return;
        }
        let _ = self.out.write_all(self.line.as_bytes());
        self.bytes += len;
        self.lines += 1;
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// The file a trace is written to, chosen before the run (`stratus run --trace FILE`).
///
/// A new or regular file is written to a hidden temporary sibling and renamed over `FILE` when
/// the run's outputs are in place, so an interrupted or failed run leaves the previous file (or
/// none). A character device or FIFO the user named (`/dev/null`, a named pipe), or a link to
/// one (`/dev/stdout`, `/dev/fd/N`, also when it leads to a redirected file), is written in
/// place as a stream and never renamed over. Folders, other links, block devices and sockets
/// are refused.
pub struct TraceFile {
    /// `(temporary, destination)` while a rename is pending.
    pending: Option<(PathBuf, PathBuf)>,
}

impl TraceFile {
    /// Opens the trace's sink. `staged` is where the file goes when it lies inside the
    /// command's output folder (it is then written directly into the staging copy).
    pub fn open(dest: &Path, staged: Option<&Path>) -> Result<(TraceFile, File), String> {
        let shown = dest.display();
        let direct = TraceFile { pending: None };
        if let Some(path) = staged {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| format!("{shown}: {e}"))?;
            }
            let f = File::create_new(path).map_err(|e| format!("{shown}: {e}"))?;
            return Ok((direct, f));
        }
        let append = |p: &Path| {
            OpenOptions::new()
                .append(true)
                .open(p)
                .map_err(|e| format!("{shown}: {e}"))
        };
        match existing(dest).map_err(|e| format!("{shown}: {e}"))? {
            Existing::Dir => Err(format!(
                "{shown} is a folder; give a file name, e.g. {}",
                dest.join("trace.jsonl").display()
            )),
            Existing::Stream => Ok((direct, append(dest)?)),
            Existing::Other => Err(format!(
                "{shown} is neither a regular file, a character device nor a FIFO"
            )),
            Existing::Symlink => {
                let target = std::fs::metadata(dest)
                    .map_err(|_| format!("{shown} is a symbolic link to nothing"))?;
                let to = std::fs::canonicalize(dest).unwrap_or_default();
                match kind_of(target.file_type()) {
                    Existing::Stream => Ok((direct, append(dest)?)),
                    Existing::File if is_descriptor(dest) => Ok((direct, append(dest)?)),
                    _ => Err(format!(
                        "{shown} is a symbolic link (to {}): Stratus neither writes through nor \
                         replaces links; give the file itself",
                        to.display()
                    )),
                }
            }
            Existing::Absent | Existing::File => {
                if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(|e| format!("{shown}: {e}"))?;
                }
                let tmp = temp_sibling(dest, "tmp");
                let f = File::create_new(&tmp).map_err(|e| format!("{shown}: {e}"))?;
                Ok((
                    TraceFile {
                        pending: Some((tmp, dest.to_path_buf())),
                    },
                    f,
                ))
            }
        }
    }

    /// Renames the finished trace over its destination (nothing to do for a stream).
    pub fn commit(&mut self) -> std::io::Result<()> {
        if let Some((tmp, dest)) = &self.pending {
            if existing(dest)? == Existing::Symlink {
                return Err(std::io::Error::other(format!(
                    "{} became a symbolic link during the run",
                    dest.display()
                )));
            }
            std::fs::rename(tmp, dest)?;
            self.pending = None;
        }
        Ok(())
    }
}

impl Drop for TraceFile {
    /// An unfinished trace (failed or interrupted run) leaves no temporary file.
    fn drop(&mut self) {
        if let Some((tmp, _)) = &self.pending {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`: names of the process's own
/// open files, written as streams whatever they lead to.
fn is_descriptor(path: &Path) -> bool {
    let s = path.to_string_lossy();
    matches!(s.as_ref(), "/dev/stdout" | "/dev/stderr")
        || s.starts_with("/dev/fd/")
        || s.starts_with("/proc/self/fd/")
}

/// A trace field value.
pub enum Field<'a> {
    Str(&'a str),
    Num(f64),
    Int(u64),
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_and_reject_unknown_keys() {
        let f = Filter::parse(
            "kind=request_finished|throttle,component=api,time=1m..2m,request=7",
            1.0,
        )
        .unwrap();
        assert_eq!(f.kinds, vec![Kind::RequestFinished, Kind::Throttle]);
        assert_eq!(f.from, Some(SimTime::from_secs(60)));
        assert_eq!(f.request, Some(7));
        assert!(Filter::parse("colour=red", 1.0).is_err());
        assert!(Filter::parse("kind=nope", 1.0).is_err());
        assert!(Filter::parse("", 1.5).is_err());
    }

    #[test]
    fn sampling_keeps_about_the_requested_fraction() {
        let t = Tracer::new(
            Filter::parse("", 0.1).unwrap(),
            3,
            Box::new(std::io::sink()),
        );
        let kept = (0..100_000u64).filter(|&id| t.sampled(id)).count() as f64;
        // Binomial(100000, 0.1): sd 95.
        assert!((kept - 10_000.0).abs() < 5.0 * 95.0, "{kept}");
    }
}
