//! The database phase of a request: after its instance work, a request of a class with
//! `calls` makes them in order, still holding its instance slot (a connection of the app
//! server's pool waits on the database). A call waits for one of the database's connections,
//! does its work, and the request moves on; a call to a database that is failing over or down
//! fails at once (502), and so do calls in flight when the primary is lost.
//!
//! A call holding a connection keeps the key of its pending end, which a lost primary cancels;
//! a request that ends without its call (its instance stopped) detaches from it
//! (`Call::request` becomes `None`), so no call event is ever stale.

use super::World;
use crate::ids::CallSlot;
use crate::ids::DatabaseId;
use crate::ids::FaultId;
use crate::ids::RequestId;
use crate::kernel::RngExt;
use crate::kernel::Schedule;
use crate::metrics::Outcome;
use crate::model::database::DatabaseEvent;
use crate::model::database::{Availability, Call};
use crate::model::faults::Cause;
use crate::model::instance::Job;

impl World {
    /// An instance finished a job. A request makes its database calls, or is served; a queue
    /// message's job makes no calls.
    pub(super) fn on_work_done(&mut self, job: Job) {
        let id = match job {
            Job::Request(id) => id,
            Job::Message(poller) => return self.on_message_processed(poller),
        };
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

    fn start_call(&mut self, id: RequestId, step: u8) {
        let r = *self.traffic.requests.get(id);
        let s = std::sync::Arc::clone(&self.scenario);
        let calls = s.resilience.calls(r.workload, r.class as usize);
        let Some(spec) = calls.get(step as usize) else {
            return self.end_calls(id, None); // a cache hit answered for the last call
        };
        let d = spec.database;
        let hit_ratio = s.resilience.databases[d.index()].hit_ratio;
        let db = &mut self.faults.databases[d.index()];
        let rng = &mut self.faults.db_rngs[d.index()];
        if !db.is_up() {
            db.calls += 1;
            db.failed_calls += 1;
            if hit_ratio.is_some() {
                // The application treats an unreachable cache as a miss.
                return self.start_call(id, step + 1);
            }
            return self.end_calls(id, Some(Cause::DatabaseUnavailable));
        }
        if db.error_fraction > 0.0 && rng.chance(db.error_fraction) {
            db.calls += 1;
            db.failed_calls += 1;
            return self.end_calls(id, Some(Cause::InjectedError));
        }
        if self.ec2.instances[r.server().index()].az != db.primary_az {
            self.bills.inter_az_bytes += spec.bytes as f64;
        }
        let hit = hit_ratio.is_some_and(|h| rng.chance(h));
        db.hits += hit as u64;
        let work = spec.work.sample(rng) + db.extra_latency;
        let slot = self.faults.calls.insert(Call {
            database: d,
            request: Some(id),
            step,
            hit,
            work,
            end: None,
        });
        if db.admit(slot) {
            self.start_call_work(slot);
        }
    }

    /// A call got a connection: its work ends after `work`.
    fn start_call_work(&mut self, slot: CallSlot) {
        let at = self.queue.now() + self.faults.calls.get(slot).work;
        let end = self.queue.keyed(at, DatabaseEvent::CallEnded(slot));
        self.faults.calls.set_end(slot, end);
    }

    /// The requests in `ended` (sorted) ended while their calls were in flight (their
    /// instance stopped or terminated): the calls finish without them.
    pub(super) fn detach_calls(&mut self, ended: &[RequestId]) {
        if !ended.is_empty() {
            self.faults.calls.detach(ended);
        }
    }

    /// The request's database phase ends: it leaves the instance, served or failed.
    fn end_calls(&mut self, id: RequestId, failure: Option<Cause>) {
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
        let call = self.faults.calls.remove(slot);
        let db = &mut self.faults.databases[call.database.index()];
        if let Some(next) = db.release() {
            self.start_call_work(next);
        }
        let Some(request) = call.request else {
            return; // the request already ended (its instance stopped)
        };
        let r = *self.traffic.requests.get(request);
        let n = self
            .scenario
            .resilience
            .calls(r.workload, r.class as usize)
            .len();
        // A cache hit answers in place of the call after it.
        let next = call.step as usize + 1 + call.hit as usize;
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
        for slot in self.faults.calls.of_database(d) {
            let call = self.faults.calls.get(slot);
            if let Some(end) = call.end {
                self.queue.cancel(end);
            }
            if call.hit {
                self.faults.databases[d.index()].hits -= 1; // the lookup never answered
            }
            if let Some(request) = call.request {
                self.faults.databases[d.index()].failed_calls += 1;
                if is_cache {
                    // A failed cache lookup is a miss: the request goes on to the next call.
                    self.start_call(request, call.step + 1);
                } else {
                    self.end_calls(request, Some(Cause::DatabaseCallAborted));
                }
            }
            self.faults.calls.remove(slot);
        }
        let spec = &self.scenario.resilience.databases[d.index()];
        let db = &self.faults.databases[d.index()];
        let standby_up = db
            .standby_az
            .is_some_and(|a| !self.faults.az_down[a.index()]);
        let draw = spec
            .failover_time
            .sample(&mut self.faults.failover_rngs[d.index()]);
        let name = spec.name.clone();
        let failing_over = self.faults.databases[d.index()].lose_primary(now, standby_up, draw);
        if failing_over {
            self.queue.at(now + draw, DatabaseEvent::FailedOver(d));
            self.fault_note(
                fault,
                "database_failover_started",
                format!(
                    "{name}: promoting the standby in {:.1}s",
                    draw.as_secs_f64()
                ),
                true,
            );
        } else {
            self.fault_note(fault, "database_down", name, true);
        }
    }

    pub(super) fn on_database_failed_over(&mut self, d: DatabaseId) {
        let now = self.queue.now();
        let db = &self.faults.databases[d.index()];
        if db.availability != (Availability::FailingOver { until: now }) {
            return;
        }
        let new_primary = db.standby_az;
        if new_primary.is_some_and(|a| self.faults.az_down[a.index()]) {
            // The standby's AZ went down meanwhile: nothing to promote until it returns.
            let db = &mut self.faults.databases[d.index()];
            db.primary_az = new_primary.unwrap_or(db.primary_az);
            db.standby_az = None;
            db.availability = Availability::Down;
            return;
        }
        self.faults.databases[d.index()].complete_failover(now);
        let spec = &self.scenario.resilience.databases[d.index()];
        let detail = format!(
            "{}: primary now in AZ {}",
            spec.name,
            self.scenario.azs[self.faults.databases[d.index()].primary_az.index()]
        );
        self.fault_note(None, "database_failover_completed", detail, true);
    }
}
