//! One fixture run on several Go toolchains (`run --go A --go B`): the phase
//! tables side by side — a row per phase, a column group per Go version
//! (OS RSS and peak, Go HeapAlloc and HeapInuse, MiB), at most
//! [`GROUPS_PER_BLOCK`] groups across so a block fits in 100 columns — and
//! the runs as one JSON array.

use std::fmt::Write as _;

use super::text::{exit_text, mib, peak_sampled_rss, settings_text};
use crate::timeline::{Phase, Timeline};

/// Column groups per block of the table (14 + 2 × 40 = 94 columns).
pub const GROUPS_PER_BLOCK: usize = 2;

/// One run's figures at one phase (bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionCell {
    /// OS view: VmRSS.
    pub rss: u64,
    /// OS view: VmHWM, the peak RSS so far.
    pub peak: u64,
    /// Go view: HeapAlloc and HeapInuse (none for a watch: no probe).
    pub heap: Option<(u64, u64)>,
}

impl VersionCell {
    fn of(phase: &Phase) -> VersionCell {
        VersionCell {
            rss: phase.os.rss_bytes,
            peak: phase.os.hwm_bytes,
            heap: (!phase.go.is_absent())
                .then_some((phase.go.heap_alloc_bytes, phase.go.heap_inuse_bytes)),
        }
    }
}

/// A phase row: its name and which occurrence of that name in a run
/// (fixtures may report a name more than once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseRow {
    pub phase: String,
    pub nth: usize,
    /// Per run, in the order given: the phase, if that run reported it.
    pub cells: Vec<Option<VersionCell>>,
}

/// The rows: every phase of every run, in the order first seen (the first
/// run's order, then phases only later runs reported); per run its figures there.
pub fn rows(runs: &[&Timeline]) -> Vec<PhaseRow> {
    let mut rows: Vec<PhaseRow> = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        for (phase, nth) in numbered(&run.phases) {
            let cell = Some(VersionCell::of(phase));
            match rows
                .iter_mut()
                .find(|r| r.phase == phase.name && r.nth == nth)
            {
                Some(row) => row.cells[i] = cell,
                None => {
                    let mut cells = vec![None; runs.len()];
                    cells[i] = cell;
                    rows.push(PhaseRow {
                        phase: phase.name.clone(),
                        nth,
                        cells,
                    });
                }
            }
        }
    }
    rows
}

/// Each phase with its occurrence number among the phases of the same name.
fn numbered(phases: &[Phase]) -> Vec<(&Phase, usize)> {
    phases
        .iter()
        .enumerate()
        .map(|(i, p)| (p, phases[..i].iter().filter(|q| q.name == p.name).count()))
        .collect()
}

/// The side-by-side table of `runs` (the same fixture and settings on
/// several toolchains), then each run's peak sampled RSS and exit.
pub fn side_by_side(runs: &[&Timeline]) -> String {
    let mut out = String::new();
    let Some(first) = runs.first() else {
        return out;
    };
    // A watch's environment is the user's whole one (PATH...): its
    // command says enough.
    let (command, settings) = match &first.watch {
        Some(w) => (w.command.clone(), "watch".to_string()),
        None => {
            let mut command = vec![first.fixture.name.clone()];
            command.extend(first.fixture.args.iter().cloned());
            (command, settings_text(first))
        }
    };
    let _ = writeln!(
        out,
        "{} · {settings} · MiB (peak: VmHWM)",
        command.join(" ")
    );
    let rows = rows(runs);
    for (block, chunk) in runs.chunks(GROUPS_PER_BLOCK).enumerate() {
        let offset = block * GROUPS_PER_BLOCK;
        if block > 0 {
            out.push('\n');
        }
        let mut head = format!("{:<14}", "");
        let mut names = format!("{:<14}", "phase");
        for run in chunk {
            let _ = write!(head, " │ {:^37}", run.toolchain.version);
            let _ = write!(
                names,
                " │ {:>8} {:>8} {:>9} {:>9}",
                "RSS", "peak", "HeapAlloc", "HeapInuse"
            );
        }
        let _ = writeln!(out, "{}", head.trim_end());
        let _ = writeln!(out, "{names}");
        for row in &rows {
            let mut line = format!("{:<14}", row.phase);
            for cell in &row.cells[offset..offset + chunk.len()] {
                let none = || "-".to_string();
                let (rss, peak) =
                    cell.map_or_else(|| (none(), none()), |c| (mib(c.rss), mib(c.peak)));
                let (alloc, inuse) = cell
                    .and_then(|c| c.heap)
                    .map_or_else(|| (none(), none()), |(a, i)| (mib(a), mib(i)));
                let _ = write!(line, " │ {rss:>8} {peak:>8} {alloc:>9} {inuse:>9}");
            }
            let _ = writeln!(out, "{line}");
        }
    }
    for run in runs {
        let peak = peak_sampled_rss(run);
        let exit = exit_text(run.exit);
        let _ = writeln!(
            out,
            "{} (go line {}): peak sampled RSS {} MiB ({} samples), {exit} after {:.3} s",
            run.toolchain.version,
            run.toolchain.go_line,
            mib(peak),
            run.sampler.samples,
            run.duration_ns as f64 / 1e9
        );
    }
    out
}

/// The runs as one pretty JSON array of timelines.
pub fn timelines_json(runs: &[&Timeline]) -> String {
    serde_json::to_string_pretty(runs).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    //! Tests of `versions` on hand-made timelines.
    use super::*;

    const MIB: u64 = 1024 * 1024;

    fn run(version: &str, phases: &[(&str, u64, u64)]) -> Timeline {
        let phases = phases
            .iter()
            .map(|(name, rss, inuse)| {
                let mut p = Phase {
                    name: name.to_string(),
                    seq: 0,
                    t_ns: 0,
                    os: Default::default(),
                    go: Default::default(),
                    metrics: Default::default(),
                    maps: None,
                    heap_profile: None,
                    taken: Default::default(),
                };
                p.os.rss_bytes = rss * MIB;
                p.os.hwm_bytes = (rss + 1) * MIB;
                p.go.heap_alloc_bytes = (inuse - 1) * MIB;
                p.go.heap_inuse_bytes = inuse * MIB;
                p
            })
            .collect();
        Timeline {
            phases,
            ..Timeline::blank(version)
        }
    }

    #[test]
    fn rows_follow_the_first_run_and_mark_what_a_run_did_not_report() {
        let a = run(
            "go1.21.13",
            &[("start", 2, 1), ("grown", 10, 8), ("grown", 20, 16)],
        );
        let b = run(
            "go1.26.8",
            &[("start", 3, 1), ("late", 5, 4), ("grown", 11, 9)],
        );
        let rows = rows(&[&a, &b]);
        let keys: Vec<(&str, usize)> = rows.iter().map(|r| (r.phase.as_str(), r.nth)).collect();
        assert_eq!(
            keys,
            [("start", 0), ("grown", 0), ("grown", 1), ("late", 0)]
        );
        let cell = |rss: u64, inuse: u64| {
            Some(VersionCell {
                rss: rss * MIB,
                peak: (rss + 1) * MIB,
                heap: Some(((inuse - 1) * MIB, inuse * MIB)),
            })
        };
        assert_eq!(rows[1].cells, [cell(10, 8), cell(11, 9)]);
        assert_eq!(rows[2].cells, [cell(20, 16), None]);
        assert_eq!(rows[3].cells, [None, cell(5, 4)]);
    }

    #[test]
    fn the_table_has_a_column_group_per_version_and_fits_in_100_columns() {
        let versions = [
            "go1.21.13",
            "go1.22.10",
            "go1.23.9",
            "go1.24.11",
            "go1.26.8",
        ];
        let runs: Vec<Timeline> = versions
            .iter()
            .enumerate()
            .map(|(i, v)| run(v, &[("start", 2, 1), ("allocated", 100 + i as u64, 96)]))
            .collect();
        let refs: Vec<&Timeline> = runs.iter().collect();
        let text = side_by_side(&refs);
        assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
        // Five versions: two blocks of two, then a block of one.
        assert_eq!(text.matches("phase ").count(), 3, "{text}");
        let allocated: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("allocated"))
            .collect();
        assert_eq!(allocated.len(), 3, "{text}");
        // RSS, peak, HeapAlloc, HeapInuse per version.
        assert!(
            allocated[0].contains(" │    100.0    101.0      95.0      96.0 │    101.0 "),
            "{text}"
        );
        assert!(
            allocated[2].contains(" │    104.0    105.0      95.0      96.0"),
            "{text}"
        );
        assert!(text.starts_with("idle · default settings · MiB"), "{text}");
        assert!(text.contains(&format!("│ {:^37} │", "go1.21.13")), "{text}");
        assert!(
            text.contains("\ngo1.26.8 (go line 1.26): peak sampled RSS"),
            "{text}"
        );
    }

    #[test]
    fn several_runs_are_one_json_array() {
        let (a, b) = (run("go1.21.13", &[]), run("go1.26.8", &[]));
        let parsed: Vec<Timeline> = serde_json::from_str(&timelines_json(&[&a, &b])).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[1].toolchain.version, "go1.26.8");
    }
}
