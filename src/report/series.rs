//! The one place the report formats read a timeline's fast-tier samples, so a
//! change in how samples are stored touches this file only.

use crate::timeline::{Sample, Timeline};

/// The fast-tier samples of a run, in time order.
pub fn samples(timeline: &Timeline) -> impl Iterator<Item = Sample> + '_ {
    timeline.samples.iter()
}

/// A recorded run for the format tests: bigbytes on go1.26.8 with
/// `GODEBUG=madvdontneed=0,gctrace=1` and `--trace-syscalls` (8 GC cycles,
/// 123 madvise and 41 mmap calls).
#[cfg(test)]
pub(crate) fn recorded() -> Timeline {
    let text = include_str!("../../tests/data/bigbytes-traced-gctrace-go1.26.8.json");
    serde_json::from_str(text).expect("the recorded timeline parses")
}
