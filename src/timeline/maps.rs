//! The mapping inventory of one phase, as recorded: every mapping of
//! `/proc/PID/smaps`, classified, with its size, protection and RSS (read and
//! classified by `measure::maps`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Size and alignment of a Go heap arena on 64-bit Linux.
pub const HEAP_ARENA_BYTES: u64 = 64 << 20;

/// What a mapping holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MapClass {
    /// The binary's machine code (file-backed, r-x).
    Text,
    /// The binary's read-only data (file-backed, r--).
    Rodata,
    /// The binary's initialised data (file-backed, rw-).
    Data,
    /// Zeroed data: the anonymous rw mapping right after the binary.
    Bss,
    /// Go heap arena space mapped read-write.
    HeapArena,
    /// Go heap arena space reserved (PROT_NONE), not yet used.
    HeapReserved,
    /// Other anonymous memory: persistentalloc chunks, the L2 arena map,
    /// heapArena metadata, GC bits, page allocator summaries in use...
    RuntimeOffHeap,
    /// Other PROT_NONE reservations (page summaries, scavenger index...).
    Reserved,
    /// Thread stacks: `[stack]`, `[stack:TID]`, runtime-named OS stacks.
    Stack,
    /// Pages the kernel maps in: vdso, vvar, vsyscall.
    Kernel,
    /// Other files (shared libraries when cgo is used).
    OtherFile,
    /// Anything else (`[heap]` from brk, unknown pseudo-paths).
    Other,
}

impl MapClass {
    pub const ALL: [MapClass; 12] = [
        MapClass::Text,
        MapClass::Rodata,
        MapClass::Data,
        MapClass::Bss,
        MapClass::HeapArena,
        MapClass::HeapReserved,
        MapClass::RuntimeOffHeap,
        MapClass::Reserved,
        MapClass::Stack,
        MapClass::Kernel,
        MapClass::OtherFile,
        MapClass::Other,
    ];

    /// The class's name in JSON and in tables.
    pub fn name(self) -> &'static str {
        match self {
            MapClass::Text => "text",
            MapClass::Rodata => "rodata",
            MapClass::Data => "data",
            MapClass::Bss => "bss",
            MapClass::HeapArena => "heap_arena",
            MapClass::HeapReserved => "heap_reserved",
            MapClass::RuntimeOffHeap => "runtime_off_heap",
            MapClass::Reserved => "reserved",
            MapClass::Stack => "stack",
            MapClass::Kernel => "kernel",
            MapClass::OtherFile => "other_file",
            MapClass::Other => "other",
        }
    }
}

/// One mapping at one instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    pub size_bytes: u64,
    /// As in `/proc/PID/maps`: `rw-p`, `---p`, `r-xp`...
    pub perms: String,
    pub class: MapClass,
    /// Resident bytes (smaps `Rss`; 0 when read from `maps`).
    pub rss_bytes: u64,
    /// Pages freed with MADV_FREE not yet reclaimed (smaps `LazyFree`).
    pub lazy_free_bytes: u64,
    /// File path or pseudo-path (`[stack]`, `[anon: Go: heap]`); empty when anonymous.
    pub pathname: String,
}

/// Every mapping of the process, in address order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapsInventory {
    pub mappings: Vec<Mapping>,
}

/// Totals of one class (derived from the mappings, not stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassSummary {
    pub class: MapClass,
    pub count: u64,
    pub size_bytes: u64,
    pub rss_bytes: u64,
}

impl MapsInventory {
    /// Count, size and RSS per class, in class order.
    pub fn summary(&self) -> Vec<ClassSummary> {
        let mut by_class: BTreeMap<MapClass, ClassSummary> = BTreeMap::new();
        for m in &self.mappings {
            let s = by_class.entry(m.class).or_insert(ClassSummary {
                class: m.class,
                count: 0,
                size_bytes: 0,
                rss_bytes: 0,
            });
            s.count += 1;
            s.size_bytes += m.size_bytes;
            s.rss_bytes += m.rss_bytes;
        }
        by_class.into_values().collect()
    }

    /// The mappings of one class, in address order.
    pub fn of_class(&self, class: MapClass) -> impl Iterator<Item = &Mapping> {
        self.mappings.iter().filter(move |m| m.class == class)
    }
}
