//! Runs experiments: builds the fixture, observes it once per settings row
//! and repeat, and judges every claim. Returns results; progress is reported
//! through a callback so the caller decides how (or whether) to show it.
//! Nothing here aborts an experiment: a fixture that does not build, a run
//! that fails and a check that cannot be evaluated become `error` verdicts
//! with their reason, and every other claim is still judged.

use serde::Serialize;

use crate::analyze::Analyzed;
use crate::build::fixture::Fixtures;
use crate::build::toolchain::Toolchain;
use crate::check::claim::{self, ClaimResult, Verdict};
use crate::experiment::{Cell, Claim, Experiment};
use crate::run::observe::observe;
use crate::run::{HeapProfiles, RunSpec};

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
    /// The highest CPU pressure share among the runs that were busy
    /// ([`crate::measure::contention::BUSY_SHARE`]); none when no run was.
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
        trace_syscalls: exp.trace_syscalls,
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

/// Whether any of `claims` applies to `cell` (else the cell is not run).
pub fn needs_runs(claims: &[&Claim], cell: &Cell) -> bool {
    claims.iter().any(|c| cell.matches(&c.when))
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
    // Heap profiles need the fixture built with profiling on; they are read
    // into the timeline, so the files only live as long as the experiment.
    let profiles = if exp.heap_profile.is_empty() {
        Ok(None)
    } else {
        tempfile::tempdir()
            .map(Some)
            .map_err(|e| format!("cannot create a directory for heap profiles: {e}"))
    };
    // Build tags are the experiment's (not a cell's): any cell's spec says them.
    let built = profiles.and_then(|profiles| {
        let tags = exp
            .cells
            .first()
            .map(|c| run_spec(exp, c, profiles.as_ref()).build_tags())
            .unwrap_or_default();
        let fixture =
            crate::build::path_fixture::FixtureRef::parse(&exp.fixture, &fixtures.names());
        let built = fixtures
            .build_ref(&fixture, toolchain, &tags)
            .map_err(|e| format!("fixture `{}` did not build: {e}", exp.fixture))?;
        Ok((built, profiles))
    });
    let (built, profiles) = match built {
        Ok(b) => b,
        Err(reason) => {
            // Skip every run of this experiment; say why in every row that had some.
            for cell in &exp.cells {
                let error = needs_runs(&claims, cell).then(|| reason.clone());
                result
                    .cells
                    .push(judge_cell(exp, &claims, cell, &[], error));
                progress_skip(progress, exp, cell, &claims);
            }
            result.error = Some(reason);
            return result;
        }
    };
    result.go_line = built.go_line.clone();
    let total = exp.cells.len() * exp.repeats as usize;
    let mut done = 0;
    for cell in &exp.cells {
        if !needs_runs(&claims, cell) {
            done += exp.repeats as usize;
            result.cells.push(judge_cell(exp, &claims, cell, &[], None));
            continue;
        }
        let spec = run_spec(exp, cell, profiles.as_ref());
        let mut runs: Vec<Analyzed> = Vec::new();
        let mut error = None;
        for repeat in 1..=exp.repeats as usize {
            let _ = progress(Progress::Run {
                experiment: &exp.name,
                settings: cell.label(),
                done,
                total,
            });
            done += 1;
            match observe(&built, toolchain, &spec) {
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
                        error = Some(format!("could not keep the run: {e}"));
                        break;
                    }
                }
                Err(e) => {
                    error = Some(format!("run {repeat} of {} failed: {e}", exp.repeats));
                    break;
                }
            }
        }
        result
            .cells
            .push(judge_cell(exp, &claims, cell, &runs, error));
    }
    result
}

/// Tells the caller that the runs of a cell that cannot run are skipped.
fn progress_skip(
    progress: &mut dyn FnMut(Progress) -> Heard,
    exp: &Experiment,
    cell: &Cell,
    claims: &[&Claim],
) {
    if !needs_runs(claims, cell) {
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

/// Judges `claims` in one settings row from its runs (`error`: why the runs
/// stopped, then every applicable claim is `error` with that reason). Used
/// by `reproduce` and by `report` on kept runs, so both judge alike.
pub fn judge_cell(
    exp: &Experiment,
    claims: &[&Claim],
    cell: &Cell,
    runs: &[Analyzed],
    error: Option<String>,
) -> CellResult {
    let claims = claims
        .iter()
        .map(|c| {
            if !cell.matches(&c.when) {
                claim::without_runs(c, Verdict::NotApplicable)
            } else if let Some(reason) = &error {
                ClaimResult {
                    reason: Some(reason.clone()),
                    ..claim::without_runs(c, Verdict::Error)
                }
            } else {
                judge(exp, c, runs)
            }
        })
        .collect();
    let busy = runs
        .iter()
        .filter_map(|r| r.timeline.contention.as_ref()?.busy())
        .reduce(f64::max);
    CellResult {
        settings: cell.label(),
        runs: runs.len(),
        claims,
        error,
        busy,
    }
}

/// The one call of the check language's judge: a check that cannot be
/// evaluated (a phase that never happened...) makes the claim `error`.
fn judge(exp: &Experiment, claim: &Claim, runs: &[Analyzed]) -> ClaimResult {
    let mut result = claim::judge(claim, runs);
    if let Some(why) = result.reason.take() {
        // `LINE: check: why` from the check language, with the file in front.
        result.reason = Some(format!("{}:{why}", file_name(exp)));
    }
    result
}

/// `idle.toml`: the experiment file, short enough for a table row.
fn file_name(exp: &Experiment) -> String {
    exp.path.file_name().map_or_else(
        || exp.path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
