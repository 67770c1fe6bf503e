//! The Lambda service of one account: every function's environments, meters and random
//! streams, the concurrency pools, the scaling limits, running invocations and queued
//! asynchronous events. `start` admits or refuses an invocation and schedules its end;
//! `finish` releases what it held. What an outcome means to its origin is the world's business.

use super::LambdaEvent;
use super::async_events::AsyncEvent;
use super::ceiling::Ceiling;
use super::environments::{Environments, Placement};
use super::invocation::{Completion, Invocation, Origin, Payload};
use super::meters::FunctionMeters;
use super::pools::{Pools, Refusal};
use super::request_rate::RequestRate;
use super::scaling_rate::EnvironmentBucket;
use super::series::FunctionSeries;
use super::slab::Slab;
use super::spec::{AccountSpec, Architecture, FunctionSpec, ScalingModel};
use crate::ids::{AsyncEventId, FunctionId, InvocationId, RegionId};
use crate::kernel::{Rng, RngExt, Schedule, SimTime, stream};
use crate::metrics::TimeSeries;

/// One function's runtime state.
pub struct FunctionState {
    pub envs: Environments,
    /// Its own scaling rate of new environments (`per_function_10s`).
    pub rate: Option<EnvironmentBucket>,
    /// Its requests-per-second limit (`per_function_10s` with `request_rate`).
    pub requests: Option<RequestRate>,
    pub meters: FunctionMeters,
    duration_rng: Rng,
    init_rng: Rng,
    error_rng: Rng,
    expiry_rng: Rng,
}

impl FunctionState {
    #[inline]
    pub fn concurrency(&self) -> u32 {
        self.envs.busy()
    }
}

pub struct LambdaService {
    pub functions: Vec<FunctionState>,
    pub pools: Pools,
    /// Per region: the account's ceiling there (`regional_burst`; empty otherwise).
    pub regional: Vec<Ceiling>,
    /// Per function: its region's index.
    region: Vec<u8>,
    /// Per region: on-demand executions running, over its functions.
    on_demand: Vec<u32>,
    invocations: Slab<Invocation>,
    events: Slab<AsyncEvent>,
    /// Asynchronous events queued after the warm-up and not yet settled.
    pub live_counted_events: u64,
    billing_granularity_ms: f64,
    /// Whether a cold start's init phase is billed (since 1 Aug 2025; free before).
    init_billed: bool,
    /// Per function: its time series' ids (see `register_series`).
    series: Vec<FunctionSeries>,
}

impl LambdaService {
    /// The service of an account whose function `f` is in region `regions.0[f]` of
    /// `regions.1` (the account's limits apply in each region).
    pub fn new(
        seed: u64,
        functions: &[FunctionSpec],
        account: &AccountSpec,
        (function_region, n_regions): (&[RegionId], usize),
        billing: (f64, bool),
        series: &mut TimeSeries,
    ) -> LambdaService {
        let (billing_granularity_ms, init_billed) = billing;
        let n_regions = n_regions.max(1);
        let region: Vec<u8> = (0..functions.len())
            .map(|f| function_region.get(f).map_or(0, |r| r.0))
            .collect();
        let unreserved = (0..n_regions)
            .map(|r| {
                let of: Vec<FunctionSpec> = (functions.iter().zip(&region))
                    .filter(|(_, x)| usize::from(**x) == r)
                    .map(|(f, _)| f.clone())
                    .collect();
                account.unreserved(&of)
            })
            .collect();
        let pools = Pools::regional(
            functions.iter().map(|f| f.reserved_concurrency).collect(),
            region.clone(),
            unreserved,
        );
        let states = functions
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let rng = |purpose: &str| stream(seed, &format!("lambda/{}/{purpose}", f.name));
                let meters = FunctionMeters {
                    bill: crate::cost::billing::LambdaUsage {
                        arm64: f.architecture == Architecture::Arm64,
                        memory_gb: f.memory_gb(),
                        ..Default::default()
                    },
                    ..Default::default()
                };
                FunctionState {
                    envs: Environments::new(f.provisioned_concurrency),
                    rate: match account.scaling {
                        ScalingModel::PerFunction { step, window, .. } => {
                            Some(EnvironmentBucket::new(step, window))
                        }
                        ScalingModel::RegionalBurst { .. } => None,
                    },
                    requests: match account.scaling {
                        ScalingModel::PerFunction {
                            step,
                            window,
                            request_rate: true,
                        } => Some(RequestRate::new(pools.limit(i), step, window)),
                        _ => None,
                    },
                    meters,
                    duration_rng: rng("duration"),
                    init_rng: rng("init"),
                    error_rng: rng("errors"),
                    expiry_rng: rng("idle_expiry"),
                }
            })
            .collect();
        let regional = match account.scaling {
            ScalingModel::RegionalBurst { burst, per_minute } => {
                let c = Ceiling::new(
                    burst,
                    per_minute,
                    SimTime::from_secs(60),
                    account.concurrency,
                );
                vec![c; n_regions]
            }
            ScalingModel::PerFunction { .. } => Vec::new(),
        };
        LambdaService {
            functions: states,
            pools,
            regional,
            region,
            on_demand: vec![0; n_regions],
            invocations: Slab::default(),
            events: Slab::default(),
            live_counted_events: 0,
            billing_granularity_ms,
            init_billed,
            series: functions
                .iter()
                .map(|f| FunctionSeries::register(f, series))
                .collect(),
        }
    }

    /// At the end of the metric period starting at `t` (seconds), `period_ns` long: each
    /// function's series rows, and its meters start the next period.
    pub fn period_ended(
        &mut self,
        specs: &[FunctionSpec],
        now: SimTime,
        t: f64,
        period_ns: f64,
        series: &mut TimeSeries,
    ) {
        for ((spec, st), ids) in specs.iter().zip(&mut self.functions).zip(&self.series) {
            st.meters
                .account_provisioned(now, st.envs.provisioned_busy());
            let p = st.meters.take_period(st.envs.busy());
            ids.push(series, t, &p, st.envs.warm(now), spec, period_ns);
        }
    }

    /// Closes every function's bill for a period `seconds` long.
    pub fn close_cost_period(&mut self, specs: &[FunctionSpec], seconds: f64) {
        for (spec, st) in specs.iter().zip(&mut self.functions) {
            st.meters.close_bill(seconds, spec.provisioned_concurrency);
        }
    }

    /// Admits an invocation of `f` for `origin` at `now` and schedules its end, or says which
    /// limit refused it (the refusal is counted as a throttle).
    pub fn start(
        &mut self,
        specs: &[FunctionSpec],
        f: FunctionId,
        origin: Origin,
        counted: bool,
        queue: &mut impl Schedule<LambdaEvent>,
    ) -> Result<(InvocationId, Invocation), Refusal> {
        self.start_with(specs, f, origin, Payload::ONE, counted, queue)
    }

    /// `start` with a payload: a batch's handler time is one draw of `duration` per record
    /// (`per_record`) or one draw; a batch that `fails` ends as an error. Inlined into the
    /// world's one caller (`sim::lambda`): out of line it costs the flash crowd 3% more
    /// instructions, which the compiler's partitioning decides otherwise.
    #[inline]
    pub fn start_with(
        &mut self,
        specs: &[FunctionSpec],
        f: FunctionId,
        origin: Origin,
        payload: Payload,
        counted: bool,
        queue: &mut impl Schedule<LambdaEvent>,
    ) -> Result<(InvocationId, Invocation), Refusal> {
        let now = queue.now();
        let spec = &specs[f.index()];
        let st = &mut self.functions[f.index()];
        let refusal = self
            .pools
            .check(f.index(), st.concurrency())
            .and_then(|()| match &mut st.requests {
                Some(r) => r.allows(now).then_some(()).ok_or(Refusal::RequestRate),
                None => Ok(()),
            })
            .and_then(|()| {
                if !st.envs.next_is_on_demand() {
                    return Ok(());
                }
                let r = self.region[f.index()];
                if let Some(c) = self.regional.get_mut(usize::from(r)) {
                    if !c.allows(self.on_demand[usize::from(r)]) {
                        if let Some(t) = c.refused(now) {
                            queue.at(t, LambdaEvent::BurstWindowEnded(RegionId(r)));
                        }
                        return Err(Refusal::Scaling);
                    }
                } else if let Some(b) = &mut st.rate
                    && !st.envs.has_warm(now)
                    && !b.try_take(now)
                {
                    return Err(Refusal::Scaling);
                }
                Ok(())
            });
        if let Err(r) = refusal {
            st.meters.period.throttles += 1;
            st.meters.totals.throttles += counted as u64;
            return Err(r);
        }
        if let Some(r) = &mut st.requests {
            r.record(now);
        }
        st.meters
            .account_provisioned(now, st.envs.provisioned_busy());
        let placement = st.envs.take(now);
        self.pools.acquire(f.index());
        if placement != Placement::Provisioned {
            let r = usize::from(self.region[f.index()]);
            self.on_demand[r] += 1;
            if let Some(c) = self.regional.get_mut(r) {
                c.observe(self.on_demand[r]);
            }
        }
        let init = if placement == Placement::Cold {
            spec.init.sample(&mut st.init_rng)
        } else {
            SimTime::ZERO
        };
        let mut duration = spec.duration.sample(&mut st.duration_rng);
        if payload.per_record {
            for _ in 1..payload.records {
                duration += spec.duration.sample(&mut st.duration_rng);
            }
        }
        let fails = st.error_rng.chance(spec.error_probability) || payload.fails;
        let (run, completion) = if duration > spec.timeout {
            (spec.timeout, Completion::Timeout)
        } else if fails {
            (duration, Completion::Error)
        } else {
            (duration, Completion::Succeeded)
        };
        let inv = Invocation {
            function: f,
            origin,
            started_at: now,
            init,
            run,
            placement,
            completion,
            counted,
        };
        let id = InvocationId(self.invocations.insert(inv));
        queue.at(inv.ends_at(), LambdaEvent::InvocationEnded(id));
        let concurrency = st.concurrency();
        let m = &mut st.meters;
        m.period.invocations += 1;
        m.period.max_concurrency = m.period.max_concurrency.max(concurrency);
        m.bill.requests += 1.0;
        if placement == Placement::Cold {
            m.period.cold_starts += 1;
        }
        if counted {
            let t = &mut m.totals;
            t.invocations += 1;
            t.max_concurrency = t.max_concurrency.max(concurrency);
            if placement == Placement::Cold {
                t.cold_starts += 1;
                t.init.record(init.as_nanos());
            }
        }
        Ok((id, inv))
    }

    /// An invocation ended at `now`: releases its environment and pool slot, bills it.
    pub fn finish(&mut self, specs: &[FunctionSpec], id: InvocationId, now: SimTime) -> Invocation {
        let inv = self.invocations.remove(id.0);
        let f = inv.function.index();
        let spec = &specs[f];
        let st = &mut self.functions[f];
        st.meters
            .account_provisioned(now, st.envs.provisioned_busy());
        let expires_at = if inv.placement == Placement::Provisioned {
            SimTime::ZERO
        } else {
            self.on_demand[usize::from(self.region[f])] -= 1;
            now + spec.idle_expiry.sample(&mut st.expiry_rng)
        };
        st.envs.give_back(inv.placement, expires_at);
        self.pools.release(f);
        let g = self.billing_granularity_ms;
        // Init is billed as duration since 1 Aug 2025; before, it was free (`init_billed`).
        let billed = if self.init_billed {
            inv.init + inv.run
        } else {
            inv.run
        };
        let billed_ms = (billed.as_nanos() as f64 / 1e6 / g).ceil() * g;
        let m = &mut st.meters;
        if inv.placement == Placement::Provisioned {
            m.bill.provisioned_billed_ms += billed_ms;
        } else {
            m.bill.billed_ms += billed_ms;
        }
        if inv.completion.is_error() {
            m.period.errors += 1;
        }
        if inv.counted {
            let t = &mut m.totals;
            t.duration.record(inv.run.as_nanos());
            t.billed_ms += billed_ms;
            t.errors += inv.completion.is_error() as u64;
            t.timeouts += (inv.completion == Completion::Timeout) as u64;
        }
        inv
    }

    /// The account's scaling window in region `r` ended.
    pub fn burst_window_ended(&mut self, r: RegionId, queue: &mut impl Schedule<LambdaEvent>) {
        let on_demand = self.on_demand[r.index()];
        if let Some(c) = self.regional.get_mut(r.index())
            && let Some(t) = c.window_ended(queue.now(), on_demand)
        {
            queue.at(t, LambdaEvent::BurstWindowEnded(r));
        }
    }

    pub fn queue_event(&mut self, e: AsyncEvent) -> AsyncEventId {
        self.live_counted_events += e.counted as u64;
        let t = &mut self.functions[e.function.index()].meters.totals;
        t.async_events += e.counted as u64;
        AsyncEventId(self.events.insert(e))
    }

    pub fn event_mut(&mut self, id: AsyncEventId) -> &mut AsyncEvent {
        self.events.get_mut(id.0)
    }

    /// Removes a settled event and counts how it ended.
    pub fn settle_event(
        &mut self,
        id: AsyncEventId,
        how: super::async_events::Settlement,
    ) -> AsyncEvent {
        use super::async_events::Settlement;
        let e = self.events.remove(id.0);
        self.live_counted_events -= e.counted as u64;
        if e.counted {
            let t = &mut self.functions[e.function.index()].meters.totals;
            match how {
                Settlement::Succeeded => t.async_succeeded += 1,
                Settlement::Failed => t.async_failed += 1,
                Settlement::Expired => t.async_expired += 1,
            }
        }
        e
    }
}
