//! The record of one run: what was built and how, the settings, the fast-tier
//! samples, every phase seen from both sides (OS and Go runtime), the
//! memory-management syscalls when they were traced, and how the fixture
//! ended. Raw data only: anything computed from it lives elsewhere.
//!
//! All sizes are bytes, all times nanoseconds since the fixture was spawned.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod contention;
mod events;
mod maps;
mod memory_limit;
pub mod redact;
mod samples;
mod syscalls;
mod watch;
pub use contention::{BUSY_SHARE, Contention, ContentionSource};
pub use events::{Event, GcEvent, ScavEvent};
pub use maps::{ClassSummary, HEAP_ARENA_BYTES, MapClass, Mapping, MapsInventory};
pub use memory_limit::{Controller, MemoryOutcome};
pub use samples::{Sample, Samples};
pub use syscalls::{Syscall, SyscallEvent, TraceStats};
pub use watch::{SlowReading, WatchEnd, WatchInfo};

/// One run of one fixture, as measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Timeline {
    /// Version of gomemlab that recorded this run.
    pub gomemlab_version: String,
    pub toolchain: ToolchainInfo,
    pub fixture: FixtureInfo,
    pub settings: Settings,
    /// Phases announced by the fixture, in order.
    pub phases: Vec<Phase>,
    /// Fast-tier samples (statm), in time order, compactly encoded: read
    /// them with `samples.iter()`. Ends when the process exits.
    pub samples: Samples,
    pub sampler: SamplerStats,
    /// Memory-management syscalls of every thread, in the order they were
    /// entered; empty unless the run was traced (`RunSpec::trace_syscalls`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub syscalls: Vec<SyscallEvent>,
    /// What the tracer did and what it cost; absent when the run was not traced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceStats>,
    pub exit: Exit,
    /// The memory limit the run was under (`memory-max`) and what its
    /// cgroup saw (OOM kills, limit hits, peak); absent without a limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_limit: Option<MemoryOutcome>,
    /// Wall time from spawn to exit.
    pub duration_ns: u64,
    /// GC and scavenger events from the fixture's stderr (under
    /// `GODEBUG=gctrace=1,scavtrace=1`), in arrival order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    /// Stderr lines that look like gctrace/scavtrace but did not parse: a new
    /// Go format shows up here instead of disappearing.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unparsed_trace_lines: u64,
    /// Lines the fixture wrote on stderr.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub stderr_lines: u64,
    /// CPU contention over the run; absent in timelines recorded before it
    /// was measured, or when neither source could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contention: Option<Contention>,
    /// What `gomemlab watch` recorded besides (absent for fixture runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watch: Option<WatchInfo>,
    /// Why the timeline does not end with an `exit` phase (the program was
    /// killed, or seccomp was refused); absent when it does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_exit_phase: Option<String>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The Go toolchain that built the fixture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolchainInfo {
    /// Path of the `go` command used.
    pub go: String,
    /// `go1.26.8` as printed by `go version`.
    pub version: String,
    /// The `go` directive the fixture module was built with (sets GODEBUG defaults).
    pub go_line: String,
    /// The `GOEXPERIMENT` the fixture was built with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goexperiment: Option<String>,
}

/// Which fixture ran, with what arguments, from which binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixtureInfo {
    pub name: String,
    pub args: Vec<String>,
    pub binary: String,
    /// Content hash of (fixture sources, toolchain, build settings).
    pub build_key: String,
    /// Go build tags the binary was built with (`gomemlab_heapprofile` for
    /// runs that write heap profiles: that build has memory profiling on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub build_tags: Vec<String>,
}

/// The controlled part of the fixture's environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Runtime variables set for the run (GODEBUG, GOGC, GOMEMLIMIT, GOMAXPROCS...).
    pub env: BTreeMap<String, String>,
    pub timeout_ms: u64,
    pub sample_interval_us: u64,
    /// Phases asked to write a heap profile (`all` for every phase).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heap_profile: Vec<String>,
}

/// What the fast-tier sampler did and what it cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SamplerStats {
    pub interval_ns: u64,
    pub samples: u64,
    /// From the first to the last sample.
    pub span_ns: u64,
    /// CPU time the sampler thread used (CLOCK_THREAD_CPUTIME_ID).
    pub cpu_ns: u64,
    /// Slots of the fixed-rate schedule skipped because a wakeup came later
    /// than the next slot (a busy machine, or an interval too short for it).
    #[serde(default)]
    pub skipped: u64,
    /// The slow tier, for comparison: wall time of the /proc reads at all
    /// phases (status, smaps_rollup, the peak reset, smaps with maps), during
    /// which the fixture waits. Filled in by the run, not the sampler thread.
    #[serde(default)]
    pub phase_read_ns: u64,
    /// What the phase reads cost, file by file.
    #[serde(default)]
    pub phase_reads: PhaseReads,
    /// Whether each sample's `peak_kib` is a window (VmHWM read and reset);
    /// false when `clear_refs` was refused and timelines older than windows,
    /// where each sample's peak is its own RSS.
    #[serde(default)]
    pub windowed: bool,
}

/// Wall time of the `/proc` reads at phases, per file, during which the
/// fixture waits (counts are reads).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhaseReads {
    pub status_ns: u64,
    pub status_reads: u64,
    pub smaps_rollup_ns: u64,
    pub smaps_rollup_reads: u64,
    /// The mapping inventory (`smaps`), with `--maps`.
    pub smaps_ns: u64,
    pub smaps_reads: u64,
    /// The fast tier's window taken at the phase (`status` + `clear_refs`).
    pub window_ns: u64,
    pub window_reads: u64,
}

/// A named instant announced by the fixture, seen from both sides while the
/// fixture waited for the harness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    pub name: String,
    pub seq: u64,
    pub t_ns: u64,
    pub os: OsView,
    /// Absent where there is none (`watch`: no probe), rather than zeros.
    #[serde(default, skip_serializing_if = "GoView::is_absent")]
    pub go: GoView,
    /// runtime/metrics values under `/memory/classes/`, `/gc/` and (Go 1.20+)
    /// `/cpu/classes/`, by metric name.
    pub metrics: BTreeMap<String, serde_json::Number>,
    /// Every mapping, classified (only when the run asked for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maps: Option<MapsInventory>,
    /// The heap profile written at this phase (only at phases the run asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heap_profile: Option<HeapProfile>,
    /// How the OS view was taken (absent: the probe's phase, the fixture waiting).
    #[serde(default, skip_serializing_if = "Taken::is_probe")]
    pub taken: Taken,
}

impl Phase {
    /// The snapshot at exit (not a phase the program reported).
    pub fn is_exit(&self) -> bool {
        self.taken == Taken::Exit
    }
}

/// How a phase's OS view was taken, and so how exact it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Taken {
    /// The probe reported the phase and waited while /proc was read.
    #[default]
    Probe,
    /// The thread that wrote the phase's line was stopped at that
    /// `write(2)` while /proc was read: the state at the line.
    Write,
    /// The line's write was not stopped (the filter was refused, or the
    /// program wrote it some other way): RSS and VmSize are the fast-tier
    /// sample taken at `sample_t_ns`, the last one at or before the line;
    /// the rest of the OS view was read `late_ns` after the line (0 and
    /// zeros: not read, the process had exited).
    Line { sample_t_ns: u64, late_ns: u64 },
    /// The snapshot at exit: the program stopped at `exit_group`, its
    /// memory still mapped. OS view only; `hwm` is the lifetime peak. Left
    /// out of "at every phase" checks and series over phases.
    Exit,
    /// A `--phase-every` clock phase, read when due.
    Clock,
}

impl Taken {
    pub fn is_probe(&self) -> bool {
        *self == Taken::Probe
    }
}

/// A heap profile the fixture wrote at a phase: the artifact, and its sample
/// types summed over all samples.
///
/// The profile is the one the last completed GC cycle published, not the heap
/// at the phase's instant, and its values are Go's estimates scaled up from
/// allocations sampled every `sample_rate_bytes` on average.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeapProfile {
    /// The file (gzipped profile.proto): `go tool pprof FILE` opens it.
    pub path: String,
    /// `runtime.MemProfileRate` the profile was sampled at.
    pub sample_rate_bytes: u64,
    /// Live at the last GC.
    pub inuse_space_bytes: u64,
    pub inuse_objects: u64,
    /// Allocated since the process started, up to the last GC.
    pub alloc_space_bytes: u64,
    pub alloc_objects: u64,
}

/// The kernel's view of the process at a phase (`status` and `smaps_rollup`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsView {
    pub rss_bytes: u64,
    pub vm_size_bytes: u64,
    /// Peak RSS since the previous phase: the highest of the sampler's
    /// windows since then (each a VmHWM read and reset), never below an RSS
    /// the phase's read saw.
    pub hwm_bytes: u64,
    pub rss_anon_bytes: u64,
    pub rss_file_bytes: u64,
    /// Pages freed with MADV_FREE that the kernel has not reclaimed yet
    /// (`smaps_rollup`: read only when a check, record, `--maps` or a
    /// report needs it; null when not read).
    #[serde(default)]
    pub lazy_free_bytes: Option<u64>,
    /// Likewise from `smaps_rollup`.
    #[serde(default)]
    pub anon_huge_pages_bytes: Option<u64>,
    pub threads: u64,
}

/// The Go runtime's view at a phase (runtime.MemStats, as the probe reports it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoView {
    pub heap_alloc_bytes: u64,
    pub heap_sys_bytes: u64,
    pub heap_idle_bytes: u64,
    pub heap_inuse_bytes: u64,
    pub heap_released_bytes: u64,
    pub heap_objects: u64,
    pub total_alloc_bytes: u64,
    pub sys_bytes: u64,
    pub mallocs: u64,
    pub frees: u64,
    pub stack_inuse_bytes: u64,
    pub stack_sys_bytes: u64,
    pub mspan_inuse_bytes: u64,
    pub mspan_sys_bytes: u64,
    pub mcache_inuse_bytes: u64,
    pub mcache_sys_bytes: u64,
    pub buck_hash_sys_bytes: u64,
    pub gc_sys_bytes: u64,
    pub other_sys_bytes: u64,
    pub next_gc_bytes: u64,
    pub num_gc: u64,
    pub num_forced_gc: u64,
    pub pause_total_ns: u64,
    pub goroutines: u64,
}

impl GoView {
    /// No Go view was taken (every field zero: a probe always reports a heap).
    pub fn is_absent(&self) -> bool {
        *self == GoView::default()
    }
}

/// How the fixture ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

impl Timeline {
    /// Whether the kernel's OOM killer ended the fixture: killed by SIGKILL
    /// while its memory cgroup counted an OOM kill. The one place this is
    /// decided (checks read it as `exit.oom_killed`).
    pub fn oom_killed(&self) -> bool {
        self.exit == Exit::Signal(9) && self.memory_limit.is_some_and(|m| m.oom_kills > 0)
    }

    /// The first phase with this name.
    pub fn phase(&self, name: &str) -> Option<&Phase> {
        self.phases.iter().find(|p| p.name == name)
    }
}

#[cfg(test)]
impl Timeline {
    /// An empty run of `idle` on `version` (e.g. `go1.26.8`), for tests that
    /// fill in what they need with `Timeline { phases, ..Timeline::blank(v) }`.
    pub(crate) fn blank(version: &str) -> Timeline {
        let line = version
            .trim_start_matches("go")
            .splitn(3, '.')
            .take(2)
            .collect::<Vec<_>>()
            .join(".");
        Timeline {
            gomemlab_version: "0".into(),
            toolchain: ToolchainInfo {
                go: "go".into(),
                version: version.into(),
                go_line: line,
                goexperiment: None,
            },
            fixture: FixtureInfo {
                name: "idle".into(),
                args: vec![],
                binary: String::new(),
                build_key: String::new(),
                build_tags: vec![],
            },
            settings: Settings {
                env: Default::default(),
                timeout_ms: 0,
                sample_interval_us: 0,
                heap_profile: vec![],
            },
            phases: vec![],
            samples: Default::default(),
            sampler: SamplerStats::default(),
            syscalls: vec![],
            trace: None,
            exit: Exit::Code(0),
            memory_limit: None,
            duration_ns: 0,
            events: vec![],
            unparsed_trace_lines: 0,
            stderr_lines: 0,
            contention: None,
            watch: None,
            no_exit_phase: None,
        }
    }
}

#[cfg(test)]
mod tests;
