//! The verdicts as printed: the table of one Go version or the claims ×
//! versions matrix of several, as text, JSON or Markdown, with the changes
//! against a baseline; and how they end (the command line's exit status).
//! The one place where both are chosen, for `reproduce` and `report`.

use crate::check::claim::Verdict;
use crate::experiment::reproduce::ExperimentResult;

use super::baseline::{self, Baseline, BaselineError};
use super::markdown;
use super::matrix::{self, Column};

/// How the verdicts end, from which the command line's exit status comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictOutcome {
    /// No verdict is `error`, no claim changed against the baseline.
    Clean,
    /// Some verdict is `error`.
    SomeError,
    /// A claim changed against the baseline (whatever the verdicts).
    Changed,
}

/// What the verdicts print, and how they end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Printed {
    /// The table or matrix (with the changes against the baseline, but
    /// with JSON), shown as [`VerdictFormat::shown`] says.
    pub stdout: String,
    /// With JSON, the changes against the baseline: stdout stays one JSON
    /// document.
    pub stderr: String,
    pub outcome: VerdictOutcome,
}

/// The verdicts of `columns` in `format` and, against a baseline (a Go
/// version, or a kept folder's column), the claims that changed.
pub fn printed(
    columns: &[Column],
    format: VerdictFormat,
    guard: Option<(&Baseline, Option<&Column>)>,
) -> Result<Printed, BaselineError> {
    let (mut text, error) = verdicts(columns, format);
    let mut printed = Printed {
        stdout: String::new(),
        stderr: String::new(),
        outcome: if error {
            VerdictOutcome::SomeError
        } else {
            VerdictOutcome::Clean
        },
    };
    if let Some((b, kept)) = guard {
        let (changes, changed) = baseline::judge(columns, b, kept)?;
        if changed {
            printed.outcome = VerdictOutcome::Changed;
        }
        match format {
            VerdictFormat::Json => printed.stderr = changes,
            _ => text.push_str(&changes),
        }
    }
    printed.stdout = format.shown(text);
    Ok(printed)
}

/// How the verdicts are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictFormat {
    Text,
    Json,
    Markdown,
}

impl VerdictFormat {
    /// `--json` before `--markdown`, else the text table.
    pub fn of(json: bool, markdown: bool) -> Self {
        match (json, markdown) {
            (true, _) => VerdictFormat::Json,
            (_, true) => VerdictFormat::Markdown,
            _ => VerdictFormat::Text,
        }
    }

    /// What is printed: without control sequences a file could have put in
    /// a claim, a label or a reason (JSON escapes them itself).
    pub fn shown(self, text: String) -> String {
        match self {
            VerdictFormat::Json => text,
            _ => super::terminal::clean(&text),
        }
    }
}

/// The verdict table of one column, the matrix of several; true when any
/// verdict is `error`.
fn verdicts(columns: &[Column], format: VerdictFormat) -> (String, bool) {
    match columns {
        [one] => table(&one.results, format),
        _ => matrix_output(columns, format),
    }
}

/// The verdict table (or JSON, Markdown) of one Go version.
fn table(results: &[ExperimentResult], format: VerdictFormat) -> (String, bool) {
    let text = match format {
        VerdictFormat::Json => super::results_json(results) + "\n",
        VerdictFormat::Markdown => markdown::verdict_table(results),
        VerdictFormat::Text => super::verdict_table(results),
    };
    let error = results
        .iter()
        .flat_map(|r| &r.cells)
        .flat_map(|c| &c.claims)
        .any(|c| c.verdict == Verdict::Error);
    (text, error)
}

/// The claims × versions matrix (or JSON, Markdown).
fn matrix_output(columns: &[Column], format: VerdictFormat) -> (String, bool) {
    let m = matrix::build(columns);
    let text = match format {
        VerdictFormat::Json => matrix::json(&m) + "\n",
        VerdictFormat::Markdown => markdown::matrix_table(&m),
        VerdictFormat::Text => matrix::table(&m),
    };
    let error = m
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().flatten())
        .any(|c| c.verdict == Verdict::Error);
    (text, error)
}
