//! Opt-in syscall trace of a fixture: mmap, munmap, madvise, mprotect and brk
//! of every thread, with time, thread, decoded arguments and result.
//!
//! How: the fixture is spawned with PTRACE_TRACEME and a seccomp filter that
//! returns SECCOMP_RET_TRACE for those five syscalls only, so nothing else
//! stops it. ptrace requests must come from the thread that forked the
//! tracee, so a dedicated tracer thread spawns the fixture, hands back its
//! pid and pipes, runs the ptrace loop (`engine.rs`) and finally hands back
//! the exit status and the events.
//!
//! Limits: the filter is inherited by anything the fixture forks, and
//! without a tracer there a traced syscall fails with ENOSYS, so fixtures
//! must not start other programs while traced (the bundled ones do not).
//! Tracing slows each traced call by a few context switches: never mix it
//! into a run whose claims are about timing.

mod decode;
mod engine;
pub(crate) mod filter;

use std::os::unix::process::CommandExt;
use std::process::{ChildStderr, ChildStdout, Command, ExitStatus};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError, sync_channel};
use std::thread::JoinHandle;
use std::time::Instant;

use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{WaitPidFlag, waitpid};
use nix::unistd::Pid;

use crate::timeline::{SyscallEvent, TraceStats};
use filter::Arch;

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error(
        "syscall tracing is not supported on {arch}: gomemlab knows the syscall numbers of x86_64 and aarch64 only; run without tracing"
    )]
    UnsupportedArch { arch: &'static str },
    #[error("failed to start the tracer thread: {0}")]
    Thread(std::io::Error),
    #[error("failed to start the traced fixture: {0}")]
    Spawn(std::io::Error),
}

/// The end of a traced run.
#[derive(Debug, Clone)]
pub struct Traced {
    /// The fixture's exit status; `None` if the tracer lost track of it.
    pub status: Option<ExitStatus>,
    /// Every traced call, in the order the calls were entered.
    pub syscalls: Vec<SyscallEvent>,
    pub stats: TraceStats,
    /// The first thing that went wrong while tracing (the trace may be incomplete).
    pub problem: Option<String>,
}

/// A fixture running under the tracer thread. Killed (SIGKILL to its process
/// group) and reaped when dropped.
pub struct Tracer {
    pub pid: Pid,
    /// Just before the fork: the epoch of every `t_ns`.
    pub started: Instant,
    pub stdout: Option<ChildStdout>,
    pub stderr: Option<ChildStderr>,
    done: Receiver<Traced>,
    thread: Option<JoinHandle<()>>,
    finished: bool,
}

type Handoff = std::io::Result<(Pid, Instant, Option<ChildStdout>, Option<ChildStderr>)>;

impl Tracer {
    /// Spawns `cmd` traced, in its own process group, from a new tracer
    /// thread. `cmd` keeps its own settings and `pre_exec` hooks.
    pub fn spawn(mut cmd: Command) -> Result<Tracer, TraceError> {
        let arch = Arch::native()?;
        let program = arch.program();
        let parent = nix::unistd::getpid();
        cmd.process_group(0);
        // SAFETY: the closure makes async-signal-safe syscalls only (prctl,
        // getppid, ptrace, seccomp) and allocates nothing: the BPF program
        // was built before the fork.
        unsafe {
            cmd.pre_exec(move || {
                // The parent-death signal follows the forking thread: the
                // tracer thread, which lives until the fixture is reaped.
                nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
                if nix::unistd::getppid() != parent {
                    return Err(std::io::Error::from_raw_os_error(nix::libc::ESRCH));
                }
                nix::sys::ptrace::traceme()?;
                nix::sys::prctl::set_no_new_privs()?;
                filter::install(&program)
            });
        }
        let (handoff_tx, handoff_rx) = sync_channel::<Handoff>(1);
        let (done_tx, done) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("gomemlab-tracer".into())
            .spawn(move || {
                let started = Instant::now();
                let spawned = cmd.spawn();
                // Closes our copies of the child's pipe ends at once.
                drop(cmd);
                let mut child = match spawned {
                    Ok(child) => child,
                    Err(e) => {
                        let _ = handoff_tx.send(Err(e));
                        return;
                    }
                };
                let pid = Pid::from_raw(child.id() as i32);
                let pipes = (child.stdout.take(), child.stderr.take());
                // The `Child` is never waited for: the loop reaps the process.
                drop(child);
                let _ = handoff_tx.send(Ok((pid, started, pipes.0, pipes.1)));
                let _ = done_tx.send(engine::trace(pid, started, arch));
            })
            .map_err(TraceError::Thread)?;
        let handoff = handoff_rx.recv();
        match handoff {
            Ok(Ok((pid, started, stdout, stderr))) => Ok(Tracer {
                pid,
                started,
                stdout,
                stderr,
                done,
                thread: Some(thread),
                finished: false,
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(TraceError::Spawn(e))
            }
            Err(_) => {
                let _ = thread.join();
                Err(TraceError::Spawn(std::io::Error::other(
                    "the tracer thread ended before the fixture started",
                )))
            }
        }
    }

    /// Waits until the fixture has exited and been reaped, or until
    /// `deadline` (then `None`, and the fixture runs on).
    pub fn wait_until(&mut self, deadline: Instant) -> Option<Traced> {
        if self.finished {
            return None;
        }
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.done.recv_timeout(wait) {
            Ok(traced) => Some(self.finish(Some(traced))),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => Some(self.finish(None)),
        }
    }

    /// SIGKILL to the fixture's process group, then wait for the tracer to
    /// reap it. `None` if the end was already taken.
    pub fn kill(&mut self) -> Option<Traced> {
        if self.finished {
            return None;
        }
        let traced = match self.done.try_recv() {
            // Already reaped: the pid may belong to someone else by now.
            Ok(traced) => Some(traced),
            Err(TryRecvError::Disconnected) => None,
            Err(TryRecvError::Empty) => {
                let _ = killpg(self.pid, Signal::SIGKILL);
                self.done.recv().ok()
            }
        };
        Some(self.finish(traced))
    }

    /// Joins the tracer thread; reaps the fixture if the loop could not.
    fn finish(&mut self, traced: Option<Traced>) -> Traced {
        self.finished = true;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let traced = traced.unwrap_or_else(|| Traced {
            status: None,
            syscalls: Vec::new(),
            stats: TraceStats::default(),
            problem: Some("the tracer thread died".into()),
        });
        if traced.status.is_none() {
            // The tracer thread has exited, so PTRACE_O_EXITKILL (or the
            // parent-death signal) killed the fixture; any thread may reap it.
            let _ = killpg(self.pid, Signal::SIGKILL);
            let _ = waitpid(self.pid, Some(WaitPidFlag::__WALL));
        }
        traced
    }
}

impl Drop for Tracer {
    fn drop(&mut self) {
        self.kill();
    }
}
