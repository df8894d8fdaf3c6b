//! The claims × versions matrix: a column per Go version (and machine), a
//! row per claim and settings, and where the verdict changes between
//! adjacent versions. Built from results (of `reproduce --go A --go B` or of
//! several results folders); never picks one machine's verdict silently.

use std::fmt::Write as _;

use serde::Serialize;

use crate::check::claim::Verdict;
pub use crate::experiment::results::Column;
use crate::measure::machine::Machine;
use crate::toolchain::GoVersion;

#[derive(Debug, Clone, Serialize)]
pub struct Matrix {
    pub columns: Vec<Head>,
    pub rows: Vec<MatrixRow>,
}

/// A column: its Go version and where it was measured.
#[derive(Debug, Clone, Serialize)]
pub struct Head {
    pub go_version: String,
    pub machine: Machine,
}

/// A claim in one settings row across the columns.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixRow {
    pub claim: String,
    pub article: String,
    pub settings: String,
    /// One per column; `None` where that column did not measure it.
    pub cells: Vec<Option<MatrixCell>>,
    /// Versions whose verdict differs from the version before (of those measured).
    pub changed_in: Vec<String>,
    /// Versions measured on several machines that do not agree.
    pub machines_disagree: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatrixCell {
    pub verdict: Verdict,
    pub holds_in: usize,
    pub runs: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl MatrixCell {
    /// `holds 3/3`, `error`...: the cell as every format shows it.
    pub fn text(&self) -> String {
        match self.verdict {
            Verdict::Holds | Verdict::Fails | Verdict::Disagree => {
                format!("{} {}/{}", self.verdict.as_str(), self.holds_in, self.runs)
            }
            v => v.as_str().to_string(),
        }
    }
}

fn order(v: &str) -> Option<GoVersion> {
    GoVersion::parse(v)
}

/// The columns in the matrix's order: by Go version, then machine.
pub fn ordered(columns: &[Column]) -> Vec<&Column> {
    let mut columns: Vec<&Column> = columns.iter().collect();
    columns.sort_by(|a, b| {
        (order(&a.go_version), &a.go_version, a.machine.label()).cmp(&(
            order(&b.go_version),
            &b.go_version,
            b.machine.label(),
        ))
    });
    columns
}

/// Builds the matrix: columns by Go version, then machine.
pub fn build(columns: &[Column]) -> Matrix {
    let columns = ordered(columns);
    let mut rows: Vec<MatrixRow> = Vec::new();
    for (i, col) in columns.iter().enumerate() {
        for r in &col.results {
            for cell in &r.cells {
                for c in &cell.claims {
                    let at = rows
                        .iter()
                        .position(|row| row.claim == c.id && row.settings == cell.settings);
                    let at = at.unwrap_or_else(|| {
                        rows.push(MatrixRow {
                            claim: c.id.clone(),
                            article: r.article.clone(),
                            settings: cell.settings.clone(),
                            cells: vec![None; columns.len()],
                            changed_in: Vec::new(),
                            machines_disagree: Vec::new(),
                        });
                        rows.len() - 1
                    });
                    rows[at].cells[i] = Some(MatrixCell {
                        verdict: c.verdict,
                        holds_in: c.holds_in,
                        runs: c.runs,
                        reason: c.reason.clone().or_else(|| cell.error.clone()),
                    });
                }
            }
        }
    }
    rows.retain(|row| {
        row.cells
            .iter()
            .flatten()
            .any(|c| c.verdict != Verdict::NotApplicable)
    });
    for row in &mut rows {
        mark_changes(row, &columns);
    }
    Matrix {
        columns: columns
            .iter()
            .map(|c| Head {
                go_version: c.go_version.clone(),
                machine: c.machine.clone(),
            })
            .collect(),
        rows,
    }
}

/// Per version, the verdict its machines agree on; a change from the
/// previous version measured is marked, and so is a version whose machines
/// disagree.
fn mark_changes(row: &mut MatrixRow, columns: &[&Column]) {
    let mut previous: Option<Verdict> = None;
    let mut i = 0;
    while i < columns.len() {
        let version = &columns[i].go_version;
        let mut verdicts: Vec<Verdict> = Vec::new();
        while i < columns.len() && &columns[i].go_version == version {
            if let Some(c) = &row.cells[i] {
                verdicts.push(c.verdict);
            }
            i += 1;
        }
        verdicts.dedup();
        match verdicts.as_slice() {
            [] => {}
            [one] => {
                if previous.is_some_and(|p| p != *one) {
                    row.changed_in.push(version.clone());
                }
                previous = Some(*one);
            }
            _ => {
                row.machines_disagree.push(version.clone());
                previous = None;
            }
        }
    }
}

/// The matrix for people: a column per Go version (with the machine under
/// it when the columns come from more than one), a mark where a verdict changes.
pub fn table(m: &Matrix) -> String {
    let heads = heads(m);
    let machines = heads.iter().any(|h| !h.1.is_empty());
    let texts: Vec<Vec<String>> = m
        .rows
        .iter()
        .map(|r| {
            r.cells
                .iter()
                .map(|c| c.as_ref().map_or("-".into(), MatrixCell::text))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = (0..heads.len())
        .map(|i| {
            let cells = texts.iter().map(|t| t[i].len()).max().unwrap_or(0);
            cells.max(heads[i].0.len()).max(heads[i].1.chars().count())
        })
        .collect();
    let mut out = String::new();
    let line = |out: &mut String, a: &str, b: &str, c: &str, cols: &[String], note: &str| {
        let _ = write!(out, "{a:<28} {b:<4} {c:<30}");
        for (text, w) in cols.iter().zip(&widths) {
            let _ = write!(out, " {text:<w$}");
        }
        let _ = write!(out, "  {note}");
        out.truncate(out.trim_end().len());
        out.push('\n');
    };
    let firsts: Vec<String> = heads.iter().map(|h| h.0.clone()).collect();
    line(&mut out, "claim", "art", "settings", &firsts, "");
    if machines {
        let seconds: Vec<String> = heads.iter().map(|h| h.1.clone()).collect();
        line(&mut out, "", "", "", &seconds, "");
    }
    for (row, cols) in m.rows.iter().zip(&texts) {
        let settings = super::verdicts::clip(&row.settings, 30);
        line(
            &mut out,
            &row.claim,
            &row.article,
            &settings,
            cols,
            &row.notes(),
        );
    }
    let reasons = reasons(m);
    if !reasons.is_empty() {
        out.push_str("\nwhy not judged:\n");
    }
    for why in reasons {
        let _ = writeln!(out, "  {why}");
    }
    let _ = writeln!(out, "\n{}", summary(m));
    out
}

impl MatrixRow {
    /// Where the verdict changes and where machines disagree, for people.
    pub fn notes(&self) -> String {
        let mut notes: Vec<String> = self
            .changed_in
            .iter()
            .map(|v| format!("changed in {v}"))
            .collect();
        notes.extend(
            self.machines_disagree
                .iter()
                .map(|v| format!("machines disagree on {v}")),
        );
        notes.join(", ")
    }
}

/// Each column's Go version and, when the columns come from more than one
/// machine, the machine's label (else empty).
pub fn heads(m: &Matrix) -> Vec<(String, String)> {
    let machines = m.columns.iter().any(|c| c.machine != m.columns[0].machine);
    m.columns
        .iter()
        .map(|c| {
            let under = if machines {
                c.machine.label()
            } else {
                String::new()
            };
            (c.go_version.clone(), under)
        })
        .collect()
}

/// The matrix's closing line: how many rows change between versions.
pub fn summary(m: &Matrix) -> String {
    let changed = m.rows.iter().filter(|r| !r.changed_in.is_empty()).count();
    format!(
        "{} claim rows on {} columns: {changed} change between versions",
        m.rows.len(),
        m.columns.len()
    )
}

/// Why cells are `n/a` or `error`: each reason once, with the columns it hit
/// (`claim [settings] on go1.X, go1.Y: n/a, why`).
pub fn reasons(m: &Matrix) -> Vec<String> {
    let mut out = Vec::new();
    for row in &m.rows {
        let mut seen: Vec<(Verdict, &str, Vec<&str>)> = Vec::new();
        for (cell, head) in row.cells.iter().zip(&m.columns) {
            let Some((verdict, why)) = cell
                .as_ref()
                .and_then(|c| Some((c.verdict, c.reason.as_deref()?)))
            else {
                continue;
            };
            let first = why.lines().next().unwrap_or("");
            match seen
                .iter_mut()
                .find(|(v, r, _)| *v == verdict && *r == first)
            {
                Some((_, _, versions)) => versions.push(&head.go_version),
                None => seen.push((verdict, first, vec![&head.go_version])),
            }
        }
        for (verdict, why, versions) in seen {
            out.push(format!(
                "{} [{}] on {}: {}, {why}",
                row.claim,
                row.settings,
                versions.join(", "),
                verdict.as_str()
            ));
        }
    }
    out
}

/// The matrix as pretty JSON.
pub fn json(m: &Matrix) -> String {
    serde_json::to_string_pretty(m).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

#[cfg(test)]
mod tests;
