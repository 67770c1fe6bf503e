//! What a scenario configures for Lambda: functions and the account's concurrency and
//! scaling limits. Plain data, resolved and validated by `scenario`.

use crate::dist::Dist;
use crate::kernel::SimTime;

/// AWS's documented defaults.
pub const DEFAULT_ACCOUNT_CONCURRENCY: u32 = 1000;
pub const DEFAULT_UNRESERVED_MINIMUM: u32 = 100;
pub const DEFAULT_TIMEOUT: SimTime = SimTime::from_secs(3);
pub const MAX_TIMEOUT: SimTime = SimTime::from_secs(900);
pub const DEFAULT_MAX_EVENT_AGE: SimTime = SimTime::from_secs(6 * 3600);
pub const DEFAULT_MAX_RETRY_ATTEMPTS: u8 = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Architecture {
    X86_64,
    Arm64,
}

impl Architecture {
    pub fn name(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

#[derive(Clone, Debug)]
pub struct FunctionSpec {
    pub name: String,
    pub memory_mb: u32,
    pub architecture: Architecture,
    /// Handler time of one invocation (before the timeout cuts it).
    pub duration: Dist,
    /// The init phase a new (cold) environment pays before its first invocation.
    pub init: Dist,
    /// An invocation still running at this time fails (an error at the timeout).
    pub timeout: SimTime,
    /// The probability that an invocation fails (a function error at its end).
    pub error_probability: f64,
    /// Its own pool (and cap); `None` shares the account's unreserved pool.
    pub reserved_concurrency: Option<u32>,
    /// Environments kept initialized: no cold start while concurrency stays within them.
    pub provisioned_concurrency: u32,
    /// How long an idle on-demand environment stays warm.
    pub idle_expiry: Dist,
    /// Asynchronous invocation: the oldest an event may get before it is dropped.
    pub max_event_age: SimTime,
    /// Asynchronous invocation: retries after a function error (0..=2).
    pub max_retry_attempts: u8,
}

impl FunctionSpec {
    pub fn memory_gb(&self) -> f64 {
        self.memory_mb as f64 / 1024.0
    }
}

/// How fast on-demand concurrency may grow.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ScalingModel {
    /// Since late Nov 2023: each function may create up to `step` new execution environments
    /// every `window` (1,000 per 10 s), refilled continuously, unused portions not accrued,
    /// independently of the others; warm idle environments are reused without limit
    /// (https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html). With
    /// `request_rate` (the default), also the requests-per-second form: at most 10 x the
    /// function's pool per second, growing by `10 x step` per `window` (`request_rate.rs`).
    PerFunction {
        step: u32,
        window: SimTime,
        request_rate: bool,
    },
    /// Before late 2023: an account-wide initial `burst` (3,000, 1,000 or 500 by region),
    /// then `per_minute` more (500) every minute.
    RegionalBurst { burst: u32, per_minute: u32 },
}

impl ScalingModel {
    pub const fn default_per_function() -> ScalingModel {
        ScalingModel::PerFunction {
            step: 1000,
            window: SimTime::from_secs(10),
            request_rate: true,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            ScalingModel::PerFunction {
                step,
                window,
                request_rate,
            } => {
                let rps = if *request_rate {
                    format!(
                        "; it serves at most 10 x its pool requests per second, growing by {} per {window}",
                        10 * *step as u64
                    )
                } else {
                    String::from("; no request-rate limit")
                };
                format!(
                    "per_function_10s: each function creates up to {step} new environments every {window}, refilled continuously; warm ones are reused freely{rps}"
                )
            }
            ScalingModel::RegionalBurst { burst, per_minute } => format!(
                "regional_burst: an account-wide burst of {burst}, then {per_minute} more per minute"
            ),
        }
    }
}

/// The account's Lambda limits.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountSpec {
    pub concurrency: u32,
    pub unreserved_minimum: u32,
    pub scaling: ScalingModel,
}

impl Default for AccountSpec {
    fn default() -> Self {
        AccountSpec {
            concurrency: DEFAULT_ACCOUNT_CONCURRENCY,
            unreserved_minimum: DEFAULT_UNRESERVED_MINIMUM,
            scaling: ScalingModel::default_per_function(),
        }
    }
}

impl AccountSpec {
    /// The unreserved pool: the account limit less every reservation.
    pub fn unreserved(&self, functions: &[FunctionSpec]) -> u32 {
        let reserved: u32 = functions
            .iter()
            .filter_map(|f| f.reserved_concurrency)
            .sum();
        self.concurrency.saturating_sub(reserved)
    }
}
