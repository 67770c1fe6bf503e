//! Experiments: many runs of one or several scenario variants, in parallel, turned into
//! answers with confidence intervals.
//!
//! An experiment is a grid of cells, (variant, replication). Replication `r` of every variant
//! uses the same seed, so variants see the same arrivals and work samples (common random
//! numbers). Cells run in parallel with rayon and are collected in grid order, so results do
//! not depend on the thread count. `--shard K/N` runs a deterministic slice of the grid and
//! `merge` rebuilds exactly what the whole grid would have written.

pub mod aggregate;
pub mod cell;
pub mod compare;
pub mod floor;
pub mod names;
pub mod output;
pub mod slo;
pub mod stats;
pub mod sweep;
pub mod vary;

use crate::kernel::stream_seed;
use crate::scenario::Scenario;
use crate::sim::{FeedMode, RunError, World};
pub use cell::Cell;
use rayon::prelude::*;
use std::sync::Arc;
use std::time::Instant;

/// One scenario variant of an experiment.
#[derive(Clone)]
pub struct Variant {
    /// A short label (`desired=4`, or a file's stem).
    pub name: String,
    /// The varied values, `(path, value)`, empty for a plain run.
    pub values: Vec<(String, String)>,
    pub scenario: Arc<Scenario>,
}

/// The grid: variants times replications.
pub struct Plan {
    pub variants: Vec<Variant>,
    pub replications: usize,
}

/// The seed of replication `r`: the scenario's own seed for the first, derived ones after.
pub fn replication_seed(seed: u64, r: usize) -> u64 {
    if r == 0 {
        seed
    } else {
        stream_seed(seed, &format!("replication/{r}"))
    }
}

/// Which cells shard `k` of `n` (1-based) runs: every n-th cell of the grid, in grid order.
pub fn shard_cells(plan: &Plan, shard: Option<(usize, usize)>) -> Vec<(usize, usize)> {
    let all = (0..plan.variants.len()).flat_map(|v| (0..plan.replications).map(move |r| (v, r)));
    match shard {
        None => all.collect(),
        Some((k, n)) => all
            .enumerate()
            .filter(|(i, _)| i % n == k - 1)
            .map(|(_, c)| c)
            .collect(),
    }
}

/// Whether the cells of a grid of `cells` produce their streams on a thread of their own
/// (`sim::FeedMode`): only when the cells running at once (at most one per rayon thread)
/// leave a core of the machine free; otherwise every core already runs a cell.
fn feed_mode(cells: usize) -> FeedMode {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cells.min(rayon::current_num_threads()) < cores {
        FeedMode::Auto
    } else {
        FeedMode::Off
    }
}

impl Plan {
    /// Runs the given cells in parallel; `done` is called after each (from worker threads).
    pub fn run(
        &self,
        cells: &[(usize, usize)],
        done: impl Fn() + Sync,
    ) -> Result<Vec<Cell>, RunError> {
        self.run_fed(cells, true, done)
    }

    /// `run`, each cell's workloads' streams produced on a thread of their own when `feed`
    /// allows it and the grid leaves a core free (`feed_mode`).
    pub fn run_fed(
        &self,
        cells: &[(usize, usize)],
        feed: bool,
        done: impl Fn() + Sync,
    ) -> Result<Vec<Cell>, RunError> {
        let feed = if feed {
            feed_mode(cells.len())
        } else {
            FeedMode::Off
        };
        cells
            .par_iter()
            .map(|&(v, r)| {
                let cell = self.run_cell_with(v, r, feed);
                done();
                cell
            })
            .collect()
    }

    /// Runs cell `(v, r)` on this thread.
    pub fn run_cell(&self, v: usize, r: usize) -> Result<Cell, RunError> {
        self.run_cell_with(v, r, FeedMode::Off)
    }

    /// Runs cell `(v, r)`, its workloads' streams produced as `feed` says (`sim::FeedMode`:
    /// the same cell whatever it says).
    pub fn run_cell_with(&self, v: usize, r: usize, feed: FeedMode) -> Result<Cell, RunError> {
        let base = &self.variants[v].scenario;
        let mut scenario = (**base).clone();
        scenario.seed = replication_seed(base.seed, r);
        let started = Instant::now();
        let mut world = World::with_feed(Arc::new(scenario), feed);
        world.run(|_, _| {})?;
        let result = world.into_result(started.elapsed().as_secs_f64());
        Ok(Cell::from_result(v, r, &result))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_grid() {
        let s = Arc::new(
            Scenario::from_text(
                "name: t\nduration: 1m\nazs: [a, b]\nworkloads: {w: {target: alb/l, rate: 1, work: {dist: constant, value: 1ms}}}\nload_balancers: {l: {azs: [a, b], rules: [{default: g}]}}\ntarget_groups: {g: {group: g}}\nauto_scaling_groups: {g: {instance: {vcpus: 1}, azs: [a], desired: 1}}\n",
                "t.yaml",
                std::path::Path::new("."),
                &[],
            )
            .unwrap(),
        );
        let v = |n: &str| Variant {
            name: n.into(),
            values: vec![],
            scenario: s.clone(),
        };
        let plan = Plan {
            variants: vec![v("a"), v("b"), v("c")],
            replications: 5,
        };
        let mut all: Vec<_> = (1..=4)
            .flat_map(|k| shard_cells(&plan, Some((k, 4))))
            .collect();
        all.sort();
        assert_eq!(all, shard_cells(&plan, None));
        assert_eq!(all.len(), 15);
    }
}
