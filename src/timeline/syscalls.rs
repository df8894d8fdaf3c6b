//! The memory-management syscalls a traced run records.

use serde::{Deserialize, Serialize};

/// The memory-management syscalls the tracer stops on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Syscall {
    Mmap,
    Munmap,
    Madvise,
    Mprotect,
    Brk,
}

impl Syscall {
    /// All of them, in the order reports list them.
    pub const ALL: [Syscall; 5] = [
        Syscall::Mmap,
        Syscall::Munmap,
        Syscall::Madvise,
        Syscall::Mprotect,
        Syscall::Brk,
    ];

    /// The name strace prints (`mmap`, `munmap`...).
    pub fn name(self) -> &'static str {
        match self {
            Syscall::Mmap => "mmap",
            Syscall::Munmap => "munmap",
            Syscall::Madvise => "madvise",
            Syscall::Mprotect => "mprotect",
            Syscall::Brk => "brk",
        }
    }
}

/// One memory-management syscall made by one thread of the fixture, as the
/// tracer saw it at entry (arguments) and at exit (result).
///
/// Flag words are decoded the way strace prints them, so nothing is lost:
/// bits without a name stay visible as a hex remainder (`MAP_PRIVATE|0x400000`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyscallEvent {
    /// When the thread entered the call, nanoseconds since spawn.
    pub t_ns: u64,
    /// The thread (kernel tid) that made the call; the process's pid for the main thread.
    pub tid: i32,
    pub syscall: Syscall,
    /// First argument: the address hint of mmap (0 = NULL), the start of the
    /// range of munmap / madvise / mprotect, the requested break of brk.
    pub addr: u64,
    /// Length of the range in bytes (0 for brk, which has none).
    pub len: u64,
    /// mmap and mprotect: `PROT_READ|PROT_WRITE`, `PROT_NONE`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prot: Option<String>,
    /// mmap: `MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<String>,
    /// madvise: `MADV_DONTNEED`, `MADV_FREE`, `MADV_HUGEPAGE`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
    /// mmap: the file descriptor argument (-1 for anonymous mappings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fd: Option<i32>,
    /// mmap: the file offset argument.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// The return value: the mapping's address for mmap, the new break for
    /// brk, 0 for the others; `-errno` on failure. `None` when the thread
    /// died before the call returned (the fixture was killed mid-call).
    pub result: Option<i64>,
    /// A failed call's errno, decoded: `-EINVAL`, `-ENOMEM`...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What the syscall tracer did during a run, and what it cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceStats {
    /// Threads followed, the main thread included.
    pub threads: u64,
    /// Every stop and thread exit the tracer handled: seccomp stops,
    /// syscall-exit stops, signal deliveries, new threads, exits.
    pub stops: u64,
    /// Signals that stopped a thread on delivery and were passed on to it.
    pub signals: u64,
    /// CPU time the tracer thread used (CLOCK_THREAD_CPUTIME_ID).
    pub cpu_ns: u64,
}
