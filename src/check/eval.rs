//! Evaluates checks and expressions on one analysed run: the only part of
//! the check language that reads a run (`read`: the per-phase views;
//! `select`: the record lists). Anything that
//! cannot give a trustworthy number — a division by zero, an empty series or
//! selection, a phase that did not happen, a result that is not finite — is
//! an error (the check's verdict is then `error`), never a value.

use super::ast::{Arg, ArithOp, Check, CheckKind, CmpOp, Expr, Func, Test, When};
use super::error::EvalResult;
use super::schema::Path;
use crate::analyze::Analyzed;
use crate::timeline::Taken;

mod read;
mod select;

/// One evaluation of one check on one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub holds: bool,
    pub lhs: f64,
    pub op: CmpOp,
    pub rhs: f64,
    /// For checks over every phase: the phase that decided (first failing, else tightest).
    pub at: Option<String>,
}

/// Evaluates one check on one run.
pub fn evaluate(check: &Check, run: &Analyzed) -> EvalResult<Outcome> {
    match &check.test {
        Test::Monotone { kind, series } => {
            let values = series_of(series, run)?;
            if values.is_empty() {
                return Err(format!("`{series}` is an empty series"));
            }
            // The largest step against the expected direction; 0 when monotone.
            let worst = if *kind == CheckKind::Nonincreasing {
                largest_drop(values.iter().map(|v| -v))
            } else {
                largest_drop(values.iter().copied())
            };
            Ok(Outcome {
                holds: worst <= 0.0,
                lhs: worst,
                op: CmpOp::Le,
                rhs: 0.0,
                at: None,
            })
        }
        Test::Compare { lhs, op, rhs } => {
            if !every_phase(lhs) && !every_phase(rhs) {
                let (l, r) = (value(lhs, run, None)?, value(rhs, run, None)?);
                return Ok(Outcome {
                    holds: op.holds(l, r),
                    lhs: l,
                    op: *op,
                    rhs: r,
                    at: None,
                });
            }
            // "At every phase": all must hold; report the first failure, else
            // the phase with the least room.
            // The snapshot at exit is not one of the program's phases.
            let mut tightest: Option<(f64, Outcome)> = None;
            let phases = run.timeline.phases.iter().enumerate();
            for (i, phase) in phases.filter(|(_, p)| p.taken != Taken::Exit) {
                let (l, r) = (value(lhs, run, Some(i))?, value(rhs, run, Some(i))?);
                let o = Outcome {
                    holds: op.holds(l, r),
                    lhs: l,
                    op: *op,
                    rhs: r,
                    at: Some(phase.name.clone()),
                };
                if !o.holds {
                    return Ok(o);
                }
                let room = (l - r).abs();
                if tightest.as_ref().is_none_or(|(best, _)| room < *best) {
                    tightest = Some((room, o));
                }
            }
            tightest
                .map(|(_, o)| o)
                .ok_or_else(|| "the run had no phases".to_string())
        }
    }
}

/// True when the expression reads a path "at every phase" outside a function.
fn every_phase(e: &Expr) -> bool {
    match e {
        Expr::At { when, .. } => *when == When::EveryPhase,
        Expr::Neg(a) => every_phase(a),
        Expr::Bin(_, a, b) => every_phase(a) || every_phase(b),
        Expr::Lit(_) | Expr::Call(..) => false,
    }
}

/// The largest step back of a series, in order (0 when it never decreases).
pub fn largest_drop(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut prev = f64::NAN;
    let mut drop = 0.0_f64;
    for v in values {
        if prev > v {
            drop = drop.max(prev - v);
        }
        prev = v;
    }
    drop
}

/// Evaluates an expression; `phase` is the index of the phase of an "at
/// every phase" check.
pub fn value(e: &Expr, run: &Analyzed, phase: Option<usize>) -> EvalResult<f64> {
    match e {
        Expr::Lit(l) => Ok(l.value()),
        Expr::Neg(a) => Ok(-value(a, run, phase)?),
        Expr::Bin(op, a, b) => {
            let (x, y) = (value(a, run, phase)?, value(b, run, phase)?);
            let v = match op {
                ArithOp::Add => x + y,
                ArithOp::Sub => x - y,
                ArithOp::Mul => x * y,
                ArithOp::Div if y == 0.0 => return Err(format!("division by zero in `{e}`")),
                ArithOp::Div => x / y,
            };
            if !v.is_finite() {
                return Err(format!("`{e}` is not a finite number ({v})"));
            }
            Ok(v)
        }
        Expr::Call(func, arg) => match arg.as_ref() {
            Arg::Query(q) => {
                let s = select::select(q, run)?;
                match (func, &q.field) {
                    (Func::Count, None) => Ok(s.records as f64),
                    _ => fold(*func, &s.values).ok_or_else(|| {
                        format!(
                            "{}() of an empty selection: no record matched `{q}`",
                            func.name()
                        )
                    }),
                }
            }
            Arg::Series(path) => {
                let values = series_of(path, run)?;
                fold(*func, &values)
                    .ok_or_else(|| format!("{}() of an empty series `{path}`", func.name()))
            }
        },
        Expr::At { path, when } => {
            let i = match (when, phase) {
                (When::Phase(name), _) => find_phase(run, name)?,
                // One value per run (`exit.`): no phase to find.
                (When::Run, _) => 0,
                (When::EveryPhase, Some(i)) => i,
                (When::EveryPhase, None) => return Err(format!("`{path}` needs @phase here")),
            };
            read::at(*path, run, i)
        }
    }
}

/// Folds values: `count` and `sum` of nothing are 0; the others need a value.
pub fn fold(func: Func, values: &[f64]) -> Option<f64> {
    let first = values.first().copied();
    match func {
        Func::Count => Some(values.len() as f64),
        Func::Sum => Some(values.iter().sum()),
        Func::Max => first.map(|_| values.iter().copied().fold(f64::MIN, f64::max)),
        Func::Min => first.map(|_| values.iter().copied().fold(f64::MAX, f64::min)),
        Func::First => first,
        Func::Last => values.last().copied(),
        Func::Drop => first.map(|_| largest_drop(values.iter().copied())),
    }
}

/// The values of a series: fast-tier samples, or a path across all phases.
fn series_of(path: &Path, run: &Analyzed) -> EvalResult<Vec<f64>> {
    let t = &run.timeline;
    match *path {
        Path::Samples(field) => Ok(t.samples.iter().map(|s| read::sample(&s, field)).collect()),
        _ => (0..t.phases.len())
            .filter(|i| t.phases[*i].taken != Taken::Exit)
            .map(|i| read::at(*path, run, i))
            .collect(),
    }
}

fn find_phase(run: &Analyzed, name: &str) -> EvalResult<usize> {
    let t = &run.timeline;
    t.phases.iter().position(|p| p.name == name).ok_or_else(|| {
        let names: Vec<&str> = t.phases.iter().map(|p| p.name.as_str()).collect();
        format!(
            "phase `{name}` never happened in this run of {}; its phases were {}",
            t.fixture.name,
            names.join(", ")
        )
    })
}

#[cfg(test)]
mod tests;
