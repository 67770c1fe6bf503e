//! The database phase of a request: after its instance work, a request of a class with
//! `calls` makes them in order, still holding its instance slot (a connection of the app
//! server's pool waits on the database). A call waits for one of the database's connections,
//! does its work, and the request moves on; a call to a database that is failing over or down
//! fails at once (502), and so do calls in flight when the primary is lost.
//!
//! A call holding a connection keeps the key of its pending end, which a lost primary cancels;
//! a request that ends without its call (its instance stopped) detaches from it
//! (`Call::request` becomes `None`), so no call event is ever stale.
//!
//! The databases are a service of their own (`Databases`). Starting and ending a call take
//! only their state, the call's spec and a scheduler of their own events, and answer with
//! values (`CallStart`, the ended `Call`); the world moves the request on. Losing a primary
//! (a fault) is the world's, as it fails the requests whose calls were in flight.

use super::World;
use super::elasticache::CacheRuntime;
use super::resilience::DatabaseResult;
use super::service::{Finish, Handles, Period, Service, Stage};
use crate::ids::DatabaseId;
use crate::ids::FaultId;
use crate::ids::RequestId;
use crate::ids::{AzId, CallSlot};
use crate::kernel::Schedule;
use crate::kernel::{Rng, RngExt, SimTime, stream};
use crate::metrics::Outcome;
use crate::metrics::TimeSeries;
use crate::model::database::DatabaseEvent;
use crate::model::database::{Availability, Call, CallSpec, CallTarget, Calls, Database};
use crate::model::faults::Cause;
use crate::model::instance::Job;
use crate::scenario::Scenario;
use crate::trace::{Field, Kind};

impl World {
    /// An instance finished a job. A request makes its database calls, or is served; a queue
    /// message's job makes no calls. A request of a run without calls is served at once: that
    /// test is in line in the instance's completion handler, the rest out of line.
    #[inline(always)]
    pub(super) fn on_work_done(&mut self, job: Job) {
        match job {
            Job::Request(id) if self.traffic.no_calls => self.on_request_served(id),
            job => self.on_work_with_calls(job),
        }
    }

    /// `on_work_done` of a message's job, or of a request when some class makes calls.
    #[inline(never)]
    fn on_work_with_calls(&mut self, job: Job) {
        let id = match job {
            Job::Request(id) => id,
            Job::Message(poller) => return self.on_message_processed(poller),
        };
        if self.traffic.no_calls {
            return self.on_request_served(id);
        }
        let r = *self.traffic.requests.get(id);
        if self
            .scenario
            .resilience
            .calls(r.workload, r.class as usize)
            .is_empty()
        {
            return self.on_request_served(id);
        }
        // The request keeps its place on the instance while it waits on the database.
        self.ec2.instances[r.server().index()].outstanding += 1;
        self.outstanding_changed(r.server());
        self.start_call(id, 0);
    }

    pub(super) fn start_call(&mut self, id: RequestId, step: u8) {
        let r = *self.traffic.requests.get(id);
        let s = std::sync::Arc::clone(&self.scenario);
        let calls = s.resilience.calls(r.workload, r.class as usize);
        let Some(spec) = calls.get(step as usize) else {
            return self.end_calls(id, None); // a cache hit answered for the last call
        };
        let d = match spec.target {
            CallTarget::Database(d) => d,
            CallTarget::Service(call) => {
                return self.start_service_call(id, step, call, spec.bytes);
            }
        };
        let hit_ratio = s.resilience.databases[d.index()].hit_ratio;
        let az = self.ec2.instances[r.server().index()].az;
        // A database in another region: the round trip between the regions is part of the
        // call's time, and its bytes are inter-region data transfer (`start_table_call`).
        let (from, to) = (
            s.regions.of_az(az),
            s.regions.of_az(self.databases.list[d.index()].primary_az),
        );
        let crossing = s.regions.between(from, to);
        let started = self.databases.start_call(
            (d, spec),
            (hit_ratio, crossing),
            id,
            step,
            az,
            &mut self.queue,
        );
        match started {
            // The application treats an unreachable cache as a miss.
            CallStart::CacheUnreachable => self.start_call(id, step + 1),
            CallStart::Failed(cause) => self.end_calls(id, Some(cause)),
            CallStart::Started { cross_az_bytes } => {
                if let Some(bytes) = cross_az_bytes {
                    if from == to {
                        self.bills.inter_az(from, bytes as f64);
                    } else {
                        self.bills.inter_region(from, to, bytes as f64);
                    }
                }
            }
        }
    }

    /// The requests in `ended` (sorted) ended while their calls were in flight (their
    /// instance stopped or terminated): the calls finish without them.
    pub(super) fn detach_calls(&mut self, ended: &[RequestId]) {
        if !ended.is_empty() {
            self.databases.calls.detach(ended);
            self.detach_service_calls(ended);
        }
    }

    /// The request's database phase ends: it leaves the instance, served or failed.
    pub(super) fn end_calls(&mut self, id: RequestId, failure: Option<Cause>) {
        let instance = self.traffic.requests.get(id).server();
        let inst = &mut self.ec2.instances[instance.index()];
        inst.outstanding = inst.outstanding.saturating_sub(1);
        self.outstanding_changed(instance);
        match failure {
            None => self.on_request_served(id),
            Some(cause) => {
                self.fail_with_cause(id, Outcome::Http502, cause);
                self.on_instance_request_ended(instance);
            }
        }
    }

    pub(super) fn on_database_call_ended(&mut self, slot: CallSlot) {
        let call = self.databases.call_ended(slot, &mut self.queue);
        let Some(request) = call.request else {
            return; // the request already ended (its instance stopped)
        };
        // A cache hit answers in place of the call after it.
        self.call_step_done(request, call.step as usize + 1 + call.hit as usize);
    }

    /// A request's calls go on at call `next`, or end when there is none.
    pub(super) fn call_step_done(&mut self, request: RequestId, next: usize) {
        let r = *self.traffic.requests.get(request);
        let n = self
            .scenario
            .resilience
            .calls(r.workload, r.class as usize)
            .len();
        if next < n {
            self.start_call(request, next as u8);
        } else {
            self.end_calls(request, None);
        }
    }

    /// The database's primary is lost: calls in it fail (their pending ends are cancelled);
    /// a Multi-AZ database whose standby's
    /// AZ is up fails over after a drawn time, any other is down until its AZ returns.
    pub(super) fn lose_database_primary(&mut self, d: DatabaseId, fault: Option<FaultId>) {
        let now = self.queue.now();
        let is_cache = self.scenario.resilience.databases[d.index()]
            .hit_ratio
            .is_some();
        for slot in self.databases.calls.of_database(d) {
            let call = self.databases.calls.get(slot);
            if let Some(end) = call.end {
                self.queue.cancel(end);
            }
            if call.hit {
                self.databases.list[d.index()].hits -= 1; // the lookup never answered
            }
            if let Some(request) = call.request {
                self.databases.list[d.index()].failed_calls += 1;
                if is_cache {
                    // A failed cache lookup is a miss: the request goes on to the next call.
                    self.start_call(request, call.step + 1);
                } else {
                    self.end_calls(request, Some(Cause::DatabaseCallAborted));
                }
            }
            self.databases.calls.remove(slot);
        }
        let spec = &self.scenario.resilience.databases[d.index()];
        let db = &self.databases.list[d.index()];
        let standby_up = db
            .standby_az
            .is_some_and(|a| !self.faults.az_down[a.index()]);
        let draw = spec
            .failover_time
            .sample(&mut self.databases.failover_rngs[d.index()]);
        let name = spec.name.clone();
        let failing_over = self.databases.list[d.index()].lose_primary(now, standby_up, draw);
        if failing_over {
            self.queue.at(now + draw, DatabaseEvent::FailedOver(d));
            if is_cache {
                let fields = [("promotion_s", Field::Num(draw.as_secs_f64()))];
                self.trace_cache(d, super::elasticache::CACHE_FAILOVER, &fields);
            }
            self.fault_note(
                fault,
                "database_failover_started",
                format!(
                    "{name}: promoting the standby in {:.1}s",
                    draw.as_secs_f64()
                ),
                true,
            );
        } else if let Some(delay) = self.replace_cache_primary(d) {
            let detail = format!("{name}: replacing the node in {:.0}s", delay.as_secs_f64());
            self.fault_note(fault, "cache_node_replacing", detail, true);
        } else {
            self.fault_note(fault, "database_down", name, true);
        }
    }

    pub(super) fn on_database_failed_over(&mut self, d: DatabaseId) {
        let now = self.queue.now();
        let db = &self.databases.list[d.index()];
        if db.availability != (Availability::FailingOver { until: now }) {
            return;
        }
        let new_primary = db.standby_az;
        if new_primary.is_some_and(|a| self.faults.az_down[a.index()]) {
            // The standby's AZ went down meanwhile: nothing to promote until it returns.
            let db = &mut self.databases.list[d.index()];
            db.primary_az = new_primary.unwrap_or(db.primary_az);
            db.standby_az = None;
            db.availability = Availability::Down;
            return;
        }
        self.databases.list[d.index()].complete_failover(now);
        let spec = &self.scenario.resilience.databases[d.index()];
        let detail = format!(
            "{}: primary now in AZ {}",
            spec.name,
            self.scenario.azs[self.databases.list[d.index()].primary_az.index()]
        );
        self.fault_note(None, "database_failover_completed", detail, true);
    }
}

/// Every database and cache: its state (connections, primary, failover), the calls in
/// flight, and its random streams.
pub struct Databases {
    pub list: Vec<Database>,
    pub calls: Calls,
    /// Per database: `database/NAME/calls` (work, hits, injected errors).
    rngs: Vec<Rng>,
    /// Per database: `database/NAME/failover` (how long a promotion takes).
    pub failover_rngs: Vec<Rng>,
    /// Per database: its ElastiCache cluster, for a cache that has one.
    pub caches: Vec<Option<CacheRuntime>>,
    /// The clusters' node-hours per cost period; with several regions, per region.
    cache_costs: Vec<f64>,
    cache_region_costs: Vec<Vec<f64>>,
}

/// How a call began.
pub enum CallStart {
    /// The call waits for a connection or does its work; `cross_az_bytes` when it crossed AZs.
    Started { cross_az_bytes: Option<u64> },
    /// The cache is unreachable: the application goes on as on a miss.
    CacheUnreachable,
    /// The call failed at once.
    Failed(Cause),
}

impl Databases {
    /// The databases whose primary is in `az` and not down (an outage of `az` loses them).
    /// (A Memcached cluster has no primary: its nodes are lost one by one.)
    pub fn primaries_in(&self, az: AzId) -> Vec<DatabaseId> {
        (self.list.iter().enumerate())
            .filter(|(d, _)| {
                !self.caches[*d]
                    .as_ref()
                    .is_some_and(CacheRuntime::is_memcached)
            })
            .filter(|(_, db)| db.primary_az == az && db.availability != Availability::Down)
            .map(|(d, _)| DatabaseId(d as u16))
            .collect()
    }

    /// AZ `az` is back at `now`: the databases down with their primary there serve again;
    /// returns them.
    pub fn recover_in(&mut self, az: AzId, now: SimTime) -> Vec<DatabaseId> {
        let mut back = Vec::new();
        for (d, db) in self.list.iter_mut().enumerate() {
            // A cache whose node ElastiCache is replacing comes back with the new node.
            let replacing = self.caches[d].as_ref().is_some_and(|c| c.replacing);
            if db.primary_az == az && db.availability == Availability::Down && !replacing {
                db.come_up(now);
                back.push(DatabaseId(d as u16));
            }
        }
        back
    }

    /// Call `step` of `request` (from an instance in `az`) to database `d`: it fails at
    /// once when the database is down or an injected error strikes, else takes a connection
    /// or waits for one; `crossing` (the round trip from the caller's region, zero in one
    /// region) is added to its work.
    pub fn start_call(
        &mut self,
        (d, spec): (DatabaseId, &CallSpec),
        (hit_ratio, crossing): (Option<f64>, SimTime),
        request: RequestId,
        step: u8,
        az: AzId,
        queue: &mut impl Schedule<DatabaseEvent>,
    ) -> CallStart {
        let db = &mut self.list[d.index()];
        let rng = &mut self.rngs[d.index()];
        if !db.is_up() {
            db.calls += 1;
            db.failed_calls += 1;
            return match hit_ratio {
                Some(_) => CallStart::CacheUnreachable,
                None => CallStart::Failed(Cause::DatabaseUnavailable),
            };
        }
        if db.error_fraction > 0.0 && rng.chance(db.error_fraction) {
            db.calls += 1;
            db.failed_calls += 1;
            return CallStart::Failed(Cause::InjectedError);
        }
        let cross_az_bytes = (az != db.primary_az).then_some(spec.bytes);
        let hit = match self.caches[d.index()].as_mut() {
            Some(c) => c.state.lookup(queue.now(), rng),
            None => hit_ratio.is_some_and(|h| rng.chance(h)),
        };
        db.hits += hit as u64;
        let work = spec.work.sample(rng) + db.extra_latency + crossing;
        let slot = self.calls.insert(Call {
            database: d,
            request: Some(request),
            step,
            hit,
            work,
            end: None,
        });
        if self.list[d.index()].admit(slot) {
            self.start_work(slot, queue);
        }
        CallStart::Started { cross_az_bytes }
    }

    /// A call got a connection: its work ends after `work`.
    fn start_work(&mut self, slot: CallSlot, queue: &mut impl Schedule<DatabaseEvent>) {
        let at = queue.now() + self.calls.get(slot).work;
        let end = queue.keyed(at, DatabaseEvent::CallEnded(slot));
        self.calls.set_end(slot, end);
    }

    /// A call's work ended: its connection goes to the next waiting call, and the call is
    /// returned (its request moves on).
    pub fn call_ended(&mut self, slot: CallSlot, queue: &mut impl Schedule<DatabaseEvent>) -> Call {
        let call = self.calls.remove(slot);
        if let Some(c) = self.caches[call.database.index()].as_mut() {
            c.busy += call.work;
        }
        if let Some(next) = self.list[call.database.index()].release() {
            self.start_work(next, queue);
        }
        call
    }
}

impl Service for Databases {
    const START: Stage = Stage::Plans;
    const TRACE_KINDS: &'static [Kind] = &[
        super::elasticache::CACHE_NODE_LOST,
        super::elasticache::CACHE_NODE_REPLACED,
        super::elasticache::CACHE_FAILOVER,
    ];

    fn start(_: &mut World) {}

    fn build(s: &Scenario, series: &mut TimeSeries) -> Databases {
        let specs = &s.resilience.databases;
        let rng = |d: &crate::model::database::DatabaseSpec, purpose: &str| {
            stream(s.seed, &format!("database/{}/{purpose}", d.name))
        };
        Databases {
            list: specs.iter().map(Database::new).collect(),
            calls: Calls::default(),
            rngs: specs.iter().map(|d| rng(d, "calls")).collect(),
            failover_rngs: specs.iter().map(|d| rng(d, "failover")).collect(),
            caches: CacheRuntime::build(s, series),
            cache_costs: Vec::new(),
            cache_region_costs: Vec::new(),
        }
    }

    /// The ElastiCache clusters' series.
    fn period_ended(w: &mut World, p: &Period) {
        w.cache_period_ended(p);
    }

    /// RDS bills instance hours for the whole run (`finish`), not per period; ElastiCache
    /// clusters their node-hours per period.
    fn close_cost_period(w: &mut World, seconds: f64) {
        let cost = w.cache_period_cost(seconds);
        w.databases.cache_costs.push(cost);
        let regions = w.scenario.regions.tables.len();
        if regions >= 2 {
            let by_region = w.cache_period_cost_by_region(seconds, regions);
            w.databases.cache_region_costs.push(by_region);
        }
    }

    /// Each database's and cache's figures (after `faults`, whose results it completes),
    /// and the databases' instances for the bill (caches are not billed yet).
    fn finish(w: &mut World, out: &mut Finish) {
        let s = &*w.scenario;
        let now = s.duration;
        out.result.resilience.databases = s
            .resilience
            .databases
            .iter()
            .zip(&w.databases.list)
            .enumerate()
            .map(|(i, (spec, d))| {
                let open = d.down_since.map_or(SimTime::ZERO, |t| now - t);
                DatabaseResult {
                    name: spec.name.clone(),
                    multi_az: spec.multi_az,
                    calls: d.calls,
                    failed_calls: d.failed_calls,
                    failovers: d.failovers,
                    downtime_s: (d.downtime + open).as_secs_f64(),
                    max_connections_in_use: d.max_busy,
                    primary_az: s.azs[d.primary_az.index()].clone(),
                    hits: spec.hit_ratio.map(|_| d.hits),
                    cache: (w.databases.caches[i].as_ref()).and_then(|c| c.result(spec, now)),
                }
            })
            .collect();
        if w.databases.caches.iter().any(Option::is_some) {
            let costs = std::mem::take(&mut w.databases.cache_costs);
            let periods = std::mem::take(&mut w.databases.cache_region_costs);
            if periods.is_empty() {
                out.usage.priced.insert("elasticache", costs);
            } else {
                let by_region = crate::cost::regional::by_region(&periods);
                out.usage.priced_by_region.insert("elasticache", by_region);
            }
        }
        out.usage.databases = s
            .resilience
            .databases
            .iter()
            .filter(|d| d.hit_ratio.is_none())
            .map(|d| crate::cost::DatabaseRun {
                class: d.instance_class.clone(),
                multi_az: d.multi_az,
                region: s.regions.of_az(d.az).index(),
            })
            .collect();
    }
}

impl Handles<DatabaseEvent> for Databases {
    fn handle(w: &mut World, e: DatabaseEvent) {
        match e {
            DatabaseEvent::CallEnded(slot) => w.on_database_call_ended(slot),
            DatabaseEvent::FailedOver(d) => w.on_database_failed_over(d),
            DatabaseEvent::NodeReplaced(d, node) => w.on_cache_node_replaced(d, node),
        }
    }
}
