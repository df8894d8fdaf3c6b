//! Verdict tests: a claim judged on hand-built runs (recorded shapes, no
//! Go), and the experiment loader's caret errors for checks.

#![allow(clippy::float_cmp)] // the values compared are integers held in f64

use std::path::Path;

use crate::analyze::Analyzed;
use crate::check::ast::CmpOp;
use crate::check::{CheckKind, ClaimResult, Dim, Verdict, judge};
use crate::experiment::{Experiment, parse};
use crate::timeline::{Phase, Timeline};

const FILE: &str = r#"title = "t"
article = "new"
fixture = "idle"
repeats = 2

[[claim]]
id = "c"
says = "s"
check = [
  "os.rss@started <= 8MiB",
  CHECK,
]
record = ["os.rss@started"]
"#;

fn load(check: &str) -> Result<Experiment, String> {
    let text = FILE.replace("CHECK", &format!("{check:?}"));
    parse(Path::new("x.toml"), &text, &["idle".to_string()]).map_err(|e| e.to_string())
}

fn run(rss: &[(&str, u64)]) -> Analyzed {
    let phases = rss
        .iter()
        .map(|(name, rss)| {
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
            p.os.rss_bytes = *rss;
            p
        })
        .collect();
    Analyzed::of(Timeline {
        phases,
        ..Timeline::blank("go1.26.8")
    })
}

fn judged(check: &str, runs: &[Analyzed]) -> ClaimResult {
    let exp = load(check).unwrap();
    judge(exp.claims[0].judged(), runs)
}

const MIB: u64 = 1 << 20;

#[test]
fn checks_fold_into_verdicts_with_kind_and_unit() {
    let runs = [run(&[("started", 4 * MIB)]), run(&[("started", 6 * MIB)])];
    let r = judged("os.rss@started != 5MiB", &runs);
    assert_eq!(
        (r.verdict, r.holds_in, r.reason.as_deref()),
        (Verdict::Holds, 2, None)
    );
    assert_eq!(
        (r.checks[1].kind, r.checks[1].op, r.checks[1].lhs.unit),
        (CheckKind::Compare, CmpOp::Ne, Dim::Bytes)
    );
    assert_eq!(r.checks[1].lhs.median, (5 * MIB) as f64);
    assert_eq!(r.records[0].value.unit, Dim::Bytes);
    let r = judged("os.rss@started <= 5MiB", &runs);
    assert_eq!(
        (r.verdict, r.checks[1].verdict),
        (Verdict::Disagree, Verdict::Disagree)
    );
    let r = judged("nonincreasing(os.rss)", &runs);
    assert_eq!(
        (r.checks[1].kind, r.verdict),
        (CheckKind::Nonincreasing, Verdict::Holds)
    );
    // Results serialise without empty errors: old JSON keeps its shape.
    let json = serde_json::to_string(&r).unwrap();
    assert!(
        !json.contains("error") && json.contains("\"kind\":\"nonincreasing\""),
        "{json}"
    );
}

#[test]
fn a_check_that_cannot_be_evaluated_makes_the_claim_an_error() {
    let runs = [run(&[("started", 4 * MIB)]), run(&[("started", 4 * MIB)])];
    let r = judged("os.rss@started / 0 >= 1", &runs);
    assert_eq!(
        (r.verdict, r.checks[0].verdict, r.checks[1].verdict),
        (Verdict::Error, Verdict::Holds, Verdict::Error)
    );
    let e = r.reason.unwrap();
    // `LINE: check: why`, the line of the check in its file.
    let (line, rest) = e.split_once(": ").unwrap();
    assert!(line.parse::<usize>().is_ok(), "{e}");
    assert!(
        rest.starts_with("`os.rss@started / 0 >= 1`: repeat 1: division by zero"),
        "{e}"
    );
    assert!(
        judged("0 / 0 == 0", &runs).checks[1]
            .error
            .as_deref()
            .unwrap()
            .contains("division by zero")
    );
    // A phase missing in one repeat only: still an error, naming the repeat.
    let runs = [
        run(&[("started", MIB), ("freed", MIB)]),
        run(&[("started", MIB)]),
    ];
    let r = judged("os.rss@freed <= 8MiB", &runs);
    assert_eq!(r.verdict, Verdict::Error);
    assert!(
        r.checks[1]
            .error
            .as_deref()
            .unwrap()
            .starts_with("repeat 2: phase `freed` never happened")
    );
    assert_eq!(
        r.checks[1].lhs.median, MIB as f64,
        "the repeat that worked is still shown"
    );
    let r = judged("max(samples.rss) <= 8MiB", &runs);
    assert!(
        r.checks[1]
            .error
            .as_deref()
            .unwrap()
            .contains("empty series")
    );
    assert_eq!(Verdict::of(0, 0), Verdict::Error);
}

#[test]
fn the_loader_points_at_the_bad_token() {
    let e = load("os.rss@started <= 5s").unwrap_err();
    let lines: Vec<&str> = e.lines().collect();
    assert!(
        lines[0].starts_with("x.toml:11:19: `os.rss@started` is bytes but `5s` is a duration"),
        "{e}"
    );
    assert_eq!(lines[1], r#"  "os.rss@started <= 5s","#);
    assert_eq!(lines[2], "                  ^^", "{e}");
    let e = load("os.rss@started <= os.rsss@started").unwrap_err();
    assert!(
        e.starts_with("x.toml:11:22: unknown metric `os.rsss`"),
        "{e}"
    );
    assert!(e.ends_with("\n                     ^^^^^^^"), "{e}");
    // Within the 4096 bytes a check may have, but past 1024 tokens.
    let deep = format!("{}1{} <= 1", "(".repeat(1_100), ")".repeat(1_100));
    assert!(load(&deep).unwrap_err().contains("at most 1024 tokens"));
    let long = format!("{}1{} <= 1", "(".repeat(20_000), ")".repeat(20_000));
    assert!(
        load(&long)
            .unwrap_err()
            .contains("more than the 4096 allowed")
    );
    let deep = format!("{}1{} <= 1", "(".repeat(100), ")".repeat(100));
    assert!(
        load(&deep)
            .unwrap_err()
            .starts_with("x.toml:11:68: nested more than 64 deep")
    );
}

#[test]
fn event_queries_need_gctrace_in_the_rows_they_apply_to() {
    let e = load("count(events.gc) >= 0").unwrap_err();
    assert!(
        e.contains("GODEBUG = \\\"gctrace=1\\\"") || e.contains("gctrace=1"),
        "{e}"
    );
    let text = FILE.replace("CHECK", "\"count(events.gc) >= 0\"").replace(
        "[[claim]]",
        "[[settings]]\nGODEBUG = \"gctrace=1\"\n\n[[claim]]",
    );
    assert!(parse(Path::new("x.toml"), &text, &["idle".to_string()]).is_ok());
}
