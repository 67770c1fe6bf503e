//! Route 53 failover records: a primary and a secondary endpoint (load balancers), a health
//! check of the primary, and clients that cache answers for the record's TTL.
//!
//! The health checker probes the primary every `interval` (30 s, or 10 s fast); after
//! `failure_threshold` consecutive failures the record answers with the secondary, and after as
//! many consecutive passes with the primary again. Each answer change becomes visible after
//! `propagation`. Clients resolved at uniformly spread times, so at `t` after an answer change
//! a fraction `min(1, t / ttl)` of them has the new answer: traffic moves after detection plus
//! the TTL, never before detection. This module decides; the world probes and routes.

use crate::ids::{DnsRecordId, LbId, WorkloadId};
use crate::kernel::SimTime;

#[derive(Clone, Debug)]
pub struct DnsRecordSpec {
    pub name: String,
    pub primary: LbId,
    pub secondary: LbId,
    pub interval: SimTime,
    pub failure_threshold: u32,
    pub ttl: SimTime,
    pub propagation: SimTime,
    /// The workloads whose clients resolve this record.
    pub workloads: Vec<WorkloadId>,
}

/// Which endpoint the record answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    Primary,
    Secondary,
}

/// A record's health-check state and its answer history (the current and the previous one).
pub struct DnsRecord {
    pub answer: Answer,
    /// When the current answer became visible to resolvers.
    pub answer_since: SimTime,
    pub previous: Answer,
    passes: u32,
    failures: u32,
    /// Answer changes so far, for the summary.
    pub failovers: u64,
    pub failbacks: u64,
    /// Requests sent to the secondary.
    pub to_secondary: u64,
}

impl Default for DnsRecord {
    fn default() -> Self {
        DnsRecord {
            answer: Answer::Primary,
            answer_since: SimTime::ZERO,
            previous: Answer::Primary,
            passes: 0,
            failures: 0,
            failovers: 0,
            failbacks: 0,
            to_secondary: 0,
        }
    }
}

impl DnsRecord {
    /// Records a probe of the primary at `now`; returns the new answer if it changes.
    pub fn record_probe(
        &mut self,
        passed: bool,
        spec: &DnsRecordSpec,
        now: SimTime,
    ) -> Option<Answer> {
        let next = if passed {
            self.passes += 1;
            self.failures = 0;
            (self.answer == Answer::Secondary && self.passes >= spec.failure_threshold)
                .then_some(Answer::Primary)
        } else {
            self.failures += 1;
            self.passes = 0;
            (self.answer == Answer::Primary && self.failures >= spec.failure_threshold)
                .then_some(Answer::Secondary)
        }?;
        self.previous = self.answer;
        self.answer = next;
        self.answer_since = now + spec.propagation;
        match next {
            Answer::Secondary => self.failovers += 1,
            Answer::Primary => self.failbacks += 1,
        }
        Some(next)
    }

    /// The fraction of clients holding the current answer at `now`.
    pub fn fraction_current(&self, spec: &DnsRecordSpec, now: SimTime) -> f64 {
        if now < self.answer_since {
            return 0.0;
        }
        if spec.ttl == SimTime::ZERO {
            return 1.0;
        }
        ((now - self.answer_since).as_secs_f64() / spec.ttl.as_secs_f64()).min(1.0)
    }

    /// The endpoint a client resolves to, given a uniform draw `u` in (0, 1).
    pub fn resolve(&self, spec: &DnsRecordSpec, now: SimTime, u: f64) -> LbId {
        let answer = if u < self.fraction_current(spec, now) {
            self.answer
        } else {
            self.previous
        };
        match answer {
            Answer::Primary => spec.primary,
            Answer::Secondary => spec.secondary,
        }
    }
}

/// What happens to Route 53 records on their own schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnsEvent {
    /// A Route 53 health check of a failover record's primary is due.
    CheckDue(DnsRecordId),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> DnsRecordSpec {
        DnsRecordSpec {
            name: "shop".into(),
            primary: LbId(0),
            secondary: LbId(1),
            interval: SimTime::from_secs(30),
            failure_threshold: 3,
            ttl: SimTime::from_secs(60),
            propagation: SimTime::ZERO,
            workloads: vec![],
        }
    }

    #[test]
    fn fails_over_after_the_threshold_and_clients_follow_over_the_ttl() {
        let s = spec();
        let mut r = DnsRecord::default();
        let t = SimTime::from_secs(100);
        assert_eq!(r.record_probe(false, &s, t), None);
        assert_eq!(r.record_probe(false, &s, t), None);
        assert_eq!(r.record_probe(false, &s, t), Some(Answer::Secondary));
        assert_eq!(r.fraction_current(&s, t), 0.0);
        assert_eq!(r.fraction_current(&s, t + SimTime::from_secs(30)), 0.5);
        assert_eq!(r.fraction_current(&s, t + SimTime::from_secs(60)), 1.0);
        assert_eq!(r.resolve(&s, t + SimTime::from_secs(30), 0.4), LbId(1));
        assert_eq!(r.resolve(&s, t + SimTime::from_secs(30), 0.6), LbId(0));
        // A pass resets the count; as many passes fail back.
        assert_eq!(r.record_probe(true, &s, t), None);
        assert_eq!(r.record_probe(true, &s, t), None);
        assert_eq!(r.record_probe(true, &s, t), Some(Answer::Primary));
    }
}
