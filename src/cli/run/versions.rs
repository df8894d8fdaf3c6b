//! `gomemlab run --go A --go B`: the same fixture, settings and arguments on
//! several toolchains, one after the other; the phase tables side by side
//! (or `--json`: an array of timelines), each run kept under
//! `--out DIR/<go version>/`.

use std::io::Write as _;

use anyhow::Result;

use super::text::progress;
use super::{RunArgs, fixture_usage};
use crate::analyze::Analyzed;
use crate::cli::UsageError;
use crate::experiment::results::{Manifest, ResultsDir};
use crate::fixture::by_path::FixtureRef;
use crate::fixture::{BuildError, Fixtures};
use crate::report;
use crate::run::RunSpec;
use crate::run::observe::observe_with;
use crate::timeline::Timeline;
use crate::toolchain::{self, Toolchain};

/// Whether `--go` asks for several toolchains (repeated, or `all`).
pub(super) fn several(gos: &[String]) -> bool {
    gos.len() > 1 || gos.iter().any(|g| g == toolchain::ALL)
}

/// Runs `spec` on every `--go` and prints the comparison.
pub(super) fn run(args: RunArgs, fixtures: &Fixtures, spec: RunSpec) -> Result<u8> {
    for (flag, given) in [
        ("--plot", args.plot.is_some()),
        ("--perfetto", args.perfetto.is_some()),
        ("--csv", args.csv.is_some()),
    ] {
        if given {
            anyhow::bail!(UsageError(format!(
                "{flag} writes one run: give one --go with it (or keep the runs with --out DIR \
                 and export each)"
            )));
        }
    }
    let toolchains = crate::cli::toolchains::resolve_each(&args.go)?;
    let names: Vec<String> = toolchains.iter().map(|t| t.version.name()).collect();
    let outs = ResultsDir::prepare_each(args.out.as_deref(), &names, true)?;
    if fixture_usage::asks_for_help(&spec.args) {
        let built = fixtures.build_ref(
            &fixture_ref(fixtures, &args.fixture),
            &toolchains[0],
            &spec.build_tags(),
        )?;
        return fixture_usage::print_usage(&args.fixture, &built.binary, &spec.args);
    }
    let mut runs = Vec::new();
    let mut skipped = Vec::new();
    for (toolchain, out) in toolchains.iter().zip(&outs) {
        let run = match run_on(&args, fixtures, &spec, toolchain) {
            Ok(run) => run,
            // A version that cannot build this program (its go line is
            // newer): said under the table, the others still run.
            Err(e) if matches!(e.downcast_ref(), Some(BuildError::NotApplicable { .. })) => {
                if let Some(dir) = out {
                    let _ = std::fs::remove_dir_all(&dir.root);
                }
                skipped.push(e);
                continue;
            }
            Err(e) => {
                return Err(e.context(format!("{} on {}", args.fixture, toolchain.version)));
            }
        };
        if let Some(dir) = out {
            let mut manifest = Manifest::new("run", toolchain.version.name(), &[]);
            manifest.go_line = Some(run.timeline.toolchain.go_line.clone());
            dir.keep_one(&run, &manifest, "run")?;
        }
        runs.push(run);
    }
    let timelines: Vec<&Timeline> = runs.iter().map(|r| &r.timeline).collect();
    let text = if args.json {
        report::versions::timelines_json(&timelines) + "\n"
    } else {
        report::versions::side_by_side(&timelines)
            + &report::run::versions_extras(args.deep(&spec), &runs)
    };
    if runs.is_empty() && !skipped.is_empty() {
        return Err(skipped.remove(0));
    }
    std::io::stdout().write_all(text.as_bytes())?;
    for why in &skipped {
        eprintln!("note: not run: {why}");
    }
    Ok(0)
}

/// One run on `toolchain` (its heap profiles in a folder of its own).
fn run_on(
    args: &RunArgs,
    fixtures: &Fixtures,
    spec: &RunSpec,
    toolchain: &Toolchain,
) -> Result<Analyzed> {
    let mut spec = spec.clone();
    if let Some(hp) = &mut spec.heap_profiles {
        hp.dir = hp.dir.join(toolchain.version.name());
    }
    let built = fixtures.build_ref(
        &fixture_ref(fixtures, &args.fixture),
        toolchain,
        &spec.build_tags(),
    )?;
    let mut on_event = progress(&args.fixture, toolchain, &spec, true, args.show_output);
    let timeline = observe_with(&built, toolchain, &spec, &args.pause, &mut on_event)
        .map_err(|e| fixture_usage::rejected_args(&args.fixture, e))?;
    Ok(Analyzed::of(timeline))
}

/// A bundled fixture's name, or the path of a Go program of the user's.
fn fixture_ref(fixtures: &Fixtures, spec: &str) -> FixtureRef {
    FixtureRef::parse(spec, &fixtures.names())
}
