//! `gomemlab report DIR...`: judge kept runs again with the current
//! experiment files and print the verdict table (one Go version on one
//! machine) or the claims × versions matrix (several); nothing runs.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::UsageError;
use super::baseline::{self, Baseline};
use super::exit_code;
use super::export::ExportArgs;
use crate::experiment::reproduce::ExperimentResult;
use crate::experiment::results::{self, Judging, Kept};
use crate::report::html::Plots;
use crate::report::matrix::Column;
use crate::report::output::{self, VerdictFormat, VerdictOutcome};

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
    let experiments = crate::experiment::select::load(args.experiments, true)?;
    let judging = Judging {
        experiments: &experiments,
        given: given.as_deref(),
    };
    let guard = args.baseline.as_deref().map(Baseline::of);
    let kept_baseline = match &guard {
        Some(Baseline::Dir(dir)) => Some(baseline::load_dir(dir, judging)?),
        _ => None,
    };
    let exports = args.export.exports(args.html);
    exports.check()?;
    let mut columns: Vec<Column> = Vec::new();
    let mut plots = Plots::default();
    let mut bench = String::new();
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
        if exports.html.is_some() {
            plots.add_kept(&kept)?;
        }
        let results = judge(judging, &kept)?;
        let (go_version, machine) = (kept.manifest.go_version, kept.manifest.machine);
        results::merge(&mut columns, go_version, machine, results, dir)
            .map_err(|e| UsageError(e.to_string()))?;
    }
    // Merged shards list their experiments in the one-run order.
    results::in_file_order(&mut columns, &experiments);
    exports.finish(&columns, &bench, &plots, super::html::command_line)?;
    let guard = guard.as_ref().map(|b| (b, kept_baseline.as_ref()));
    print_verdicts(&columns, format, guard)
}

/// Prints the verdicts (or matrix) in `format` and, against a baseline,
/// the claims that changed; the exit status they end with.
pub(super) fn print_verdicts(
    columns: &[Column],
    format: VerdictFormat,
    guard: Option<(&Baseline, Option<&Column>)>,
) -> Result<u8> {
    let printed = output::printed(columns, format, guard)?;
    eprint!("{}", printed.stderr);
    std::io::stdout().write_all(printed.stdout.as_bytes())?;
    Ok(match printed.outcome {
        VerdictOutcome::Clean => 0,
        VerdictOutcome::SomeError => exit_code::VERDICT_ERROR,
        VerdictOutcome::Changed => exit_code::BASELINE_CHANGED,
    })
}

/// The verdicts of `kept` judged with `judging`, saying so when they are
/// judged with the experiment files the folder keeps.
pub(super) fn judge(judging: Judging, kept: &Kept) -> Result<Vec<ExperimentResult>> {
    let judged = judging.judge(kept)?;
    if let Some((count, from)) = &judged.own_files {
        eprintln!(
            "note: judging {} with the {count} experiment file(s) kept in it (from {}); --experiments DIR judges with others",
            kept.root.display(),
            crate::report::terminal::clean(from)
        );
    }
    Ok(judging.any(kept, judged)?)
}

/// The results folder `dir`, read for judging (noting one interrupted).
pub(super) fn load(dir: &Path) -> Result<Kept> {
    let kept = results::load_for_judging(dir)?;
    if kept.manifest.interrupted {
        eprintln!(
            "note: {} was interrupted (Ctrl-C): it keeps the experiments finished before",
            dir.display()
        );
    }
    Ok(kept)
}
