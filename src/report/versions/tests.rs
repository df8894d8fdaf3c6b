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
        Some(Cell {
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
