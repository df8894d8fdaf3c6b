//! `gomemlab watch`: any command (a built binary, `go run`, a non-Go
//! program), owned like a fixture (its own process group, a parent-death
//! signal, its descendants tagged and killed when the watch ends), sampled on
//! the fast tier, read on the slow tier at a low rate, with phases taken from
//! its output lines or a clock, and the runtime's GC events when it is Go.
//! Returns a [`Timeline`] like a fixture run's (phases carry the OS view only).

mod command;
mod environment;
mod go_run;
mod output;
mod record;
mod settings;
mod stopped;
mod target;

use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::process::ExitStatus;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use regex::Regex;

pub use environment::{CommandEnv, command_env};
pub use output::{is_trace, phase_name};
pub use record::{MAX_EVENTS, MAX_PHASES, MAX_SLOW};
pub use settings::{every_name, trace_godebug};
pub use target::{Target, is_go_built, is_go_command};

use crate::cleanup::{self, Guard};
use crate::measure::sampler::Sampler;
use crate::run::exit_phase;
use crate::timeline::{Exit, Timeline, ToolchainInfo, WatchEnd};
use command::{command, exit_of, output_pipe, pipe_id, stop_command};
use output::{OutputMessage, Pump, Stream};
use record::{WatchRecord, no_exit_phase, what_watched};
use stopped::{SharedCaught, start_stops, stops_refused};

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
    /// Stop the program at its phase lines' writes and at its exit (else
    /// every phase row is the fallback and there is no exit phase).
    pub stops: bool,
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
    let spawn_error = |error| WatchError::Spawn {
        command: shown.clone(),
        error,
    };
    // Our own pipes (not `Stdio::piped`): the stop handler must know them
    // before the spawn, to tell writes to them from writes elsewhere.
    let (out_read, out_write) = output_pipe().map_err(spawn_error)?;
    let (err_read, err_write) = output_pipe().map_err(spawn_error)?;
    let pipes = [pipe_id(&out_read), pipe_id(&err_read)];
    let mut cmd = command(spec, &token, out_write, err_write);
    let follow_go = is_go_command(&spec.command[0]);
    let (tx, rx) = mpsc::channel();
    let caught = SharedCaught::default();
    let contention = crate::measure::contention::Meter::start();
    let started = Instant::now();
    let (hook, mut stops) = start_stops(spec, pipes, &caught, &tx, follow_go, started);
    cleanup::die_with_parent(&mut cmd);
    if let Some(hook) = hook {
        // SAFETY: the hook only makes async-signal-safe syscalls (seccomp,
        // sendmsg, close) and allocates nothing.
        unsafe { cmd.pre_exec(hook) };
    }
    let spawned = cmd.spawn();
    // Closes our copies of the pipes' write ends: EOF once the command's go.
    drop(cmd);
    if let Some(s) = stops.as_mut() {
        s.spawned();
    }
    let mut child = spawned.map_err(spawn_error)?;
    let root = child.id() as i32;
    let group = Guard::group(root);
    on_event(WatchEvent::Started { pid: root });
    let mut rec = WatchRecord::default();
    rec.info.stops_refused = stops_refused(stops.as_mut(), spec.stops);
    let lines = Arc::new(AtomicU64::new(0));
    let pump = |stream| Pump {
        stream,
        phase: spec.phase.clone(),
        hide_trace: spec.hide_trace,
        lines: Arc::clone(&lines),
        caught: Arc::clone(&caught),
    };
    let _ = pump(Stream::Stdout).start(out_read, started, tx.clone());
    let _ = pump(Stream::Stderr).start(err_read, started, tx.clone());
    drop(tx);

    let mut tiers = Tiers {
        spec,
        root,
        follow_go,
        started,
        target: None,
        sampler: None,
        next_slow: started,
        next_look: started,
        every_n: 1,
    };
    let (status, ended) = sample(&mut tiers, &mut rec, &mut child, stop, &rx, on_event);
    let status = match status {
        Some(status) => status,
        None => stop_command(&mut child, root, spec.grace),
    };
    let duration_ns = tiers.since(Instant::now());
    // The command is gone; what it or its descendants still hold open ends
    // with them, so the pumps reach EOF: take the lines still on the way.
    cleanup::kill_tagged(&token, Some(root));
    group.forget();
    drop(tagged);
    // Every process under the filter is gone: the supervisor ends, and with
    // it the handler's end of the channel.
    if let Some(s) = stops {
        rec.info.stops = s.finish().stops;
    }
    let drain_until = Instant::now() + Duration::from_secs(1);
    while let Ok(message) = rx.recv_timeout(drain_until.saturating_duration_since(Instant::now())) {
        let now = duration_since(started);
        take(
            &mut rec,
            message,
            tiers.target.as_ref(),
            root,
            follow_go,
            now,
        );
    }
    let end = (exit_of(status), ended, duration_ns);
    let lines = lines.load(Ordering::Relaxed);
    Ok(record(tiers, rec, end, contention.finish(), lines))
}

/// Samples until the command exits, `stop` is raised or the duration
/// passes, taking its output lines as they come; its status if it exited,
/// and why the watch ended.
fn sample(
    tiers: &mut Tiers<'_>,
    rec: &mut WatchRecord,
    child: &mut std::process::Child,
    stop: &AtomicBool,
    rx: &mpsc::Receiver<OutputMessage>,
    on_event: &mut dyn FnMut(WatchEvent),
) -> (Option<ExitStatus>, WatchEnd) {
    loop {
        let now = Instant::now();
        tiers.due(now, rec, on_event);
        if let Ok(Some(status)) = child.try_wait() {
            break (Some(status), WatchEnd::Exited);
        }
        if stop.load(Ordering::SeqCst) {
            break (None, WatchEnd::Interrupted);
        }
        if tiers
            .spec
            .duration
            .is_some_and(|d| now >= tiers.started + d)
        {
            break (None, WatchEnd::Duration);
        }
        match rx.recv_timeout(Duration::from_millis(10)) {
            Ok(message) => {
                // A line may come before the next periodic look.
                tiers.look(rec, on_event);
                let now = tiers.since(Instant::now());
                let (root, follow_go) = (tiers.root, tiers.follow_go);
                take(rec, message, tiers.target.as_ref(), root, follow_go, now);
            }
            Err(RecvTimeoutError::Disconnected) => std::thread::sleep(Duration::from_millis(10)),
            Err(RecvTimeoutError::Timeout) => {}
        }
    }
}

/// Nanoseconds from `started` to now.
fn duration_since(started: Instant) -> u64 {
    Instant::now().duration_since(started).as_nanos() as u64
}

/// What the watch samples: the process once found and its fast tier, and
/// when the next look for it, slow-tier read and clock phase are due.
struct Tiers<'a> {
    spec: &'a WatchSpec,
    root: i32,
    follow_go: bool,
    started: Instant,
    target: Option<Target>,
    sampler: Option<Sampler>,
    next_slow: Instant,
    next_look: Instant,
    every_n: u32,
}

impl Tiers<'_> {
    fn since(&self, t: Instant) -> u64 {
        t.duration_since(self.started).as_nanos() as u64
    }

    /// Finds the process to sample (at once for most commands; for `go`,
    /// once it started what it built) and starts the fast tier on it.
    fn look(&mut self, rec: &mut WatchRecord, on_event: &mut dyn FnMut(WatchEvent)) {
        if self.target.is_some() {
            return;
        }
        self.target = find_target(self.root, self.follow_go);
        if let Some(t) = &self.target {
            rec.info.target_t_ns = self.since(Instant::now());
            self.sampler = Sampler::start(t.pid, self.started, self.spec.interval).ok();
            on_event(WatchEvent::Sampling(t.clone()));
        }
    }

    /// What is due at `now`: a look for the process, the slow tier, a
    /// clock phase (`--phase-every`).
    fn due(&mut self, now: Instant, rec: &mut WatchRecord, on_event: &mut dyn FnMut(WatchEvent)) {
        if self.target.is_none() && now >= self.next_look {
            self.next_look = now + Duration::from_millis(20);
            self.look(rec, on_event);
        }
        let pid = self.target.as_ref().map(|t| t.pid);
        if let (Some(pid), true) = (pid, now >= self.next_slow) {
            rec.slow(pid, self.since(now));
            self.next_slow += self.spec.slow_interval;
        }
        if let Some(every) = self.spec.phase_every {
            if now >= self.started + every * self.every_n {
                let window = self.sampler.as_ref().map(Sampler::handle);
                rec.phase(
                    pid,
                    window.as_ref(),
                    self.since(now),
                    every_name(every * self.every_n),
                );
                self.every_n += 1;
            }
        }
    }
}

/// The timeline of a watch that ended (`end`: how the command exited, why
/// the watch ended, how long it took), from what was recorded.
fn record(
    tiers: Tiers<'_>,
    mut rec: WatchRecord,
    end: (Exit, WatchEnd, u64),
    contention: Option<crate::timeline::Contention>,
    lines: u64,
) -> Timeline {
    let (exit, ended, duration_ns) = end;
    let spec = tiers.spec;
    let target = tiers.target;
    let (samples, stats) = tiers.sampler.map(Sampler::stop).unwrap_or_default();
    rec.settle(&samples);
    exit_phase::set_lifetime_peak(&mut rec.phases, &samples);
    let no_exit_phase = no_exit_phase(&rec, &exit);
    let mut sampler_stats = stats;
    sampler_stats.phase_read_ns = rec.info.slow_read_ns;
    rec.info.output_lines = lines;
    rec.info.command = spec.command.clone();
    rec.info.root_pid = tiers.root;
    rec.info.target_pid = target.as_ref().map(|t| t.pid);
    rec.info.target_exe = target.as_ref().and_then(|t| t.exe.clone());
    rec.info.slow_interval_ms = spec.slow_interval.as_millis() as u64;
    rec.info.ended = ended;
    let (toolchain, fixture, settings) = what_watched(spec, &rec);
    Timeline {
        gomemlab_version: env!("CARGO_PKG_VERSION").to_string(),
        toolchain,
        fixture,
        settings,
        phases: std::mem::take(&mut rec.phases),
        samples,
        sampler: sampler_stats,
        syscalls: vec![],
        trace: None,
        exit,
        duration_ns,
        events: std::mem::take(&mut rec.events),
        unparsed_trace_lines: rec.unparsed_trace_lines,
        stderr_lines: rec.stderr_trace_lines,
        contention,
        memory_limit: None,
        watch: Some(rec.info),
        no_exit_phase,
    }
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

/// Handles one message of the output pumps or the stop handler.
fn take(
    rec: &mut WatchRecord,
    message: OutputMessage,
    target: Option<&Target>,
    root: i32,
    follow_go: bool,
    now_ns: u64,
) {
    let pid = target.map(|t| t.pid);
    match message {
        OutputMessage::Phase { t_ns, name } => rec.line(pid.or(Some(root)), t_ns, now_ns, name),
        OutputMessage::Stopped { t_ns, name, os } => rec.stopped(t_ns, name, os),
        OutputMessage::Exit { t_ns, os } => rec.exit(t_ns, os),
        // Trace lines before the program started are the go command's own.
        OutputMessage::Trace { t_ns, text } if pid.is_some() || !follow_go => {
            rec.trace(t_ns, &text)
        }
        OutputMessage::Trace { .. } => {}
    }
}
