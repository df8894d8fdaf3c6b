//! The verdict table and the claims × versions matrix as GitHub-flavoured
//! Markdown (for `$GITHUB_STEP_SUMMARY` and PR comments), from the same rows
//! the text tables print.

use std::fmt::Write as _;

use crate::experiment::reproduce::ExperimentResult;
use crate::report::matrix::{self, Matrix, MatrixCell};
use crate::report::verdicts::verdict_rows;

/// A table cell: pipes escaped, line breaks as `<br>`.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .lines()
        .collect::<Vec<_>>()
        .join("<br>")
}

/// A line as code, unless it has backticks of its own (a reason quoting
/// code): then as text.
fn code(s: &str) -> String {
    if s.contains('`') {
        cell(s)
    } else {
        format!("`{}`", cell(s))
    }
}

fn row(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

fn rule(out: &mut String, n: usize) {
    let _ = writeln!(out, "|{}", "---|".repeat(n));
}

/// The verdict table: a row per claim and settings, then the summary line.
pub fn verdict_table(results: &[ExperimentResult]) -> String {
    let (rows, summary) = verdict_rows(results);
    let mut out = String::new();
    let head = [
        "claim",
        "art",
        "settings",
        "verdict",
        "measured vs bound [check]",
    ];
    row(&mut out, &head.map(String::from));
    rule(&mut out, head.len());
    for r in &rows {
        let lines: Vec<String> = r.lines.iter().map(|l| code(l)).collect();
        row(
            &mut out,
            &[
                format!("`{}`", r.claim),
                cell(&r.article),
                cell(&r.settings),
                format!("**{}**", r.verdict),
                lines.join("<br>"),
            ],
        );
    }
    let _ = writeln!(out, "\n{summary}");
    out
}

/// The claims × versions matrix: a column per Go version (and machine).
pub fn matrix_table(m: &Matrix) -> String {
    let mut out = String::new();
    let mut head: Vec<String> = vec!["claim".into(), "art".into(), "settings".into()];
    head.extend(matrix::heads(m).into_iter().map(|(go, machine)| {
        if machine.is_empty() {
            go
        } else {
            format!("{go}<br>{}", cell(&machine))
        }
    }));
    head.push("notes".into());
    row(&mut out, &head);
    rule(&mut out, head.len());
    for r in &m.rows {
        let mut cells = vec![
            format!("`{}`", r.claim),
            cell(&r.article),
            cell(&r.settings),
        ];
        cells.extend(
            r.cells
                .iter()
                .map(|c| c.as_ref().map_or("-".into(), MatrixCell::text)),
        );
        cells.push(cell(&r.notes()));
        row(&mut out, &cells);
    }
    let reasons = matrix::reasons(m);
    if !reasons.is_empty() {
        out.push_str("\nWhy not judged:\n\n");
    }
    for why in reasons {
        let _ = writeln!(out, "- {}", cell(&why));
    }
    let _ = writeln!(out, "\n{}", matrix::summary(m));
    out
}
