//! A Lambda event source mapping on a queue: its configuration and the pure logic of its
//! poller fleet's size (how many batches it may run at once).
//!
//! The mapping runs pollers that long-poll the queue (20 s), gather a batch (up to
//! `batch_size` messages, waiting up to `batching_window` to fill it), and invoke the function
//! synchronously with it. The fleet starts at `initial` pollers (AWS: 5) and, at the end of
//! every minute that did not back off, grows by `per_minute` (300 since Nov 2023, 60 before)
//! if messages are still waiting, up to its cap: `maximum` (1,250; before Nov 2023 AWS's pages
//! gave both 1,000 and 1,250) or the mapping's `maximum_concurrency`. Like AWS's, the fleet
//! does not know the function's concurrency pool (a reservation, or the shared pool): it
//! finds it through throttles, which is why AWS added `maximum_concurrency`.
//!
//! Shrinking (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html and
//! services-sqs-errorhandling.html):
//! - a minute that ends without a backlog shrinks the fleet to the most batches that ran at
//!   once in it, not below the floor; the floor is `initial` (5), and "when traffic is low ...
//!   can optimize to as few as 2": a quiet minute in which at most 2 batches ran at once lowers
//!   the floor to 2 (not with `maximum_concurrency`, for which AWS keeps 5) until a backlog
//!   returns (when it lowers to 2 and when it returns is our choice);
//! - a receive that comes back empty retires its poller (down to the floor);
//! - a throttled batch lowers the target by one (down to one poller) and is retried by its
//!   poller with backoff (`sim::sqs::event_source`);
//! - "if your function code caused the error ... Lambda gradually backs off, reducing the
//!   amount of concurrency": each batch that ends in a function error (or timeout) lowers the
//!   target by one, down to the low-traffic floor (2; 5 with `maximum_concurrency`). The size of a step is our choice (AWS gives none). Item
//!   failures reported with `report_batch_item_failures` back nothing off.
//!
//! A minute with a throttle, or with at least as many failed batches as successful ones, does
//! not grow (our choice). Pollers above the target retire when their batch ends. This module
//! holds the counts only: the world (`sim::sqs::event_source`) runs the pollers.

use crate::ids::FunctionId;
use crate::kernel::SimTime;

/// How a batch's handler time follows from the function's `duration`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchDuration {
    /// One draw of `duration` per message, summed: the handler loops over its records.
    PerMessage,
    /// One draw per invocation, whatever the batch size.
    PerBatch,
}

impl BatchDuration {
    pub fn name(self) -> &'static str {
        match self {
            BatchDuration::PerMessage => "per_message",
            BatchDuration::PerBatch => "per_batch",
        }
    }
}

/// The poller fleet's scaling: documented figures, both generations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollerScaling {
    pub initial: u32,
    pub per_minute: u32,
    pub maximum: u32,
}

impl PollerScaling {
    /// Since Nov 2023: 5 pollers, up to +300 per minute, up to 1,250.
    pub const CURRENT: PollerScaling = PollerScaling {
        initial: 5,
        per_minute: 300,
        maximum: 1250,
    };
    /// Until Nov 2023: 5 pollers, +60 per minute, up to 1,000. AWS's sources disagree on the
    /// old maximum: the older Lambda guide said 1,000 concurrent batches, while AWS's Nov 2023
    /// announcement (https://aws.amazon.com/blogs/compute/introducing-faster-polling-scale-up-for-aws-lambda-functions-configured-with-amazon-sqs/)
    /// says the legacy model scaled "up to a maximum of 1,250". We keep 1,000; set
    /// `poller_scaling.maximum: 1250` for the other reading.
    pub const LEGACY: PollerScaling = PollerScaling {
        initial: 5,
        per_minute: 60,
        maximum: 1000,
    };
    /// How often the fleet may grow.
    pub const WINDOW: SimTime = SimTime::from_secs(60);
    /// The fewest concurrent batches AWS may scale a quiet mapping back to ("as few as 2").
    pub const LOW_TRAFFIC_FLOOR: u32 = 2;
}

/// One mapping of a queue to a function (`{lambda: NAME, ...}` in a queue's `consumers`).
#[derive(Clone, Copy, Debug)]
pub struct EventSourceSpec {
    pub function: FunctionId,
    /// Messages per invocation at most (1..10,000; above 10 needs a batching window).
    pub batch_size: u32,
    /// How long a poller may wait to fill a batch, from its first message (0..300 s).
    pub batching_window: SimTime,
    /// The mapping's own cap on concurrent batches (2..1,000), if set.
    pub maximum_concurrency: Option<u32>,
    /// The function reports failed items: only they return to the queue.
    pub report_batch_item_failures: bool,
    /// A message of a batch fails with this probability (poison messages always do).
    pub failure_probability: f64,
    pub batch_duration: BatchDuration,
    pub scaling: PollerScaling,
    /// How long a throttled poller waits before it receives again.
    pub backoff: SimTime,
    /// Round trip of a ReceiveMessage call.
    pub api_latency: SimTime,
}

impl EventSourceSpec {
    /// The most pollers the mapping may run.
    pub fn cap(&self) -> u32 {
        let mut cap = self.scaling.maximum;
        if let Some(m) = self.maximum_concurrency {
            cap = cap.min(m);
        }
        cap.max(1)
    }

    /// The number of pollers the fleet starts with.
    pub fn initial(&self) -> u32 {
        self.scaling.initial.clamp(1, self.cap())
    }

    /// The floor with little traffic: 2, or `initial` with `maximum_concurrency` (AWS: the
    /// optimization "is not available when you enable the maximum concurrency setting").
    pub fn low_traffic_floor(&self) -> u32 {
        if self.maximum_concurrency.is_some() {
            self.initial()
        } else {
            PollerScaling::LOW_TRAFFIC_FLOOR.min(self.initial())
        }
    }
}

/// The poller fleet's size and what the current scaling window saw.
#[derive(Clone, Copy, Debug)]
pub struct Fleet {
    /// Pollers the mapping wants.
    pub target: u32,
    /// Pollers running (retired ones excluded).
    pub active: u32,
    /// Empty receives and quiet minutes shrink the fleet down to this.
    pub floor: u32,
    initial: u32,
    low_floor: u32,
    pub cap: u32,
    pub per_minute: u32,
    saw_throttle: bool,
    /// Batches of this window that ended in a function error, and that succeeded.
    failed: u32,
    succeeded: u32,
    /// Batches invoking now, and the most at once in this window.
    busy: u32,
    busy_peak: u32,
    /// The most pollers at once.
    pub peak: u32,
}

/// What the fleet decided after a poller's event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollerDecision {
    /// Keep polling.
    Continue,
    /// The fleet shrinks: this poller stops.
    Retire,
}

impl Fleet {
    pub fn new(spec: &EventSourceSpec) -> Fleet {
        let floor = spec.initial();
        Fleet {
            target: floor,
            active: 0,
            floor,
            initial: floor,
            low_floor: spec.low_traffic_floor(),
            cap: spec.cap(),
            per_minute: spec.scaling.per_minute,
            saw_throttle: false,
            failed: 0,
            succeeded: 0,
            busy: 0,
            busy_peak: 0,
            peak: 0,
        }
    }

    /// A scaling window ended with messages waiting (`backlog`) or not: the new target
    /// (pollers to start: `target - active`).
    pub fn window_ended(&mut self, backlog: bool) -> u32 {
        let backed_off = self.saw_throttle || (self.failed > 0 && self.failed >= self.succeeded);
        if backlog {
            self.floor = self.initial;
            if !backed_off {
                if self.active >= self.target {
                    self.target = (self.target + self.per_minute).min(self.cap);
                }
                self.target = self.target.max(self.floor);
            }
        } else if !backed_off {
            if self.busy_peak <= self.low_floor {
                self.floor = self.low_floor;
            }
            self.target = self.target.min(self.busy_peak.max(self.floor));
        }
        self.busy_peak = self.busy;
        self.saw_throttle = false;
        self.failed = 0;
        self.succeeded = 0;
        self.target
    }

    /// A batch is invoked.
    pub fn invoked(&mut self) {
        self.busy += 1;
        self.busy_peak = self.busy_peak.max(self.busy);
    }

    /// An invoked batch ended, or was throttled.
    pub fn invocation_over(&mut self) {
        self.busy -= 1;
    }

    /// A poller starts (or restarts).
    pub fn started(&mut self) {
        self.active += 1;
        self.peak = self.peak.max(self.active);
    }

    /// A receive came back empty with nothing gathered: the fleet shrinks by this poller
    /// unless it is at its floor.
    pub fn empty_receive(&mut self) -> PollerDecision {
        self.shrink(self.floor)
    }

    /// The function throttled a batch: the target shrinks by one, down to one poller (the
    /// throttled poller keeps its batch and retries it).
    pub fn throttled(&mut self) {
        self.saw_throttle = true;
        self.target = self.target.saturating_sub(1).max(1);
    }

    /// A batch ended in a function error (or a timeout): the target shrinks by one, down to
    /// the low-traffic floor (2; 5 with `maximum_concurrency`).
    pub fn function_error(&mut self) {
        self.failed += 1;
        self.target = self.target.saturating_sub(1).max(self.low_floor).max(1);
    }

    /// A batch ended without a function error.
    pub fn batch_succeeded(&mut self) {
        self.succeeded += 1;
    }

    /// A batch ended (any outcome): a poller above the target retires.
    pub fn batch_ended(&mut self) -> PollerDecision {
        if self.active > self.target {
            self.active -= 1;
            PollerDecision::Retire
        } else {
            PollerDecision::Continue
        }
    }

    fn shrink(&mut self, floor: u32) -> PollerDecision {
        if self.target > floor {
            self.target -= 1;
        }
        self.batch_ended()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(max_conc: Option<u32>) -> EventSourceSpec {
        EventSourceSpec {
            function: FunctionId(0),
            batch_size: 10,
            batching_window: SimTime::ZERO,
            maximum_concurrency: max_conc,
            report_batch_item_failures: false,
            failure_probability: 0.0,
            batch_duration: BatchDuration::PerMessage,
            scaling: PollerScaling::CURRENT,
            backoff: SimTime::from_secs(1),
            api_latency: SimTime::from_millis(10),
        }
    }

    #[test]
    fn busy_windows_add_per_minute_up_to_the_cap() {
        let mut f = Fleet::new(&spec(Some(1000)));
        assert_eq!((f.target, f.cap), (5, 1000));
        let mut targets = Vec::new();
        for _ in 0..5 {
            while f.active < f.target {
                f.started();
            }
            targets.push(f.window_ended(true));
        }
        assert_eq!(targets, vec![305, 605, 905, 1000, 1000]);
    }

    #[test]
    fn empty_receives_and_throttles_shrink_the_fleet() {
        let mut f = Fleet::new(&spec(Some(400)));
        for _ in 0..5 {
            f.started();
        }
        assert_eq!(f.window_ended(true), 305);
        for _ in 5..305 {
            f.started();
        }
        f.throttled();
        assert_eq!(f.target, 304);
        // The throttled poller retries its batch; when the batch ends it retires.
        assert_eq!(f.batch_ended(), PollerDecision::Retire);
        assert_eq!((f.target, f.active), (304, 304));
        // A window with a throttle does not grow.
        assert_eq!(f.window_ended(true), 304);
        assert_eq!(f.window_ended(true), 400);
        // A window without backlog shrinks the fleet to its busiest moment.
        for _ in 0..7 {
            f.invoked();
        }
        for _ in 0..7 {
            f.invocation_over();
        }
        assert_eq!(f.window_ended(false), 7);
        assert_eq!(f.batch_ended(), PollerDecision::Retire);
        assert_eq!(f.active, 303);
        f.target = 400;
        for _ in 0..1000 {
            f.empty_receive();
        }
        assert_eq!(f.target, 5);
        assert_eq!(f.active, 5);
    }

    #[test]
    fn function_errors_back_off_and_quiet_minutes_lower_the_floor_to_2() {
        let mut f = Fleet::new(&spec(None));
        for _ in 0..5 {
            f.started();
        }
        assert_eq!(f.window_ended(true), 305);
        for _ in 5..305 {
            f.started();
        }
        for _ in 0..10 {
            f.function_error();
        }
        assert_eq!(f.target, 295);
        // A minute with more failed batches than successful ones does not grow.
        assert_eq!(f.window_ended(true), 295);
        for _ in 0..1000 {
            f.function_error();
        }
        assert_eq!(f.target, PollerScaling::LOW_TRAFFIC_FLOOR);
        // A quiet minute with one batch at a time: the floor falls to 2.
        let mut f = Fleet::new(&spec(None));
        f.invoked();
        f.invocation_over();
        assert_eq!(f.window_ended(false), 2);
        assert_eq!(f.floor, 2);
        // With maximum_concurrency AWS keeps 5.
        let mut f = Fleet::new(&spec(Some(50)));
        assert_eq!(f.window_ended(false), 5);
    }
}
