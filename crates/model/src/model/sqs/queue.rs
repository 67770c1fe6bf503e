//! One standard queue: where each of its messages is (delayed, visible on one of the queue's
//! servers, in flight), its timers, and the receive semantics of short and long polling.
//!
//! Visible messages sit on one of `servers` SQS servers (chosen at random each time a
//! message becomes visible), in a FIFO per server. A short poll samples `sampled` distinct
//! servers uniformly at random and answers from them only, so it may answer with fewer
//! messages than are visible, or none: `n` freshly placed messages are all missed with
//! probability `(1 - sampled/servers)^n`, and since a missed message stays on its server,
//! repeated polls miss in runs (`tests/spec/sqs.rs` solves that chain exactly). A long poll
//! asks every server. Received messages wait out their visibility timeout in an in-flight list (in
//! deadline order: the timeout is the queue's), delayed messages in a heap (their delays
//! differ), and every message is in an age list by enqueue time (retention, age of the
//! oldest); the world keeps one timer event per queue at the earliest deadline of the three.
//!
//! This module touches only its queue's messages in the shared slab; the world moves
//! messages between queues (dead-letter moves) and talks to consumers.

use super::QueueSpec;
use super::heap::SlotHeap;
use super::list::{Link, List};
use super::message::{MessageState, Messages};
use super::stats::QueueStats;
use crate::kernel::{Rng, RngExt, SimTime};

/// A message handed to a consumer by a receive.
#[derive(Clone, Copy, Debug, Default)]
pub struct Received {
    pub slot: u32,
    pub receipt: u64,
    pub work: SimTime,
    pub bytes: u32,
    pub poison: bool,
}

/// What a due timer did to a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fired {
    /// The retention period ran out: the message is gone (its slot is freed).
    Expired { id: u64 },
    /// A delay or a visibility timeout ran out: the message is visible again.
    BecameVisible,
    /// A visibility timeout ran out after `max_receive_count` receives: the message left this
    /// queue and must go to the dead-letter queue (the slot stays allocated).
    ToDeadLetter { slot: u32 },
}

pub struct Queue {
    visibility_timeout: SimTime,
    retention: SimTime,
    max_receive_count: Option<u32>,
    warmup: SimTime,
    sampled: usize,
    lists: Vec<List>,
    /// A permutation of the servers: a partial shuffle picks a short poll's sample.
    order: Vec<u16>,
    /// Where the next long poll starts taking (round robin over servers).
    cursor: usize,
    /// Delayed messages by the end of their delay.
    delays: SlotHeap,
    /// In-flight messages by visibility deadline.
    flights: List,
    /// Every message, by enqueue time.
    ages: List,
    rng: Rng,
    pub visible: u32,
    pub delayed: u32,
    pub in_flight: u32,
    pub stats: QueueStats,
}

impl Queue {
    /// `rng` places messages on servers and samples servers for short polls.
    pub fn new(spec: &QueueSpec, warmup: SimTime, rng: Rng) -> Queue {
        let servers = spec.servers.max(1) as usize;
        Queue {
            visibility_timeout: spec.visibility_timeout,
            retention: spec.retention,
            max_receive_count: spec.redrive.map(|r| r.max_receive_count),
            warmup,
            sampled: (spec.short_poll_sampled as usize).clamp(1, servers),
            lists: vec![List::EMPTY; servers],
            order: (0..servers as u16).collect(),
            cursor: 0,
            delays: SlotHeap::new(),
            flights: List::EMPTY,
            ages: List::EMPTY,
            rng,
            visible: 0,
            delayed: 0,
            in_flight: 0,
            stats: QueueStats::default(),
        }
    }

    #[inline]
    fn counting(&self, now: SimTime) -> bool {
        now >= self.warmup
    }

    /// Messages in the queue in any state.
    pub fn len(&self) -> u32 {
        self.visible + self.delayed + self.in_flight
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes in a message already in the slab (sent now, or moved here from a queue whose
    /// dead-letter queue this is): delayed by `delay`, else visible. Returns whether it is
    /// visible now.
    pub fn enqueue(&mut self, ms: &mut Messages, slot: u32, now: SimTime, delay: SimTime) -> bool {
        self.ages.insert_by_age(ms, slot);
        if delay > SimTime::ZERO {
            let m = ms.get_mut(slot);
            m.state = MessageState::Delayed;
            m.timer_at = now + delay;
            self.delays.push(ms.slots_mut(), slot);
            self.delayed += 1;
            false
        } else {
            self.make_visible(ms, slot, now);
            true
        }
    }

    fn make_visible(&mut self, ms: &mut Messages, slot: u32, now: SimTime) {
        let n = self.lists.len();
        let server = if n == 1 {
            0
        } else {
            self.rng.uniform_u64(0, n as u64) as usize
        };
        let m = ms.get_mut(slot);
        m.state = MessageState::Visible;
        m.server = server as u16;
        self.lists[server].push_back(ms, slot, Link::Main);
        self.visible += 1;
        if self.counting(now) {
            self.stats.max_visible = self.stats.max_visible.max(self.visible);
        }
    }

    fn unlink_visible(&mut self, ms: &mut Messages, slot: u32) {
        let server = ms.get(slot).server as usize;
        self.lists[server].unlink(ms, slot, Link::Main);
        self.visible -= 1;
    }

    /// Takes a message out of every structure of this queue (the slot stays allocated).
    fn detach(&mut self, ms: &mut Messages, slot: u32) {
        match ms.get(slot).state {
            MessageState::Visible => self.unlink_visible(ms, slot),
            MessageState::Delayed => {
                self.delays.remove(ms.slots_mut(), slot);
                self.delayed -= 1;
            }
            MessageState::InFlight => {
                self.flights.unlink(ms, slot, Link::Main);
                self.in_flight -= 1;
            }
            MessageState::Free => unreachable!("a detached message is alive"),
        }
        self.ages.unlink(ms, slot, Link::Age);
    }

    /// A ReceiveMessage call: up to `out.len()` messages from the sampled servers (short
    /// polling) or from all of them (`all_servers`, long polling). Each message taken is in
    /// flight until `now + visibility_timeout`; `next_receipt` numbers receipt handles.
    pub fn receive(
        &mut self,
        ms: &mut Messages,
        now: SimTime,
        all_servers: bool,
        out: &mut [Received],
        next_receipt: &mut u64,
    ) -> usize {
        if self.visible == 0 || out.is_empty() {
            return 0;
        }
        let n = self.lists.len();
        // Every server from the cursor on, or (`None`) the first `sampled` of `order`.
        let (from, count) = if all_servers || self.sampled >= n {
            self.cursor = (self.cursor + 1) % n;
            (Some(self.cursor), n)
        } else {
            // A uniform random `sampled`-subset: a partial Fisher-Yates shuffle.
            for i in 0..self.sampled {
                let j = i + self.rng.uniform_u64(0, (n - i) as u64) as usize;
                self.order.swap(i, j);
            }
            (None, self.sampled)
        };
        let server = |k: usize, order: &[u16]| match from {
            Some(from) => (from + k) % n,
            None => order[k] as usize,
        };
        let mut taken = 0;
        // Round robin over the chosen servers, one message from each in turn.
        loop {
            let before = taken;
            for k in 0..count {
                if taken == out.len() {
                    break;
                }
                let s = server(k, &self.order);
                let Some(slot) = self.lists[s].front() else {
                    continue;
                };
                self.unlink_visible(ms, slot);
                *next_receipt += 1;
                let m = ms.get_mut(slot);
                m.state = MessageState::InFlight;
                m.receives += 1;
                m.receipt = *next_receipt;
                m.timer_at = now + self.visibility_timeout;
                out[taken] = Received {
                    slot,
                    receipt: m.receipt,
                    work: m.work,
                    bytes: m.bytes,
                    poison: m.poison,
                };
                self.flights.push_back(ms, slot, Link::Main);
                self.in_flight += 1;
                taken += 1;
            }
            if taken == before || taken == out.len() {
                break;
            }
        }
        taken
    }

    /// A DeleteMessage call with a receipt handle: deletes the message if it is still in
    /// flight under that receive (once its visibility timeout ran out, the handle is stale
    /// and the call deletes nothing), records its send-to-delete latency, and returns its id.
    pub fn delete(
        &mut self,
        ms: &mut Messages,
        slot: u32,
        receipt: u64,
        now: SimTime,
    ) -> Option<u64> {
        let m = ms.get(slot);
        if m.state != MessageState::InFlight || m.receipt != receipt {
            return None;
        }
        self.detach(ms, slot);
        let m = ms.remove(slot);
        let age = now.saturating_sub(m.sent_at);
        self.stats.period.deleted += 1;
        if m.counted {
            self.stats.deleted += 1;
            self.stats.latency.record(age.as_nanos());
            self.note_age(age, now);
        }
        Some(m.id)
    }

    /// The time of this queue's earliest timer: a delay end, a visibility timeout, or the
    /// oldest message's retention deadline.
    pub fn next_deadline(&self, ms: &Messages) -> Option<SimTime> {
        let timer = self.next_timer(ms).map(|(t, _)| t);
        let retention = self
            .ages
            .front()
            .map(|s| ms.get(s).sent_at + self.retention);
        match (timer, retention) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The earliest delay end or visibility deadline, and its message (delays first on a tie).
    fn next_timer(&self, ms: &Messages) -> Option<(SimTime, u32)> {
        let delay = self.delays.peek().map(|s| (ms.get(s).timer_at, s));
        let flight = self.flights.front().map(|s| (ms.get(s).timer_at, s));
        match (delay, flight) {
            (Some(d), Some(f)) => Some(if f.0 < d.0 { f } else { d }),
            (d, f) => d.or(f),
        }
    }

    /// The age of the oldest message (zero when empty).
    pub fn oldest_age(&self, ms: &Messages, now: SimTime) -> SimTime {
        self.ages
            .front()
            .map_or(SimTime::ZERO, |s| now.saturating_sub(ms.get(s).sent_at))
    }

    /// Runs the earliest timer if it is due at `now`; `None` when nothing is due.
    pub fn fire_due(&mut self, ms: &mut Messages, now: SimTime) -> Option<Fired> {
        if let Some(s) = self.ages.front()
            && ms.get(s).sent_at + self.retention <= now
        {
            let in_flight = ms.get(s).state == MessageState::InFlight;
            self.detach(ms, s);
            let m = ms.remove(s);
            if m.counted {
                self.stats.expired += 1;
                self.stats.expired_in_flight += in_flight as u64;
                self.note_age(now.saturating_sub(m.sent_at), now);
            }
            return Some(Fired::Expired { id: m.id });
        }
        let (at, s) = self.next_timer(ms)?;
        if at > now {
            return None;
        }
        match ms.get(s).state {
            MessageState::Delayed => {
                self.delays.remove(ms.slots_mut(), s);
                self.delayed -= 1;
            }
            MessageState::InFlight => {
                self.flights.unlink(ms, s, Link::Main);
                self.in_flight -= 1;
                if ms.get(s).counted {
                    self.stats.visibility_expiries += 1;
                }
                let receives = ms.get(s).receives;
                if self.max_receive_count.is_some_and(|k| receives >= k) {
                    self.ages.unlink(ms, s, Link::Age);
                    let m = ms.get_mut(s);
                    m.receipt = 0;
                    if m.counted {
                        self.stats.dead_lettered += 1;
                        let age = now.saturating_sub(m.sent_at);
                        self.note_age(age, now);
                    }
                    return Some(Fired::ToDeadLetter { slot: s });
                }
            }
            other => unreachable!("a timer fired for a {other:?} message"),
        }
        self.make_visible(ms, s, now);
        Some(Fired::BecameVisible)
    }

    /// Records the age of a message leaving the queue (the largest is `max_age`).
    pub fn note_age(&mut self, age: SimTime, now: SimTime) {
        if self.counting(now) {
            self.stats.max_age = self.stats.max_age.max(age);
        }
    }
}
