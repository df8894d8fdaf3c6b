//! Tests of reading paths: `exit.` and `cpu.` on hand-built runs, and the
//! drift tests that keep the schema's field tables equal to the serde names
//! of the model types the evaluator reads (a field added to `OsView` and
//! not to the table, or a table member read from the wrong field, fails).

#![allow(clippy::float_cmp)] // the values compared are small integers held in f64

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value as Json};

use super::*;
use crate::analyze::ledger::Category;
use crate::check::eval::evaluate;
use crate::check::parse_check;
use crate::check::schema::fields::Field;
use crate::timeline::{ClassSummary, Controller, MemoryOutcome, Timeline};

/// `template` as a JSON object whose number, null and flag values are
/// replaced by distinct values (1, 2, ... in key order; flags `true`; words
/// their own key), and the `T` that object makes.
pub(in crate::check::eval) fn numbered<T: Serialize + DeserializeOwned>(
    template: &T,
) -> (Map<String, Json>, T) {
    let Ok(Json::Object(mut m)) = serde_json::to_value(template) else {
        panic!("not an object")
    };
    for (i, (k, v)) in m.iter_mut().enumerate() {
        *v = match &*v {
            Json::Number(_) | Json::Null => Json::from(i as u64 + 1),
            Json::Bool(_) => Json::Bool(true),
            // Enum tags keep their value.
            Json::String(s) if ["syscall", "kind", "category", "class"].contains(&k.as_str()) => {
                Json::String(s.clone())
            }
            Json::String(_) => Json::String(format!("{k}-word")),
            other => other.clone(),
        };
    }
    let value = serde_json::from_value(Json::Object(m.clone())).expect("it deserializes");
    (m, value)
}

/// The table of `F` names exactly the numeric keys of `m` but `skip`, and
/// `read` gives each member the key's value; `derived` members are not
/// model fields.
fn agree<F: Field>(m: &Map<String, Json>, skip: &[&str], derived: &[F], read: impl Fn(F) -> f64) {
    let mut keys: Vec<&str> = m
        .iter()
        .filter(|(k, v)| !skip.contains(&k.as_str()) && (v.is_number() || v.is_boolean()))
        .map(|(k, _)| k.as_str())
        .collect();
    let mut names: Vec<&str> = F::ALL
        .iter()
        .filter(|f| !derived.contains(f))
        .map(|f| f.name())
        .collect();
    keys.sort_unstable();
    names.sort_unstable();
    assert_eq!(names, keys, "the table of {}", std::any::type_name::<F>());
    for f in F::ALL.iter().filter(|f| !derived.contains(f)) {
        let want = m[f.name()].as_f64().unwrap_or(1.0);
        assert_eq!(read(*f), want, "{f:?} reads another field");
    }
}

#[test]
fn the_view_tables_are_the_models_serde_names() {
    let os = OsView {
        lazy_free_bytes: Some(0),
        anon_huge_pages_bytes: Some(0),
        ..OsView::default()
    };
    let (m, v) = numbered(&os);
    agree(&m, &[], &[], |f| os_value(&v, f));
    let (m, v) = numbered(&GoView::default());
    agree(&m, &[], &[], |f| go(&v, f));
    let (m, v) = numbered(&Sample::default());
    agree(&m, &["t_ns"], &[], |f| sample(&v, f));
    let (m, v) = numbered(&HeapProfile {
        path: String::new(),
        sample_rate_bytes: 0,
        inuse_space_bytes: 0,
        inuse_objects: 0,
        alloc_space_bytes: 0,
        alloc_objects: 0,
    });
    agree(&m, &[], &[], |f| profile(&v, f));
    let ledger_template =
        crate::analyze::ledger::reconcile("x", &MapsInventory::default(), &Default::default(), 0);
    let (m, v) = numbered(&ledger_template);
    let skip = [
        "status_rss_bytes",
        "rss_read_drift_bytes",
        "unexplained_fraction",
    ];
    agree(&m, &skip, &[LedgerField::LimitBytes], |f| ledger(&v, f));
    let row = LedgerRow {
        category: Category::Bss,
        mappings: 0,
        size_bytes: 0,
        resident_bytes: 0,
        runtime_bytes: Some(0),
        lazy_free_bytes: 0,
        explained_bytes: 0,
        unexplained_bytes: 0,
        note: String::new(),
    };
    let (m, v) = numbered(&row);
    agree(&m, &[], &[], |f| ledger_row(Some(&v), f));
    let summary = ClassSummary {
        class: MapClass::Bss,
        count: 0,
        size_bytes: 0,
        rss_bytes: 0,
    };
    let (m, _) = numbered(&summary);
    // The totals come from the mappings, not from a stored summary: names only.
    let mut names = MapsField::names();
    names.retain(|n| *n != "named");
    names.sort_unstable();
    let mut keys: Vec<&str> = m
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "class")
        .collect();
    keys.sort_unstable();
    assert_eq!(names, keys);
}

/// `os` with the rollup fields present.
fn os_value(v: &OsView, f: OsField) -> f64 {
    os(v, f).unwrap_or(f64::NAN)
}

fn killed(oom_kills: u64) -> Analyzed {
    Analyzed::of(Timeline {
        exit: Exit::Signal(9),
        memory_limit: Some(MemoryOutcome {
            limit_bytes: 256 << 20,
            controller: Controller::V1,
            oom_kills,
            limit_hits: 3,
            peak_bytes: Some(256 << 20),
        }),
        ..Timeline::blank("go1.26.8")
    })
}

fn holds(check: &str, run: &Analyzed) -> bool {
    let c = parse_check(check).unwrap_or_else(|e| panic!("{check}: {e}"));
    evaluate(&c, run)
        .unwrap_or_else(|e| panic!("{check}: {e}"))
        .holds
}

#[test]
fn exit_values_need_no_phase_and_tell_an_oom_kill_from_other_kills() {
    // Killed before any phase: exit checks still judge.
    let oom = killed(1);
    assert!(holds("exit.oom_killed == 1", &oom));
    assert!(holds("exit.signal == 9", &oom));
    assert!(holds("exit.code == 137", &oom));
    // SIGKILL without an OOM kill counted (e.g. the harness) is not one.
    assert!(holds("exit.oom_killed == 0", &killed(0)));
    let clean = Analyzed::of(Timeline::blank("go1.26.8"));
    assert!(holds("exit.oom_killed == 0", &clean));
    assert!(holds("exit.signal == 0", &clean) && holds("exit.code == 0", &clean));
    for bad in [
        "exit.code@end == 0",
        "max(exit.code) == 0",
        "exit.core == 0",
    ] {
        assert!(parse_check(bad).is_err(), "{bad}");
    }
    assert!(
        parse_check("exit.code == 1s").is_err(),
        "a count is not a duration"
    );
}

#[test]
fn cpu_classes_are_durations_read_from_the_metrics() {
    let mut phases = Vec::new();
    for (name, gc, total) in [("a", 1.0, 4.0), ("b", 3.0, 6.0)] {
        let mut p = crate::check::eval::tests::phase(name, 0, 0, 0);
        for (m, v) in [(CpuClass::GcTotal, gc), (CpuClass::Total, total)] {
            let n = serde_json::Number::from_f64(v).unwrap_or_else(|| panic!("{v}"));
            p.metrics.insert(m.metric(), n);
        }
        phases.push(p);
    }
    let run = Analyzed::of(Timeline {
        phases,
        ..Timeline::blank("go1.26.8")
    });
    assert!(holds("cpu.total@b - cpu.total@a == 2s", &run));
    assert!(holds(
        "(cpu.gc.total@b - cpu.gc.total@a) / (cpu.total@b - cpu.total@a) == 100%",
        &run
    ));
    let c = parse_check("cpu.gc.mark.assist@a >= 0s").unwrap_or_else(|e| panic!("{e}"));
    let err = evaluate(&c, &run).err().unwrap_or_default();
    assert!(
        err.contains("/cpu/classes/gc/mark/assist:cpu-seconds"),
        "{err}"
    );
    assert!(parse_check("cpu.gc.sweep@a >= 0s").is_err());
}
