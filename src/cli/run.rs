//! `gomemlab run`: build a fixture, run it once (or on several Go versions)
//! and print its phases; its arguments are checked first
//! ([`crate::run::setup`]), the runs made and kept by
//! [`crate::lab::run_request`], and what they tell printed by [`text`].

mod text;

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;

use crate::fixture::Fixtures;
use crate::lab::RequestError;
use crate::lab::run_request::{RunOutcome, RunRequest};
use crate::report;
use crate::report::run::Deep;
use crate::run::RunSpec;
use crate::run::setup::run_flags::RunFlags;
use crate::run::setup::{parse_interval, parse_key_value, parse_pause};
use crate::toolchain;
use text::printer;

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
    /// Show what the fixture wrote (its stdout, and its stderr but the
    /// runtime's trace lines) on stderr after it exits. Default: kept back,
    /// since stdout is the phase table or the JSON.
    #[arg(long)]
    show_output: bool,
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
    /// Interval of the fast /proc sampler, from 100us to 1s. Each sample also keeps the highest RSS since the previous one (its window), so no spike is missed at any interval.
    #[arg(long, default_value = "10ms", value_parser = parse_interval, allow_hyphen_values = true)]
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

impl RunArgs {
    /// The deep views asked for after the phase table.
    fn deep(&self, spec: &RunSpec) -> Deep {
        Deep {
            heap_profile: spec.heap_profiles.is_some(),
            maps: self.maps,
            ledger: self.ledger,
            trace_syscalls: self.trace_syscalls,
        }
    }
}

pub fn run(args: RunArgs) -> Result<u8> {
    let fixtures = Fixtures::bundled()?;
    let flags = RunFlags {
        fixtures: &fixtures,
        fixture: &args.fixture,
        timeout: args.timeout,
        max_rss: args.max_rss.as_deref(),
        memory_max: args.memory_max.as_deref(),
        out: args.out.as_deref(),
        artifacts: args.artifacts.as_deref(),
        args: &args.args,
        interval: args.interval,
        maps: args.maps || args.ledger,
        trace_syscalls: args.trace_syscalls,
        env: &args.env,
        heap_profile: &args.heap_profile,
    };
    let limits = flags.check()?;
    let plot = report::plot::Format::of_flag(args.plot.as_deref())?;
    let spec = flags.spec(limits)?;
    let several = toolchain::several(&args.go);
    let deep = args.deep(&spec);
    let request = RunRequest {
        fixtures: &fixtures,
        fixture: &args.fixture,
        gos: &args.go,
        spec,
        pauses: &args.pause,
        out: args.out.as_deref(),
        plot,
        perfetto: args.perfetto.as_deref(),
        csv: args.csv.as_deref(),
    };
    let show_pid = several || !args.pause.is_empty() || std::io::stderr().is_terminal();
    let mut notify = printer(&args.fixture, &args.pause, show_pid, args.show_output);
    let outcome = request.run(&mut notify);
    let (runs, skipped) = match outcome.map_err(RequestError::into_cause::<anyhow::Error>)? {
        RunOutcome::Usage(usage) => {
            let mut stdout = std::io::stdout();
            stdout.write_all(&usage.stdout)?;
            stdout.write_all(usage.usage.as_bytes())?;
            return Ok(usage.status);
        }
        RunOutcome::Ran { runs, skipped } => (runs, skipped),
    };
    let text = report::run::runs_text(several, args.json, deep, &runs);
    std::io::stdout().write_all(text.as_bytes())?;
    for why in &skipped {
        eprintln!("note: not run: {why}");
    }
    Ok(0)
}
