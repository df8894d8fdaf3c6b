//! `--baseline` of `reproduce` and `report`: a Go version among the columns
//! or a kept results folder, and the claims that changed against it.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::{UsageError, exit_code};
use crate::experiment::Experiment;
use crate::report::baseline;
use crate::report::matrix::Column;

/// What `--baseline` names.
#[derive(Debug, Clone)]
pub(super) enum Baseline {
    /// A Go version measured in the same invocation (`go1.26` or `go1.26.8`).
    Go(String),
    /// A results folder kept by `reproduce --out`, judged again.
    Dir(PathBuf),
}

impl Baseline {
    /// A folder when one exists at `arg`, else a Go version.
    pub(super) fn of(arg: &str) -> Baseline {
        if Path::new(arg).is_dir() {
            Baseline::Dir(PathBuf::from(arg))
        } else {
            Baseline::Go(arg.to_string())
        }
    }
}

/// `reproduce --baseline`: what it names, the Go versions to run (the
/// baseline version added to --go), and the baseline folder judged.
pub(super) fn prepare(
    arg: Option<&str>,
    go: &[String],
    experiments: &[Experiment],
) -> Result<(Option<Baseline>, Vec<String>, Option<Column>)> {
    let mut gos = go.to_vec();
    let guard = arg.map(Baseline::of);
    let kept = match &guard {
        Some(Baseline::Dir(dir)) => {
            // Judged with this run's experiments, as the new results are.
            let judging = super::report::Judging {
                experiments,
                given: Some(Path::new("this run's experiments")),
            };
            Some(load_dir(dir, judging)?)
        }
        Some(Baseline::Go(v)) if gos.is_empty() => anyhow::bail!(UsageError(format!(
            "--baseline {v} needs the new version too: give --go NEW (or a results folder as the baseline)"
        ))),
        Some(Baseline::Go(v)) => {
            if !gos.contains(v) {
                gos.push(v.clone());
            }
            None
        }
        None => None,
    };
    // The baseline is the toolchain it resolves to (`go1.26`: its latest
    // patch), not every version of that minor run here.
    let guard = match guard {
        Some(Baseline::Go(v)) => Some(Baseline::Go(
            super::toolchains::resolve(Some(&v))?.version.name(),
        )),
        other => other,
    };
    Ok((guard, gos, kept))
}

/// The baseline folder as a column, judged with `experiments` (checked
/// before anything runs).
pub(super) fn load_dir(dir: &Path, judging: super::report::Judging) -> Result<Column> {
    let kept = super::report::load(dir)?;
    let results = judging.judge(&kept)?;
    Ok(Column {
        go_version: kept.manifest.go_version,
        machine: kept.manifest.machine,
        results,
    })
}

/// The changes against the baseline as text, and the exit code they give
/// (`exit_code::BASELINE_CHANGED` when any), else `status`.
pub(super) fn judge(
    columns: &[Column],
    baseline: &Baseline,
    kept: Option<&Column>,
    status: u8,
) -> Result<(String, u8)> {
    let (label, base, others) = match (baseline, kept) {
        (Baseline::Dir(dir), Some(column)) => (
            format!("{} ({})", column.go_version, dir.display()),
            vec![column],
            columns.iter().collect(),
        ),
        (Baseline::Dir(dir), None) => {
            anyhow::bail!("--baseline {}: the folder was not loaded", dir.display())
        }
        (Baseline::Go(version), _) => {
            check_split(version, columns)?;
            let (base, others) = baseline::split(columns, version);
            (version.clone(), base, others)
        }
    };
    let changes = baseline::changes(&base, &others);
    let code = if changes.is_empty() {
        status
    } else {
        exit_code::BASELINE_CHANGED
    };
    Ok((baseline::text(&label, &changes), code))
}

/// A Go-version baseline needs its column and at least one other.
pub(super) fn check_split(version: &str, columns: &[Column]) -> Result<()> {
    let (base, others) = baseline::split(columns, version);
    let (no_base, no_other) = (base.is_empty(), others.is_empty());
    let versions: Vec<&str> = columns.iter().map(|c| c.go_version.as_str()).collect();
    if no_base {
        anyhow::bail!(UsageError(format!(
            "--baseline {version}: not a results folder and not among the Go versions here ({}): give one of them, or a folder kept by `reproduce --out`",
            versions.join(", ")
        )));
    }
    if no_other {
        anyhow::bail!(UsageError(format!(
            "--baseline {version}: every column is that version, nothing to compare: give the new Go version too"
        )));
    }
    Ok(())
}
