//! `gomemlab watch -- CMD ARGS`: watch any program's memory (no probe), with
//! phases from its output lines or a clock, until it exits, `--duration`
//! passes or Ctrl-C; then keep and print what was recorded.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use anyhow::Result;
use regex::Regex;

use super::UsageError;
use super::run::{parse_interval, parse_key_value};
use crate::analyze::Analyzed;
use crate::experiment::results::{Manifest, ResultsDir};
use crate::report;
use crate::run::watch::{self, WatchEvent, WatchSpec};
use crate::timeline::ToolchainInfo;

/// How long a stopped program may take to exit after SIGINT before SIGKILL.
const GRACE: Duration = Duration::from_secs(2);
/// How often the slow tier (`status` + `smaps_rollup`) is read.
const SLOW_INTERVAL: Duration = Duration::from_secs(1);

#[derive(Debug, clap::Args)]
pub struct WatchArgs {
    /// Go toolchain put first on PATH for the command (so `go run` uses it):
    /// a `go` binary, a GOROOT, or a name like go1.21.13 (fetched if missing).
    #[arg(long, value_name = "GO")]
    go: Option<String>,
    /// Environment variable for the command, repeatable (it also inherits
    /// gomemlab's environment), e.g. --env GOGC=50.
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    env: Vec<(String, String)>,
    /// Interval of the fast /proc sampler, from 100us to 1s.
    #[arg(long, default_value = "1ms", value_parser = parse_interval)]
    interval: Duration,
    /// Each output line (stdout or stderr) matching REGEX starts a phase,
    /// named by the first capture group, else the whole match.
    #[arg(long, value_name = "REGEX")]
    phase: Option<String>,
    /// A phase every DURATION: `t+10s`, `t+20s`...
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    phase_every: Option<Duration>,
    /// Keep the watch in DIR: DIR/timeline.json and DIR/manifest.json, as `run --out`.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
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

pub fn watch(args: WatchArgs) -> Result<u8> {
    if args.command.is_empty() || args.command[0].is_empty() {
        return Err(UsageError(
            "no command to watch: give it after `--`, e.g. gomemlab watch --phase 'step (\\w+)' -- ./myprog -n 5".into(),
        )
        .into());
    }
    let phase = args.phase.as_deref().map(compile).transpose()?;
    for (flag, d) in [
        ("--phase-every", args.phase_every),
        ("--duration", args.duration),
    ] {
        if d.is_some_and(|d| d < Duration::from_millis(10)) {
            return Err(UsageError(format!("{flag} must be at least 10ms (e.g. 10s)")).into());
        }
    }
    let plot_format = args
        .plot
        .as_deref()
        .map(report::plot::Format::from_path)
        .transpose()?;
    let out = args.out.as_deref().map(ResultsDir::prepare).transpose()?;
    let mut env: BTreeMap<String, String> = args.env.into_iter().collect();
    let mut toolchain = None;
    if let Some(go) = &args.go {
        let tc = super::toolchains::resolve(Some(go))?;
        let bin = tc
            .go
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let path = env
            .get("PATH")
            .cloned()
            .or_else(|| std::env::var("PATH").ok())
            .unwrap_or_default();
        env.insert("PATH".into(), format!("{bin}:{path}"));
        env.entry("GOTOOLCHAIN".into())
            .or_insert_with(|| "local".into());
        toolchain = Some(ToolchainInfo {
            go: tc.go.display().to_string(),
            version: tc.version.name(),
            go_line: String::new(),
            goexperiment: None,
        });
    }
    let user_godebug = env
        .get("GODEBUG")
        .cloned()
        .or_else(|| std::env::var("GODEBUG").ok());
    let (godebug, hide_trace) = watch::trace_godebug(user_godebug.as_deref());
    env.insert("GODEBUG".into(), godebug);
    let spec = WatchSpec {
        command: args.command,
        env,
        interval: args.interval,
        slow_interval: SLOW_INTERVAL,
        phase,
        phase_every: args.phase_every,
        duration: args.duration,
        grace: GRACE,
        hide_trace,
        toolchain,
    };
    let stop = Arc::new(AtomicBool::new(false));
    crate::cleanup::defer_interrupt(Arc::clone(&stop));
    let mut on_event = |event: WatchEvent| match event {
        WatchEvent::Started { pid } => {
            eprintln!(
                "gomemlab: watching `{}` (pid {pid}); Ctrl-C ends the watch",
                spec.command.join(" ")
            );
        }
        WatchEvent::Sampling(t) if t.pid != 0 && watch::is_go_command(&spec.command[0]) => {
            eprintln!(
                "gomemlab: sampling pid {} ({})",
                t.pid,
                t.exe.as_deref().unwrap_or("?")
            );
        }
        WatchEvent::Sampling(_) => {}
    };
    let timeline = watch::watch(&spec, &stop, &mut on_event).map_err(|e| {
        let hint = match &e {
            watch::WatchError::Spawn { error, .. }
                if error.kind() == std::io::ErrorKind::NotFound =>
            {
                ": check the command's name or path (it is looked up on PATH)"
            }
            _ => "",
        };
        UsageError(format!("{e}{hint}"))
    })?;
    let run = Analyzed::of(timeline);
    let timeline = &run.timeline;
    let kept = out.as_ref().map(|dir| {
        let manifest = Manifest::new("watch", timeline.toolchain.version.clone(), &[]);
        (dir, manifest)
    });
    super::export::keep_and_write(
        kept,
        &run,
        "watch",
        args.plot.as_deref().zip(plot_format),
        args.perfetto.as_deref(),
        args.csv.as_deref(),
    )?;
    std::io::stdout().write_all(report::watch::watch_table(timeline).as_bytes())?;
    for note in report::watch::watch_notes(timeline) {
        eprintln!("note: {note}");
    }
    let unmatched = timeline.phases.is_empty()
        && (timeline.watch.as_ref())
            .is_some_and(|w| w.target_pid.is_some() && w.phases_missed == 0);
    if let (Some(regex), true) = (&args.phase, unmatched) {
        eprintln!("note: no output line matched --phase `{regex}`");
    }
    Ok(0)
}

/// The `--phase` regex, or a one-line usage error saying what is wrong.
fn compile(text: &str) -> Result<Regex, UsageError> {
    Regex::new(text).map_err(|e| {
        let why = e.to_string();
        let why = why
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        let why = why.strip_prefix("error: ").unwrap_or(why);
        UsageError(format!(
            "--phase `{text}` is not a regular expression ({why}): give one like 'step (\\w+)'"
        ))
    })
}
