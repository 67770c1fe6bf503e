//! The load balancers at the world's fixed points (their LCU meters close with each cost
//! period; EC2 and the requests own the period series) and the events they own: health
//! checks, the end of deregistration delays, connection timeouts and idle timeouts; and
//! the requests each target group received.

use super::World;
use super::service::{Finish, Handles, Period, Service, Stage};
use super::state::Alb;
use crate::metrics::TimeSeries;
use crate::model::alb::AlbEvent;
use crate::scenario::Scenario;
use crate::trace::Kind;

/// Load balancers are billed by LCU-hour: their meters close with each cost period.
impl Service for Alb {
    const START: Stage = Stage::Plans;
    const TRACE_KINDS: &'static [Kind] = &[super::alb_targets::HEALTH_CHANGED];

    fn start(_: &mut World) {}

    fn build(s: &Scenario, _: &mut TimeSeries) -> Alb {
        Alb::new(s)
    }

    fn period_ended(_: &mut World, _: &Period) {}

    fn close_cost_period(w: &mut World, seconds: f64) {
        for m in &mut w.alb.lb_meters {
            m.close_period(seconds);
        }
    }

    fn finish(w: &mut World, out: &mut Finish) {
        out.usage.load_balancers = w.alb.lb_meters.iter().map(|m| m.periods.clone()).collect();
        out.usage.load_balancer_regions = (w.scenario.regions.lb_region.iter())
            .map(|r| r.index())
            .collect();
        out.result.target_groups = (w.scenario.target_groups.iter())
            .zip(&w.alb.tg_requests)
            .map(|(tg, &n)| (tg.name.clone(), n))
            .collect();
        if w.alb.actions.any_own_answers() {
            out.result.load_balancer_answers = (w.scenario.load_balancers.iter())
                .zip(&w.alb.actions.own_answers)
                .map(|(lb, a)| (lb.name.clone(), a.clone()))
                .collect();
        }
    }
}

impl Handles<AlbEvent> for Alb {
    fn handle(w: &mut World, e: AlbEvent) {
        match e {
            AlbEvent::HealthCheckDue { instance, tg } => w.on_health_check_due(instance, tg),
            AlbEvent::DeregistrationEnded(id) => w.on_deregistration_ended(id),
            AlbEvent::ConnectTimedOut(request) => w.on_connect_timed_out(request),
            AlbEvent::IdleTimeoutDue(lb) => w.on_idle_timeout_due(lb),
        }
    }
}
