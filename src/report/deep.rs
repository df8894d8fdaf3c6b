//! The deep views of one run as text: mapping inventory, ledger, heap
//! profile sums and the syscall summary.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::analyze::Analysis;
use crate::analyze::ledger::Ledger;
use crate::check::Dim;
use crate::run::HeapProfiles;
use crate::timeline::MapsInventory;
use crate::timeline::{HeapProfile, Syscall, SyscallEvent, Timeline};

use super::text::mib;
use super::verdicts::value;

const MIB: f64 = 1024.0 * 1024.0;

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
