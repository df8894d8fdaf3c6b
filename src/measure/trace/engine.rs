//! The ptrace loop, run on the thread that spawned the fixture (the tracer):
//! records each traced syscall at its seccomp stop and its result at the
//! syscall-exit stop, follows new threads, passes signals on, and reaps every
//! thread until the process's own exit status is known.

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;
use std::time::Instant;

use nix::errno::Errno;
use nix::libc;
use nix::sys::ptrace::{self, Options};
use nix::sys::signal::{Signal, killpg};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::time::{ClockId, clock_gettime};
use nix::unistd::Pid;

use super::Traced;
use super::decode;
use super::filter::Arch;
use crate::timeline::{SyscallEvent, TraceStats};

/// TRACESYSGOOD tells syscall stops from SIGTRAPs; TRACESECCOMP turns
/// SECCOMP_RET_TRACE into stops; TRACECLONE attaches new threads before their
/// first instruction; EXITKILL kills the fixture if the tracer thread dies.
const OPTIONS: Options = Options::PTRACE_O_TRACESYSGOOD
    .union(Options::PTRACE_O_TRACESECCOMP)
    .union(Options::PTRACE_O_TRACECLONE)
    .union(Options::PTRACE_O_EXITKILL);

/// What the tracer knows of one thread.
#[derive(Debug, Default)]
struct Thread {
    /// False until the thread's first stop (the SIGSTOP of a new tracee).
    started: bool,
    /// Index in `events` of the call it is inside, waiting for its exit stop.
    pending: Option<usize>,
}

struct Engine {
    leader: Pid,
    epoch: Instant,
    arch: Arch,
    threads: HashMap<Pid, Thread>,
    events: Vec<SyscallEvent>,
    stats: TraceStats,
    status: Option<ExitStatus>,
    problem: Option<String>,
}

/// Traces `leader`, which has just been spawned with PTRACE_TRACEME and the
/// seccomp filter, until it is reaped.
pub fn trace(leader: Pid, epoch: Instant, arch: Arch) -> Traced {
    let mut engine = Engine {
        leader,
        epoch,
        arch,
        threads: HashMap::new(),
        events: Vec::new(),
        stats: TraceStats::default(),
        status: None,
        problem: None,
    };
    if engine.first_stop() {
        engine.run();
    }
    engine.stats.cpu_ns = clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map(|t| t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64)
        .unwrap_or(0);
    Traced {
        status: engine.status,
        syscalls: engine.events,
        stats: engine.stats,
        problem: engine.problem,
    }
}

impl Engine {
    /// The SIGTRAP that follows a traced exec: set the options, then let the
    /// program start. Nothing of the fixture has run yet. Returns whether
    /// there is anything left to trace.
    fn first_stop(&mut self) -> bool {
        let status = match waitpid(self.leader, Some(WaitPidFlag::__WALL)) {
            Ok(status) => status,
            Err(e) => {
                self.fail(format!("waiting for the fixture's first stop: {e}"));
                return false;
            }
        };
        self.stats.stops += 1;
        match status {
            WaitStatus::Stopped(_, Signal::SIGTRAP) => {}
            other => {
                // Killed before it ran (SIGKILL from a drop), or a tracee
                // that is not ours to understand: take whatever ended it.
                if !self.handle(other) {
                    return false;
                }
                self.fail(format!("unexpected first stop of the fixture: {other:?}"));
                return true;
            }
        }
        self.threads.insert(
            self.leader,
            Thread {
                started: true,
                pending: None,
            },
        );
        self.stats.threads = 1;
        if let Err(e) = ptrace::setoptions(self.leader, OPTIONS) {
            self.fail(format!("PTRACE_SETOPTIONS: {e}"));
        }
        self.resume(self.leader, None);
        true
    }

    /// Waits for any thread of the fixture until the leader is reaped.
    ///
    /// `waitpid(-pgid)` rather than `waitpid(-1)`: the fixture leads its own
    /// process group, and -1 would also reap children that other threads of
    /// the harness are waiting for.
    fn run(&mut self) {
        let group = Pid::from_raw(-self.leader.as_raw());
        loop {
            match waitpid(group, Some(WaitPidFlag::__WALL)) {
                Ok(status) => {
                    self.stats.stops += 1;
                    if !self.handle(status) {
                        return;
                    }
                }
                Err(Errno::EINTR) => {}
                Err(Errno::ECHILD) => {
                    if self.status.is_none() {
                        self.problem
                            .get_or_insert_with(|| "the fixture was reaped elsewhere".into());
                    }
                    return;
                }
                Err(e) => {
                    self.fail(format!("waitpid: {e}"));
                    return;
                }
            }
        }
    }

    /// Handles one stop or exit; false once the leader is reaped.
    fn handle(&mut self, status: WaitStatus) -> bool {
        match status {
            WaitStatus::Exited(tid, code) => {
                self.gone(tid, ExitStatus::from_raw((code & 0xff) << 8))
            }
            WaitStatus::Signaled(tid, signal, core) => {
                let core = if core { 0x80 } else { 0 };
                self.gone(tid, ExitStatus::from_raw(signal as i32 | core))
            }
            WaitStatus::Stopped(tid, signal) => {
                self.signal_stop(tid, signal);
                true
            }
            WaitStatus::PtraceEvent(tid, _, event) => {
                self.event_stop(tid, event);
                true
            }
            WaitStatus::PtraceSyscall(tid) => {
                self.syscall_exit(tid);
                true
            }
            WaitStatus::Continued(_) | WaitStatus::StillAlive => true,
        }
    }

    /// A thread is gone. A call it was inside keeps `result: None`.
    fn gone(&mut self, tid: Pid, status: ExitStatus) -> bool {
        self.threads.remove(&tid);
        if tid == self.leader {
            self.status = Some(status);
            return false;
        }
        true
    }

    /// A signal stopped a thread: a new thread's first stop, a group-stop, or
    /// a signal on its way to the thread (Go sends itself SIGURG to preempt).
    fn signal_stop(&mut self, tid: Pid, signal: Signal) {
        let thread = self.thread(tid);
        if !thread.started {
            thread.started = true;
            if signal == Signal::SIGSTOP {
                // The SIGSTOP every auto-attached thread starts with.
                self.resume(tid, None);
                return;
            }
        }
        let stop_signal = matches!(
            signal,
            Signal::SIGSTOP | Signal::SIGTSTP | Signal::SIGTTIN | Signal::SIGTTOU
        );
        if stop_signal && ptrace::getsiginfo(tid) == Err(Errno::EINVAL) {
            // A group-stop (no siginfo): resuming it keeps the fixture
            // running, as strace without --seize does.
            self.resume(tid, None);
            return;
        }
        self.stats.signals += 1;
        self.resume(tid, Some(signal));
    }

    fn event_stop(&mut self, tid: Pid, event: i32) {
        match event {
            libc::PTRACE_EVENT_SECCOMP => self.syscall_entry(tid),
            libc::PTRACE_EVENT_CLONE => {
                if let Ok(new) = ptrace::getevent(tid) {
                    // Its first stop may come before or after this event.
                    self.thread(Pid::from_raw(new as i32));
                }
                self.resume(tid, None);
            }
            _ => self.resume(tid, None),
        }
    }

    /// A seccomp stop: the thread is entering a traced syscall. Record the
    /// arguments and resume to its exit stop (PTRACE_SYSCALL: since Linux
    /// 4.8 the next syscall stop after a seccomp stop is the exit).
    fn syscall_entry(&mut self, tid: Pid) {
        let t_ns = self.epoch.elapsed().as_nanos() as u64;
        match ptrace::syscall_info(tid) {
            Ok(info) if info.op == libc::PTRACE_SYSCALL_INFO_SECCOMP => {
                // SAFETY: `op` says the kernel filled the `seccomp` member.
                let seccomp = unsafe { info.u.seccomp };
                if let Some(syscall) = self.arch.syscall(seccomp.nr) {
                    self.events
                        .push(decode::event(syscall, &seccomp.args, t_ns, tid.as_raw()));
                    self.thread(tid).pending = Some(self.events.len() - 1);
                }
            }
            // Killed meanwhile: its exit is on the way.
            Ok(_) | Err(Errno::ESRCH) => {}
            Err(e) => self.note(format!("PTRACE_GET_SYSCALL_INFO at entry: {e}")),
        }
        self.resume(tid, None);
    }

    /// A syscall-exit stop: the result of the call the thread was inside.
    fn syscall_exit(&mut self, tid: Pid) {
        if let Some(index) = self.thread(tid).pending.take() {
            match ptrace::syscall_info(tid) {
                Ok(info) if info.op == libc::PTRACE_SYSCALL_INFO_EXIT => {
                    // SAFETY: `op` says the kernel filled the `exit` member.
                    let exit = unsafe { info.u.exit };
                    decode::set_result(&mut self.events[index], exit.sval, exit.is_error != 0);
                }
                Ok(_) | Err(Errno::ESRCH) => {}
                Err(e) => self.note(format!("PTRACE_GET_SYSCALL_INFO at exit: {e}")),
            }
        }
        self.resume(tid, None);
    }

    /// Lets a stopped thread run on: to the exit of the call it is inside if
    /// there is one, else until the next seccomp stop or signal.
    fn resume(&mut self, tid: Pid, signal: Option<Signal>) {
        let inside_call = self.threads.get(&tid).is_some_and(|t| t.pending.is_some());
        let resumed = if inside_call {
            ptrace::syscall(tid, signal)
        } else {
            ptrace::cont(tid, signal)
        };
        match resumed {
            // ESRCH: killed while stopped; waitpid reports its end.
            Ok(()) | Err(Errno::ESRCH) => {}
            Err(e) => self.note(format!("resuming thread {tid}: {e}")),
        }
    }

    /// The thread's state, created (and counted) on first sight.
    fn thread(&mut self, tid: Pid) -> &mut Thread {
        let stats = &mut self.stats;
        self.threads.entry(tid).or_insert_with(|| {
            stats.threads += 1;
            Thread::default()
        })
    }

    /// Keeps the first problem; the trace is incomplete but goes on.
    fn note(&mut self, problem: String) {
        self.problem.get_or_insert(problem);
    }

    /// A problem the trace cannot go on from: kill the fixture, which the
    /// loop then reaps.
    fn fail(&mut self, problem: String) {
        self.note(problem);
        let _ = killpg(self.leader, Signal::SIGKILL);
    }
}
