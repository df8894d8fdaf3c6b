//! The verdicts as printed: the table of one Go version or the claims ×
//! versions matrix of several, as text, JSON or Markdown; and whether any
//! verdict is `error` (the command line's exit status).

use crate::check::claim::Verdict;
use crate::experiment::reproduce::ExperimentResult;

use super::markdown;
use super::matrix::{self, Column};

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
pub fn verdicts(columns: &[Column], format: VerdictFormat) -> (String, bool) {
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
