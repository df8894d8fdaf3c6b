//! The experiment scheduler of `reproduce`: every experiment on every Go
//! toolchain (a [`ToolchainLane`] each), run on worker threads by the pool of
//! [`super::schedule`], each run kept as it ends, progress told to a
//! [`Sink`], and the results put back in (lane, experiment) order whatever
//! order they finished in. A stop flag (Ctrl-C) ends the wait with what
//! finished before it. How an experiment runs is a [`Runner`]: Go fixtures
//! for real ([`GoRunner`]), a fake in tests.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use crate::analyze::Analyzed;
use crate::experiment::Experiment;
use crate::experiment::durations::Durations;
use crate::experiment::reproduce::{self, ExperimentResult, Heard, Progress};
use crate::experiment::results::{Column, ResultsDir, ResultsError};
use crate::experiment::schedule;
use crate::fixture::Fixtures;
use crate::toolchain::Toolchain;

mod lane;

pub use lane::{ToolchainLane, run_count};

/// How one experiment is run on one toolchain.
pub trait Runner: Sync {
    fn run(
        &self,
        exp: &Experiment,
        toolchain: &Toolchain,
        progress: &mut dyn FnMut(Progress) -> Heard,
    ) -> ExperimentResult;
}

/// The real runner: builds the fixture with the toolchain and runs it.
pub struct GoRunner<'a> {
    pub fixtures: &'a Fixtures,
    /// Only these claims (`--only`), when given.
    pub only: Option<&'a [String]>,
}

impl Runner for GoRunner<'_> {
    fn run(
        &self,
        exp: &Experiment,
        toolchain: &Toolchain,
        progress: &mut dyn FnMut(Progress) -> Heard,
    ) -> ExperimentResult {
        reproduce::run_experiment(exp, toolchain, self.fixtures, self.only, progress)
    }
}

/// What the scheduler tells its caller while the work goes on, from the
/// worker threads.
pub trait Sink: Sync {
    /// What the caller makes of an observed run and gets back with the
    /// results (e.g. its plot).
    type Drawn: Send;
    /// A run is about to start (`go`: the toolchain's version followed by a
    /// space when there are several lanes, else empty).
    fn run_starting(&self, go: &str, experiment: &str, settings: &str);
    /// A run finished (`repeat` counts from 1).
    fn observed(&self, settings: &str, repeat: usize, run: &Analyzed) -> Option<Self::Drawn>;
}

/// What the caller made of an observed run, with where it belongs.
#[derive(Debug)]
pub struct Drawn<D> {
    pub lane: usize,
    pub experiment: String,
    pub settings: String,
    pub item: D,
}

/// How a batch ended, besides the results put into the lanes.
#[derive(Debug)]
pub struct Batch<D> {
    /// What the sink made of the runs, in (lane, experiment) order.
    pub drawn: Vec<Drawn<D>>,
    /// What could not be kept: `EXPERIMENT: runs not kept: WHY`.
    pub warnings: Vec<String>,
    /// The experiments that set how long the batch took, first to last
    /// ([`schedule::critical_path`]), then the waiting ones that ran beside.
    pub critical_path: Vec<Step>,
    pub waited_beside: Vec<Step>,
}

/// One experiment run on the schedule: `go1.26.8 scavenge` (the version
/// only with several lanes) and when it ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: String,
    pub span: schedule::RunSpan,
}

impl<D> Default for Batch<D> {
    fn default() -> Self {
        Batch {
            drawn: Vec::new(),
            warnings: Vec::new(),
            critical_path: Vec::new(),
            waited_beside: Vec::new(),
        }
    }
}

/// How wide the pool is: independent experiments side by side, sensitive ones at once.
pub type Widths = (usize, usize);

/// How the work is laid out: the pool's widths, and where the durations of
/// the last runs are kept (read to start the longest experiments first,
/// written back with this run's; none: name order, nothing written).
#[derive(Debug, Clone)]
pub struct Plan {
    pub widths: Widths,
    pub durations: Option<PathBuf>,
}

impl From<Widths> for Plan {
    fn from(widths: Widths) -> Plan {
        Plan {
            widths,
            durations: None,
        }
    }
}

/// One experiment's result on one lane, whether its runs were kept, and
/// what the sink drew of its runs (settings, item).
type Unit<D> = (
    ExperimentResult,
    Option<Result<(), ResultsError>>,
    Vec<(String, D)>,
);

/// Runs every experiment on every lane and puts the results into the lanes
/// in (lane, experiment) order. When `stop` is raised while it waits, it
/// settles what finished and calls `interrupted` on the calling thread
/// while the running experiment goes on; `interrupted` must end the process.
pub fn run<S: Sink>(
    lanes: &mut [ToolchainLane],
    experiments: &[Experiment],
    runner: &impl Runner,
    sink: &S,
    plan: &Plan,
    stop: &AtomicBool,
    interrupted: impl FnOnce(&mut [ToolchainLane], Batch<S::Drawn>) -> Infallible,
) -> Batch<S::Drawn> {
    let mut found: BTreeMap<(usize, usize), Unit<S::Drawn>> = BTreeMap::new();
    let (tx, rx) = mpsc::channel();
    let many = lanes.len() > 1;
    // The workers get their own copy of what they need; `lanes` collects.
    let work: Vec<(Toolchain, Option<ResultsDir>)> = lanes
        .iter()
        .map(|l| (l.toolchain.clone(), l.out.clone()))
        .collect();
    // A unit is one experiment on one Go version.
    let units: Vec<(usize, usize)> = (0..work.len())
        .flat_map(|l| (0..experiments.len()).map(move |e| (l, e)))
        .collect();
    let names: Vec<String> = units
        .iter()
        .map(|&(l, e)| match many {
            true => format!("{} {}", work[l].0.version, experiments[e].name),
            false => experiments[e].name.clone(),
        })
        .collect();
    let timings: Vec<_> = units.iter().map(|&(_, e)| experiments[e].timing).collect();
    let mut durations = plan
        .durations
        .as_deref()
        .map(Durations::load)
        .unwrap_or_default();
    let go_of = |l: usize| work[l].0.version.name();
    let expected: Vec<_> = units
        .iter()
        .map(|&(l, e)| durations.expected(&go_of(l), &experiments[e].name))
        .collect();
    std::thread::scope(|scope| {
        let (work, timings, expected, units) = (&work, &timings, &expected, &units);
        let scheduler = scope.spawn(move || {
            let run_unit = |u: usize| {
                let (lane, e) = units[u];
                let (toolchain, out) = &work[lane];
                let unit = run_unit(runner, sink, &experiments[e], toolchain, out.as_ref(), many);
                ((lane, e), unit)
            };
            schedule::run(timings, expected, plan.widths, run_unit, |_, unit| {
                tx.send(unit).is_ok()
            })
        });
        let stopped = loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok((at, unit)) => {
                    found.insert(at, unit);
                }
                Err(mpsc::RecvTimeoutError::Timeout) if stop.load(Ordering::Relaxed) => break true,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break false,
            }
        };
        let mut batch = settle(lanes, std::mem::take(&mut found));
        if stopped {
            // The worker may still be inside a run: the caller ends the
            // process without waiting for it.
            match interrupted(lanes, batch) {}
        }
        if let Ok(spans) = scheduler.join() {
            let step = |i: usize| {
                Some(Step {
                    name: names[i].clone(),
                    span: spans[i]?,
                })
            };
            for (&(l, e), span) in units.iter().zip(&spans) {
                if let Some(span) = span {
                    durations.record(&go_of(l), &experiments[e].name, span.end - span.start);
                }
            }
            // Only a hint for the next run: one not written changes nothing.
            let _ = durations.save();
            let path = schedule::critical_path(timings, &spans);
            batch.critical_path = path.iter().filter_map(|&i| step(i)).collect();
            batch.waited_beside = (0..spans.len())
                .filter(|&i| timings[i] == schedule::Timing::Waits && !path.contains(&i))
                .filter_map(step)
                .collect();
        }
        batch
    })
}

/// One experiment on one Go version: its result, whether it was kept
/// (with a results folder) and what the sink drew of its runs.
fn run_unit<S: Sink>(
    runner: &impl Runner,
    sink: &S,
    experiment: &Experiment,
    toolchain: &Toolchain,
    out: Option<&ResultsDir>,
    many: bool,
) -> Unit<S::Drawn> {
    let go = if many {
        format!("{} ", toolchain.version)
    } else {
        String::new()
    };
    let mut drawn = Vec::new();
    let mut heard = |p: Progress| match p {
        Progress::Run {
            experiment,
            settings,
            ..
        } => {
            sink.run_starting(&go, experiment, &settings);
            Ok(())
        }
        Progress::Observed {
            experiment,
            settings,
            repeat,
            run,
        } => {
            if let Some(item) = sink.observed(&settings, repeat, run) {
                drawn.push((settings.clone(), item));
            }
            out.map_or(Ok(()), |dir| {
                dir.keep_run(experiment, &settings, repeat, run)
                    .map_err(|e| e.to_string())
            })
        }
    };
    let result = runner.run(experiment, toolchain, &mut heard);
    let spec = experiment.fixture_spec.as_str();
    let kept = out.map(|dir| dir.keep_experiment(&result, spec));
    (result, kept, drawn)
}

/// Puts what was found into the lanes, in experiment order, and notes what
/// could not be kept.
fn settle<D>(lanes: &mut [ToolchainLane], found: BTreeMap<(usize, usize), Unit<D>>) -> Batch<D> {
    let mut batch = Batch::default();
    for ((lane_at, _), (result, kept, drawn)) in found {
        let lane = &mut lanes[lane_at];
        for (settings, item) in drawn {
            batch.drawn.push(Drawn {
                lane: lane_at,
                experiment: result.experiment.clone(),
                settings,
                item,
            });
        }
        match kept {
            Some(Err(e)) => batch
                .warnings
                .push(format!("{}: runs not kept: {e}", result.experiment)),
            Some(Ok(())) => lane.manifest.experiments.push(result.experiment.clone()),
            None => {}
        }
        lane.results.push(result);
    }
    batch
}

/// A column per lane (Go version and machine) with what it found.
pub fn columns(lanes: &[ToolchainLane]) -> Vec<Column> {
    lanes
        .iter()
        .map(|l| Column {
            go_version: l.toolchain.version.name(),
            machine: l.manifest.machine.clone(),
            results: l.results.clone(),
        })
        .collect()
}

/// Keeps each lane's results and manifest (when it has a results folder),
/// noting whether the batch was interrupted and the go line the runs used.
/// Returns a warning per lane whose results could not be kept.
pub fn close(lanes: &mut [ToolchainLane], interrupted: bool) -> Vec<String> {
    let mut warnings = Vec::new();
    for lane in lanes {
        let manifest = &mut lane.manifest;
        manifest.interrupted = interrupted;
        manifest.go_line = lane
            .results
            .iter()
            .find(|r| !r.go_line.is_empty())
            .map(|r| r.go_line.clone());
        if let Some(dir) = &lane.out {
            if let Err(e) = dir.finish(manifest, &lane.results) {
                warnings.push(format!(
                    "failed to keep the results in {}: {e}",
                    dir.root.display()
                ));
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests;
