//! Unit tests of `model::scaling_policy`: adjustments, alarms, warm-up and how policies combine.

use super::*;

#[test]
fn adjustments() {
    assert_eq!(Adjustment::Change(2).apply(4), 6);
    assert_eq!(Adjustment::Change(-9).apply(4), 0);
    assert_eq!(Adjustment::Exact(7).apply(4), 7);
    assert_eq!(
        Adjustment::Percent {
            percent: 25.0,
            min: 1
        }
        .apply(10),
        12
    );
    assert_eq!(
        Adjustment::Percent {
            percent: 10.0,
            min: 1
        }
        .apply(4),
        5
    );
    assert_eq!(
        Adjustment::Percent {
            percent: -50.0,
            min: 1
        }
        .apply(5),
        3
    );
}

fn tt() -> PolicySpec {
    let a = |c, t, n| Alarm {
        comparison: c,
        threshold: t,
        evaluation_periods: n,
        datapoints_to_alarm: n,
        delay: 0,
    };
    PolicySpec {
        name: "tt".into(),
        metric: Some(MetricRef::Cpu),
        kind: PolicyKind::TargetTracking {
            target: 50.0,
            warmup: SimTime::from_secs(300),
            disable_scale_in: false,
            high: a(Comparison::GreaterThan, 50.0, 3),
            low: a(Comparison::LessThan, 45.0, 15),
        },
    }
}

#[test]
fn target_tracking_is_proportional_and_does_not_stack_on_warming_capacity() {
    let p = tt();
    let g = GroupView {
        now: SimTime::ZERO,
        capacity: 4,
        settled: 4,
        measured: 4,
        warming: 0,
        in_progress: false,
        cooldown_until: None,
    };
    let high = [AlarmState::Alarm, AlarmState::Ok];
    let low = [AlarmState::Ok, AlarmState::Alarm];
    let out = p.decide(&high, Some(90.0), g);
    assert_eq!(out.proposal().map(|p| p.desired), Some(8)); // ceil(4 * 90 / 50) = ceil(7.2)
    // Four more are warming: capacity 8, still 4 settled at 90%: nothing more.
    let g2 = GroupView {
        capacity: 8,
        warming: 4,
        ..g
    };
    assert_eq!(
        p.decide(&high, Some(90.0), g2),
        Decision::Blocked(Blocked::Warming)
    );
    // Scale-in waits until they finish warming up.
    assert_eq!(
        p.decide(&low, Some(20.0), g2),
        Decision::Blocked(Blocked::Warming)
    );
    let settled = GroupView {
        capacity: 8,
        settled: 8,
        measured: 8,
        ..g
    };
    let inn = p.decide(&low, Some(20.0), settled);
    assert_eq!(inn.proposal().map(|p| p.desired), Some(4)); // ceil(8 * 20 / 50) = ceil(3.2)
}

#[test]
fn scale_out_wins_and_scale_in_needs_every_voting_target_tracker() {
    let out = Proposal {
        desired: 6,
        scale_out: true,
        cause: String::new(),
    };
    let inn = Proposal {
        desired: 2,
        scale_out: false,
        cause: String::new(),
    };
    assert_eq!(
        combine(&[(true, Some(inn.clone())), (false, Some(out.clone()))], 4),
        Some(out)
    );
    assert_eq!(combine(&[(true, Some(inn.clone())), (true, None)], 4), None);
    assert_eq!(
        combine(&[(true, Some(inn.clone())), (false, None)], 4),
        Some(inn)
    );
}

#[test]
fn a_simple_policy_waits_for_activities_in_progress_and_the_group_cooldown() {
    let p = PolicySpec {
        name: "simple".into(),
        metric: Some(MetricRef::Cpu),
        kind: PolicyKind::Simple {
            alarm: Alarm {
                comparison: Comparison::GreaterThan,
                threshold: 70.0,
                evaluation_periods: 1,
                datapoints_to_alarm: 1,
                delay: 0,
            },
            adjustment: Adjustment::Change(2),
            cooldown: SimTime::from_secs(300),
        },
    };
    let g = GroupView {
        now: SimTime::from_secs(600),
        capacity: 4,
        settled: 4,
        measured: 4,
        warming: 0,
        in_progress: false,
        cooldown_until: None,
    };
    let alarm = [AlarmState::Alarm];
    assert_eq!(
        p.decide(&alarm, Some(90.0), g)
            .proposal()
            .map(|p| p.desired),
        Some(6)
    );
    // A launch, termination or health replacement in progress holds it back.
    let busy = GroupView {
        in_progress: true,
        ..g
    };
    assert_eq!(
        p.decide(&alarm, Some(90.0), busy),
        Decision::Blocked(Blocked::Cooldown)
    );
    // So does the group's cooldown, until its end.
    let cooling = GroupView {
        cooldown_until: Some(SimTime::from_secs(601)),
        ..g
    };
    assert_eq!(
        p.decide(&alarm, Some(90.0), cooling),
        Decision::Blocked(Blocked::Cooldown)
    );
    let over = GroupView {
        cooldown_until: Some(SimTime::from_secs(600)),
        ..g
    };
    assert!(p.decide(&alarm, Some(90.0), over).proposal().is_some());
    assert_eq!(
        p.decide(&[AlarmState::InsufficientData], None, g),
        Decision::Blocked(Blocked::InsufficientData)
    );
}
