//! Parser tests on lines recorded from real fixture runs (labelled with the Go
//! version that printed them) plus a few shapes taken from the runtime sources.

use super::*;

// Recorded: bigbytes -count 3 under GODEBUG=gctrace=1,scavtrace=1, go1.26.8.
const GO126: &str = "\
gc 1 @0.001s 11%: 0.11+0.48+0.040 ms clock, 0.22+0/0.22/0.10+0.081 ms cpu, 95->95->95 MB, 95 MB goal, 0 MB stacks, 0 MB globals, 2 P
scav 0 KiB work (bg), 0 KiB work (eager), 3664 KiB now, 99% util
gc 2 @0.059s 0%: 0.044+0.60+0.026 ms clock, 0.089+0/0.19/0.15+0.052 ms cpu, 190->190->190 MB, 191 MB goal, 0 MB stacks, 0 MB globals, 2 P
scav 0 KiB work (bg), 0 KiB work (eager), 4272 KiB now, 99% util
gc 3 @0.175s 0%: 0.042+0.19+0.004 ms clock, 0.085+0/0.12/0.19+0.009 ms cpu, 286->286->0 MB, 381 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
scav 0 KiB work (bg), 0 KiB work (eager), 4816 KiB now, 0% util
gc 4 @0.175s 0%: 0.023+0.48+0.042 ms clock, 0.047+0/0.19/0.15+0.085 ms cpu, 0->0->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
scav 312 KiB work (bg), 0 KiB work (eager), 5088 KiB now, 0% util
scav 0 KiB work (bg), 282856 KiB work (eager), 298184 KiB now, 100% util (forced)
";

// Recorded: the same run with go1.21.13.
const GO121: &str = "\
gc 1 @0.002s 3%: 0.011+0.37+0.048 ms clock, 0.022+0/0.13/0.16+0.097 ms cpu, 95->95->95 MB, 95 MB goal, 0 MB stacks, 0 MB globals, 2 P
scav 0 KiB work (bg), 0 KiB work (eager), 3848 KiB now, 99% util
gc 2 @0.066s 0%: 0.028+0.77+0.045 ms clock, 0.057+0/0.17/0.27+0.090 ms cpu, 190->190->190 MB, 191 MB goal, 0 MB stacks, 0 MB globals, 2 P
scav 0 KiB work (bg), 0 KiB work (eager), 4456 KiB now, 99% util
gc 3 @0.149s 0%: 0.017+0.12+0.004 ms clock, 0.035+0/0.075/0.12+0.008 ms cpu, 286->286->0 MB, 381 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
scav 0 KiB work (bg), 0 KiB work (eager), 5032 KiB now, 0% util
gc 4 @0.149s 0%: 0.010+0.30+0.003 ms clock, 0.020+0/0.14/0.14+0.006 ms cpu, 0->0->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
scav 192 KiB work (bg), 0 KiB work (eager), 5224 KiB now, 0% util
scav 0 KiB work (bg), 284864 KiB work (eager), 298280 KiB now, 100% util (forced)
";

// Recorded: the same run with go1.19.8 (older scav shape).
const GO119: &str = "\
gc 1 @0.002s 4%: 0.013+3.0+0.20 ms clock, 0.026+0/0.12/0.15+0.41 ms cpu, 95->95->95 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P
scav 0 KiB work, 3872 KiB total, 99% util
gc 2 @0.027s 1%: 0.021+2.1+0.035 ms clock, 0.043+0/0.18/1.8+0.070 ms cpu, 190->190->190 MB, 191 MB goal, 0 MB stacks, 0 MB globals, 2 P
scav 0 KiB work, 4480 KiB total, 99% util
gc 3 @0.288s 0%: 0.037+0.14+0.005 ms clock, 0.075+0/0.096/0.13+0.011 ms cpu, 286->286->0 MB, 381 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
scav 0 KiB work, 5104 KiB total, 0% util
gc 4 @0.289s 0%: 0.011+0.48+0.039 ms clock, 0.022+0/0.24/0.090+0.079 ms cpu, 0->0->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)
scav 0 KiB work, 8432 KiB total, 0% util
scav 255040 KiB work, 298288 KiB total, 96% util (forced)
";

fn parse_text(text: &str) -> Parsed {
    parse_lines(text.lines().enumerate().map(|(i, l)| (i as u64 * 1000, l)))
}

fn gcs(p: &Parsed) -> Vec<&GcEvent> {
    p.events
        .iter()
        .filter_map(|e| match e {
            Event::Gc(g) => Some(g),
            _ => None,
        })
        .collect()
}

fn scavs(p: &Parsed) -> Vec<&ScavEvent> {
    p.events
        .iter()
        .filter_map(|e| match e {
            Event::Scav(s) => Some(s),
            _ => None,
        })
        .collect()
}

#[test]
fn every_recorded_line_parses_on_every_version() {
    for (version, text) in [("go1.26", GO126), ("go1.21", GO121), ("go1.19", GO119)] {
        let p = parse_text(text);
        assert_eq!(p.unparsed, 0, "{version}");
        assert_eq!(p.events.len(), text.lines().count(), "{version}");
        let g = gcs(&p);
        assert_eq!(g.len(), 4, "{version}");
        assert!(g.windows(2).all(|w| w[0].cycle + 1 == w[1].cycle));
        // bigbytes: runtime.GC and debug.FreeOSMemory force the last two cycles.
        let forced: Vec<bool> = g.iter().map(|e| e.forced).collect();
        assert_eq!(forced, [false, false, true, true], "{version}");
        assert_eq!(g[2].heap_start_bytes, 286 << 20);
        assert_eq!(g[2].heap_live_bytes, 0);
        assert!(g.iter().all(|e| e.procs == 2 && e.stacks_bytes == Some(0)));
        // The last scav line is FreeOSMemory's: forced, and it released ~280 MB.
        let last = *scavs(&p).last().unwrap();
        assert!(
            last.forced && last.released_bytes > 250_000 << 10,
            "{version}"
        );
        assert!(last.heap_released_bytes >= last.released_bytes);
    }
}

#[test]
fn gc_line_fields_go126() {
    let p = parse_text(GO126);
    let g = gcs(&p)[0];
    assert_eq!(g.cycle, 1);
    assert_eq!(g.t_ns, 0);
    assert_eq!(g.at_ns, 1_000_000);
    assert_eq!(g.cpu_percent, 11);
    assert_eq!(
        (g.sweep_term_ns, g.mark_ns, g.mark_term_ns),
        (110_000, 480_000, 40_000)
    );
    assert_eq!(
        (g.heap_start_bytes, g.heap_end_bytes, g.heap_live_bytes),
        (95 << 20, 95 << 20, 95 << 20)
    );
    assert_eq!(g.goal_bytes, 95 << 20);
    assert_eq!((g.stacks_bytes, g.globals_bytes), (Some(0), Some(0)));
    assert!(!g.forced);
    assert_eq!(g.raw, GO126.lines().next().unwrap());
    assert_eq!(gcs(&p)[1].at_ns, 59_000_000);
}

#[test]
fn scav_lines_newer_and_older_shapes() {
    // go1.21 / go1.26: bg and eager separately, "now".
    let new = parse_text(GO121);
    let bg = scavs(&new)[3];
    assert_eq!(bg.released_bg_bytes, Some(192 << 10));
    assert_eq!(bg.released_eager_bytes, Some(0));
    assert_eq!(bg.released_bytes, 192 << 10);
    assert_eq!(bg.heap_released_bytes, 5224 << 10);
    assert_eq!(bg.util_percent, 0);
    assert!(!bg.forced && !bg.controller_reset);
    let eager = scavs(&new)[4];
    assert_eq!(eager.released_eager_bytes, Some(284_864 << 10));
    assert_eq!(eager.util_percent, 100);
    // go1.19: one "work" figure, "total".
    let old = parse_text(GO119);
    let forced = scavs(&old)[4];
    assert_eq!(forced.released_bytes, 255_040 << 10);
    assert_eq!(forced.released_bg_bytes, None);
    assert_eq!(forced.released_eager_bytes, None);
    assert_eq!(forced.heap_released_bytes, 298_288 << 10);
    assert_eq!(forced.util_percent, 96);
    assert!(forced.forced);
}

#[test]
fn shapes_from_the_sources_not_recorded_here() {
    // Before Go 1.18 (no stacks/globals), as in the Go 1.17 runtime.
    let old = parse_gc(5, "gc 7 @12.345s 0%: 0.020+1.2+0.010 ms clock, 0.080+0.5/1.0/2.0+0.040 ms cpu, 4->5->2 MB, 5 MB goal, 4 P").unwrap();
    assert_eq!((old.cycle, old.at_ns, old.procs), (7, 12_345_000_000, 4));
    assert_eq!((old.stacks_bytes, old.globals_bytes), (None, None));
    // go1.26 goroutine leak detection (mgc.go:1581).
    let leak = parse_gc(0, "gc 2 @0.100s 1% (checking for goroutine leaks): 0.1+0.2+0.3 ms clock, 0.1+0/0.2/0+0.3 ms cpu, 8->9->4 MB, 9 MB goal, 0 MB stacks, 1 MB globals, 8 P (forced)").unwrap();
    assert!(leak.forced && leak.globals_bytes == Some(1 << 20));
    // printScavTrace's controller-reset suffix (mgcscavenge.go:712).
    let reset = parse_scav(
        0,
        "scav 64 KiB work (bg), 0 KiB work (eager), 1024 KiB now, 97% util [controller reset]",
    )
    .unwrap();
    assert!(reset.controller_reset && !reset.forced);
    // forcegchelper's line before a periodic GC.
    assert_eq!(
        parse_text("GC forced\n").events,
        [Event::PeriodicGc { t_ns: 0 }]
    );
}

#[test]
fn other_lines_are_ignored_and_broken_trace_lines_counted() {
    let text = "\
probe: {\"phase\":\"start\"}
gc is not a trace line
gc 1 @0.001s 11%: garbled
scav ??? KiB work, 1 KiB now, 9% util
scav 1 KiB work (bg), 2 KiB total, 3% util
gc 3 @0.1s 0%: 1+2+3 ms clock, 1 ms cpu, 1->2 MB, 4 MB goal, 2 P
gc 4 @x 0%: 1+2+3 ms clock, 1 ms cpu, 1->2->3 MB, 4 MB goal, 2 P
panic: runtime error
";
    let p = parse_text(text);
    assert!(p.events.is_empty(), "{:?}", p.events);
    assert_eq!(p.unparsed, 5);
    // A part a future Go adds does not lose the line.
    let more = parse_scav(0, "scav 1 KiB work, 2 KiB total, 3% util, 4 new things").unwrap();
    assert_eq!((more.released_bytes, more.util_percent), (1 << 10, 3));
}

#[test]
fn decimals_become_nanoseconds_without_floats() {
    assert_eq!(decimal_ns("0.011", 1_000_000_000), Some(11_000_000));
    assert_eq!(decimal_ns("12", 1_000_000), Some(12_000_000));
    assert_eq!(decimal_ns("0.30", 1_000_000), Some(300_000));
    assert_eq!(
        decimal_ns("1.123456789", 1_000_000_000),
        Some(1_123_456_789)
    );
    assert_eq!(decimal_ns("1.", 1), Some(1));
    for bad in [
        "",
        ".5",
        "-1",
        "1e3",
        "0.0000000001",
        "18446744073709551616",
    ] {
        assert_eq!(decimal_ns(bad, 1), None, "{bad}");
    }
}

#[test]
fn events_serialize_with_a_kind_tag() {
    let p = parse_text(GO119);
    let json = serde_json::to_value(&p.events[0]).unwrap();
    assert_eq!(json["kind"], "gc");
    assert_eq!(json["heap_start_bytes"], 95u64 << 20);
    let back: Event = serde_json::from_value(json).unwrap();
    assert_eq!(back, p.events[0]);
    assert_eq!(
        serde_json::to_value(Event::PeriodicGc { t_ns: 3 }).unwrap()["kind"],
        "periodic_gc"
    );
}
