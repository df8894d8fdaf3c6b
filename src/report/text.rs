//! Turns one run's timeline into text for people and JSON for programs: the
//! phase table. The deep views are in [`super::deep`], verdicts in
//! [`super::verdicts`]. The report stage only formats; callers decide where
//! output goes.

use std::fmt::Write as _;

use crate::timeline::{Exit, Phase, SamplerStats, Timeline};

const MIB: f64 = 1024.0 * 1024.0;

/// Bytes as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / MIB)
}

/// As [`mib`], or `-` for a value the run did not read.
pub fn mib_or_dash(bytes: Option<u64>) -> String {
    bytes.map_or_else(|| "-".to_string(), mib)
}

/// `n` and a noun, plural unless `n` is 1: `1 verdict`, `72 verdicts`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The phase table: OS view beside Go view, in MiB, one row per phase.
pub fn phase_table(timeline: &Timeline) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} · {} (go line {}) · {}",
        timeline.fixture.name,
        timeline.fixture.args.join(" "),
        timeline.toolchain.version,
        timeline.toolchain.go_line,
        settings_text(timeline)
    );
    const OS: &[PhaseColumn] = &[RSS, VM_SIZE, PEAK, LAZY_FREE];
    const GO: &[PhaseColumn] = &[
        PhaseColumn::new("HeapAlloc", 9, |p| go_mib(p, p.go.heap_alloc_bytes)),
        PhaseColumn::new("HeapInuse", 9, |p| go_mib(p, p.go.heap_inuse_bytes)),
        PhaseColumn::new("HeapSys", 8, |p| go_mib(p, p.go.heap_sys_bytes)),
        PhaseColumn::new("HeapIdle", 8, |p| go_mib(p, p.go.heap_idle_bytes)),
        PhaseColumn::new("Released", 8, |p| go_mib(p, p.go.heap_released_bytes)),
    ];
    let titles = [
        "── OS",
        "view",
        "(MiB)",
        "──",
        "── Go",
        "view",
        "(MiB)",
        "",
        "──",
    ];
    let table = PhaseTable {
        t_width: 7,
        groups: &[OS, GO],
    };
    table.line(&mut out, "", "", |i, _| titles[i].to_string());
    table.write(&mut out, &timeline.phases);
    let s = &timeline.sampler;
    let rate = per_second(s.samples, s.span_ns);
    let peak = peak_sampled_rss(timeline);
    let exit = exit_text(timeline.exit);
    let cpu_pct = sampler_cpu_pct(s);
    let per_phase_ms = s.phase_read_ns as f64 / 1e6 / timeline.phases.len().max(1) as f64;
    let _ = writeln!(
        out,
        "{} samples ({:.0}/s, sampler CPU {:.1} ms = {:.1}% of a core; phase reads {:.2} ms each{}), \
         peak RSS {} MiB, {} after {:.3} s",
        s.samples,
        rate,
        s.cpu_ns as f64 / 1e6,
        cpu_pct,
        per_phase_ms,
        per_file(&s.phase_reads),
        mib(peak),
        exit,
        timeline.duration_ns as f64 / 1e9
    );
    out
}

/// The OS-view columns both phase tables show (MiB).
pub(super) const RSS: PhaseColumn = PhaseColumn::new("RSS", 8, |p| mib(p.os.rss_bytes));
pub(super) const VM_SIZE: PhaseColumn = PhaseColumn::new("VmSize", 8, |p| mib(p.os.vm_size_bytes));
pub(super) const PEAK: PhaseColumn = PhaseColumn::new("peak", 8, |p| mib(p.os.hwm_bytes));
pub(super) const LAZY_FREE: PhaseColumn =
    PhaseColumn::new("LazyFree", 8, |p| mib_or_dash(p.os.lazy_free_bytes));

/// One column of a phase table: its heading, its width and its value.
pub(super) struct PhaseColumn {
    head: &'static str,
    width: usize,
    value: fn(&Phase) -> String,
}

impl PhaseColumn {
    pub(super) const fn new(head: &'static str, width: usize, value: fn(&Phase) -> String) -> Self {
        PhaseColumn { head, width, value }
    }
}

/// A Go-view cell: `-` at the exit snapshot, which has no Go view.
fn go_mib(p: &Phase, bytes: u64) -> String {
    if p.is_exit() { "-".into() } else { mib(bytes) }
}

/// A phase table: the phase name, its time in seconds, then groups of
/// columns set apart by ` │ `, each right-aligned to its width.
pub(super) struct PhaseTable<'a> {
    pub t_width: usize,
    pub groups: &'a [&'a [PhaseColumn]],
}

impl PhaseTable<'_> {
    /// One line: `name`, `t`, then `cell(index, column)` of every column.
    pub(super) fn line(
        &self,
        out: &mut String,
        name: &str,
        t: &str,
        cell: impl Fn(usize, &PhaseColumn) -> String,
    ) {
        let _ = write!(out, "{name:<14} {t:>0$}", self.t_width);
        let mut i = 0;
        for group in self.groups {
            let _ = write!(out, " │");
            for column in *group {
                let _ = write!(out, " {:>1$}", cell(i, column), column.width);
                i += 1;
            }
        }
        out.push('\n');
    }

    /// The heading line, then a line per phase.
    pub(super) fn write(&self, out: &mut String, phases: &[Phase]) {
        self.line(out, "phase", "t (s)", |_, c| c.head.to_string());
        for p in phases {
            let t = format!("{:.3}", p.t_ns as f64 / 1e9);
            self.line(out, &p.name, &t, |_, c| (c.value)(p));
        }
    }
}

/// The run's settings, each as `K=V`.
pub(super) fn settings_pairs(timeline: &Timeline) -> Vec<String> {
    timeline
        .settings
        .env
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
}

/// The run's settings as `K=V K=V`, or `default settings`.
pub(super) fn settings_text(timeline: &Timeline) -> String {
    let settings = settings_pairs(timeline);
    if settings.is_empty() {
        "default settings".to_string()
    } else {
        settings.join(" ")
    }
}

/// The highest RSS of the fast series: its highest window peak (each
/// sample's own RSS without windows; 0 when nothing was sampled).
pub(super) fn peak_sampled_rss(timeline: &Timeline) -> u64 {
    timeline
        .samples
        .iter()
        .map(|s| s.peak_bytes.max(s.rss_bytes))
        .max()
        .unwrap_or(0)
}

/// `: status 0.01, smaps_rollup 0.40, window 0.01 ms`: the mean wall time
/// of each file read at phases, for the files read (empty for older runs).
pub(crate) fn per_file(r: &crate::timeline::PhaseReads) -> String {
    let files = [
        ("status", r.status_ns, r.status_reads),
        ("smaps_rollup", r.smaps_rollup_ns, r.smaps_rollup_reads),
        ("smaps", r.smaps_ns, r.smaps_reads),
        ("window", r.window_ns, r.window_reads),
    ];
    let shown: Vec<String> = files
        .iter()
        .filter(|(_, _, n)| *n > 0)
        .map(|(name, ns, n)| format!("{name} {:.2}", *ns as f64 / 1e6 / *n as f64))
        .collect();
    if shown.is_empty() {
        String::new()
    } else {
        format!(": {} ms", shown.join(", "))
    }
}

/// How the program ended: `exit N` or `signal N`.
pub(super) fn exit_text(exit: Exit) -> String {
    match exit {
        Exit::Code(c) => format!("exit {c}"),
        Exit::Signal(s) => format!("signal {s}"),
    }
}

/// `n` a second over `span_ns` (0 for an empty span).
pub(super) fn per_second(n: u64, span_ns: u64) -> f64 {
    if span_ns > 0 {
        n as f64 / (span_ns as f64 / 1e9)
    } else {
        0.0
    }
}

/// The sampler's CPU time as a percentage of one core over its span.
pub(super) fn sampler_cpu_pct(s: &SamplerStats) -> f64 {
    if s.span_ns > 0 {
        100.0 * s.cpu_ns as f64 / s.span_ns as f64
    } else {
        0.0
    }
}

/// The timeline as pretty JSON (the format the README documents).
pub fn timeline_json(timeline: &Timeline) -> String {
    serde_json::to_string_pretty(timeline).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

#[cfg(test)]
mod tests;
