//! The lanes of `reproduce`: one per Go toolchain, each with its results
//! folder and what it found; their output, and the closing of the progress.

use super::*;

/// One toolchain's share of the work: where its runs are kept and what it found.
pub(super) struct Lane {
    pub(super) toolchain: Toolchain,
    pub(super) out: Option<ResultsDir>,
    pub(super) manifest: Manifest,
    pub(super) results: Vec<ExperimentResult>,
}

/// A lane per `--go` (default: one), each with its results folder: `--out
/// DIR` itself for one toolchain, `DIR/<go version>/` for several.
pub(super) fn lanes(gos: &[String], out: Option<&Path>, only: &[String]) -> Result<Vec<Lane>> {
    let toolchains: Vec<Toolchain> = if gos.is_empty() {
        vec![crate::cli::toolchains::resolve(None)?]
    } else {
        // `all`: the latest patch of every supported minor.
        toolchain::expand(gos)
            .iter()
            .map(|g| crate::cli::toolchains::resolve(Some(g)))
            .collect::<Result<_, _>>()?
    };
    let names: Vec<String> = toolchains.iter().map(|t| t.version.name()).collect();
    if let Some(twice) = names
        .iter()
        .enumerate()
        .find(|(i, n)| names[..*i].contains(n))
    {
        anyhow::bail!(UsageError(format!(
            "--go names {} twice: give each Go version once",
            twice.1
        )));
    }
    let outs: Vec<Option<ResultsDir>> = match out {
        None => toolchains.iter().map(|_| None).collect(),
        Some(dir) if toolchains.len() == 1 => vec![Some(ResultsDir::prepare(dir)?)],
        Some(dir) => ResultsDir::prepare_set(dir, &names)?
            .into_iter()
            .map(Some)
            .collect(),
    };
    Ok(toolchains
        .into_iter()
        .zip(outs)
        .map(|(toolchain, out)| Lane {
            manifest: Manifest::new("reproduce", toolchain.version.name(), only),
            toolchain,
            out,
            results: Vec::new(),
        })
        .collect())
}

/// The verdict table for one toolchain, the claims × versions matrix for several.
pub(super) fn output(lanes: &[Lane], format: Format) -> (String, u8) {
    if let [lane] = lanes {
        return verdicts(&lane.results, format);
    }
    crate::cli::report::matrix_output(&columns(lanes), format)
}

/// A column per lane (Go version) with what it found.
pub(super) fn columns(lanes: &[Lane]) -> Vec<Column> {
    lanes
        .iter()
        .map(|l| Column {
            go_version: l.toolchain.version.name(),
            machine: l.manifest.machine.clone(),
            results: l.results.clone(),
        })
        .collect()
}

/// Clears the progress bar, keeps the results (when --out) and prints
/// warnings; false when something could not be kept.
pub(super) fn finish(
    bar: &indicatif::ProgressBar,
    lanes: &mut [Lane],
    warnings: &[String],
    interrupted: bool,
) -> bool {
    bar.finish_and_clear();
    let mut kept = warnings.is_empty();
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
                eprintln!(
                    "warning: failed to keep the results in {}: {e}",
                    dir.root.display()
                );
                kept = false;
            }
        }
    }
    for w in warnings {
        eprintln!("warning: {w}");
    }
    kept
}
