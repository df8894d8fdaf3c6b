//! `gomemlab watch` under the command line: a program watched once, or on
//! several Go toolchains one after the other (each first on its PATH), each
//! watch kept in its results folder and its files written. What it tells on
//! the way goes to a [`WatchNotice`] sink; the command line prints it.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use regex::Regex;

use super::RequestError;
use super::run_request::one_run_flag;
use crate::analyze::Analyzed;
use crate::experiment::results::{Manifest, ResultsDir};
use crate::report::export::keep_and_write;
use crate::report::plot;
use crate::run::setup::watch::{WatchOptions, WatchSetupError};
use crate::run::watch::{self, WatchEvent};
use crate::toolchain::{self, Fetch, Toolchain};

/// What `gomemlab watch` asks, its options checked.
pub struct WatchRequest<'a> {
    pub options: &'a WatchOptions,
    /// The `--phase` regex ([`WatchOptions::check`]).
    pub phase: Option<Regex>,
    /// `--go`: none to leave PATH as it is; several (or `all`) to watch on each.
    pub gos: &'a [String],
    /// `--out DIR`: with several toolchains, a results folder per Go version in it.
    pub out: Option<&'a Path>,
    /// `--plot FILE` and its format, `--perfetto FILE`, `--csv DIR`: one watch's files.
    pub plot: Option<(&'a Path, plot::Format)>,
    pub perfetto: Option<&'a Path>,
    pub csv: Option<&'a Path>,
    /// `--leave-daemons`: what the command starts in the background may outlive it.
    pub leave_daemons: bool,
}

/// What is worth telling while a [`WatchRequest`] watches.
pub enum WatchNotice<'a> {
    /// A `--go` release is being fetched.
    Fetch(&'a Fetch),
    /// About the watch about to start (its settings on this toolchain).
    Note(&'a str),
    /// What happens to the program watched (`command`).
    Event {
        command: &'a [String],
        event: WatchEvent,
    },
    /// One watch ended and was kept.
    Watched(&'a Analyzed),
}

/// The toolchains a [`WatchRequest`] watches on (`None`: PATH as it is),
/// each with its results folder.
pub struct WatchLanes {
    lanes: Vec<(Option<Toolchain>, Option<ResultsDir>)>,
}

impl WatchRequest<'_> {
    /// Checks the files that write one watch, resolves every `--go` and
    /// prepares the results folders, before anything runs.
    pub fn prepare(
        &self,
        notify: &mut dyn FnMut(WatchNotice<'_>),
    ) -> Result<WatchLanes, RequestError> {
        let several = toolchain::several(self.gos);
        if let Some(flag) = one_run_flag(self.plot, self.perfetto, self.csv).filter(|_| several) {
            return Err(RequestError::OneWatchFiles { flag });
        }
        let toolchains: Vec<Option<Toolchain>> = if self.gos.is_empty() {
            vec![None]
        } else {
            let mut on_fetch = |f: &Fetch| notify(WatchNotice::Fetch(f));
            let each = toolchain::resolve_each_with(self.gos, &mut on_fetch)?;
            each.into_iter().map(Some).collect()
        };
        let names: Vec<String> = (toolchains.iter().flatten())
            .map(|t| t.version.name())
            .collect();
        let outs = ResultsDir::prepare_each(self.out, &names, several)?;
        Ok(WatchLanes {
            lanes: toolchains.into_iter().zip(outs).collect(),
        })
    }

    /// Watches on each lane in turn until `stop`, keeping each watch.
    pub fn watch(
        &self,
        lanes: WatchLanes,
        stop: &Arc<AtomicBool>,
        notify: &mut dyn FnMut(WatchNotice<'_>),
    ) -> Result<Vec<Analyzed>, RequestError> {
        let mut runs = Vec::new();
        for (toolchain, out) in lanes.lanes {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            let (spec, notes) = (self.options).spec(self.phase.clone(), toolchain.as_ref());
            for note in &notes {
                notify(WatchNotice::Note(note));
            }
            let command = &spec.command;
            let mut on_event = |event| notify(WatchNotice::Event { command, event });
            // Held by gomemlab (a child subreaper), so nothing the command
            // starts outlives the watch unless asked.
            let adopted = (!self.leave_daemons).then(crate::cleanup::Guard::descendants);
            let timeline =
                watch::watch(&spec, stop, &mut on_event).map_err(WatchSetupError::from)?;
            drop(adopted);
            let run = Analyzed::of(timeline);
            let kept = out.as_ref().map(|dir| {
                let go = run.timeline.toolchain.version.clone();
                (dir, Manifest::new("watch", go, &[]))
            });
            keep_and_write(kept, &run, "watch", self.plot, self.perfetto, self.csv)?;
            notify(WatchNotice::Watched(&run));
            runs.push(run);
        }
        Ok(runs)
    }
}
