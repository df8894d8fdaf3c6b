//! The matrix from hand-made results: column order, change marks, machines.

use super::*;
use crate::check::claim::ClaimResult;
use crate::experiment::reproduce::CellResult;
use crate::experiment::reproduce::ExperimentResult;

fn machine(host: &str) -> Machine {
    Machine {
        hostname: host.into(),
        kernel: "6.1".into(),
        thp: "madvise".into(),
        cgroup: "v2".into(),
        cpus: 2,
        memory_total_bytes: 1 << 30,
        anon_vma_names: None,
    }
}

fn column(go: &str, host: &str, verdict: Verdict) -> Column {
    let claim = ClaimResult {
        id: "arena-at-c000".into(),
        says: String::new(),
        bound: None,
        verdict,
        runs: 3,
        holds_in: if verdict == Verdict::Holds { 3 } else { 0 },
        checks: Vec::new(),
        records: Vec::new(),
        reason: (verdict == Verdict::Error).then(|| "startup-mmaps.toml:9: no phase".into()),
    };
    Column {
        go_version: go.into(),
        machine: machine(host),
        results: vec![ExperimentResult {
            experiment: "startup-mmaps".into(),
            title: String::new(),
            article: "001".into(),
            fixture: "idle".into(),
            go_version: go.into(),
            go_line: String::new(),
            repeats: 3,
            cells: vec![CellResult {
                settings: "defaults".into(),
                runs: 3,
                claims: vec![claim],
                error: None,
                unavailable: None,
                busy: None,
            }],
            error: None,
        }],
    }
}

#[test]
fn a_change_between_adjacent_versions_is_marked_where_it_happens() {
    // Given out of order: columns sort by version, not by text.
    let m = build(&[
        column("go1.26.8", "a", Verdict::Fails),
        column("go1.9.1", "a", Verdict::Holds),
        column("go1.25.5", "a", Verdict::Holds),
        column("go1.27.3", "a", Verdict::Fails),
    ]);
    let heads: Vec<&str> = m.columns.iter().map(|c| c.go_version.as_str()).collect();
    assert_eq!(heads, ["go1.9.1", "go1.25.5", "go1.26.8", "go1.27.3"]);
    assert_eq!(m.rows[0].changed_in, ["go1.26.8"]);
    let text = table(&m);
    let row = text
        .lines()
        .find(|l| l.starts_with("arena-at-c000"))
        .unwrap();
    assert!(row.ends_with("fails 0/3  changed in go1.26.8"), "{text}");
    assert!(row.contains("holds 3/3"), "{text}");
}

#[test]
fn one_version_on_two_machines_is_side_by_side_never_picked() {
    let m = build(&[
        column("go1.26.8", "alpha", Verdict::Holds),
        column("go1.26.8", "beta", Verdict::Error),
    ]);
    assert_eq!(m.columns.len(), 2);
    assert_eq!(m.rows[0].machines_disagree, ["go1.26.8"]);
    assert!(m.rows[0].changed_in.is_empty());
    let text = table(&m);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[1].contains("alpha (6.1, 2 CPUs)") && lines[1].contains("beta (6.1, 2 CPUs)"),
        "{text}"
    );
    assert!(
        lines[2].contains("holds 3/3") && lines[2].contains("error"),
        "{text}"
    );
    assert!(
        lines[2].ends_with("machines disagree on go1.26.8"),
        "{text}"
    );
    assert!(
        text.contains(
            "arena-at-c000 [defaults] on go1.26.8: error, startup-mmaps.toml:9: no phase"
        ),
        "{text}"
    );
}

#[test]
fn a_column_that_did_not_measure_a_claim_shows_a_dash_and_no_change() {
    let mut empty = column("go1.25.5", "a", Verdict::Holds);
    empty.results.clear();
    let m = build(&[
        column("go1.24.11", "a", Verdict::Holds),
        empty,
        column("go1.26.8", "a", Verdict::Holds),
    ]);
    assert!(m.rows[0].cells[1].is_none());
    assert!(m.rows[0].changed_in.is_empty());
    let row = table(&m).lines().nth(1).unwrap().to_string();
    assert_eq!(
        row.split_whitespace().filter(|w| *w == "-").count(),
        1,
        "{row}"
    );
}
