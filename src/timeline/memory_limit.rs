//! What a run's memory cgroup saw (the limit, OOM kills, limit hits, peak),
//! as recorded after the fixture exited (by `run::cgroup`).

use serde::{Deserialize, Serialize};

/// Which cgroup hierarchy holds the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Controller {
    V1,
    V2,
}

/// What the run's memory cgroup saw, read once the fixture has exited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemoryOutcome {
    /// The limit the run was under.
    pub limit_bytes: u64,
    pub controller: Controller,
    /// Processes the kernel's OOM killer killed in the cgroup (v1
    /// `memory.oom_control` `oom_kill`, v2 `memory.events` `oom_kill`).
    pub oom_kills: u64,
    /// Times the usage hit the limit (v1 `memory.failcnt`, v2
    /// `memory.events` `max`).
    pub limit_hits: u64,
    /// The most the cgroup was charged (v1 `memory.max_usage_in_bytes`, v2
    /// `memory.peak`), when the kernel keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_bytes: Option<u64>,
}
