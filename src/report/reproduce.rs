//! The closing lines `gomemlab reproduce` prints on stderr: how long it
//! took and what ran side by side, and the critical path of experiments.

use std::time::Duration;

use crate::experiment::Experiment;
use crate::experiment::schedule;
use crate::experiment::scheduler::Step;

/// The closing line on stderr: how long it took, and what ran side by side.
pub fn took(
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
        super::text::count(all, "experiment"),
        elapsed.as_secs_f64()
    )
}

/// `critical path 41.2 s: cycles 0.0-6.1 s → gogc 6.1-14.0 s → ...`: the
/// experiments that set how long the reproduce took, and those that waited
/// beside them.
pub fn critical_path(path: &[Step], beside: &[Step]) -> Option<String> {
    let secs = |d: Duration| d.as_secs_f64();
    let step = |s: &Step| {
        format!(
            "{} {:.1}-{:.1} s",
            s.name,
            secs(s.span.start),
            secs(s.span.end)
        )
    };
    let total = secs(path.last()?.span.end);
    let steps: Vec<String> = path.iter().map(step).collect();
    let mut text = format!("critical path {total:.1} s: {}", steps.join(" → "));
    if !beside.is_empty() {
        let waited: Vec<String> = beside.iter().map(step).collect();
        text.push_str(&format!(" (waited beside it: {})", waited.join(", ")));
    }
    Some(text)
}
