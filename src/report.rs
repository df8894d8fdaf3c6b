//! Turns results into text for people and JSON for programs. The only stage
//! that formats output; callers decide where it goes.

use std::fmt::Write as _;

use crate::maps::MapsInventory;
use crate::timeline::{Exit, Timeline};

const MIB: f64 = 1024.0 * 1024.0;

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
        "{:<14} {:>7} │ {:>8} {:>8} {:>8} {:>8} │ {:>9} {:>8} {:>8} {:>8}",
        "", "", "── OS", "view", "(MiB)", "──", "── Go", "view", "(MiB)", "──"
    );
    let _ = writeln!(
        out,
        "{:<14} {:>7} │ {:>8} {:>8} {:>8} {:>8} │ {:>9} {:>8} {:>8} {:>8}",
        "phase",
        "t (s)",
        "RSS",
        "VmSize",
        "peak",
        "LazyFree",
        "HeapAlloc",
        "HeapSys",
        "HeapIdle",
        "Released"
    );
    for p in &timeline.phases {
        let _ = writeln!(
            out,
            "{:<14} {:>7.3} │ {:>8} {:>8} {:>8} {:>8} │ {:>9} {:>8} {:>8} {:>8}",
            p.name,
            p.t_ns as f64 / 1e9,
            mib(p.os.rss_bytes),
            mib(p.os.vm_size_bytes),
            mib(p.os.hwm_bytes),
            mib(p.os.lazy_free_bytes),
            mib(p.go.heap_alloc_bytes),
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
    let _ = writeln!(
        out,
        "{} samples ({:.0}/s, sampler CPU {:.1} ms), peak sampled RSS {} MiB, {} after {:.3} s",
        s.samples,
        rate,
        s.cpu_ns as f64 / 1e6,
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

/// The timeline as pretty JSON (the format the README documents).
pub fn timeline_json(timeline: &Timeline) -> String {
    serde_json::to_string_pretty(timeline).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_table_has_a_row_per_class_and_a_total() {
        let text = "\
00400000-004a4000 r-xp 00000000 fe:00 1 /bin/idle
c000000000-c000400000 rw-p 00000000 00:00 0 
c000400000-c004000000 ---p 00000000 00:00 0 
";
        let maps = crate::maps::parse(text, "/bin/idle").unwrap();
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
    fn mib_has_one_decimal() {
        assert_eq!(mib(0), "0.0");
        assert_eq!(mib(100_000_000), "95.4");
        assert_eq!(mib(3 * 1024 * 1024 / 2), "1.5");
    }
}
