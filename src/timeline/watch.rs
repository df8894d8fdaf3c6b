//! What a `gomemlab watch` adds to a timeline: the command watched, which
//! process was sampled, the slow tier read at a low rate, and how the watch
//! ended. Absent from the timelines of fixture runs.

use serde::{Deserialize, Serialize};

use super::OsView;

/// The record of a watch beside the usual timeline fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchInfo {
    /// The command as given: program and arguments.
    pub command: Vec<String>,
    /// PID of the command gomemlab started.
    pub root_pid: i32,
    /// PID of the process sampled: the command itself, or for `go`
    /// (`go run`, `go test`) the program it built and started. `None` if it
    /// never started.
    pub target_pid: Option<i32>,
    /// The sampled process's executable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_exe: Option<String>,
    /// When the sampled process was first seen (ns since spawn).
    pub target_t_ns: u64,
    /// How often the slow tier was read.
    pub slow_interval_ms: u64,
    /// The slow tier (`status` + `smaps_rollup`) at that rate, in time order.
    pub slow: Vec<SlowReading>,
    /// Wall time of all slow-tier reads (at phases and on the slow rate).
    pub slow_read_ns: u64,
    /// Slow-tier reads made, phases included.
    pub slow_reads: u64,
    /// GC and scavenger events beyond the kept maximum (not in `events`).
    #[serde(default)]
    pub events_not_kept: u64,
    /// Phases whose line came after the sampled process had exited (no OS
    /// view to take, so not in `phases`).
    #[serde(default)]
    pub phases_missed: u64,
    /// Phases beyond the kept maximum (counted, not read).
    #[serde(default)]
    pub phases_not_kept: u64,
    /// Why the program could not be stopped at its phase lines and its exit
    /// (then phase rows are the fallback and there is no exit phase);
    /// absent when it could.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stops_refused: Option<String>,
    /// Calls the program was stopped at (phase-line writes, exits).
    #[serde(default)]
    pub stops: u64,
    /// Lines the command wrote on stdout and stderr.
    pub output_lines: u64,
    pub ended: WatchEnd,
}

/// One slow-tier reading on the watch's low-rate schedule.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlowReading {
    pub t_ns: u64,
    pub os: OsView,
}

/// Why the watch ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchEnd {
    /// The command exited by itself.
    #[default]
    Exited,
    /// Ctrl-C: the command was stopped (SIGINT, then SIGKILL after a grace).
    Interrupted,
    /// `--duration` passed: the command was stopped the same way.
    Duration,
}
