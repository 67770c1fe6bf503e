//! A DynamoDB table: its spec (mode, partitions, hot key, latency, the SDK's retries) and its
//! runtime (the read and write limits of its mode, one limit per partition, its meters).
//!
//! A call is admitted whole or throttled whole (our choice: a class's call stands for its
//! reads and writes made together). It needs its read and write units from the table's
//! limits and its partition units from the partition its key falls in; the first limit that
//! falls short names the throttle. A throttled call consumes nothing.

use super::RetrySpec;
use super::capacity::{
    Bucket, OnDemandPeak, PARTITION_UNITS_PER_S, partition_units, partitions_for,
};
use super::units::Units;
use crate::dist::Dist;
use crate::kernel::SimTime;

/// Seconds of unused provisioned capacity a table keeps (burst capacity).
pub const BURST_SECONDS: u64 = 300;
/// The per-table quota of read and of write units per second (account default).
pub const TABLE_QUOTA: u64 = 40_000;
/// A new on-demand table's previous peak: half of its initial 12,000 reads and 4,000 writes
/// per second.
pub const ON_DEMAND_INITIAL_READS: u64 = 6_000;
pub const ON_DEMAND_INITIAL_WRITES: u64 = 2_000;
/// How old a peak must be before on-demand mode doubles it again.
pub const ON_DEMAND_SETTLE: SimTime = SimTime::from_secs(30 * 60);

/// How a table is billed and limited.
#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    /// Read and write capacity units per second.
    Provisioned { read_units: u64, write_units: u64 },
    /// Pay per request; the previous peaks (units per second) it starts from.
    OnDemand { read_peak: u64, write_peak: u64 },
}

impl Mode {
    pub fn name(&self) -> &'static str {
        match self {
            Mode::Provisioned { .. } => "provisioned",
            Mode::OnDemand { .. } => "on_demand",
        }
    }
}

#[derive(Clone, Debug)]
pub struct TableSpec {
    pub name: String,
    pub mode: Mode,
    pub partitions: u32,
    /// The share of calls that go to one hot key (its partition, the first); the rest spread
    /// evenly over every partition.
    pub hot_key_share: f64,
    /// How long a served call takes, as the application sees it.
    pub latency: Dist,
    pub retry: RetrySpec,
    /// Auto scaling of provisioned read and write capacity (`None`: fixed).
    pub read_scaling: Option<super::scaling::ScalingSpec>,
    pub write_scaling: Option<super::scaling::ScalingSpec>,
}

/// Which limit throttled a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttle {
    /// The table's read or write capacity (provisioned, with its burst; or on-demand's
    /// twice-the-previous-peak).
    Table,
    /// The partition's 3,000 read / 1,000 write units per second.
    Partition,
}

impl Throttle {
    /// Its name in traces.
    pub fn name(self) -> &'static str {
        match self {
            Throttle::Table => "table",
            Throttle::Partition => "partition",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Served,
    Throttled(Throttle),
}

#[derive(Clone, Debug)]
enum Limit {
    Provisioned(Bucket),
    OnDemand(OnDemandPeak),
}

impl Limit {
    /// Whether `units` fit at `now`.
    fn fits(&mut self, now: SimTime, units: u64) -> bool {
        match self {
            Limit::Provisioned(b) => b.has(now, units),
            Limit::OnDemand(p) => p.fits(now, units),
        }
    }

    /// Takes `units`, which `fits` allowed at this instant.
    fn take(&mut self, units: u64) {
        match self {
            Limit::Provisioned(b) => b.take(units),
            Limit::OnDemand(p) => p.take(units),
        }
    }
}

/// A table's meters: what was consumed and throttled (since the last reset).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Meters {
    pub read_halves: u64,
    pub write_units: u64,
    pub served: u64,
    pub throttled_table: u64,
    pub throttled_partition: u64,
}

impl Meters {
    /// What was counted since `before` (an earlier copy).
    fn since(&self, before: &Meters) -> Meters {
        Meters {
            read_halves: self.read_halves - before.read_halves,
            write_units: self.write_units - before.write_units,
            served: self.served - before.served,
            throttled_table: self.throttled_table - before.throttled_table,
            throttled_partition: self.throttled_partition - before.throttled_partition,
        }
    }
}

/// A table at run time.
#[derive(Clone, Debug)]
pub struct Table {
    /// Reads in half units per second.
    reads: Limit,
    writes: Limit,
    partitions: Vec<Bucket>,
    /// Since the start of the run.
    pub meters: Meters,
    /// `meters` at the end of the last metric period.
    reported: Meters,
    /// `meters` at the close of the last cost period.
    billed: Meters,
    /// `meters` at the end of the last auto scaling minute.
    scaled: Meters,
    /// Auto scaling's state for reads and writes, and the capacities decided but not applied.
    pub read_tracker: super::scaling::Tracker,
    pub write_tracker: super::scaling::Tracker,
    pub pending: (Option<u64>, Option<u64>),
}

impl Table {
    pub fn new(spec: &TableSpec) -> Table {
        let (reads, writes) = match spec.mode {
            Mode::Provisioned {
                read_units,
                write_units,
            } => (
                Limit::Provisioned(Bucket::new(2 * read_units, 2 * read_units * BURST_SECONDS)),
                Limit::Provisioned(Bucket::new(write_units, write_units * BURST_SECONDS)),
            ),
            Mode::OnDemand {
                read_peak,
                write_peak,
            } => (
                Limit::OnDemand(OnDemandPeak::new(
                    2 * read_peak,
                    2 * TABLE_QUOTA,
                    ON_DEMAND_SETTLE,
                )),
                Limit::OnDemand(OnDemandPeak::new(write_peak, TABLE_QUOTA, ON_DEMAND_SETTLE)),
            ),
        };
        Table {
            reads,
            writes,
            partitions: (0..spec.partitions.max(1))
                .map(|_| Bucket::new(PARTITION_UNITS_PER_S, PARTITION_UNITS_PER_S))
                .collect(),
            meters: Meters::default(),
            reported: Meters::default(),
            billed: Meters::default(),
            scaled: Meters::default(),
            read_tracker: Default::default(),
            write_tracker: Default::default(),
            pending: (None, None),
        }
    }

    /// What was consumed since the last auto scaling minute.
    pub fn take_minute(&mut self) -> Meters {
        let used = self.meters.since(&self.scaled);
        self.scaled = self.meters;
        used
    }

    /// The table's bill for a cost period `seconds` long that ends now: provisioned capacity
    /// by the unit-hour, or on-demand request units consumed since the last close.
    pub fn close_cost_period(&mut self, seconds: f64, p: &super::DynamoDbPrices) -> f64 {
        let used = self.meters.since(&self.billed);
        self.billed = self.meters;
        match self.provisioned() {
            Some((r, w)) => {
                (r as f64 * p.per_rcu_hour + w as f64 * p.per_wcu_hour) * seconds / 3600.0
            }
            None => {
                (used.read_halves as f64 / 2.0 * p.per_million_read_request_units
                    + used.write_units as f64 * p.per_million_write_request_units)
                    / 1e6
            }
        }
    }

    /// What the table served and throttled since the last call (one metric period).
    pub fn take_period(&mut self) -> Meters {
        let used = self.meters.since(&self.reported);
        self.reported = self.meters;
        used
    }

    /// The partition of a call whose key draw is `u` (uniform in [0, 1)): the hot key's
    /// partition (the first) with probability `hot`, else any partition evenly.
    pub fn partition(&self, spec: &TableSpec, u: f64) -> usize {
        let n = self.partitions.len();
        let hot = spec.hot_key_share;
        if u < hot {
            return 0;
        }
        (((u - hot) / (1.0 - hot)) * n as f64).min((n - 1) as f64) as usize
    }

    /// Admits a call of `units` at `partition`, or says which limit throttles it.
    pub fn admit(&mut self, now: SimTime, units: Units, partition: usize) -> Admission {
        let p = &mut self.partitions[partition];
        let pu = partition_units(units);
        if !(self.reads.fits(now, units.read_halves) && self.writes.fits(now, units.write)) {
            self.meters.throttled_table += 1;
            return Admission::Throttled(Throttle::Table);
        }
        if !p.has(now, pu) {
            self.meters.throttled_partition += 1;
            return Admission::Throttled(Throttle::Partition);
        }
        p.take(pu);
        self.reads.take(units.read_halves);
        self.writes.take(units.write);
        self.meters.read_halves += units.read_halves;
        self.meters.write_units += units.write;
        self.meters.served += 1;
        Admission::Served
    }

    /// Auto Scaling set new provisioned capacity (units per second) at `now`. Capacity
    /// beyond what the partitions serve splits them: "If you increase the table's provisioned
    /// throughput settings beyond what the existing partitions can support, DynamoDB
    /// allocates additional partitions" (Developer Guide, "Partitions and data distribution",
    /// in its editions up to 2023); partitions are never merged when capacity falls. The new
    /// partitions start with a full second of capacity; the hot key stays in the first.
    pub fn provision(&mut self, now: SimTime, read_units: u64, write_units: u64) {
        if let Limit::Provisioned(b) = &mut self.reads {
            b.set(now, 2 * read_units, 2 * read_units * BURST_SECONDS);
        }
        if let Limit::Provisioned(b) = &mut self.writes {
            b.set(now, write_units, write_units * BURST_SECONDS);
        }
        let needed = partitions_for(read_units, write_units, 0.0) as usize;
        while self.partitions.len() < needed {
            self.partitions
                .push(Bucket::new(PARTITION_UNITS_PER_S, PARTITION_UNITS_PER_S));
        }
    }

    /// The table's partitions now (splits included).
    pub fn partitions(&self) -> u32 {
        self.partitions.len() as u32
    }

    /// The provisioned read and write units in force (`None` on demand).
    pub fn provisioned(&self) -> Option<(u64, u64)> {
        match (&self.reads, &self.writes) {
            (Limit::Provisioned(r), Limit::Provisioned(w)) => Some((r.rate() / 2, w.rate())),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{RngExt, stream};

    fn spec(mode: Mode, partitions: u32, hot: f64) -> TableSpec {
        TableSpec {
            name: "t".into(),
            mode,
            partitions,
            hot_key_share: hot,
            latency: Dist::Constant(SimTime::from_millis(5)),
            retry: RetrySpec::default(),
            read_scaling: None,
            write_scaling: None,
        }
    }

    /// Reads driven at a constant rate above a provisioned table's capacity: it serves its
    /// rate times the time plus its 300 s of burst, the closed form of the bucket.
    #[test]
    fn a_provisioned_table_serves_rate_times_time_plus_its_burst() {
        let s = spec(
            Mode::Provisioned {
                read_units: 100,
                write_units: 10,
            },
            1,
            0.0,
        );
        let mut t = Table::new(&s);
        let one = Units {
            read_halves: 2,
            write: 0,
        };
        // 250 strongly consistent 4 KB reads per second for 1,000 s.
        let (mut served, mut throttled) = (0u64, 0u64);
        for k in 0..250_000u64 {
            match t.admit(SimTime::from_nanos(k * 4_000_000), one, 0) {
                Admission::Served => served += 1,
                Admission::Throttled(Throttle::Table) => throttled += 1,
                Admission::Throttled(Throttle::Partition) => panic!("below the partition limit"),
            }
        }
        let expected = 100 * 1000 + 100 * BURST_SECONDS;
        assert!(served.abs_diff(expected) <= 1, "{served} vs {expected}");
        assert_eq!(served + throttled, 250_000);
        assert_eq!(t.meters.read_halves, 2 * served);
    }

    /// A hot key's partition throttles at 1,000 writes per second even when the table has
    /// capacity to spare; calls spread over the other partitions are served.
    #[test]
    fn a_hot_partition_throttles_below_the_tables_capacity() {
        let s = spec(
            Mode::Provisioned {
                read_units: 100,
                write_units: 4000,
            },
            4,
            0.5,
        );
        let mut t = Table::new(&s);
        let mut rng = stream(7, "test/keys");
        let write = Units {
            read_halves: 0,
            write: 1,
        };
        // 3,000 writes per second for 10 s: the hot partition gets 0.5 + 0.5/4 = 62.5% of
        // them, 1,875 per second, and can serve 1,000; the others get 375 each.
        let n = 30_000u64;
        let mut served = 0u64;
        for k in 0..n {
            let p = t.partition(&s, rng.open01());
            if t.admit(SimTime::from_nanos(k * 333_333), write, p) == Admission::Served {
                served += 1;
            }
        }
        let hot = 0.5 + 0.5 / 4.0;
        let expected_served = n as f64 * (1.0 - hot) + 1000.0 * 10.0 + 1000.0; // + the first second's full bucket
        let sd = (n as f64 * hot * (1.0 - hot)).sqrt();
        let z = (served as f64 - expected_served) / sd;
        assert!(
            z.abs() < 3.3,
            "served {served}, expected {expected_served}, z {z}"
        );
        assert!(t.meters.throttled_partition > 0);
        assert_eq!(t.meters.throttled_table, 0);
    }

    #[test]
    fn an_on_demand_table_serves_twice_its_previous_peak() {
        let s = spec(
            Mode::OnDemand {
                read_peak: ON_DEMAND_INITIAL_READS,
                write_peak: ON_DEMAND_INITIAL_WRITES,
            },
            8,
            0.0,
        );
        let mut t = Table::new(&s);
        let write = Units {
            read_halves: 0,
            write: 1,
        };
        // A new table sustains 4,000 writes per second.
        let served = (0..5000u64)
            .filter(|&k| {
                let p = (k % 8) as usize;
                t.admit(SimTime::from_nanos(k * 100_000), write, p) == Admission::Served
            })
            .count();
        assert_eq!(served, 4000);
        assert_eq!(t.meters.throttled_table, 1000);
    }

    /// Raising provisioned capacity beyond 3,000 RCU / 1,000 WCU per partition splits the
    /// partitions (ceil(RCU/3000 + WCU/1000)); lowering it never merges them.
    #[test]
    fn raised_capacity_splits_partitions_and_lowered_capacity_keeps_them() {
        let s = spec(
            Mode::Provisioned {
                read_units: 150,
                write_units: 300,
            },
            1,
            0.0,
        );
        let mut t = Table::new(&s);
        assert_eq!(t.partitions(), 1);
        // 1,427 / 3,000 + 959 / 1,000 = 1.43: two partitions.
        t.provision(SimTime::from_secs(60), 1427, 959);
        assert_eq!(t.partitions(), 2);
        // 6,000 / 3,000 + 2,500 / 1,000 = 4.5: five.
        t.provision(SimTime::from_secs(120), 6000, 2500);
        assert_eq!(t.partitions(), 5);
        // Each new partition serves its own 1,000 writes in a second (the table's burst
        // covers the 5,000), and not one more.
        let now = SimTime::from_secs(130);
        let w = Units {
            read_halves: 0,
            write: 1000,
        };
        for p in 0..5 {
            assert_eq!(t.admit(now, w, p), Admission::Served, "partition {p}");
        }
        let one = Units {
            read_halves: 0,
            write: 1,
        };
        assert_eq!(
            t.admit(now, one, 4),
            Admission::Throttled(Throttle::Partition)
        );
        t.provision(SimTime::from_secs(180), 150, 300);
        assert_eq!(t.partitions(), 5);
    }

    #[test]
    fn partitions_are_drawn_by_the_hot_share() {
        let s = spec(
            Mode::OnDemand {
                read_peak: 1,
                write_peak: 1,
            },
            4,
            0.25,
        );
        let t = Table::new(&s);
        assert_eq!(t.partition(&s, 0.1), 0);
        assert_eq!(t.partition(&s, 0.25), 0);
        assert_eq!(t.partition(&s, 0.45), 1);
        assert_eq!(t.partition(&s, 0.999), 3);
    }
}
