//! Turns results into text for people and JSON for programs. The only stage
//! that formats output; callers decide where it goes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::analyze::Analysis;
use crate::analyze::ledger::Ledger;
use crate::check::claim::{CheckResult, Spread, Verdict};
use crate::check::{CheckKind, Dim};
use crate::experiment::reproduce::ExperimentResult;
use crate::measure::maps::MapsInventory;
use crate::run::HeapProfiles;
use crate::timeline::{Exit, HeapProfile, Syscall, SyscallEvent, Timeline};

const MIB: f64 = 1024.0 * 1024.0;

/// Lines of an `error` verdict's reason the verdict table shows (a build
/// error's first compiler messages, a stderr tail's first lines).
const REASON_LINES: usize = 4;

/// Bytes as MiB with one decimal.
pub fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / MIB)
}

/// The phase table: OS view beside Go view, in MiB, one row per phase.
pub fn phase_table(timeline: &Timeline) -> String {
    let mut out = String::new();
    let settings: Vec<String> = timeline
        .settings
        .env
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let settings = if settings.is_empty() {
        "default settings".to_string()
    } else {
        settings.join(" ")
    };
    let _ = writeln!(
        out,
        "{} {} · {} (go line {}) · {}",
        timeline.fixture.name,
        timeline.fixture.args.join(" "),
        timeline.toolchain.version,
        timeline.toolchain.go_line,
        settings
    );
    let _ = writeln!(
        out,
        "{:<14} {:>7} │ {:>8} {:>8} {:>8} {:>8} │ {:>9} {:>9} {:>8} {:>8} {:>8}",
        "", "", "── OS", "view", "(MiB)", "──", "── Go", "view", "(MiB)", "", "──"
    );
    let _ = writeln!(
        out,
        "{:<14} {:>7} │ {:>8} {:>8} {:>8} {:>8} │ {:>9} {:>9} {:>8} {:>8} {:>8}",
        "phase",
        "t (s)",
        "RSS",
        "VmSize",
        "peak",
        "LazyFree",
        "HeapAlloc",
        "HeapInuse",
        "HeapSys",
        "HeapIdle",
        "Released"
    );
    for p in &timeline.phases {
        let _ = writeln!(
            out,
            "{:<14} {:>7.3} │ {:>8} {:>8} {:>8} {:>8} │ {:>9} {:>9} {:>8} {:>8} {:>8}",
            p.name,
            p.t_ns as f64 / 1e9,
            mib(p.os.rss_bytes),
            mib(p.os.vm_size_bytes),
            mib(p.os.hwm_bytes),
            mib(p.os.lazy_free_bytes),
            mib(p.go.heap_alloc_bytes),
            mib(p.go.heap_inuse_bytes),
            mib(p.go.heap_sys_bytes),
            mib(p.go.heap_idle_bytes),
            mib(p.go.heap_released_bytes),
        );
    }
    let s = &timeline.sampler;
    let rate = if s.span_ns > 0 {
        s.samples as f64 / (s.span_ns as f64 / 1e9)
    } else {
        0.0
    };
    let peak = timeline
        .samples
        .iter()
        .map(|s| s.rss_bytes)
        .max()
        .unwrap_or(0);
    let exit = match timeline.exit {
        Exit::Code(c) => format!("exit {c}"),
        Exit::Signal(s) => format!("signal {s}"),
    };
    let cpu_pct = if s.span_ns > 0 {
        100.0 * s.cpu_ns as f64 / s.span_ns as f64
    } else {
        0.0
    };
    let per_phase_ms = s.phase_read_ns as f64 / 1e6 / timeline.phases.len().max(1) as f64;
    let _ = writeln!(
        out,
        "{} samples ({:.0}/s, sampler CPU {:.1} ms = {:.1}% of a core; phase reads {:.2} ms each), \
         peak sampled RSS {} MiB, {} after {:.3} s",
        s.samples,
        rate,
        s.cpu_ns as f64 / 1e6,
        cpu_pct,
        per_phase_ms,
        mib(peak),
        exit,
        timeline.duration_ns as f64 / 1e9
    );
    out
}

/// Per phase that has one, the mapping inventory by class: count, size, RSS.
pub fn maps_tables(timeline: &Timeline) -> String {
    let mut out = String::new();
    for p in &timeline.phases {
        if let Some(maps) = &p.maps {
            let _ = writeln!(out, "\nmappings at {}:", p.name);
            out.push_str(&maps_table(maps));
        }
    }
    out
}

/// One inventory by class, in MiB, with a total row.
pub fn maps_table(maps: &MapsInventory) -> String {
    let mut out = String::new();
    let row = |out: &mut String, class: &str, count: u64, size: u64, rss: u64| {
        let _ = writeln!(
            out,
            "  {class:<18} {count:>5} {:>10} {:>9}",
            mib(size),
            mib(rss)
        );
    };
    let _ = writeln!(
        out,
        "  {:<18} {:>5} {:>10} {:>9}",
        "class", "count", "size (MiB)", "RSS (MiB)"
    );
    let (mut count, mut size, mut rss) = (0, 0, 0);
    for s in maps.summary() {
        row(&mut out, s.class.name(), s.count, s.size_bytes, s.rss_bytes);
        (count, size, rss) = (count + s.count, size + s.size_bytes, rss + s.rss_bytes);
    }
    row(&mut out, "total", count, size, rss);
    out
}

/// Per phase that has a mapping inventory, its ledger (from the analysis).
pub fn ledger_tables(analysis: &Analysis) -> String {
    let mut out = String::new();
    for ledger in analysis.ledgers() {
        let _ = writeln!(out, "\nledger at {}:", ledger.phase);
        out.push_str(&ledger_table(ledger));
    }
    out
}

/// One ledger: a row per category (resident and runtime MiB, what it
/// explains, what it does not), then the unexplained total and where it is.
pub fn ledger_table(ledger: &Ledger) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "  {:<17} {:>9} {:>9} {:>9} {:>9} {:>8}  note",
        "category", "resident", "runtime", "LazyFree", "explained", "unexpl."
    );
    for r in &ledger.rows {
        let _ = writeln!(
            out,
            "  {:<17} {:>9} {:>9} {:>9} {:>9} {:>8}  {}",
            r.category.name(),
            mib(r.resident_bytes),
            r.runtime_bytes.map_or("-".to_string(), mib),
            mib(r.lazy_free_bytes),
            mib(r.explained_bytes),
            mib(r.unexplained_bytes),
            r.note
        );
    }
    let signed_mib = |b: i64| format!("{:.1}", b as f64 / MIB);
    let _ = writeln!(
        out,
        "  {:<17} {:>9} {:>9} {:>9} {:>9} {:>8}  VmRSS {} MiB (drift between reads {} MiB)",
        "total",
        mib(ledger.rss_bytes),
        mib(ledger.runtime_sys_bytes),
        "",
        mib(ledger.explained_bytes),
        signed_mib(ledger.unexplained_bytes),
        mib(ledger.status_rss_bytes),
        signed_mib(ledger.rss_read_drift_bytes),
    );
    let verdict = if ledger.within_target() {
        "within"
    } else {
        "OVER"
    };
    let _ = writeln!(
        out,
        "  unexplained {} MiB = {:.2}% of RSS ({verdict} target: 5% or 1 MiB)",
        signed_mib(ledger.unexplained_bytes),
        ledger.unexplained_fraction * 100.0
    );
    for g in &ledger.gaps {
        let _ = writeln!(
            out,
            "  gap in {}: {} MiB: {}",
            g.category.name(),
            mib(g.bytes),
            g.reason
        );
    }
    let _ = writeln!(
        out,
        "  anonymous rw mapped {} MiB, Sys {} MiB: {} MiB mapped that Sys does not count",
        mib(ledger.anon_mapped_bytes),
        mib(ledger.runtime_sys_bytes),
        signed_mib(ledger.mapped_beyond_sys_bytes)
    );
    out
}

/// The heap profiles of a run: per profiled phase the four sums and the
/// file, then the phases asked for that never happened.
pub fn heap_profile_summary(timeline: &Timeline) -> String {
    let mut out = String::new();
    let asked = &timeline.settings.heap_profile;
    if asked.is_empty() {
        return out;
    }
    let profiled: Vec<(&str, &HeapProfile)> = timeline
        .phases
        .iter()
        .filter_map(|p| p.heap_profile.as_ref().map(|h| (p.name.as_str(), h)))
        .collect();
    let mut rates: Vec<u64> = profiled.iter().map(|(_, h)| h.sample_rate_bytes).collect();
    rates.sort_unstable();
    rates.dedup();
    let rates: Vec<String> = rates.iter().map(|&r| value(r as f64, Dim::Bytes)).collect();
    let _ = writeln!(
        out,
        "heap profiles: {} (Go's estimates from allocations sampled every {}; each is the heap as of the last GC before its phase)",
        profiled.len(),
        if rates.is_empty() {
            "-".to_string()
        } else {
            rates.join(" / ")
        }
    );
    if !profiled.is_empty() {
        let _ = writeln!(
            out,
            "{:<14} {:>12} {:>13} {:>12} {:>13}  file",
            "phase", "inuse_space", "inuse_objects", "alloc_space", "alloc_objects"
        );
        for (name, h) in &profiled {
            let _ = writeln!(
                out,
                "{:<14} {:>12} {:>13} {:>12} {:>13}  {}",
                name,
                value(h.inuse_space_bytes as f64, Dim::Bytes),
                h.inuse_objects,
                value(h.alloc_space_bytes as f64, Dim::Bytes),
                h.alloc_objects,
                h.path
            );
        }
    }
    let seen: Vec<&str> = timeline.phases.iter().map(|p| p.name.as_str()).collect();
    for phase in asked {
        if phase != HeapProfiles::ALL && !seen.contains(&phase.as_str()) {
            let _ = writeln!(
                out,
                "no heap profile for `{phase}`: the fixture has no such phase (its phases: {})",
                seen.join(", ")
            );
        }
    }
    if let Some((_, h)) = profiled.first() {
        let _ = writeln!(
            out,
            "open one with: go tool pprof -sample_index=alloc_space {}",
            h.path
        );
    }
    out
}

/// The syscall summary of a traced run: counts per syscall and per madvise
/// advice, then the first `first_mmaps` mmap calls in strace's notation.
pub fn syscall_summary(timeline: &Timeline, first_mmaps: usize) -> String {
    let mut out = String::new();
    let calls = &timeline.syscalls;
    let Some(stats) = timeline.trace else {
        return "syscalls: not traced (use --trace-syscalls)\n".into();
    };
    let _ = writeln!(
        out,
        "syscalls: {} traced on {} threads ({} stops, {} signals passed on, tracer CPU {:.1} ms)",
        calls.len(),
        stats.threads,
        stats.stops,
        stats.signals,
        stats.cpu_ns as f64 / 1e6
    );
    let per_call: Vec<String> = Syscall::ALL
        .iter()
        .map(|&sc| {
            let n = calls.iter().filter(|e| e.syscall == sc).count();
            format!("{} {n}", sc.name())
        })
        .collect();
    let _ = writeln!(out, "  {}", per_call.join(" · "));
    let mut advice: BTreeMap<&str, usize> = BTreeMap::new();
    for e in calls {
        if let Some(a) = &e.advice {
            *advice.entry(a.as_str()).or_default() += 1;
        }
    }
    if !advice.is_empty() {
        let per_advice: Vec<String> = advice.iter().map(|(a, n)| format!("{a} {n}")).collect();
        let _ = writeln!(out, "  madvise advice: {}", per_advice.join(" · "));
    }
    let failed = calls.iter().filter(|e| e.error.is_some()).count();
    if failed > 0 {
        let _ = writeln!(out, "  {failed} calls failed");
    }
    let mmaps: Vec<&SyscallEvent> = calls
        .iter()
        .filter(|e| e.syscall == Syscall::Mmap)
        .take(first_mmaps)
        .collect();
    if !mmaps.is_empty() {
        let _ = writeln!(out, "first {} mmap calls:", mmaps.len());
        let _ = writeln!(out, "{:>10} {:>8}  call", "t (ms)", "tid");
        for e in mmaps {
            let _ = writeln!(
                out,
                "{:>10.3} {:>8}  {}",
                e.t_ns as f64 / 1e6,
                e.tid,
                strace_line(e)
            );
        }
    }
    out
}

/// One call as strace prints it:
/// `mmap(NULL, 262144, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7efdfe33c000`.
pub fn strace_line(e: &SyscallEvent) -> String {
    let text = |o: &Option<String>| o.clone().unwrap_or_else(|| "?".into());
    let args = match e.syscall {
        Syscall::Mmap => format!(
            "{}, {}, {}, {}, {}, {}",
            pointer(e.addr),
            e.len,
            text(&e.prot),
            text(&e.flags),
            e.fd.unwrap_or(-1),
            match e.offset {
                Some(0) | None => "0".to_string(),
                Some(offset) => format!("{offset:#x}"),
            }
        ),
        Syscall::Munmap => format!("{}, {}", pointer(e.addr), e.len),
        Syscall::Madvise => format!("{}, {}, {}", pointer(e.addr), e.len, text(&e.advice)),
        Syscall::Mprotect => format!("{}, {}, {}", pointer(e.addr), e.len, text(&e.prot)),
        Syscall::Brk => pointer(e.addr),
    };
    let result = match (e.result, &e.error) {
        (None, _) => "?".to_string(),
        (Some(_), Some(error)) => format!("-1 {}", error.trim_start_matches('-')),
        (Some(value), None) if matches!(e.syscall, Syscall::Mmap | Syscall::Brk) => {
            pointer(value as u64)
        }
        (Some(value), None) => value.to_string(),
    };
    format!("{}({args}) = {result}", e.syscall.name())
}

/// `NULL` or `0xc000000000`.
fn pointer(addr: u64) -> String {
    if addr == 0 {
        "NULL".into()
    } else {
        format!("{addr:#x}")
    }
}

/// The timeline as pretty JSON (the format the README documents).
pub fn timeline_json(timeline: &Timeline) -> String {
    serde_json::to_string_pretty(timeline).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// A measured value for people: MiB for bytes, seconds for times.
pub fn value(v: f64, unit: Dim) -> String {
    if v.is_nan() {
        return "-".into();
    }
    match unit {
        Dim::Bytes if v.abs() >= MIB => format!("{:.1} MiB", v / MIB),
        Dim::Bytes if v.abs() >= 1024.0 => format!("{:.1} KiB", v / 1024.0),
        Dim::Bytes => format!("{v:.0} B"),
        Dim::Duration if v.abs() >= 1e8 => format!("{:.2} s", v / 1e9),
        Dim::Duration => format!("{:.1} ms", v / 1e6),
        Dim::Count => format!("{v:.0}"),
        Dim::Address if v.is_finite() && v >= 0.0 => format!("{:#x}", v as u64),
        _ => format!("{v:.3}"),
    }
}

fn spread(s: &Spread, with_range: bool) -> String {
    let median = value(s.median, s.unit);
    if with_range && s.min < s.max {
        format!(
            "{median} ({}..{})",
            value(s.min, s.unit),
            value(s.max, s.unit)
        )
    } else {
        median
    }
}

/// One check as "measured op bound  [check]".
fn check_line(c: &CheckResult) -> String {
    let range = c.verdict == Verdict::Disagree;
    let at =
        c.at.as_ref()
            .map(|a| format!(" at {a}"))
            .unwrap_or_default();
    if let Some(e) = &c.error {
        return format!("error: {e}  [{}]", c.check);
    }
    if c.kind != CheckKind::Compare {
        return format!("largest step back {}  [{}]", spread(&c.lhs, range), c.check);
    }
    format!(
        "{} {} {}{at}  [{}]",
        spread(&c.lhs, range),
        c.op.symbol(),
        spread(&c.rhs, range),
        c.check
    )
}

/// One row of the verdict table, whatever the format (text, Markdown):
/// a claim in one settings row that applies there.
#[derive(Debug, Clone)]
pub struct VerdictRow {
    pub claim: String,
    pub article: String,
    pub settings: String,
    /// `holds 3/3`, `error`...
    pub verdict: String,
    /// "measured vs bound  [check]" per check, then records, then why.
    pub lines: Vec<String>,
}

/// The rows of the verdict table (claims that do not apply are left out)
/// and its summary line.
pub fn verdict_rows(results: &[ExperimentResult]) -> (Vec<VerdictRow>, String) {
    let mut rows = Vec::new();
    let mut counts = [0usize; 5];
    for r in results {
        for cell in &r.cells {
            for c in &cell.claims {
                counts[c.verdict as usize] += 1;
                if c.verdict == Verdict::NotApplicable {
                    continue;
                }
                let mut verdict = match c.verdict {
                    Verdict::Holds | Verdict::Fails | Verdict::Disagree => {
                        format!("{} {}/{}", c.verdict.as_str(), c.holds_in, c.runs)
                    }
                    v => v.as_str().to_string(),
                };
                // Reached with the CPUs oversubscribed: said here, never in snapshots.
                if let Some(share) = cell.busy {
                    verdict.push_str(&format!(" (busy {:.0}%)", share * 100.0));
                }
                let mut lines: Vec<String> = c.checks.iter().map(check_line).collect();
                lines.extend(c.records.iter().map(|r| match &r.error {
                    Some(e) => format!("{} = error: {e}", r.expr),
                    None => format!("{} = {}", r.expr, spread(&r.value, true)),
                }));
                if let Some(why) = c.reason.as_ref().or(cell.error.as_ref()) {
                    let why = why.lines().map(str::trim).filter(|l| !l.is_empty());
                    lines.extend(why.take(REASON_LINES).map(String::from));
                }
                rows.push(VerdictRow {
                    claim: c.id.clone(),
                    article: r.article.clone(),
                    settings: cell.settings.clone(),
                    verdict,
                    lines,
                });
            }
        }
    }
    let go = results.first().map_or("-", |r| r.go_version.as_str());
    let summary = format!(
        "{} verdicts on {go}: {} hold, {} fail, {} disagree, {} error ({} not applicable)",
        counts.iter().sum::<usize>() - counts[Verdict::NotApplicable as usize],
        counts[Verdict::Holds as usize],
        counts[Verdict::Fails as usize],
        counts[Verdict::Disagree as usize],
        counts[Verdict::Error as usize],
        counts[Verdict::NotApplicable as usize],
    );
    (rows, summary)
}

/// The verdict table of `gomemlab reproduce`: one row per claim and settings
/// (claims that do not apply to a row are left out), then a summary line.
pub fn verdict_table(results: &[ExperimentResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<28} {:<4} {:<30} {:<12} measured vs bound  [check]",
        "claim", "art", "settings", "verdict"
    );
    let (rows, summary) = verdict_rows(results);
    for row in &rows {
        let first = row.lines.first().cloned().unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<28} {:<4} {:<30} {:<12} {first}",
            row.claim,
            row.article,
            clip(&row.settings, 30),
            row.verdict
        );
        for line in row.lines.iter().skip(1) {
            let _ = writeln!(out, "{:<77} {line}", "");
        }
    }
    let _ = writeln!(out, "\n{summary}");
    out
}

pub(crate) fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let kept: String = s.chars().take(n - 1).collect();
        format!("{kept}…")
    }
}

/// The stable projection of an experiment's result that snapshot tests keep:
/// verdicts and the checks (bounds) that gave them, never measured values.
pub fn verdict_snapshot(r: &ExperimentResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} (article {}, fixture {}, {} repeats)",
        r.title, r.article, r.fixture, r.repeats
    );
    for cell in &r.cells {
        let _ = writeln!(out, "\n[{}]", cell.settings);
        if cell.error.is_some() {
            let _ = writeln!(out, "runs failed");
        }
        for c in &cell.claims {
            let _ = writeln!(out, "{}: {}", c.id, c.verdict.as_str());
            for check in &c.checks {
                let _ = writeln!(out, "  {:<8} {}", check.verdict.as_str(), check.check);
            }
            for r in c.records.iter().filter(|r| r.exact) {
                let _ = writeln!(out, "  {:<8} {} = {}", "exact", r.expr, exact(&r.value));
            }
        }
    }
    out
}

/// An exact value in full (`1133584 bytes`); a range when the repeats
/// disagree, which is itself news.
fn exact(s: &Spread) -> String {
    let unit = match s.unit.unit() {
        "" => String::new(),
        u => format!(" {u}"),
    };
    let n = |v: f64| {
        if s.unit == Dim::Address && v.is_finite() && v >= 0.0 {
            format!("{:#x}", v as u64)
        } else {
            v.to_string()
        }
    };
    if s.min < s.max {
        format!("{}..{}{unit} (not exact)", n(s.min), n(s.max))
    } else if s.median.is_nan() {
        "none".to_string()
    } else {
        format!("{}{unit}", n(s.median))
    }
}

/// Results as pretty JSON (documented in the README).
pub fn results_json(results: &[ExperimentResult]) -> String {
    serde_json::to_string_pretty(results).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(syscall: Syscall) -> SyscallEvent {
        SyscallEvent {
            t_ns: 0,
            tid: 1,
            syscall,
            addr: 0,
            len: 262144,
            prot: None,
            flags: None,
            advice: None,
            fd: None,
            offset: None,
            result: Some(0),
            error: None,
        }
    }

    #[test]
    fn calls_read_like_strace() {
        let mmap = SyscallEvent {
            prot: Some("PROT_READ|PROT_WRITE".into()),
            flags: Some("MAP_PRIVATE|MAP_ANONYMOUS".into()),
            fd: Some(-1),
            offset: Some(0),
            result: Some(0x7efd_fe33_c000),
            ..call(Syscall::Mmap)
        };
        assert_eq!(
            strace_line(&mmap),
            "mmap(NULL, 262144, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7efdfe33c000"
        );
        let madvise = SyscallEvent {
            addr: 0xc000000000,
            advice: Some("MADV_FREE".into()),
            result: Some(-22),
            error: Some("-EINVAL".into()),
            ..call(Syscall::Madvise)
        };
        assert_eq!(
            strace_line(&madvise),
            "madvise(0xc000000000, 262144, MADV_FREE) = -1 EINVAL"
        );
        let unfinished = SyscallEvent {
            addr: 0x1000,
            result: None,
            ..call(Syscall::Munmap)
        };
        assert_eq!(strace_line(&unfinished), "munmap(0x1000, 262144) = ?");
    }

    #[test]
    fn maps_table_has_a_row_per_class_and_a_total() {
        let text = "\
00400000-004a4000 r-xp 00000000 fe:00 1 /bin/idle
c000000000-c000400000 rw-p 00000000 00:00 0 
c000400000-c004000000 ---p 00000000 00:00 0 
";
        let maps = crate::measure::maps::parse(text, "/bin/idle").unwrap();
        let table = maps_table(&maps);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5, "{table}");
        assert!(lines[1].trim_start().starts_with("text "), "{table}");
        assert!(
            lines[2].contains("heap_arena") && lines[2].contains("4.0"),
            "{table}"
        );
        assert!(
            lines[3].contains("heap_reserved") && lines[3].contains("60.0"),
            "{table}"
        );
        assert!(
            lines[4].contains("total") && lines[4].contains("64.6"),
            "{table}"
        );
    }

    #[test]
    fn a_busy_cell_is_marked_in_the_table_but_not_in_the_snapshot() {
        use crate::check::claim::{ClaimResult, Verdict};
        use crate::experiment::reproduce::{CellResult, ExperimentResult};
        let cell = |settings: &str, busy| CellResult {
            settings: settings.into(),
            runs: 3,
            claims: vec![ClaimResult {
                id: "gogc-50-rule".into(),
                says: String::new(),
                verdict: Verdict::Holds,
                runs: 3,
                holds_in: 3,
                checks: vec![],
                records: vec![],
                reason: None,
            }],
            error: None,
            busy,
        };
        let mut result = ExperimentResult {
            experiment: "gogc".into(),
            title: "t".into(),
            article: "002".into(),
            fixture: "churn".into(),
            go_version: "go1.26.8".into(),
            go_line: "1.26".into(),
            repeats: 3,
            cells: vec![cell("GOGC=50", Some(0.41)), cell("GOGC=100", None)],
            error: None,
        };
        let table = verdict_table(std::slice::from_ref(&result));
        let rows: Vec<&str> = table.lines().filter(|l| l.starts_with("gogc-50")).collect();
        assert!(rows[0].contains("holds 3/3 (busy 41%)"), "{table}");
        assert!(!rows[1].contains("busy"), "{table}");
        let busy = verdict_snapshot(&result);
        result.cells[0].busy = None;
        assert_eq!(busy, verdict_snapshot(&result));
    }

    #[test]
    fn mib_has_one_decimal() {
        assert_eq!(mib(0), "0.0");
        assert_eq!(mib(100_000_000), "95.4");
        assert_eq!(mib(3 * 1024 * 1024 / 2), "1.5");
    }

    #[test]
    fn values_read_in_their_units() {
        assert_eq!(value(404_000_000.0, Dim::Bytes), "385.3 MiB");
        assert_eq!(value(2048.0, Dim::Bytes), "2.0 KiB");
        assert_eq!(value(2.5e9, Dim::Duration), "2.50 s");
        assert_eq!(value(12.0, Dim::Count), "12");
        assert_eq!(value(2.0449, Dim::Ratio), "2.045");
        assert_eq!(value(f64::NAN, Dim::Bytes), "-");
    }

    #[test]
    fn ledger_table_has_a_row_per_category_then_the_unexplained_part() {
        let text = "\
00400000-004a4000 r-xp 00000000 fe:00 1 /bin/idle
Size: 656 kB
Rss: 656 kB
c000000000-c000400000 rw-p 00000000 00:00 0 
Size: 4096 kB
Rss: 3072 kB
c000400000-c004000000 ---p 00000000 00:00 0 
Size: 61440 kB
Rss: 0 kB
01000000-01200000 rw-p 00000000 00:00 0 [heap]
Size: 2048 kB
Rss: 2048 kB
";
        let maps = crate::measure::maps::parse(text, "/bin/idle").unwrap();
        let runtime = crate::analyze::ledger::RuntimeClasses {
            heap_arena_bytes: 2 << 20,
            heap_released_bytes: 0,
            off_heap_bytes: 0,
            total_bytes: 4 << 20,
        };
        let ledger = crate::analyze::ledger::reconcile("started", &maps, &runtime, 5_963_776);
        let table = ledger_table(&ledger);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[1].trim_start().starts_with("binary "), "{table}");
        assert!(
            lines[2].split_whitespace().take(6).eq([
                "heap_arena",
                "3.0",
                "2.0",
                "0.0",
                "2.0",
                "1.0"
            ]),
            "{table}"
        );
        assert!(lines[3].trim_start().starts_with("reserved "), "{table}");
        assert!(lines[4].trim_start().starts_with("other "), "{table}");
        assert!(lines[5].contains("VmRSS 5.7 MiB"), "{table}");
        assert!(
            lines[6].contains("unexplained 3.0 MiB = 53.19% of RSS (OVER target"),
            "{table}"
        );
        assert!(
            lines[7].starts_with("  gap in heap_arena: 1.0 MiB"),
            "{table}"
        );
        assert!(lines[8].starts_with("  gap in other: 2.0 MiB"), "{table}");
    }
}
