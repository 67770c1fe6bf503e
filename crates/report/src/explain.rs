//! `stratus explain`: a scenario in words and as a text diagram, with every default that
//! applies spelled out. A pure function of the validated scenario and its document.

use crate::model::alb::{Action, Algorithm, Forward, Targets};
use crate::scenario::Scenario;
use crate::scenario::defaults::{DefaultDoc, for_section};
use crate::sections::SECTIONS;
use crate::workload::{ArrivalKind, RateProfile, Target};
use serde_json::Value;
use std::fmt::Write;

#[cfg(test)]
mod defaults_tests;
mod elasticache;
mod lambda;
pub(crate) mod regions;
mod scaling;

pub(crate) use lambda::{
    account_defaults as lambda_account_defaults, components as lambda_components,
    target_group as lambda_target_group,
};
pub(crate) use scaling::policy_defaults;

pub fn explain(s: &Scenario) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Scenario `{}`", s.name);
    if !s.description.trim().is_empty() {
        let _ = writeln!(out, "{}", wrap(s.description.trim(), 92, ""));
    }
    let _ = writeln!(
        out,
        "\nSimulates {} (statistics after {}), seed {}, metric period {}, AZs: {}.",
        s.duration,
        s.warmup,
        s.seed,
        s.metric_period,
        if s.azs.is_empty() {
            "none".to_string()
        } else {
            s.azs.join(", ")
        }
    );
    regions::regions(&mut out, s);
    let _ = writeln!(out, "\nArchitecture");
    for w in &s.workloads {
        diagram_workload(&mut out, s, w);
    }
    diagram_consumers(&mut out, s);
    let _ = writeln!(out, "\nComponents");
    for section in SECTIONS {
        section.components(s, &mut out);
    }
    let _ = writeln!(
        out,
        "- prices: {} table taken {} ({}).",
        s.prices.region, s.prices.taken, s.prices.currency
    );
    let _ = writeln!(out, "\nDefaults in effect (not set in the file)");
    defaults(&mut out, &s.document, "", &[String::new()]);
    for section in SECTIONS {
        section.defaults(s, &mut out);
    }
    out
}

fn diagram_workload(out: &mut String, s: &Scenario, w: &crate::workload::WorkloadSpec) {
    let lb = match w.target {
        Target::Alb(lb) => lb,
        Target::Queue(q) => return diagram_queue_workload(out, s, w, q),
        Target::Lambda(f) => return lambda::diagram_direct(out, s, w, f),
        // A service's entry: the service's section draws it.
        Target::Service(_) => {
            let drawn = SECTIONS.iter().any(|section| section.diagram(s, w, out));
            debug_assert!(drawn, "no section draws workload `{}`", w.name);
            return;
        }
    };
    let lb = &s.load_balancers[lb.index()];
    let azs: Vec<&str> = lb.azs.iter().map(|a| s.az_name(*a)).collect();
    let _ = writeln!(
        out,
        "  [{}] --{}--> (alb {} @ {})",
        w.name,
        rate(&w.rate),
        lb.name,
        azs.join(",")
    );
    for c in &w.classes {
        let Some(action) = &c.action else { continue };
        let forward = match action {
            Action::Forward { to, .. } => to,
            Action::FixedResponse(f) => {
                let _ = writeln!(
                    out,
                    "      {} {} --> (fixed response {})",
                    c.name, c.path, f.status
                );
                continue;
            }
            Action::Redirect(r) => {
                let _ = writeln!(
                    out,
                    "      {} {} --> (redirect {})",
                    c.name, c.path, r.status
                );
                continue;
            }
        };
        let total: u32 = match forward {
            Forward::One(_) => 0,
            Forward::Weighted(w) => w.iter().map(|&(_, x)| u32::from(x)).sum(),
        };
        let mut to_instances = false;
        for (tg, share) in forward_shares(forward, total) {
            let tg = &s.target_groups[tg.index()];
            let g = match tg.targets {
                Targets::Lambda(f) => {
                    lambda::diagram_target_group(out, s, &c.name, &c.path, tg, f);
                    continue;
                }
                Targets::Instances(g) => &s.groups[g.index()],
            };
            to_instances = true;
            let gazs: Vec<&str> = g.azs.iter().map(|a| s.az_name(*a)).collect();
            let _ = writeln!(
                out,
                "      {} {} --> [tg {}{share}] --> {{asg {}: {} x {} @ {}}}",
                c.name,
                c.path,
                tg.name,
                g.name,
                g.desired,
                shape(g.instance_type.as_deref(), g.vcpus, g.memory_gib),
                gazs.join(",")
            );
        }
        if let Some(m) = c.message.as_ref().filter(|_| to_instances) {
            let _ = writeln!(
                out,
                "          then ~~> (sqs {})",
                s.queues[m.queue.index()].name
            );
        }
    }
}

/// The target groups of a forward action with their share in words (` 95%`; nothing for a
/// single target group).
fn forward_shares(forward: &Forward, total: u32) -> Vec<(crate::ids::TgId, String)> {
    match forward {
        Forward::One(tg) => vec![(*tg, String::new())],
        Forward::Weighted(w) => w
            .iter()
            .map(|&(tg, x)| {
                let pct = 100.0 * f64::from(x) / f64::from(total.max(1));
                (tg, format!(" {pct:.1}%"))
            })
            .collect(),
    }
}

/// Lists the defaults of `section` that the document does not set, for each named entry.
pub(crate) fn defaults(out: &mut String, doc: &Value, section: &str, names: &[String]) {
    for name in names {
        let entry = if section.is_empty() {
            doc
        } else {
            &doc[section][name.as_str()]
        };
        let title = if section.is_empty() {
            "scenario".to_string()
        } else {
            format!("{section}.{name}")
        };
        defaults_of(out, entry, section, &title);
    }
}

/// Lists the defaults of `section` that `entry` does not set, under `title`.
pub(crate) fn defaults_of(out: &mut String, entry: &Value, section: &str, title: &str) {
    let missing: Vec<&DefaultDoc> = for_section(section)
        .filter(|d| entry.get(d.key).is_none())
        .collect();
    if missing.is_empty() {
        return;
    }
    let _ = writeln!(out, "  {title}:");
    for d in missing {
        let _ = writeln!(out, "    {} = {}: {}", d.key, d.value, d.meaning);
    }
}

pub(crate) fn arrivals(k: ArrivalKind) -> &'static str {
    match k {
        ArrivalKind::Poisson => "Poisson arrivals",
        ArrivalKind::Uniform => "evenly spaced arrivals",
    }
}

pub(crate) fn algorithm(a: Algorithm) -> &'static str {
    match a {
        Algorithm::RoundRobin => "round-robin",
        Algorithm::LeastOutstandingRequests => "least-outstanding-requests",
        Algorithm::Random => "random",
    }
}

pub(crate) fn rate(r: &RateProfile) -> String {
    match r {
        RateProfile::Constant(v) => format!("{v}/s"),
        RateProfile::Piecewise(p) => {
            let (lo, hi) = p.iter().fold((f64::MAX, 0.0f64), |(lo, hi), (_, v)| {
                (lo.min(*v), hi.max(*v))
            });
            format!("{lo}..{hi}/s piecewise over {} points", p.len())
        }
        RateProfile::Diurnal {
            mean,
            amplitude,
            period_s,
            ..
        } => {
            format!(
                "diurnal {mean}/s ±{:.0}% every {}s",
                amplitude * 100.0,
                period_s
            )
        }
        RateProfile::Counts(c) => format!(
            "trace of {} seconds ({} requests)",
            c.len(),
            c.iter().map(|&x| x as u64).sum::<u64>()
        ),
        RateProfile::Timestamps(t) => format!("trace of {} timestamps", t.len()),
        RateProfile::Sum(parts) => parts.iter().map(rate).collect::<Vec<_>>().join(" + "),
    }
}

pub(crate) fn shape(instance_type: Option<&str>, vcpus: u32, memory_gib: f64) -> String {
    match instance_type {
        Some(t) => format!("{t} ({vcpus} vCPU, {memory_gib} GiB)"),
        None => format!("{vcpus} vCPU / {memory_gib} GiB"),
    }
}

fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        if line.len() + word.len() + 1 > width && !line.trim().is_empty() {
            out.push_str(line.trim_end());
            out.push('\n');
            line = String::from(indent);
        }
        line.push_str(word);
        line.push(' ');
    }
    out.push_str(line.trim_end());
    out
}

/// The diagram line of a workload that sends messages, and who consumes them.
fn diagram_queue_workload(
    out: &mut String,
    s: &Scenario,
    w: &crate::workload::WorkloadSpec,
    q: crate::ids::QueueId,
) {
    let _ = writeln!(
        out,
        "  [{}] --{} messages--> (sqs {})",
        w.name,
        rate(&w.rate),
        s.queues[q.index()].name
    );
}

/// Queues and their consumers, in words.
pub(crate) fn queue_components(out: &mut String, s: &Scenario) {
    use crate::model::sqs::ConsumerSpec;
    for q in &s.queues {
        let redrive = match q.redrive {
            Some(r) => format!(
                "after {} receives without a delete a message moves to `{}`",
                r.max_receive_count,
                s.queues[r.dead_letter_queue.index()].name
            ),
            None => "no dead-letter queue".to_string(),
        };
        let _ = writeln!(
            out,
            "- queue `{}`: SQS standard queue, visibility timeout {}, delay {}, retention {}; {}; messages spread over {} servers, a short poll samples {}.",
            q.name,
            q.visibility_timeout,
            q.delay,
            q.retention,
            redrive,
            q.servers,
            q.short_poll_sampled
        );
        if q.consumers.is_empty() {
            let _ = writeln!(out, "    no consumer: messages wait until they expire");
        }
        for c in &q.consumers {
            match c {
                ConsumerSpec::Workers(w) => {
                    let polling = if w.wait_time > crate::kernel::SimTime::ZERO {
                        format!("long polling (wait {})", w.wait_time)
                    } else {
                        "short polling".to_string()
                    };
                    let _ = writeln!(
                        out,
                        "    consumer: worker fleet `{}`, {} receive loop(s) per in-service instance, {}, up to {} message(s) per receive, processing fails with probability {}, API round trip {}",
                        s.groups[w.group.index()].name,
                        w.pollers,
                        polling,
                        w.max_messages,
                        w.failure_probability,
                        w.api_latency
                    );
                }
                ConsumerSpec::Lambda(e) => {
                    let cap = match e.maximum_concurrency {
                        Some(m) => format!("at most {m} concurrent batches (maximum_concurrency)"),
                        None => "no maximum_concurrency".to_string(),
                    };
                    let _ = writeln!(
                        out,
                        "    consumer: Lambda event source mapping to `{}`: pollers long-poll (20s), batches of up to {} message(s) (batching window {}), one synchronous invocation per batch ({} duration); pollers start at {}, grow by {} at the end of each minute with messages waiting, up to {}, {}, and shrink without a backlog; a failed item {}; a throttled batch returns after the visibility timeout and its poller retires or backs off {}",
                        s.lambda_functions[e.function.index()].name,
                        e.batch_size,
                        e.batching_window,
                        e.batch_duration.name(),
                        e.scaling.initial,
                        e.scaling.per_minute,
                        e.scaling.maximum,
                        cap,
                        if e.report_batch_item_failures {
                            "alone returns to the queue (report_batch_item_failures)"
                        } else {
                            "fails the whole batch"
                        },
                        e.backoff
                    );
                }
            }
        }
    }
}

/// The queue and consumer defaults not set in the file.
pub(crate) fn queue_defaults(out: &mut String, s: &Scenario) {
    let names: Vec<String> = s.queues.iter().map(|q| q.name.clone()).collect();
    defaults(out, &s.document, "queues", &names);
    for q in &s.queues {
        let consumers = s.document["queues"][q.name.as_str()]["consumers"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for (i, c) in consumers.iter().enumerate() {
            let section = if c.get("lambda").is_some() {
                "queues.lambda_consumers"
            } else {
                "queues.consumers"
            };
            let missing: Vec<&DefaultDoc> = for_section(section)
                .filter(|d| c.get(d.key).is_none())
                .collect();
            if missing.is_empty() {
                continue;
            }
            let _ = writeln!(out, "  queues.{}.consumers[{i}]:", q.name);
            for d in missing {
                let _ = writeln!(out, "    {} = {}: {}", d.key, d.value, d.meaning);
            }
        }
    }
}

/// The diagram lines from each queue to its consumers (and to its dead-letter queue).
fn diagram_consumers(out: &mut String, s: &Scenario) {
    use crate::model::sqs::ConsumerSpec;
    for q in &s.queues {
        for c in &q.consumers {
            match c {
                ConsumerSpec::Workers(w) => {
                    let g = &s.groups[w.group.index()];
                    let gazs: Vec<&str> = g.azs.iter().map(|a| s.az_name(*a)).collect();
                    let _ = writeln!(
                        out,
                        "  (sqs {}) ==> {{asg {}: {} x {} @ {}}}, {} receive loop(s) each",
                        q.name,
                        g.name,
                        g.desired,
                        shape(g.instance_type.as_deref(), g.vcpus, g.memory_gib),
                        gazs.join(","),
                        w.pollers
                    );
                }
                ConsumerSpec::Lambda(e) => {
                    let _ = writeln!(
                        out,
                        "  (sqs {}) ==> (lambda {}), batches of {}",
                        q.name,
                        s.lambda_functions[e.function.index()].name,
                        e.batch_size
                    );
                }
            }
        }
        if let Some(r) = q.redrive {
            let _ = writeln!(
                out,
                "  (sqs {}) --after {} receives--> (sqs {})",
                q.name,
                r.max_receive_count,
                s.queues[r.dead_letter_queue.index()].name
            );
        }
    }
}

/// Databases and scheduled faults, in words.
pub(crate) fn resilience_components(out: &mut String, s: &Scenario) {
    let r = &s.resilience;
    for d in &r.databases {
        if let Some(e) = d.elasticache.as_deref() {
            elasticache::cluster(out, s, d, e);
            continue;
        }
        if let Some(h) = d.hit_ratio {
            let replica = match d.standby_az {
                Some(a) => format!(
                    "a replica in {} promoted in {} when the primary is lost",
                    s.az_name(a),
                    d.failover_time.describe()
                ),
                None => "no replica: every lookup misses while its AZ is down".to_string(),
            };
            let _ = writeln!(
                out,
                "- cache `{}`: primary in AZ {}, hit ratio {h} (a hit answers in place of the call after it), {} lookups at once; {}.",
                d.name,
                s.az_name(d.az),
                d.engine_capacity,
                replica
            );
            continue;
        }
        let standby = match d.standby_az {
            Some(a) => format!(
                "Multi-AZ: standby in {}, failover {}",
                s.az_name(a),
                d.failover_time.describe()
            ),
            None => "single-AZ: down while its AZ is".to_string(),
        };
        let _ = writeln!(
            out,
            "- database `{}` ({}): primary in AZ {}, {} calls at once (the rest wait); {}.",
            d.name,
            d.instance_class,
            s.az_name(d.az),
            d.engine_capacity,
            standby
        );
    }
    for f in &r.faults {
        let until = f
            .duration
            .map(|d| format!(" for {d}"))
            .unwrap_or_else(|| " until the end".to_string());
        let _ = writeln!(out, "- fault at {}: {}{}.", f.at, f.label(), until);
    }
    if !r.faults.is_empty() || !r.databases.is_empty() || !s.services.dns.is_empty() {
        let _ = writeln!(
            out,
            "- availability objective: {} of requests ok per period (summary `availability`, `faults.csv`).",
            r.availability_slo
        );
    }
}
