//! No fixture outlives its run: dropped, timed out, crashed, or when the
//! harness itself is interrupted or killed; traced by ptrace or not.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

/// Spawns `sh -c SCRIPT` as a fixture (a test-only program: no probe).
fn shell_fixture(script: &str) -> Running {
    let spec = RunSpec {
        args: vec!["-c".into(), script.into()],
        timeout: Duration::from_secs(30),
        ..RunSpec::default()
    };
    Running::spawn(std::path::Path::new("/bin/sh"), &spec).unwrap()
}

#[test]
fn a_grandchild_after_setsid_dies_when_the_fixture_exits() {
    let marker = format!("1000.{}1", std::process::id());
    let mut running = shell_fixture(&format!("setsid sleep {marker} & sleep 0.3"));
    assert!(eventually(Duration::from_secs(5), || processes_with(
        &marker
    )
    .len()
        == 1));
    let deadline = Instant::now() + Duration::from_secs(30);
    // No phase report: the fixture exiting ends the wait even though the
    // grandchild still holds the report pipe.
    assert!(running.next_report(deadline).unwrap().is_none());
    running.wait(deadline).unwrap();
    assert!(
        eventually(Duration::from_secs(2), || processes_with(&marker)
            .is_empty()),
        "the setsid grandchild outlived its fixture"
    );
}

#[test]
fn a_grandchild_after_setsid_dies_when_the_run_is_dropped() {
    let marker = format!("1000.{}2", std::process::id());
    let running = shell_fixture(&format!("setsid sleep {marker} & exec sleep {marker}"));
    assert!(eventually(Duration::from_secs(5), || processes_with(
        &marker
    )
    .len()
        == 2));
    drop(running);
    assert!(
        eventually(Duration::from_secs(2), || processes_with(&marker)
            .is_empty()),
        "a process of the dropped run survived"
    );
}

#[test]
fn no_descriptor_but_stdio_and_the_probe_pipe_reaches_the_fixture() {
    // A descriptor this process opens without O_CLOEXEC.
    let leak = tempfile::NamedTempFile::new().unwrap();
    let fd = nix::fcntl::open(
        leak.path(),
        nix::fcntl::OFlag::O_RDONLY,
        nix::sys::stat::Mode::empty(),
    )
    .unwrap();
    let hold = unique_hold(5);
    let running = Running::spawn(
        &built("idle").binary,
        &spec(&["-hold", &hold], Duration::from_secs(60)),
    )
    .unwrap();
    let pid = running.pid.as_raw();
    assert!(eventually(Duration::from_secs(5), || processes_with(&hold)
        == vec![pid]));
    // 0..2 stdio, 3 and 4 the probe pipe; the rest are the Go runtime's own
    // (epoll, its wakeup pipe or eventfd, go1.25+ its cgroup CPU limit files).
    // The runtime opens and closes files while it starts (e.g. the huge page
    // size under /sys/kernel/mm), so the listing is read until it shows only
    // those, for up to 5 s: a leaked descriptor stays and still fails.
    let expected = |n: &str, t: &str| match n {
        "0" => t == "/dev/null",
        "1" | "2" | "3" | "4" => t.starts_with("pipe:"),
        _ => {
            t.starts_with("anon_inode:")
                || t.starts_with("pipe:")
                || t.starts_with("/sys/fs/cgroup/")
        }
    };
    let listing = || {
        let mut fds = Vec::new();
        for entry in std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap() {
            let entry = entry.unwrap();
            // A descriptor closed between the listing and this read is gone.
            if let Ok(target) = std::fs::read_link(entry.path()) {
                let target = target.to_string_lossy().into_owned();
                fds.push((entry.file_name().to_string_lossy().into_owned(), target));
            }
        }
        fds
    };
    let mut inherited = listing();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !inherited.iter().all(|(n, t)| expected(n, t)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        inherited = listing();
    }
    drop(running);
    drop(fd);
    let leaked = leak.path().to_string_lossy();
    assert!(
        !inherited.iter().any(|(_, t)| *t == leaked),
        "the fixture got our descriptor: {inherited:?}"
    );
    for (n, t) in &inherited {
        assert!(
            expected(n, t),
            "fd {n} -> {t} in the fixture: {inherited:?}"
        );
    }
}

/// `gomemlab fixtures --build` with a fake `go` whose build hangs, stopped
/// by `signal` once the build runs: no build process and no temp file remain.
fn interrupted_build_leaves_nothing(signal: Signal, salt: u32) {
    let dir = tempfile::tempdir().unwrap();
    let marker = format!("1000.{}{salt}", std::process::id());
    let go = dir.path().join("go");
    std::fs::write(
        &go,
        format!(
            "#!/bin/sh\ncase \"$1\" in\n  version) echo 'go version go1.26.8 linux/amd64' ;;\n  \
             env) echo go1.26.8; dirname \"$0\" ;;\n  build) sleep {marker} ;;\nesac\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&go, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let cache = dir.path().join("cache");
    let mut harness = Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .args(["fixtures", "--build", "--go"])
        .arg(&go)
        .env("GOMEMLAB_CACHE", &cache)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    assert!(
        eventually(Duration::from_secs(30), || !processes_with(&marker)
            .is_empty()),
        "the fake build never started"
    );
    kill(Pid::from_raw(harness.id() as i32), signal).unwrap();
    let status = harness.wait().unwrap();
    // It says what stopped it: exit 128 + the signal, after cleaning up.
    assert_eq!(status.code(), Some(128 + signal as i32), "{status:?}");
    assert!(
        eventually(Duration::from_secs(2), || processes_with(&marker)
            .is_empty()),
        "`go build` outlived an interrupted harness"
    );
    let left: Vec<_> = std::fs::read_dir(cache.join("fixtures/bin"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "temp files left behind: {left:?}");
}

#[test]
fn interrupting_a_build_kills_it_and_leaves_no_temp_file() {
    interrupted_build_leaves_nothing(Signal::SIGINT, 8);
}

#[test]
fn terminating_a_build_kills_it_and_leaves_no_temp_file() {
    interrupted_build_leaves_nothing(Signal::SIGTERM, 9);
}

#[test]
fn a_flood_on_stderr_is_kept_bounded() {
    // 100,000 lines, then 20 MB without a newline.
    let mut running = shell_fixture(
        "yes 'not a trace line' | head -n 100000 >&2; head -c 20000000 /dev/zero | tr '\\0' x >&2",
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    assert!(running.next_report(deadline).unwrap().is_none());
    running.wait(deadline).unwrap();
    let kept = running.take_stderr_kept();
    assert_eq!(kept.total, 100_001);
    assert!(
        kept.lines.len() <= gomemlab::run::stderr::TAIL_LINES,
        "{}",
        kept.lines.len()
    );
    let bytes: usize = kept.lines.iter().map(|l| l.text.len()).sum();
    assert!(bytes <= gomemlab::run::stderr::TAIL_BYTES, "{bytes}");
    assert!(kept.lines.last().unwrap().text.starts_with("xxxx"));
}
