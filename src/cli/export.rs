//! `report DIR --plot/--perfetto/--csv DIR2`: for every kept run, the files
//! `run --plot/--perfetto/--csv` writes, in DIR2 mirroring DIR's tree
//! (`<experiment>/<settings>/<repeat>/`); with --csv also `verdicts.csv`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::analyze::Analyzed;
use crate::experiment::results::{self, Kept, Manifest, ResultsDir, WholeWriteError};
use crate::report;
use crate::report::benchfmt;
use crate::report::matrix::Column;

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
    /// Only `--benchfmt FILE` (as `reproduce` has it).
    pub fn benchfmt_only(file: PathBuf) -> ExportArgs {
        ExportArgs {
            plot: None,
            perfetto: None,
            csv: None,
            benchfmt: Some(file),
        }
    }

    /// With --benchfmt: FILE from the results folders `roots` (as kept by
    /// `reproduce --out`).
    pub fn benchfmt_of(&self, roots: &[&Path]) -> Result<()> {
        if self.benchfmt.is_none() {
            return Ok(());
        }
        let mut bench = String::new();
        for root in roots {
            let kept = crate::experiment::results::load(root)?;
            self.runs(&kept, Path::new(""), &mut bench)?;
        }
        self.write_benchfmt(&bench)
    }

    /// Writes the per-run files of `kept`; `sub` is the folder under each
    /// output DIR (empty for one results folder, its name for several).
    /// With --benchfmt, appends the folder's lines to `bench`.
    pub fn runs(&self, kept: &Kept, sub: &Path, bench: &mut String) -> Result<()> {
        if self.plot.is_none()
            && self.perfetto.is_none()
            && self.csv.is_none()
            && self.benchfmt.is_none()
        {
            return Ok(());
        }
        if self.benchfmt.is_some() {
            bench.push_str(&benchfmt::header(
                &kept.manifest.go_version,
                &kept.manifest.machine,
            ));
        }
        let mut experiment = None;
        for run in kept.runs() {
            let timeline = kept.timeline(&run.dir)?;
            if self.benchfmt.is_some() {
                if experiment.as_ref() != Some(&run.experiment) {
                    bench.push_str(&benchfmt::pkg(&run.experiment));
                    experiment = Some(run.experiment.clone());
                }
                bench.push_str(&benchfmt::run_lines(
                    &run.experiment,
                    &run.settings,
                    &timeline,
                ));
            }
            let at = |dir: &Path| -> Result<PathBuf> {
                let dir = dir.join(sub).join(&run.dir);
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("failed to create {}", dir.display()))?;
                Ok(dir)
            };
            if let Some(dir) = &self.plot {
                let bytes = report::plot::render(&timeline, report::plot::Format::Svg)?;
                write_file(&at(dir)?.join("plot.svg"), &bytes)?;
            }
            if let Some(dir) = &self.perfetto {
                let json = report::perfetto::trace_json(&timeline);
                write_file(&at(dir)?.join("trace.json"), json.as_bytes())?;
            }
            if let Some(dir) = &self.csv {
                let dir = at(dir)?;
                for (name, text) in report::csv::files(&timeline)? {
                    write_file(&dir.join(name), text.as_bytes())?;
                }
            }
        }
        Ok(())
    }

    /// With --benchfmt: FILE with the lines `runs` gathered.
    pub fn write_benchfmt(&self, bench: &str) -> Result<()> {
        match &self.benchfmt {
            Some(file) => write_file(file, bench.as_bytes()),
            None => Ok(()),
        }
    }

    /// With --csv: DIR/verdicts.csv of every column.
    pub fn verdicts(&self, columns: &[Column]) -> Result<()> {
        let Some(dir) = &self.csv else {
            return Ok(());
        };
        std::fs::create_dir_all(dir)
            .with_context(|| format!("failed to create {}", dir.display()))?;
        let text = report::verdicts_csv::verdicts_csv(columns)?;
        write_file(&dir.join("verdicts.csv"), text.as_bytes())
    }
}

/// The files `run` and `watch` write of one timeline when asked: the plot
/// (`--plot`, its format from the extension), the Perfetto trace and the
/// CSV folder.
fn write_run_files(
    timeline: &crate::timeline::Timeline,
    plot: Option<(&Path, report::plot::Format)>,
    perfetto: Option<&Path>,
    csv: Option<&Path>,
) -> Result<()> {
    if let Some((path, format)) = plot {
        write_file(path, &report::plot::render(timeline, format)?)?;
    }
    if let Some(path) = perfetto {
        write_file(path, report::perfetto::trace_json(timeline).as_bytes())?;
    }
    if let Some(dir) = csv {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("failed to create {}", dir.display()))?;
        for (name, text) in report::csv::files(timeline)? {
            write_file(&dir.join(name), text.as_bytes())?;
        }
    }
    Ok(())
}

/// Writes FILE whole (through a temp file beside it) or not at all.
pub(super) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    results::write_whole(path, |file| file.write_all(bytes)).map_err(|e| match e {
        WholeWriteError::Folder(error) => {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
            let dir = dir.unwrap_or(Path::new("."));
            anyhow::Error::new(error).context(format!("failed to write in {}", dir.display()))
        }
        WholeWriteError::Fill(error) => error.into(),
        WholeWriteError::Persist(error) => {
            anyhow::Error::new(error).context(format!("failed to write {}", path.display()))
        }
    })
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
    write_run_files(&run.timeline, plot, perfetto, csv)
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
