//! GC and scavenger events: the `GODEBUG=gctrace=1,scavtrace=1` lines a fixture
//! writes on stderr, parsed into typed events on the run's time axis.
//!
//! Shapes accepted (read from the runtime sources, recorded from real runs):
//! - gctrace, printed by `gcMarkTermination` (runtime/mgc.go; go1.26 :1577,
//!   go1.21 :1138, go1.19 :1094), the same shape in all three:
//!   `gc N @S.SSSs P%: C+C+C ms clock, C+C/C/C+C ms cpu, A->B->C MB, G MB goal,
//!   S MB stacks, G MB globals, N P[ (forced)]`; go1.26 may add
//!   ` (checking for goroutine leaks)` after `P%`. The stacks and globals parts
//!   came with the Go 1.18 pacer; older lines lack them, so both are optional.
//! - `GC forced`: the periodic (2-minute) collection started by sysmon's
//!   forcegc helper (runtime/proc.go `forcegchelper`; go1.26 :378). Not the same as the
//!   ` (forced)` suffix, which marks runtime.GC / debug.FreeOSMemory.
//! - scavtrace, printed by `printScavTrace` (runtime/mgcscavenge.go; go1.26 and
//!   go1.21 :699, go1.19 :663):
//!   go1.21+ `scav B KiB work (bg), E KiB work (eager), R KiB now, U% util`,
//!   go1.19 `scav W KiB work, R KiB total, U% util`, either followed by
//!   ` (forced)` (debug.FreeOSMemory) or ` [controller reset]`.
//!
//! Other stderr lines are ignored. A line that starts like a trace line
//! (`gc N @` or `scav `) but does not parse is counted, so a new format shows up.

use crate::timeline::{Event, GcEvent, ScavEvent};

const MIB: u64 = 1 << 20;
const KIB: u64 = 1 << 10;

/// What the trace lines of one run gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    pub events: Vec<Event>,
    /// Lines that look like gctrace/scavtrace but did not parse.
    pub unparsed: u64,
}

/// Parses stderr lines, each with its arrival time (ns since spawn).
pub fn parse_lines<'a>(lines: impl IntoIterator<Item = (u64, &'a str)>) -> Parsed {
    let mut parsed = Parsed::default();
    for (t_ns, line) in lines {
        let line = line.trim_end();
        if line == "GC forced" {
            parsed.events.push(Event::PeriodicGc { t_ns });
        } else if let Some(event) = parse_gc(t_ns, line) {
            parsed.events.push(Event::Gc(event));
        } else if let Some(event) = parse_scav(t_ns, line) {
            parsed.events.push(Event::Scav(event));
        } else if looks_like_trace(line) {
            parsed.unparsed += 1;
        }
    }
    parsed
}

/// `gc N @...` or `scav ...`: the start of a trace line.
fn looks_like_trace(line: &str) -> bool {
    if line.starts_with("scav ") {
        return true;
    }
    let mut words = line.split(' ');
    words.next() == Some("gc")
        && words.next().is_some_and(|n| n.parse::<u64>().is_ok())
        && words.next().is_some_and(|at| at.starts_with('@'))
}

/// Parses one gctrace line, or `None` if it is not one.
pub fn parse_gc(t_ns: u64, line: &str) -> Option<GcEvent> {
    let (header, body) = line.split_once(": ")?;
    let mut words = header.split(' ');
    if words.next()? != "gc" {
        return None;
    }
    let cycle = words.next()?.parse().ok()?;
    let at = words.next()?.strip_prefix('@')?.strip_suffix('s')?;
    let at_ns = decimal_ns(at, 1_000_000_000)?;
    let cpu_percent = words.next()?.strip_suffix('%')?.parse().ok()?;

    let (mut clock, mut heap, mut goal, mut procs) = (None, None, None, None);
    let (mut stacks, mut globals, mut forced) = (None, None, false);
    for part in body.split(", ") {
        if let Some(times) = part.strip_suffix(" ms clock") {
            let t: Vec<u64> = times
                .split('+')
                .map(|v| decimal_ns(v, 1_000_000))
                .collect::<Option<_>>()?;
            clock = (t.len() == 3).then(|| (t[0], t[1], t[2]));
        } else if let Some(v) = part.strip_suffix(" MB goal") {
            goal = Some(mib(v)?);
        } else if let Some(v) = part.strip_suffix(" MB stacks") {
            stacks = Some(mib(v)?);
        } else if let Some(v) = part.strip_suffix(" MB globals") {
            globals = Some(mib(v)?);
        } else if let Some(v) = part.strip_suffix(" MB") {
            let sizes: Vec<u64> = v.split("->").map(mib).collect::<Option<_>>()?;
            heap = (sizes.len() == 3).then(|| (sizes[0], sizes[1], sizes[2]));
        } else if let Some(v) = part.strip_suffix(" P (forced)") {
            (procs, forced) = (Some(v.parse().ok()?), true);
        } else if let Some(v) = part.strip_suffix(" P") {
            procs = Some(v.parse().ok()?);
        }
        // Anything else (the cpu times, parts a future Go adds) stays in `raw`.
    }
    let (sweep_term_ns, mark_ns, mark_term_ns) = clock?;
    let (heap_start_bytes, heap_end_bytes, heap_live_bytes) = heap?;
    Some(GcEvent {
        t_ns,
        cycle,
        at_ns,
        cpu_percent,
        sweep_term_ns,
        mark_ns,
        mark_term_ns,
        heap_start_bytes,
        heap_end_bytes,
        heap_live_bytes,
        goal_bytes: goal?,
        stacks_bytes: stacks,
        globals_bytes: globals,
        procs: procs?,
        forced,
        raw: line.to_string(),
    })
}

/// Parses one scavtrace line, or `None` if it is not one.
pub fn parse_scav(t_ns: u64, line: &str) -> Option<ScavEvent> {
    let body = line.strip_prefix("scav ")?;
    let (body, forced) = match body.strip_suffix(" (forced)") {
        Some(b) => (b, true),
        None => (body, false),
    };
    let (body, controller_reset) = match body.strip_suffix(" [controller reset]") {
        Some(b) => (b, true),
        None => (body, false),
    };
    let (mut work, mut bg, mut eager, mut now, mut util) = (None, None, None, None, None);
    for part in body.split(", ") {
        if let Some(v) = part.strip_suffix(" KiB work (bg)") {
            bg = Some(kib(v)?);
        } else if let Some(v) = part.strip_suffix(" KiB work (eager)") {
            eager = Some(kib(v)?);
        } else if let Some(v) = part.strip_suffix(" KiB work") {
            work = Some(kib(v)?);
        } else if let Some(v) = part
            .strip_suffix(" KiB now")
            .or_else(|| part.strip_suffix(" KiB total"))
        {
            now = Some(kib(v)?);
        } else if let Some(v) = part.strip_suffix("% util") {
            util = Some(v.parse().ok()?);
        }
        // Parts a future Go adds stay in `raw`.
    }
    let released_bytes = match (work, bg, eager) {
        (Some(w), None, None) => w,
        (None, Some(b), Some(e)) => b + e,
        _ => return None,
    };
    Some(ScavEvent {
        t_ns,
        released_bytes,
        released_bg_bytes: bg,
        released_eager_bytes: eager,
        heap_released_bytes: now?,
        util_percent: util?,
        forced,
        controller_reset,
        raw: line.to_string(),
    })
}

fn mib(text: &str) -> Option<u64> {
    text.parse::<u64>().ok()?.checked_mul(MIB)
}

fn kib(text: &str) -> Option<u64> {
    text.parse::<u64>().ok()?.checked_mul(KIB)
}

/// A non-negative decimal like `0.011` or `12` in units of `unit_ns`, as ns.
fn decimal_ns(text: &str, unit_ns: u64) -> Option<u64> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || frac.len() > 9 {
        return None;
    }
    let whole = int.parse::<u64>().ok()?.checked_mul(unit_ns)?;
    let part = if frac.is_empty() {
        0
    } else {
        let scale = 10u128.pow(frac.len() as u32);
        (frac.parse::<u128>().ok()? * u128::from(unit_ns) / scale) as u64
    };
    whole.checked_add(part)
}

#[cfg(test)]
mod tests;
