//! The `gomemlab` command as a user runs it: the phase table, JSON output,
//! `--out`, and one-line errors with documented exit codes.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use assert_cmd::Command;
use predicates::prelude::*;

fn gomemlab() -> Command {
    Command::from_std(common::gomemlab())
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
        .stdout(predicate::str::contains("HeapInuse"))
        .stdout(predicate::str::contains("HeapReleased").or(predicate::str::contains("Released")))
        .stdout(predicate::str::is_match(r"(?m)^freed\s").unwrap());
}

/// The fixture's own output is kept back (stdout is the table or the JSON)
/// and shown on stderr with `--show-output`, the runtime's trace left out.
#[test]
fn run_keeps_the_fixtures_output_back_unless_asked() {
    let plain = gomemlab().args(["run", "hello"]).output().unwrap();
    let stdout = common::stdout_of_success(&plain);
    let stderr = String::from_utf8_lossy(&plain.stderr);
    assert!(
        !stdout.contains("\nhi\n") && !stderr.contains("\nhi\n"),
        "{stdout}{stderr}"
    );

    let shown = gomemlab()
        .args([
            "run",
            "hello",
            "--json",
            "--show-output",
            "--env",
            "GODEBUG=gctrace=1",
        ])
        .output()
        .unwrap();
    let stdout = common::stdout_of_success(&shown);
    serde_json::from_str::<serde_json::Value>(&stdout).expect("stdout stays the JSON alone");
    let stderr = String::from_utf8_lossy(&shown.stderr);
    assert!(
        stderr.contains("── hello wrote on stdout (3 bytes) ──\nhi\n"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("gc 1 @"),
        "the runtime's trace is not the program's output: {stderr}"
    );
}

#[test]
fn fixtures_lists_purpose_phases_and_flags() {
    let out = gomemlab().arg("fixtures").output().unwrap();
    let text = common::stdout_of_success(&out);
    let bigbytes = text
        .split("\nbigbytes\n")
        .nth(1)
        .or_else(|| text.strip_prefix("bigbytes\n"))
        .unwrap();
    assert!(
        bigbytes.starts_with("  bigbytes is the 10 x 100 MB example"),
        "{text}"
    );
    assert!(
        bigbytes.contains("  phases: start, allocated, collected, freed\n"),
        "{text}"
    );
    assert!(
        bigbytes.contains("  -count int (default 10): number of slices"),
        "{text}"
    );
    assert!(
        text.contains("  phases: start, grown-<n>, released-<n>\n"),
        "{text}"
    );
}

#[test]
fn run_passes_h_to_the_fixture_and_prints_its_usage() {
    gomemlab()
        .args(["run", "idle", "--", "-h"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Usage of idle (gomemlab run idle -- FLAGS):",
        ))
        .stdout(predicate::str::contains("-hold duration"))
        .stdout(predicate::str::contains("t (s)").not());
}

#[test]
fn a_flag_the_fixture_rejects_is_a_usage_error_with_a_hint() {
    // bigbytes' usage is longer than the stderr tail: the hint still comes.
    for fixture in ["idle", "bigbytes"] {
        gomemlab()
            .args(["run", fixture, "--", "-bogus"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "{fixture} rejected its arguments"
            )))
            .stderr(predicate::str::contains(format!(
                "`gomemlab run {fixture} -- -h` prints its flags"
            )));
    }
}

#[test]
fn pause_holds_the_fixture_and_prints_its_pid() {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .env("GOMEMLAB_GO", &common::toolchain().go)
        .args([
            "run",
            "idle",
            "--pause",
            "started=2s",
            "--",
            "-hold",
            "10ms",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let header = lines.next().unwrap().unwrap();
    assert!(header.starts_with("idle · go1."), "{header}");
    let paused = lines.next().unwrap().unwrap();
    let pid: u32 = paused
        .strip_prefix("paused at started for 2s: pid ")
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{paused}"));
    assert!(header.contains(&format!(" · pid {pid} · ")), "{header}");
    assert!(paused.contains(&format!("pmap -x {pid}")), "{paused}");
    // The fixture would exit 10 ms after `started`; held, it is still there
    // a second later, and its /proc can be read by hand.
    std::thread::sleep(std::time::Duration::from_secs(1));
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    assert!(
        status.lines().any(|l| l.starts_with("Name:\tidle-")),
        "{status}"
    );
    let rss_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!(rss_kb > 0, "{status}");
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.lines().any(|l| l.starts_with("started ")), "{table}");
}

#[test]
fn pause_needs_phase_equals_duration() {
    gomemlab()
        .args(["run", "idle", "--pause", "started"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not PHASE=DURATION"));
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
    // The fast-tier series: one string of differences per column, `count` values each.
    let samples = &v["samples"];
    let count = samples["count"].as_u64().unwrap() as usize;
    assert!(count > 0);
    for key in ["t_us", "rss_kib", "vm_size_kib"] {
        let column = samples[key].as_str().unwrap();
        assert_eq!(column.split(' ').count(), count, "samples.{key}");
    }
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
    let mut files: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    files.sort();
    // The lock file stays: it is how one writer at a time owns the folder.
    assert_eq!(
        files,
        [
            ".gomemlab.lock",
            "analysis.json",
            "manifest.json",
            "timeline.json"
        ],
        "temp files left behind"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["command"], "run");
    assert!(manifest["go_version"].as_str().unwrap().starts_with("go1."));
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
    // Each run's artifacts are in a folder of their own under --out.
    let runs = artifact_folders(dir.path());
    assert_eq!(runs.len(), 1, "{runs:?}");
    let file = runs[0].join("003-collected.pb.gz");
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
        (
            &["run", "idle", "--timeout", "0s"],
            "--timeout 0s is out of range: give a duration above 0 and at most 24h",
        ),
        (
            &["run", "idle", "--timeout", "300000000000y"],
            "is out of range: give a duration above 0 and at most 24h",
        ),
        (
            &["run", "nope", "--go", "/no/such/go"],
            "unknown fixture `nope`: the fixtures are bigbytes",
        ),
        (
            &["run", "idle", "--max-rss", "lots"],
            "--max-rss `lots` is not a size: use e.g. 512MiB or 8GiB",
        ),
        (
            &["run", "idle", "--max-rss", "0"],
            "--max-rss `0` is no room at all",
        ),
        (
            &["run", "idle", "--out", "Cargo.toml"],
            "--out Cargo.toml is a file, not a directory",
        ),
        (
            &["run", "idle", "--out", "/proc/self/no/such"],
            "cannot write in --out /proc/self/no/such",
        ),
        (
            &[
                "run",
                "idle",
                "--heap-profile",
                "all",
                "--artifacts",
                "/proc/self",
            ],
            "cannot write in --artifacts /proc/self",
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
fn an_interval_out_of_bounds_is_refused_before_anything_runs() {
    for interval in ["0", "99us", "2s", "1h"] {
        let out = gomemlab()
            .args(["run", "idle", "--interval", interval])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{interval}: {stderr}");
        let first = stderr.lines().next().unwrap_or("");
        assert!(
            first.starts_with("error: ") && first.contains("from 100us to 1s"),
            "{interval}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{interval}: nothing ran");
    }
}

#[test]
fn a_one_second_interval_ends_soon_after_the_fixture() {
    let started = std::time::Instant::now();
    let out = gomemlab()
        .args([
            "run",
            "idle",
            "--json",
            "--interval",
            "1s",
            "--timeout",
            "30s",
        ])
        .args(["--", "-hold", "1500ms"])
        .output()
        .unwrap();
    let total = started.elapsed();
    let v: serde_json::Value = serde_json::from_str(&common::stdout_of_success(&out)).unwrap();
    let fixture_s = v["duration_ns"].as_f64().unwrap() / 1e9;
    let after_s = total.as_secs_f64() - fixture_s;
    eprintln!(
        "fixture lived {fixture_s:.3} s, the run took {:.3} s ({after_s:.3} s more)",
        total.as_secs_f64()
    );
    // Generous (a busy machine, a possible build): the point is no wait for a
    // sleeping sampler long after the fixture, and never past --timeout.
    assert!(total.as_secs_f64() < 30.0, "took {total:?}");
    assert!(v["samples"]["count"].as_u64().unwrap() >= 1);
}

#[test]
fn unknown_fixture_and_failing_fixture_have_their_own_exit_codes() {
    let out = gomemlab().args(["run", "nope"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("(`gomemlab fixtures` lists them); to add one, write a main package in ")
            && stderr.contains("go-fixtures/nope/main.go"),
        "{stderr}"
    );
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
    assert!(stdout.contains("1 verdict on go1."), "{stdout}");
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
    let dir = common::dir_with_file(
        "mine.toml",
        r#"title = "my question"
article = "new"
fixture = "hello"
args = ["-hold", "10ms"]

[[claim]]
id = "my-hello-is-small"
says = "hello world stays under 16 MiB resident"
check = ["os.rss@started <= 16MiB"]
"#,
    );
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
    let dir = common::dir_with_file(
        "bad.toml",
        "title = \"t\"\narticle = \"new\"\nfixture = \"hello\"\nrepeat = 3\n",
    );
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

/// The per-run artifact folders under `dir`.
fn artifact_folders(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    found.sort();
    found
}

/// `--out` is a results folder: a second run into it replaces the first
/// whole, so its heap profiles never mix with the earlier run's.
#[test]
fn a_second_run_into_the_same_out_replaces_the_first_whole() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        gomemlab()
            .args(["run", "idle", "--heap-profile", "started", "--out"])
            .arg(dir.path())
            .args(["--", "-hold", "10ms"])
            .assert()
            .success();
    }
    let runs = artifact_folders(dir.path());
    assert_eq!(runs.len(), 1, "{runs:?}");
    let run = &runs[0];
    let name = run.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("idle-"), "{name}");
    let files: Vec<_> = std::fs::read_dir(run)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["001-started.pb.gz"], "{name}");
    // The kept timeline names the profile of the run that is there.
    let timeline = std::fs::read_to_string(dir.path().join("timeline.json")).unwrap();
    assert!(timeline.contains(&name), "the timeline points at {name}");
}

#[test]
fn max_rss_stops_a_runaway_fixture_and_says_so() {
    let out = gomemlab()
        .args(["run", "bigbytes", "--max-rss", "100MiB", "--", "-keep"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    let first = stderr.lines().next().unwrap();
    assert!(
        first.starts_with("error: `bigbytes")
            && first.contains("exceeded --max-rss 100.0 MiB (RSS 1")
            && first.contains("raise --max-rss"),
        "{stderr}"
    );
}

#[test]
fn a_crash_shows_the_go_error_line_not_only_the_dump() {
    // 1 TiB in one slice: the runtime dies with `fatal error: runtime: out
    // of memory`, then dumps every goroutine.
    let out = gomemlab()
        .args(["run", "bigbytes", "--env", "GOTRACEBACK=all", "--"])
        .args(["-count", "1", "-size", "1099511627776"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    let first = stderr.lines().next().unwrap();
    assert!(
        first.contains("failed with exit status: 2: fatal error: runtime: out of memory"),
        "{stderr}"
    );
    assert!(stderr.contains("goroutine "), "no dump tail: {stderr}");
}

#[test]
fn experiment_file_bounds_are_load_errors_before_anything_runs() {
    let head = "title = \"t\"\narticle = \"new\"\nfixture = \"hello\"\n";
    let claim = |id: &str| {
        format!("\n[[claim]]\nid = \"{id}\"\nsays = \"s\"\ncheck = [\"os.rss@started <= 16MiB\"]\n")
    };
    let cases: &[(&[(&str, String)], &str)] = &[
        (
            &[(
                "a.toml",
                format!("{head}timeout = \"300000000000y\"\n{}", claim("a")),
            )],
            "a.toml:4: timeout `300000000000y`",
        ),
        (
            &[(
                "a.toml",
                format!("{head}repeats = 4294967295\n{}", claim("a")),
            )],
            "a.toml:4: repeats = 4294967295 is out of range: give 1 to 1000",
        ),
        (
            &[(
                "a.toml",
                format!(
                    "{head}[[settings]]\nGOGC = 50\n{}when = {{ GOGCC = \"50\" }}\n",
                    claim("a")
                ),
            )],
            "a.toml:8: claim `a`: `when` key `GOGCC` is not a setting: valid are args, memory-max, GODEBUG",
        ),
        (
            &[
                ("a.toml", format!("{head}{}", claim("same"))),
                (
                    "b.toml",
                    format!("{head}\n\n{}{}", claim("other"), claim("same")),
                ),
            ],
            "b.toml:13: claim id `same` is already used at /",
        ),
        (
            &[(
                "a.toml",
                format!("{head}{}{}", claim("twice"), claim("twice")),
            )],
            "a.toml:11: claim id `twice` is already used at /",
        ),
        (
            &[(
                "a.toml",
                format!(
                    "{head}{}",
                    claim("a").replace("os.rss@started <= 16MiB", "cpu.total@started >= 0s")
                ),
            )],
            "a.toml:8: `cpu.total@started >= 0s` reads runtime/metrics /cpu/classes/, which exist from Go 1.20: give the claim `go = \">=1.20\"`",
        ),
        (
            &[(
                "a.toml",
                format!(
                    "{head}{}go = \">=1.19 <1.27\"\n",
                    claim("a").replace("os.rss@started <= 16MiB", "cpu.total@started >= 0s")
                ),
            )],
            "a.toml:8: `cpu.total@started >= 0s` reads runtime/metrics /cpu/classes/, which exist from Go 1.20: give the claim `go = \">=1.20\"` (its range `>=1.19 <1.27` does not)",
        ),
    ];
    for (files, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in *files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let out = gomemlab()
            .args(["reproduce", "--go", "/no/such/go", "--experiments"])
            .arg(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{message}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(message), "{message}: {stderr}");
        if message.contains("already used") {
            assert!(
                stderr.contains("/a.toml:6: give each claim its own id"),
                "{stderr}"
            );
        }
    }
}

#[test]
fn an_experiment_max_rss_stops_its_runs() {
    let dir = common::dir_with_file(
        "hungry.toml",
        r#"title = "a run past its RSS limit"
article = "new"
fixture = "bigbytes"
args = ["-keep", "-count", "3"]
max-rss = "50MiB"

[[claim]]
id = "never-judged"
says = "the watchdog stops the run first"
check = ["os.rss@allocated >= 1"]
"#,
    );
    let out = gomemlab()
        .args(["reproduce", "--experiments"])
        .arg(dir.path())
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The run's error reaches the user (as an `error` verdict's reason).
    assert!(all.contains("exceeded --max-rss 50.0 MiB (RSS "), "{all}");
}
