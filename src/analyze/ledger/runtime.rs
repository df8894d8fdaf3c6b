//! What the Go runtime says a process holds, grouped the way the mappings
//! are: sums of `/memory/classes/*`, or MemStats where a metric is missing.

use crate::timeline::{GoView, Phase};

/// What the runtime says, grouped the way the mappings are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuntimeClasses {
    /// heap objects + unused + free + stacks: arena pages not released.
    pub heap_arena_bytes: u64,
    /// `heap/released`: arena pages returned to the OS.
    pub heap_released_bytes: u64,
    /// metadata + profiling buckets + other + os-stacks.
    pub off_heap_bytes: u64,
    /// `/memory/classes/total`.
    pub total_bytes: u64,
}

const HEAP_HELD: [&str; 4] = [
    "/memory/classes/heap/objects:bytes",
    "/memory/classes/heap/unused:bytes",
    "/memory/classes/heap/free:bytes",
    "/memory/classes/heap/stacks:bytes",
];
const HEAP_RELEASED: &str = "/memory/classes/heap/released:bytes";
const OFF_HEAP: [&str; 8] = [
    "/memory/classes/metadata/mcache/free:bytes",
    "/memory/classes/metadata/mcache/inuse:bytes",
    "/memory/classes/metadata/mspan/free:bytes",
    "/memory/classes/metadata/mspan/inuse:bytes",
    "/memory/classes/metadata/other:bytes",
    "/memory/classes/profiling/buckets:bytes",
    "/memory/classes/other:bytes",
    "/memory/classes/os-stacks:bytes",
];
const TOTAL: &str = "/memory/classes/total:bytes";

impl RuntimeClasses {
    /// From the phase's `/memory/classes/*` metrics; from MemStats when a
    /// metric is missing (same runtime counters, other grouping).
    pub fn of(phase: &Phase) -> RuntimeClasses {
        let metric = |name: &str| phase.metrics.get(name).and_then(|n| n.as_u64());
        let sum = |names: &[&str]| names.iter().map(|n| metric(n)).sum::<Option<u64>>();
        let go = &phase.go;
        RuntimeClasses {
            heap_arena_bytes: sum(&HEAP_HELD).unwrap_or_else(|| memstats_heap_held(go)),
            heap_released_bytes: metric(HEAP_RELEASED).unwrap_or(go.heap_released_bytes),
            off_heap_bytes: sum(&OFF_HEAP).unwrap_or_else(|| memstats_off_heap(go)),
            total_bytes: metric(TOTAL).unwrap_or(go.sys_bytes),
        }
    }
}

fn memstats_heap_held(go: &GoView) -> u64 {
    go.heap_sys_bytes.saturating_sub(go.heap_released_bytes) + go.stack_inuse_bytes
}

fn memstats_off_heap(go: &GoView) -> u64 {
    go.mspan_sys_bytes
        + go.mcache_sys_bytes
        + go.buck_hash_sys_bytes
        + go.gc_sys_bytes
        + go.other_sys_bytes
        + go.stack_sys_bytes.saturating_sub(go.stack_inuse_bytes)
}
