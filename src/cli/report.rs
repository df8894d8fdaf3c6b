//! `gomemlab report DIR...`: judge kept runs again with the current
//! experiment files and print the verdict table (one Go version on one
//! machine) or the claims × versions matrix (several); nothing runs.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Result;

use super::exit_code;
use super::export::ExportArgs;
use crate::experiment::baseline::Baseline;
use crate::experiment::results::JudgeNote;
use crate::report::kept_report::ReportRequest;
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
    let request = ReportRequest {
        dirs: &args.dirs,
        experiments: args.experiments,
        baseline: args.baseline.as_deref(),
        exports: &args.export.exports(args.html),
    };
    let reported = request.judge_and_export(&mut print_note, super::html::command_line)?;
    print_verdicts(&reported.columns, format, reported.guard())
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

/// Prints what is worth telling while kept runs are judged again.
pub(super) fn print_note(note: JudgeNote) {
    eprintln!("{}", crate::report::verdicts::judge_note_text(&note));
}
