//! The [`Running`] handle once the fixture is started: phase reports and
//! answers, waiting for the exit (a timeout kills), what the fixture wrote,
//! and the kill of its group and tagged processes when it ends or the handle
//! is dropped.

use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::sync::mpsc::RecvTimeoutError;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};

use super::{Process, Running};
use crate::cleanup;
use crate::measure::probe;
use crate::run::cgroup::RunCgroup;
use crate::run::spec::RunError;
use crate::run::stderr::{Stderr, StderrLine};
use crate::timeline::MemoryOutcome;
use crate::timeline::{Exit, SyscallEvent, TraceStats};

/// How often a wait for a phase report checks that the fixture still lives
/// (a descendant may hold the report pipe open after the fixture exited).
const EXIT_POLL: Duration = Duration::from_millis(50);

impl Running {
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

    /// Waits for the fixture to exit and says how, whatever the code (for a
    /// run that reports no phase, e.g. a fixture printing its usage); past
    /// `deadline` it is killed and this is a [`RunError::Timeout`].
    pub fn wait_exit(&mut self, deadline: Instant) -> Result<Exit, RunError> {
        Ok(exit_of(self.reap(deadline)?))
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

    /// What was kept of stderr (see `Running::stderr`), as bytes (call after
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

fn exit_of(status: ExitStatus) -> Exit {
    match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Code(code),
        (None, Some(signal)) => Exit::Signal(signal),
        (None, None) => Exit::Code(-1),
    }
}

fn join_output(handle: Option<JoinHandle<Vec<u8>>>) -> Vec<u8> {
    handle.and_then(|h| h.join().ok()).unwrap_or_default()
}
