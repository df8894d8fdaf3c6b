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
    assert_eq!(
        rows[1].cells,
        [Some((10 * MIB, 8 * MIB)), Some((11 * MIB, 9 * MIB))]
    );
    assert_eq!(rows[2].cells, [Some((20 * MIB, 16 * MIB)), None]);
    assert_eq!(rows[3].cells, [None, Some((5 * MIB, 4 * MIB))]);
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
    // Five versions: a block of four, then a block of one.
    assert_eq!(text.matches("phase ").count(), 2, "{text}");
    let allocated: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("allocated"))
        .collect();
    assert_eq!(allocated.len(), 2, "{text}");
    assert!(
        allocated[0].contains(" │    100.0      96.0 │    101.0 "),
        "{text}"
    );
    assert!(allocated[1].contains(" │    104.0      96.0"), "{text}");
    assert!(text.starts_with("idle · default settings · MiB"), "{text}");
    assert!(text.contains("│     go1.21.13      │"), "{text}");
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
