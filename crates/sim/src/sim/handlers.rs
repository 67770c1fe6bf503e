//! The request path: arrival, ALB routing, admission to an instance, completion, recording;
//! and the clock events (warm-up end, metric periods).

use super::World;
use super::alb_route::{Route, Zones};
use super::front::{Drawn, draw_request};
use super::request::Request;
use super::service::Period;
use crate::event::Event;
use crate::ids::{InstanceId, LbId, RequestId, TgId, WorkloadId};
use crate::kernel::SimTime;
use crate::metrics::Outcome;
use crate::model::alb::Action;
use crate::model::faults::Cause;
use crate::model::instance::{InstanceState, Job};
use crate::trace::{Field, Kind};
use crate::workload::Target;

impl World {
    /// A workload's request arrives. Dispatched from the run loop directly (`service`'s
    /// `dispatch`) and inlined there: it is half of the events of a run of requests, and a
    /// call of its own cost its register saves and restores each time.
    #[inline(always)]
    pub(super) fn on_request_arrived(&mut self, w: WorkloadId) {
        let duration = self.scenario.duration;
        if let Some(t) = self.traffic.arrivals[w.index()].next(duration) {
            // Never cancelled or moved: it waits beside the queue's heap (`schedule_aside`).
            self.queue.schedule_aside(t, Event::RequestArrived(w));
        }
        // The workload's spec, looked up once for the whole arrival (the world's parts it
        // touches are borrowed apart from the scenario).
        let spec = &self.scenario.workloads[w.index()];
        match spec.target {
            Target::Lambda(f) => return self.on_lambda_request_arrived(w, f),
            // A service's entry (`PREFIX/NAME`): its own `Front::arrived`.
            Target::Service(t) => return self.front_arrived(w, usize::from(t.index)),
            Target::Alb(_) | Target::Queue(_) => {}
        }
        let now = self.queue.now();
        let tracer = self.tracer.as_deref_mut();
        let Drawn {
            class,
            client,
            work,
            id,
        } = draw_request(&mut self.traffic, tracer, &mut self.bills, now, (w, spec));
        let class_spec = &spec.classes[class];
        let action = class_spec.action.as_ref();
        let (request_bytes, bytes, rule_evaluations) = (
            class_spec.request_bytes,
            class_spec.processed_bytes,
            class_spec.billable_rule_evaluations,
        );
        match (spec.target, action) {
            (Target::Alb(target), Some(action)) => {
                let lb = if self.traffic.direct_clients[w.index()] {
                    // No geography and no DNS record: the target itself, no round trip.
                    self.traffic.rtt_ns = 0;
                    target
                } else {
                    let records = &self.scenario.services.dns;
                    let geo = self.traffic.geography(&self.scenario.regions, w);
                    let Some(lb) = self.dns.resolve(records, w, target, now, geo) else {
                        return self.fail_resolution(w, id);
                    };
                    self.traffic.rtt_ns = self.scenario.regions.rtt(geo, lb).as_nanos() as u32;
                    if let (Some(g), Some(t)) = (geo, self.tracer.as_deref_mut()) {
                        self.traffic
                            .trace_client(t, &self.scenario, now, (w, id), g, lb);
                    }
                    lb
                };
                let (action, rule) = if lb == target {
                    (action, class_spec.rule)
                } else {
                    let spec = &self.scenario.load_balancers[lb.index()];
                    let rule = spec.route_with_evaluations(&class_spec.request_line()).0;
                    (spec.action(rule), rule)
                };
                let forward = match action {
                    Action::Forward { to, stickiness } => (to, *stickiness),
                    own => {
                        let answer = (own.own_status().unwrap_or(200), own.own_response_bytes());
                        let ids = (lb, w, id);
                        return self.answer_own(ids, answer, request_bytes, rule_evaluations);
                    }
                };
                let tg = self.alb.forward_to((lb, rule), now, forward, client);
                let to_lambda = self.scenario.target_groups[tg.index()].lambda().is_some();
                let m = &mut self.alb.lb_meters[lb.index()].current;
                m.new_connections += 1.0;
                if to_lambda {
                    m.processed_bytes_lambda += bytes; // a Lambda target's LCU dimension
                } else {
                    m.processed_bytes += bytes;
                }
                m.billable_rule_evaluations += rule_evaluations as f64;
                self.route(lb, tg, (w, class, client), work, id)
            }
            (Target::Alb(_), None) => unreachable!("ALB classes are routed when resolved"),
            (Target::Queue(_), _) => self.send_from_workload(w, class, work),
            (Target::Lambda(_) | Target::Service(_), _) => unreachable!("handled above"),
        }
    }

    /// The ALB's part: pick a node, pick a target, admit or reject.
    pub(super) fn route(
        &mut self,
        lb: LbId,
        tg: TgId,
        (w, class, client): (WorkloadId, usize, Option<u32>),
        work: SimTime,
        id: u64,
    ) {
        // The specs first, each looked up once (before the meters' writes, which the
        // compiler cannot tell apart from them).
        let spec = &self.scenario.load_balancers[lb.index()];
        let tg_spec = &self.scenario.target_groups[tg.index()];
        let counted = self.counting;
        self.traffic.arrived += counted as u64;
        self.alb.tg_requests[tg.index()] += counted as u64;
        if let Some(f) = tg_spec.lambda() {
            // A node in a stopped AZ (an AZ or region outage) answers no one, whatever its
            // target group.
            if spec.azs.iter().any(|a| self.faults.az_down[a.index()]) {
                let mut zones = Zones {
                    down: &self.faults.az_down,
                    down_since: &self.faults.az_down_since,
                    dns_ttls: &self.scenario.resilience.alb_dns_ttl,
                    rngs: &mut self.faults.alb_dns_rngs,
                };
                if !zones.lambda_client_reaches_node((lb, spec), self.queue.now()) {
                    return self.fail_unrouted(lb, w, id, counted, Cause::AlbNodeUnreachable);
                }
            }
            return self.route_to_lambda(lb, w, f, id, counted);
        }
        let zones = Zones {
            down: &self.faults.az_down,
            down_since: &self.faults.az_down_since,
            dns_ttls: &self.scenario.resilience.alb_dns_ttl,
            rngs: &mut self.faults.alb_dns_rngs,
        };
        let now = self.queue.now();
        let instances = &self.ec2.instances;
        let serial = |i: InstanceId| instances[i.index()].serial;
        let sticky = (client, serial);
        let (node, chosen) = match self
            .alb
            .route((lb, spec), (tg, tg_spec), now, zones, sticky)
        {
            Route::Routed { node, target } => (node, target),
            Route::Reject(reason) => return self.reject(lb, w, id, counted, reason),
            Route::Unreachable => {
                return self.fail_unrouted(lb, w, id, counted, Cause::AlbNodeUnreachable);
            }
        };
        // The record is built where it goes (into its slot), after the checks that send it
        // elsewhere.
        let rtt_ns = self.traffic.rtt_ns;
        let request = move || Request {
            id,
            arrived_at: now,
            workload: w,
            instance: Some(chosen),
            counted,
            class: class as u16,
            lb: Some(lb),
            answered: false,
            connecting: false,
            rtt_ns,
        };
        if self.faults.is_stopped(chosen) {
            return self.connect_to_stopped(request(), chosen);
        }
        if !self.ec2.accepts(chosen, &self.scenario.groups) {
            // The target refuses the connection (its accept queue is full): AWS answers 502
            // "The target reset the connection" (see `answer_at_once`).
            let reason = "target at max_concurrent";
            return self.answer_at_once(lb, w, id, counted, Outcome::Http502, reason);
        }
        if self.tracer.is_some() {
            self.trace_routed(lb, tg, node, chosen, id);
        }
        let request = self.traffic.requests.insert(request());
        // The client starts waiting for its answer.
        self.open_client_request(lb, request);
        let job = Job::Request(request);
        let started = self.ec2.admit_routed(chosen, job, work, &mut self.queue);
        self.outstanding_changed(chosen);
        if started && self.tracer.is_some() {
            self.trace_started(job, chosen);
        }
    }

    /// Traces a request's routing to instance `chosen` by node `node` of `lb` (out of the
    /// request path's line: most runs trace nothing).
    #[cold]
    #[inline(never)]
    fn trace_routed(&mut self, lb: LbId, tg: TgId, node: usize, chosen: InstanceId, id: u64) {
        let spec = &self.scenario.load_balancers[lb.index()];
        if let Some(t) = self.tracer.as_deref_mut() {
            let fields = [
                ("az", Field::Str(&self.scenario.azs[spec.azs[node].index()])),
                (
                    "target_group",
                    Field::Str(&self.scenario.target_groups[tg.index()].name),
                ),
                (
                    "instance",
                    Field::Int(self.ec2.instances[chosen.index()].serial),
                ),
            ];
            t.emit(
                self.queue.now(),
                Kind::RequestRouted,
                &spec.name,
                Some(id),
                &fields,
            );
        }
    }

    /// An instance's outstanding requests changed: its target groups hear of it (least
    /// outstanding routing keeps its targets bucketed by that count). Without a target group
    /// routing by least outstanding requests (`Ec2::tracks_load`) there is nobody to tell:
    /// one test, inlined into every caller.
    #[inline(always)]
    pub(super) fn outstanding_changed(&mut self, id: InstanceId) {
        if self.ec2.tracks_load {
            let inst = &self.ec2.instances[id.index()];
            match self.ec2.load_tracking_target_groups[inst.group.index()][..] {
                [] => {}
                [tg] => self.alb.target_groups[tg.index()].set_outstanding(id, inst.outstanding),
                _ => self.tell_load_trackers(id),
            }
        }
    }

    /// `outstanding_changed` when some target group tracks its targets' load.
    #[inline(never)]
    fn tell_load_trackers(&mut self, id: InstanceId) {
        let inst = &self.ec2.instances[id.index()];
        for &tg in &self.ec2.load_tracking_target_groups[inst.group.index()] {
            self.alb.target_groups[tg.index()].set_outstanding(id, inst.outstanding);
        }
    }

    /// A request the instance was serving ends with an error (the instance went away), unless
    /// its client already had its answer.
    pub(super) fn fail_request(&mut self, id: RequestId, outcome: Outcome) {
        let r = self.traffic.requests.remove(id);
        if r.answered {
            return;
        }
        let latency = r.client_latency(self.queue.now() - r.arrived_at);
        self.finish_traced(r.workload, r.id, r.counted, outcome, latency.as_nanos());
    }

    /// The load balancer answers 503 at once: AWS documents 503 for one cause only, "The target
    /// groups for the load balancer have no registered targets" (ALB troubleshooting page,
    /// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html).
    /// It is also our answer for a throttled Lambda target (see `route_to_lambda`).
    pub(super) fn reject(&mut self, lb: LbId, w: WorkloadId, id: u64, counted: bool, reason: &str) {
        self.answer_at_once(lb, w, id, counted, Outcome::Http503, reason);
    }

    /// The load balancer answers with an error at once (latency 0): 503 (see `reject`), or 502
    /// when the target refuses the connection ("HTTP 502: Bad gateway ... The target reset the
    /// connection", same page).
    fn answer_at_once(
        &mut self,
        lb: LbId,
        w: WorkloadId,
        id: u64,
        counted: bool,
        outcome: Outcome,
        reason: &str,
    ) {
        if let Some(t) = self.tracer.as_deref_mut() {
            let name = &self.scenario.load_balancers[lb.index()].name;
            let status = if outcome == Outcome::Http502 {
                502
            } else {
                503
            };
            t.emit(
                self.queue.now(),
                Kind::RequestRejected,
                name,
                Some(id),
                &[
                    ("status", Field::Int(status)),
                    ("reason", Field::Str(reason)),
                ],
            );
        }
        // The client waited its round trip (none without a geography).
        let rtt = u64::from(self.traffic.rtt_ns);
        self.finish_traced(w, id, counted, outcome, rtt);
    }

    /// The client gets no answer from a stopped node or target: a 504 (the connection could
    /// not be set up), counted by its cause.
    fn fail_unrouted(&mut self, lb: LbId, w: WorkloadId, id: u64, counted: bool, cause: Cause) {
        if let Some(t) = self.tracer.as_deref_mut() {
            let name = &self.scenario.load_balancers[lb.index()].name;
            t.emit(
                self.queue.now(),
                Kind::RequestRejected,
                name,
                Some(id),
                &[
                    ("status", Field::Int(504)),
                    ("reason", Field::Str(cause.key())),
                ],
            );
        }
        if counted {
            self.faults.log.count(cause);
        }
        let rtt = u64::from(self.traffic.rtt_ns);
        self.finish_traced(w, id, counted, Outcome::Http504, rtt);
    }

    /// The client's DNS resolution got no answer: the request is never sent (counted as
    /// `dns_no_answer`, latency 0).
    fn fail_resolution(&mut self, w: WorkloadId, id: u64) {
        let counted = self.counting;
        self.traffic.arrived += counted as u64;
        if let Some(t) = self.tracer.as_deref_mut() {
            let name = &self.scenario.workloads[w.index()].name;
            let fields = [("reason", Field::Str("dns_no_answer"))];
            t.emit(
                self.queue.now(),
                super::dns::DNS_NO_ANSWER,
                name,
                Some(id),
                &fields,
            );
        }
        self.finish_traced(w, id, counted, Outcome::DnsNoAnswer, 0);
    }

    pub(super) fn trace_started(&mut self, job: Job, instance: InstanceId) {
        let Job::Request(request) = job else {
            return; // a message job; traced as the message's receive
        };
        if let Some(t) = self.tracer.as_deref_mut() {
            let id = self.traffic.requests.get(request).id;
            let group =
                &self.scenario.groups[self.ec2.instances[instance.index()].group.index()].name;
            t.emit(
                self.queue.now(),
                Kind::RequestStarted,
                group,
                Some(id),
                &[(
                    "instance",
                    Field::Int(self.ec2.instances[instance.index()].serial),
                )],
            );
        }
    }

    /// Records the outcome and traces the request's end.
    pub(super) fn finish_traced(
        &mut self,
        w: WorkloadId,
        id: u64,
        counted: bool,
        outcome: Outcome,
        latency_ns: u64,
    ) {
        self.finish_in_line(w, id, counted, outcome, latency_ns);
    }

    /// `finish_traced` in line: a served request's end (`on_request_served`), once a request,
    /// saves the call.
    #[inline(always)]
    fn finish_in_line(
        &mut self,
        w: WorkloadId,
        id: u64,
        counted: bool,
        outcome: Outcome,
        latency_ns: u64,
    ) {
        // A request a service sent on behalf of its own is that service's to answer: a
        // CloudFront origin's answer is CloudFront's to give (or to fail over), an ALB
        // integration's API Gateway's (`Front::answered`).
        let Some((counted, latency_ns)) =
            self.fronts_answered(w, id, outcome, (counted, latency_ns))
        else {
            return;
        };
        if self.tracer.is_some() {
            self.trace_finished(w, id, outcome, latency_ns);
        }
        self.record(w, counted, outcome, latency_ns);
    }

    /// Traces a request's end (out of the request path's line: most runs trace nothing).
    #[cold]
    #[inline(never)]
    fn trace_finished(&mut self, w: WorkloadId, id: u64, outcome: Outcome, latency_ns: u64) {
        if let Some(t) = self.tracer.as_deref_mut() {
            let name = &self.scenario.workloads[w.index()].name;
            let fields = [
                ("outcome", Field::Str(outcome.key())),
                ("latency_ms", Field::Num(latency_ns as f64 / 1e6)),
            ];
            t.emit(
                self.queue.now(),
                Kind::RequestFinished,
                name,
                Some(id),
                &fields,
            );
        }
    }

    /// An instance finished a request: the client gets its answer, unless the load balancer's
    /// idle timeout already gave it a 504 (see `idle_timeout`). In line in the completion
    /// handler (once a request: the call's register saves and restores were 19 instructions
    /// of it).
    #[inline(always)]
    pub(super) fn on_request_served(&mut self, id: RequestId) {
        // Its slot is freed first: the record read once, for all that follows.
        let r = self.traffic.requests.remove(id);
        let (w, class, instance) = (r.workload, r.class as usize, r.server());
        let answered = self.target_answered_removed(r);
        if self.traffic.plain_completions {
            // No injected target errors and no message sent on: the answer as it is.
            self.on_instance_request_ended(instance);
            if let Some((r, latency)) = answered {
                let latency = r.client_latency(latency).as_nanos();
                self.finish_in_line(r.workload, r.id, r.counted, Outcome::Ok, latency);
            }
            return;
        }
        let group = self.ec2.instances[instance.index()].group;
        self.on_instance_request_ended(instance);
        // A `target_errors` fault: the target answers 500 after doing the work.
        let failed = self.faults.target_error(group);
        // What it sends on to a queue of another region, its client waits for.
        let crossing = if failed {
            SimTime::ZERO
        } else {
            self.enqueue_crossing(w, class, instance)
        };
        if let Some((r, latency)) = answered {
            let outcome = if failed {
                if r.counted {
                    self.faults.log.count(Cause::InjectedError);
                }
                Outcome::Http500
            } else {
                Outcome::Ok
            };
            let latency = (r.client_latency(latency) + crossing).as_nanos();
            self.finish_traced(r.workload, r.id, r.counted, outcome, latency);
        }
        // The target did its work either way, including what it sends on (unless it failed).
        if !failed {
            self.enqueue_after_request(w, class, instance);
        }
    }

    /// Records an ended request in the period's meters and, if it counts, its workload's
    /// (whose latencies are counted in `Traffic::workload_latency`, or wait for the period's
    /// end: `Traffic::deferring`).
    #[inline(always)]
    fn record(&mut self, w: WorkloadId, counted: bool, outcome: Outcome, latency_ns: u64) {
        let t = &mut self.traffic;
        if t.deferring && !counted {
            t.stop_deferring(); // the period's latencies are no longer all the workload's
        }
        t.period.record(outcome, latency_ns);
        if counted && t.per_workload[w.index()].count(outcome) && !t.deferring {
            t.workload_latency[w.index()].record(latency_ns);
        }
    }

    /// Moves every instance's busy core time into its group's meters, and accounts capacity.
    pub(super) fn flush_cpu(&mut self) {
        let now = self.queue.now();
        let (meters, counting) = (&mut self.ec2.group_meters, self.counting);
        let groups = &self.scenario.groups;
        // The live instances only: terminated ones gave their busy time when they stopped.
        self.ec2.instances.for_each_live(|inst| {
            let busy = inst.take_busy_core_ns(now);
            let m = &mut meters[inst.group.index()];
            m.add_busy(busy, counting);
            // Instances past the warm-up are what scaling metrics measure.
            let warmup = groups[inst.group.index()].warmup();
            if inst.state == InstanceState::InService
                && inst.in_service_since.is_some_and(|t| now >= t + warmup)
            {
                m.settled_busy += busy;
            }
        });
        for m in &mut self.ec2.group_meters {
            m.account(now, self.counting);
        }
    }

    pub(super) fn on_warmup_ended(&mut self) {
        self.flush_cpu();
        self.flush_credits();
        self.counting = true;
    }

    /// A metric period ended: the next one is scheduled, then every service does its period
    /// work and closes its cost meters (`service`).
    pub(super) fn on_period_ended(&mut self) {
        let now = self.queue.now();
        self.last_period_end = now;
        let period = self.scenario.metric_period;
        let next = now + period;
        if next <= self.scenario.duration {
            self.queue.schedule(next, Event::PeriodEnded);
        }
        let p = Period {
            start_s: (now - period).as_secs_f64(),
            end: now,
            index: (now.as_nanos() / period.as_nanos()).saturating_sub(1),
        };
        self.services_period_ended(&p);
        self.close_cost_period(period.as_secs_f64());
    }
}
