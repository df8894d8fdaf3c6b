//! `--baseline` of `reproduce` and `report`: a Go version among the columns
//! or a kept results folder, and the claims that changed against it.

use std::path::Path;

use anyhow::Result;

use super::UsageError;
use crate::experiment::Experiment;
use crate::experiment::results::Judging;
pub(super) use crate::report::baseline::{Baseline, check_split};
use crate::report::matrix::Column;

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
            let judging = Judging {
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
pub(super) fn load_dir(dir: &Path, judging: Judging) -> Result<Column> {
    let kept = super::report::load(dir)?;
    let results = super::report::judge(judging, &kept)?;
    Ok(Column {
        go_version: kept.manifest.go_version,
        machine: kept.manifest.machine,
        results,
    })
}
