//! The lanes of `reproduce` as the command line sets them up and shows them:
//! one per `--go`, each with its results folder; the progress bar and plots
//! (the scheduler's sink), the output, and the closing lines.

use std::time::Duration;

use super::*;
use crate::analyze::Analyzed;
use crate::experiment::scheduler::{Drawn, Sink};

/// The progress bar, and with --html each row's plotted repeat, drawn as it ends.
pub(super) struct BarSink {
    pub(super) bar: indicatif::ProgressBar,
    pub(super) plotting: bool,
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

/// The plots drawn, each under its lane's Go version and machine.
pub(super) fn plots_of(lanes: &[ToolchainLane], drawn: Vec<Drawn<Plot>>) -> Plots {
    let mut plots = Plots::default();
    for d in drawn {
        let lane = &lanes[d.lane];
        let go = lane.toolchain.version.name();
        let at = (d.experiment.as_str(), d.settings.as_str());
        plots.insert((&go, &lane.manifest.machine), at, d.item);
    }
    plots
}

/// A lane per `--go` (default: one), each with its results folder: `--out
/// DIR` itself for one toolchain, `DIR/<go version>/` for several.
pub(super) fn lanes(
    gos: &[String],
    out: Option<&Path>,
    only: &[String],
) -> Result<Vec<ToolchainLane>> {
    let toolchains: Vec<Toolchain> = if gos.is_empty() {
        vec![crate::cli::toolchains::resolve(None)?]
    } else {
        // `all`: the latest patch of every supported minor.
        toolchain::expand(gos)
            .iter()
            .map(|g| crate::cli::toolchains::resolve(Some(g)))
            .collect::<Result<_, _>>()?
    };
    let names: Vec<String> = toolchains.iter().map(|t| t.version.name()).collect();
    if let Some(twice) = names
        .iter()
        .enumerate()
        .find(|(i, n)| names[..*i].contains(n))
    {
        anyhow::bail!(UsageError(format!(
            "--go names {} twice: give each Go version once",
            twice.1
        )));
    }
    let outs: Vec<Option<ResultsDir>> = match out {
        None => toolchains.iter().map(|_| None).collect(),
        Some(dir) if toolchains.len() == 1 => vec![Some(ResultsDir::prepare(dir)?)],
        Some(dir) => ResultsDir::prepare_set(dir, &names)?
            .into_iter()
            .map(Some)
            .collect(),
    };
    Ok(toolchains
        .into_iter()
        .zip(outs)
        .map(|(toolchain, out)| ToolchainLane::new(toolchain, out, only))
        .collect())
}

/// The verdict table for one toolchain, the claims × versions matrix for several.
pub(super) fn output(lanes: &[ToolchainLane], format: Format) -> (String, u8) {
    if let [lane] = lanes {
        return verdicts(&lane.results, format);
    }
    crate::cli::report::matrix_output(&columns(lanes), format)
}

/// A column per lane (Go version) with what it found.
pub(super) fn columns(lanes: &[ToolchainLane]) -> Vec<Column> {
    lanes
        .iter()
        .map(|l| Column {
            go_version: l.toolchain.version.name(),
            machine: l.manifest.machine.clone(),
            results: l.results.clone(),
        })
        .collect()
}

/// Clears the progress bar, keeps the results (when --out) and prints
/// warnings; false when something could not be kept.
pub(super) fn finish(
    bar: &indicatif::ProgressBar,
    lanes: &mut [ToolchainLane],
    warnings: &[String],
    interrupted: bool,
) -> bool {
    bar.finish_and_clear();
    let not_kept = scheduler::close(lanes, interrupted);
    for w in not_kept.iter().chain(warnings) {
        eprintln!("warning: {w}");
    }
    not_kept.is_empty() && warnings.is_empty()
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
