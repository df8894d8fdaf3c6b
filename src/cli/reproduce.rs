//! `gomemlab reproduce`: run every experiment and print the verdict table.
//! Experiments run on a worker thread so that Ctrl-C can stop the one
//! running and still print (and keep) every experiment finished before it.

use std::convert::Infallible;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Result;

use super::{exit_code, toolchains};
use crate::experiment::schedule;
use crate::experiment::scheduler::{Batch, ToolchainLane, columns};
use crate::experiment::select::Selection;
use crate::experiment::shard::Shard;
use crate::fixture::Fixtures;
use crate::lab::RequestError;
use crate::lab::reproduce_request::{
    self, ClosedBatch, ReproduceNotice, ReproducePlan, ReproduceRequest, ReproduceRunning,
    Reproduced,
};
use crate::report::export::Exports;
use crate::report::html::{PLOTTED_REPEAT, Plot, Plots};
use crate::report::output::{self, VerdictFormat};

#[derive(Debug, clap::Args)]
pub struct ReproduceArgs {
    /// Go toolchain (as for `run --go`). Repeat it to run every experiment
    /// on each and print the claims × versions matrix.
    #[arg(long, value_name = "GO")]
    go: Vec<String>,
    /// Print the results as JSON instead of the verdict table.
    #[arg(long)]
    json: bool,
    /// Print the verdict table (or matrix) as GitHub-flavoured Markdown
    /// (for $GITHUB_STEP_SUMMARY and PR comments).
    #[arg(long, conflicts_with = "json")]
    markdown: bool,
    /// Check only these claim ids (e.g. --only madv-free-keeps-rss gogc-100-twice).
    #[arg(long, value_name = "ID", num_args = 1..)]
    only: Vec<String>,
    /// Include the slow lane (experiments/slow/: minutes-long claims).
    #[arg(long)]
    slow: bool,
    /// Folder of experiment files. Default: the bundled experiments/.
    #[arg(long, value_name = "DIR", env = "GOMEMLAB_EXPERIMENTS")]
    experiments: Option<PathBuf>,
    /// Keep every run's timeline, the results and a manifest in DIR (new,
    /// empty, or a previous results folder, which is replaced), for
    /// `gomemlab report DIR`. With several --go: a results folder per Go
    /// version, DIR/<go version>/.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Run only shard K of N (e.g. 1/2): whole experiments, round-robin over
    /// their sorted names; `report` of the N --out folders equals one run.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// The guard for a new Go release: print which claims changed against
    /// this Go version (run too, e.g. `--go go1.27.3 --baseline go1.26`) or
    /// kept results folder; exit 5 when any did.
    #[arg(long, value_name = "GO|DIR")]
    baseline: Option<String>,
    /// Write the kept runs' key figures per phase in the Go benchmark format
    /// to FILE, for benchstat (`benchstat -col go FILE` compares Go
    /// versions). Needs --out: the lines come from the kept runs.
    #[arg(long, value_name = "FILE", requires = "out")]
    benchfmt: Option<PathBuf>,
    /// Write the verdicts (or matrix), every claim's checks and its runs
    /// plotted (a settings row's first repeat, per Go version) as one
    /// self-contained HTML page to FILE. Needs no --out.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// How many timing-independent experiments (`timing = "independent"`)
    /// run side by side. Default: twice the CPU count; 1 runs them one at a
    /// time.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    jobs: Option<u16>,
    /// How many timing-sensitive experiments run at once, after the
    /// independent ones and never beside them. 1 runs each alone.
    #[arg(long, value_name = "N", default_value_t = schedule::SENSITIVE_WIDTH as u16,
          value_parser = clap::value_parser!(u16).range(1..=256))]
    sensitive_jobs: u16,
}

impl ReproduceArgs {
    /// The files asked of the results: --benchfmt and --html.
    fn exports(&self) -> Exports {
        Exports {
            benchfmt: self.benchfmt.clone(),
            html: self.html.clone(),
            ..Exports::default()
        }
    }
}

pub fn reproduce(args: ReproduceArgs) -> Result<u8> {
    let fixtures = Fixtures::bundled()?;
    let mut plan = prepare(&args)?;

    // Ctrl-C: the first stops the experiment running; a second exits at once.
    let stop = Arc::new(AtomicBool::new(false));
    crate::cleanup::defer_interrupt(Arc::clone(&stop));

    let sink = BarSink::new(plan.run_count(), args.html.is_some());
    let running = ReproduceRunning {
        fixtures: &fixtures,
        only: (!args.only.is_empty()).then_some(args.only.as_slice()),
        jobs: args.jobs.map(usize::from),
        sensitive_jobs: usize::from(args.sensitive_jobs),
        stop: &stop,
    };
    let interrupted = |lanes: &mut [ToolchainLane], batch: Batch<Plot>| -> Infallible {
        print_interrupted(&args, &sink, lanes, batch)
    };
    let Reproduced {
        plots,
        warnings,
        took,
        critical_path,
    } = plan.run(&running, &sink, interrupted);
    let kept = finish(&sink.bar, &warnings);
    eprintln!("{took}");
    if let Some(path) = critical_path {
        eprintln!("{path}");
    }
    let status = write_outputs(&args, &plan, &plots)?;
    Ok(if kept {
        status
    } else {
        exit_code::VERDICT_ERROR
    })
}

/// Loads and selects the experiments, and checks every toolchain, --out,
/// --html and --baseline before anything runs ([`ReproduceRequest`]).
fn prepare(args: &ReproduceArgs) -> Result<ReproducePlan> {
    let request = ReproduceRequest {
        selection: Selection {
            dir: args.experiments.as_deref(),
            slow: args.slow,
            only: &args.only,
            shard: args.shard,
            rollup: args.html.is_some(),
        },
        baseline: args.baseline.as_deref(),
        gos: &args.go,
        exports: &args.exports(),
        out: args.out.as_deref(),
    };
    let mut notify = |notice: ReproduceNotice<'_>| match notice {
        ReproduceNotice::Fetch(event) => toolchains::print_progress(event),
        ReproduceNotice::Judge(note) => super::report::print_note(note),
    };
    // A toolchain error as itself, for the exit code (`--go next`).
    request
        .prepare(&mut notify)
        .map_err(RequestError::into_cause::<anyhow::Error>)
}

/// Ctrl-C (or SIGTERM) stopped the experiment running: keeps and prints
/// what finished before it, then exits with 128 + the signal.
fn print_interrupted(
    args: &ReproduceArgs,
    sink: &BarSink,
    lanes: &mut [ToolchainLane],
    batch: Batch<Plot>,
) -> Infallible {
    let ClosedBatch { plots, warnings } = reproduce_request::close(lanes, batch, true);
    finish(&sink.bar, &warnings);
    let done: usize = lanes.iter().map(|l| l.results.len()).sum();
    let signal = crate::cleanup::signalled().unwrap_or(2);
    eprintln!(
        "interrupted by {}: the experiment running was stopped; the {done} finished before it follow",
        crate::cleanup::signal_name(signal)
    );
    if let Some(file) = &args.html {
        if let Err(e) = super::html::write(file, &columns(lanes), &plots) {
            eprintln!("warning: --html {}: {e:#}", file.display());
        }
    }
    let format = VerdictFormat::of(args.json, args.markdown);
    if let Ok(printed) = output::printed(&columns(lanes), format, None) {
        let mut stdout = std::io::stdout();
        let _ = stdout
            .write_all(printed.stdout.as_bytes())
            .and_then(|()| stdout.flush());
    }
    // The worker may still be inside a run: exit now, killing what
    // is registered and removing temp paths.
    crate::cleanup::exit(crate::cleanup::interrupted_status(signal))
}

/// After the runs: --benchfmt and --html, then the verdicts (or matrix) and
/// the changes against --baseline on stdout; their exit status.
fn write_outputs(args: &ReproduceArgs, plan: &ReproducePlan, plots: &Plots) -> Result<u8> {
    plan.export(&args.exports(), plots, super::html::command_line)?;
    let format = VerdictFormat::of(args.json, args.markdown);
    let baseline = &plan.baseline;
    let guard = baseline.guard.as_ref().map(|b| (b, baseline.kept.as_ref()));
    super::report::print_verdicts(&plan.columns(), format, guard)
}

mod lanes;

use lanes::{BarSink, finish};
