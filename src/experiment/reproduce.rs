//! Runs experiments: builds the fixture, observes it once per settings row
//! and repeat, and judges every claim. Returns results; progress is reported
//! through a callback so the caller decides how (or whether) to show it.
//! Nothing here aborts an experiment: a fixture that does not build, a run
//! that fails and a check that cannot be evaluated become `error` verdicts
//! with their reason, and every other claim is still judged.

use serde::Serialize;

use crate::analyze::Analyzed;
use std::collections::BTreeMap;

use crate::check::claim::ClaimResult;
use crate::experiment::{Cell, Claim, Experiment, applies};
use crate::fixture::by_path::FixtureRef;
use crate::fixture::{BuildError, BuildOptions, Built, Fixtures};
use crate::measure::machine::Machine;
use crate::run::observe::observe;
use crate::run::{HeapProfiles, RunSpec};
use crate::toolchain::{GoVersion, Toolchain};

/// Everything one experiment found with one toolchain.
#[derive(Debug, Clone, Serialize)]
pub struct ExperimentResult {
    pub experiment: String,
    pub title: String,
    pub article: String,
    pub fixture: String,
    pub go_version: String,
    pub go_line: String,
    pub repeats: u32,
    pub cells: Vec<CellResult>,
    /// Why the fixture did not build, when it did not (every cell then says why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The claims of one settings row.
#[derive(Debug, Clone, Serialize)]
pub struct CellResult {
    pub settings: String,
    /// Runs that finished (and were judged).
    pub runs: usize,
    pub claims: Vec<ClaimResult>,
    /// Why the runs failed, when they did (every claim then says `error`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why this machine cannot make the row's runs (no memory cgroup for
    /// `memory-max`): nothing ran, every claim is `not applicable` with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    /// The highest CPU pressure share among the runs that were busy
    /// ([`crate::timeline::BUSY_SHARE`]); none when no run was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub busy: Option<f64>,
}

/// What the caller hears while an experiment runs.
#[derive(Debug, Clone)]
pub enum Progress<'a> {
    /// A run is about to start: `done` of `total` runs of this experiment finished.
    Run {
        experiment: &'a str,
        settings: String,
        done: usize,
        total: usize,
    },
    /// A run finished: its timeline and analysis, repeat number `repeat` (from 1) of `settings`.
    /// The caller may keep it; an `Err` (e.g. the disk is full) makes the
    /// row's verdicts `error` with that reason.
    Observed {
        experiment: &'a str,
        settings: String,
        repeat: usize,
        run: &'a Analyzed,
    },
}

/// What the progress callback answers: `Err` only to [`Progress::Observed`].
pub type Heard = Result<(), String>;

/// How one cell of an experiment runs.
fn run_spec(exp: &Experiment, cell: &Cell, profiles: Option<&tempfile::TempDir>) -> RunSpec {
    RunSpec {
        args: cell.args.clone(),
        env: cell.env.clone(),
        timeout: exp.timeout,
        max_rss: exp
            .max_rss
            .unwrap_or_else(crate::run::watchdog::default_max_rss),
        maps: exp.maps,
        rollup: exp.rollup || exp.maps,
        trace_syscalls: exp.trace_syscalls,
        memory_max: cell.memory_max,
        heap_profiles: profiles.map(|dir| HeapProfiles {
            phases: exp.heap_profile.clone(),
            dir: dir.path().to_path_buf(),
        }),
        ..RunSpec::default()
    }
}

/// The claims of `exp` kept by `only` (all when `None`).
pub fn selected<'a>(exp: &'a Experiment, only: Option<&[String]>) -> Vec<&'a Claim> {
    exp.claims
        .iter()
        .filter(|c| only.is_none_or(|ids| ids.contains(&c.id)))
        .collect()
}

/// Where claims are judged: the Go version and the machine, for the claims
/// that are about some Go versions (`go`) or need something of the machine
/// (`requires`).
#[derive(Debug, Clone, Copy)]
pub struct Place<'a> {
    pub go: GoVersion,
    pub machine: &'a Machine,
}

impl Place<'_> {
    /// Why `claim` does not apply here (None: it does).
    pub fn unmet(&self, claim: &Claim) -> Option<String> {
        applies::unmet(claim.go.as_ref(), &claim.requires, &self.go, self.machine)
    }
}

/// Whether any of `claims` applies to `cell` here (else the cell is not run).
pub fn needs_runs(claims: &[&Claim], cell: &Cell, place: &Place) -> bool {
    claims
        .iter()
        .any(|c| cell.matches(&c.when) && place.unmet(c).is_none())
}

/// Why a settings row has no runs to judge, when it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// It ran (or did not need to).
    No,
    /// The build or the runs failed: its claims are `error` with the reason.
    Error(String),
    /// The toolchain cannot build the row (go line newer than it, an
    /// unknown GOEXPERIMENT): its claims are `not applicable` with the reason.
    NotApplicable(String),
}

/// Runs one experiment. Claims outside `only` (when given) are left out.
pub fn run_experiment(
    exp: &Experiment,
    toolchain: &Toolchain,
    fixtures: &Fixtures,
    only: Option<&[String]>,
    progress: &mut dyn FnMut(Progress) -> Heard,
) -> ExperimentResult {
    let claims = selected(exp, only);
    let place = Place {
        go: toolchain.version,
        machine: Machine::here(),
    };
    let mut result = ExperimentResult {
        experiment: exp.name.clone(),
        title: exp.title.clone(),
        article: exp.article.clone(),
        fixture: exp.fixture.clone(),
        go_version: toolchain.version.name(),
        go_line: String::new(),
        repeats: exp.repeats,
        cells: Vec::new(),
        error: None,
    };
    let profiles = heap_profile_dir(exp);
    // Removed on an interrupt too (a drop does not run then).
    let _profiles_kept = match &profiles {
        Ok(Some(dir)) => Some(crate::cleanup::Guard::path(dir.path().to_path_buf())),
        _ => None,
    };
    let tags = build_tags(exp, &profiles);
    let fixture = FixtureRef::parse(&exp.fixture, &fixtures.names());
    // One build per distinct build setting of the rows that run.
    let mut builds: BTreeMap<BuildOptions, Result<Built, Stopped>> = BTreeMap::new();
    let total = exp.cells.len() * exp.repeats as usize;
    let mut done = 0;
    for cell in &exp.cells {
        if !needs_runs(&claims, cell, &place) {
            done += exp.repeats as usize;
            let judged = judge_cell(exp, &claims, cell, &place, &[], Stopped::No);
            result.cells.push(judged);
            continue;
        }
        if let Some(reason) = unavailable(cell) {
            done += exp.repeats as usize;
            let judged = judge_cell(
                exp,
                &claims,
                cell,
                &place,
                &[],
                Stopped::NotApplicable(reason),
            );
            result.cells.push(judged);
            continue;
        }
        let options = BuildOptions {
            tags: tags.clone(),
            ..cell.build.clone()
        };
        let built = builds.entry(options.clone()).or_insert_with(|| {
            // No heap-profile folder: nothing can run.
            profiles.as_ref().map_err(|e| Stopped::Error(e.clone()))?;
            fixtures
                .build_ref_with(&fixture, toolchain, &options)
                .map_err(|e| match e {
                    BuildError::NotApplicable { reason } => Stopped::NotApplicable(reason),
                    e => Stopped::Error(format!("fixture `{}` did not build: {e}", exp.fixture)),
                })
        });
        let built = match built {
            Ok(b) => b.clone(),
            Err(stopped) => {
                // Skip the runs of this row; say why in its claims.
                if let Stopped::Error(reason) = stopped {
                    result.error = Some(reason.clone());
                    progress_skip(progress, exp, cell, &claims, &place);
                }
                done += exp.repeats as usize;
                let judged = judge_cell(exp, &claims, cell, &place, &[], stopped.clone());
                result.cells.push(judged);
                continue;
            }
        };
        if cell.build.go_line.is_none() {
            result.go_line = built.go_line.clone();
        }
        let spec = run_spec(exp, cell, profiles.as_ref().ok().and_then(Option::as_ref));
        let (runs, stopped) = run_repeats(
            exp,
            cell,
            (&built, toolchain, &spec),
            progress,
            &mut done,
            total,
        );
        let judged = judge_cell(exp, &claims, cell, &place, &runs, stopped);
        result.cells.push(judged);
    }
    result
}

/// Heap profiles need the fixture built with profiling on; they are read
/// into the timeline, so the files only live as long as the experiment.
fn heap_profile_dir(exp: &Experiment) -> Result<Option<tempfile::TempDir>, String> {
    if exp.heap_profile.is_empty() {
        Ok(None)
    } else {
        tempfile::tempdir()
            .map(Some)
            .map_err(|e| format!("cannot create a directory for heap profiles: {e}"))
    }
}

/// Build tags are the experiment's (not a cell's): any cell's spec says them.
fn build_tags(
    exp: &Experiment,
    profiles: &Result<Option<tempfile::TempDir>, String>,
) -> Vec<String> {
    match profiles {
        Ok(p) => exp
            .cells
            .first()
            .map(|c| run_spec(exp, c, p.as_ref()).build_tags())
            .unwrap_or_default()
            .iter()
            .map(|t| t.to_string())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The repeats of one settings row, `done` counting the runs started of
/// `total`; stopped at the first run that fails or cannot be kept.
fn run_repeats(
    exp: &Experiment,
    cell: &Cell,
    (built, toolchain, spec): (&Built, &Toolchain, &RunSpec),
    progress: &mut dyn FnMut(Progress) -> Heard,
    done: &mut usize,
    total: usize,
) -> (Vec<Analyzed>, Stopped) {
    let mut runs: Vec<Analyzed> = Vec::new();
    for repeat in 1..=exp.repeats as usize {
        let _ = progress(Progress::Run {
            experiment: &exp.name,
            settings: cell.label(),
            done: *done,
            total,
        });
        *done += 1;
        match observe(built, toolchain, spec) {
            Ok(timeline) => {
                let run = Analyzed::of(timeline);
                let kept = progress(Progress::Observed {
                    experiment: &exp.name,
                    settings: cell.label(),
                    repeat,
                    run: &run,
                });
                runs.push(run);
                if let Err(e) = kept {
                    let stopped = Stopped::Error(format!("could not keep the run: {e}"));
                    return (runs, stopped);
                }
            }
            Err(e) => {
                let stopped =
                    Stopped::Error(format!("run {repeat} of {} failed: {e}", exp.repeats));
                return (runs, stopped);
            }
        }
    }
    (runs, Stopped::No)
}

/// Tells the caller that the runs of a cell that cannot run are skipped.
fn progress_skip(
    progress: &mut dyn FnMut(Progress) -> Heard,
    exp: &Experiment,
    cell: &Cell,
    claims: &[&Claim],
    place: &Place,
) {
    if !needs_runs(claims, cell, place) {
        return;
    }
    for done in 0..exp.repeats as usize {
        let _ = progress(Progress::Run {
            experiment: &exp.name,
            settings: cell.label(),
            done,
            total: exp.repeats as usize,
        });
    }
}

/// Why this machine cannot make a row's runs, if it cannot: a `memory-max`
/// row without a memory cgroup gomemlab may create.
pub fn unavailable(cell: &Cell) -> Option<String> {
    cell.memory_max?;
    crate::run::cgroup::locate()
        .err()
        .map(|why| format!("no memory cgroup for memory-max on this machine: {why}"))
}

mod judge;
pub use judge::judge_cell;
