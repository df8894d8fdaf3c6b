//! The verdict table and the claims × versions matrix as GitHub-flavoured
//! Markdown (for `$GITHUB_STEP_SUMMARY` and PR comments), from the same rows
//! the text tables print.

use std::fmt::Write as _;

use crate::experiment::reproduce::ExperimentResult;
use crate::report::matrix::{self, Matrix, MatrixCell};
use crate::report::verdicts::verdict_rows;

/// A table cell of text from files (settings, hostnames, reasons): control
/// characters dropped, line breaks as `<br>`, what the text quotes in
/// backticks kept as code, and everything else escaped so that no HTML,
/// link, emphasis or @-mention gets through to a summary or PR comment.
fn cell(s: &str) -> String {
    crate::report::terminal::clean(s)
        .lines()
        .map(inline)
        .collect::<Vec<_>>()
        .join("<br>")
}

/// One line: backtick pairs as code spans (pipes escaped, nothing else can
/// act inside one), the text between escaped.
fn inline(line: &str) -> String {
    let parts: Vec<&str> = line.split('`').collect();
    let paired = parts.len() % 2 == 1;
    let mut out = String::new();
    for (i, part) in parts.iter().enumerate() {
        if paired && i % 2 == 1 && !part.is_empty() {
            let _ = write!(out, "`{}`", part.replace('|', "\\|"));
        } else {
            if i > 0 && !paired {
                out.push_str("\\`");
            }
            out.push_str(&escape(part));
        }
    }
    out
}

/// Text with Markdown and HTML made inert.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '@' => out.push_str("&#64;"),
            '\\' | '*' | '_' | '[' | ']' | '#' | '!' | '~' | '|' | '`' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A line as code, unless it has backticks of its own (a reason quoting
/// code): then as text with its quotes as code.
fn code(s: &str) -> String {
    let s = crate::report::terminal::clean(s);
    if s.contains('`') || s.contains('\n') || s.is_empty() {
        cell(&s)
    } else {
        format!("`{}`", s.replace('|', "\\|"))
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
                code(&r.claim),
                cell(&r.article),
                cell(&r.settings),
                format!("**{}**", r.verdict),
                lines.join("<br>"),
            ],
        );
    }
    let _ = writeln!(out, "\n{}", cell(&summary));
    out
}

/// The claims × versions matrix: a column per Go version (and machine).
pub fn matrix_table(m: &Matrix) -> String {
    let mut out = String::new();
    let mut head: Vec<String> = vec!["claim".into(), "art".into(), "settings".into()];
    head.extend(matrix::heads(m).into_iter().map(|(go, machine)| {
        if machine.is_empty() {
            cell(&go)
        } else {
            format!("{}<br>{}", cell(&go), cell(&machine))
        }
    }));
    head.push("notes".into());
    row(&mut out, &head);
    rule(&mut out, head.len());
    for r in &m.rows {
        let mut cells = vec![code(&r.claim), cell(&r.article), cell(&r.settings)];
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
    let _ = writeln!(out, "\n{}", cell(&matrix::summary(m)));
    out
}

#[cfg(test)]
mod tests {
    use super::{cell, code};

    #[test]
    fn values_from_files_cannot_inject_html_links_or_mentions() {
        assert_eq!(
            cell("GODEBUG=<script>alert(1)</script>"),
            "GODEBUG=&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            cell("<img src=x onerror=alert(1)> [x](http://e) @team **b**"),
            "&lt;img src=x onerror=alert(1)&gt; \\[x\\](http://e) &#64;team \\*\\*b\\*\\*"
        );
        assert_eq!(cell("a|b\nc"), "a\\|b<br>c");
        assert_eq!(cell("says `x <y>` here"), "says `x <y>` here");
        assert_eq!(cell("one ` tick"), "one \\` tick");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(cell("\u{1b}[31mred"), "red");
    }
}
