//! The runs an HTML report draws: one plot per Go version (and machine),
//! experiment and settings row, from the row's first repeat so a full
//! `reproduce` stays a few MB: its data for the interactive plot, and the
//! static SVG for readers without JavaScript.

use std::collections::BTreeMap;

use crate::experiment::results::{Kept, ResultsError};
use crate::experiment::scheduler::{Drawn, ToolchainLane};
use crate::measure::machine::Machine;
use crate::report::plot::{self, Format};
use crate::timeline::Timeline;

/// The repeat of each settings row that is plotted.
pub const PLOTTED_REPEAT: usize = 1;

/// `(go version, machine label, experiment, settings)`.
type Key = (String, String, String, String);

/// One plotted run: its repeat, the SVG and the interactive plot's data
/// (JSON), each or why it could not be made.
#[derive(Debug, Clone)]
pub struct Plot {
    pub repeat: usize,
    pub svg: Result<String, String>,
    pub data: Result<String, String>,
}

impl Plot {
    /// The plot of one run.
    pub fn of(repeat: usize, timeline: &Timeline) -> Plot {
        Plot {
            repeat,
            svg: svg(timeline),
            data: super::data::json(timeline),
        }
    }
}

/// The plots of a report, by column, experiment and settings row.
#[derive(Debug, Clone, Default)]
pub struct Plots {
    plots: BTreeMap<Key, Vec<Plot>>,
}

/// One run as inline SVG (the `run --plot` figure), or why it cannot be drawn.
pub fn svg(timeline: &Timeline) -> Result<String, String> {
    let bytes = plot::render(timeline, Format::Svg).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| e.to_string())
}

fn key(go_version: &str, machine: &Machine, experiment: &str, settings: &str) -> Key {
    (
        go_version.into(),
        machine.label(),
        experiment.into(),
        settings.into(),
    )
}

impl Plots {
    /// Adds the plot of one run.
    pub fn insert(
        &mut self,
        (go_version, machine): (&str, &Machine),
        (experiment, settings): (&str, &str),
        plot: Plot,
    ) {
        self.plots
            .entry(key(go_version, machine, experiment, settings))
            .or_default()
            .push(plot);
    }

    /// The plots `reproduce` drew as its runs ended, each under its lane's
    /// Go version and machine.
    pub fn of_drawn(lanes: &[ToolchainLane], drawn: Vec<Drawn<Plot>>) -> Plots {
        let mut plots = Plots::default();
        for d in drawn {
            let lane = &lanes[d.lane];
            let go = lane.toolchain.version.name();
            let at = (d.experiment.as_str(), d.settings.as_str());
            plots.insert((&go, &lane.manifest.machine), at, d.item);
        }
        plots
    }

    /// Adds the plotted repeat of every settings row kept in `kept`.
    pub fn add_kept(&mut self, kept: &Kept) -> Result<(), ResultsError> {
        let column = (kept.manifest.go_version.as_str(), &kept.manifest.machine);
        for run in kept.runs() {
            if run.repeat != PLOTTED_REPEAT {
                continue;
            }
            let timeline = kept.timeline(&run.dir)?;
            let plot = Plot::of(run.repeat, &timeline);
            self.insert(column, (&run.experiment, &run.settings), plot);
        }
        Ok(())
    }

    /// Whether any plot has data for the interactive plot (the page then
    /// carries the script).
    pub fn interactive(&self) -> bool {
        self.plots.values().flatten().any(|p| p.data.is_ok())
    }

    /// The plots of one column's settings row of an experiment.
    pub fn of(
        &self,
        (go_version, machine): (&str, &Machine),
        experiment: &str,
        settings: &str,
    ) -> &[Plot] {
        self.plots
            .get(&key(go_version, machine, experiment, settings))
            .map_or(&[], Vec::as_slice)
    }
}
