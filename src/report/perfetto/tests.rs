//! Tests of the Perfetto export on a recorded run.

use super::*;
use crate::report::series::recorded;

fn parsed(timeline: &Timeline) -> Trace {
    serde_json::from_str(&trace_json(timeline)).expect("the trace parses back")
}

fn named<'a>(trace: &'a Trace, ph: Ph, name: &str) -> Vec<&'a TraceEvent> {
    let events = trace.trace_events.iter();
    events.filter(|e| e.ph == ph && e.name == name).collect()
}

#[test]
fn counters_follow_the_samples_and_the_phases() {
    let tl = recorded();
    let trace = parsed(&tl);
    assert_eq!(trace.display_time_unit, "ms");
    let rss = named(&trace, Ph::Counter, "RSS");
    assert_eq!(rss.len(), tl.samples.len());
    assert_eq!(named(&trace, Ph::Counter, "VmSize").len(), tl.samples.len());
    let (first, sample) = (rss[0], tl.samples.first().expect("samples"));
    assert!((first.ts - sample.t_ns as f64 / 1e3).abs() < 1e-6, "µs");
    assert!(
        (first.args["MiB"].as_f64().unwrap_or(-1.0) - sample.rss_bytes as f64 / MIB).abs() < 1e-9
    );
    assert!(rss.windows(2).all(|w| w[0].ts <= w[1].ts));
    for name in [
        "HeapAlloc",
        "HeapInuse",
        "HeapSys - HeapReleased",
        "heap goal",
        "LazyFree",
        "VmHWM",
    ] {
        assert_eq!(
            named(&trace, Ph::Counter, name).len(),
            tl.phases.len(),
            "{name}"
        );
    }
}

#[test]
fn phases_and_gc_cycles_are_slices_and_syscalls_instants_on_named_tracks() {
    let tl = recorded();
    let trace = parsed(&tl);
    let slices: Vec<_> = trace
        .trace_events
        .iter()
        .filter(|e| e.ph == Ph::Complete)
        .collect();
    let phases: Vec<_> = slices.iter().filter(|e| e.tid == PHASES).collect();
    let names: Vec<&str> = phases.iter().map(|e| e.name.as_str()).collect();
    let want: Vec<&str> = tl.phases.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, want);
    let freed = phases.iter().find(|e| e.name == "freed").expect("freed");
    let lazy = freed.args["os"]["lazy_free_bytes"].as_u64();
    assert_eq!(lazy, tl.phase("freed").map(|p| p.os.lazy_free_bytes));
    let gcs = slices.iter().filter(|e| e.tid == GC).count();
    let want = tl
        .events
        .iter()
        .filter(|e| matches!(e, Event::Gc(_)))
        .count();
    assert_eq!((gcs, want), (8, 8));
    let mut gc_slices: Vec<_> = slices.iter().filter(|e| e.tid == GC).collect();
    gc_slices.sort_by(|a, b| a.ts.total_cmp(&b.ts));
    for w in gc_slices.windows(2) {
        let end = w[0].ts + w[0].dur.unwrap_or(0.0);
        assert!(
            end <= w[1].ts + 1e-6,
            "{:?} overlaps {:?}",
            w[0].name,
            w[1].name
        );
    }
    let end = us(tl.duration_ns);
    for s in &slices {
        let dur = s.dur.expect("a complete event has a duration");
        assert!(
            s.ts >= 0.0 && dur >= 0.0 && s.ts + dur <= end + 1e-6,
            "{s:?}"
        );
    }
    let instants: Vec<_> = trace
        .trace_events
        .iter()
        .filter(|e| e.ph == Ph::Instant)
        .collect();
    assert_eq!(instants.len(), tl.syscalls.len());
    assert!(instants.iter().all(|e| e.s.as_deref() == Some("t")));
    let madvise = instants
        .iter()
        .filter(|e| e.name.starts_with("madvise MADV_"))
        .count();
    assert_eq!(madvise, 123);
    let thread_names: Vec<(u32, &str)> = named(&trace, Ph::Metadata, "thread_name")
        .iter()
        .map(|e| (e.tid, e.args["name"].as_str().unwrap_or("")))
        .collect();
    assert!(thread_names.contains(&(PHASES, "phases")));
    assert!(thread_names.contains(&(GC, "GC cycles")));
    for call in &tl.syscalls {
        let tid = call.tid as u32;
        assert!(
            thread_names.iter().any(|t| t.0 == tid),
            "thread {tid} is named"
        );
    }
    let process = named(&trace, Ph::Metadata, "process_name");
    assert!(
        process[0].args["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("bigbytes"))
    );
}

#[test]
fn gc_lines_read_together_give_slices_that_do_not_overlap() {
    let mut tl = recorded();
    // Two cycles of 5 ms each whose lines were read 1 ms apart.
    let mut gcs = tl.events.iter().filter_map(|e| match e {
        Event::Gc(gc) => Some(gc.clone()),
        _ => None,
    });
    let (mut a, mut b) = (gcs.next().expect("a gc"), gcs.next().expect("a gc"));
    for (gc, t) in [(&mut a, 100_000_000), (&mut b, 101_000_000)] {
        gc.t_ns = t;
        (gc.sweep_term_ns, gc.mark_ns, gc.mark_term_ns) = (0, 5_000_000, 0);
    }
    tl.events = vec![Event::Gc(a), Event::Gc(b)];
    let trace = parsed(&tl);
    let events = trace.trace_events.iter();
    let slices: Vec<_> = events
        .filter(|e| e.tid == GC && e.ph == Ph::Complete)
        .collect();
    let (first, second) = (slices[0], slices[1]);
    assert_eq!((first.ts, first.dur), (95_000.0, Some(5_000.0)));
    assert_eq!((second.ts, second.dur), (100_000.0, Some(1_000.0)));
}
