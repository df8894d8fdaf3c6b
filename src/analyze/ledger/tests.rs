//! The ledger's arithmetic on smaps captured from bigbytes (go1.26.8,
//! `GODEBUG=madvdontneed=0`, `-count 3 -size 20000000`) at `freed`: the heap
//! was returned with MADV_FREE, so the arena is still resident as LazyFree.

use std::collections::BTreeMap;

use super::*;
use crate::measure::maps;
use crate::timeline::GoView;
use crate::timeline::OsView;

const BIN: &str = "/work/wt-ledger/target/gomemlab/bin/bigbytes-go1.26.8-4a8e9720935b565b";
const SMAPS: &str = include_str!("bigbytes-go1.26.8-freed.smaps");
const KIB: u64 = 1024;
const MIB: u64 = 1 << 20;

/// The probe's MemStats at that phase.
fn go_view() -> GoView {
    GoView {
        heap_alloc_bytes: 122_616,
        heap_sys_bytes: 66_846_720,
        heap_idle_bytes: 66_379_776,
        heap_inuse_bytes: 466_944,
        heap_released_bytes: 66_379_776,
        heap_objects: 443,
        total_alloc_bytes: 60_175_544,
        sys_bytes: 71_207_192,
        mallocs: 882,
        frees: 439,
        stack_inuse_bytes: 262_144,
        stack_sys_bytes: 262_144,
        mspan_inuse_bytes: 23_040,
        mspan_sys_bytes: 32_640,
        mcache_inuse_bytes: 4_592,
        mcache_sys_bytes: 16_072,
        buck_hash_sys_bytes: 1_442_707,
        gc_sys_bytes: 2_119_424,
        other_sys_bytes: 487_485,
        next_gc_bytes: 4_194_304,
        num_gc: 4,
        num_forced_gc: 2,
        pause_total_ns: 419_437,
        goroutines: 1,
    }
}

/// Its `/memory/classes/*` metrics.
fn metrics() -> BTreeMap<String, serde_json::Number> {
    [
        ("heap/free", 0),
        ("heap/objects", 122_616),
        ("heap/released", 66_379_776),
        ("heap/stacks", 262_144),
        ("heap/unused", 344_328),
        ("metadata/mcache/free", 11_480),
        ("metadata/mcache/inuse", 4_592),
        ("metadata/mspan/free", 9_600),
        ("metadata/mspan/inuse", 23_040),
        ("metadata/other", 2_119_424),
        ("os-stacks", 0),
        ("other", 487_485),
        ("profiling/buckets", 1_442_707),
        ("total", 71_207_192),
    ]
    .into_iter()
    .map(|(k, v)| (format!("/memory/classes/{k}:bytes"), v.into()))
    .collect()
}

fn phase(smaps: &str) -> Phase {
    Phase {
        name: "freed".into(),
        seq: 4,
        t_ns: 0,
        os: OsView {
            rss_bytes: 63_832_064,
            ..OsView::default()
        },
        go: go_view(),
        metrics: metrics(),
        maps: Some(maps::parse(smaps, BIN).unwrap()),
        heap_profile: None,
        taken: Default::default(),
    }
}

#[test]
fn lazy_free_arena_pages_are_explained_by_what_the_runtime_released() {
    let ledger = of_phase(&phase(SMAPS)).unwrap();
    assert_eq!(ledger.rss_bytes, 62_336 * KIB);
    assert_eq!(ledger.status_rss_bytes, 63_832_064);
    assert_eq!(ledger.rss_read_drift_bytes, 63_832_064 - 62_336 * 1024);
    let arena = ledger.row(Category::HeapArena).unwrap();
    assert_eq!(arena.resident_bytes, 59_428 * KIB);
    assert_eq!(arena.lazy_free_bytes, 58_832 * KIB);
    assert_eq!(arena.runtime_bytes, Some(122_616 + 344_328 + 262_144));
    assert_eq!(arena.explained_bytes, arena.resident_bytes);
    let off = ledger.row(Category::RuntimeOffHeap).unwrap();
    assert_eq!(
        off.runtime_bytes,
        Some(11_480 + 4_592 + 9_600 + 23_040 + 2_119_424 + 487_485 + 1_442_707)
    );
    assert_eq!(off.resident_bytes, 856 * KIB);
    let binary = ledger.row(Category::Binary).unwrap();
    assert_eq!(binary.resident_bytes, (828 + 1056 + 60) * KIB);
    assert_eq!(binary.runtime_bytes, None);
    assert_eq!(ledger.unexplained_bytes, 0);
    assert!(ledger.gaps.is_empty() && ledger.within_target());
    // Rows come in category order, only for categories present.
    let names: Vec<&str> = ledger.rows.iter().map(|r| r.category.name()).collect();
    assert_eq!(
        names,
        [
            "binary",
            "bss",
            "heap_arena",
            "runtime_off_heap",
            "stack",
            "kernel",
            "reserved"
        ]
    );
}

#[test]
fn sys_misses_the_l2_arena_index() {
    let ledger = of_phase(&phase(SMAPS)).unwrap();
    assert_eq!(ledger.runtime_sys_bytes, 71_207_192);
    // 64 MiB of arena + the off-heap mappings, among them the 32 MiB L2 map.
    assert_eq!(ledger.anon_mapped_bytes, (65_536 + 36_780) * KIB);
    assert!(
        ledger.mapped_beyond_sys_bytes >= 32 * MIB as i64,
        "{ledger:?}"
    );
}

#[test]
fn resident_arena_pages_the_runtime_released_without_lazy_free_are_a_gap() {
    // The same pages, as if the kernel did not report them as LazyFree.
    let smaps = SMAPS.replace("LazyFree: 58832 kB", "LazyFree: 0 kB");
    let ledger = of_phase(&phase(&smaps)).unwrap();
    let arena = ledger.row(Category::HeapArena).unwrap();
    let held = 122_616 + 344_328 + 262_144;
    assert_eq!(arena.explained_bytes, held);
    assert_eq!(arena.unexplained_bytes, 59_428 * KIB - held);
    assert_eq!(ledger.unexplained_bytes, (59_428 * KIB - held) as i64);
    assert_eq!(ledger.gaps.len(), 1);
    assert_eq!(ledger.gaps[0].category, Category::HeapArena);
    assert!(!ledger.within_target());
    assert!(
        (ledger.unexplained_fraction - 0.94).abs() < 0.01,
        "{ledger:?}"
    );
}

#[test]
fn resident_pages_in_unknown_mappings_are_unexplained() {
    let smaps = format!(
        "{SMAPS}01000000-01200000 rw-p 00000000 00:00 0 [heap]\nSize: 2048 kB\nRss: 1536 kB\nLazyFree: 0 kB\n"
    );
    let ledger = of_phase(&phase(&smaps)).unwrap();
    let other = ledger.row(Category::Other).unwrap();
    assert_eq!(
        (other.resident_bytes, other.explained_bytes),
        (1536 * KIB, 0)
    );
    assert_eq!(ledger.unexplained_bytes, 1536 * 1024);
    assert_eq!(ledger.gaps[0].category, Category::Other);
    // 1.5 MiB of 62.4 MiB: above the 1 MiB floor, under 5%.
    assert!(ledger.within_target());
}

#[test]
fn memstats_give_the_same_classes_when_metrics_are_missing() {
    let with_metrics = RuntimeClasses::of(&phase(SMAPS));
    let mut p = phase(SMAPS);
    p.metrics.clear();
    assert_eq!(RuntimeClasses::of(&p), with_metrics);
}

#[test]
fn no_inventory_no_ledger() {
    let mut p = phase(SMAPS);
    p.maps = None;
    assert!(of_phase(&p).is_none());
}

#[test]
fn serializes_with_snake_case_categories() {
    let ledger = of_phase(&phase(SMAPS)).unwrap();
    let json = serde_json::to_value(&ledger).unwrap();
    assert_eq!(json["rows"][2]["category"], "heap_arena");
    assert_eq!(json["unexplained_bytes"], 0);
    let back: Ledger = serde_json::from_value(json).unwrap();
    assert_eq!(back, ledger);
}
