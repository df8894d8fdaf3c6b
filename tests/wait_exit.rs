//! `Running::wait_exit`, which `run FIXTURE -- -h` uses: the fixture's exit
//! as it is (no crash report for a non-zero code), and a fixture that does
//! not exit in time is killed like any run.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::time::{Duration, Instant};

use common::{built, processes_with, unique_hold};
use gomemlab::run::{RunError, RunSpec, Running};
use gomemlab::timeline::Exit;

fn spawn(fixture: &str, args: &[&str]) -> Running {
    let spec = RunSpec {
        args: args.iter().map(|a| a.to_string()).collect(),
        ..RunSpec::default()
    };
    Running::spawn(&built(fixture).binary, &spec).unwrap()
}

#[test]
fn a_rejected_flag_is_an_exit_code_with_the_usage_on_stderr() {
    let mut running = spawn("hello", &["-nope"]);
    let exit = running
        .wait_exit(Instant::now() + Duration::from_secs(20))
        .unwrap();
    assert_eq!(exit, Exit::Code(2));
    let stderr = String::from_utf8(running.take_stderr()).unwrap();
    assert!(
        stderr.contains("flag provided but not defined: -nope"),
        "{stderr}"
    );
    assert!(stderr.contains("-hold duration"), "{stderr}");
}

#[test]
fn a_fixture_that_does_not_exit_in_time_is_killed() {
    let hold = unique_hold(41);
    let mut running = spawn("idle", &["-hold", &hold]);
    let pid = running.pid.as_raw();
    let err = running
        .wait_exit(Instant::now() + Duration::from_millis(500))
        .unwrap_err();
    assert!(matches!(err, RunError::Timeout { .. }), "{err}");
    assert!(
        processes_with(&hold).is_empty(),
        "fixture {pid} outlived its timeout"
    );
}
