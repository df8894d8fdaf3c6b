//! [`check`]: one check of the check language judged on one run, with the
//! measured value and the bound it was held to.

use std::borrow::Cow;

use crate::analyze::Analyzed;
use crate::check::ast::{CheckKind, CmpOp, Dim, Test};
use crate::check::claim::Verdict;
use crate::check::{ParseError, eval, parse_check};
use crate::report::verdicts::value;
use crate::timeline::Timeline;

/// A check that does not load (bad syntax, unknown path, mixed dimensions).
/// Its `Debug` is its message with the caret under the mistake, so that a
/// test returning it with `?` prints what to fix, not a struct.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("check `{text}` does not load: {}", .error.render(.text))]
pub struct CheckError {
    pub text: String,
    pub error: ParseError,
}

impl std::fmt::Debug for CheckError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// A check judged on one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The check as written.
    pub check: String,
    /// `Holds`, `Fails`, or `Error` (then `reason` says why).
    pub verdict: Verdict,
    /// The left side's value (for `nondecreasing`/`nonincreasing`: the
    /// largest step against the direction). NaN when the verdict is `Error`.
    pub measured: f64,
    pub op: CmpOp,
    /// The right side's value (0 for `nondecreasing`/`nonincreasing`).
    pub bound: f64,
    /// The dimension of both sides (bytes, ns, counts...).
    pub unit: Dim,
    /// For a check over every phase: the phase that decided.
    pub at: Option<String>,
    /// Why the check could not be evaluated (a phase the run did not reach,
    /// a division by zero, a view the run did not record...).
    pub reason: Option<String>,
}

impl Checked {
    pub fn holds(&self) -> bool {
        self.verdict == Verdict::Holds
    }
}

impl std::fmt::Display for Checked {
    /// `holds: 12.3 MiB >= 4.1 MiB  [os.rss@started >= go.heap_alloc@started]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verdict = self.verdict.as_str();
        if let Some(reason) = &self.reason {
            return write!(f, "{verdict}: {reason}  [{}]", self.check);
        }
        let at = self
            .at
            .as_ref()
            .map(|a| format!(" at {a}"))
            .unwrap_or_default();
        write!(
            f,
            "{verdict}: {} {} {}{at}  [{}]",
            value(self.measured, self.unit),
            self.op.symbol(),
            value(self.bound, self.unit),
            self.check
        )
    }
}

/// What [`check`] judges: an [`Analyzed`] run, or a bare [`Timeline`]
/// (analysed on the way).
pub trait Checkable {
    fn analyzed(&self) -> Cow<'_, Analyzed>;
}

impl Checkable for Analyzed {
    fn analyzed(&self) -> Cow<'_, Analyzed> {
        Cow::Borrowed(self)
    }
}

impl Checkable for Timeline {
    fn analyzed(&self) -> Cow<'_, Analyzed> {
        Cow::Owned(Analyzed::of(self.clone()))
    }
}

/// Judges `text` (one check of the check language, see [`mod@crate::check`])
/// on `run`. A check that does not load is an `Err`; a check that loads but
/// cannot be evaluated on this run is a verdict `Error` with its reason.
pub fn check<R: Checkable + ?Sized>(run: &R, text: &str) -> Result<Checked, CheckError> {
    let parsed = parse_check(text).map_err(|error| CheckError {
        text: text.to_string(),
        error,
    })?;
    let op = match &parsed.test {
        Test::Compare { op, .. } => *op,
        Test::Monotone { .. } => CmpOp::Le,
    };
    let mut checked = Checked {
        check: text.to_string(),
        verdict: Verdict::Error,
        measured: f64::NAN,
        op,
        bound: if parsed.kind() == CheckKind::Compare {
            f64::NAN
        } else {
            0.0
        },
        unit: parsed.dim,
        at: None,
        reason: None,
    };
    match eval::evaluate(&parsed, &run.analyzed()) {
        Ok(outcome) => {
            checked.verdict = if outcome.holds {
                Verdict::Holds
            } else {
                Verdict::Fails
            };
            checked.measured = outcome.lhs;
            checked.bound = outcome.rhs;
            checked.at = outcome.at;
        }
        Err(reason) => checked.reason = Some(reason),
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_that_does_not_load_is_an_error_with_a_caret() {
        let t = Timeline::blank("go1.26.8");
        let err = check(&t, "os.rss@x <= 5s").unwrap_err().to_string();
        assert!(
            err.starts_with("check `os.rss@x <= 5s` does not load:"),
            "{err}"
        );
        assert!(err.contains('^'), "{err}");
    }

    #[test]
    fn a_missing_phase_is_a_verdict_error_with_the_reason() {
        let checked = check(&Timeline::blank("go1.26.8"), "os.rss@deleted >= 1MiB").unwrap();
        assert_eq!(checked.verdict, Verdict::Error);
        let reason = checked.reason.clone().unwrap();
        assert!(reason.contains("deleted"), "{reason}");
        assert!(checked.to_string().starts_with("error: "), "{checked}");
    }
}
