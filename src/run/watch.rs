//! `gomemlab watch`: any command (a built binary, `go run`, a non-Go
//! program), owned like a fixture (its own process group, a parent-death
//! signal, its descendants tagged and killed when the watch ends), sampled on
//! the fast tier, read on the slow tier at a low rate, with phases taken from
//! its output lines or a clock, and the runtime's GC events when it is Go.
//! Returns a [`Timeline`] like a fixture run's (phases carry the OS view only).

mod output;
mod record;
mod settings;
mod target;

use std::collections::BTreeMap;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use regex::Regex;

pub use output::{is_trace, phase_name};
pub use record::{MAX_EVENTS, MAX_PHASES, MAX_SLOW};
pub use settings::{every_name, trace_godebug};
pub use target::{Target, is_go_built, is_go_command};

use crate::cleanup::{self, Guard};
use crate::measure::sampler::Sampler;
use crate::timeline::{Exit, FixtureInfo, Settings, Timeline, ToolchainInfo, WatchEnd};
use output::{OutputMessage, Pump, Stream};
use record::WatchRecord;

/// What to watch and how.
#[derive(Debug, Clone)]
pub struct WatchSpec {
    /// Program and arguments.
    pub command: Vec<String>,
    /// Variables set on top of gomemlab's own environment (which the
    /// command inherits, as from a shell).
    pub env: BTreeMap<String, String>,
    /// Fast-tier interval.
    pub interval: Duration,
    /// Slow-tier interval.
    pub slow_interval: Duration,
    /// Each line of output that matches starts a phase.
    pub phase: Option<Regex>,
    /// A phase `t+D`, `t+2D`... every D.
    pub phase_every: Option<Duration>,
    /// Stop the command after this long.
    pub duration: Option<Duration>,
    /// After SIGINT, how long the command may take to exit before SIGKILL.
    pub grace: Duration,
    /// Do not pass runtime trace lines through to the user.
    pub hide_trace: bool,
    /// The Go toolchain put first on PATH, if any (recorded in the timeline).
    pub toolchain: Option<ToolchainInfo>,
}

/// How a watch fails (before it starts; once started it always returns its record).
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("cannot start `{command}`: {error}")]
    Spawn {
        command: String,
        error: std::io::Error,
    },
}

/// What the watch tells its caller as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchEvent {
    /// The command started with this PID.
    Started { pid: i32 },
    /// The process sampled from now on (the command, or what `go` built).
    Sampling(Target),
}

/// Runs the watch until the command exits, `spec.duration` passes or `stop`
/// is raised (Ctrl-C), and returns what was recorded.
pub fn watch(
    spec: &WatchSpec,
    stop: &AtomicBool,
    on_event: &mut dyn FnMut(WatchEvent),
) -> Result<Timeline, WatchError> {
    let shown = spec.command.join(" ");
    let token = cleanup::new_token();
    let tagged = Guard::token(token.clone());
    let mut cmd = Command::new(&spec.command[0]);
    cmd.args(&spec.command[1..])
        .envs(&spec.env)
        .env(cleanup::RUN_TOKEN_VAR, &token)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    cleanup::die_with_parent(&mut cmd);
    let contention = crate::measure::contention::Meter::start();
    let started = Instant::now();
    let mut child = cmd.spawn().map_err(|error| WatchError::Spawn {
        command: shown.clone(),
        error,
    })?;
    let root = child.id() as i32;
    let group = Guard::group(root);
    on_event(WatchEvent::Started { pid: root });
    let (tx, rx) = mpsc::channel();
    let lines = Arc::new(AtomicU64::new(0));
    let pump = |stream| Pump {
        stream,
        phase: spec.phase.clone(),
        hide_trace: spec.hide_trace,
        lines: Arc::clone(&lines),
    };
    if let Some(out) = child.stdout.take() {
        let _ = pump(Stream::Stdout).start(out, started, tx.clone());
    }
    if let Some(err) = child.stderr.take() {
        let _ = pump(Stream::Stderr).start(err, started, tx.clone());
    }
    drop(tx);

    let follow_go = is_go_command(&spec.command[0]);
    let mut rec = WatchRecord::default();
    let mut target: Option<Target> = None;
    let mut sampler: Option<Sampler> = None;
    let mut next_slow = started;
    let mut next_look = started;
    let mut every_n = 1u32;
    let since = |t: Instant| t.duration_since(started).as_nanos() as u64;
    // Finds the process to sample (at once for most commands; for `go`, once
    // it started what it built) and starts the fast tier on it.
    let mut look =
        |target: &mut Option<Target>, sampler: &mut Option<Sampler>, rec: &mut WatchRecord| {
            if target.is_some() {
                return;
            }
            *target = find_target(root, follow_go);
            if let Some(t) = target {
                rec.info.target_t_ns = since(Instant::now());
                *sampler = Sampler::start(t.pid, started, spec.interval).ok();
                on_event(WatchEvent::Sampling(t.clone()));
            }
        };
    let (status, ended) = loop {
        let now = Instant::now();
        if target.is_none() && now >= next_look {
            next_look = now + Duration::from_millis(20);
            look(&mut target, &mut sampler, &mut rec);
        }
        let pid = target.as_ref().map(|t| t.pid);
        if let (Some(pid), true) = (pid, now >= next_slow) {
            rec.slow(pid, since(now));
            next_slow += spec.slow_interval;
        }
        if let Some(every) = spec.phase_every {
            if now >= started + every * every_n {
                rec.phase(pid, since(now), every_name(every * every_n));
                every_n += 1;
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            break (Some(status), WatchEnd::Exited);
        }
        if stop.load(Ordering::SeqCst) {
            break (None, WatchEnd::Interrupted);
        }
        if spec.duration.is_some_and(|d| now >= started + d) {
            break (None, WatchEnd::Duration);
        }
        match rx.recv_timeout(Duration::from_millis(10)) {
            Ok(message) => {
                // A line may come before the next periodic look.
                look(&mut target, &mut sampler, &mut rec);
                take(&mut rec, message, target.as_ref(), root, follow_go);
            }
            Err(RecvTimeoutError::Disconnected) => std::thread::sleep(Duration::from_millis(10)),
            Err(RecvTimeoutError::Timeout) => {}
        }
    };
    let status = match status {
        Some(status) => status,
        None => stop_command(&mut child, root, spec.grace),
    };
    let duration_ns = since(Instant::now());
    // The command is gone; what it or its descendants still hold open ends
    // with them, so the pumps reach EOF: take the lines still on the way.
    cleanup::kill_tagged(&token, Some(root));
    group.forget();
    drop(tagged);
    let drain_until = Instant::now() + Duration::from_secs(1);
    while let Ok(message) = rx.recv_timeout(drain_until.saturating_duration_since(Instant::now())) {
        take(&mut rec, message, target.as_ref(), root, follow_go);
    }
    let (samples, stats) = sampler.map(Sampler::stop).unwrap_or_default();
    let mut sampler_stats = stats;
    sampler_stats.phase_read_ns = rec.info.slow_read_ns;
    rec.info.output_lines = lines.load(Ordering::Relaxed);
    rec.info.command = spec.command.clone();
    rec.info.root_pid = root;
    rec.info.target_pid = target.as_ref().map(|t| t.pid);
    rec.info.target_exe = target.as_ref().and_then(|t| t.exe.clone());
    rec.info.slow_interval_ms = spec.slow_interval.as_millis() as u64;
    rec.info.ended = ended;
    let program = std::path::Path::new(&spec.command[0])
        .file_name()
        .map_or(spec.command[0].clone(), |n| {
            n.to_string_lossy().into_owned()
        });
    Ok(Timeline {
        gomemlab_version: env!("CARGO_PKG_VERSION").to_string(),
        toolchain: spec.toolchain.clone().unwrap_or(ToolchainInfo {
            go: String::new(),
            version: String::new(),
            go_line: String::new(),
            goexperiment: None,
        }),
        fixture: FixtureInfo {
            name: program,
            args: spec.command[1..].to_vec(),
            binary: rec.info.target_exe.clone().unwrap_or_default(),
            build_key: String::new(),
            build_tags: vec![],
        },
        settings: Settings {
            env: spec.env.clone(),
            timeout_ms: spec.duration.map_or(0, |d| d.as_millis() as u64),
            sample_interval_us: spec.interval.as_micros() as u64,
            heap_profile: vec![],
        },
        phases: std::mem::take(&mut rec.phases),
        samples,
        sampler: sampler_stats,
        syscalls: vec![],
        trace: None,
        exit: exit_of(status),
        duration_ns,
        events: std::mem::take(&mut rec.events),
        unparsed_trace_lines: rec.unparsed_trace_lines,
        stderr_lines: rec.stderr_trace_lines,
        contention: contention.finish(),
        memory_limit: None,
        watch: Some(rec.info),
    })
}

/// The process to sample: the command itself, or what `go` built.
fn find_target(root: i32, follow_go: bool) -> Option<Target> {
    if follow_go {
        target::go_built_descendant(root)
    } else {
        Some(Target {
            pid: root,
            exe: target::exe_of(root),
        })
    }
}

/// Handles one message of the output pumps.
fn take(
    rec: &mut WatchRecord,
    message: OutputMessage,
    target: Option<&Target>,
    root: i32,
    follow_go: bool,
) {
    let pid = target.map(|t| t.pid);
    match message {
        OutputMessage::Phase { t_ns, name } => rec.phase(pid.or(Some(root)), t_ns, name),
        // Trace lines before the program started are the go command's own.
        OutputMessage::Trace { t_ns, text } if pid.is_some() || !follow_go => {
            rec.trace(t_ns, &text)
        }
        OutputMessage::Trace { .. } => {}
    }
}

/// SIGINT to the command's group, then SIGKILL after `grace`; reaps it.
fn stop_command(child: &mut std::process::Child, root: i32, grace: Duration) -> ExitStatus {
    let _ = killpg(Pid::from_raw(root), Signal::SIGINT);
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = killpg(Pid::from_raw(root), Signal::SIGKILL);
    child
        .wait()
        .unwrap_or_else(|_| ExitStatus::from_raw(Signal::SIGKILL as i32))
}

fn exit_of(status: ExitStatus) -> Exit {
    match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Code(code),
        (None, Some(signal)) => Exit::Signal(signal),
        (None, None) => Exit::Code(-1),
    }
}
