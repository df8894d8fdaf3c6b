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

use std::fs::File;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use command_fds::{CommandFdExt, FdMapping};
use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::cleanup::{self, Guard};
use crate::measure::probe;
use crate::measure::trace::{Traced, Tracer};
use crate::run::cgroup::{self, MemoryOutcome, RunCgroup};
use crate::run::spec::{RunError, RunSpec};
use crate::run::stderr::{self, Stderr, StderrLine};
use crate::run::watchdog::Watchdog;
use crate::timeline::{Exit, SyscallEvent, TraceStats};

/// Variables passed through from the harness's own environment, when set.
const ALLOWED_FROM_PARENT: &[&str] = &["PATH", "HOME", "TMPDIR", "LANG", "TZ"];
/// How often a wait for a phase report checks that the fixture still lives
/// (a descendant may hold the report pipe open after the fixture exited).
const EXIT_POLL: Duration = Duration::from_millis(50);

/// A fixture process that is running (or exited but not yet reaped).
pub struct Running {
    process: Process,
    pub pid: Pid,
    pub started: Instant,
    command: String,
    settings: String,
    reports: Receiver<probe::Message>,
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
}

/// Who reaps the fixture: this handle, or the tracer thread.
enum Process {
    Plain(Child),
    Traced(Tracer),
}

impl Running {
    /// Spawns `binary` with `spec`. The process is killed when the handle drops.
    pub fn spawn(binary: &Path, spec: &RunSpec) -> Result<Running, RunError> {
        let command = describe(binary, &spec.args);
        let token = cleanup::new_token();
        let tagged = Guard::token(token.clone());
        let profile_env = spec.profile_env()?;
        let spawn_err = |source| RunError::Spawn {
            command: command.clone(),
            source,
        };
        let (report_read, report_write) = std::io::pipe().map_err(spawn_err)?;
        let (answer_read, answer_write) = std::io::pipe().map_err(spawn_err)?;

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
            .env(cleanup::RUN_TOKEN_VAR, &token)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
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
        let cgroup = spec
            .memory_max
            .map(|limit| {
                cgroup::locate()
                    .and_then(|place| RunCgroup::create(&place, limit))
                    .map_err(|reason| RunError::MemoryMax { reason })
            })
            .transpose()?;
        if let Some(procs) = cgroup.as_ref().map(|c| c.procs.clone()) {
            // SAFETY: `enter` only makes async-signal-safe syscalls, on a
            // path prepared before the fork. The fixture joins its cgroup
            // before it execs, so everything it allocates is charged there.
            unsafe { cmd.pre_exec(move || cgroup::enter(&procs)) };
        }
        let parent = nix::unistd::getpid();
        // SAFETY: the closure only makes async-signal-safe syscalls (prctl,
        // getppid) and build no allocating value between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                // Die with the harness, even if it is killed with SIGKILL.
                nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
                if nix::unistd::getppid() != parent {
                    // The harness died between fork and prctl: do not start.
                    return Err(std::io::Error::from_raw_os_error(nix::libc::ESRCH));
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
        })
    }

    /// Nanoseconds since spawn.
    pub fn elapsed_ns(&self) -> u64 {
        self.started.elapsed().as_nanos() as u64
    }

    /// The next phase report, or `None` once the fixture closed its report pipe.
    /// A fixture that exited counts as closed even if a descendant still
    /// holds the pipe.
    pub fn next_report(&mut self, deadline: Instant) -> Result<Option<probe::Report>, RunError> {
        loop {
            let wait = deadline
                .saturating_duration_since(Instant::now())
                .min(EXIT_POLL);
            match self.reports.recv_timeout(wait) {
                Ok(Ok(report)) => return Ok(Some(report)),
                Ok(Err(detail)) => return Err(self.protocol(detail)),
                Err(RecvTimeoutError::Disconnected) => return Ok(None),
                Err(RecvTimeoutError::Timeout) if Instant::now() >= deadline => {
                    return Err(self.timeout_error());
                }
                Err(RecvTimeoutError::Timeout) if cleanup::exited(self.pid.as_raw()) => {
                    return Ok(None);
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }

    /// Lets the fixture continue past the phase it reported.
    pub fn answer(&mut self) -> Result<(), RunError> {
        probe::answer(&mut self.answers).map_err(|e| self.protocol(format!("answer: {e}")))
    }

    /// Waits for the fixture to exit; a non-zero exit is a
    /// [`RunError::Crashed`], except a kill by the OOM killer of the run's
    /// own memory limit: that is the run's outcome (see [`Running::memory`]).
    pub fn wait(&mut self, deadline: Instant) -> Result<Exit, RunError> {
        let status = self.reap(deadline)?;
        if let Some(err) = self.over_max_rss() {
            return Err(err);
        }
        let exit = exit_of(status);
        self.memory = self.cgroup.as_ref().map(RunCgroup::outcome);
        let oom_killed = self.memory.is_some_and(|m| m.oom_kills > 0)
            && exit == Exit::Signal(Signal::SIGKILL as i32);
        if exit != Exit::Code(0) && !oom_killed {
            let stderr = self.take_stderr_kept();
            return Err(RunError::Crashed {
                command: self.command.clone(),
                settings: self.settings.clone(),
                status: status.to_string(),
                go_error: stderr.go_error.clone().or_else(|| stderr.flag_error()),
                stderr_tail: stderr.tail(),
            });
        }
        if let Some(problem) = self.trace.as_ref().and_then(|t| t.problem.clone()) {
            return Err(self.trace_error(problem));
        }
        Ok(exit)
    }

    /// What the run's memory cgroup saw (none without `memory_max`; call
    /// after [`Running::wait`]).
    pub fn memory(&self) -> Option<MemoryOutcome> {
        self.memory
    }

    /// The traced calls, in order (empty unless the run was traced; call
    /// after [`Running::wait`]).
    pub fn take_syscalls(&mut self) -> Vec<SyscallEvent> {
        self.trace
            .as_mut()
            .map(|t| std::mem::take(&mut t.syscalls))
            .unwrap_or_default()
    }

    /// What the tracer did, if the run was traced (call after [`Running::wait`]).
    pub fn trace_stats(&self) -> Option<TraceStats> {
        self.trace.as_ref().map(|t| t.stats)
    }

    /// Waits for the exit status until `deadline`; kills on timeout.
    fn reap(&mut self, deadline: Instant) -> Result<ExitStatus, RunError> {
        loop {
            match &mut self.process {
                Process::Plain(child) => {
                    let polled = child.try_wait().map_err(|e| self.protocol(e.to_string()))?;
                    if let Some(status) = polled {
                        self.mark_reaped();
                        return Ok(status);
                    }
                    if Instant::now() >= deadline {
                        return Err(self.timeout_error());
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                Process::Traced(tracer) => {
                    let Some(traced) = tracer.wait_until(deadline) else {
                        return Err(self.timeout_error());
                    };
                    self.mark_reaped();
                    let status = traced.status;
                    let problem = traced.problem.clone();
                    self.trace = Some(traced);
                    return status.ok_or_else(|| {
                        self.trace_error(problem.unwrap_or_else(|| "no exit status".into()))
                    });
                }
            }
        }
    }

    /// What was kept of stderr (see [`stderr`]), as bytes (call after
    /// [`Running::wait`]).
    pub fn take_stderr(&mut self) -> Vec<u8> {
        self.take_stderr_kept().bytes()
    }

    /// The kept stderr lines with their arrival times (call after
    /// [`Running::wait`]; empty if already taken).
    pub fn take_stderr_lines(&mut self) -> Vec<StderrLine> {
        self.take_stderr_kept().lines
    }

    /// What was kept of stderr: lines, total count, the Go error line.
    pub fn take_stderr_kept(&mut self) -> Stderr {
        self.stderr
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }

    /// Everything the fixture wrote on stdout (call after [`Running::wait`]).
    pub fn take_stdout(&mut self) -> Vec<u8> {
        join_output(self.stdout.take())
    }

    /// An error about this run, for the stages that drive it (the watchdog's
    /// if it killed the fixture: that is why /proc failed).
    pub fn proc_error(&self, detail: impl std::fmt::Display) -> RunError {
        self.over_max_rss().unwrap_or_else(|| RunError::Proc {
            command: self.command.clone(),
            detail: detail.to_string(),
        })
    }

    /// [`RunError::MaxRss`] if the watchdog killed the fixture.
    fn over_max_rss(&self) -> Option<RunError> {
        let t = self.watchdog.as_ref()?.tripped()?;
        Some(RunError::MaxRss {
            command: self.command.clone(),
            settings: self.settings.clone(),
            limit: self.max_rss,
            rss: t.rss_bytes,
            after: t.after,
        })
    }

    fn trace_error(&self, detail: String) -> RunError {
        RunError::Trace {
            command: self.command.clone(),
            detail,
        }
    }

    fn protocol(&self, detail: String) -> RunError {
        self.over_max_rss().unwrap_or_else(|| RunError::Protocol {
            command: self.command.clone(),
            detail,
        })
    }

    fn timeout_error(&mut self) -> RunError {
        self.kill();
        RunError::Timeout {
            command: self.command.clone(),
            settings: self.settings.clone(),
            waited: self.started.elapsed(),
            stderr_tail: self.take_stderr_kept().tail(),
        }
    }

    /// SIGKILL to the whole process group and every tagged process, then reap.
    fn kill(&mut self) {
        if self.reaped {
            return;
        }
        let _ = killpg(self.pid, Signal::SIGKILL);
        cleanup::kill_tagged(&self.token, Some(self.pid.as_raw()));
        match &mut self.process {
            Process::Plain(child) => {
                let _ = child.wait();
            }
            Process::Traced(tracer) => {
                if let Some(traced) = tracer.kill() {
                    self.trace = Some(traced);
                }
            }
        }
        self.mark_reaped();
    }

    /// The fixture is reaped: its group id may be reused, so stop tracking
    /// it; kill what it left behind (it would hold stdout/stderr open).
    fn mark_reaped(&mut self) {
        self.reaped = true;
        if let Some(group) = self.group.take() {
            group.forget();
        }
        self.tagged.undo();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
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

fn exit_of(status: ExitStatus) -> Exit {
    match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Code(code),
        (None, Some(signal)) => Exit::Signal(signal),
        (None, None) => Exit::Code(-1),
    }
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

fn join_output(handle: Option<JoinHandle<Vec<u8>>>) -> Vec<u8> {
    handle.and_then(|h| h.join().ok()).unwrap_or_default()
}
