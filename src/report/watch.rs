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
    if timeline.phases.is_empty() {
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

fn count(timeline: &Timeline, which: impl Fn(&Event) -> bool) -> usize {
    timeline.events.iter().filter(|e| which(e)).count()
}
