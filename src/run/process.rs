//! Starts a fixture under a controlled environment and owns it until it is
//! reaped: cleared environment plus an allow-list plus the run's settings,
//! its own process group, a parent-death signal, no inherited descriptor but
//! stdio and the probe pipe, an RSS watchdog, and SIGKILL to the whole group
//! and to every process it started (found by its run token, even after
//! `setsid`) when it ends or the handle is dropped (normal end, error, panic).
//!
//! With `RunSpec::trace_syscalls` the fixture is spawned by a
//! [`Tracer`] thread instead, which also reaps it; the handle works
//! the same either way.
//!
//! This file spawns; `reap.rs` is the handle's life after that (reports,
//! waiting, killing).

mod reap;

use std::fs::File;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::thread::JoinHandle;
use std::time::Instant;

use command_fds::{CommandFdExt, FdMapping};
use nix::unistd::Pid;

use crate::cleanup::{self, Guard};
use crate::measure::os_view;
use crate::measure::probe;
use crate::measure::sampler::Sampler;
use crate::measure::stops::{Prepared, Stop, Stops, StopsSpec};
use crate::measure::trace::{Traced, Tracer};
use crate::run::cgroup::{self, RunCgroup};
use crate::run::spec::{RunError, RunSpec};
use crate::run::stderr::{self, Stderr};
use crate::run::watchdog::Watchdog;
use crate::timeline::MemoryOutcome;
use crate::timeline::{OsView, PhaseReads};

/// Variables passed through from the harness's own environment, when set.
const ALLOWED_FROM_PARENT: &[&str] = &["PATH", "HOME", "TMPDIR", "LANG", "TZ"];

/// A fixture process that is running (or exited but not yet reaped).
pub struct Running {
    process: Process,
    pub pid: Pid,
    pub started: Instant,
    command: String,
    settings: String,
    reports: Receiver<probe::ProbeMessage>,
    answers: File,
    stderr: Option<JoinHandle<Stderr>>,
    stdout: Option<JoinHandle<Vec<u8>>>,
    reaped: bool,
    /// What the tracer recorded, once the traced fixture is reaped.
    trace: Option<Traced>,
    /// The RSS limit the watchdog enforces (bytes).
    max_rss: u64,
    watchdog: Option<Watchdog>,
    /// Kill the group and every tagged process on interrupt and on drop.
    group: Option<Guard>,
    tagged: Guard,
    token: String,
    /// The run's own memory cgroup (`RunSpec::memory_max`); removed after
    /// the fixture is reaped (fields drop after `Drop::drop` kills it).
    cgroup: Option<RunCgroup>,
    /// What the cgroup saw, read once the fixture was reaped.
    memory: Option<MemoryOutcome>,
    /// The supervisor that stops the fixture at `exit_group`.
    stops: Option<Stops>,
    /// The snapshot it took there.
    exit_snapshot: ExitSlot,
}

/// The OS view at exit and when it was read, once the fixture reached it.
pub type ExitSlot = std::sync::Arc<std::sync::Mutex<Option<(Instant, OsView)>>>;

/// The child's side of the exit stop, run between fork and exec.
type ChildHook = Box<dyn Fn() -> std::io::Result<()> + Send + Sync>;

/// A supervisor that reads the OS view of the harness's own child when it
/// calls `exit_group` (and of nothing else: a descendant's exit passes).
/// `None` where seccomp is not available: the run has no exit phase.
fn exit_stops(slot: &ExitSlot) -> Option<(Stops, ChildHook)> {
    let prepared = Prepared::new(StopsSpec { writes: false }).ok().flatten()?;
    let hook: ChildHook = Box::new(prepared.child_hook());
    let theirs = std::sync::Arc::clone(slot);
    let harness = std::process::id() as i32;
    let handler = move |stop: Stop<'_>| {
        let Stop::Exit { tid, .. } = stop else {
            return;
        };
        if os_view::parent_of(tid) != Some(harness) {
            return;
        }
        let mut kept = theirs.lock().unwrap_or_else(|e| e.into_inner());
        if kept.is_none() {
            if let Ok(os) = os_view::read(tid, true, &mut PhaseReads::default()) {
                *kept = Some((Instant::now(), os));
            }
        }
    };
    let stops = prepared.supervise(Instant::now(), handler).ok()?;
    Some((stops, hook))
}

/// Who reaps the fixture: this handle, or the tracer thread.
enum Process {
    Plain(Child),
    Traced(Tracer),
}

/// The fixture's command: its arguments, the environment it is allowed
/// (the parent's few, the spec's, the profile's, the probe's descriptors
/// and the run token), null stdin, piped output, a process group of its own.
fn fixture_command(
    binary: &Path,
    spec: &RunSpec,
    token: &str,
    profile_env: Vec<(&'static str, std::ffi::OsString)>,
) -> Command {
    let mut cmd = Command::new(binary);
    cmd.args(&spec.args)
        .env_clear()
        .envs(
            ALLOWED_FROM_PARENT
                .iter()
                .filter_map(|k| std::env::var_os(k).map(|v| (k.to_string(), v))),
        )
        .envs(&spec.env)
        .envs(profile_env)
        .env(
            probe::FDS_VAR,
            format!("{},{}", probe::CHILD_REPORT_FD, probe::CHILD_ANSWER_FD),
        )
        .env(cleanup::RUN_TOKEN_VAR, token)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    cmd
}

/// `--memory-max`: the run's own memory cgroup, made before the spawn.
fn run_cgroup(spec: &RunSpec) -> Result<Option<RunCgroup>, RunError> {
    spec.memory_max
        .map(|limit| {
            cgroup::locate()
                .and_then(|place| RunCgroup::create(&place, limit))
                .map_err(|reason| RunError::MemoryMax { reason })
        })
        .transpose()
}

impl Running {
    /// Spawns `binary` with `spec`. The process is killed when the handle drops.
    pub fn spawn(binary: &Path, spec: &RunSpec) -> Result<Running, RunError> {
        let command = describe(binary, &spec.args);
        let token = cleanup::new_token();
        let tagged = Guard::token(token.clone());
        let profile_env = spec.profile_env()?;
        let spawn_err = |error| RunError::Spawn {
            command: command.clone(),
            error,
        };
        let (report_read, report_write) = std::io::pipe().map_err(spawn_err)?;
        let (answer_read, answer_write) = std::io::pipe().map_err(spawn_err)?;

        let mut cmd = fixture_command(binary, spec, &token, profile_env);
        cmd.fd_mappings(vec![
            FdMapping {
                parent_fd: report_write.into(),
                child_fd: probe::CHILD_REPORT_FD,
            },
            FdMapping {
                parent_fd: answer_read.into(),
                child_fd: probe::CHILD_ANSWER_FD,
            },
        ])
        .map_err(|e| spawn_err(std::io::Error::other(e.to_string())))?;
        let cgroup = run_cgroup(spec)?;
        if let Some(procs) = cgroup.as_ref().map(|c| c.procs.clone()) {
            // SAFETY: `enter` only makes async-signal-safe syscalls, on a
            // path prepared before the fork. The fixture joins its cgroup
            // before it execs, so everything it allocates is charged there.
            unsafe { cmd.pre_exec(move || cgroup::enter(&procs)) };
        }
        cleanup::die_with_parent(&mut cmd);
        let exit_snapshot = ExitSlot::default();
        let (mut stops, exit_hook) = exit_stops(&exit_snapshot).unzip();
        // SAFETY: the closure only makes async-signal-safe syscalls (the exit
        // stop's seccomp and sendmsg, close_range) and builds no allocating
        // value between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                // Before the close below: it would close the hook's socket.
                if let Some(hook) = &exit_hook {
                    hook()?;
                }
                close_inherited_fds();
                Ok(())
            });
        }
        let (process, pid, started, stdout, stderr) = if spec.trace_syscalls {
            // The tracer thread drops `cmd` (our pipe ends) right after the spawn.
            let mut tracer = Tracer::spawn(cmd).map_err(|e| RunError::Trace {
                command: command.clone(),
                detail: e.to_string(),
            })?;
            let (stdout, stderr) = (tracer.stdout.take(), tracer.stderr.take());
            let (pid, started) = (tracer.pid, tracer.started);
            (Process::Traced(tracer), pid, started, stdout, stderr)
        } else {
            let started = Instant::now();
            let mut child = cmd.spawn().map_err(spawn_err)?;
            // Closes our copies of the child's pipe ends, so EOF on the report
            // pipe means the fixture is gone.
            drop(cmd);
            let pid = Pid::from_raw(child.id() as i32);
            let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
            (Process::Plain(child), pid, started, stdout, stderr)
        };
        if let Some(stops) = stops.as_mut() {
            stops.spawned();
        }
        let group = Guard::group(pid.as_raw());
        let stderr = stderr.map(|s| stderr::collect(s, started));
        let stdout = stdout.map(collect);
        let (reports, _reader) = probe::spawn_reader(report_read);
        let watchdog = Watchdog::start(pid.as_raw(), started, spec.max_rss).ok();
        Ok(Running {
            process,
            pid,
            started,
            command,
            settings: spec.settings_text(),
            reports,
            answers: File::from(std::os::fd::OwnedFd::from(answer_write)),
            stderr,
            stdout,
            reaped: false,
            trace: None,
            max_rss: spec.max_rss,
            watchdog,
            group: Some(group),
            tagged,
            token,
            cgroup,
            memory: None,
            stops,
            exit_snapshot,
        })
    }

    /// The RSS watchdog checks `sampler`'s samples from now on, instead of
    /// reading RSS on a thread of its own ([`Watchdog::hand_to`]).
    pub fn hand_watchdog_to(&mut self, sampler: &Sampler) {
        if let Some(w) = self.watchdog.as_mut() {
            w.hand_to(sampler);
        }
    }

    /// Nanoseconds since spawn.
    pub fn elapsed_ns(&self) -> u64 {
        self.started.elapsed().as_nanos() as u64
    }
}

/// The binary's file name and its arguments, for messages.
fn describe(binary: &Path, args: &[String]) -> String {
    let name = binary
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| binary.display().to_string());
    let mut words = vec![format!("`{name}")];
    words.extend(args.iter().cloned());
    format!("{}`", words.join(" "))
}

fn collect(mut source: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = source.read_to_end(&mut buf);
        buf
    })
}

/// Closes every descriptor above the probe's (between fork and exec: only
/// async-signal-safe syscalls), so nothing the harness opened without
/// `O_CLOEXEC` reaches the fixture.
fn close_inherited_fds() {
    let first = (probe::CHILD_ANSWER_FD.max(probe::CHILD_REPORT_FD) + 1) as nix::libc::c_uint;
    // SAFETY: close_range only closes descriptors of this (forked) process.
    let done = unsafe { nix::libc::syscall(nix::libc::SYS_close_range, first, u32::MAX, 0) };
    if done != 0 {
        for fd in first as i32..4096 {
            // SAFETY: as above; closing a descriptor that is not open is harmless.
            unsafe { nix::libc::close(fd) };
        }
    }
}
