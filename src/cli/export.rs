//! `report DIR --plot/--perfetto/--csv DIR2`: for every kept run, the files
//! `run --plot/--perfetto/--csv` writes, in DIR2 mirroring DIR's tree
//! (`<experiment>/<settings>/<repeat>/`); with --csv also `verdicts.csv`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::analyze::Analyzed;
use crate::experiment::results::{Manifest, ResultsDir};
use crate::report;
use crate::report::export::{self, Exports};

#[derive(Debug, Clone, clap::Args)]
pub struct ExportArgs {
    /// Write plot.svg of every kept run into DIR (mirroring the results tree).
    #[arg(long, value_name = "DIR")]
    plot: Option<PathBuf>,
    /// Write trace.json (Perfetto / Chrome trace) of every kept run into DIR.
    #[arg(long, value_name = "DIR")]
    perfetto: Option<PathBuf>,
    /// Write samples.csv and phases.csv of every kept run into DIR, and
    /// DIR/verdicts.csv.
    #[arg(long, value_name = "DIR")]
    csv: Option<PathBuf>,
    /// Write every kept run's key figures per phase in the Go benchmark
    /// format to FILE, for benchstat (`benchstat -col go FILE` compares Go
    /// versions).
    #[arg(long, value_name = "FILE")]
    benchfmt: Option<PathBuf>,
}

impl ExportArgs {
    /// Where the files asked for go.
    pub fn exports(&self) -> Exports {
        Exports {
            plot: self.plot.clone(),
            perfetto: self.perfetto.clone(),
            csv: self.csv.clone(),
            benchfmt: self.benchfmt.clone(),
        }
    }
}

/// What `run` and `watch` leave behind of one run: kept in a results folder
/// (`--out`, with its manifest), then the plot, trace and CSV files asked for.
pub(super) fn keep_and_write(
    kept: Option<(&ResultsDir, Manifest)>,
    run: &Analyzed,
    what: &str,
    plot: Option<(&Path, report::plot::Format)>,
    perfetto: Option<&Path>,
    csv: Option<&Path>,
) -> Result<()> {
    if let Some((dir, manifest)) = kept {
        keep_run(dir, run, &manifest, what)?;
    }
    Ok(export::run_files(&run.timeline, plot, perfetto, csv)?)
}

/// Keeps one run in `dir` (`run --out`, `watch --out`): its timeline and
/// analysis, then `manifest`; `what` names the run in the error.
pub(super) fn keep_run(
    dir: &ResultsDir,
    run: &Analyzed,
    manifest: &Manifest,
    what: &str,
) -> Result<()> {
    dir.keep_timeline(run)
        .and_then(|()| dir.keep_manifest(manifest))
        .with_context(|| format!("failed to keep the {what} in {}", dir.root.display()))
}
