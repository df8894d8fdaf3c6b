//! The `gomemlab` command as a user runs it: the phase table, JSON output,
//! `--out`, and one-line errors with documented exit codes.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

fn gomemlab() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"));
    cmd.env("GOMEMLAB_GO", &common::toolchain().go);
    cmd
}

#[test]
fn run_prints_the_phase_table() {
    gomemlab()
        .args([
            "run",
            "bigbytes",
            "--env",
            "GODEBUG=madvdontneed=1",
            "--",
            "-count",
            "2",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("GODEBUG=madvdontneed=1"))
        .stdout(predicate::str::contains("LazyFree"))
        .stdout(predicate::str::contains("HeapReleased").or(predicate::str::contains("Released")))
        .stdout(predicate::str::is_match(r"(?m)^freed\s").unwrap());
}

#[test]
fn json_output_has_the_documented_fields() {
    let out = gomemlab()
        .args(["run", "idle", "--json", "--", "-hold", "50ms"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&common::stdout_of_success(&out)).unwrap();
    assert!(
        v["toolchain"]["version"]
            .as_str()
            .unwrap()
            .starts_with("go1.")
    );
    let phase = &v["phases"][0];
    assert_eq!(phase["name"], "started");
    for key in ["rss_bytes", "vm_size_bytes", "hwm_bytes", "lazy_free_bytes"] {
        assert!(phase["os"][key].is_u64(), "os.{key}");
    }
    for key in [
        "heap_alloc_bytes",
        "heap_sys_bytes",
        "heap_idle_bytes",
        "heap_released_bytes",
    ] {
        assert!(phase["go"][key].is_u64(), "go.{key}");
    }
    let sample = &v["samples"][0];
    assert!(
        sample["t_ns"].is_u64() && sample["rss_bytes"].is_u64() && sample["vm_size_bytes"].is_u64()
    );
    // Untraced runs carry no syscall fields at all.
    assert!(v.get("syscalls").is_none() && v.get("trace").is_none());
}

#[test]
fn trace_syscalls_prints_a_summary_with_the_first_mmaps() {
    gomemlab()
        .args(["run", "idle", "--trace-syscalls", "--", "-hold", "10ms"])
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"(?m)^started\s").unwrap())
        .stdout(predicate::str::is_match(r"(?m)^syscalls: \d+ traced on \d+ threads").unwrap())
        .stdout(predicate::str::is_match(r"mmap \d+ · munmap \d+ · madvise \d+").unwrap())
        .stdout(predicate::str::contains(
            "mmap(NULL, 262144, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x",
        ));
}

#[test]
fn traced_json_has_the_syscalls() {
    let out = gomemlab()
        .args([
            "run",
            "idle",
            "--trace-syscalls",
            "--json",
            "--",
            "-hold",
            "10ms",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&common::stdout_of_success(&out)).unwrap();
    let first = &v["syscalls"][0];
    assert_eq!(first["syscall"], "mmap");
    assert_eq!(first["prot"], "PROT_READ|PROT_WRITE");
    assert_eq!(first["flags"], "MAP_PRIVATE|MAP_ANONYMOUS");
    assert_eq!(first["fd"], -1);
    assert!(first["t_ns"].is_u64() && first["tid"].is_i64() && first["result"].is_i64());
    assert!(v["trace"]["threads"].as_u64().unwrap() > 1);
}

#[test]
fn out_writes_a_whole_timeline_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("nested/run");
    gomemlab()
        .args(["run", "hello", "--out"])
        .arg(&out)
        .args(["--", "-hold", "10ms"])
        .assert()
        .success();
    let files: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, ["timeline.json"], "temp files left behind");
    let text = std::fs::read_to_string(out.join("timeline.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["fixture"]["name"], "hello");
}

#[test]
fn heap_profile_prints_a_summary_and_keeps_the_files_next_to_the_timeline() {
    let dir = tempfile::tempdir().unwrap();
    let out = gomemlab()
        .args([
            "run",
            "bigbytes",
            "--heap-profile",
            "collected",
            "--heap-profile",
            "nosuch",
            "--out",
        ])
        .arg(dir.path())
        .args(["--", "-count", "3"])
        .output()
        .unwrap();
    let stdout = common::stdout_of_success(&out);
    // The phase table first, then the summary: one row per profile.
    let table = stdout.find("\ncollected ").unwrap();
    let summary = stdout.find("heap profiles: 1 ").unwrap();
    assert!(table < summary, "{stdout}");
    assert!(
        stdout.contains("inuse_space inuse_objects  alloc_space alloc_objects  file"),
        "{stdout}"
    );
    let file = dir.path().join("003-collected.pb.gz");
    let row = stdout[summary..]
        .lines()
        .find(|l| l.starts_with("collected "))
        .unwrap();
    assert!(
        row.contains(" MiB ") && row.ends_with(&file.display().to_string()),
        "{row}"
    );
    assert!(
        stdout.contains("no heap profile for `nosuch`: the fixture has no such phase"),
        "{stdout}"
    );
    assert!(file.is_file());
    let text = std::fs::read_to_string(dir.path().join("timeline.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["fixture"]["build_tags"][0], "gomemlab_heapprofile");
    let phase = &v["phases"][2];
    assert_eq!(phase["name"], "collected");
    let hp = &phase["heap_profile"];
    assert!(
        hp["alloc_space_bytes"].as_u64().unwrap() >= 300_000_000,
        "{hp}"
    );
    for key in [
        "inuse_space_bytes",
        "inuse_objects",
        "alloc_objects",
        "sample_rate_bytes",
    ] {
        assert!(hp[key].is_u64(), "heap_profile.{key}");
    }
    assert!(v["phases"][0].get("heap_profile").is_none());
}

#[test]
fn bad_input_is_one_clear_line_and_exit_code_2() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["run", "idle", "--env", "LD_PRELOAD=x"],
            "not a run setting",
        ),
        (
            &["run", "idle", "--go", "/no/such/go"],
            "no Go toolchain found",
        ),
        (
            &["run", "idle", "--go", "go1.0.99"],
            "go1.0.99 is older than go1.19",
        ),
        (
            &["run", "idle", "--heap-profile", "start,end"],
            "not a phase name",
        ),
    ];
    for (args, message) in cases {
        let out = gomemlab().args(*args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(message),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn unknown_fixture_and_failing_fixture_have_their_own_exit_codes() {
    let out = gomemlab().args(["run", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("the fixtures are bigbytes"));
    let out = gomemlab()
        .args(["run", "idle", "--", "-mode", "dance"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("-mode must be sleep or spin"));
}

#[test]
fn too_old_or_broken_go_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("go");
    std::fs::write(
        &fake,
        "#!/bin/sh\n[ \"$1\" = env ] && printf 'go1.18.10\\n/fake/goroot\\n' && exit 0\n\
         echo 'go version go1.18.10 linux/amd64'\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = gomemlab()
        .args(["run", "idle", "--go"])
        .arg(&fake)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("older than go1.19"), "{stderr}");
}

#[test]
fn help_explains_every_run_flag() {
    let out = gomemlab().args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--go",
        "--env",
        "--out",
        "--json",
        "--timeout",
        "--interval",
        "--trace-syscalls",
        "--heap-profile",
        "--artifacts",
        "FIXTURE_ARGS",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}

#[test]
fn reproduce_only_narrows_the_run_and_prints_the_verdict_table() {
    let out = gomemlab()
        .args(["reproduce", "--only", "idle-rss-small"])
        .output()
        .unwrap();
    let stdout = common::stdout_of_success(&out);
    assert!(
        stdout.contains("idle-rss-small") && stdout.contains("001"),
        "{stdout}"
    );
    assert!(stdout.contains("os.rss@started <= 8MiB"), "{stdout}");
    assert!(!stdout.contains("madv-free-keeps-rss"), "{stdout}");
    assert!(stdout.contains("1 verdicts on go1."), "{stdout}");
}

#[test]
fn reproduce_refuses_an_unknown_claim_id() {
    let out = gomemlab()
        .args(["reproduce", "--only", "no-such-claim"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown claim `no-such-claim`") && stderr.contains("idle-rss-small"),
        "{stderr}"
    );
}

#[test]
fn a_new_experiment_file_is_picked_up_with_no_other_change() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("mine.toml"),
        r#"title = "my question"
article = "new"
fixture = "hello"
args = ["-hold", "10ms"]

[[claim]]
id = "my-hello-is-small"
says = "hello world stays under 16 MiB resident"
check = ["os.rss@started <= 16MiB"]
"#,
    )
    .unwrap();
    let out = gomemlab()
        .args(["reproduce", "--json", "--experiments"])
        .arg(dir.path())
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&common::stdout_of_success(&out)).unwrap();
    let claim = &v[0]["cells"][0]["claims"][0];
    assert_eq!(v[0]["experiment"], "mine");
    assert_eq!(claim["id"], "my-hello-is-small");
    assert_eq!(claim["verdict"], "holds");
    assert_eq!(claim["checks"][0]["lhs"]["unit"], "bytes");
}

#[test]
fn a_broken_experiment_file_is_one_error_line_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "title = \"t\"\narticle = \"new\"\nfixture = \"hello\"\nrepeat = 3\n",
    )
    .unwrap();
    let out = gomemlab()
        .args(["reproduce", "--experiments"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("bad.toml:4:") && stderr.contains("repeat"),
        "{stderr}"
    );
    let empty = tempfile::tempdir().unwrap();
    let out = gomemlab()
        .args(["reproduce", "--experiments"])
        .arg(empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no experiment files"));
}
