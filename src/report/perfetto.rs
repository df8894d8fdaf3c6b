//! `run --perfetto FILE`: a run as Chrome trace-event JSON, which
//! ui.perfetto.dev and chrome://tracing open with zoom and search.
//!
//! Counters (values in MiB): `RSS` and `VmSize` at every sample; the Go view
//! (`HeapAlloc`, `HeapInuse`, `HeapSys - HeapReleased`, `heap goal`) and
//! `LazyFree`, `VmHWM` at every phase. Slices: each phase, from its instant to
//! the next phase, with both views as arguments; each GC cycle, ending when the
//! harness read its gctrace line and as long as the cycle's wall-clock phases
//! (cut short where it would overlap the previous cycle).
//! Instants: scavenger lines, periodic GCs, and every traced syscall on the
//! track of the thread that made it. Timestamps in microseconds since spawn.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::report::series;
use crate::timeline::Event;
use crate::timeline::{Phase, Timeline};

const MIB: f64 = (1u64 << 20) as f64;
/// The process every event belongs to.
const PID: u32 = 1;
/// Tracks of their own; syscalls go on the track of the calling thread's tid.
const PHASES: u32 = 1;
const GC: u32 = 2;
const SCAVENGER: u32 = 3;

/// A whole trace file (the JSON object format).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    #[serde(rename = "traceEvents")]
    pub trace_events: Vec<TraceEvent>,
    #[serde(rename = "displayTimeUnit")]
    pub display_time_unit: String,
}

/// The event types used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Ph {
    #[serde(rename = "C")]
    Counter,
    #[serde(rename = "X")]
    Complete,
    #[serde(rename = "i")]
    Instant,
    #[serde(rename = "M")]
    Metadata,
}

/// One trace event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceEvent {
    pub name: String,
    pub ph: Ph,
    /// Microseconds since spawn.
    pub ts: f64,
    /// Complete events: duration in microseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dur: Option<f64>,
    pub pid: u32,
    pub tid: u32,
    /// Instant events: scope (`t`, the thread).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub args: Map<String, Value>,
}

fn us(t_ns: u64) -> f64 {
    t_ns as f64 / 1e3
}

fn args(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => Map::from_iter([("value".to_string(), other)]),
    }
}

fn event(name: impl Into<String>, ph: Ph, ts: f64, tid: u32, args_: Value) -> TraceEvent {
    TraceEvent {
        name: name.into(),
        ph,
        ts,
        dur: None,
        pid: PID,
        tid,
        s: (ph == Ph::Instant).then(|| "t".to_string()),
        args: args(args_),
    }
}

fn counter(name: &str, t_ns: u64, bytes: u64) -> TraceEvent {
    event(
        name,
        Ph::Counter,
        us(t_ns),
        0,
        json!({ "MiB": bytes as f64 / MIB }),
    )
}

fn metadata(name: &str, tid: u32, value: Value) -> TraceEvent {
    event(name, Ph::Metadata, 0.0, tid, value)
}

/// The counters read at a phase: name and bytes.
fn phase_counters(p: &Phase) -> Vec<(&'static str, u64)> {
    let mut out = vec![
        ("HeapAlloc", p.go.heap_alloc_bytes),
        ("HeapInuse", p.go.heap_inuse_bytes),
        (
            "HeapSys - HeapReleased",
            p.go.heap_sys_bytes.saturating_sub(p.go.heap_released_bytes),
        ),
        ("LazyFree", p.os.lazy_free_bytes),
        ("VmHWM", p.os.hwm_bytes),
    ];
    // A phase of `watch` has no Go view (no probe): no Go counters at zero.
    if p.go == crate::timeline::GoView::default() {
        out.drain(..3);
    }
    if let Some(goal) = p
        .metrics
        .get("/gc/heap/goal:bytes")
        .and_then(|n| n.as_u64())
    {
        out.push(("heap goal", goal));
    }
    out
}

/// The trace of one run.
pub fn trace(timeline: &Timeline) -> Trace {
    let mut events = vec![
        metadata(
            "process_name",
            0,
            json!({ "name": crate::report::plot::title(timeline) }),
        ),
        metadata("thread_name", PHASES, json!({ "name": "phases" })),
        metadata("thread_name", GC, json!({ "name": "GC cycles" })),
        metadata("thread_name", SCAVENGER, json!({ "name": "scavenger" })),
    ];
    for (i, tid) in [PHASES, GC, SCAVENGER].into_iter().enumerate() {
        events.push(metadata(
            "thread_sort_index",
            tid,
            json!({ "sort_index": i }),
        ));
    }
    for s in series::samples(timeline) {
        events.push(counter("RSS", s.t_ns, s.rss_bytes));
        events.push(counter("VmSize", s.t_ns, s.vm_size_bytes));
    }
    let end_ns = timeline.duration_ns;
    for (i, p) in timeline.phases.iter().enumerate() {
        for (name, bytes) in phase_counters(p) {
            events.push(counter(name, p.t_ns, bytes));
        }
        let next = timeline.phases.get(i + 1).map_or(end_ns, |n| n.t_ns);
        let view = json!({ "os": p.os, "go": p.go });
        let mut slice = event(&p.name, Ph::Complete, us(p.t_ns), PHASES, view);
        slice.dur = Some(us(next.saturating_sub(p.t_ns)));
        events.push(slice);
    }
    let mut gc_end = 0;
    for e in &timeline.events {
        let body = serde_json::to_value(e).unwrap_or(Value::Null);
        match e {
            Event::Gc(gc) => {
                let wall = gc.sweep_term_ns + gc.mark_ns + gc.mark_term_ns;
                let forced = if gc.forced { " (forced)" } else { "" };
                let name = format!("GC {}{forced}", gc.cycle);
                // Lines read late can arrive together: a cycle starts no
                // earlier than the previous one ended, so slices never overlap.
                let start = gc.t_ns.saturating_sub(wall).max(gc_end);
                let end = gc.t_ns.max(start);
                gc_end = end;
                let mut slice = event(name, Ph::Complete, us(start), GC, body);
                slice.dur = Some(us(end - start));
                events.push(slice);
            }
            Event::PeriodicGc { t_ns } => {
                events.push(event(
                    "GC forced (periodic)",
                    Ph::Instant,
                    us(*t_ns),
                    GC,
                    body,
                ));
            }
            Event::Scav(s) => {
                events.push(event("scavenge", Ph::Instant, us(s.t_ns), SCAVENGER, body));
            }
        }
    }
    let mut threads = std::collections::BTreeSet::new();
    for call in &timeline.syscalls {
        let tid = u32::try_from(call.tid).unwrap_or(0);
        threads.insert(tid);
        let name = match &call.advice {
            Some(advice) => format!("{} {advice}", call.syscall.name()),
            None => call.syscall.name().to_string(),
        };
        let mut body = serde_json::to_value(call).unwrap_or(Value::Null);
        body["addr_hex"] = json!(format!("{:#x}", call.addr));
        events.push(event(name, Ph::Instant, us(call.t_ns), tid, body));
    }
    for tid in threads {
        let name = json!({ "name": format!("syscalls of thread {tid}") });
        events.push(metadata("thread_name", tid, name));
    }
    Trace {
        trace_events: events,
        display_time_unit: "ms".into(),
    }
}

/// The trace file's text.
pub fn trace_json(timeline: &Timeline) -> String {
    serde_json::to_string(&trace(timeline)).unwrap_or_default()
}

#[cfg(test)]
mod tests;
