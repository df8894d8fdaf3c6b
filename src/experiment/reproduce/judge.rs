//! Judging one settings row: every claim that applies, from its runs, or
//! `error`/`not applicable` with the reason when there are none. Shared by
//! `reproduce` and by `report` on kept runs.

use super::*;
use crate::check::claim::{self, ClaimResult, Verdict};
use crate::experiment::schedule::Timing;

/// Judges `claims` in one settings row from its runs (`stopped`: why there
/// are none, which every applicable claim then gives as its reason). Used
/// by `reproduce` and by `report` on kept runs, so both judge alike.
pub fn judge_cell(
    exp: &Experiment,
    claims: &[&Claim],
    cell: &Cell,
    place: &Place,
    runs: &[Analyzed],
    stopped: Stopped,
) -> CellResult {
    let with_reason = |c: &Claim, verdict, reason: &str| ClaimResult {
        reason: Some(reason.to_string()),
        ..claim::without_runs(c.judged(), verdict)
    };
    let claims = claims
        .iter()
        .map(|c| {
            if !cell.matches(&c.when) {
                return claim::without_runs(c.judged(), Verdict::NotApplicable);
            }
            if let Some(why) = place.unmet(c) {
                return with_reason(c, Verdict::NotApplicable, &why);
            }
            match &stopped {
                Stopped::Error(reason) => with_reason(c, Verdict::Error, reason),
                Stopped::NotApplicable(reason) => with_reason(c, Verdict::NotApplicable, reason),
                Stopped::No => judge(exp, c, runs),
            }
        })
        .collect();
    // Contention only matters to claims about timing; an independent
    // experiment's runs may have been busy with each other (side by side).
    let busy = runs
        .iter()
        .filter(|_| exp.timing == Timing::Sensitive)
        .filter_map(|r| r.timeline.contention.as_ref()?.busy())
        .reduce(f64::max);
    CellResult {
        settings: cell.label(),
        runs: runs.len(),
        claims,
        unavailable: match &stopped {
            Stopped::NotApplicable(why) => Some(why.clone()),
            _ => None,
        },
        error: match stopped {
            Stopped::Error(e) => Some(e),
            _ => None,
        },
        busy,
    }
}

/// The one call of the check language's judge: a check that cannot be
/// evaluated (a phase that never happened...) makes the claim `error`.
fn judge(exp: &Experiment, claim: &Claim, runs: &[Analyzed]) -> ClaimResult {
    let mut result = claim::judge(claim.judged(), runs);
    if let Some(why) = result.reason.take() {
        // `LINE: check: why` from the check language, with the file in front.
        result.reason = Some(format!("{}:{why}", file_name(exp)));
    }
    result
}

/// `idle.toml`: the experiment file, short enough for a table row.
fn file_name(exp: &Experiment) -> String {
    exp.path.file_name().map_or_else(
        || exp.path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests;
