//! Runs experiments: builds the fixture, observes it once per settings row
//! and repeat, and judges every claim. Returns results; progress is reported
//! through a callback so the caller decides how (or whether) to show it.

use serde::Serialize;

use crate::analyze::Analyzed;
use crate::build::fixture::{BuildError, Fixtures};
use crate::build::toolchain::Toolchain;
use crate::check::claim::{self, ClaimResult, Verdict};
use crate::experiment::{Cell, Experiment, ExperimentError};
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
}

/// The claims of one settings row.
#[derive(Debug, Clone, Serialize)]
pub struct CellResult {
    pub settings: String,
    pub claims: Vec<ClaimResult>,
    /// Why the runs failed, when they did (every claim then says `error`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
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
}

#[derive(Debug, thiserror::Error)]
pub enum ReproduceError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Experiment(#[from] ExperimentError),
    #[error("cannot create a directory for heap profiles: {0}")]
    Artifacts(std::io::Error),
}

/// How one cell of an experiment runs.
fn run_spec(exp: &Experiment, cell: &Cell, profiles: Option<&tempfile::TempDir>) -> RunSpec {
    RunSpec {
        args: cell.args.clone(),
        env: cell.env.clone(),
        timeout: exp.timeout,
        maps: exp.maps,
        trace_syscalls: exp.trace_syscalls,
        heap_profiles: profiles.map(|dir| HeapProfiles {
            phases: exp.heap_profile.clone(),
            dir: dir.path().to_path_buf(),
        }),
        ..RunSpec::default()
    }
}

/// Runs one experiment. Claims outside `only` (when given) are left out.
pub fn run_experiment(
    exp: &Experiment,
    toolchain: &Toolchain,
    fixtures: &Fixtures,
    only: Option<&[String]>,
    progress: &mut dyn FnMut(Progress),
) -> Result<ExperimentResult, ReproduceError> {
    // Heap profiles need the fixture built with profiling on; they are read
    // into the timeline, so the files only live as long as the experiment.
    let profiles = if exp.heap_profile.is_empty() {
        None
    } else {
        Some(tempfile::tempdir().map_err(ReproduceError::Artifacts)?)
    };
    // Build tags are the experiment's (not a cell's): any cell's spec says them.
    let tags = exp
        .cells
        .first()
        .map(|c| run_spec(exp, c, profiles.as_ref()).build_tags())
        .unwrap_or_default();
    let built = fixtures.build_tagged(&exp.fixture, toolchain, &tags)?;
    let claims: Vec<_> = exp
        .claims
        .iter()
        .filter(|c| only.is_none_or(|ids| ids.contains(&c.id)))
        .collect();
    let total = exp.cells.len() * exp.repeats as usize;
    let mut done = 0;
    let mut cells = Vec::new();
    for cell in &exp.cells {
        let applicable: Vec<_> = claims.iter().filter(|c| cell.matches(&c.when)).collect();
        if applicable.is_empty() {
            done += exp.repeats as usize;
            cells.push(CellResult {
                settings: cell.label(),
                claims: claims
                    .iter()
                    .map(|c| claim::without_runs(c, Verdict::NotApplicable))
                    .collect(),
                error: None,
            });
            continue;
        }
        let spec = run_spec(exp, cell, profiles.as_ref());
        let mut runs: Vec<Analyzed> = Vec::new();
        let mut error = None;
        for _ in 0..exp.repeats {
            progress(Progress::Run {
                experiment: &exp.name,
                settings: cell.label(),
                done,
                total,
            });
            done += 1;
            match observe(&built, toolchain, &spec) {
                Ok(t) => runs.push(Analyzed::of(t)),
                Err(e) => {
                    error = Some(e.to_string());
                    break;
                }
            }
        }
        let mut results = Vec::new();
        for c in &claims {
            let result = if !cell.matches(&c.when) {
                claim::without_runs(c, Verdict::NotApplicable)
            } else if error.is_some() {
                claim::without_runs(c, Verdict::Error)
            } else {
                claim::judge(c, &runs)
            };
            results.push(result);
        }
        cells.push(CellResult {
            settings: cell.label(),
            claims: results,
            error,
        });
    }
    Ok(ExperimentResult {
        experiment: exp.name.clone(),
        title: exp.title.clone(),
        article: exp.article.clone(),
        fixture: exp.fixture.clone(),
        go_version: toolchain.version.name(),
        go_line: built.go_line,
        repeats: exp.repeats,
        cells,
    })
}
