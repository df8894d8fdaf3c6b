//! Shared set-up of the integration tests: the Go toolchain under test and the
//! bundled fixtures, each found or built once per test binary.
#![allow(dead_code)]

pub mod harness;
pub mod snapshot;
pub mod turns;
pub mod unsteady;

use std::sync::OnceLock;
use std::time::Duration;

use gomemlab::fixture::{Built, Fixtures};
use gomemlab::run::RunSpec;
use gomemlab::run::observe::observe;
use gomemlab::timeline::Timeline;
use gomemlab::toolchain::{self, Toolchain};

/// The toolchain under test: `$GOMEMLAB_GO`, else `go` on PATH.
pub fn toolchain() -> &'static Toolchain {
    static TOOLCHAIN: OnceLock<Toolchain> = OnceLock::new();
    TOOLCHAIN.get_or_init(|| toolchain::resolve(None).expect("a Go toolchain for the tests"))
}

/// Builds (or finds in the cache) one bundled fixture.
pub fn built(name: &str) -> Built {
    Fixtures::bundled()
        .expect("bundled fixtures")
        .build(name, toolchain())
        .unwrap_or_else(|e| panic!("building {name}: {e}"))
}

/// Runs a bundled fixture with `KEY=VALUE` settings and fixture arguments.
pub fn observe_fixture(name: &str, env: &[(&str, &str)], args: &[&str]) -> Timeline {
    observe_with(name, env, args, false)
}

/// The same, with the fixture's memory syscalls traced.
pub fn observe_traced(name: &str, env: &[(&str, &str)], args: &[&str]) -> Timeline {
    observe_with(name, env, args, true)
}

fn observe_with(name: &str, env: &[(&str, &str)], args: &[&str], trace: bool) -> Timeline {
    let mut spec = RunSpec {
        args: args.iter().map(|a| a.to_string()).collect(),
        timeout: Duration::from_secs(60),
        trace_syscalls: trace,
        ..RunSpec::default()
    };
    for (k, v) in env {
        spec.set(k, v).expect("a valid setting");
    }
    observe(&built(name), toolchain(), &spec).unwrap_or_else(|e| panic!("running {name}: {e}"))
}

/// `gomemlab` (the binary under test) on the toolchain under test.
pub fn gomemlab() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"));
    cmd.env("GOMEMLAB_GO", &toolchain().go);
    cmd
}

/// Pids of live processes whose command line contains `marker`.
pub fn processes_with(marker: &str) -> Vec<i32> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.filter_map(Result::ok) {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        // A zombie has an empty cmdline, so it is not counted as alive.
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if text.contains(marker) && pid != std::process::id() as i32 {
            found.push(pid);
        }
    }
    found
}

/// Waits up to `limit` for `cond` to become true.
pub fn eventually(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

/// A hold duration nobody else uses, to find this test's fixture in /proc.
pub fn unique_hold(salt: u32) -> String {
    format!("{}ms", 600_000 + (std::process::id() % 10_000) * 10 + salt)
}

/// The stdout of a command that must have succeeded; otherwise the test fails
/// showing both streams.
pub fn stdout_of_success(out: &std::process::Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A new folder holding one file `name` with `text` (e.g. an experiment
/// file of the test's own).
pub fn dir_with_file(name: &str, text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join(name), text).expect("write the file");
    dir
}

/// Copies a folder tree (a recorded results folder, the bundled fixtures).
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("create the copy's folder");
    for entry in std::fs::read_dir(from).expect("read the folder to copy") {
        let entry = entry.expect("a folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("its file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}
