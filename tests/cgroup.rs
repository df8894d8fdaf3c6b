//! Runs under a memory cgroup (`RunSpec::memory_max`): a real fixture in a
//! real child cgroup. A limit below what the fixture touches gets it
//! OOM-killed, which is the run's outcome (not an error); the cgroup is gone
//! afterwards and no fixture process is left. On a machine where gomemlab
//! cannot make a memory cgroup, the tests print why and check that the run
//! is refused with that reason and that a `memory-max` row is `n/a`.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use gomemlab::experiment::Cell;
use gomemlab::experiment::reproduce;
use gomemlab::run::cgroup::{self, CgroupPlace};
use gomemlab::run::observe::observe;
use gomemlab::run::{RunError, RunSpec};
use gomemlab::timeline::Exit;

const MIB: u64 = 1 << 20;

/// One test at a time: each checks that no cgroup of this process is left.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn spec(limit: u64, args: &[&str]) -> RunSpec {
    RunSpec {
        args: args.iter().map(|a| a.to_string()).collect(),
        timeout: Duration::from_secs(60),
        memory_max: Some(limit),
        ..RunSpec::default()
    }
}

/// Where cgroups can be made, or `None` after checking the refusal path.
fn place_or_refusal() -> Option<CgroupPlace> {
    match cgroup::locate() {
        Ok(place) => Some(place),
        Err(why) => {
            eprintln!("no memory cgroup on this machine, checking the n/a path: {why}");
            let err = observe(
                &common::built("memlimit"),
                common::toolchain(),
                &spec(MIB << 5, &[]),
            );
            assert!(matches!(err, Err(RunError::MemoryMax { .. })), "{err:?}");
            let cell = Cell {
                env: Default::default(),
                args: vec![],
                extra_args: vec![],
                memory_max: Some(256 * MIB),
                build: Default::default(),
            };
            assert!(reproduce::unavailable(&cell).is_some_and(|r| r.contains(&why)));
            None
        }
    }
}

/// This process's child cgroups (`gomemlab-<pid>-*`) under `place`.
fn ours(place: &CgroupPlace) -> Vec<PathBuf> {
    let prefix = format!("gomemlab-{}-", std::process::id());
    std::fs::read_dir(&place.parent)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_limit_below_what_the_fixture_touches_gets_it_oom_killed_and_leaves_nothing() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(place) = place_or_refusal() else {
        return;
    };
    let built = common::built("memlimit");
    // 96 MiB of live nodes in a 48 MiB cgroup.
    let t = observe(
        &built,
        common::toolchain(),
        &spec(48 * MIB, &["-live-mib", "96"]),
    )
    .unwrap_or_else(|e| panic!("an OOM kill is an outcome, not an error: {e}"));
    assert_eq!(t.exit, Exit::Signal(9));
    assert!(t.oom_killed(), "{:?}", t.memory_limit);
    let m = t
        .memory_limit
        .unwrap_or_else(|| panic!("no memory outcome"));
    assert_eq!((m.limit_bytes, m.controller), (48 * MIB, place.controller));
    assert!(m.oom_kills >= 1, "{m:?}");
    // It was charged up to the limit (the kernel may note a page over it).
    assert!(
        m.peak_bytes
            .is_none_or(|p| (40 * MIB..=49 * MIB).contains(&p)),
        "{m:?}"
    );
    assert!(
        t.phase("ready").is_none(),
        "killed before its live heap was built"
    );
    assert!(ours(&place).is_empty(), "left behind: {:?}", ours(&place));
    let binary = built.binary.display().to_string();
    assert!(common::eventually(Duration::from_secs(2), || {
        common::processes_with(&binary).is_empty()
    }));
}

#[test]
fn under_a_limit_it_does_not_reach_the_run_ends_normally_inside_the_cgroup() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(place) = place_or_refusal() else {
        return;
    };
    let args = ["-live-mib", "16", "-churn-mib", "32"];
    let t = observe(
        &common::built("memlimit"),
        common::toolchain(),
        &spec(256 * MIB, &args),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.exit, Exit::Code(0));
    assert!(!t.oom_killed());
    let m = t
        .memory_limit
        .unwrap_or_else(|| panic!("no memory outcome"));
    assert_eq!(m.oom_kills, 0);
    // The fixture's memory was charged to the cgroup: it joined before exec.
    if let Some(peak) = m.peak_bytes {
        assert!((16 * MIB..256 * MIB).contains(&peak), "cgroup peak {peak}");
    }
    assert!(t.phase("churned").is_some());
    assert!(ours(&place).is_empty(), "left behind: {:?}", ours(&place));
}

#[test]
fn run_memory_max_prints_the_outcome_and_refuses_a_bad_size() {
    let gomemlab = || assert_cmd::Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"));
    let out = gomemlab()
        .args(["run", "idle", "--memory-max", "lots"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("--memory-max") && stderr.contains("512MiB"),
        "{stderr}"
    );
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(place) = place_or_refusal() else {
        return;
    };
    let out = gomemlab()
        .args([
            "run",
            "memlimit",
            "--memory-max",
            "48MiB",
            "--",
            "-live-mib",
            "96",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("memory-max 48MiB") && stdout.contains("OOM-killed"),
        "{stdout}"
    );
    assert!(stdout.contains("signal 9"), "{stdout}");
    // That gomemlab has exited: no cgroup of a gomemlab that is gone is left.
    assert!(stale(&place).is_empty(), "left behind: {:?}", stale(&place));
}

/// `gomemlab-<pid>-<n>` cgroups whose gomemlab process no longer exists.
fn stale(place: &CgroupPlace) -> Vec<PathBuf> {
    let dead = |name: &str| {
        let pid = name
            .strip_prefix("gomemlab-")
            .and_then(|r| r.split('-').next());
        pid.is_some_and(|p| !std::path::Path::new("/proc").join(p).exists())
    };
    std::fs::read_dir(&place.parent)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| dead(&e.file_name().to_string_lossy()))
                .map(|e| e.path())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn ctrl_c_removes_the_cgroup_and_kills_the_fixture() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let Some(place) = place_or_refusal() else {
        return;
    };
    common::built("memlimit");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .args(["run", "memlimit", "--memory-max", "256MiB", "--"])
        .args(["-live-mib", "8", "-churn-mib", "0", "-hold", "60s"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let dir = place.parent.join(format!("gomemlab-{}-0", child.id()));
    let in_cgroup =
        || std::fs::read_to_string(dir.join("cgroup.procs")).is_ok_and(|p| !p.trim().is_empty());
    let started = common::eventually(Duration::from_secs(120), in_cgroup);
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
    let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(started, "the fixture never ran in {}", dir.display());
    assert!(!status.success());
    assert!(!dir.exists(), "{} left behind", dir.display());
}
