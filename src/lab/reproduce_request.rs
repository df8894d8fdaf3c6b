//! `gomemlab reproduce` under the command line, before anything runs: the
//! experiments selected, the `--baseline` plan, the files asked of the
//! results checked, and a lane per Go toolchain with its results folder.
//! What it tells on the way goes to a [`ReproduceNotice`] sink. Then the
//! runs on the scheduler ([`ReproducePlan::run`]), their results kept, and
//! the files asked of them.

use std::convert::Infallible;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use super::RequestError;
use crate::experiment::Experiment;
use crate::experiment::baseline::BaselinePlan;
use crate::experiment::durations::Durations;
use crate::experiment::results::JudgeNote;
use crate::experiment::schedule;
use crate::experiment::scheduler::{self, Batch, GoRunner, Plan, Sink, ToolchainLane, columns};
use crate::experiment::select::Selection;
use crate::fixture::Fixtures;
use crate::report;
use crate::report::export::{ExportError, Exports};
use crate::report::html::{Plot, Plots};
use crate::report::matrix::Column;
use crate::toolchain::{self, Fetch};

/// What `gomemlab reproduce` asks.
pub struct ReproduceRequest<'a> {
    /// Which experiments (`--experiments`, `--slow`, `--only`, `--shard`).
    pub selection: Selection<'a>,
    /// `--baseline GO|DIR`.
    pub baseline: Option<&'a str>,
    /// `--go`: none for the default toolchain.
    pub gos: &'a [String],
    /// The files asked of the results (`--benchfmt`, `--html`).
    pub exports: &'a Exports,
    /// `--out DIR`.
    pub out: Option<&'a Path>,
}

/// What is worth telling while a [`ReproduceRequest`] is prepared.
pub enum ReproduceNotice<'a> {
    /// A `--go` release is being fetched.
    Fetch(&'a Fetch),
    /// About the baseline folder judged again.
    Judge(JudgeNote),
}

/// What `reproduce` runs: the experiments selected, the baseline, and a
/// lane per toolchain with its results folder.
pub struct ReproducePlan {
    pub experiments: Vec<Experiment>,
    pub baseline: BaselinePlan,
    pub lanes: Vec<ToolchainLane>,
}

impl ReproduceRequest<'_> {
    /// Loads and selects the experiments, and checks every toolchain,
    /// `--out`, the files asked and `--baseline`, before anything runs.
    pub fn prepare(
        &self,
        notify: &mut dyn FnMut(ReproduceNotice<'_>),
    ) -> Result<ReproducePlan, RequestError> {
        let selected = self.selection.load()?;
        let experiments = selected.experiments;
        let mut baseline = BaselinePlan::new(self.baseline, self.gos, &experiments, &mut |n| {
            notify(ReproduceNotice::Judge(n))
        })?;
        let mut on_fetch = |f: &Fetch| notify(ReproduceNotice::Fetch(f));
        baseline.pin_go(|v| {
            toolchain::resolve_with(Some(v), &mut on_fetch).map(|t| t.version.name())
        })?;
        self.exports.check()?;
        let toolchains = toolchain::resolve_or_default_with(&baseline.gos, &mut on_fetch)?;
        let only = self.selection.only;
        let kept_files = selected.kept_files.as_ref();
        let lanes = ToolchainLane::each(toolchains, self.out, only, kept_files)?;
        baseline.check(&columns(&lanes))?;
        Ok(ReproducePlan {
            experiments,
            baseline,
            lanes,
        })
    }
}

/// How the runs of a [`ReproducePlan`] are done.
pub struct ReproduceRunning<'a> {
    pub fixtures: &'a Fixtures,
    /// `--only`: the claims checked; none for every claim.
    pub only: Option<&'a [String]>,
    /// `--jobs`: how many timing-independent experiments run side by side
    /// (none: [`schedule::default_width`]).
    pub jobs: Option<usize>,
    /// `--sensitive-jobs`: how many timing-sensitive ones run at once.
    pub sensitive_jobs: usize,
    /// Set (by Ctrl-C) to stop the experiment running.
    pub stop: &'a AtomicBool,
}

/// What the runs left once their results are kept: what `reproduce` prints
/// after them.
pub struct Reproduced {
    /// Each settings row's plotted repeat, for `--html`.
    pub plots: Plots,
    /// What could not be kept (`--out`), one line each.
    pub warnings: Vec<String>,
    /// How long the runs took, and how wide they ran.
    pub took: String,
    /// The experiments that set how long it took, when worth telling.
    pub critical_path: Option<String>,
}

/// The runs of a batch, closed: the plots drawn and what could not be kept.
pub struct ClosedBatch {
    pub plots: Plots,
    pub warnings: Vec<String>,
}

impl ReproducePlan {
    /// How many runs the plan makes (every repeat of every settings row on
    /// every lane).
    pub fn run_count(&self) -> usize {
        scheduler::run_count(&self.experiments, self.lanes.len())
    }

    /// Runs every experiment on every lane (`sink` is told of each run and
    /// draws its plot) and keeps the results. When the runs are stopped,
    /// `interrupted` is handed the lanes and what finished, and ends the
    /// process.
    pub fn run<S: Sink<Drawn = Plot>>(
        &mut self,
        running: &ReproduceRunning,
        sink: &S,
        interrupted: impl FnOnce(&mut [ToolchainLane], Batch<Plot>) -> Infallible,
    ) -> Reproduced {
        let width = running.jobs.unwrap_or_else(schedule::default_width);
        let widths = (width, running.sensitive_jobs);
        let runner = GoRunner {
            fixtures: running.fixtures,
            only: running.only,
        };
        let started = Instant::now();
        let plan = Plan {
            widths,
            durations: Some(Durations::default_path()),
        };
        let mut batch = scheduler::run(
            &mut self.lanes,
            &self.experiments,
            &runner,
            sink,
            &plan,
            running.stop,
            interrupted,
        );
        let critical_path = std::mem::take(&mut batch.critical_path);
        let waited_beside = std::mem::take(&mut batch.waited_beside);
        let ClosedBatch { plots, warnings } = close(&mut self.lanes, batch, false);
        let took = self.took(started, widths);
        Reproduced {
            plots,
            warnings,
            took,
            critical_path: report::reproduce::critical_path(&critical_path, &waited_beside),
        }
    }

    /// The line of how long the runs since `started` took at `widths`.
    fn took(&self, started: Instant, widths: (usize, usize)) -> String {
        let lanes = self.lanes.len();
        report::reproduce::took(&self.experiments, lanes, started.elapsed(), widths)
    }

    /// A column of verdicts per lane.
    pub fn columns(&self) -> Vec<Column> {
        columns(&self.lanes)
    }

    /// Writes the files asked of the results (`--benchfmt` from the kept
    /// runs, `--html` with `plots`; `command`: the command line, for the
    /// page's header).
    pub fn export(
        &self,
        exports: &Exports,
        plots: &Plots,
        command: impl FnOnce() -> String,
    ) -> Result<(), ExportError> {
        let bench = exports.bench_of(&ToolchainLane::roots(&self.lanes))?;
        exports.finish(&self.columns(), &bench, plots, command)
    }
}

/// Closes the runs of `batch` (`interrupted`: stopped before the end):
/// keeps each lane's results and returns the plots drawn and what could
/// not be kept.
pub fn close(lanes: &mut [ToolchainLane], batch: Batch<Plot>, interrupted: bool) -> ClosedBatch {
    let plots = Plots::of_drawn(lanes, batch.drawn);
    let mut warnings = scheduler::close(lanes, interrupted);
    warnings.extend(batch.warnings);
    ClosedBatch { plots, warnings }
}
