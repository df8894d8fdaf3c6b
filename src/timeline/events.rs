//! GC and scavenger events of one run, as recorded from the fixture's
//! `GODEBUG=gctrace=1,scavtrace=1` lines (parsed by `measure::events`).

use serde::{Deserialize, Serialize};

/// One event from the runtime's trace output, in the order the lines arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    Gc(GcEvent),
    Scav(ScavEvent),
    /// `GC forced`: sysmon's periodic GC trigger (no GC for 2 minutes).
    PeriodicGc {
        t_ns: u64,
    },
}

/// One GC cycle, from its gctrace line. Heap sizes are printed by the runtime
/// in whole MiB (truncated: the true value lies in `[v, v + 1 MiB)`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GcEvent {
    /// When the harness read the line: nanoseconds since spawn (the timeline's
    /// clock). The runtime prints the line at the end of mark termination; the
    /// reading thread may see it a few ms later on a busy machine, so a line
    /// printed before a phase can arrive after it: order cycles against
    /// phases by `cycle` vs the phase's NumGC, not by time.
    pub t_ns: u64,
    /// Cycle number (matches MemStats.NumGC once the cycle is done).
    pub cycle: u64,
    /// The `@` value: start of the cycle on the runtime's own clock, nanoseconds
    /// since `runtimeInitTime` (monotonic clock read when runtime.main starts,
    /// shortly after exec), millisecond resolution.
    pub at_ns: u64,
    /// Share of CPU time spent in GC since the program started, in percent.
    pub cpu_percent: u32,
    /// Wall-clock durations: stop-the-world sweep termination, concurrent mark,
    /// stop-the-world mark termination.
    pub sweep_term_ns: u64,
    pub mark_ns: u64,
    pub mark_term_ns: u64,
    /// Heap size at GC start (`A` of `A->B->C MB`).
    pub heap_start_bytes: u64,
    /// Heap size at GC end (`B`).
    pub heap_end_bytes: u64,
    /// Live heap marked (`C`).
    pub heap_live_bytes: u64,
    pub goal_bytes: u64,
    /// Scannable stack size (absent before Go 1.18).
    pub stacks_bytes: Option<u64>,
    /// Scannable globals size (absent before Go 1.18).
    pub globals_bytes: Option<u64>,
    /// GOMAXPROCS during the cycle.
    pub procs: u32,
    /// Started by runtime.GC (or debug.FreeOSMemory): the ` (forced)` suffix.
    pub forced: bool,
    pub raw: String,
}

/// One scavenger line: memory returned to the OS since the previous line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScavEvent {
    /// When the harness read the line, nanoseconds since spawn.
    pub t_ns: u64,
    /// Bytes returned to the OS since the previous line (background + eager;
    /// the single `work` figure on go1.19).
    pub released_bytes: u64,
    /// Background scavenger share of `released_bytes` (go1.21+).
    pub released_bg_bytes: Option<u64>,
    /// Eager (allocation-time, FreeOSMemory) share of `released_bytes` (go1.21+).
    pub released_eager_bytes: Option<u64>,
    /// Heap memory currently returned to the OS (the runtime's heapReleased;
    /// `KiB now` on go1.21+, `KiB total` on go1.19).
    pub heap_released_bytes: u64,
    /// Estimated heap utilisation: in-use / retained, in percent.
    pub util_percent: u32,
    /// Printed by debug.FreeOSMemory's scavenge of the whole heap.
    pub forced: bool,
    /// The scavenger's controller was reset since the previous line.
    pub controller_reset: bool,
    pub raw: String,
}
