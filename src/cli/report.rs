//! `gomemlab report DIR...`: judge kept runs again with the current
//! experiment files and print the verdict table (one Go version on one
//! machine) or the claims × versions matrix (several); nothing runs.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::UsageError;
use super::baseline::{self, Baseline};
use super::exit_code;
use super::export::ExportArgs;
use super::reproduce::load_experiments;
use crate::experiment::Experiment;
use crate::experiment::reproduce::ExperimentResult;
use crate::experiment::results::{self, Kept};
use crate::fixture::Fixtures;
use crate::report::html::Plots;
use crate::report::matrix::Column;
use crate::report::output::{self, VerdictFormat};

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Results folders written by `reproduce --out DIR` (or a folder of
    /// them, as `reproduce --go A --go B --out DIR` writes). Several are
    /// merged into one claims × versions matrix.
    #[arg(value_name = "DIR", required = true)]
    dirs: Vec<PathBuf>,
    /// Print the results as JSON instead of the verdict table.
    #[arg(long)]
    json: bool,
    /// Print the verdict table (or matrix) as GitHub-flavoured Markdown
    /// (for $GITHUB_STEP_SUMMARY and PR comments).
    #[arg(long, conflicts_with = "json")]
    markdown: bool,
    /// Folder of experiment files to judge with. Default: the bundled
    /// experiments/ (and its slow lane).
    #[arg(long, value_name = "DIR", env = "GOMEMLAB_EXPERIMENTS")]
    experiments: Option<PathBuf>,
    /// Print which claims changed against this Go version (one of the
    /// folders', e.g. go1.26) or kept results folder; exit 5 when any did.
    #[arg(long, value_name = "GO|DIR")]
    baseline: Option<String>,
    /// Write the verdicts, every claim's checks and the kept runs plotted
    /// (a settings row's first repeat) as one self-contained HTML page to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    #[command(flatten)]
    export: ExportArgs,
}

pub fn report(args: ReportArgs) -> Result<u8> {
    let format = VerdictFormat::of(args.json, args.markdown);
    let given = args.experiments.clone();
    let experiments = load_experiments(args.experiments, true)?;
    let judging = Judging {
        experiments: &experiments,
        given: given.as_deref(),
    };
    let guard = args.baseline.as_deref().map(Baseline::of);
    let kept_baseline = match &guard {
        Some(Baseline::Dir(dir)) => Some(baseline::load_dir(dir, judging)?),
        _ => None,
    };
    super::html::check(args.html.as_deref())?;
    let mut columns: Vec<Column> = Vec::new();
    let mut plots = Plots::default();
    let mut bench = String::new();
    let exports = args.export.exports();
    let folders: Vec<PathBuf> = args
        .dirs
        .iter()
        .flat_map(|d| results::results_folders(d))
        .collect();
    for dir in &folders {
        let kept = load(dir)?;
        // One folder mirrors into the output DIR; several, each under its name.
        let sub = match (folders.len(), dir.file_name()) {
            (2.., Some(name)) => PathBuf::from(name),
            _ => PathBuf::new(),
        };
        exports.runs(&kept, &sub, &mut bench)?;
        if args.html.is_some() {
            plots.add_kept(&kept)?;
        }
        let results = judging.judge(&kept)?;
        let (go_version, machine) = (kept.manifest.go_version, kept.manifest.machine);
        results::merge(&mut columns, go_version, machine, results, dir)
            .map_err(|e| UsageError(e.to_string()))?;
    }
    // Merged shards list their experiments in the one-run order.
    results::in_file_order(&mut columns, &experiments);
    exports.verdicts(&columns)?;
    exports.write_benchfmt(&bench)?;
    if let Some(file) = &args.html {
        super::html::write(file, &columns, &plots)?;
    }
    let guard = guard.as_ref().map(|b| (b, kept_baseline.as_ref()));
    print_verdicts(&columns, format, guard)
}

/// Prints the verdicts (or matrix) in `format` and, against a baseline,
/// the claims that changed (with --json on stderr, so that stdout stays one
/// JSON document). The one place the exit status of verdicts is chosen: 5
/// when a claim changed against the baseline, else 1 when any verdict is
/// `error`, else 0.
pub(super) fn print_verdicts(
    columns: &[Column],
    format: VerdictFormat,
    guard: Option<(&Baseline, Option<&Column>)>,
) -> Result<u8> {
    let (mut text, error) = output::verdicts(columns, format);
    let mut status = if error { exit_code::VERDICT_ERROR } else { 0 };
    if let Some((b, kept)) = guard {
        let (changes, changed) = baseline::judge(columns, b, kept)?;
        if changed {
            status = exit_code::BASELINE_CHANGED;
        }
        match format {
            VerdictFormat::Json => eprint!("{changes}"),
            _ => text.push_str(&changes),
        }
    }
    std::io::stdout().write_all(format.shown(text).as_bytes())?;
    Ok(status)
}

/// What kept runs are judged with: the experiments folder given, or else
/// the files a folder keeps (its own programs), or else the bundled ones.
#[derive(Debug, Clone, Copy)]
pub(super) struct Judging<'a> {
    pub(super) experiments: &'a [Experiment],
    pub(super) given: Option<&'a Path>,
}

impl Judging<'_> {
    /// The verdicts of `kept`; an error when none of its experiments is
    /// among those it is judged with (never an empty table).
    pub(super) fn judge(&self, kept: &Kept) -> Result<Vec<ExperimentResult>> {
        let own = match self.given {
            Some(_) => None,
            None => kept
                .kept_experiments(&Fixtures::bundled()?.names())
                .with_context(|| {
                    format!(
                        "the experiment files kept in {} do not load: give the folder they came from with --experiments DIR",
                        kept.root.display()
                    )
                })?,
        };
        let results = match &own {
            Some(own) => {
                let from = kept.files.as_ref().map_or("", |f| f.dir.as_str());
                eprintln!(
                    "note: judging {} with the {} experiment file(s) kept in it (from {}); --experiments DIR judges with others",
                    kept.root.display(),
                    own.len(),
                    crate::report::terminal::clean(from)
                );
                kept.judge(own)
            }
            None => kept.judge(self.experiments),
        };
        if results.is_empty() && !kept.experiments.is_empty() {
            let names: Vec<String> = kept
                .experiments
                .iter()
                .map(|e| crate::report::terminal::clean(&e.experiment))
                .collect();
            let with = match self.given {
                Some(dir) => format!("the experiments in {}", dir.display()),
                None => "the bundled experiments".to_string(),
            };
            anyhow::bail!(UsageError(format!(
                "{} keeps runs of {} and none of them is among {with}: give the folder they were run with, --experiments DIR",
                kept.root.display(),
                names.join(", ")
            )));
        }
        Ok(results)
    }
}

pub(super) fn load(dir: &Path) -> Result<Kept> {
    let kept = results::load(dir).with_context(|| {
        format!(
            "{} is not a results folder: make one with `gomemlab reproduce --out {}`",
            dir.display(),
            dir.display()
        )
    })?;
    if kept.manifest.command == "run" {
        anyhow::bail!(UsageError(format!(
            "{} keeps one `gomemlab run` (its timeline.json), not experiments: report reads folders of `gomemlab reproduce --out`",
            dir.display()
        )));
    }
    if kept.manifest.interrupted {
        eprintln!(
            "note: {} was interrupted (Ctrl-C): it keeps the experiments finished before",
            dir.display()
        );
    }
    Ok(kept)
}
