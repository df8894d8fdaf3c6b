//! `gomemlab run`: build a fixture, run it once, print its phases (on
//! several Go versions: [`versions`]).

mod versions;

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};

use super::UsageError;
use super::fixture_usage;
use crate::analyze::Analyzed;
use crate::build::fixture::Fixtures;
use crate::build::path_fixture::{FixtureRef, PathInfo};
use crate::experiment::results::{Manifest, ResultsDir};
use crate::report;
use crate::run::observe::{Event, observe_with};
use crate::run::watchdog;
use crate::run::{HeapProfiles, RunSpec};

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Fixture to run (a directory of go-fixtures/, e.g. bigbytes, idle).
    fixture: String,
    /// Go toolchain: a `go` binary, a GOROOT, or a name like go1.21.13 looked up
    /// under $GOMEMLAB_TOOLCHAINS. Default: $GOMEMLAB_GO, else `go` on PATH.
    /// Repeat it (or `all`) to run on each and print the phases side by side;
    /// --out DIR then keeps each run in DIR/<go version>/, --json prints an array.
    #[arg(long, value_name = "GO")]
    go: Vec<String>,
    /// Runtime setting for the fixture, repeatable: GODEBUG, GOGC, GOMEMLIMIT,
    /// GOMAXPROCS or GOTRACEBACK (e.g. --env GODEBUG=madvdontneed=0).
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    env: Vec<(String, String)>,
    /// Keep the run in DIR: DIR/timeline.json and DIR/manifest.json (DIR new,
    /// empty, or a previous results folder, which is replaced; checked first).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the timeline as JSON on stdout instead of the phase table.
    #[arg(long)]
    json: bool,
    /// Plot memory over time to FILE (.svg or .png).
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    /// Write the run as a Perfetto / Chrome trace (JSON) to FILE.
    #[arg(long, value_name = "FILE")]
    perfetto: Option<PathBuf>,
    /// Write DIR/samples.csv and DIR/phases.csv.
    #[arg(long, value_name = "DIR")]
    csv: Option<PathBuf>,
    /// Kill the fixture and fail if it has not exited after this long.
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    timeout: Duration,
    /// Kill the fixture and fail once its RSS passes this size (e.g. 2GiB).
    /// Default: half of the RAM, at most 8 GiB.
    #[arg(long, value_name = "SIZE")]
    max_rss: Option<String>,
    /// Run the fixture in a memory cgroup of its own limited to SIZE (e.g.
    /// 256MiB): cgroup v2 `memory.max`, else v1 `memory.limit_in_bytes`. An
    /// OOM kill by it is the run's outcome (shown, kept in the timeline).
    #[arg(long, value_name = "SIZE")]
    memory_max: Option<String>,
    /// Interval of the fast /proc sampler, from 100us to 1s.
    #[arg(long, default_value = "1ms", value_parser = parse_interval)]
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
    /// fixtures/artifacts/FIXTURE-TIME-PID in the cache.
    #[arg(long, value_name = "DIR")]
    artifacts: Option<PathBuf>,
    /// Hold the fixture at PHASE for DURATION, repeatable (e.g. --pause
    /// allocated=30s): both views are read, then the harness waits before
    /// letting it go on, and prints its PID for `ps` or `pmap` by hand.
    #[arg(long, value_name = "PHASE=DURATION", value_parser = parse_pause)]
    pause: Vec<(String, Duration)>,
    /// Arguments passed to the fixture (after `--`), e.g. -- -count 5 -keep.
    #[arg(last = true, value_name = "FIXTURE_ARGS")]
    args: Vec<String>,
}

/// How many mmap calls the syscall summary lists.
const FIRST_MMAPS: usize = 12;

pub(super) fn parse_interval(text: &str) -> Result<Duration, String> {
    use crate::measure::sampler::{MAX_INTERVAL, MIN_INTERVAL};
    let d = humantime::parse_duration(text).map_err(|e| e.to_string())?;
    if (MIN_INTERVAL..=MAX_INTERVAL).contains(&d) {
        Ok(d)
    } else {
        Err("the sampler interval must be from 100us to 1s (e.g. 250us, 1ms, 10ms)".into())
    }
}

fn parse_pause(text: &str) -> Result<(String, Duration), String> {
    let hint = "give PHASE=DURATION, e.g. allocated=30s (a phase `gomemlab fixtures` lists)";
    let Some((phase, d)) = text.split_once('=') else {
        return Err(format!("`{text}` is not PHASE=DURATION: {hint}"));
    };
    if phase.trim().is_empty() {
        return Err(format!("`{text}` names no phase: {hint}"));
    }
    let d = humantime::parse_duration(d).map_err(|e| format!("`{d}`: {e}: {hint}"))?;
    if d.is_zero() || d > RunSpec::MAX_TIMEOUT {
        return Err(format!(
            "`{text}`: the pause must be above 0 and at most 24h"
        ));
    }
    Ok((phase.to_string(), d))
}

pub(super) fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!(
            "`{text}` is not KEY=VALUE (e.g. GODEBUG=madvdontneed=1)"
        )),
    }
}

pub fn run(args: RunArgs) -> Result<u8> {
    let fixtures = Fixtures::bundled()?;
    let max_rss = validate(&args, &fixtures)?;
    let memory_max = memory_max(args.memory_max.as_deref())?;
    let plot_format = args
        .plot
        .as_deref()
        .map(report::plot::Format::from_path)
        .transpose()?;
    let mut spec = RunSpec {
        args: args.args.clone(),
        timeout: args.timeout,
        max_rss,
        sample_interval: args.interval,
        maps: args.maps || args.ledger,
        trace_syscalls: args.trace_syscalls,
        memory_max,
        ..RunSpec::default()
    };
    for (k, v) in &args.env {
        spec.set(k, v)?;
    }
    if !args.heap_profile.is_empty() {
        // Each run's own folder, so runs sharing --out never mix artifacts.
        let base = match (&args.artifacts, &args.out) {
            (Some(dir), _) | (None, Some(dir)) => dir.clone(),
            (None, None) => fixtures.cache_dir.join("artifacts"),
        };
        let dir = base.join(format!(
            "{}-{}-{}",
            Path::new(&args.fixture)
                .file_name()
                .map_or_else(|| "fixture".into(), |n| n.to_string_lossy()),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            std::process::id()
        ));
        let profiles = HeapProfiles {
            phases: args.heap_profile.clone(),
            dir,
        };
        profiles.check()?;
        spec.heap_profiles = Some(profiles);
    }
    if versions::several(&args.go) {
        return versions::run(args, &fixtures, spec);
    }
    let out = args.out.as_deref().map(ResultsDir::prepare).transpose()?;
    let toolchain = super::toolchains::resolve(args.go.first().map(String::as_str))?;
    let fixture = FixtureRef::parse(&args.fixture, &fixtures.names());
    let built = match &fixture {
        FixtureRef::Bundled(name) => fixtures.build_tagged(name, &toolchain, &spec.build_tags())?,
        FixtureRef::Path(path) => {
            let (built, info) = fixtures.build_path(path, &toolchain, &spec.build_tags())?;
            for line in path_header(&info) {
                eprintln!("{line}");
            }
            built
        }
    };
    if fixture_usage::asks_for_help(&spec.args) {
        return fixture_usage::print_usage(&args.fixture, &built.binary, &spec.args);
    }
    let show_pid = !args.pause.is_empty() || std::io::stderr().is_terminal();
    let header = format!(
        "{} · {} · pid {{pid}} · {}",
        args.fixture,
        toolchain.version.name(),
        settings_text(&spec)
    );
    let mut on_event = |event: Event<'_>| match event {
        Event::Started { pid } if show_pid => {
            eprintln!("{}", header.replace("{pid}", &pid.to_string()));
        }
        Event::Started { .. } => {}
        Event::Paused { pid, phase, pause } => eprintln!(
            "paused at {phase} for {}: pid {pid} (try: ps -o rss= -p {pid}, pmap -x {pid})",
            humantime::format_duration(pause)
        ),
    };
    let run = Analyzed::of(
        observe_with(&built, &toolchain, &spec, &args.pause, &mut on_event)
            .map_err(|e| fixture_usage::rejected_args(&args.fixture, e))?,
    );
    let (timeline, analysis) = (&run.timeline, &run.analysis);
    for (phase, _) in &args.pause {
        if !timeline.phases.iter().any(|p| &p.name == phase) {
            eprintln!(
                "warning: --pause {phase}: the fixture reported no phase {phase} (it reported: {})",
                timeline
                    .phases
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    if let Some(dir) = &out {
        let mut manifest = Manifest::new("run", toolchain.version.name(), &[]);
        manifest.go_line = Some(built.go_line.clone());
        dir.keep_timeline(&run)
            .and_then(|()| dir.keep_manifest(&manifest))
            .with_context(|| format!("failed to keep the run in {}", dir.root.display()))?;
    }
    super::export::write_run_files(
        timeline,
        args.plot.as_deref().zip(plot_format),
        args.perfetto.as_deref(),
        args.csv.as_deref(),
    )?;
    let text = if args.json {
        report::timeline_json(timeline) + "\n"
    } else {
        let mut text = report::phase_table(timeline);
        if let Some(m) = &timeline.memory_limit {
            text += &format!(
                "memory-max {} (cgroup {:?}): {}, limit hit {} times, cgroup peak {}\n",
                crate::run::cgroup::show_limit(m.limit_bytes),
                m.controller,
                if timeline.oom_killed() {
                    "OOM-killed"
                } else {
                    "not OOM-killed"
                },
                m.limit_hits,
                m.peak_bytes.map_or("unknown".into(), watchdog::show_size),
            );
        }
        if spec.heap_profiles.is_some() {
            text += "\n";
            text += &report::heap_profile_summary(timeline);
        }
        if args.maps {
            text += &report::maps_tables(timeline);
        }
        if args.ledger {
            text += &report::ledger_tables(analysis);
        }
        if args.trace_syscalls {
            text += "\n";
            text += &report::syscall_summary(timeline, FIRST_MMAPS);
        }
        text
    };
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(0)
}

/// Checks what the argument parser cannot, before anything is built or run:
/// the timeout's bounds, the fixture's name, that `--out` and `--artifacts`
/// can be written, and the `--max-rss` size (returned, or its default).
fn validate(args: &RunArgs, fixtures: &Fixtures) -> Result<u64> {
    RunSpec::check_timeout(args.timeout).map_err(|m| UsageError(format!("--timeout {m}")))?;
    let max_rss = match &args.max_rss {
        Some(text) => {
            watchdog::parse_size(text).map_err(|m| UsageError(format!("--max-rss {m}")))?
        }
        None => watchdog::default_max_rss(),
    };
    if let FixtureRef::Bundled(name) = FixtureRef::parse(&args.fixture, &fixtures.names()) {
        fixtures.check_name(&name)?;
    }
    for (flag, dir) in [("--out", &args.out), ("--artifacts", &args.artifacts)] {
        if let Some(dir) = dir {
            writable_dir(flag, dir)?;
        }
    }
    Ok(max_rss)
}

/// Creates `dir` if missing; refuses a file or a place that cannot be written.
fn writable_dir(flag: &str, dir: &Path) -> Result<(), UsageError> {
    if dir.exists() && !dir.is_dir() {
        return Err(UsageError(format!(
            "{flag} {} is a file, not a directory: give a directory (created if missing)",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir)
        .and_then(|()| tempfile::tempfile_in(dir).map(drop))
        .map_err(|e| {
            UsageError(format!(
                "cannot write in {flag} {} ({e}): give a directory you can write",
                dir.display()
            ))
        })
}

/// Writes FILE whole (through a temp file beside it) or not at all.
pub(super) fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("failed to write in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    // A temp file is private (0600); the output is an ordinary file.
    let mode = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o644);
    tmp.as_file().set_permissions(mode)?;
    tmp.persist(path)
        .with_context(|| format!("failed to write {}", path.display()))?;
    Ok(())
}

/// The lines that say how a program given by path was built.
fn path_header(info: &PathInfo) -> Vec<String> {
    let mut lines = vec![format!(
        "module {} · go line {} (go.mod says go {})",
        info.module_dir.display(),
        info.go_line,
        info.module_go_line
    )];
    match &info.default_godebug {
        Some(d) if !d.is_empty() => lines.push(format!("GODEBUG defaults of that go line: {d}")),
        Some(_) => lines.push("GODEBUG defaults: those of this toolchain".into()),
        None => lines.push("GODEBUG defaults: those of the toolchain (before go1.21)".into()),
    }
    if !info.uses_probe {
        lines.push(
            "no probe: no phase rows, only the OS series sampled from start to exit (import gomemlab.dev/probe and call probe.Phase for phases)"
                .into(),
        );
    }
    lines
}

/// The run settings as `K=V K=V`, or `default settings`.
fn settings_text(spec: &RunSpec) -> String {
    if spec.env.is_empty() && spec.memory_max.is_none() {
        return "default settings".to_string();
    }
    spec.settings_text()
}

/// `--memory-max SIZE`: its size, once a cgroup for it is known possible
/// (else a usage error saying why, before anything is built).
fn memory_max(text: Option<&str>) -> Result<Option<u64>> {
    let Some(text) = text else { return Ok(None) };
    let bytes = watchdog::parse_size(text).map_err(|m| UsageError(format!("--memory-max {m}")))?;
    crate::run::cgroup::locate().map_err(|why| {
        UsageError(format!(
            "--memory-max: this machine gives gomemlab no memory cgroup: {why}"
        ))
    })?;
    Ok(Some(bytes))
}
