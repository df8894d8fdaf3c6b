//! The ledger: at one phase, the resident bytes the OS reports, split by
//! mapping class and checked against what the Go runtime says each class
//! holds (`/memory/classes/*`), with what remains unexplained and where.
//! Computed from a [`Phase`] that has a mapping inventory, once per run, by
//! [`super::Analysis`] (kept beside the timeline, not in it).
//!
//! # Definition
//!
//! Every resident byte comes from the OS: the `Rss` of each mapping in
//! `/proc/PID/smaps`, read in one pass. `rss_bytes` is their sum (the status
//! file's `VmRSS`, read a moment earlier, is kept beside it with the drift
//! between the two reads: the background scavenger can release megabytes in
//! between, and that is time passing, not memory nobody owns).
//!
//! Each category of mappings explains at most its own resident bytes, and
//! only up to a bound that does not depend on those bytes:
//!
//! * `binary` (text, rodata, data: the executable's file-backed pages), `bss`
//!   (the zeroed globals after it, which hold runtime structures such as
//!   `mheap_`), `stack` (the main thread's `[stack]` from the kernel),
//!   `kernel` (vdso, vvar) and `other_file`: their identity explains them,
//!   the runtime counts none of them; explained = resident.
//! * `heap_arena` (arena space mapped read-write): the runtime holds there
//!   heap objects + unused + free + stacks carved from the heap (all of
//!   `/memory/classes/heap/*` but `released`), and pages it released with
//!   `MADV_FREE` stay resident until the kernel takes them (smaps
//!   `LazyFree`, at most `heap/released`). Explained = min(resident,
//!   runtime + min(LazyFree, released)). Mapped pages never touched are not
//!   resident, so the runtime's number is an upper bound.
//! * `runtime_off_heap` (other read-write anonymous mappings): the runtime
//!   counts `metadata/*` + `profiling/buckets` + `other` + `os-stacks` there,
//!   as mapped, touched or not. Explained = min(resident, that sum). The L2
//!   arena index (`heap index`, 32 MiB, runtime/malloc.go) and other
//!   `sysAllocOS` mappings are not in any class: resident pages of theirs
//!   beyond the runtime's sum show up as unexplained here.
//! * `reserved` (PROT_NONE, arena or not): nothing may be resident there;
//!   explained = 0.
//! * `other` (brk `[heap]`, unknown pseudo-paths): not attributable;
//!   explained = 0.
//!
//! Unexplained = `rss_bytes` − Σ explained: the resident bytes that over-run
//! their category's bound, plus any in unknown mappings. Nothing is defined
//! as "the rest", so the ledger does not balance by construction.
//!
//! For the claim that `MemStats.Sys` misses mappings, `anon_mapped_bytes` is
//! the size of every read-write anonymous mapping the runtime made (heap
//! arena + off-heap) and `mapped_beyond_sys_bytes` is what of it `Sys` does
//! not count.

use serde::{Deserialize, Serialize};

use crate::measure::maps::{MapClass, MapsInventory};
use crate::timeline::{GoView, Phase};

/// The target of issue 4: unexplained at most 5% of RSS, or 1 MiB.
pub const TARGET_FRACTION: f64 = 0.05;
/// The floor of the target for small processes.
pub const TARGET_FLOOR_BYTES: u64 = 1 << 20;

/// A group of mapping classes reconciled as one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Binary,
    Bss,
    HeapArena,
    RuntimeOffHeap,
    Stack,
    Kernel,
    OtherFile,
    Reserved,
    Other,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::Binary,
        Category::Bss,
        Category::HeapArena,
        Category::RuntimeOffHeap,
        Category::Stack,
        Category::Kernel,
        Category::OtherFile,
        Category::Reserved,
        Category::Other,
    ];

    /// The category's name in JSON and in tables.
    pub fn name(self) -> &'static str {
        match self {
            Category::Binary => "binary",
            Category::Bss => "bss",
            Category::HeapArena => "heap_arena",
            Category::RuntimeOffHeap => "runtime_off_heap",
            Category::Stack => "stack",
            Category::Kernel => "kernel",
            Category::OtherFile => "other_file",
            Category::Reserved => "reserved",
            Category::Other => "other",
        }
    }

    /// The category a mapping class is reconciled in.
    pub fn of(class: MapClass) -> Category {
        match class {
            MapClass::Text | MapClass::Rodata | MapClass::Data => Category::Binary,
            MapClass::Bss => Category::Bss,
            MapClass::HeapArena => Category::HeapArena,
            MapClass::RuntimeOffHeap => Category::RuntimeOffHeap,
            MapClass::HeapReserved | MapClass::Reserved => Category::Reserved,
            MapClass::Stack => Category::Stack,
            MapClass::Kernel => Category::Kernel,
            MapClass::OtherFile => Category::OtherFile,
            MapClass::Other => Category::Other,
        }
    }

    fn note(self) -> &'static str {
        match self {
            Category::Binary => "file-backed text, rodata, data; not counted by the runtime",
            Category::Bss => "zeroed globals (runtime structures too); not counted by the runtime",
            Category::HeapArena => "heap objects+unused+free+stacks, + LazyFree of released",
            Category::RuntimeOffHeap => {
                "metadata+profiling+other+os-stacks (mapped, not all touched)"
            }
            Category::Stack => "main thread stack from the kernel; not counted by the runtime",
            Category::Kernel => "vdso, vvar",
            Category::OtherFile => "other files (shared libraries)",
            Category::Reserved => "PROT_NONE: nothing should be resident",
            Category::Other => "unknown mappings: not attributable",
        }
    }
}

/// One category of the ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    pub category: Category,
    /// Mappings of this category.
    pub mappings: u64,
    /// Their size (address space).
    pub size_bytes: u64,
    /// Their resident bytes (smaps `Rss`), from the OS.
    pub resident_bytes: u64,
    /// What the runtime says this category holds, when it says.
    pub runtime_bytes: Option<u64>,
    /// Pages freed with MADV_FREE still resident (smaps `LazyFree`).
    pub lazy_free_bytes: u64,
    /// Resident bytes this category accounts for (see the module doc).
    pub explained_bytes: u64,
    /// Resident bytes beyond what the category accounts for.
    pub unexplained_bytes: u64,
    pub note: String,
}

/// Where part of the unexplained bytes is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    pub category: Category,
    pub bytes: u64,
    /// Why these bytes are not explained.
    pub reason: String,
}

/// The reconciliation of one phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    pub phase: String,
    /// The OS total: Σ smaps `Rss` over every mapping, one read.
    pub rss_bytes: u64,
    /// `VmRSS` of the status file, read just before smaps.
    pub status_rss_bytes: u64,
    /// `status_rss_bytes` − `rss_bytes`: what changed between the two reads.
    pub rss_read_drift_bytes: i64,
    /// One row per category present, in category order.
    pub rows: Vec<Row>,
    pub explained_bytes: u64,
    /// `rss_bytes` − `explained_bytes` (never negative with this definition,
    /// signed so a change of definition cannot hide a sign error).
    pub unexplained_bytes: i64,
    /// `unexplained_bytes` / `rss_bytes`.
    pub unexplained_fraction: f64,
    /// The categories that hold the unexplained bytes.
    pub gaps: Vec<Gap>,
    /// `/memory/classes/total` (= `MemStats.Sys`): all memory the runtime
    /// says it mapped, resident or not.
    pub runtime_sys_bytes: u64,
    /// Size of the read-write anonymous mappings the runtime made (heap
    /// arena + off-heap).
    pub anon_mapped_bytes: u64,
    /// `anon_mapped_bytes` − `runtime_sys_bytes`: mapped memory `Sys` does
    /// not count (the L2 arena index, `sysAllocOS` mappings).
    pub mapped_beyond_sys_bytes: i64,
}

impl Ledger {
    /// Unexplained within max(5% of RSS, 1 MiB).
    pub fn within_target(&self) -> bool {
        let limit = (self.rss_bytes as f64 * TARGET_FRACTION).max(TARGET_FLOOR_BYTES as f64);
        (self.unexplained_bytes.unsigned_abs() as f64) <= limit
    }

    /// The target as bytes (`ledger.limit` in checks): max(5% of RSS, 1 MiB).
    pub fn limit_bytes(&self) -> u64 {
        (TARGET_FRACTION * self.rss_bytes as f64).max(TARGET_FLOOR_BYTES as f64) as u64
    }

    /// The row of one category, if any mapping is in it.
    pub fn row(&self, category: Category) -> Option<&Row> {
        self.rows.iter().find(|r| r.category == category)
    }
}

/// The ledger of a phase; `None` when the phase has no mapping inventory.
pub fn of_phase(phase: &Phase) -> Option<Ledger> {
    let maps = phase.maps.as_ref()?;
    let runtime = RuntimeClasses::of(phase);
    Some(reconcile(&phase.name, maps, &runtime, phase.os.rss_bytes))
}

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

/// The ledger of one inventory against the runtime's classes; `status_rss`
/// is `VmRSS` from the status file.
pub fn reconcile(
    phase: &str,
    maps: &MapsInventory,
    runtime: &RuntimeClasses,
    status_rss: u64,
) -> Ledger {
    let mut rows: Vec<Row> = Vec::new();
    for category in Category::ALL {
        let mut row = Row {
            category,
            mappings: 0,
            size_bytes: 0,
            resident_bytes: 0,
            runtime_bytes: None,
            lazy_free_bytes: 0,
            explained_bytes: 0,
            unexplained_bytes: 0,
            note: category.note().to_string(),
        };
        for m in maps
            .mappings
            .iter()
            .filter(|m| Category::of(m.class) == category)
        {
            row.mappings += 1;
            row.size_bytes += m.size_bytes;
            row.resident_bytes += m.rss_bytes;
            row.lazy_free_bytes += m.lazy_free_bytes;
        }
        if row.mappings == 0 {
            continue;
        }
        let bound = match category {
            Category::HeapArena => {
                row.runtime_bytes = Some(runtime.heap_arena_bytes);
                runtime.heap_arena_bytes + row.lazy_free_bytes.min(runtime.heap_released_bytes)
            }
            Category::RuntimeOffHeap => {
                row.runtime_bytes = Some(runtime.off_heap_bytes);
                runtime.off_heap_bytes
            }
            Category::Reserved | Category::Other => 0,
            Category::Binary
            | Category::Bss
            | Category::Stack
            | Category::Kernel
            | Category::OtherFile => row.resident_bytes,
        };
        row.explained_bytes = row.resident_bytes.min(bound);
        row.unexplained_bytes = row.resident_bytes - row.explained_bytes;
        rows.push(row);
    }

    let rss_bytes: u64 = rows.iter().map(|r| r.resident_bytes).sum();
    let explained_bytes: u64 = rows.iter().map(|r| r.explained_bytes).sum();
    let unexplained_bytes = rss_bytes as i64 - explained_bytes as i64;
    let gaps = rows
        .iter()
        .filter(|r| r.unexplained_bytes > 0)
        .map(|r| Gap {
            category: r.category,
            bytes: r.unexplained_bytes,
            reason: gap_reason(r.category).to_string(),
        })
        .collect();
    let anon_mapped_bytes: u64 = rows
        .iter()
        .filter(|r| matches!(r.category, Category::HeapArena | Category::RuntimeOffHeap))
        .map(|r| r.size_bytes)
        .sum();
    Ledger {
        phase: phase.to_string(),
        rss_bytes,
        status_rss_bytes: status_rss,
        rss_read_drift_bytes: status_rss as i64 - rss_bytes as i64,
        rows,
        explained_bytes,
        unexplained_bytes,
        unexplained_fraction: if rss_bytes == 0 {
            0.0
        } else {
            unexplained_bytes as f64 / rss_bytes as f64
        },
        gaps,
        runtime_sys_bytes: runtime.total_bytes,
        anon_mapped_bytes,
        mapped_beyond_sys_bytes: anon_mapped_bytes as i64 - runtime.total_bytes as i64,
    }
}

fn gap_reason(category: Category) -> &'static str {
    match category {
        Category::HeapArena => {
            "resident arena pages beyond heap objects+unused+free+stacks and LazyFree: \
             released pages faulted back in (huge pages?) or heap growth after the probe read"
        }
        Category::RuntimeOffHeap => {
            "resident off-heap pages beyond the runtime's metadata+other: mappings no class \
             counts (L2 arena index, sysAllocOS, vgetrandom states)"
        }
        Category::Reserved => "resident pages in a PROT_NONE mapping",
        Category::Other => "resident pages in mappings of no known class",
        _ => "",
    }
}

#[cfg(test)]
mod tests;
