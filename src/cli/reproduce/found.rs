//! What the workers of `reproduce` found, put back in (Go version,
//! experiment) order whatever order it finished in, and the closing line
//! saying how long it took.

use std::collections::BTreeMap;
use std::time::Duration;

use super::Lane;
use crate::experiment::reproduce::ExperimentResult;
use crate::experiment::results::ResultsError;
use crate::experiment::{Experiment, schedule};
use crate::report::html::{Plot, Plots};

/// What the workers found, by (lane, experiment index), until it is settled
/// into the lanes in that order.
pub(super) type Found = BTreeMap<(usize, usize), Unit>;

/// One experiment's result on one Go version, whether its runs were kept,
/// and (with --html) each settings row's plotted repeat.
pub(super) type Unit = (
    ExperimentResult,
    Option<Result<(), ResultsError>>,
    Vec<(String, Plot)>,
);

/// Puts what was found into the lanes (and its plots into `plots`), in
/// experiment order, and notes what could not be kept.
pub(super) fn settle(
    lanes: &mut [Lane],
    found: Found,
    warnings: &mut Vec<String>,
    plots: &mut Plots,
) {
    for ((lane, _), (result, kept, drawn)) in found {
        let lane = &mut lanes[lane];
        let go = lane.toolchain.version.name();
        for (settings, plot) in drawn {
            let at = (result.experiment.as_str(), settings.as_str());
            plots.insert((&go, &lane.manifest.machine), at, plot);
        }
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
    (width, sensitive_width): (usize, usize),
) -> String {
    let side = experiments
        .iter()
        .filter(|e| e.timing == schedule::Timing::Independent)
        .count();
    let (all, side) = (experiments.len() * lanes, side * lanes);
    let others = match sensitive_width {
        1 => "the others alone".to_string(),
        n => format!("the others up to {n} at once, after them"),
    };
    format!(
        "reproduce: {} in {:.1} s ({side} timing-independent ones side by side, \
         up to {width} at once; {others})",
        crate::report::text::count(all, "experiment"),
        elapsed.as_secs_f64()
    )
}
