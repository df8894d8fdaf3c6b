//! The ledger's categories: the mapping classes grouped the way the runtime
//! accounts for them, each with its name and what it holds.

use serde::{Deserialize, Serialize};

use crate::timeline::MapClass;

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

    pub(super) fn note(self) -> &'static str {
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
