//! What a service implements to take part in the world: [`Service`] (how it is built from
//! the scenario, and its work at the world's fixed points: the end of each metric period, the
//! close of each cost period, the end of the run) and [`Handles`] (the events it owns).
//!
//! Every method is required, so a new service says what it does at each point (an empty body
//! says "nothing" where a reader sees it). It registers in one line of `registry`, which
//! declares the world's state, its event enum, the dispatch of each event to its owner, and
//! the order of the fixed points; the `world!` macro below generates all of them.
//!
//! Each implementation is the service's adapter: it takes the world, hands its own state the
//! narrow view that state's code needs (the period, the time series, the specs it reads) and
//! routes what comes back. Reading another service's state here is explicit and reviewed:
//! the queues read the groups' in-service counts for their backlog metric, and the groups'
//! evaluation reads the target groups' health (see each `impl`).

use super::World;
use super::result::RunResult;
use crate::cost::Usage;
use crate::kernel::SimTime;
use crate::metrics::TimeSeries;
use crate::scenario::Scenario;

/// The metric period that just ended.
#[derive(Clone, Copy, Debug)]
pub struct Period {
    /// Its start, in seconds: the time stamp of its rows in the time series.
    pub start_s: f64,
    /// Its end: now.
    pub end: SimTime,
    /// Its index (0 for the first period of the run).
    pub index: u64,
}

/// What the end of the run gathers from every service: the results, and the usage the
/// price list turns into the bill.
#[derive(Default)]
pub struct Finish {
    pub result: RunResult,
    pub usage: Usage,
}

/// When a service schedules its first events at the start of a run (`Service::START`).
///
/// The world starts the stages in this order, and within a stage the services in registry
/// order; the clock's first events (the warm-up's end, the first period's end, the run's
/// end) are scheduled between `Sources` and `Plans`. Events at the same time run in the
/// order they were scheduled, so the stage decides ties: a scheduled scaling action runs
/// before a period that ends at the same time, a fault or a deployment after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Stage {
    /// The capacity in service from the start and its scheduled actions (EC2's groups).
    Capacity,
    /// What produces work from the start: workloads' first arrivals, pollers.
    Sources,
    /// Plans at the scenario's times, after the clock's events: faults, health checks,
    /// scaling evaluations, reshards, deployments; and services with nothing to start.
    Plans,
}

/// A service's state and its part in the world's fixed points (see the module docs).
pub(super) trait Service {
    /// The stage in which its `start` runs.
    const START: Stage;

    /// The trace kinds it emits (`trace::Kind`; its own are declared in its module), which
    /// `--trace-filter kind=` accepts.
    const TRACE_KINDS: &'static [crate::trace::Kind];

    /// Its state at the start of a run; it registers its series in `series` (rows are then
    /// pushed by id).
    fn build(s: &Scenario, series: &mut TimeSeries) -> Self;

    /// Schedules its first events, in stage `START` (an empty body: nothing to start).
    fn start(world: &mut World);

    /// At the end of metric period `p`: the service's series rows for the period, its
    /// CloudWatch datapoints, and the decisions taken on them.
    fn period_ended(world: &mut World, p: &Period);

    /// Closes the service's cost meters for a period `seconds` long (the last period of a
    /// run may be partial).
    fn close_cost_period(world: &mut World, seconds: f64);

    /// At the end of the run (after the last cost period closed): the service's part of the
    /// results and of the billed usage.
    fn finish(world: &mut World, out: &mut Finish);
}

/// The events of type `E` a service owns: the world hands each one to its owner.
pub(super) trait Handles<E> {
    fn handle(world: &mut World, event: E);
}

/// Declares the world from its registry (`registry`): the `World` struct (its own fields,
/// then one field per service), the `Event` enum (the clock's events, then one variant per
/// service event enum, with the `From` conversions `kernel::Schedule` uses), the world's
/// constructor, the dispatch of each service event to its owner (`Handles`), the fixed
/// points, which call every service in the order listed (the start by stages: `Stage`), and
/// the dispatch of workloads' requests to the services marked `+ Front` (`front`).
macro_rules! world {
    (
        $(#[$world_doc:meta])*
        pub struct World built from ($scenario:ident, $s:ident, $series:ident) {
            $($(#[$core_meta:meta])* $core:ident: $core_ty:ty = $core_init:expr,)*
        }
        clock {
            $($(#[$clock_doc:meta])* $clock:ident $(($payload:ty))?,)*
        }
        services {
            $($(#[$svc_doc:meta])* $svc:ident: $svc_ty:ty { $($variant:ident($event:ty)),* } $(+ $role:ident)* $(-> $out:ty)? $(=> $section:path)?,)*
        }
    ) => {
        $(#[$world_doc])*
        pub struct World {
            $($(#[$core_meta])* pub(super) $core: $core_ty,)*
            $($(#[$svc_doc])* pub(super) $svc: $svc_ty,)*
        }

        /// Everything that can happen: the clock's events, then each service's own enum.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Event {
            $($(#[$clock_doc])* $clock $(($payload))?,)*
            $($($variant($event),)*)*
        }

        /// The results of the services that declare their own (`-> Type` in the registry),
        /// one field each, named as the service's field; each fills its own in `finish`.
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct ServiceResults {
            $($(pub $svc: $out,)?)*
        }

        /// Every trace kind the services declare (`Service::TRACE_KINDS`), in registry
        /// order, each once.
        pub(crate) fn trace_kinds() -> Vec<crate::trace::Kind> {
            let mut all: Vec<crate::trace::Kind> = Vec::new();
            $(for k in <$svc_ty as Service>::TRACE_KINDS {
                if !all.contains(k) {
                    all.push(*k);
                }
            })*
            all
        }

        $($(impl From<$event> for Event {
            #[inline]
            fn from(e: $event) -> Event {
                Event::$variant(e)
            }
        })*)*

        /// Each service's position in the registry: a workload's front and a Lambda
        /// invocation's origin name their service by it.
        #[allow(non_camel_case_types, dead_code)]
        #[derive(Clone, Copy)]
        #[repr(u8)]
        enum ServiceSlot {
            $($svc,)*
        }

        $(impl Registered for $svc_ty {
            const SLOT: u8 = ServiceSlot::$svc as u8;
        })*

        impl World {
            /// The front of each workload: the slot of the service its target names
            /// (`Target::Service`, by the prefix its `Front` declares), `u8::MAX` for the
            /// world's own targets.
            pub(super) fn front_slots(s: &Scenario) -> Vec<u8> {
                (s.workloads.iter())
                    .map(|w| match w.target {
                        crate::workload::Target::Service(t) => World::front_slot(t.prefix)
                            .unwrap_or_else(|| {
                                panic!("no service in the registry receives `{}/NAME` requests", t.prefix)
                            }),
                        _ => u8::MAX,
                    })
                    .collect()
            }

            /// The slot of the service marked `+ Front` whose prefix is `prefix`.
            pub(super) fn front_slot(prefix: &str) -> Option<u8> {
                $($(if_role!(Front, $role, {
                    if prefix == <$svc_ty as Front>::PREFIX {
                        return Some(ServiceSlot::$svc as u8);
                    }
                });)*)*
                None
            }

            /// A request of workload `w`, whose target is entry `index` of a service, goes
            /// to that service (`Front::arrived`). Out of line: inlined, the services'
            /// arrivals grew the arrival handler past what the compiler inlines into it, and
            /// Lambda's invocation went out of line (the flash crowd took 3% more
            /// instructions).
            #[inline(never)]
            pub(super) fn front_arrived(&mut self, w: crate::ids::WorkloadId, index: usize) {
                let slot = self.fronts[w.index()];
                $($(if_role!(Front, $role, {
                    if slot == ServiceSlot::$svc as u8 {
                        return <$svc_ty as Front>::arrived(self, w, index);
                    }
                });)*)*
                unreachable!("a service target without its service")
            }

            /// An ending request passes every front's `answered` hook, in registry order:
            /// `None` when one took it.
            #[inline(always)]
            pub(super) fn fronts_answered(
                &mut self,
                w: crate::ids::WorkloadId,
                uid: u64,
                outcome: crate::metrics::Outcome,
                seen: (bool, u64),
            ) -> Option<(bool, u64)> {
                $($(if_role!(Front, $role, {
                    let seen = <$svc_ty as Front>::answered(self, w, uid, outcome, seen)?;
                });)*)*
                Some(seen)
            }

            /// The call field of every service marked `+ CallKind`, in registry order.
            #[cfg(test)]
            #[allow(clippy::vec_init_then_push)]
            pub(super) fn call_kind_fields() -> Vec<&'static str> {
                #[allow(unused_mut)]
                let mut out = Vec::new();
                $($(if_role!(CallKind, $role, {
                    out.push(<$svc_ty as CallKind>::FIELD);
                });)*)*
                out
            }

            /// Call `step` of request `id` is of a kind a service registered: that service
            /// starts it (`CallKind::start`). Each service's kind is its field's position in
            /// the scenario's kinds, found when the program is compiled (`calls::kind_of`:
            /// a field the scenario does not register does not compile), so the dispatch is
            /// one comparison chain on the call's `u8`.
            #[inline]
            pub(super) fn start_service_call(
                &mut self,
                id: crate::ids::RequestId,
                step: u8,
                call: crate::model::database::ServiceCall,
                bytes: u64,
            ) {
                $($(if_role!(CallKind, $role, {
                    if call.kind == const { super::calls::kind_of(<$svc_ty as CallKind>::FIELD) } {
                        return <$svc_ty as CallKind>::start(self, id, step, call.entry, bytes);
                    }
                });)*)*
                unreachable!("a call kind without its service")
            }

            /// The requests in `ended` (sorted) ended with calls in flight: every kind of
            /// call forgets them (`CallKind::detach`), in registry order.
            pub(super) fn detach_service_calls(&mut self, ended: &[crate::ids::RequestId]) {
                $($(if_role!(CallKind, $role, {
                    <$svc_ty as CallKind>::detach(self, ended);
                });)*)*
            }

            /// A Lambda invocation a service asked for (`Origin::Service`) ended: the
            /// service that asked hears of it (`LambdaClient::invocation_ended`).
            #[inline]
            pub(super) fn lambda_handed_back(
                &mut self,
                origin: crate::model::lambda::ServiceOrigin,
                completion: crate::model::lambda::Completion,
            ) {
                let slot = origin.service.0;
                $($(if_role!(LambdaClient, $role, {
                    if slot == ServiceSlot::$svc as u8 {
                        return <$svc_ty as LambdaClient>::invocation_ended(
                            self, origin.id, completion,
                        );
                    }
                });)*)*
                unreachable!("a Lambda origin without its service")
            }

            /// The world at the start of a run, before its first events are scheduled.
            #[allow(unused_doc_comments)]
            pub(super) fn build($scenario: std::sync::Arc<Scenario>) -> World {
                let $s = &*$scenario;
                let mut $series = TimeSeries::default();
                $(let $svc = <$svc_ty as Service>::build($s, &mut $series);)*
                $($(#[$core_meta])* let $core = $core_init;)*
                World {
                    $($(#[$core_meta])* $core,)*
                    $($svc,)*
                }
            }

            /// Hands a service's event to its owner; the clock's events go to `on_clock`.
            #[inline]
            pub(super) fn dispatch(&mut self, event: Event) {
                match event {
                    $($(Event::$variant(e) => <$svc_ty as Handles<$event>>::handle(self, e),)*)*
                    // The clock's most frequent event, without `on_clock`'s call and match.
                    Event::RequestArrived(w) => self.on_request_arrived(w),
                    clock => self.on_clock(clock),
                }
            }

            /// The instance an event names, if any: each service's event enum answers
            /// (`model::NamesInstance`), the clock's events name none.
            #[cfg(test)]
            pub(super) fn names_instance(e: &Event) -> Option<crate::ids::InstanceId> {
                use crate::model::NamesInstance;
                match *e {
                    $(Event::$clock { .. } => None,)*
                    $($(Event::$variant(e) => e.instance(),)*)*
                }
            }

            /// Starts the services of stage `stage`, in registry order.
            pub(super) fn services_start(&mut self, stage: Stage) {
                $(if <$svc_ty as Service>::START == stage {
                    <$svc_ty as Service>::start(self);
                })*
            }

            /// Every service's work at the end of metric period `p`.
            pub(super) fn services_period_ended(&mut self, p: &Period) {
                $(<$svc_ty as Service>::period_ended(self, p);)*
            }

            /// Closes every service's cost meters for a period `seconds` long.
            pub(super) fn close_cost_period(&mut self, seconds: f64) {
                $(<$svc_ty as Service>::close_cost_period(self, seconds);)*
            }

            /// Every service's part of the results and usage.
            pub(super) fn finish_services(&mut self, out: &mut Finish) {
                $(<$svc_ty as Service>::finish(self, out);)*
            }
        }
    };
}

/// The code of `world!` for one role a service declares (`+ Role` in the registry): the
/// body when the role is the one wanted (`Front`: it receives workloads' requests;
/// `LambdaClient`: it invokes Lambda functions; `CallKind`: requests' call phases call its
/// entries), nothing otherwise.
macro_rules! if_role {
    (Front, Front, { $($body:tt)* }) => { $($body)* };
    (LambdaClient, LambdaClient, { $($body:tt)* }) => { $($body)* };
    (CallKind, CallKind, { $($body:tt)* }) => { $($body)* };
    ($wanted:ident, Front, { $($body:tt)* }) => {};
    ($wanted:ident, LambdaClient, { $($body:tt)* }) => {};
    ($wanted:ident, CallKind, { $($body:tt)* }) => {};
}

/// A service's position in the registry (generated by `world!`): what a workload's front or
/// a Lambda origin names it by.
pub(super) trait Registered {
    const SLOT: u8;
}

pub(super) use if_role;
pub(super) use world;
