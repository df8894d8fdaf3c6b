//! Tests of `text`.
use super::*;
use crate::report::deep::*;
use crate::report::verdicts::*;
#[allow(unused_imports)]
use crate::{
    check::claim::{CheckResult, Spread, Verdict},
    check::{CheckKind, Dim},
    experiment::reproduce::ExperimentResult,
    timeline::{Exit, HeapProfile, Syscall, SyscallEvent, Timeline},
};

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
            bound: None,
            verdict: Verdict::Holds,
            runs: 3,
            holds_in: 3,
            checks: vec![],
            records: vec![],
            reason: None,
        }],
        error: None,
        unavailable: None,
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
        lines[2]
            .split_whitespace()
            .take(6)
            .eq(["heap_arena", "3.0", "2.0", "0.0", "2.0", "1.0"]),
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

/// The phase tables keep the layout of their old hand-written format strings
/// (the oracle below), now that one table writer serves both.
#[test]
fn phase_tables_keep_their_layout() {
    let mut t = crate::report::series::recorded();
    let mut want = String::new();
    for p in &t.phases {
        want += &format!(
            "{:<14} {:>7.3} │ {:>8} {:>8} {:>8} {:>8} │ {:>9} {:>9} {:>8} {:>8} {:>8}\n",
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
    let head = format!(
        "{:<14} {:>7} │ {:>8} {:>8} {:>8} {:>8} │ {:>9} {:>9} {:>8} {:>8} {:>8}\n{:<14} {:>7} │ {:>8} {:>8} {:>8} {:>8} │ {:>9} {:>9} {:>8} {:>8} {:>8}\n",
        "",
        "",
        "── OS",
        "view",
        "(MiB)",
        "──",
        "── Go",
        "view",
        "(MiB)",
        "",
        "──",
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
    assert!(t.phases.len() > 2);
    let text = phase_table(&t);
    assert!(text.contains(&(head + &want)), "{text}");

    t.watch = Some(
        serde_json::from_value(serde_json::json!({
            "command": ["prog"], "root_pid": 7, "target_pid": 7, "target_t_ns": 0,
        "slow_interval_ms": 0, "slow": [], "slow_read_ns": 0, "slow_reads": 0,
        "output_lines": 0, "ended": "exited"
        }))
        .expect("a watch record"),
    );
    let mut want = format!(
        "{:<14} {:>8} │ {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}\n",
        "phase", "t (s)", "RSS", "VmSize", "peak", "RssAnon", "RssFile", "LazyFree", "threads"
    );
    for p in &t.phases {
        want += &format!(
            "{:<14} {:>8.3} │ {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7}\n",
            p.name,
            p.t_ns as f64 / 1e9,
            mib(p.os.rss_bytes),
            mib(p.os.vm_size_bytes),
            mib(p.os.hwm_bytes),
            mib(p.os.rss_anon_bytes),
            mib(p.os.rss_file_bytes),
            mib(p.os.lazy_free_bytes),
            p.os.threads,
        );
    }
    let text = crate::report::watch::watch_table(&t);
    assert!(text.contains(&want), "{text}");
}
