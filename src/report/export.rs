//! The files written of runs: for a single run (`run`, `watch`) the plot,
//! the Perfetto trace and the CSV folder; for every run kept in results
//! folders (`report DIR --plot/--perfetto/--csv DIR2`) the same files in
//! DIR2 mirroring DIR's tree (`<experiment>/<settings>/<repeat>/`), the Go
//! benchmark format of them all and `verdicts.csv`; and the HTML page of
//! `--html FILE`. Each file is written whole (through a temp file beside
//! it) or not at all.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::analyze::Analyzed;
use crate::experiment::results::{self, Kept, Manifest, ResultsDir, ResultsError, WholeWriteError};
use crate::timeline::Timeline;

use super::csv::CsvError;
use super::html::{self, Header, Plots};
use super::matrix::Column;
use super::plot::{self, PlotError};
use super::{benchfmt, perfetto};

/// Why an export was not written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("failed to create {dir}")]
    CreateDir {
        dir: String,
        #[source]
        error: std::io::Error,
    },
    #[error("failed to write in {dir}")]
    Folder {
        dir: String,
        #[source]
        error: std::io::Error,
    },
    #[error(transparent)]
    Fill(std::io::Error),
    #[error("failed to write {path}")]
    Persist {
        path: String,
        #[source]
        error: std::io::Error,
    },
    #[error(transparent)]
    Plot(#[from] PlotError),
    #[error(transparent)]
    Csv(#[from] CsvError),
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error("--html {0}: not a file in an existing folder: give a path such as report.html")]
    HtmlTarget(String),
}

/// A format one run's timeline is exported to, as files named in a folder
/// (or one file).
pub trait Exporter {
    /// The files of `timeline`: their names and contents.
    fn files(&self, timeline: &Timeline) -> Result<Vec<(&'static str, Vec<u8>)>, ExportError>;
}

/// The plot, in the format of its file's extension (`plot.svg` in a folder).
pub struct PlotExport(pub plot::Format);

/// The Perfetto / Chrome trace (`trace.json`).
pub struct PerfettoExport;

/// `samples.csv` and `phases.csv`.
pub struct CsvExport;

impl Exporter for PlotExport {
    fn files(&self, timeline: &Timeline) -> Result<Vec<(&'static str, Vec<u8>)>, ExportError> {
        Ok(vec![("plot.svg", plot::render(timeline, self.0)?)])
    }
}

impl Exporter for PerfettoExport {
    fn files(&self, timeline: &Timeline) -> Result<Vec<(&'static str, Vec<u8>)>, ExportError> {
        Ok(vec![(
            "trace.json",
            perfetto::trace_json(timeline).into_bytes(),
        )])
    }
}

impl Exporter for CsvExport {
    fn files(&self, timeline: &Timeline) -> Result<Vec<(&'static str, Vec<u8>)>, ExportError> {
        Ok(super::csv::files(timeline)?
            .into_iter()
            .map(|(name, text)| (name, text.into_bytes()))
            .collect())
    }
}

/// Writes the one file of `exporter` to `path`.
fn write_one(exporter: &dyn Exporter, timeline: &Timeline, path: &Path) -> Result<(), ExportError> {
    for (_, bytes) in exporter.files(timeline)? {
        write_file(path, &bytes)?;
    }
    Ok(())
}

/// Writes the files of `exporter` into `dir` (created if missing).
fn write_into(exporter: &dyn Exporter, timeline: &Timeline, dir: &Path) -> Result<(), ExportError> {
    let files = exporter.files(timeline)?;
    create_dir(dir)?;
    for (name, bytes) in files {
        write_file(&dir.join(name), &bytes)?;
    }
    Ok(())
}

fn create_dir(dir: &Path) -> Result<(), ExportError> {
    std::fs::create_dir_all(dir).map_err(|error| ExportError::CreateDir {
        dir: dir.display().to_string(),
        error,
    })
}

/// The files `run` and `watch` write of one timeline when asked: the plot
/// (`--plot`, its format from the extension), the Perfetto trace and the
/// CSV folder.
pub fn run_files(
    timeline: &Timeline,
    plot: Option<(&Path, plot::Format)>,
    perfetto: Option<&Path>,
    csv: Option<&Path>,
) -> Result<(), ExportError> {
    if let Some((path, format)) = plot {
        write_one(&PlotExport(format), timeline, path)?;
    }
    if let Some(path) = perfetto {
        write_one(&PerfettoExport, timeline, path)?;
    }
    if let Some(dir) = csv {
        write_into(&CsvExport, timeline, dir)?;
    }
    Ok(())
}

/// What `run` and `watch` leave behind of one run: kept in a results folder
/// (`--out`, with its manifest; `what` names the run in the error), then the
/// plot, trace and CSV files asked for.
pub fn keep_and_write(
    kept: Option<(&ResultsDir, Manifest)>,
    run: &Analyzed,
    what: &'static str,
    plot: Option<(&Path, plot::Format)>,
    perfetto: Option<&Path>,
    csv: Option<&Path>,
) -> Result<(), ExportError> {
    if let Some((dir, manifest)) = kept {
        dir.keep_one(run, &manifest, what)?;
    }
    run_files(&run.timeline, plot, perfetto, csv)
}

/// The files asked of results (`reproduce` and `report`), and where they
/// go: those of every kept run each in a folder (mirroring the results
/// tree), `benchfmt` and `html` one file each; the one place they are
/// written.
#[derive(Debug, Clone, Default)]
pub struct Exports {
    pub plot: Option<PathBuf>,
    pub perfetto: Option<PathBuf>,
    pub csv: Option<PathBuf>,
    pub benchfmt: Option<PathBuf>,
    pub html: Option<PathBuf>,
}

impl Exports {
    /// The per-run exporters asked for, each with its output folder.
    fn exporters(&self) -> Vec<(Box<dyn Exporter>, &Path)> {
        let mut out: Vec<(Box<dyn Exporter>, &Path)> = Vec::new();
        if let Some(dir) = &self.plot {
            out.push((Box::new(PlotExport(plot::Format::Svg)), dir));
        }
        if let Some(dir) = &self.perfetto {
            out.push((Box::new(PerfettoExport), dir));
        }
        if let Some(dir) = &self.csv {
            out.push((Box::new(CsvExport), dir));
        }
        out
    }

    /// With a benchfmt file: its lines, from the results folders `roots`
    /// (as kept by `reproduce --out`).
    pub fn bench_of(&self, roots: &[&Path]) -> Result<String, ExportError> {
        let mut bench = String::new();
        if self.benchfmt.is_some() {
            for root in roots {
                let kept = results::load(root)?;
                self.runs(&kept, Path::new(""), &mut bench)?;
            }
        }
        Ok(bench)
    }

    /// Fails before anything runs when the HTML page could not be written.
    pub fn check(&self) -> Result<(), ExportError> {
        check_html(self.html.as_deref())
    }

    /// The files of every column, after the per-run ones: `verdicts.csv`,
    /// the benchfmt file (of the lines `runs` gathered) and the HTML page
    /// (`command`: the command line, for its header).
    pub fn finish(
        &self,
        columns: &[Column],
        bench: &str,
        plots: &Plots,
        command: impl FnOnce() -> String,
    ) -> Result<(), ExportError> {
        self.verdicts(columns)?;
        self.write_benchfmt(bench)?;
        match &self.html {
            Some(file) => html_page(file, columns, plots, command()),
            None => Ok(()),
        }
    }

    /// Writes the per-run files of `kept`; `sub` is the folder under each
    /// output DIR (empty for one results folder, its name for several).
    /// With a benchfmt file, appends the folder's lines to `bench`.
    pub fn runs(&self, kept: &Kept, sub: &Path, bench: &mut String) -> Result<(), ExportError> {
        let exporters = self.exporters();
        if exporters.is_empty() && self.benchfmt.is_none() {
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
            for (exporter, dir) in &exporters {
                write_into(exporter.as_ref(), &timeline, &dir.join(sub).join(&run.dir))?;
            }
        }
        Ok(())
    }

    /// With a benchfmt file: it, with the lines `runs` gathered.
    fn write_benchfmt(&self, bench: &str) -> Result<(), ExportError> {
        match &self.benchfmt {
            Some(file) => write_file(file, bench.as_bytes()),
            None => Ok(()),
        }
    }

    /// With a CSV folder: its `verdicts.csv` of every column.
    fn verdicts(&self, columns: &[Column]) -> Result<(), ExportError> {
        let Some(dir) = &self.csv else {
            return Ok(());
        };
        create_dir(dir)?;
        let text = super::verdicts_csv::verdicts_csv(columns)?;
        write_file(&dir.join("verdicts.csv"), text.as_bytes())
    }
}

/// `--html FILE`: fails before anything runs when FILE's folder does not exist.
fn check_html(file: Option<&Path>) -> Result<(), ExportError> {
    let Some(file) = file else {
        return Ok(());
    };
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty());
    if dir.is_some_and(|d| !d.is_dir()) || file.is_dir() {
        return Err(ExportError::HtmlTarget(file.display().to_string()));
    }
    Ok(())
}

/// Writes the HTML page of `columns` and `plots` to `file`, made now by
/// `command` (the command line, for its header).
pub fn html_page(
    file: &Path,
    columns: &[Column],
    plots: &Plots,
    command: String,
) -> Result<(), ExportError> {
    let header = Header {
        generated: humantime::format_rfc3339_seconds(SystemTime::now())
            .to_string()
            .replace('T', " ")
            .replace('Z', " UTC"),
        command,
    };
    write_file(file, html::page(columns, plots, &header).as_bytes())
}

/// Writes FILE whole (through a temp file beside it) or not at all.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ExportError> {
    results::write_whole(path, |file| file.write_all(bytes)).map_err(|e| match e {
        WholeWriteError::Folder(error) => {
            let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
            let dir = dir.unwrap_or(Path::new("."));
            ExportError::Folder {
                dir: dir.display().to_string(),
                error,
            }
        }
        WholeWriteError::Fill(error) => ExportError::Fill(error),
        WholeWriteError::Persist(error) => ExportError::Persist {
            path: path.display().to_string(),
            error,
        },
    })
}
