//! The lanes of `reproduce` as the command line shows them: the progress bar
//! and plots (the scheduler's sink), and the closing lines.

use super::*;
use crate::analyze::Analyzed;
use crate::experiment::scheduler::Sink;

/// The progress bar, and with --html each row's plotted repeat, drawn as it ends.
pub(super) struct BarSink {
    pub(super) bar: indicatif::ProgressBar,
    pub(super) plotting: bool,
}

impl BarSink {
    /// A bar of `total` runs; `plotting` with --html.
    pub(super) fn new(total: usize, plotting: bool) -> BarSink {
        BarSink {
            bar: indicatif::ProgressBar::new(total as u64).with_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} runs, {elapsed} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            ),
            plotting,
        }
    }
}

impl Sink for BarSink {
    type Drawn = Plot;

    fn run_starting(&self, go: &str, experiment: &str, settings: &str) {
        self.bar
            .set_message(format!("{go}{experiment} [{settings}]"));
        self.bar.inc(1);
    }

    fn observed(&self, _settings: &str, repeat: usize, run: &Analyzed) -> Option<Plot> {
        (self.plotting && repeat == PLOTTED_REPEAT).then(|| Plot::of(repeat, &run.timeline))
    }
}

/// Clears the progress bar and prints what could not be kept; false when
/// something could not be.
pub(super) fn finish(bar: &indicatif::ProgressBar, warnings: &[String]) -> bool {
    bar.finish_and_clear();
    for w in warnings {
        eprintln!("warning: {w}");
    }
    warnings.is_empty()
}
