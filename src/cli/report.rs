//! `gomemlab report DIR...`: judge kept runs again with the current
//! experiment files and print the verdict table (one Go version on one
//! machine) or the claims × versions matrix (several); nothing runs.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::UsageError;
use super::baseline::{self, Baseline};
use super::export::ExportArgs;
use super::reproduce::{load_experiments, verdicts};
use crate::check::claim::Verdict;
use crate::experiment::results::{self, Kept};
use crate::report::html::Plots;
use crate::report::markdown;
use crate::report::matrix::{self, Column};

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
    let format = Format::of(args.json, args.markdown);
    let experiments = load_experiments(args.experiments, true)?;
    let guard = args.baseline.as_deref().map(Baseline::of);
    let kept_baseline = match &guard {
        Some(Baseline::Dir(dir)) => Some(baseline::load_dir(dir, &experiments)?),
        _ => None,
    };
    super::html::check(args.html.as_deref())?;
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
        args.export.runs(&kept, &sub, &mut bench)?;
        if args.html.is_some() {
            plots.add_kept(&kept)?;
        }
        let results = kept.judge(&experiments);
        let (go_version, machine) = (kept.manifest.go_version, kept.manifest.machine);
        results::merge(&mut columns, go_version, machine, results, dir)
            .map_err(|e| UsageError(e.to_string()))?;
    }
    // Merged shards list their experiments in the one-run order.
    results::in_file_order(&mut columns, &experiments);
    args.export.verdicts(&columns)?;
    args.export.write_benchfmt(&bench)?;
    if let Some(file) = &args.html {
        super::html::write(file, &columns, &plots)?;
    }
    let (text, status) = match columns.as_slice() {
        [one] => verdicts(&one.results, format),
        _ => matrix_output(&columns, format),
    };
    let (text, status) = match &guard {
        None => (text, status),
        Some(b) => {
            let (changes, code) = baseline::judge(&columns, b, kept_baseline.as_ref(), status)?;
            (with_changes(text, &changes, args.json), code)
        }
    };
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(status)
}

/// How the verdicts are printed.
#[derive(Debug, Clone, Copy)]
pub(super) enum Format {
    Text,
    Json,
    Markdown,
}

impl Format {
    pub(super) fn of(json: bool, markdown: bool) -> Self {
        match (json, markdown) {
            (true, _) => Format::Json,
            (_, true) => Format::Markdown,
            _ => Format::Text,
        }
    }
}

/// The claims × versions matrix (or JSON, Markdown) and its exit status: 1 when any verdict is `error`.
pub(super) fn matrix_output(columns: &[Column], format: Format) -> (String, u8) {
    let m = matrix::build(columns);
    let text = match format {
        Format::Json => matrix::json(&m) + "\n",
        Format::Markdown => markdown::matrix_table(&m),
        Format::Text => matrix::table(&m),
    };
    let error = m
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().flatten())
        .any(|c| c.verdict == Verdict::Error);
    (
        text,
        if error {
            super::exit_code::VERDICT_ERROR
        } else {
            0
        },
    )
}

/// The changes against the baseline after the table; with --json, on
/// stderr so that stdout stays one JSON document.
pub(super) fn with_changes(mut text: String, changes: &str, json: bool) -> String {
    if json {
        eprint!("{changes}");
    } else {
        text.push_str(changes);
    }
    text
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
