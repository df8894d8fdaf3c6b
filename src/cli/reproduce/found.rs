//! What the workers of `reproduce` found, put back in (Go version,
//! experiment) order whatever order it finished in, and the closing line
//! saying how long it took.

use std::collections::BTreeMap;
use std::time::Duration;

use super::Lane;
use crate::experiment::reproduce::ExperimentResult;
use crate::experiment::results::ResultsError;
use crate::experiment::{Experiment, schedule};

/// What the workers found, by (lane, experiment index), until it is settled
/// into the lanes in that order.
pub(super) type Found =
    BTreeMap<(usize, usize), (ExperimentResult, Option<Result<(), ResultsError>>)>;

/// Puts what was found into the lanes, in experiment order, and notes what
/// could not be kept.
pub(super) fn settle(lanes: &mut [Lane], found: Found, warnings: &mut Vec<String>) {
    for ((lane, _), (result, kept)) in found {
        let lane = &mut lanes[lane];
        match kept {
            Some(Err(e)) => warnings.push(format!("{}: runs not kept: {e}", result.experiment)),
            Some(Ok(())) => lane.manifest.experiments.push(result.experiment.clone()),
            None => {}
        }
        lane.results.push(result);
    }
}

/// The closing line on stderr: how long it took, and what ran side by side.
pub(super) fn took(
    experiments: &[Experiment],
    lanes: usize,
    elapsed: Duration,
    width: usize,
) -> String {
    let side = experiments
        .iter()
        .filter(|e| e.timing == schedule::Timing::Independent)
        .count();
    let (all, side) = (experiments.len() * lanes, side * lanes);
    format!(
        "reproduce: {all} experiments in {:.1} s ({side} timing-independent ones side by side, \
         up to {width} at once; the others alone)",
        elapsed.as_secs_f64()
    )
}
