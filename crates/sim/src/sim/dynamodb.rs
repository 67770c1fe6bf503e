//! DynamoDB in the world: the `DynamoDb` service (its tables and calls in flight, in
//! `model::dynamodb`) and the call phase's side of a table call. A request's call to a table
//! is admitted or retried by the SDK inside the service; the world hears back when the call
//! is done (the request moves on to its next call) or failed (its attempts spent: the
//! application answers 502, as for a database that cannot be reached; the throttles are the
//! table's `failed_calls`).

use super::World;
use super::calls::CallKind;
use super::service::{Finish, Handles, Period, Service, Stage};
use crate::ids::{RequestId, TableId};
use crate::kernel::SimTime;
use crate::metrics::{Outcome, TimeSeries};
use crate::model::dynamodb::{Attempt, Change, DynamoDb, DynamoDbEvent, TableCall};
use crate::model::dynamodb::{DynamoDbPrices, TableCallSlot};
use crate::model::faults::Cause;
use crate::scenario::Scenario;
use crate::trace::{Field, Kind, Tracer};

/// A table's part of a run's results (`summary.json` `dynamodb.NAME`).
#[derive(Clone, Debug, PartialEq)]
pub struct TableResult {
    pub name: String,
    pub mode: &'static str,
    /// Provisioned read and write capacity units at the end (`None` on demand).
    pub provisioned: Option<(u64, u64)>,
    /// Partitions at the end (an increase of provisioned capacity may have split some).
    pub partitions: u32,
    pub calls: u64,
    pub retries: u64,
    pub failed_calls: u64,
    /// Attempts throttled by the table's capacity, and by a partition's limit.
    pub throttled_table: u64,
    pub throttled_partition: u64,
    /// Capacity consumed over the run: read and write units.
    pub read_units: f64,
    pub write_units: f64,
    /// Auto scaling's changes of capacity applied: increases and decreases.
    pub scaling_increases: u64,
    pub scaling_decreases: u64,
    /// Its region, when the scenario declares `regions`.
    pub region: Option<String>,
}

impl World {
    /// Call `step` of request `id` goes to a table, moving `bytes` each way. A table in
    /// another region than the calling instance's adds the round trip between the regions
    /// to each attempt and bills the bytes as inter-region data transfer, both ways; a
    /// table whose region is under a `region_outage` fails the call at once
    /// (`region_unreachable`, a 502 to the client, as a database that cannot be reached).
    #[inline]
    fn start_table_call(
        &mut self,
        id: RequestId,
        step: u8,
        TableCall { table, units }: TableCall,
        bytes: u64,
    ) {
        let regions = &self.scenario.regions;
        let to = regions.table_region.get(table.index()).copied();
        let to = to.unwrap_or(crate::ids::RegionId(0));
        let az = self.ec2.instances[self.traffic.requests.get(id).server().index()].az;
        let from = regions.of_az(az);
        if self.faults.region_is_down(to) {
            return self.end_calls(id, Some(Cause::RegionUnreachable));
        }
        let crossing = regions.between(from, to);
        if from != to {
            self.bills.inter_region(from, to, bytes as f64);
        }
        let specs = &self.scenario.services.dynamodb_tables;
        let attempt = self.dynamodb.start(
            specs,
            (table, units, crossing),
            (id, step),
            self.counting,
            &mut self.queue,
        );
        self.table_attempted(id, table, attempt);
    }

    /// Traces a throttled attempt (`throttle`: the limit, the attempt, whether the SDK
    /// retries), and fails the request whose last attempt was throttled.
    fn table_attempted(&mut self, id: RequestId, table: TableId, attempt: Attempt) {
        let (limit, then, n) = match attempt {
            Attempt::Served => return,
            Attempt::Retrying { limit, attempt } => (limit, "retry", attempt),
            Attempt::Failed { limit, attempt } => (limit, "fail", attempt),
        };
        if let Some(t) = self.tracer.as_deref_mut() {
            let spec = &self.scenario.services.dynamodb_tables[table.index()];
            let uid = self.traffic.requests.get(id).id;
            let fields = [
                ("limit", Field::Str(limit.name())),
                ("attempt", Field::Int(n as u64)),
                ("then", Field::Str(then)),
            ];
            t.emit(
                self.queue.now(),
                Kind::Throttle,
                &spec.name,
                Some(uid),
                &fields,
            );
        }
        if then == "fail" {
            self.table_call_failed(id);
        }
    }

    fn table_call_failed(&mut self, id: RequestId) {
        let instance = self.traffic.requests.get(id).server();
        let inst = &mut self.ec2.instances[instance.index()];
        inst.outstanding = inst.outstanding.saturating_sub(1);
        self.outstanding_changed(instance);
        self.fail_request(id, Outcome::Http502);
        self.on_instance_request_ended(instance);
    }

    fn on_table_call_done(&mut self, slot: TableCallSlot) {
        if let Some((request, step)) = self.dynamodb.done(slot) {
            self.call_step_done(request, step as usize + 1);
        }
    }

    fn on_table_retry_due(&mut self, slot: TableCallSlot) {
        let specs = &self.scenario.services.dynamodb_tables;
        let counting = self.counting;
        if let Some((request, table, attempt)) =
            self.dynamodb
                .retry_due(specs, slot, counting, &mut self.queue)
        {
            self.table_attempted(request, table, attempt);
        }
    }
}

/// Tables are a kind of call (`{table: NAME, ...}`).
impl CallKind for DynamoDb {
    const FIELD: &'static str = crate::model::dynamodb::CALL;

    #[inline]
    fn start(w: &mut World, id: RequestId, step: u8, entry: u32, bytes: u64) {
        let call = w.scenario.resilience.service_calls.dynamodb_tables[entry as usize];
        w.start_table_call(id, step, call, bytes);
    }

    fn detach(w: &mut World, ended: &[RequestId]) {
        w.dynamodb.detach(ended);
    }
}

impl Service for DynamoDb {
    const START: Stage = Stage::Plans;
    const TRACE_KINDS: &'static [Kind] = &[Kind::Throttle, Kind::ScalingActivity];

    /// The first minute of the scaled tables' evaluation.
    fn start(w: &mut World) {
        let tables = &w.scenario.services.dynamodb_tables;
        w.dynamodb.start_scaling(tables, &mut w.queue);
    }

    fn build(s: &Scenario, series: &mut TimeSeries) -> DynamoDb {
        DynamoDb::new(&s.services.dynamodb_tables, s.seed, series)
    }

    /// Per table, the period's consumed read and write units and throttled attempts
    /// (`dynamodb.NAME.consumed_rcu`, `consumed_wcu`, `throttled`).
    fn period_ended(w: &mut World, p: &Period) {
        let d = &mut w.dynamodb;
        for (t, ids) in d.tables.iter_mut().zip(&d.series) {
            let m = t.take_period();
            let values = [
                m.read_halves as f64 / 2.0,
                m.write_units as f64,
                (m.throttled_table + m.throttled_partition) as f64,
            ];
            for (id, v) in ids.iter().zip(values) {
                w.series.push(p.start_s, *id, v);
            }
        }
    }

    /// Provisioned capacity by the unit-hour, on-demand by the request units consumed.
    /// With several regions, each table by its region's prices (`DynamoDb::region_costs`).
    fn close_cost_period(w: &mut World, seconds: f64) {
        let s = &w.scenario;
        let prices = |t: &crate::cost::PriceTable| {
            (t.section::<DynamoDbPrices>()).expect("the shipped figures when the table has none")
        };
        let d = &mut w.dynamodb;
        if let [] | [_] = s.regions.tables.as_slice() {
            let run = prices(s.regions.tables.first().unwrap_or(&s.prices));
            let cost = d
                .tables
                .iter_mut()
                .map(|t| t.close_cost_period(seconds, &run))
                .sum();
            d.costs.push(cost);
            return;
        }
        let regional: Vec<DynamoDbPrices> = s.regions.tables.iter().map(prices).collect();
        d.region_costs.resize(regional.len(), Vec::new());
        let mut period = vec![0.0; regional.len()];
        for (i, t) in d.tables.iter_mut().enumerate() {
            let r = (s.regions.table_region.get(i)).map_or(0, |r| r.index());
            period[r] += t.close_cost_period(seconds, &regional[r]);
        }
        d.costs.push(period.iter().sum());
        for (r, c) in period.into_iter().enumerate() {
            d.region_costs[r].push(c);
        }
    }

    fn finish(w: &mut World, out: &mut Finish) {
        let specs = &w.scenario.services.dynamodb_tables;
        if !specs.is_empty() {
            if w.scenario.regions.tables.len() < 2 {
                out.usage
                    .priced
                    .insert("dynamodb", w.dynamodb.costs.clone());
            } else {
                (out.usage.priced_by_region).insert("dynamodb", w.dynamodb.region_costs.clone());
            }
        }
        out.result.services.dynamodb = specs
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let t = &w.dynamodb.tables[i];
                let st = w.dynamodb.stats[i];
                let m = t.meters;
                let regions = &w.scenario.regions;
                TableResult {
                    region: regions.declared_name(regions.table_region.get(i).copied()),
                    name: spec.name.clone(),
                    mode: spec.mode.name(),
                    provisioned: t.provisioned(),
                    partitions: t.partitions(),
                    calls: st.calls,
                    retries: st.retries,
                    failed_calls: st.failed_calls,
                    throttled_table: m.throttled_table,
                    throttled_partition: m.throttled_partition,
                    read_units: m.read_halves as f64 / 2.0,
                    write_units: m.write_units as f64,
                    scaling_increases: t.read_tracker.increases + t.write_tracker.increases,
                    scaling_decreases: t.read_tracker.decreases_done
                        + t.write_tracker.decreases_done,
                }
            })
            .collect();
    }
}

impl Handles<DynamoDbEvent> for DynamoDb {
    fn handle(w: &mut World, e: DynamoDbEvent) {
        match e {
            DynamoDbEvent::CallDone(slot) => w.on_table_call_done(slot),
            DynamoDbEvent::RetryDue(slot) => w.on_table_retry_due(slot),
            DynamoDbEvent::ScalingMinute => {
                let (specs, end) = (&w.scenario.services.dynamodb_tables, w.scenario.duration);
                let (now, tracer) = (w.queue.now(), &mut w.tracer);
                w.dynamodb
                    .scaling_minute(specs, end, &mut w.queue, |t, change| {
                        trace_change(tracer, now, &specs[t.index()].name, "decided", change);
                    });
            }
            DynamoDbEvent::CapacityUpdated(t) => {
                let now = w.queue.now();
                if let Some(change) = w.dynamodb.capacity_updated(t, now) {
                    let name = &w.scenario.services.dynamodb_tables[t.index()].name;
                    trace_change(&mut w.tracer, now, name, "applied", change);
                }
            }
        }
    }
}

/// Traces auto scaling's change of a table's capacity (`scaling_activity`): decided at the end
/// of a minute, applied when UpdateTable completes.
fn trace_change(
    tracer: &mut Option<Box<Tracer>>,
    now: SimTime,
    table: &str,
    phase: &'static str,
    c: Change,
) {
    if let Some(t) = tracer.as_deref_mut() {
        let fields = [
            ("phase", Field::Str(phase)),
            ("read_units_from", Field::Int(c.from.0)),
            ("read_units_to", Field::Int(c.to.0)),
            ("write_units_from", Field::Int(c.from.1)),
            ("write_units_to", Field::Int(c.to.1)),
            ("partitions", Field::Int(c.partitions as u64)),
            ("cause", Field::Str("target_tracking")),
        ];
        t.emit(now, Kind::ScalingActivity, table, None, &fields);
    }
}
