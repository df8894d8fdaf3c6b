#![allow(clippy::unwrap_used)] // test code: a panic is the failure report
//! The ledger on real Go processes: for every bundled fixture, at every
//! phase, the resident bytes no category explains stay within max(5% of RSS,
//! 1 MiB); a failing phase prints its ledger table. Run it per toolchain:
//! `GOMEMLAB_GO=go1.21.13 cargo test --test ledger`.

mod common;

use std::time::Duration;

use assert_cmd::Command;
use common::{built, toolchain};
use gomemlab::analyze::ledger::{self, Category, Ledger};
use gomemlab::report;
use gomemlab::run::RunSpec;
use gomemlab::run::observe::observe;
use gomemlab::timeline::Timeline;
use predicates::prelude::*;

const MIB: i64 = 1 << 20;

/// Runs a fixture with the mapping inventory and returns its ledgers.
fn ledgers(name: &str, env: &[(&str, &str)], args: &[&str]) -> (Timeline, Vec<Ledger>) {
    let mut spec = RunSpec {
        args: args.iter().map(|a| a.to_string()).collect(),
        timeout: Duration::from_secs(60),
        maps: true,
        ..RunSpec::default()
    };
    for (k, v) in env {
        spec.set(k, v).unwrap();
    }
    let t =
        observe(&built(name), toolchain(), &spec).unwrap_or_else(|e| panic!("running {name}: {e}"));
    let ledgers: Vec<Ledger> = t
        .phases
        .iter()
        // The exit snapshot reads no maps: it is the OS view at exit_group.
        .filter(|p| !p.is_exit())
        .map(|p| ledger::of_phase(p).unwrap_or_else(|| panic!("no maps at {}", p.name)))
        .collect();
    assert!(!ledgers.is_empty(), "{name}: no phase");
    (t, ledgers)
}

/// Every phase of the run is within target; prints each ledger that is not.
fn assert_balanced(name: &str, env: &[(&str, &str)], args: &[&str]) -> Vec<Ledger> {
    let (t, ledgers) = ledgers(name, env, args);
    let worst = ledgers
        .iter()
        .map(|l| l.unexplained_fraction)
        .fold(f64::MIN, f64::max);
    // VmRSS (status) is read a moment before smaps; the scavenger can run in between.
    let drift = ledgers
        .iter()
        .map(|l| l.rss_read_drift_bytes)
        .max_by_key(|d| d.abs())
        .unwrap_or(0);
    // Visible with --nocapture: the numbers the final report quotes.
    eprintln!(
        "ledger {name} {} on {}: worst unexplained {:.3}% over {} phases, largest VmRSS-smaps drift {:.2} MiB",
        args.join(" "),
        t.toolchain.version,
        worst * 100.0,
        ledgers.len(),
        drift as f64 / MIB as f64
    );
    let failed: Vec<String> = ledgers
        .iter()
        .filter(|l| !l.within_target())
        .map(|l| format!("ledger at {}:\n{}", l.phase, report::ledger_table(l)))
        .collect();
    assert!(
        failed.is_empty(),
        "{name} {args:?} on {}: unexplained over max(5%, 1 MiB)\n{}",
        t.toolchain.version,
        failed.join("\n")
    );
    for l in &ledgers {
        // Every run maps its binary; the OS total is never empty.
        assert!(
            l.rss_bytes > 0 && l.row(Category::Binary).is_some(),
            "{l:?}"
        );
    }
    ledgers
}

#[test]
fn idle() {
    assert_balanced("idle", &[], &["-hold", "10ms", "-end"]);
}

#[test]
fn hello() {
    assert_balanced("hello", &[], &["-hold", "10ms"]);
}

#[test]
fn bigbytes_madvdontneed() {
    assert_balanced("bigbytes", &[], &["-count", "3", "-size", "20000000"]);
}

#[test]
fn bigbytes_madv_free_keeps_pages_as_lazy_free() {
    let ledgers = assert_balanced(
        "bigbytes",
        &[("GODEBUG", "madvdontneed=0")],
        &["-count", "3", "-size", "20000000"],
    );
    let freed = ledgers.iter().find(|l| l.phase == "freed").unwrap();
    let arena = freed.row(Category::HeapArena).unwrap();
    // The pages are still resident and the runtime no longer counts them: only
    // LazyFree explains them (when the kernel has not taken them back already).
    if arena.resident_bytes > 16 * MIB as u64 {
        assert!(
            arena.lazy_free_bytes > arena.runtime_bytes.unwrap(),
            "{freed:?}"
        );
    }
}

#[test]
fn storm() {
    assert_balanced("storm", &[], &["-n", "5000"]);
}

#[test]
fn churn() {
    assert_balanced("churn", &[], &["-live-mib", "16", "-churn-mib", "64"]);
}

#[test]
fn cycles() {
    assert_balanced("cycles", &[], &["-cycles", "2", "-mib", "32"]);
}

#[test]
fn scavenge() {
    assert_balanced(
        "scavenge",
        &[],
        &[
            "-mib", "48", "-wait", "300ms", "-every", "100ms", "-gcs", "2",
        ],
    );
}

#[test]
fn fragment_sparse_and_packed() {
    assert_balanced("fragment", &[], &["-mib", "32"]);
    assert_balanced("fragment", &[], &["-mib", "32", "-mode", "packed"]);
}

#[test]
fn sys_does_not_count_every_anonymous_mapping() {
    let (_, ledgers) = ledgers("idle", &[], &["-hold", "10ms"]);
    // The L2 arena index: 32 MiB mapped read-write, in no class of Sys.
    for l in &ledgers {
        assert!(l.mapped_beyond_sys_bytes >= 32 * MIB, "{l:?}");
    }
}

#[test]
fn cli_prints_a_ledger_per_phase() {
    Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .env("GOMEMLAB_GO", &toolchain().go)
        .args(["run", "idle", "--ledger", "--", "-hold", "10ms", "-end"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ledger at started:"))
        .stdout(predicate::str::contains("ledger at ended:"))
        .stdout(predicate::str::is_match(r"(?m)^\s+heap_arena\s+\d+\.\d\s+\d+\.\d\s").unwrap())
        .stdout(predicate::str::is_match(r"(?m)^\s+unexplained -?\d+\.\d MiB = ").unwrap())
        // --ledger reads the maps, but only --maps prints them.
        .stdout(predicate::str::contains("mappings at").not());
}
