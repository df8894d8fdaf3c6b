//! `gomemlab report` on a recorded results folder (tests/data/), with no Go
//! at all: the replay path that tests the report formats without running.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Kept by `reproduce --only hello-virt-vs-rss virt-reservation --out DIR` on go1.26.8.
fn recorded() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/results-hello-go1.26.8")
}

/// gomemlab with no Go reachable: a report that tried to build or run would fail.
fn report(args: &[&str]) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .env("PATH", "")
        .env("GOMEMLAB_GO", "/no/such/go")
        .env_remove("GOMEMLAB_EXPERIMENTS")
        .arg("report")
        .args(args)
        .arg(recorded())
        .output()
        .unwrap()
}

fn stdout_of_success(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_verdict_table_of_a_recorded_folder() {
    insta::assert_snapshot!(stdout_of_success(&report(&[])));
}

#[test]
fn json_has_every_claim_with_its_measured_values() {
    let v: serde_json::Value =
        serde_json::from_str(&stdout_of_success(&report(&["--json"]))).unwrap();
    assert_eq!(v[0]["experiment"], "hello");
    assert_eq!(v[0]["go_version"], "go1.26.8");
    let claims = &v[0]["cells"][0]["claims"];
    assert_eq!(claims[0]["id"], "hello-virt-vs-rss");
    assert_eq!(claims[0]["runs"], 3);
    let check = &claims[1]["checks"][0];
    assert_eq!(check["lhs"]["unit"], "bytes");
    assert!(check["lhs"]["median"].as_f64().unwrap() > 256.0 * 1024.0 * 1024.0);
}

#[test]
fn the_kept_runs_are_judged_with_the_current_experiment_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("hello.toml"),
        r#"title = "hello world, a stricter bound"
article = "003"
fixture = "hello"
[[claim]]
id = "virt-reservation"
says = "a bound the recorded runs do not meet"
check = ["os.vm_size@started >= 100GiB"]
"#,
    )
    .unwrap();
    let out = report(&["--experiments", dir.path().to_str().unwrap()]);
    let table = stdout_of_success(&out);
    let row = table
        .lines()
        .find(|l| l.starts_with("virt-reservation "))
        .unwrap();
    assert!(row.contains("fails 0/3"), "{table}");
    assert!(!table.contains("hello-virt-vs-rss"), "{table}");
}
