//! The tables of a run and the calls to them in flight: a call is admitted (it ends after a
//! drawn latency), or throttled and retried by the SDK after its backoff, or, its attempts
//! spent, handed back to the application as failed.
//!
//! A call in flight holds a slot; the request it serves may end without it (its instance
//! stopped), and then detaches (`request` becomes `None`), so no call event is ever stale.

use super::table::{Admission, Table, TableSpec, Throttle};
use super::units::Units;
use crate::ids::{RequestId, TableId};
use crate::kernel::{Rng, RngExt, Schedule, SimTime, stream};

const MINUTE: SimTime = SimTime::from_secs(60);
use crate::metrics::{SeriesId, Statistic, TimeSeries};

crate::ids::id!(/// A call to a DynamoDB table in progress (served or waiting to retry): its slot, reused
    /// after the call ends.
    TableCallSlot(u32));

/// A table's events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DynamoDbEvent {
    /// A served call's answer reached the application.
    CallDone(TableCallSlot),
    /// A throttled call's backoff ran out: the SDK tries again.
    RetryDue(TableCallSlot),
    /// A minute of consumed capacity is published: auto scaling evaluates every table.
    ScalingMinute,
    /// A table's UpdateTable completes: its decided capacities apply.
    CapacityUpdated(TableId),
}

/// None of these events names an instance.
impl crate::model::NamesInstance for DynamoDbEvent {}

/// A call in flight.
#[derive(Clone, Copy, Debug)]
pub struct TableCall {
    pub table: TableId,
    pub units: Units,
    /// The request waiting on it (`None`: the request ended without it).
    pub request: Option<RequestId>,
    /// Which of the request's calls it is.
    pub step: u8,
    /// Attempts made so far.
    pub attempts: u32,
    /// The round trip between the caller's region and the table's (zero in one region),
    /// added to each attempt's answer.
    pub crossing: SimTime,
}

/// A table's counts over the run (after the warm-up when `counting`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TableStats {
    /// Calls the application made (each counted once, whatever its attempts).
    pub calls: u64,
    pub retries: u64,
    /// Calls that ran out of attempts.
    pub failed_calls: u64,
}

/// What became of a call's attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// Admitted: the answer comes back after the table's latency.
    Served,
    /// Throttled by `limit` on attempt `attempt` (from 1); the SDK retries after its backoff.
    Retrying { limit: Throttle, attempt: u32 },
    /// Throttled by `limit` on its last attempt (`attempt`): the application gets the error.
    Failed { limit: Throttle, attempt: u32 },
}

/// A change of a provisioned table's capacity by auto scaling: read and write units before
/// and after, and the partitions (after the change when applied, before it when decided).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub from: (u64, u64),
    pub to: (u64, u64),
    pub partitions: u32,
}

pub struct DynamoDb {
    pub tables: Vec<Table>,
    /// Per table: its series (consumed read units, consumed write units, throttled attempts).
    pub series: Vec<[SeriesId; 3]>,
    pub stats: Vec<TableStats>,
    /// The tables' bill per cost period, all tables together.
    pub costs: Vec<f64>,
    /// With several regions: per region, its tables' bill per cost period (each priced by
    /// its region's table); empty otherwise.
    pub region_costs: Vec<Vec<f64>>,
    calls: Vec<TableCall>,
    alive: Vec<bool>,
    free: Vec<u32>,
    /// Per table: `dynamodb/NAME/keys` (the partition of each attempt),
    /// `dynamodb/NAME/latency`, `dynamodb/NAME/retries` (the SDK's jitter).
    key_rngs: Vec<Rng>,
    latency_rngs: Vec<Rng>,
    retry_rngs: Vec<Rng>,
}

impl DynamoDb {
    /// The run's tables; their series are registered in `series`.
    pub fn new(specs: &[TableSpec], seed: u64, series: &mut TimeSeries) -> DynamoDb {
        let rngs = |purpose: &str| -> Vec<Rng> {
            specs
                .iter()
                .map(|t| stream(seed, &format!("dynamodb/{}/{purpose}", t.name)))
                .collect()
        };
        DynamoDb {
            tables: specs.iter().map(Table::new).collect(),
            series: specs
                .iter()
                .map(|t| {
                    ["consumed_rcu", "consumed_wcu", "throttled"].map(|key| {
                        series.series(&format!("dynamodb.{}.{key}", t.name), Statistic::Sum)
                    })
                })
                .collect(),
            stats: vec![TableStats::default(); specs.len()],
            costs: Vec::new(),
            region_costs: Vec::new(),
            calls: Vec::new(),
            alive: Vec::new(),
            free: Vec::new(),
            key_rngs: rngs("keys"),
            latency_rngs: rngs("latency"),
            retry_rngs: rngs("retries"),
        }
    }

    /// The application makes call `step` of `request` to `table`.
    pub fn start(
        &mut self,
        specs: &[TableSpec],
        (table, units, crossing): (TableId, Units, SimTime),
        (request, step): (RequestId, u8),
        counting: bool,
        queue: &mut impl Schedule<DynamoDbEvent>,
    ) -> Attempt {
        self.stats[table.index()].calls += counting as u64;
        let call = TableCall {
            table,
            units,
            request: Some(request),
            step,
            attempts: 0,
            crossing,
        };
        let slot = match self.free.pop() {
            Some(i) => {
                self.calls[i as usize] = call;
                self.alive[i as usize] = true;
                TableCallSlot(i)
            }
            None => {
                self.calls.push(call);
                self.alive.push(true);
                TableCallSlot((self.calls.len() - 1) as u32)
            }
        };
        self.attempt(specs, slot, counting, queue)
    }

    /// One attempt of the call in `slot`.
    fn attempt(
        &mut self,
        specs: &[TableSpec],
        slot: TableCallSlot,
        counting: bool,
        queue: &mut impl Schedule<DynamoDbEvent>,
    ) -> Attempt {
        let now = queue.now();
        let call = &mut self.calls[slot.index()];
        call.attempts += 1;
        let (attempts, crossing) = (call.attempts, call.crossing);
        let t = call.table.index();
        let spec = &specs[t];
        let partition = self.tables[t].partition(spec, self.key_rngs[t].open01());
        match self.tables[t].admit(now, call.units, partition) {
            Admission::Served => {
                let latency = spec.latency.sample(&mut self.latency_rngs[t]);
                queue.at(now + latency + crossing, DynamoDbEvent::CallDone(slot));
                Attempt::Served
            }
            Admission::Throttled(limit) => {
                match spec.retry.backoff(attempts, self.retry_rngs[t].open01()) {
                    Some(wait) => {
                        self.stats[t].retries += counting as u64;
                        // The throttle's answer crosses back first (zero in one region).
                        queue.at(now + crossing + wait, DynamoDbEvent::RetryDue(slot));
                        Attempt::Retrying {
                            limit,
                            attempt: attempts,
                        }
                    }
                    None => {
                        self.stats[t].failed_calls += counting as u64;
                        self.remove(slot);
                        Attempt::Failed {
                            limit,
                            attempt: attempts,
                        }
                    }
                }
            }
        }
    }

    /// A retry is due: the request it serves, and what became of it (`None`: the request
    /// ended meanwhile and the call is dropped).
    pub fn retry_due(
        &mut self,
        specs: &[TableSpec],
        slot: TableCallSlot,
        counting: bool,
        queue: &mut impl Schedule<DynamoDbEvent>,
    ) -> Option<(RequestId, TableId, Attempt)> {
        let call = self.calls[slot.index()];
        let Some(request) = call.request else {
            self.remove(slot);
            return None;
        };
        Some((
            request,
            call.table,
            self.attempt(specs, slot, counting, queue),
        ))
    }

    /// A served call's answer arrived: the request that moves on, and the call's step.
    pub fn done(&mut self, slot: TableCallSlot) -> Option<(RequestId, u8)> {
        let call = self.calls[slot.index()];
        self.remove(slot);
        Some((call.request?, call.step))
    }

    fn remove(&mut self, slot: TableCallSlot) {
        debug_assert!(self.alive[slot.index()]);
        self.alive[slot.index()] = false;
        self.free.push(slot.0);
    }

    /// Schedules the first auto scaling minute when some table scales.
    pub fn start_scaling(&self, specs: &[TableSpec], queue: &mut impl Schedule<DynamoDbEvent>) {
        if specs
            .iter()
            .any(|t| t.read_scaling.is_some() || t.write_scaling.is_some())
        {
            queue.at(queue.now() + MINUTE, DynamoDbEvent::ScalingMinute);
        }
    }

    /// A minute ended: each scaled table's consumption per second against its capacity;
    /// decided changes apply after their update delay. The next minute is scheduled while it
    /// is before `end`.
    pub fn scaling_minute(
        &mut self,
        specs: &[TableSpec],
        end: SimTime,
        queue: &mut impl Schedule<DynamoDbEvent>,
        mut decided: impl FnMut(TableId, Change),
    ) {
        let now = queue.now();
        for (i, (spec, t)) in specs.iter().zip(self.tables.iter_mut()).enumerate() {
            let used = t.take_minute();
            let Some((read_units, write_units)) = t.provisioned() else {
                continue;
            };
            let mut delay = None;
            if let Some(s) = &spec.read_scaling {
                let per_s = used.read_halves as f64 / 2.0 / 60.0;
                if let Some(c) = t.read_tracker.minute(s, now, per_s, read_units) {
                    t.pending.0 = Some(c.capacity);
                    delay = Some(s.update_delay);
                }
            }
            if let Some(s) = &spec.write_scaling {
                let per_s = used.write_units as f64 / 60.0;
                if let Some(c) = t.write_tracker.minute(s, now, per_s, write_units) {
                    t.pending.1 = Some(c.capacity);
                    delay = Some(delay.map_or(s.update_delay, |d: SimTime| d.max(s.update_delay)));
                }
            }
            if let Some(d) = delay {
                let id = TableId(i as u16);
                queue.at(now + d, DynamoDbEvent::CapacityUpdated(id));
                decided(
                    id,
                    Change {
                        from: (read_units, write_units),
                        to: (
                            t.pending.0.unwrap_or(read_units),
                            t.pending.1.unwrap_or(write_units),
                        ),
                        partitions: t.partitions(),
                    },
                );
            }
        }
        if now + MINUTE <= end {
            queue.at(now + MINUTE, DynamoDbEvent::ScalingMinute);
        }
    }

    /// Table `t`'s UpdateTable completed: its decided capacities apply now (the change, for
    /// the trace).
    pub fn capacity_updated(&mut self, t: TableId, now: SimTime) -> Option<Change> {
        let table = &mut self.tables[t.index()];
        let (read_units, write_units) = table.provisioned()?;
        let (r, w) = std::mem::take(&mut table.pending);
        if let Some(r) = r {
            table.read_tracker.applied(r > read_units);
        }
        if let Some(w) = w {
            table.write_tracker.applied(w > write_units);
        }
        let to = (r.unwrap_or(read_units), w.unwrap_or(write_units));
        table.provision(now, to.0, to.1);
        Some(Change {
            from: (read_units, write_units),
            to,
            partitions: table.partitions(),
        })
    }

    /// The requests in `ended` (sorted) ended without their calls: the calls finish alone.
    pub fn detach(&mut self, ended: &[RequestId]) {
        for (call, alive) in self.calls.iter_mut().zip(&self.alive) {
            if *alive
                && let Some(r) = call.request
                && ended.binary_search(&r).is_ok()
            {
                call.request = None;
            }
        }
    }

    /// Why the table's calls were throttled: (table limit, partition limit) counts.
    pub fn throttles(&self, t: TableId) -> (u64, u64) {
        let m = &self.tables[t.index()].meters;
        (m.throttled_table, m.throttled_partition)
    }
}
