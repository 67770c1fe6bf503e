//! The database phase of a request: after its instance work, a request of a class with
//! `calls` makes them in order, still holding its instance slot (a connection of the app
//! server's pool waits on the database). A call waits for one of the database's connections,
//! does its work, and the request moves on; a call to a database that is failing over or down
//! fails at once (502), and so do calls in flight when the primary is lost.

use super::World;
use crate::ids::CallSlot;
use crate::ids::DatabaseId;
use crate::ids::RequestId;
use crate::kernel::RngExt;
use crate::kernel::Schedule;
use crate::metrics::Outcome;
use crate::model::database::DatabaseEvent;
use crate::model::database::{Availability, Call};
use crate::model::faults::Cause;

impl World {
    /// The instance finished a request's work: it makes its database calls, or is served.
    pub(super) fn on_work_done(&mut self, id: RequestId) {
        // A queue message's processing job is not a request and makes no calls.
        if super::sqs::job_poller(id).is_some() {
            return self.on_request_served(id);
        }
        let r = *self.requests.get(id);
        if self
            .scenario
            .resilience
            .calls(r.workload, r.class as usize)
            .is_empty()
        {
            return self.on_request_served(id);
        }
        // The request keeps its place on the instance while it waits on the database.
        self.instances[r.instance.index()].outstanding += 1;
        self.outstanding_changed(r.instance);
        self.start_call(id, 0);
    }

    fn start_call(&mut self, id: RequestId, step: u8) {
        let r = *self.requests.get(id);
        let s = std::sync::Arc::clone(&self.scenario);
        let calls = s.resilience.calls(r.workload, r.class as usize);
        let Some(spec) = calls.get(step as usize) else {
            return self.end_calls(id, None); // a cache hit answered for the last call
        };
        let d = spec.database;
        let hit_ratio = s.resilience.databases[d].hit_ratio;
        let db = &mut self.faults.databases[d];
        let rng = &mut self.faults.db_rngs[d];
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
        if self.instances[r.instance.index()].az != db.primary_az {
            self.inter_az_bytes += spec.bytes as f64;
        }
        let hit = hit_ratio.is_some_and(|h| rng.chance(h));
        db.hits += hit as u64;
        let work = spec.work.sample(rng) + db.extra_latency;
        let slot = self.faults.calls.insert(Call {
            database: d as u16,
            request: id,
            request_uid: r.id,
            step,
            hit,
            epoch: db.epoch,
            work,
        });
        if db.admit(slot) {
            self.queue
                .after(work, DatabaseEvent::CallEnded(CallSlot(slot)));
        }
    }

    /// The request's database phase ends: it leaves the instance, served or failed.
    fn end_calls(&mut self, id: RequestId, failure: Option<Cause>) {
        let instance = self.requests.get(id).instance;
        let inst = &mut self.instances[instance.index()];
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

    pub(super) fn on_database_call_ended(&mut self, slot: u32) {
        let call = self.faults.calls.remove(slot);
        let db = &mut self.faults.databases[call.database as usize];
        if call.epoch == db.epoch
            && let Some(next) = db.release()
        {
            let work = self.faults.calls.get(next).work;
            self.queue
                .after(work, DatabaseEvent::CallEnded(CallSlot(next)));
        }
        if !self.requests.is_live(call.request, call.request_uid) {
            return; // the request already ended (its instance stopped)
        }
        let r = *self.requests.get(call.request);
        let n = self
            .scenario
            .resilience
            .calls(r.workload, r.class as usize)
            .len();
        // A cache hit answers in place of the call after it.
        let next = call.step as usize + 1 + call.hit as usize;
        if next < n {
            self.start_call(call.request, next as u8);
        } else {
            self.end_calls(call.request, None);
        }
    }

    /// The database's primary is lost: calls in it fail; a Multi-AZ database whose standby's
    /// AZ is up fails over after a drawn time, any other is down until its AZ returns.
    pub(super) fn lose_database_primary(&mut self, d: usize, fault: Option<usize>) {
        let now = self.queue.now();
        let is_cache = self.scenario.resilience.databases[d].hit_ratio.is_some();
        let waiting: std::collections::HashSet<u32> =
            self.faults.databases[d].waiting.iter().copied().collect();
        for slot in self.faults.calls.of_database(d as u16) {
            let call = self.faults.calls.get(slot);
            let waiting = waiting.contains(&slot);
            if call.hit {
                self.faults.databases[d].hits -= 1; // the lookup never answered
            }
            if self.requests.is_live(call.request, call.request_uid) {
                self.faults.databases[d].failed_calls += 1;
                if is_cache {
                    // A failed cache lookup is a miss: the request goes on to the next call.
                    self.start_call(call.request, call.step + 1);
                } else {
                    self.end_calls(call.request, Some(Cause::DatabaseCallAborted));
                }
            }
            if waiting {
                self.faults.calls.remove(slot);
            } else {
                self.faults.calls.orphan(slot);
            }
        }
        let spec = &self.scenario.resilience.databases[d];
        let db = &self.faults.databases[d];
        let standby_up = db
            .standby_az
            .is_some_and(|a| !self.faults.az_down[a.index()]);
        let draw = spec.failover_time.sample(&mut self.faults.failover_rngs[d]);
        let name = spec.name.clone();
        let failing_over = self.faults.databases[d].lose_primary(now, standby_up, draw);
        if failing_over {
            self.queue
                .at(now + draw, DatabaseEvent::FailedOver(DatabaseId(d as u16)));
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

    pub(super) fn on_database_failed_over(&mut self, d: u16) {
        let d = d as usize;
        let now = self.queue.now();
        let db = &self.faults.databases[d];
        if db.availability != (Availability::FailingOver { until: now }) {
            return;
        }
        let new_primary = db.standby_az;
        if new_primary.is_some_and(|a| self.faults.az_down[a.index()]) {
            // The standby's AZ went down meanwhile: nothing to promote until it returns.
            let db = &mut self.faults.databases[d];
            db.primary_az = new_primary.unwrap_or(db.primary_az);
            db.standby_az = None;
            db.availability = Availability::Down;
            return;
        }
        self.faults.databases[d].complete_failover(now);
        let spec = &self.scenario.resilience.databases[d];
        let detail = format!(
            "{}: primary now in AZ {}",
            spec.name,
            self.scenario.azs[self.faults.databases[d].primary_az.index()]
        );
        self.fault_note(None, "database_failover_completed", detail, true);
    }
}
