//! No fixture outlives its run: dropped, timed out, crashed, or when the
//! harness itself is interrupted or killed; traced by ptrace or not.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{built, eventually, processes_with, toolchain, unique_hold};
use gomemlab::run::observe::observe;
use gomemlab::run::{RunError, RunSpec, Running};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

fn spec(args: &[&str], timeout: Duration) -> RunSpec {
    RunSpec {
        args: args.iter().map(|a| a.to_string()).collect(),
        timeout,
        ..RunSpec::default()
    }
}

fn traced(args: &[&str], timeout: Duration) -> RunSpec {
    RunSpec {
        trace_syscalls: true,
        ..spec(args, timeout)
    }
}

fn drop_kills(hold: &str, spec: &RunSpec) {
    let running = Running::spawn(&built("idle").binary, spec).unwrap();
    let pid = running.pid.as_raw();
    assert!(eventually(Duration::from_secs(5), || processes_with(hold) == vec![pid]));
    drop(running);
    assert!(
        processes_with(hold).is_empty(),
        "fixture {pid} survived the drop"
    );
}

#[test]
fn dropping_a_run_kills_the_fixture() {
    let hold = unique_hold(1);
    drop_kills(&hold, &spec(&["-hold", &hold], Duration::from_secs(60)));
}

#[test]
fn dropping_a_traced_run_kills_the_fixture() {
    let hold = unique_hold(11);
    drop_kills(&hold, &traced(&["-hold", &hold], Duration::from_secs(60)));
}

fn timeout_leaves_nothing(hold: &str, spec: &RunSpec) {
    let err = observe(&built("idle"), toolchain(), spec).unwrap_err();
    assert!(matches!(err, RunError::Timeout { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains("timed out") && text.contains(hold), "{text}");
    assert!(processes_with(hold).is_empty());
}

#[test]
fn a_timed_out_run_is_an_error_and_leaves_nothing() {
    let hold = unique_hold(2);
    timeout_leaves_nothing(&hold, &spec(&["-hold", &hold], Duration::from_millis(700)));
}

#[test]
fn a_timed_out_traced_run_is_an_error_and_leaves_nothing() {
    let hold = unique_hold(12);
    timeout_leaves_nothing(
        &hold,
        &traced(&["-hold", &hold], Duration::from_millis(700)),
    );
}

#[test]
fn a_panic_while_tracing_leaves_no_fixture() {
    let hold = unique_hold(13);
    let spec = traced(&["-hold", &hold], Duration::from_secs(60));
    let marker = hold.clone();
    let outcome = std::thread::spawn(move || {
        let running = Running::spawn(&built("idle").binary, &spec).unwrap();
        let pid = running.pid.as_raw();
        assert!(eventually(Duration::from_secs(5), || processes_with(
            &marker
        ) == vec![pid]));
        panic!("a test panicking while it traces fixture {pid}");
    })
    .join();
    assert!(outcome.is_err());
    assert!(processes_with(&hold).is_empty());
}

#[test]
fn a_crashing_fixture_shows_status_settings_and_stderr() {
    let mut s = spec(&["-no-such-flag"], Duration::from_secs(30));
    s.set("GOGC", "50").unwrap();
    let err = observe(&built("bigbytes"), toolchain(), &s).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, RunError::Crashed { .. }), "{text}");
    assert!(text.contains("exit status: 2"), "{text}");
    assert!(text.contains("GOGC=50"), "{text}");
    assert!(text.contains("no-such-flag"), "stderr tail missing: {text}");
}

/// Starts `gomemlab run idle [OPTIONS]` and waits until its fixture is up.
fn harness_with_fixture(hold: &str, options: &[&str]) -> (std::process::Child, i32) {
    let child = Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .args(["run", "idle"])
        .args(options)
        .args(["--", "-hold", hold])
        .env("GOMEMLAB_GO", &toolchain().go)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut fixture = 0;
    let up = eventually(Duration::from_secs(60), || {
        let found = processes_with(hold);
        fixture = found
            .iter()
            .copied()
            .find(|&p| p != child.id() as i32)
            .unwrap_or(0);
        fixture != 0
    });
    assert!(up, "the fixture never started");
    (child, fixture)
}

fn interrupting_kills(hold: &str, options: &[&str]) {
    let (mut harness, fixture) = harness_with_fixture(hold, options);
    kill(Pid::from_raw(harness.id() as i32), Signal::SIGINT).unwrap();
    harness.wait().unwrap();
    assert!(
        eventually(Duration::from_secs(5), || !processes_with(hold)
            .contains(&fixture)),
        "fixture {fixture} outlived an interrupted harness"
    );
}

#[test]
fn interrupting_the_harness_kills_the_fixture() {
    interrupting_kills(&unique_hold(3), &[]);
}

#[test]
fn interrupting_a_tracing_harness_kills_the_fixture() {
    interrupting_kills(&unique_hold(14), &["--trace-syscalls"]);
}

fn killing_kills(hold: &str, options: &[&str]) {
    let (mut harness, fixture) = harness_with_fixture(hold, options);
    harness.kill().unwrap();
    harness.wait().unwrap();
    assert!(
        eventually(Duration::from_secs(5), || !processes_with(hold)
            .contains(&fixture)),
        "fixture {fixture} outlived a killed harness"
    );
}

#[test]
fn killing_the_harness_kills_the_fixture() {
    killing_kills(&unique_hold(4), &[]);
}

#[test]
fn killing_a_tracing_harness_kills_the_fixture() {
    killing_kills(&unique_hold(15), &["--trace-syscalls"]);
}
