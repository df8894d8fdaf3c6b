//! The `gomemlab` command line: parses arguments, calls the stages, and hands
//! their data to `report` for printing. Errors become one `error:` line plus
//! `caused by:` lines and a documented exit code.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use crate::analyze::Analyzed;
use crate::build::fixture::{BuildError, Fixtures};
use crate::build::toolchain;
use crate::experiment;
use crate::experiment::reproduce::{self, Progress, ReproduceError};
use crate::report;
use crate::run::observe::observe;
use crate::run::{HeapProfiles, RunError, RunSpec};
use crate::timeline::Timeline;

/// Exit codes: 0 success, 2 bad input or set-up, 3 fixture build failed, 4 fixture run failed.
pub mod exit_code {
    pub const USAGE: u8 = 2;
    pub const BUILD: u8 = 3;
    pub const RUN: u8 = 4;
}

/// Run Go memory experiments and compare what the OS sees with what the Go runtime reports.
#[derive(Debug, Parser)]
#[command(name = "gomemlab", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build a fixture, run it, and print its phases: OS view beside Go view.
    Run(RunArgs),
    /// Run every experiment and print which article claims hold on this Go.
    Reproduce(ReproduceArgs),
    /// List the bundled fixtures (and build them with --build).
    Fixtures {
        /// Build every fixture now, so later runs start warm.
        #[arg(long)]
        build: bool,
        /// Go toolchain for --build (as for `run --go`).
        #[arg(long, value_name = "GO")]
        go: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
struct ReproduceArgs {
    /// Go toolchain (as for `run --go`).
    #[arg(long, value_name = "GO")]
    go: Option<String>,
    /// Print the results as JSON instead of the verdict table.
    #[arg(long)]
    json: bool,
    /// Check only these claim ids (e.g. --only madv-free-keeps-rss gogc-100-twice).
    #[arg(long, value_name = "ID", num_args = 1..)]
    only: Vec<String>,
    /// Include the slow lane (experiments/slow/: minutes-long claims).
    #[arg(long)]
    slow: bool,
    /// Folder of experiment files. Default: the bundled experiments/.
    #[arg(long, value_name = "DIR", env = "GOMEMLAB_EXPERIMENTS")]
    experiments: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Fixture to run (a directory of go-fixtures/, e.g. bigbytes, idle).
    fixture: String,
    /// Go toolchain: a `go` binary, a GOROOT, or a name like go1.21.13 looked up
    /// under $GOMEMLAB_TOOLCHAINS. Default: $GOMEMLAB_GO, else `go` on PATH.
    #[arg(long, value_name = "GO")]
    go: Option<String>,
    /// Runtime setting for the fixture, repeatable: GODEBUG, GOGC, GOMEMLIMIT,
    /// GOMAXPROCS or GOTRACEBACK (e.g. --env GODEBUG=madvdontneed=0).
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    env: Vec<(String, String)>,
    /// Write the timeline to DIR/timeline.json.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the timeline as JSON on stdout instead of the phase table.
    #[arg(long)]
    json: bool,
    /// Kill the fixture and fail if it has not exited after this long.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    timeout: Duration,
    /// Interval of the fast /proc sampler.
    #[arg(long, default_value = "1ms", value_parser = humantime::parse_duration)]
    interval: Duration,
    /// At every phase, read /proc/PID/smaps and print the mappings by class
    /// (binary, heap arena, runtime off-heap, reservations, stacks...).
    #[arg(long)]
    maps: bool,
    /// At every phase, reconcile the resident bytes with the runtime's
    /// /memory/classes and print what is explained and what is not (implies --maps).
    #[arg(long)]
    ledger: bool,
    /// Trace mmap, munmap, madvise, mprotect and brk of every fixture thread
    /// (ptrace), and print a summary with the first mmap calls. Slows those
    /// calls: do not use for timing.
    #[arg(long)]
    trace_syscalls: bool,
    /// Write a Go heap profile at this phase, repeatable (`all`: every phase),
    /// and print its inuse/alloc sums after the phase table. The fixture is
    /// then built with memory profiling on (its own cached binary).
    #[arg(long = "heap-profile", value_name = "PHASE")]
    heap_profile: Vec<String>,
    /// Where artifacts (heap profiles) go. Default: the --out directory, else
    /// target/gomemlab/artifacts/FIXTURE-TIME-PID.
    #[arg(long, value_name = "DIR")]
    artifacts: Option<PathBuf>,
    /// Arguments passed to the fixture (after `--`), e.g. -- -count 5 -keep.
    #[arg(last = true, value_name = "FIXTURE_ARGS")]
    args: Vec<String>,
}

/// How many mmap calls the syscall summary lists.
const FIRST_MMAPS: usize = 12;

fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!(
            "`{text}` is not KEY=VALUE (e.g. GODEBUG=madvdontneed=1)"
        )),
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Reproduce(args) => reproduce(args),
        Command::Fixtures { build, go } => list_fixtures(build, go.as_deref()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("caused by: {cause}");
            }
            ExitCode::from(code_of(&err))
        }
    }
}

fn code_of(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<BuildError>().is_some()
        || matches!(
            err.downcast_ref::<ReproduceError>(),
            Some(ReproduceError::Build(_))
        )
    {
        exit_code::BUILD
    } else if let Some(run) = err.downcast_ref::<RunError>() {
        match run {
            RunError::UnknownSetting(_)
            | RunError::BadProfilePhase { .. }
            | RunError::Artifacts { .. } => exit_code::USAGE,
            _ => exit_code::RUN,
        }
    } else {
        // Toolchain errors, bad flags, unwritable --out: all fixed by the user.
        exit_code::USAGE
    }
}

fn run(args: RunArgs) -> Result<()> {
    let mut spec = RunSpec {
        args: args.args,
        timeout: args.timeout,
        sample_interval: args.interval,
        maps: args.maps || args.ledger,
        trace_syscalls: args.trace_syscalls,
        ..RunSpec::default()
    };
    for (k, v) in &args.env {
        spec.set(k, v)?;
    }
    let fixtures = Fixtures::bundled();
    if !args.heap_profile.is_empty() {
        let dir = match (&args.artifacts, &args.out) {
            (Some(dir), _) | (None, Some(dir)) => dir.clone(),
            (None, None) => fixtures.cache_dir.join("artifacts").join(format!(
                "{}-{}-{}",
                args.fixture,
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
                std::process::id()
            )),
        };
        let profiles = HeapProfiles {
            phases: args.heap_profile,
            dir,
        };
        profiles.check()?;
        spec.heap_profiles = Some(profiles);
    }
    let toolchain = toolchain::resolve(args.go.as_deref())?;
    let built = fixtures.build_tagged(&args.fixture, &toolchain, &spec.build_tags())?;
    let Analyzed { timeline, analysis } = Analyzed::of(observe(&built, &toolchain, &spec)?);
    if let Some(dir) = &args.out {
        write_timeline(dir, &timeline)?;
    }
    let text = if args.json {
        report::timeline_json(&timeline) + "\n"
    } else {
        let mut text = report::phase_table(&timeline);
        if spec.heap_profiles.is_some() {
            text += "\n";
            text += &report::heap_profile_summary(&timeline);
        }
        if args.maps {
            text += &report::maps_tables(&timeline);
        }
        if args.ledger {
            text += &report::ledger_tables(&analysis);
        }
        if args.trace_syscalls {
            text += "\n";
            text += &report::syscall_summary(&timeline, FIRST_MMAPS);
        }
        text
    };
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(())
}

fn reproduce(args: ReproduceArgs) -> Result<()> {
    let fixtures = Fixtures::bundled();
    let dir = args
        .experiments
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments"));
    let mut experiments = experiment::load_dir(&dir, &fixtures.names())?;
    if args.slow {
        let slow = dir.join("slow");
        if slow.is_dir() {
            experiments.extend(experiment::load_dir(&slow, &fixtures.names())?);
        }
    }
    let only = if args.only.is_empty() {
        None
    } else {
        let known: Vec<&str> = experiments
            .iter()
            .flat_map(|e| e.claims.iter().map(|c| c.id.as_str()))
            .collect();
        if let Some(bad) = args.only.iter().find(|id| !known.contains(&id.as_str())) {
            anyhow::bail!(UsageError(format!(
                "unknown claim `{bad}` in --only: the claims are {}",
                known.join(", ")
            )));
        }
        experiments.retain(|e| e.claims.iter().any(|c| args.only.contains(&c.id)));
        Some(args.only.as_slice())
    };
    let toolchain = toolchain::resolve(args.go.as_deref())?;
    let total: usize = experiments
        .iter()
        .map(|e| e.cells.len() * e.repeats as usize)
        .sum();
    let bar = indicatif::ProgressBar::new(total as u64).with_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} runs, {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut results = Vec::new();
    for exp in &experiments {
        let mut tick = |p: Progress| {
            let Progress::Run {
                experiment,
                settings,
                ..
            } = p;
            bar.set_message(format!("{experiment} [{settings}]"));
            bar.inc(1);
        };
        results.push(reproduce::run_experiment(
            exp, &toolchain, &fixtures, only, &mut tick,
        )?);
    }
    bar.finish_and_clear();
    let text = if args.json {
        report::results_json(&results) + "\n"
    } else {
        report::verdict_table(&results)
    };
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(())
}

/// A mistake in the command line that the parser cannot see.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

fn list_fixtures(build: bool, go: Option<&str>) -> Result<()> {
    let fixtures = Fixtures::bundled();
    let toolchain = if build {
        Some(toolchain::resolve(go)?)
    } else {
        None
    };
    let mut out = std::io::stdout();
    for name in fixtures.names() {
        match &toolchain {
            Some(t) => {
                let built = fixtures.build(&name, t)?;
                writeln!(out, "{name}\t{}", built.binary.display())?;
            }
            None => writeln!(out, "{name}")?,
        }
    }
    Ok(())
}

/// Writes DIR/timeline.json through a temp file, so it is whole or absent.
fn write_timeline(dir: &Path, timeline: &Timeline) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))?;
    let path = dir.join("timeline.json");
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("failed to write in {}", dir.display()))?;
    tmp.write_all(report::timeline_json(timeline).as_bytes())?;
    tmp.write_all(b"\n")?;
    tmp.persist(&path)
        .with_context(|| format!("failed to write {}", path.display()))?;
    Ok(())
}
