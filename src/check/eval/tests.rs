//! Evaluation tests on a hand-built timeline (recorded shapes, no Go): the
//! queries, the deep views, and every run-time error class; and a property
//! test that evaluation never panics on arbitrary small timelines.

#![allow(clippy::float_cmp)] // the values compared are integers held in f64

use proptest::prelude::*;

use super::*;
use crate::check::{Check, parse_check, parse_record};
use crate::timeline::{Event, GcEvent};
use crate::timeline::{GoView, OsView, Phase, Sample, Syscall, SyscallEvent, Timeline, TraceStats};
use crate::timeline::{MapClass, Mapping, MapsInventory};

const ARENA: u64 = 0xc0_0000_0000;
const MIB: u64 = 1 << 20;

fn mmap(addr: u64, len: u64, prot: &str, result: u64) -> SyscallEvent {
    SyscallEvent {
        t_ns: 0,
        tid: 1,
        syscall: Syscall::Mmap,
        addr,
        len,
        prot: Some(prot.into()),
        flags: Some("MAP_PRIVATE|MAP_ANONYMOUS".into()),
        advice: None,
        fd: Some(-1),
        offset: Some(0),
        result: Some(result as i64),
        error: None,
    }
}

fn call(syscall: Syscall, t_ns: u64, addr: u64, len: u64, advice: Option<&str>) -> SyscallEvent {
    SyscallEvent {
        t_ns,
        syscall,
        advice: advice.map(String::from),
        prot: None,
        flags: None,
        fd: None,
        offset: None,
        result: Some(0),
        ..mmap(addr, len, "", 0)
    }
}

fn mapping(start: u64, end: u64, class: MapClass, rss: u64) -> Mapping {
    Mapping {
        start,
        end,
        size_bytes: end - start,
        perms: "rw-p".into(),
        class,
        rss_bytes: rss,
        lazy_free_bytes: 0,
        pathname: String::new(),
    }
}

/// A probe phase with a heap arena of `arena_rss` resident bytes.
pub(in crate::check::eval) fn phase(name: &str, t_ns: u64, num_gc: u64, arena_rss: u64) -> Phase {
    Phase {
        name: name.into(),
        seq: 0,
        t_ns,
        os: OsView::default(),
        go: GoView {
            num_gc,
            heap_alloc_bytes: 100 * MIB + MIB / 2,
            ..GoView::default()
        },
        metrics: Default::default(),
        maps: Some(MapsInventory {
            mappings: vec![
                mapping(ARENA, ARENA + 4 * MIB, MapClass::HeapArena, arena_rss),
                mapping(ARENA + 4 * MIB, ARENA + 64 * MIB, MapClass::HeapReserved, 0),
                mapping(
                    0x7f00_0000_0000,
                    0x7f00_0200_0000,
                    MapClass::RuntimeOffHeap,
                    MIB,
                ),
            ],
        }),
        heap_profile: None,
        taken: Default::default(),
    }
}

fn gc(cycle: u64, live_mib: u64, forced: bool) -> Event {
    Event::Gc(GcEvent {
        cycle,
        heap_live_bytes: live_mib * MIB,
        forced,
        ..GcEvent::default()
    })
}

fn timeline() -> Timeline {
    Timeline {
        phases: vec![phase("start", 10, 0, 3 * MIB), phase("freed", 100, 2, MIB)],
        syscalls: vec![
            mmap(0, 256 * 1024, "PROT_READ|PROT_WRITE", 0x7f10_0000_0000),
            mmap(ARENA, 64 * MIB, "PROT_NONE", ARENA),
            mmap(0, 32 * MIB, "PROT_READ|PROT_WRITE", 0x7f00_0000_0000),
            call(Syscall::Madvise, 50, ARENA, 2 * MIB, Some("MADV_DONTNEED")),
            call(
                Syscall::Madvise,
                60,
                ARENA + 2 * MIB,
                MIB,
                Some("MADV_FREE"),
            ),
            call(
                Syscall::Madvise,
                70,
                0x7f00_0000_0000,
                MIB,
                Some("MADV_DONTNEED"),
            ),
            call(Syscall::Munmap, 80, 0x7f20_0000_0000, MIB, None),
        ],
        trace: Some(TraceStats::default()),
        duration_ns: 200,
        events: vec![gc(1, 100, false), gc(2, 100, true)],
        ..Timeline::blank("go1.21.13")
    }
}

fn run() -> Analyzed {
    Analyzed::of(timeline())
}

fn value_of(text: &str, run: &Analyzed) -> EvalResult<f64> {
    value(&parse_record(text).unwrap().expr, run, None)
}

fn v(text: &str) -> f64 {
    value_of(text, &run()).unwrap()
}

fn check(text: &str) -> Check {
    parse_check(text).unwrap_or_else(|e| panic!("{}", e.render(text)))
}

fn holds(text: &str) -> bool {
    evaluate(&check(text), &run()).unwrap().holds
}

fn error(text: &str, run: &Analyzed) -> String {
    evaluate(&check(text), run).unwrap_err()
}

#[test]
fn largest_drop_is_the_biggest_step_back() {
    assert_eq!(largest_drop([1.0, 2.0, 3.0]), 0.0);
    assert_eq!(largest_drop([5.0, 1.0, 4.0, 3.0]), 4.0);
}

#[test]
fn queries_count_project_and_filter_syscalls() {
    assert_eq!(v("count(syscalls)"), 7.0);
    assert_eq!(v("count(syscalls.mmap)"), 3.0);
    assert_eq!(v("first(syscalls.mmap.len)"), 262144.0);
    assert_eq!(
        v("first(syscalls.mmap.result where prot == 'PROT_NONE' and addr != 0)"),
        ARENA as f64
    );
    assert_eq!(
        v("first(syscalls.mmap.index where len == 32MiB and prot == \"PROT_READ|PROT_WRITE\")"),
        2.0
    );
    assert_eq!(
        v("count(syscalls.mmap where flags has 'MAP_ANONYMOUS')"),
        3.0
    );
    assert_eq!(v("count(syscalls.mmap where flags has 'MAP_FIXED')"), 0.0);
    assert_eq!(
        v("sum(syscalls.madvise.len where advice == 'MADV_DONTNEED' or advice == 'MADV_FREE')"),
        (4 * MIB) as f64
    );
    assert_eq!(v("sum(syscalls.munmap.len where len > 1GiB)"), 0.0);
    assert_eq!(
        v("count(syscalls.madvise where t_ns >= t@start and t_ns <= 65ns)"),
        2.0
    );
    assert_eq!(
        v(
            "count(syscalls.mmap where index == first(syscalls.mmap.index where prot == 'PROT_NONE') + 1)"
        ),
        1.0
    );
}

#[test]
fn in_class_uses_the_mapping_inventory() {
    assert_eq!(
        v("sum(syscalls.madvise.len where in heap_arena)"),
        (3 * MIB) as f64
    );
    assert_eq!(
        v("count(syscalls.mmap where in heap_arena or in heap_reserved)"),
        1.0
    );
    assert_eq!(v("count(syscalls.madvise where in runtime_off_heap)"), 1.0);
    assert!(holds(
        "count(syscalls.munmap where in heap_arena or in heap_reserved) == 0"
    ));
}

#[test]
fn per_phase_paths_series_and_the_ledger() {
    assert_eq!(v("maps.heap_arena.size@start"), (4 * MIB) as f64);
    assert_eq!(v("maps.heap_arena.rss@freed"), MIB as f64);
    assert_eq!(v("maps.stack.size@freed"), 0.0);
    assert_eq!(v("max(maps.heap_arena.rss)"), (3 * MIB) as f64);
    assert!(holds(
        "maps.heap_arena.size + maps.heap_reserved.size == 64MiB"
    ));
    assert!(holds("nonincreasing(maps.heap_arena.rss)"));
    assert!(!holds("nondecreasing(maps.heap_arena.rss)"));
    let r = run();
    let ledger = r.analysis.ledger(1).unwrap();
    assert_eq!(
        value_of("ledger.rss@freed", &r).unwrap(),
        ledger.rss_bytes as f64
    );
    assert_eq!(value_of("ledger.limit@freed", &r).unwrap(), MIB as f64);
    assert_eq!(
        value_of("ledger.heap_arena.resident@freed", &r).unwrap(),
        MIB as f64
    );
}

#[test]
fn queries_over_gc_events() {
    assert_eq!(v("count(events.gc)"), 2.0);
    assert_eq!(v("count(events.gc where forced == true)"), 1.0);
    assert_eq!(v("count(events.gc where cycle <= go.num_gc@freed)"), 2.0);
    assert!(holds(
        "last(events.gc.heap_live where cycle <= go.num_gc@freed) >= go.heap_alloc@freed - 1MiB"
    ));
    assert_eq!(v("count(events.scav)"), 0.0);
}

#[test]
fn not_equal_works_on_values_and_words() {
    assert!(holds("go.num_gc@freed != go.num_gc@start"));
    assert!(!holds("go.num_gc@freed != 2"));
    assert_eq!(v("count(syscalls.mmap where prot != 'PROT_NONE')"), 2.0);
    assert_eq!(v("count(syscalls where len != 1MiB)"), 4.0);
}

#[test]
fn run_time_problems_are_errors_with_a_reason() {
    let r = run();
    let e = error("os.rss@start / 0 >= 1", &r);
    assert!(
        e.contains("division by zero in `os.rss_bytes@start / 0`"),
        "{e}"
    );
    assert!(error("0 / 0 == 0", &r).contains("division by zero"));
    let e = error("os.rss@collected <= 1MiB", &r);
    assert!(
        e.contains("phase `collected` never happened") && e.contains("start, freed"),
        "{e}"
    );
    let e = error("max(samples.rss) <= 1MiB", &r);
    assert!(
        e.contains("max() of an empty series `samples.rss_bytes`"),
        "{e}"
    );
    assert!(error("nondecreasing(samples.vm_size)", &r).contains("empty series"));
    let e = error("first(syscalls.brk.len) == 0", &r);
    assert!(e.contains("first() of an empty selection"), "{e}");
    let huge = format!("{}0 * {}0 > 1", "9".repeat(300), "9".repeat(300));
    let e = error(&huge, &r);
    assert!(e.contains("not a finite number"), "{e}");
    let mut t = timeline();
    t.trace = None;
    assert!(error("count(syscalls) == 0", &Analyzed::of(t)).contains("trace-syscalls = true"));
    let mut t = timeline();
    t.phases.iter_mut().for_each(|p| p.maps = None);
    let t = Analyzed::of(t);
    assert!(error("maps.heap_arena.size@start == 0", &t).contains("maps = true"));
    assert!(error("ledger.unexplained@start <= ledger.limit@start", &t).contains("no ledger"));
    assert!(error("count(syscalls.munmap where in heap_arena) == 0", &t).contains("maps = true"));
    let mut t = timeline();
    t.phases.clear();
    assert!(error("go.num_gc >= 0", &Analyzed::of(t)).contains("no phases"));
}

/// Small timelines: a few phases with random names and views, random
/// samples, syscalls and events, mappings or none, traced or not.
fn arbitrary_run() -> impl Strategy<Value = Analyzed> {
    let names = prop::sample::select(vec!["start", "freed", "x", "grown-1"]);
    let phase = (names, any::<u32>(), any::<u64>(), any::<bool>(), 0u64..5).prop_map(
        |(name, t, rss, maps, num_gc)| {
            let mut p = phase(name, u64::from(t), num_gc, rss % (1 << 40));
            p.os.rss_bytes = rss;
            if !maps {
                p.maps = None;
            }
            p
        },
    );
    let sample = (any::<u32>(), any::<u64>()).prop_map(|(t, rss)| Sample {
        t_ns: u64::from(t),
        rss_bytes: rss,
        vm_size_bytes: rss / 2,
        peak_bytes: rss,
    });
    let syscall =
        (0usize..5, any::<u64>(), any::<u64>(), any::<i64>()).prop_map(|(k, addr, len, result)| {
            SyscallEvent {
                result: Some(result),
                ..call(Syscall::ALL[k], addr % 1000, addr, len, Some("MADV_FREE"))
            }
        });
    let event =
        (0u64..5, 0u64..300, any::<bool>()).prop_map(|(c, live, forced)| gc(c, live, forced));
    (
        prop::collection::vec(phase, 0..4),
        prop::collection::vec(sample, 0..4),
        prop::collection::vec(syscall, 0..6),
        prop::collection::vec(event, 0..4),
        any::<bool>(),
    )
        .prop_map(|(phases, samples, syscalls, events, traced)| {
            let mut t = timeline();
            t.phases = phases;
            t.samples = samples.into_iter().collect();
            t.syscalls = syscalls;
            t.events = events;
            if !traced {
                t.trace = None;
            }
            Analyzed::of(t)
        })
}

const CHECKS: &[&str] = &[
    "os.rss@freed <= 0.1 * os.rss@start",
    "go.heap_released <= go.heap_idle",
    "os.rss@start / (os.rss@freed - os.rss@x) != 1",
    "max(samples.rss) - min(samples.vm_size) >= drop(samples.rss)",
    "nondecreasing(os.rss)",
    "nonincreasing(maps.heap_arena.rss)",
    "ledger.unexplained <= ledger.limit",
    "ledger.heap_arena.resident@freed >= 0",
    "count(syscalls.munmap where in heap_arena or in heap_reserved) == 0",
    "first(syscalls.mmap.len where index == first(syscalls.mmap.index where len == 32MiB) + 1) <= 2MiB",
    "sum(syscalls.madvise.len where in heap_arena and advice == 'MADV_FREE') >= 0.9 * (go.heap_released@freed - go.heap_released@start)",
    "last(events.gc.heap_live where cycle <= go.num_gc@freed) >= go.heap_alloc@freed - 1MiB",
    "(t@x - t@start) / count(events.gc where forced == true) <= 1s",
    "t@freed - t@start >= 1ms",
];

proptest! {
    #[test]
    fn evaluation_never_panics_on_any_small_timeline(run in arbitrary_run()) {
        for text in CHECKS {
            let c = check(text);
            if let Ok(o) = evaluate(&c, &run) {
                prop_assert!(o.lhs.is_finite() && o.rhs.is_finite(), "{} gave {:?}", text, o);
            }
        }
    }
}

#[test]
fn an_analysed_run_round_trips_through_json_and_keeps_its_ledgers() {
    let r = run();
    assert_eq!(r.analysis.ledgers().count(), 2);
    let json = serde_json::to_string(&r).unwrap();
    let back: Analyzed = serde_json::from_str(&json).unwrap();
    assert_eq!(back.analysis, r.analysis);
    assert_eq!(
        evaluate(&check("ledger.unexplained <= ledger.limit"), &back),
        evaluate(&check("ledger.unexplained <= ledger.limit"), &r)
    );
}
