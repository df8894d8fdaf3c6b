//! `gomemlab watch -- CMD ARGS`: watch any program's memory (no probe), with
//! phases from its output lines or a clock, until it exits, `--duration`
//! passes or Ctrl-C; then keep and print what was recorded. Like `run`:
//! `--json` prints the timeline, and `--go A --go B` watches the command on
//! each toolchain in turn and prints the phases side by side.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use crate::lab::RequestError;
use crate::lab::watch_request::{WatchNotice, WatchRequest};
use crate::report;
use crate::run::setup::watch::WatchOptions;
use crate::run::setup::{parse_interval, parse_key_value};
use crate::run::watch::{self, WatchEvent};
use anyhow::Result;

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// Go toolchain put first on PATH for the command (so `go run` uses it):
    /// a `go` binary, a GOROOT, or a name like go1.21.13 (fetched if missing).
    /// Repeat it (or `all`) to watch the command on each, one after the
    /// other, and print the phases side by side (as `run --go A --go B`);
    /// --out DIR then keeps each in DIR/<go version>/, --json prints an array.
    #[arg(long, value_name = "GO")]
    go: Vec<String>,
    /// Print the timeline as JSON on stdout instead of the phase table.
    #[arg(long)]
    json: bool,
    /// Environment variable for the command, repeatable (it also inherits
    /// gomemlab's environment), e.g. --env GOGC=50.
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    env: Vec<(String, String)>,
    /// Interval of the fast /proc sampler, from 100us to 1s. Each sample also keeps the highest RSS since the previous one (its window), so no spike is missed at any interval.
    #[arg(long, default_value = "10ms", value_parser = parse_interval, allow_hyphen_values = true)]
    interval: Duration,
    /// Each output line (stdout or stderr) matching REGEX starts a phase,
    /// named by the first capture group, else the whole match.
    #[arg(long, value_name = "REGEX")]
    phase: Option<String>,
    /// A phase every DURATION: `t+10s`, `t+20s`...
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    phase_every: Option<Duration>,
    /// Do not stop the program at its phase lines' writes and at its exit
    /// (seccomp): phase rows are then the fast-tier sample at the line, and
    /// there is no `exit` phase.
    #[arg(long)]
    no_stop: bool,
    /// Keep the watch in DIR: DIR/timeline.json and DIR/manifest.json, as `run --out`.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Leave running what the command started in the background (daemons).
    /// Default: every process below the watch ends with it, even one that
    /// cleared its environment and called setsid.
    #[arg(long)]
    leave_daemons: bool,
    /// Plot memory over time to FILE (.svg or .png).
    #[arg(long, value_name = "FILE")]
    plot: Option<PathBuf>,
    /// Write the watch as a Perfetto / Chrome trace (JSON) to FILE.
    #[arg(long, value_name = "FILE")]
    perfetto: Option<PathBuf>,
    /// Write DIR/samples.csv and DIR/phases.csv.
    #[arg(long, value_name = "DIR")]
    csv: Option<PathBuf>,
    /// Stop the command after this long (SIGINT, then SIGKILL 2 s later).
    #[arg(long, value_parser = humantime::parse_duration)]
    duration: Option<Duration>,
    /// The command to watch and its arguments, after `--`.
    #[arg(last = true, value_name = "CMD")]
    command: Vec<String>,
}

impl WatchArgs {
    /// What the watch is asked, for [`crate::run::setup::watch`].
    fn options(&self) -> WatchOptions {
        WatchOptions {
            command: self.command.clone(),
            env: self.env.clone(),
            interval: self.interval,
            phase: self.phase.clone(),
            phase_every: self.phase_every,
            duration: self.duration,
            stops: !self.no_stop,
        }
    }
}

pub fn watch(args: WatchArgs) -> Result<u8> {
    let options = args.options();
    let phase = options.check()?;
    let plot = report::plot::Format::of_flag(args.plot.as_deref())?;
    let request = WatchRequest {
        options: &options,
        phase,
        gos: &args.go,
        out: args.out.as_deref(),
        plot,
        perfetto: args.perfetto.as_deref(),
        csv: args.csv.as_deref(),
        leave_daemons: args.leave_daemons,
    };
    let inner = RequestError::into_cause::<anyhow::Error>;
    let mut notify = printer(args.phase.as_deref());
    let lanes = request.prepare(&mut notify).map_err(inner)?;
    let stop = Arc::new(AtomicBool::new(false));
    crate::cleanup::defer_interrupt(Arc::clone(&stop));
    // With --json, stdout is the JSON alone: what the program writes on its
    // stdout is passed on to gomemlab's stderr for the watch.
    let redirected = args.json.then(StdoutToStderr::start).transpose()?;
    let runs = request.watch(lanes, &stop, &mut notify).map_err(inner)?;
    drop(redirected);
    let timelines: Vec<&crate::timeline::Timeline> = runs.iter().map(|r| &r.timeline).collect();
    let several = crate::toolchain::several(&args.go);
    let text = report::watch::watches_text(several, args.json, &timelines);
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(stopped_status())
}

/// Prints what a watch tells (on stderr): its notes, what it watches, and
/// once kept what is worth noting of it (`phase`: the `--phase` regex).
fn printer(phase: Option<&str>) -> impl FnMut(WatchNotice<'_>) {
    move |notice: WatchNotice<'_>| match notice {
        WatchNotice::Fetch(event) => super::toolchains::print_progress(event),
        WatchNotice::Note(note) => eprintln!("note: {note}"),
        WatchNotice::Event {
            command,
            event: WatchEvent::Started { pid },
        } => eprintln!(
            "gomemlab: watching `{}` (pid {pid}); Ctrl-C ends the watch",
            command.join(" ")
        ),
        WatchNotice::Event {
            command,
            event: WatchEvent::Sampling(t),
        } if t.pid != 0 && watch::is_go_command(&command[0]) => eprintln!(
            "gomemlab: sampling pid {} ({})",
            t.pid,
            t.exe.as_deref().unwrap_or("?")
        ),
        WatchNotice::Event { .. } => {}
        WatchNotice::Watched(run) => {
            for note in report::watch::watch_notes(&run.timeline) {
                eprintln!("note: {note}");
            }
            if let Some(note) = report::watch::unmatched_phase(&run.timeline, phase) {
                eprintln!("note: {note}");
            }
        }
    }
}

/// Ctrl-C is how a watch ends (0); SIGTERM or SIGHUP kept the record too,
/// but says it was stopped from outside (128 + N).
fn stopped_status() -> u8 {
    match crate::cleanup::signalled() {
        Some(signal) if signal != nix::libc::SIGINT => {
            eprintln!(
                "gomemlab: interrupted by {}: the record up to it is kept",
                crate::cleanup::signal_name(signal)
            );
            crate::cleanup::interrupted_status(signal)
        }
        _ => 0,
    }
}

/// File descriptor 1 pointed at stderr until dropped, then restored.
struct StdoutToStderr {
    saved: std::os::fd::OwnedFd,
}

impl StdoutToStderr {
    fn start() -> Result<StdoutToStderr> {
        std::io::stdout().flush()?;
        let saved = nix::unistd::dup(std::io::stdout())?;
        nix::unistd::dup2_stdout(std::io::stderr())?;
        Ok(StdoutToStderr { saved })
    }
}

impl Drop for StdoutToStderr {
    fn drop(&mut self) {
        let _ = std::io::stdout().flush();
        let _ = nix::unistd::dup2_stdout(&self.saved);
    }
}
