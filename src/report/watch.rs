//! What `gomemlab watch` prints at the end: the phase table of the OS view
//! (a watched program has no probe, so no Go view), a summary line, the
//! overheads the user chose (fast-tier sampler CPU, slow-tier cost per read),
//! and notes about what the record left out.

use std::fmt::Write as _;

use super::text::{
    LAZY_FREE, PEAK, PhaseColumn, PhaseTable, RSS, VM_SIZE, exit_text, mib, peak_sampled_rss,
    per_second, sampler_cpu_pct,
};
use crate::timeline::Event;
use crate::timeline::{Exit, Timeline, WatchEnd};

/// The phase table, the summary and the overhead line.
pub fn watch_table(timeline: &Timeline) -> String {
    let mut out = String::new();
    let Some(w) = &timeline.watch else {
        return super::phase_table(timeline);
    };
    let go = match timeline.toolchain.version.as_str() {
        "" => String::new(),
        v => format!(" · {v}"),
    };
    let sampled = match (w.target_pid, &w.target_exe) {
        (Some(pid), Some(exe)) => format!("pid {pid} ({exe})"),
        (Some(pid), None) => format!("pid {pid}"),
        (None, _) => "nothing sampled (the program never started)".into(),
    };
    let _ = writeln!(out, "watch {}{go} · {sampled}", w.command.join(" "));
    const OS: &[PhaseColumn] = &[
        RSS,
        VM_SIZE,
        PEAK,
        PhaseColumn::new("RssAnon", 8, |p| mib(p.os.rss_anon_bytes)),
        PhaseColumn::new("RssFile", 8, |p| mib(p.os.rss_file_bytes)),
        LAZY_FREE,
        PhaseColumn::new("threads", 7, |p| p.os.threads.to_string()),
    ];
    let table = PhaseTable {
        t_width: 8,
        groups: &[OS],
    };
    table.write(&mut out, &timeline.phases);
    if timeline.phases.iter().all(|p| p.is_exit()) {
        let why = match w.target_pid {
            None => "the program never started",
            Some(_) => "--phase REGEX takes them from output lines, --phase-every DURATION by time",
        };
        let _ = writeln!(out, "(no phases: {why})");
    }
    let s = &timeline.sampler;
    let rate = per_second(s.samples, s.span_ns);
    let peak = peak_sampled_rss(timeline);
    let gc = count(timeline, |e| matches!(e, Event::Gc(_)));
    let scav = count(timeline, |e| matches!(e, Event::Scav(_)));
    let ended = match w.ended {
        WatchEnd::Exited => "exited",
        WatchEnd::Interrupted => "stopped by Ctrl-C",
        WatchEnd::Duration => "stopped at --duration",
    };
    let exit = exit_text(timeline.exit);
    let _ = writeln!(
        out,
        "{} samples ({rate:.0}/s), peak sampled RSS {} MiB, {gc} GC cycles, {scav} scavenger lines; {ended} after {:.3} s ({exit})",
        s.samples,
        mib(peak),
        timeline.duration_ns as f64 / 1e9,
    );
    out += &overhead_line(timeline);
    out
}

/// `overhead: sampler CPU … ; slow tier … per read`: what watching cost.
pub fn overhead_line(timeline: &Timeline) -> String {
    let s = &timeline.sampler;
    let cpu_pct = sampler_cpu_pct(s);
    let (reads, read_ns, every) = match &timeline.watch {
        Some(w) => (
            w.slow_reads,
            w.slow_read_ns,
            format!(", every {} ms and at phases", w.slow_interval_ms),
        ),
        None => (
            timeline.phases.len() as u64,
            s.phase_read_ns,
            " at phases".to_string(),
        ),
    };
    let per_read = if reads > 0 {
        read_ns as f64 / 1e6 / reads as f64
    } else {
        0.0
    };
    format!(
        "overhead: fast-tier sampler CPU {:.1} ms = {cpu_pct:.2}% of a core at {} µs; slow tier {per_read:.2} ms per read ({reads} reads{every})\n",
        s.cpu_ns as f64 / 1e6,
        timeline.settings.sample_interval_us,
    )
}

/// Notes for the user about what the record left out or how the program ended.
pub fn watch_notes(timeline: &Timeline) -> Vec<String> {
    let mut notes = Vec::new();
    let Some(w) = &timeline.watch else {
        return notes;
    };
    if w.ended == WatchEnd::Exited && timeline.exit != Exit::Code(0) {
        let how = match timeline.exit {
            Exit::Code(c) => format!("exit status {c}"),
            Exit::Signal(s) => format!("signal {s}"),
        };
        notes.push(format!(
            "the program ended with {how}; what it recorded until then is kept"
        ));
    }
    if w.target_pid.is_none() {
        notes.push("the program never started: nothing was sampled".into());
    }
    if w.events_not_kept > 0 {
        notes.push(format!(
            "{} GC/scavenger events after the first {} were counted, not kept",
            w.events_not_kept,
            timeline.events.len()
        ));
    }
    if w.phases_not_kept > 0 {
        notes.push(format!(
            "{} phases after the first {} were counted, not kept",
            w.phases_not_kept,
            timeline.phases.len()
        ));
    }
    if w.phases_missed > 0 {
        notes.push(format!(
            "{} phase line(s) came after the sampled process had exited: not recorded",
            w.phases_missed
        ));
    }
    notes
}

/// How much earlier than it was first seen the sampled program may have
/// started (the watch finds the program `go run` starts a few ms late:
/// 0.1 to 18 ms measured here, more on a loaded machine).
const START_SLACK_NS: u64 = 100_000_000;

/// The events of the watched program that match `which`. Under `go run`
/// the go command, its compile and link steps (Go programs too, under the
/// same GODEBUG) and the build cache's replayed compiler output print
/// gctrace lines on the same stream. The program's own GC lines are a
/// chain of cycles `1, 2, ... N` read in that order (other lines may come
/// between and after); a GC line's `@` is the time since its process
/// started, so the program's chain is the one whose process started last,
/// and not before the program was first seen (within [`START_SLACK_NS`]). Scavenger lines carry no cycle and all count.
/// A limit: the go command replays a cached build's output, gctrace lines
/// included, just before it starts the program, so for a program that makes
/// no GC at all the last replayed chain may be counted (exact attribution
/// needs the writer's pid, which a shared pipe does not give).
fn count(timeline: &Timeline, which: impl Fn(&Event) -> bool) -> usize {
    let own = own_gc_cycles(timeline);
    timeline
        .events
        .iter()
        .enumerate()
        .filter(|(i, e)| match (e, &own) {
            (Event::Gc(_), Some(own)) => own.contains(i),
            _ => true,
        })
        .filter(|(_, e)| which(e))
        .count()
}

/// Under `go run` (the sampled program is not the command itself): the
/// indexes of the program's GC events (see [`count`]); `None` otherwise.
fn own_gc_cycles(timeline: &Timeline) -> Option<Vec<usize>> {
    let w = timeline
        .watch
        .as_ref()
        .filter(|w| w.target_pid.is_some_and(|pid| pid != w.root_pid))?;
    let gcs: Vec<(usize, &crate::timeline::GcEvent)> = timeline
        .events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match e {
            Event::Gc(gc) => Some((i, gc)),
            _ => None,
        })
        .collect();
    // Every chain of cycles 1, 2, ... N in read order: lines of other
    // processes may come between, and may come after the program's own
    // (the go command's later cycles), so not only the last chain.
    // A line goes to the chain expecting its cycle whose process started
    // nearest to when its own did (read time minus its `@`), if that is
    // within the slack: else it is another process's.
    let start_of = |gc: &crate::timeline::GcEvent| gc.t_ns.saturating_sub(gc.at_ns);
    let started =
        |c: &Vec<(usize, &crate::timeline::GcEvent)>| c.iter().map(|(_, gc)| start_of(gc)).min();
    let mut chains: Vec<Vec<(usize, &crate::timeline::GcEvent)>> = Vec::new();
    for &(i, gc) in &gcs {
        if gc.cycle <= 1 {
            chains.push(vec![(i, gc)]);
        } else if let Some(chain) = chains
            .iter_mut()
            .filter(|c| c.last().is_some_and(|(_, last)| last.cycle + 1 == gc.cycle))
            .filter(|c| started(c).unwrap_or(0).abs_diff(start_of(gc)) <= START_SLACK_NS)
            .min_by_key(|c| started(c).unwrap_or(0).abs_diff(start_of(gc)))
        {
            chain.push((i, gc));
        }
    }
    // The program's is the one whose process started last, when the
    // program was first seen or after: the go command and its tools started
    // before it.
    let ours = chains
        .into_iter()
        .filter(|c| started(c).is_some_and(|s| s >= w.target_t_ns.saturating_sub(START_SLACK_NS)))
        .max_by_key(|c| (started(c), c.len()));
    Some(ours.map_or_else(Vec::new, |c| c.into_iter().map(|(i, _)| i).collect()))
}

/// What `watch` prints: the timeline (JSON) or watch table of one watch;
/// of watches on several Go versions (`several`), the timelines (a JSON
/// The note when no output line matched `--phase` (`phase`): the watch
/// saw its program's output end with no phase but `exit`, and missed none.
pub fn unmatched_phase(timeline: &Timeline, phase: Option<&str>) -> Option<String> {
    let unmatched = timeline.phases.iter().all(|p| p.is_exit())
        && (timeline.watch.as_ref())
            .is_some_and(|w| w.target_pid.is_some() && w.phases_missed == 0);
    let regex = phase.filter(|_| unmatched)?;
    Some(format!("no output line matched --phase `{regex}`"))
}

/// array) or their phases side by side, then each one's table.
pub fn watches_text(several: bool, json: bool, timelines: &[&Timeline]) -> String {
    match (several, json, timelines) {
        (false, true, [one]) => super::timeline_json(one) + "\n",
        (false, false, [one]) => watch_table(one),
        (_, true, _) => super::versions::timelines_json(timelines) + "\n",
        (_, false, _) => {
            let tables: Vec<String> = timelines.iter().map(|t| watch_table(t)).collect();
            super::versions::side_by_side(timelines) + "\n" + &tables.join("\n")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{GcEvent, WatchInfo};

    /// A `go run` watch: the program first seen at 160 ms, and GC lines
    /// (cycle, read at ms, `@` ms) as they came, as measured on `go run`
    /// of a program doing 12 GCs.
    fn go_run(lines: &[(u64, u64, u64)]) -> Timeline {
        let ms = 1_000_000;
        let events = lines
            .iter()
            .map(|&(cycle, t, at)| {
                Event::Gc(GcEvent {
                    cycle,
                    t_ns: t * ms,
                    at_ns: at * ms,
                    ..GcEvent::default()
                })
            })
            .collect();
        Timeline {
            events,
            watch: Some(WatchInfo {
                root_pid: 100,
                target_pid: Some(200),
                target_t_ns: 160 * ms,
                ..WatchInfo::default()
            }),
            ..Timeline::blank("go1.26.8")
        }
    }

    fn gcs(t: &Timeline) -> usize {
        count(t, |e| matches!(e, Event::Gc(_)))
    }

    #[test]
    fn under_go_run_only_the_programs_own_gc_cycles_count() {
        // The build cache's replayed compiler lines (@ seconds), the link
        // step (started at ~112 ms), then the program's cycles 1..4.
        let build = [(6, 132, 2125), (1, 138, 1156), (4, 136, 119)];
        let link = [(1, 159, 3), (2, 159, 10), (3, 159, 47)];
        let program = [(1, 160, 0), (2, 163, 0), (3, 169, 3), (4, 186, 11)];
        let all: Vec<_> = build.iter().chain(&link).chain(&program).copied().collect();
        assert_eq!(gcs(&go_run(&all)), 4);
        // The go command's own cycle read after the program's (its process
        // started at 0), and the lines of both interleaved: still the 4.
        let later: Vec<_> = all.iter().copied().chain([(5, 400, 400)]).collect();
        assert_eq!(gcs(&go_run(&later)), 4);
        let mixed = [
            (1, 160, 0),
            (1, 159, 3),
            (2, 163, 0),
            (2, 159, 10),
            (3, 169, 3),
            (4, 186, 11),
        ];
        assert_eq!(gcs(&go_run(&mixed)), 4);
        // A program that never collects: the replayed compiler chains (a
        // process started seconds before) are not its.
        assert_eq!(gcs(&go_run(&build)), 0);
        // The command watched itself: every line is its.
        let mut direct = go_run(&all);
        direct.watch.as_mut().unwrap().target_pid = Some(100);
        assert_eq!(gcs(&direct), all.len());
    }
}
