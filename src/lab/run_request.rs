//! `gomemlab run` under the command line: a fixture built and run on one Go
//! toolchain, or on several one after the other (a version that cannot
//! build it is skipped, the others still run), each run kept in its
//! results folder and its files written. What it tells on the way goes to
//! a [`RunNotice`] sink; the command line prints it.

use std::path::Path;
use std::time::Duration;

use super::RequestError;
use crate::analyze::Analyzed;
use crate::experiment::results::{Manifest, ResultsDir};
use crate::fixture::by_path::{FixtureRef, PathInfo};
use crate::fixture::{BuildError, Built, Fixtures};
use crate::report::export::keep_and_write;
use crate::report::plot;
use crate::run::RunSpec;
use crate::run::observe::{RunEvent, observe_with};
use crate::run::usage::{self, Usage};
use crate::toolchain::{self, Fetch, Toolchain};

/// What `gomemlab run` asks, its flags checked ([`crate::run::setup`]).
pub struct RunRequest<'a> {
    /// The bundled fixtures (and the cache their builds go in).
    pub fixtures: &'a Fixtures,
    /// A bundled fixture's name, or the path of a Go program of the user's.
    pub fixture: &'a str,
    /// `--go`: none for the default toolchain; several (or `all`) to run on each.
    pub gos: &'a [String],
    /// The settings, limits and arguments of every run.
    pub spec: RunSpec,
    /// `--pause PHASE=DURATION`.
    pub pauses: &'a [(String, Duration)],
    /// `--out DIR`: with several toolchains, a results folder per Go version in it.
    pub out: Option<&'a Path>,
    /// `--plot FILE` and its format, `--perfetto FILE`, `--csv DIR`: one run's files.
    pub plot: Option<(&'a Path, plot::Format)>,
    pub perfetto: Option<&'a Path>,
    pub csv: Option<&'a Path>,
}

/// What is worth telling while a [`RunRequest`] runs.
pub enum RunNotice<'a> {
    /// A `--go` release is being fetched.
    Fetch(&'a Fetch),
    /// About the GODEBUG settings on this toolchain.
    Godebug(String),
    /// A Go program given by its path was built: what it is.
    Path(&'a PathInfo),
    /// What happens to the fixture while it runs on `toolchain`.
    Event {
        toolchain: &'a Toolchain,
        spec: &'a RunSpec,
        event: RunEvent<'a>,
    },
    /// The run on one toolchain ended (before it is kept).
    Ran(&'a Analyzed),
}

/// What a [`RunRequest`] gives.
pub enum RunOutcome {
    /// The fixture's arguments asked for its usage (`-h`): what it printed.
    Usage(Usage),
    /// The runs, in `--go` order, and why a version was not run.
    Ran {
        runs: Vec<Analyzed>,
        skipped: Vec<RequestError>,
    },
}

impl RunRequest<'_> {
    /// Builds and runs the fixture on every `--go`, keeping each run.
    pub fn run(&self, notify: &mut dyn FnMut(RunNotice<'_>)) -> Result<RunOutcome, RequestError> {
        if toolchain::several(self.gos) {
            return self.run_each(notify);
        }
        let out = self.out.map(ResultsDir::prepare).transpose()?;
        let go = self.gos.first().map(String::as_str);
        let toolchain = toolchain::resolve_with(go, &mut |f| notify(RunNotice::Fetch(f)))?;
        for note in toolchain.godebug_notes(&self.spec.env) {
            notify(RunNotice::Godebug(note));
        }
        let tags = self.spec.build_tags();
        let built = match self.fixture_ref() {
            FixtureRef::Bundled(name) => self.fixtures.build_tagged(&name, &toolchain, &tags)?,
            FixtureRef::Path(path) => {
                let (built, info) = self.fixtures.build_path(&path, &toolchain, &tags)?;
                notify(RunNotice::Path(&info));
                built
            }
        };
        if usage::asks_for_help(&self.spec.args) {
            let usage = usage::usage(self.fixture, &built.binary, &self.spec.args)?;
            return Ok(RunOutcome::Usage(usage));
        }
        let run = self.observe(&built, &toolchain, &self.spec, notify)?;
        notify(RunNotice::Ran(&run));
        if let (Some(out), Some(hp)) = (&out, &self.spec.heap_profiles) {
            out.take_in(&hp.dir)?;
        }
        let kept = out.as_ref().map(|dir| {
            let mut manifest = Manifest::new("run", toolchain.version.name(), &[]);
            manifest.go_line = Some(built.go_line.clone());
            (dir, manifest)
        });
        keep_and_write(kept, &run, "run", self.plot, self.perfetto, self.csv)?;
        Ok(RunOutcome::Ran {
            runs: vec![run],
            skipped: Vec::new(),
        })
    }

    /// The same fixture, settings and arguments on every `--go`, one after
    /// the other, each kept under `--out DIR/<go version>/`.
    fn run_each(&self, notify: &mut dyn FnMut(RunNotice<'_>)) -> Result<RunOutcome, RequestError> {
        if let Some(flag) = one_run_flag(self.plot, self.perfetto, self.csv) {
            return Err(RequestError::OneRunFiles { flag });
        }
        let toolchains =
            toolchain::resolve_each_with(self.gos, &mut |f| notify(RunNotice::Fetch(f)))?;
        let names: Vec<String> = toolchains.iter().map(|t| t.version.name()).collect();
        let outs = ResultsDir::prepare_each(self.out, &names, true)?;
        if usage::asks_for_help(&self.spec.args) {
            let tags = self.spec.build_tags();
            let built = (self.fixtures).build_ref(&self.fixture_ref(), &toolchains[0], &tags)?;
            let usage = usage::usage(self.fixture, &built.binary, &self.spec.args)?;
            return Ok(RunOutcome::Usage(usage));
        }
        let mut runs = Vec::new();
        let mut skipped = Vec::new();
        for (toolchain, out) in toolchains.iter().zip(&outs) {
            let run = match self.run_on(toolchain, notify) {
                Ok(run) => run,
                // A version that cannot build this program (its go line is
                // newer): said under the table, the others still run.
                Err(e @ RequestError::Build(BuildError::NotApplicable { .. })) => {
                    if let Some(dir) = out {
                        let _ = std::fs::remove_dir_all(&dir.root);
                    }
                    skipped.push(e);
                    continue;
                }
                Err(e) => {
                    return Err(RequestError::OnVersion {
                        fixture: self.fixture.to_string(),
                        version: toolchain.version.to_string(),
                        cause: e.into_cause(),
                    });
                }
            };
            if let Some(dir) = out {
                let mut manifest = Manifest::new("run", toolchain.version.name(), &[]);
                manifest.go_line = Some(run.timeline.toolchain.go_line.clone());
                dir.keep_one(&run, &manifest, "run")?;
            }
            runs.push(run);
        }
        if runs.is_empty() && !skipped.is_empty() {
            return Err(skipped.remove(0));
        }
        Ok(RunOutcome::Ran { runs, skipped })
    }

    /// One run on `toolchain` of several (its heap profiles in a folder of its own).
    fn run_on(
        &self,
        toolchain: &Toolchain,
        notify: &mut dyn FnMut(RunNotice<'_>),
    ) -> Result<Analyzed, RequestError> {
        let mut spec = self.spec.clone();
        if let Some(hp) = &mut spec.heap_profiles {
            hp.dir = hp.dir.join(toolchain.version.name());
        }
        let built =
            (self.fixtures).build_ref(&self.fixture_ref(), toolchain, &spec.build_tags())?;
        self.observe(&built, toolchain, &spec, notify)
    }

    /// Runs `built` once, its events told; a fixture that rejected its
    /// arguments says so in one line ([`usage::rejected_args`]).
    fn observe(
        &self,
        built: &Built,
        toolchain: &Toolchain,
        spec: &RunSpec,
        notify: &mut dyn FnMut(RunNotice<'_>),
    ) -> Result<Analyzed, RequestError> {
        let mut on_event = |event: RunEvent<'_>| {
            notify(RunNotice::Event {
                toolchain,
                spec,
                event,
            })
        };
        let timeline =
            observe_with(built, toolchain, spec, self.pauses, &mut on_event).map_err(|e| {
                match usage::rejected_args(self.fixture, &e) {
                    Some(rejected) => RequestError::RejectedArgs(rejected),
                    None => RequestError::Run(e),
                }
            })?;
        Ok(Analyzed::of(timeline))
    }

    /// A bundled fixture's name, or the path of a Go program of the user's.
    fn fixture_ref(&self) -> FixtureRef {
        FixtureRef::parse(self.fixture, &self.fixtures.names())
    }
}

/// The first of `--plot`, `--perfetto` and `--csv` given: files of one run,
/// which runs (or watches) on several toolchains cannot write.
pub(super) fn one_run_flag<T>(
    plot: Option<T>,
    perfetto: Option<&Path>,
    csv: Option<&Path>,
) -> Option<&'static str> {
    [
        ("--plot", plot.is_some()),
        ("--perfetto", perfetto.is_some()),
        ("--csv", csv.is_some()),
    ]
    .into_iter()
    .find_map(|(flag, given)| given.then_some(flag))
}
