//! The registry: the world's own state and its services, in one list. A service registers
//! here in one line (its field, its state type, the event enums it owns); `service::world!`
//! generates the `World` struct, the `Event` enum, the constructor, the dispatch and the
//! fixed points from it (see `service` and ARCHITECTURE.md, "Adding a service"). A service
//! that workloads target (`PREFIX/NAME`) is marked `+ Front` (see `front`), one that invokes
//! Lambda functions `+ LambdaClient` (see `lambda`), one whose entries requests call
//! (`calls: [{FIELD: NAME}]`) `+ CallKind` (see `calls`).
//!
//! The services are listed in the order the world calls them at each fixed point. The order
//! matters where one service's period work reads what an earlier one published: the queues
//! publish their backlog metric before the groups evaluate their policies, and the faults'
//! results use the requests' totals.

use super::apigw::ApiGateways;
use super::calls::CallKind;
use super::cloudfront::{CloudFront, DistributionResult};
use super::database::Databases;
use super::dns::{DnsResult, Route53};
use super::dynamodb::TableResult;
use super::ecs::{EcsResult, EcsServices};
use super::front::Front;
use super::kinesis::StreamResult;
use super::lambda::LambdaClient;
use super::nat::{GatewayResult, NatGateways};
use super::resilience::FaultState;
use super::service::{Finish, Handles, Period, Registered, Service, Stage, if_role, world};
use super::sns::TopicResult;
use super::sqs::SqsWorld;
use super::state::{Alb, Bills, Ec2, Traffic};
use crate::ids::WorkloadId;
use crate::kernel::{EventQueue, SimTime};
use crate::metrics::TimeSeries;
use crate::model::alb::AlbEvent;
use crate::model::apigw::ApigwEvent;
use crate::model::autoscaling::AutoScalingEvent;
use crate::model::cloudfront::CloudFrontEvent;
use crate::model::database::DatabaseEvent;
use crate::model::dns::DnsEvent;
use crate::model::dynamodb::{DynamoDb, DynamoDbEvent};
use crate::model::ecs::EcsEvent;
use crate::model::faults::FaultEvent;
use crate::model::instance::InstanceEvent;
use crate::model::kinesis::{Kinesis, KinesisEvent};
use crate::model::lambda::{LambdaEvent, LambdaService};
use crate::model::nat::NatEvent;
use crate::model::sns::{Sns, SnsEvent};
use crate::model::sqs::SqsEvent;
use crate::scenario::Scenario;
use crate::trace::Tracer;
use std::sync::Arc;

/// The list of services (the `services { ... }` part of the world's declaration), given to
/// macro `$m` after the tokens in braces: `for_each_service!(world { ...the world's own... })`
/// declares the world (`service::world!`), and the report crate expands it into its
/// sections (`sections::SECTIONS`: the sections named `=> section::Path` on the lines, in
/// list order). A line is `field: State { Variant(ItsEvent), ... } + Role ... -> Result =>
/// section::Path,`; everything after the braces is optional.
#[macro_export]
macro_rules! for_each_service {
    ($m:ident { $($before:tt)* }) => {
        $m! {
            $($before)*
            services {
                /// Workloads: arrivals, their requests in flight and per-workload statistics.
                traffic: Traffic {},
                /// Lambda functions, pools, scaling ceilings, invocations and async events.
                lambda: LambdaService { Lambda(LambdaEvent) },
                /// SQS queues, messages, worker pollers and event source mappings.
                sqs: SqsWorld { Sqs(SqsEvent) } + LambdaClient,
                /// Auto Scaling groups and their instances.
                ec2: Ec2 { Instance(InstanceEvent), AutoScaling(AutoScalingEvent) },
                /// Load balancers, target groups and their meters.
                alb: Alb { Alb(AlbEvent) },
                /// Data-transfer meters billed per period.
                bills: Bills {},
                /// Down AZs and stopped instances, the fault log.
                faults: FaultState { Fault(FaultEvent) },
                /// Databases and caches: connections, calls in flight, failovers (after `faults`,
                /// whose results it completes).
                databases: Databases { Database(DatabaseEvent) },
                /// Route 53 records: health checks and clients' cached answers (after `faults`,
                /// whose results it completes).
                dns: Route53 { Dns(DnsEvent) } -> Vec<DnsResult>,
                /// DynamoDB tables: capacity, throttles and the SDK's retries of request calls.
                dynamodb: DynamoDb { DynamoDb(DynamoDbEvent) } + CallKind -> Vec<TableResult> => dynamodb::DynamoDb,
                /// API Gateway APIs: throttles, usage plans, stage caches, integration timeouts.
                apigw: ApiGateways { ApiGateway(ApigwEvent) } + Front + LambdaClient => apigw::ApiGateway,
                /// CloudFront distributions: edge and shield caches, origin fetches and failover.
                cloudfront: CloudFront { CloudFront(CloudFrontEvent) } + Front -> Vec<DistributionResult>
                    => cloudfront::CloudFront,
                /// Kinesis data streams: producers' writes, shards, the Lambda consumer's batches.
                kinesis: Kinesis { Kinesis(KinesisEvent) } + Front + LambdaClient -> Vec<StreamResult>
                    => kinesis::Kinesis,
                /// SNS topics: Publish throttles, deliveries to queues, functions and HTTP/S endpoints.
                sns: Sns { Sns(SnsEvent) } + Front -> Vec<TopicResult> => sns::Sns,
                /// EventBridge buses: PutEvents throttles, rules' deliveries to queues, functions, topics.
                eventbridge: $crate::model::eventbridge::EventBridge { Events($crate::model::eventbridge::EventsEvent) } + Front -> Vec<$crate::sim::BusResult> => eventbridge::EventBridge,
                /// ECS services: their deployments, task series and Fargate's bill (after `ec2`,
                /// whose results it reads).
                ecs: EcsServices { Ecs(EcsEvent) } -> Vec<EcsResult> => ecs::Ecs,
                /// NAT gateways: the external calls leaving through them (after `faults`, whose
                /// outages cut them).
                nat: NatGateways { Nat(NatEvent) } + CallKind -> Vec<GatewayResult> => nat::Nat,
            }
        }
    };
}

for_each_service!(world {
    /// Every service's state for one run, the event queue and the clock's own state. Built
    /// by `World::new`; run by `World::run`; closed by `World::into_result`.
    pub struct World built from (scenario, s, series) {
        queue: EventQueue<Event> = EventQueue::new(),
        /// Events processed so far.
        events: u64 = 0,
        /// Whether statistics count (the warm-up is over).
        counting: bool = s.warmup == SimTime::ZERO,
        /// When the last metric period was recorded (the run's end may close one more).
        last_period_end: SimTime = SimTime::ZERO,
        tracer: Option<Box<Tracer>> = None,
        /// Terminations whose pending events `invariants` checked.
        #[cfg(test)]
        terminations_checked: usize = 0,
        /// Of those, terminations of instances a fault had stopped.
        #[cfg(test)]
        stopped_terminations_checked: usize = 0,
        /// Checks of the request and instance indexes against scans (`invariants`).
        #[cfg(test)]
        index_checks: usize = 0,
        /// Each workload's front: the registry slot of the service its target names
        /// (`front`).
        fronts: Vec<u8> = World::front_slots(s),
        /// Every series' rows; services register their series as they are built.
        series: TimeSeries = series,
        scenario: Arc<Scenario> = scenario,
    }
    clock {
        /// The next request of a workload arrived.
        RequestArrived(WorkloadId),
        /// The warm-up is over: statistics start counting.
        WarmupEnded,
        /// A metric period ended: time series are sampled.
        PeriodEnded,
        /// The simulated duration is over.
        SimulationEnded,
    }
});
