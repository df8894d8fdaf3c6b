//! What happens to RSS when the runtime releases memory, on a real Go process:
//! MADV_FREE (madvdontneed=0) leaves it resident as LazyFree, MADV_DONTNEED
//! (madvdontneed=1) drops it.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use common::observe_fixture;
use gomemlab::timeline::Timeline;

fn rss(t: &Timeline, phase: &str) -> u64 {
    t.phase(phase)
        .unwrap_or_else(|| panic!("no phase {phase}"))
        .os
        .rss_bytes
}

#[test]
fn madv_free_keeps_rss_and_shows_it_as_lazy_free() {
    let t = observe_fixture("bigbytes", &[("GODEBUG", "madvdontneed=0")], &[]);
    let names: Vec<&str> = t.phases.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["start", "allocated", "collected", "freed", "exit"]);

    let (allocated, freed) = (rss(&t, "allocated"), rss(&t, "freed"));
    assert!(allocated > 150 << 20, "allocated RSS only {allocated}");
    assert!(
        freed * 10 >= allocated * 9,
        "RSS fell from {allocated} to {freed} under MADV_FREE"
    );
    let freed_phase = t.phase("freed").unwrap();
    // Counted from `allocated`: go1.19's background scavenger, woken by the
    // GC, may return part of the heap before FreeOSMemory does (under load
    // it had returned all but 96 MiB by `collected`); released either way,
    // it stays resident as LazyFree under MADV_FREE.
    let released =
        freed_phase.go.heap_released_bytes - t.phase("allocated").unwrap().go.heap_released_bytes;
    assert!(
        released > 150 << 20,
        "the runtime released only {released} since allocated"
    );
    // observe_fixture runs with the default spec, which reads smaps_rollup.
    let lazy = freed_phase.os.lazy_free_bytes.unwrap();
    assert!(
        lazy * 10 >= released * 8,
        "LazyFree {lazy} covers less than 80% of the {released} bytes released"
    );
}

#[test]
fn madv_dontneed_drops_rss() {
    let t = observe_fixture("bigbytes", &[("GODEBUG", "madvdontneed=1")], &[]);
    let (allocated, freed) = (rss(&t, "allocated"), rss(&t, "freed"));
    assert!(allocated > 150 << 20, "allocated RSS only {allocated}");
    assert!(
        freed * 10 <= allocated,
        "RSS only fell from {allocated} to {freed} under MADV_DONTNEED"
    );
    assert_eq!(t.phase("freed").unwrap().os.lazy_free_bytes, Some(0));
}

#[test]
fn both_views_describe_the_same_instant() {
    // At `allocated` the newest 100 MB slice is live and touched: the Go view
    // counts it in HeapAlloc and the OS view must hold at least that much.
    let t = observe_fixture("bigbytes", &[], &["-count", "3"]);
    let p = t.phase("allocated").unwrap();
    assert!(p.go.heap_alloc_bytes >= 100_000_000);
    assert!(p.os.rss_anon_bytes >= 100_000_000, "{:?}", p.os);
    assert!(p.os.hwm_bytes >= p.os.rss_bytes);
    assert!(p.metrics.keys().any(|k| k.starts_with("/memory/classes/")));
}
