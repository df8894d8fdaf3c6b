//! The Rust API as another crate uses it: only `gomemlab::` root items, a
//! real Go toolchain ($GOMEMLAB_GO, else `go` on PATH) and real runs.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::time::Duration;

use gomemlab::{FixtureRef, Lab, LabError, Verdict, check};

#[test]
fn a_run_of_bigbytes_is_checked_with_the_measured_value_and_its_bound() {
    let lab = Lab::new().unwrap();
    let run = lab
        .fixture("bigbytes")
        .env("GODEBUG", "madvdontneed=1")
        .args(["-count", "2", "-size", "20000000", "-keep"])
        .timeout(Duration::from_secs(60))
        .interval(Duration::from_millis(5))
        .maps(true)
        .run()
        .unwrap();
    let t = &run.timeline;
    assert_eq!(t.toolchain.version, lab.go_version());
    assert_eq!(t.settings.env["GODEBUG"], "madvdontneed=1");
    let names: Vec<&str> = t.phases.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["start", "allocated", "collected", "freed", "exit"]);

    // Two 20 MB slices kept and touched: the OS sees them.
    let live = check(&run, "os.rss@allocated >= 0.9 * go.heap_alloc@allocated").unwrap();
    assert_eq!(live.verdict, Verdict::Holds, "{live}");
    let allocated = t.phase("allocated").unwrap();
    // The very values of the timeline, not a copy of a copy.
    assert!(
        (live.measured - allocated.os.rss_bytes as f64).abs() < 0.5,
        "{live}"
    );
    assert!((live.bound - 0.9 * allocated.go.heap_alloc_bytes as f64).abs() < 0.5);
    assert!(live.measured >= 40e6, "{live}");

    // The same values, the other way round: the check fails, and says by how much.
    let wrong = check(&run, "os.rss@allocated < go.heap_alloc@allocated / 2").unwrap();
    assert_eq!(wrong.verdict, Verdict::Fails, "{wrong}");
    assert!(wrong.to_string().starts_with("fails: "), "{wrong}");

    // A check over every phase names the phase that decided.
    let every = check(&run, "go.heap_alloc <= go.heap_sys").unwrap();
    assert_eq!(every.verdict, Verdict::Holds, "{every}");
    assert!(every.at.is_some(), "{every:?}");

    // With .maps(true): the mapping inventory (and the ledger) at each phase.
    let arena = check(&run, "maps.heap_arena.rss@allocated >= 35MiB").unwrap();
    assert_eq!(arena.verdict, Verdict::Holds, "{arena}");

    // The bare timeline works too (analysed on the way).
    assert_eq!(
        check(t, "os.rss@start > 0").unwrap().verdict,
        Verdict::Holds
    );
}

#[test]
fn problems_are_errors_not_panics() {
    let lab = Lab::new().unwrap();
    let run = lab.fixture("hello").args(["-hold", "0s"]).run().unwrap();
    // A check that does not load: an Err, with a caret under the bad part.
    let err = check(&run, "os.rss@started <= 5s").unwrap_err().to_string();
    assert!(err.contains("does not load") && err.contains('^'), "{err}");
    // Returned with `?` from a test, it is printed with `{:?}`: the same
    // message with its caret, not a struct.
    let boxed: Box<dyn std::error::Error> = check(&run, "os.rss@started <= 5s").unwrap_err().into();
    assert_eq!(format!("{boxed:?}"), err);
    // A phase the run never reached: the verdict `error` with the reason.
    let missing = check(&run, "os.rss@deleted >= 1MiB").unwrap();
    assert_eq!(missing.verdict, Verdict::Error);
    assert!(
        missing.reason.as_deref().unwrap().contains("deleted"),
        "{missing}"
    );

    let unknown = lab.fixture("no-such-fixture").run().unwrap_err();
    assert!(matches!(unknown, LabError::Build(_)), "{unknown}");
    assert!(unknown.to_string().contains("hello"), "{unknown}");
    let setting = lab
        .fixture("hello")
        .env("LD_PRELOAD", "x")
        .run()
        .unwrap_err();
    assert!(matches!(setting, LabError::Run(_)), "{setting}");
    let value = lab.fixture("hello").env("GOGC", "abc").run().unwrap_err();
    assert!(
        value
            .to_string()
            .contains("GOGC=abc is not a value Go takes"),
        "{value}"
    );
    let timeout = lab
        .fixture("hello")
        .timeout(Duration::ZERO)
        .run()
        .unwrap_err();
    assert!(matches!(timeout, LabError::Setting(_)), "{timeout}");
    let go = Lab::with_go("/nonexistent/go").unwrap_err();
    assert!(matches!(go, LabError::Toolchain(_)), "{go}");
    assert!(format!("{go:?}").starts_with(&go.to_string()), "{go:?}");
    let path = lab.fixture("./my/prog").run().unwrap_err();
    assert!(matches!(path, LabError::Build(_)), "{path}");
    assert!(path.to_string().contains("not a Go main package"), "{path}");
    assert_eq!(
        FixtureRef::from("idle"),
        FixtureRef::Bundled("idle".to_string())
    );
}

#[test]
fn a_fixture_that_crashes_or_hangs_is_a_run_error() {
    let lab = Lab::new().unwrap();
    let rejected = lab.fixture("hello").args(["-nope"]).run().unwrap_err();
    assert!(matches!(rejected, LabError::Run(_)), "{rejected}");
    let slow = lab
        .fixture("hello")
        .args(["-hold", "30s"])
        .timeout(Duration::from_millis(500))
        .run()
        .unwrap_err();
    assert!(slow.to_string().contains("timed out"), "{slow}");
}

#[test]
fn with_go_names_the_toolchain() {
    // Installed here; fetched through the Go module proxy elsewhere.
    let lab = Lab::with_go("go1.21.13").unwrap();
    assert_eq!(lab.go_version(), "go1.21.13");
    let run = lab.fixture("hello").args(["-hold", "0s"]).run().unwrap();
    assert_eq!(run.timeline.toolchain.version, "go1.21.13");
    assert_eq!(run.timeline.toolchain.go_line, "1.21");
    let checked = check(&run, "os.rss@started >= go.heap_inuse@started").unwrap();
    assert_eq!(checked.verdict, Verdict::Holds, "{checked}");
}

#[test]
fn a_fixture_given_by_path_runs_with_its_own_module() {
    let lab = Lab::new().expect("a Go toolchain");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("go-fixtures/hello");
    let run = lab
        .fixture(dir.as_path())
        .run()
        .expect("hello by path runs");
    let started = check(&run, "os.rss@started > 0").expect("the check loads");
    assert_eq!(started.verdict, Verdict::Holds, "{started}");
}
