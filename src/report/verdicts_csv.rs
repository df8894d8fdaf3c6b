//! `verdicts.csv` of kept results: one row per experiment × settings ×
//! claim × check (a claim with no check evaluated, e.g. an `error`, has one
//! row with the check columns empty). Columns from this row's serde model.

use serde::Serialize;

use crate::check::claim::{CheckResult, Spread, Verdict};
use crate::report::csv::{CsvError, table};
use crate::report::matrix::Column;

#[derive(Serialize)]
struct Row<'a> {
    go_version: &'a str,
    machine: String,
    experiment: &'a str,
    article: &'a str,
    settings: &'a str,
    claim: &'a str,
    verdict: Verdict,
    holds_in: usize,
    runs: usize,
    check: Option<&'a str>,
    check_verdict: Option<Verdict>,
    check_holds_in: Option<usize>,
    lhs: Spread,
    op: Option<&'a str>,
    rhs: Spread,
    at: Option<&'a str>,
    reason: Option<&'a str>,
}

const NONE: Spread = Spread {
    median: f64::NAN,
    min: f64::NAN,
    max: f64::NAN,
    unit: crate::check::ast::Dim::Ratio,
};

/// Every verdict of `columns` (one per Go version and machine) as CSV.
pub fn verdicts_csv(columns: &[Column]) -> Result<String, CsvError> {
    let mut rows = Vec::new();
    for col in columns {
        for r in &col.results {
            for cell in &r.cells {
                for c in &cell.claims {
                    let checks: Vec<Option<&CheckResult>> = if c.checks.is_empty() {
                        vec![None]
                    } else {
                        c.checks.iter().map(Some).collect()
                    };
                    for check in checks {
                        rows.push(Row {
                            go_version: &col.go_version,
                            machine: col.machine.label(),
                            experiment: &r.experiment,
                            article: &r.article,
                            settings: &cell.settings,
                            claim: &c.id,
                            verdict: c.verdict,
                            holds_in: c.holds_in,
                            runs: c.runs,
                            check: check.map(|k| k.check.as_str()),
                            check_verdict: check.map(|k| k.verdict),
                            check_holds_in: check.map(|k| k.holds_in),
                            lhs: check.map_or(NONE, |k| k.lhs),
                            op: check.map(|k| k.op.symbol()),
                            rhs: check.map_or(NONE, |k| k.rhs),
                            at: check.and_then(|k| k.at.as_deref()),
                            reason: c.reason.as_deref().or(cell.error.as_deref()),
                        });
                    }
                }
            }
        }
    }
    table(rows)
}
