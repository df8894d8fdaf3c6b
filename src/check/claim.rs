//! Verdicts: evaluates each check of a claim on every repeat, then folds the
//! repeats into a verdict (holds / fails / disagree / not applicable /
//! error) with the measured values (median, min, max), each check's kind
//! and dimension, and the reason when a check could not be evaluated.

use serde::{Deserialize, Serialize};

use super::ast::{Check, CheckKind, CmpOp, Dim, Record, Test};
use super::eval::{self, Outcome};
use crate::analyze::Analyzed;

/// A claim's verdict in one settings row, over all repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Holds,
    Fails,
    /// Some repeats hold and some fail: the claim is too close to call here.
    Disagree,
    /// The claim's `when` does not select this settings row.
    NotApplicable,
    /// No trustworthy answer: the fixture did not run to the end, or a check
    /// could not be evaluated (division by zero, an empty series, a phase
    /// that did not happen, a value that is not finite); the reason is kept.
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Fails => "fails",
            Verdict::Disagree => "disagree",
            Verdict::NotApplicable => "n/a",
            Verdict::Error => "error",
        }
    }

    /// Folds per-repeat pass/fail into a verdict.
    pub fn of(holds_in: usize, runs: usize) -> Verdict {
        match (holds_in, runs) {
            (_, 0) => Verdict::Error,
            (h, n) if h == n => Verdict::Holds,
            (0, _) => Verdict::Fails,
            _ => Verdict::Disagree,
        }
    }
}

/// Measured values of one side of a check over the repeats that gave one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub unit: Dim,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub check: String,
    /// A comparison, or `nondecreasing`/`nonincreasing` (then `lhs` is the
    /// largest step against the direction and `rhs` is 0).
    pub kind: CheckKind,
    pub verdict: Verdict,
    pub holds_in: usize,
    pub lhs: Spread,
    pub op: CmpOp,
    pub rhs: Spread,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Why the check could not be evaluated (in the first repeat that failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordResult {
    pub expr: String,
    pub value: Spread,
    /// An `exact` value: fixed for a Go version, shown in snapshots.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exact: bool,
    /// Why the value could not be computed (a record does not change the verdict).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A parsed item and the line it came from, for error messages.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub item: T,
    pub text: String,
    pub line: usize,
}

/// What [`judge`] needs of a claim: its words and its parsed checks and
/// records, each with the line it came from.
#[derive(Debug, Clone, Copy)]
pub struct ClaimChecks<'a> {
    pub id: &'a str,
    pub says: &'a str,
    pub bound: Option<&'a str>,
    pub checks: &'a [Located<Check>],
    pub records: &'a [Located<Record>],
    /// Values fixed for a Go version, recorded like `records`.
    pub exacts: &'a [Located<Record>],
}

/// A claim's result in one settings row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimResult {
    pub id: String,
    pub says: String,
    /// The claim's `bound`: the numbers the article's sentence becomes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound: Option<String>,
    pub verdict: Verdict,
    pub runs: usize,
    pub holds_in: usize,
    pub checks: Vec<CheckResult>,
    pub records: Vec<RecordResult>,
    /// The first check error, with its check: why the verdict is `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Evaluates `claim` on the repeats of one settings row. Never fails: a
/// check that cannot be evaluated gives the verdict `error` with its reason.
pub fn judge(claim: ClaimChecks<'_>, runs: &[Analyzed]) -> ClaimResult {
    let mut checks = Vec::new();
    let mut per_run_holds = vec![true; runs.len()];
    let mut error = None;
    for check in claim.checks {
        let outcomes: Vec<_> = runs
            .iter()
            .map(|run| eval::evaluate(&check.item, run))
            .collect();
        for (ok, o) in per_run_holds.iter_mut().zip(&outcomes) {
            *ok &= o.as_ref().is_ok_and(|o| o.holds);
        }
        let op = match &check.item.test {
            Test::Compare { op, .. } => *op,
            Test::Monotone { .. } => CmpOp::Le,
        };
        let result = fold(
            &check.text,
            check.item.kind(),
            op,
            check.item.dim,
            &outcomes,
        );
        if let (None, Some(e)) = (&error, &result.error) {
            error = Some(format!("{}: `{}`: {e}", check.line, check.text));
        }
        checks.push(result);
    }
    let mut records = Vec::new();
    let all = claim.records.iter().map(|r| (r, false));
    for (record, exact) in all.chain(claim.exacts.iter().map(|r| (r, true))) {
        let values: Vec<_> = runs
            .iter()
            .map(|run| eval::value(&record.item.expr, run, None))
            .collect();
        let ok: Vec<f64> = values
            .iter()
            .filter_map(|v| v.as_ref().ok().copied())
            .collect();
        records.push(RecordResult {
            expr: record.text.clone(),
            value: spread(&ok, record.item.dim),
            exact,
            error: first_error(&values),
        });
    }
    let holds_in = per_run_holds.iter().filter(|h| **h).count();
    ClaimResult {
        id: claim.id.to_string(),
        says: claim.says.to_string(),
        bound: claim.bound.map(str::to_string),
        verdict: if error.is_some() {
            Verdict::Error
        } else {
            Verdict::of(holds_in, runs.len())
        },
        runs: runs.len(),
        holds_in,
        checks,
        records,
        reason: error,
    }
}

/// The result of a claim whose `when` excludes the row, or whose runs failed.
pub fn without_runs(claim: ClaimChecks<'_>, verdict: Verdict) -> ClaimResult {
    ClaimResult {
        id: claim.id.to_string(),
        says: claim.says.to_string(),
        bound: claim.bound.map(str::to_string),
        verdict,
        runs: 0,
        holds_in: 0,
        checks: Vec::new(),
        records: Vec::new(),
        reason: None,
    }
}

/// The first error of the repeats, naming the repeat when there are several.
fn first_error<T>(results: &[Result<T, String>]) -> Option<String> {
    results.iter().enumerate().find_map(|(i, r)| {
        r.as_ref().err().map(|e| {
            if results.len() > 1 {
                format!("repeat {}: {e}", i + 1)
            } else {
                e.clone()
            }
        })
    })
}

fn fold(
    text: &str,
    kind: CheckKind,
    op: CmpOp,
    dim: Dim,
    outcomes: &[Result<Outcome, String>],
) -> CheckResult {
    let ok: Vec<&Outcome> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
    let error = first_error(outcomes);
    let holds_in = ok.iter().filter(|o| o.holds).count();
    // The deciding phase, when the repeats agree on it.
    let at = ok.first().and_then(|o| o.at.clone());
    let at = at.filter(|a| ok.iter().all(|o| o.at.as_ref() == Some(a)));
    let lhs: Vec<f64> = ok.iter().map(|o| o.lhs).collect();
    let rhs: Vec<f64> = ok.iter().map(|o| o.rhs).collect();
    CheckResult {
        check: text.to_string(),
        kind,
        verdict: if error.is_some() {
            Verdict::Error
        } else {
            Verdict::of(holds_in, outcomes.len())
        },
        holds_in,
        lhs: spread(&lhs, dim),
        op,
        rhs: spread(&rhs, dim),
        at,
        error,
    }
}

fn spread(values: &[f64], unit: Dim) -> Spread {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let median = match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    };
    Spread {
        median,
        min: v.first().copied().unwrap_or(f64::NAN),
        max: v.last().copied().unwrap_or(f64::NAN),
        unit,
    }
}
