//! Typed indices into the model's `Vec`s. A bare `u32` could index the wrong table; these cannot.
//!
//! The ids here are named by several services (an instance, a workload, a function) or by
//! the types that route between services (workload targets, Lambda origins, call targets);
//! a service declares the ids only it and the world use in its own module, with the same
//! macro (`crate::ids::id!`, as `model::ecs` declares `EcsServiceId`).

/// Declares a typed index `Name(u16)`: `Copy`, ordered, hashable, `index()` for `Vec`s.
macro_rules! id {
    ($(#[$doc:meta])* $name:ident($t:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub $t);
        impl $name {
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

pub(crate) use id;

id!(/// An availability zone, by its position in the scenario's `azs`.
    AzId(u8));
id!(/// A workload, in name order.
    WorkloadId(u16));
id!(/// A load balancer, in name order.
    LbId(u16));
id!(/// A target group, in name order.
    TgId(u16));
id!(/// An auto scaling group, in name order.
    GroupId(u16));
id!(/// An instance's slot; slots are reused once an instance has terminated and no pending
    /// event names it (`sim::slots`). Outputs name instances by launch number instead.
    InstanceId(u32));
id!(/// A live request's slot; slots are reused after the request ends.
    RequestId(u32));
id!(/// A Lambda function, in name order.
    FunctionId(u16));
id!(/// A running Lambda invocation's slot; slots are reused after it ends.
    InvocationId(u32));
id!(/// An asynchronous Lambda event's slot in the internal queue; slots are reused.
    AsyncEventId(u32));
id!(/// An SQS queue, in name order.
    QueueId(u16));
id!(/// One receive loop of a queue consumer (a poller thread on a worker instance); never reused.
    PollerId(u32));
id!(/// A scenario fault, in file order.
    FaultId(u16));
id!(/// A database (RDS-style), in name order.
    DatabaseId(u16));
id!(/// A database call in progress: its slot, reused after the call ends.
    CallSlot(u32));
id!(/// A DynamoDB table, in name order.
    TableId(u16));
id!(/// A Kinesis data stream, in name order.
    StreamId(u16));
id!(/// A lane of a Kinesis stream's consumer (one per shard and parallelization unit), in the
    /// order shards opened; never reused.
    LaneId(u32));
id!(/// A Lambda event source mapping (a queue consumer), in the scenario's order.
    MappingId(u16));
id!(/// A scaling policy, by its position within its group's policies.
    PolicyId(u16));
id!(/// An API Gateway API (REST or HTTP), in name order.
    ApiId(u16));
id!(/// A region, by its position in the scenario's regions (name order; one region when the
    /// scenario gives only `azs`).
    RegionId(u8));
id!(/// A client geography, by its position in the scenario's table (built-in ones first).
    GeoId(u8));
id!(/// An external endpoint (`external_endpoints`), in name order.
    EndpointId(u16));
