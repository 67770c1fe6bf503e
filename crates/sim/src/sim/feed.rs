//! The feed: a run's exogenous random streams produced ahead on a second thread.
//!
//! A workload's arrival times (`workload::ArrivalProcess`, its stream `workload/NAME/arrivals`)
//! and its requests' draws (the class, then the work, both from `workload/NAME/work`) do not
//! depend on anything the simulation does:
//! - the arrival process is asked for its next time once per arrival, in order, always with
//!   the run's end (`Scenario::duration`), by `Traffic::start` and `World::on_request_arrived`
//!   and by nothing else; its answer is a function of its profile and its stream alone;
//! - `World::new_request` draws a class (`ClassPicker::pick`) and then that class's work
//!   (`Dist::sample`) from the work stream, with no other draw from it in between, and
//!   nothing else draws from that stream; so the sequence of (class, work) pairs is a
//!   function of the stream alone, whenever and however often `new_request` is called (and
//!   for whichever target kind: the ALB's and the queue's arrivals, API Gateway, CloudFront,
//!   SNS, EventBridge; Lambda and Kinesis targets never draw).
//!
//! So these values can be computed by the very same code on another thread, ahead of time,
//! and taken in order: the run sees the same numbers in the same order, and its outputs are
//! byte-identical with the feed on or off, whatever the number of threads or the speed of
//! either. Every other stream (clients, geography, the services') stays on the simulation
//! thread.
//!
//! One producer thread per run serves every fed stream (a *lane*): each lane has `DEPTH`
//! buffers of `BATCH` values; the producer fills them all at the start, and refills whichever
//! one the simulation thread hands back drained, so memory is fixed (about 100-200 KB a lane)
//! whatever the run's length, and nothing is allocated once the buffers exist. The consumer
//! takes one value per call with one bounds check and one index bump; only at a batch's end
//! does it hand the buffer back and take the next (a channel operation per `BATCH` values).
//! An arrival lane ends with the process (`None`): its last batch says so and the producer
//! fills it no more. A lane of draws never ends; unread, it costs its first fill only.
//!
//! Which workloads are fed (`FeedMode`) cannot change outputs, only where the work runs:
//! `Auto` feeds a workload whose expected arrivals over the run reach `MIN_ARRIVALS` (below
//! that the run takes milliseconds and a thread is not worth starting) on a machine with more
//! than one core; `Always` feeds every workload (tests); `Off` none.
//!
//! Shutdown: the owner (`Feed`, in `Traffic`) sends the producer a stop message when it is
//! dropped and joins it: a finished run, a run stopped by an error or a signal, or a world a
//! test drops after a few events. The producer never blocks on a lane (each lane's channel
//! holds all of its buffers), only on the channel of drained buffers, where the stop message
//! arrives, so the join cannot wait longer than the batch being filled.

use super::state::Traffic;
use crate::dist::Dist;
use crate::kernel::{Rng, SimTime};
use crate::scenario::Scenario;
use crate::workload::{ArrivalProcess, ClassPicker, ClassSpec};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

/// Values per batch.
pub(super) const BATCH: usize = 4096;

/// Buffers per lane: the one being read and the ones filled ahead of it.
const DEPTH: usize = 3;

/// The expected arrivals over the run from which `FeedMode::Auto` feeds a workload: fewer
/// take milliseconds on the simulation thread, and starting a thread costs tens of
/// microseconds. A choice of where work runs: it cannot change outputs.
pub const MIN_ARRIVALS: f64 = 50_000.0;

/// Which workloads' streams a run produces on a second thread (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FeedMode {
    /// Every stream on the simulation thread.
    #[default]
    Off,
    /// The workloads expecting at least `MIN_ARRIVALS` arrivals, when the machine has more
    /// than one core.
    Auto,
    /// Every workload (tests of the feed itself).
    Always,
}

impl FeedMode {
    /// Whether a workload expecting `expected` arrivals over the run is fed.
    pub(super) fn feeds(self, expected: f64) -> bool {
        match self {
            FeedMode::Off => false,
            FeedMode::Always => true,
            FeedMode::Auto => {
                expected >= MIN_ARRIVALS
                    && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
            }
        }
    }
}

impl Traffic {
    /// Moves the streams of the workloads `mode` feeds to a producer thread (before the
    /// run's first arrival is asked for). Nothing changes when none is fed or the system
    /// refuses the thread.
    pub(super) fn start_feed(&mut self, s: &Scenario, mode: FeedMode) {
        let end = s.duration;
        let fed: Vec<bool> = (s.workloads.iter())
            .map(|w| mode.feeds(w.rate.expected_arrivals(0.0, end.as_secs_f64())))
            .collect();
        if !fed.contains(&true) {
            return;
        }
        let Some(mut feed) = FeedBuilder::spawn() else {
            return;
        };
        let arrivals = std::mem::take(&mut self.arrivals).into_iter().enumerate();
        self.arrivals = (arrivals.map(|(w, a)| match a {
            Arrivals::Local(p) if fed[w] => Arrivals::Fed(feed.arrivals(p, end)),
            a => a,
        }))
        .collect();
        let draws = std::mem::take(&mut self.draws).into_iter().enumerate();
        self.draws = (draws.map(|(w, d)| {
            let classes = &s.workloads[w].classes;
            match d {
                // A workload without classes never draws (Lambda and Kinesis targets).
                Draws::Local { rng, picker } if fed[w] && !classes.is_empty() => {
                    Draws::Fed(feed.draws(rng, picker, classes))
                }
                d => d,
            }
        }))
        .collect();
        self.feed = Some(feed.start());
    }
}

/// One request's draws from its workload's work stream: its class, then its work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Draw {
    pub class: u32,
    pub work: SimTime,
}

/// A workload's arrival times: its process here, or the feed's lane.
pub(in crate::sim) enum Arrivals {
    Local(ArrivalProcess),
    Fed(Lane<SimTime>),
}

impl Arrivals {
    /// The next arrival strictly before `end` (always the run's end), or `None` at the
    /// stream's end: `ArrivalProcess::next`'s answers, in order.
    #[inline]
    pub fn next(&mut self, end: SimTime) -> Option<SimTime> {
        match self {
            Arrivals::Local(p) => p.next(end),
            Arrivals::Fed(lane) => lane.next(),
        }
    }
}

/// A workload's (class, work) draws: its stream and class picker here, or the feed's lane.
pub(in crate::sim) enum Draws {
    Local { rng: Rng, picker: ClassPicker },
    Fed(Lane<Draw>),
}

impl Draws {
    /// The next request's class (an index into `classes`, the workload's) and work.
    #[inline(always)]
    pub fn next(&mut self, classes: &[ClassSpec]) -> (usize, SimTime) {
        match self {
            Draws::Local { rng, picker } => draw(rng, picker, |c| &classes[c].work),
            Draws::Fed(lane) => {
                let d = lane.next().expect("a lane of draws never ends");
                (d.class as usize, d.work)
            }
        }
    }
}

/// A class and then its work (`work` of the class), from one stream: the one sequence of
/// draws both paths make.
#[inline(always)]
fn draw<'a>(
    rng: &mut Rng,
    picker: &ClassPicker,
    work: impl FnOnce(usize) -> &'a Dist,
) -> (usize, SimTime) {
    let class = picker.pick(rng);
    (class, work(class).sample(rng))
}

/// A buffer on its way back to the producer, or the owner's stop.
enum Back {
    Drained(usize, Buffer),
    Stop,
}

/// A drained buffer of either kind of lane.
pub(in crate::sim) enum Buffer {
    Times(Vec<SimTime>),
    Draws(Vec<Draw>),
}

/// What a lane carries.
pub(in crate::sim) trait Item: Copy + Send + 'static {
    fn wrap(values: Vec<Self>) -> Buffer;
}

impl Item for SimTime {
    fn wrap(values: Vec<Self>) -> Buffer {
        Buffer::Times(values)
    }
}

impl Item for Draw {
    fn wrap(values: Vec<Self>) -> Buffer {
        Buffer::Draws(values)
    }
}

/// A filled buffer, and whether the stream ends with it.
struct Batch<T> {
    values: Vec<T>,
    last: bool,
}

/// The simulation thread's end of one stream.
pub(in crate::sim) struct Lane<T> {
    values: Vec<T>,
    at: usize,
    last: bool,
    index: usize,
    full: Receiver<Batch<T>>,
    back: Sender<Back>,
}

impl<T: Item> Lane<T> {
    /// The stream's next value, or `None` after its last.
    #[inline(always)]
    pub fn next(&mut self) -> Option<T> {
        match self.values.get(self.at) {
            Some(&v) => {
                self.at += 1;
                Some(v)
            }
            None => self.refill(),
        }
    }

    /// At a batch's end: the drained buffer goes back to the producer and the next batch
    /// comes (waiting for it if the producer is behind).
    #[cold]
    #[inline(never)]
    fn refill(&mut self) -> Option<T> {
        while !self.last {
            let drained = std::mem::take(&mut self.values);
            if drained.capacity() > 0 {
                // Refused only once the producer has stopped: the world is being dropped.
                let _ = self.back.send(Back::Drained(self.index, T::wrap(drained)));
            }
            let batch = (self.full.recv()).expect("the feed's producer ended before its stream");
            (self.values, self.last, self.at) = (batch.values, batch.last, 0);
            if let Some(&v) = self.values.first() {
                self.at = 1;
                return Some(v);
            }
        }
        None
    }
}

/// The producer's end of one stream.
enum Source {
    Arrivals {
        process: ArrivalProcess,
        end: SimTime,
        ended: bool,
        full: SyncSender<Batch<SimTime>>,
    },
    Draws {
        rng: Rng,
        picker: ClassPicker,
        works: Vec<Dist>,
        full: SyncSender<Batch<Draw>>,
    },
}

impl Source {
    /// Fills `buffer` (a new one, or one handed back drained) with the stream's next values
    /// and sends it to the lane. A lane whose stream ended gets nothing more.
    fn fill(&mut self, buffer: Option<Buffer>) {
        match self {
            Source::Arrivals {
                process,
                end,
                ended,
                full,
            } => {
                if *ended {
                    return;
                }
                let mut values = match buffer {
                    Some(Buffer::Times(v)) => v,
                    _ => Vec::with_capacity(BATCH),
                };
                values.clear();
                while values.len() < BATCH {
                    let Some(t) = process.next(*end) else {
                        *ended = true;
                        break;
                    };
                    values.push(t);
                }
                let last = *ended;
                // A lane dropped (its world is going): nothing to do.
                let _ = full.send(Batch { values, last });
            }
            Source::Draws {
                rng,
                picker,
                works,
                full,
            } => {
                let mut values = match buffer {
                    Some(Buffer::Draws(v)) => v,
                    _ => Vec::with_capacity(BATCH),
                };
                values.clear();
                for _ in 0..BATCH {
                    let (class, work) = draw(rng, picker, |c| &works[c]);
                    values.push(Draw {
                        class: class as u32,
                        work,
                    });
                }
                let _ = full.send(Batch {
                    values,
                    last: false,
                });
            }
        }
    }
}

/// The producer: every lane's buffers filled, then each drained one refilled, until the stop.
fn produce(mut sources: Vec<Source>, back: Receiver<Back>) {
    for _ in 0..DEPTH {
        for source in &mut sources {
            source.fill(None);
        }
    }
    while let Ok(Back::Drained(index, buffer)) = back.recv() {
        sources[index].fill(Some(buffer));
    }
}

/// The feed being set up: its thread started (idle until `start`), its lanes being made.
pub(super) struct FeedBuilder {
    sources: Vec<Source>,
    back: Sender<Back>,
    hand_over: SyncSender<(Vec<Source>, Receiver<Back>)>,
    drained: Receiver<Back>,
    thread: JoinHandle<()>,
    #[cfg(test)]
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl FeedBuilder {
    /// Starts the producer's thread, or `None` if the system refuses one (the streams then
    /// stay on the simulation thread).
    pub fn spawn() -> Option<FeedBuilder> {
        let (hand_over, sources) = sync_channel::<(Vec<Source>, Receiver<Back>)>(1);
        #[cfg(test)]
        let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        #[cfg(test)]
        let flag = std::sync::Arc::clone(&done);
        let thread = std::thread::Builder::new()
            .name("stratus-feed".into())
            .spawn(move || {
                if let Ok((sources, back)) = sources.recv() {
                    produce(sources, back);
                }
                #[cfg(test)]
                flag.store(true, std::sync::atomic::Ordering::SeqCst);
            })
            .ok()?;
        let (back, drained) = channel();
        Some(FeedBuilder {
            sources: Vec::new(),
            back,
            hand_over,
            drained,
            thread,
            #[cfg(test)]
            done,
        })
    }

    fn lane<T>(&mut self, source: impl FnOnce(SyncSender<Batch<T>>) -> Source) -> Lane<T> {
        let (full, receiver) = sync_channel(DEPTH);
        let index = self.sources.len();
        self.sources.push(source(full));
        Lane {
            values: Vec::new(),
            at: 0,
            last: false,
            index,
            full: receiver,
            back: self.back.clone(),
        }
    }

    /// A lane of `process`'s arrivals before `end`.
    pub fn arrivals(&mut self, process: ArrivalProcess, end: SimTime) -> Lane<SimTime> {
        self.lane(|full| Source::Arrivals {
            process,
            end,
            ended: false,
            full,
        })
    }

    /// A lane of (class, work) draws from `rng` over `classes` (not empty).
    pub fn draws(&mut self, rng: Rng, picker: ClassPicker, classes: &[ClassSpec]) -> Lane<Draw> {
        let works = classes.iter().map(|c| c.work.clone()).collect();
        self.lane(|full| Source::Draws {
            rng,
            picker,
            works,
            full,
        })
    }

    /// Hands the lanes' sources to the producer, which starts filling.
    pub fn start(self) -> Feed {
        let _ = self.hand_over.send((self.sources, self.drained));
        Feed {
            stop: self.back,
            thread: Some(self.thread),
            #[cfg(test)]
            done: self.done,
        }
    }
}

/// A run's producer thread: stopped and joined when dropped.
pub(in crate::sim) struct Feed {
    stop: Sender<Back>,
    thread: Option<JoinHandle<()>>,
    /// Set by the producer's thread as it ends.
    #[cfg(test)]
    pub done: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Drop for Feed {
    fn drop(&mut self) {
        let _ = self.stop.send(Back::Stop);
        if let Some(thread) = self.thread.take() {
            // A producer that panicked has already said why.
            let _ = thread.join();
        }
    }
}
