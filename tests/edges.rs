//! The fault suite of the edges: results folders as untrusted input (limits,
//! paths inside, safe names), own programs judged again after a move, one
//! writer per results folder, signals, escaping and redaction. One test per
//! class; each fails when its fix is reverted.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::gomemlab;

/// The results folder kept in tests/data (experiments `hello` and `idle`).
fn recorded() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/results-go1.26.8")
}

/// A copy of the recorded folder to spoil.
fn copy(to: &Path) -> PathBuf {
    let dir = to.join("results");
    common::copy_dir(&recorded(), &dir);
    dir
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// `report` with no Go reachable: it runs nothing.
fn report(args: &[&str], dir: &Path) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .env("PATH", "")
        .env("GOMEMLAB_GO", "/no/such/go")
        .env_remove("GOMEMLAB_EXPERIMENTS")
        .arg("report")
        .args(args)
        .arg(dir)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The `error:` line of a usage error clap reports (exit 2; clap adds a
/// blank line and "For more information").
fn usage_error(out: &Output) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(first.starts_with("error: "), "{stderr}");
    assert!(!stderr.contains("tip:"), "{stderr}");
    first.to_string()
}

/// One `error:` line, nothing else on stderr, and exit 2.
fn one_line_error(out: &Output) -> String {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}{}", text(&out.stdout));
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines.len() <= 2 && lines[0].starts_with("error: "),
        "{stderr}"
    );
    stderr
}

#[test]
fn results_folder_counts_and_sizes_are_limited_with_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy(tmp.path());
    // A trillion runs: read by count, this would allocate without bound.
    edit_json(&dir.join("idle/runs.json"), |v| {
        v["cells"][0]["runs"] = serde_json::json!(1_000_000_000_000u64);
    });
    let html = tmp.path().join("r.html");
    let out = report(&["--html", html.to_str().unwrap()], &dir);
    let err = one_line_error(&out);
    assert!(
        err.contains("idle/runs.json") && err.contains("at most 1000"),
        "{err}"
    );
    assert!(!html.exists());

    // A timeline larger than any gomemlab writes is refused unread.
    let dir = copy(&tmp.path().join("big"));
    let timeline = dir.join("idle/defaults/1/timeline.json");
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&timeline)
        .unwrap();
    file.set_len(2 << 30).unwrap(); // sparse: no disk used
    let csv = tmp.path().join("csv");
    let out = report(&["--csv", csv.to_str().unwrap()], &dir);
    let err = one_line_error(&out);
    assert!(
        err.contains("timeline.json") && err.contains("GiB at most"),
        "{err}"
    );
}

#[test]
fn paths_in_a_results_folder_stay_inside_it() {
    let tmp = tempfile::tempdir().unwrap();
    // A row kept in a folder outside (absolute, or `..`).
    for outside in ["/tmp", "../../outside"] {
        let dir = copy(&tmp.path().join(outside.replace('/', "_")));
        edit_json(&dir.join("idle/runs.json"), |v| {
            v["cells"][0]["dir"] = serde_json::json!(outside);
        });
        let out = report(&[], &dir);
        let err = one_line_error(&out);
        assert!(err.contains("not in the folder its label gives"), "{err}");
    }
    // An experiment name that is not one folder name.
    let dir = copy(&tmp.path().join("names"));
    edit_json(&dir.join("manifest.json"), |v| {
        v["experiments"] = serde_json::json!([".."]);
    });
    let err = one_line_error(&report(&[], &dir));
    assert!(err.contains("`..` cannot be a folder name"), "{err}");
    // A timeline that is a symlink to a file elsewhere.
    let dir = copy(&tmp.path().join("link"));
    let elsewhere = tmp.path().join("elsewhere.json");
    let timeline = dir.join("idle/defaults/1/timeline.json");
    std::fs::rename(&timeline, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &timeline).unwrap();
    let csv = tmp.path().join("csv");
    let out = report(&["--csv", csv.to_str().unwrap()], &dir);
    let err = one_line_error(&out);
    assert!(err.contains("is a symlink"), "{err}");
}

#[test]
fn an_experiment_named_dot_dot_is_refused_before_running() {
    let tmp = tempfile::tempdir().unwrap();
    let exps = tmp.path().join("exps");
    std::fs::create_dir_all(&exps).unwrap();
    std::fs::write(
        exps.join("...toml"),
        "title = \"t\"\narticle = \"001\"\nfixture = \"idle\"\n[[claim]]\nid = \"c\"\nsays = \"s\"\ncheck = [\"os.rss@started <= 1GiB\"]\n",
    )
    .unwrap();
    let out_dir = tmp.path().join("deep/out");
    let out = gomemlab()
        .args(["reproduce", "--experiments"])
        .arg(&exps)
        .arg("--out")
        .arg(&out_dir)
        .output()
        .unwrap();
    let err = one_line_error(&out);
    assert!(err.contains("cannot be a folder name"), "{err}");
    assert!(!tmp.path().join("deep/runs.json").exists());
    assert!(!tmp.path().join("deep/defaults").exists());
}

#[test]
fn own_program_kept_in_one_place_is_judged_again_after_a_move() {
    let tmp = tempfile::tempdir().unwrap();
    let one = tmp.path().join("one");
    let out = gomemlab()
        .args(["new", "memq", "--dir"])
        .arg(one.join("exp"))
        .output()
        .unwrap();
    common::stdout_of_success(&out);
    let out = gomemlab()
        .args(["reproduce", "--experiments"])
        .arg(one.join("exp"))
        .arg("--out")
        .arg(one.join("out"))
        .output()
        .unwrap();
    let ran = common::stdout_of_success(&out);
    assert!(ran.contains("holds 1/1"), "{ran}");
    let two = tmp.path().join("two");
    std::fs::rename(&one, &two).unwrap();
    // Without --experiments: the files kept in the folder, the program gone from where it was.
    let out = report(&[], &two.join("out"));
    let again = common::stdout_of_success(&out);
    assert_eq!(again, ran);
    assert!(text(&out.stderr).contains("experiment file(s) kept in it"));
    // With the moved experiments folder: the same verdicts.
    let exp = two.join("exp");
    let out = report(&["--experiments", exp.to_str().unwrap()], &two.join("out"));
    assert_eq!(common::stdout_of_success(&out), ran);
    // With a folder that has none of its experiments: an error, not an empty table.
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let out = report(
        &["--experiments", bundled.to_str().unwrap()],
        &two.join("out"),
    );
    let err = one_line_error(&out);
    assert!(err.contains("none of them is among"), "{err}");
}

#[test]
fn one_writer_per_results_folder_and_a_failed_run_keeps_the_previous_results() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy(tmp.path());
    let before = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    // Another writer holds the folder.
    let lock = std::fs::File::create(dir.join(".gomemlab.lock")).unwrap();
    let held = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusiveNonblock).unwrap();
    let out = gomemlab()
        .args(["run", "idle", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    let err = one_line_error(&out);
    assert!(err.contains("another gomemlab is writing to it"), "{err}");
    drop(held);
    // A run that fails leaves the previous results whole, and nothing beside.
    let out = gomemlab()
        .args(["run", "idle", "--out"])
        .arg(&dir)
        .args(["--", "-no-such-flag"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.join("manifest.json")).unwrap(),
        before
    );
    assert!(dir.join("idle/runs.json").is_file());
    let beside: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(beside, ["results"], "left beside: {beside:?}");
    // A run that works replaces them whole.
    let out = gomemlab()
        .args(["run", "idle", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    common::stdout_of_success(&out);
    assert!(dir.join("timeline.json").is_file());
    assert!(!dir.join("idle").exists());
}

/// `gomemlab run idle` held long, sent `signal` once the fixture runs.
fn interrupted_run(signal: nix::sys::signal::Signal, salt: u32) -> (Output, String) {
    let hold = common::unique_hold(salt);
    let child = gomemlab()
        .args(["run", "idle", "--", "-hold", &hold])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // gomemlab's own command line has the marker too: wait for another.
    let me = child.id() as i32;
    let running = common::eventually(Duration::from_secs(60), || {
        common::processes_with(&hold).iter().any(|p| *p != me)
    });
    assert!(running, "the fixture never started");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        common::eventually(Duration::from_secs(5), || common::processes_with(&hold)
            .is_empty()),
        "the fixture outlived gomemlab"
    );
    (out, hold)
}

#[test]
fn each_signal_to_gomemlab_says_so_and_exits_128_plus_it() {
    use nix::sys::signal::Signal;
    for (i, (signal, code)) in [
        (Signal::SIGTERM, 143),
        (Signal::SIGHUP, 129),
        (Signal::SIGINT, 130),
    ]
    .into_iter()
    .enumerate()
    {
        let (out, _) = interrupted_run(signal, 40 + i as u32);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{signal}: {stderr}");
        assert!(
            stderr.contains(&format!("interrupted by {signal}")),
            "{stderr}"
        );
        assert!(!stderr.contains("failed"), "{stderr}");
    }
}

#[test]
fn markdown_and_the_terminal_get_no_markup_or_escapes_from_a_results_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = copy(tmp.path());
    edit_json(&dir.join("manifest.json"), |v| {
        v["machine"]["hostname"] = serde_json::json!("<img src=x onerror=alert(1)>");
    });
    for exp in ["idle", "hello"] {
        edit_json(&dir.join(format!("{exp}/runs.json")), |v| {
            v["go_version"] = serde_json::json!("go1.26.8\u{1b}]0;owned\u{7}\u{1b}[2J");
        });
    }
    let other = tmp.path().join("other");
    common::copy_dir(&recorded(), &other);
    let out = Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .env("PATH", "")
        .args(["report", "--markdown"])
        .arg(&dir)
        .arg(&other)
        .output()
        .unwrap();
    let md = text(&out.stdout);
    assert!(md.contains("&lt;img src=x onerror=alert(1)&gt;"), "{md}");
    assert!(!md.contains("<img"), "{md}");
    let out = report(&[], &dir);
    let table = text(&out.stdout);
    assert!(table.contains("go1.26.8"), "{table}");
    assert!(!table.contains('\u{1b}'), "{table:?}");
}

#[test]
fn secret_values_are_kept_nowhere() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let plot = tmp.path().join("plot.svg");
    let out = gomemlab()
        .env("GOMEMLAB_REDACT", "MY_THING")
        .args(["watch", "--env", "GITHUB_TOKEN=ghp_s3cr3t"])
        .args(["--env", "MY_THING=also-s3cr3t", "--out"])
        .arg(&out_dir)
        .arg("--plot")
        .arg(&plot)
        .args(["--", "sh", "-c", "echo GITHUB_TOKEN=$GITHUB_TOKEN"])
        .output()
        .unwrap();
    common::stdout_of_success(&out);
    for file in [
        out_dir.join("timeline.json"),
        out_dir.join("manifest.json"),
        plot,
    ] {
        let kept = std::fs::read_to_string(&file).unwrap();
        assert!(!kept.contains("s3cr3t"), "{}: {kept}", file.display());
    }
    let timeline = std::fs::read_to_string(out_dir.join("timeline.json")).unwrap();
    assert!(timeline.contains("<redacted>"), "{timeline}");
}

#[test]
fn a_daemon_started_by_a_watched_command_dies_with_the_watch() {
    let marker = format!("{}", 302_000 + std::process::id() % 1000);
    let out = gomemlab()
        .args(["watch", "--", "sh", "-c"])
        .arg(format!("env -i setsid sleep {marker} & echo started"))
        .output()
        .unwrap();
    common::stdout_of_success(&out);
    let gone = common::eventually(Duration::from_secs(5), || {
        common::processes_with(&format!("sleep {marker}")).is_empty()
    });
    for pid in common::processes_with(&format!("sleep {marker}")) {
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    assert!(gone, "the daemon outlived the watch");
}

#[test]
fn an_interrupted_cold_build_leaves_no_go_build_folder_and_no_process() {
    let tmp = tempfile::tempdir().unwrap();
    let (cache, tmpdir) = (tmp.path().join("cache"), tmp.path().join("tmp"));
    std::fs::create_dir_all(&tmpdir).unwrap();
    // A cache of its own: the build is cold (Go compiles the runtime).
    let child = gomemlab()
        .env("TMPDIR", &tmpdir)
        .arg("--cache")
        .arg(&cache)
        .args(["run", "hello"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let marker = cache.display().to_string();
    let me = child.id() as i32;
    let compiling = common::eventually(Duration::from_secs(120), || {
        common::processes_with(&marker).iter().any(|p| *p != me)
    });
    assert!(compiling, "go build never started");
    std::thread::sleep(Duration::from_millis(500));
    let pid = nix::unistd::Pid::from_raw(me);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(143), "{}", text(&out.stderr));
    assert!(
        common::eventually(Duration::from_secs(5), || common::processes_with(&marker)
            .is_empty()),
        "go outlived gomemlab"
    );
    let left: Vec<_> = std::fs::read_dir(&tmpdir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}

/// An experiment file with one claim whose `field` is `value`.
fn experiment_with(field: &str, value: &str) -> tempfile::TempDir {
    let mut claim = vec![
        ("id", "c".to_string()),
        ("says", "s".to_string()),
        ("check", "[\"os.rss@started <= 1GiB\"]".to_string()),
    ];
    for (k, v) in &mut claim {
        if *k == field {
            *v = value.to_string();
        }
    }
    let mut text = "title = \"t\"\narticle = \"001\"\nfixture = \"idle\"\n[[claim]]\n".to_string();
    for (k, v) in claim {
        let v = if v.starts_with('[') {
            v
        } else {
            format!("\"{v}\"")
        };
        text += &format!("{k} = {v}\n");
    }
    common::dir_with_file("long.toml", &text)
}

#[test]
fn an_overlong_check_says_or_id_is_refused_at_load_naming_the_limit() {
    let long = format!("os.rss@started <= 1GiB{}", " ".repeat(1 << 20));
    for (field, value, at, limit) in [
        ("check", format!("[\"{long}\"]"), "long.toml:7: ", "4096"),
        ("says", "x".repeat(1 << 20), "long.toml:6: ", "4096"),
        ("id", "a".repeat(1000), "long.toml:5: ", "at most 64"),
    ] {
        let dir = experiment_with(field, &value);
        let out = gomemlab()
            .args(["reproduce", "--experiments"])
            .arg(dir.path())
            .output()
            .unwrap();
        let err = one_line_error(&out);
        assert!(err.contains(at) && err.contains(limit), "{field}: {err}");
        assert!(err.len() < 400, "{field}: the message quotes it: {err}");
    }
}

#[test]
fn a_fixture_killed_by_a_signal_shows_the_go_runtime_line() {
    let hold = common::unique_hold(50);
    let child = gomemlab()
        .args([
            "run",
            "idle",
            "--env",
            "GOTRACEBACK=crash",
            "--",
            "-hold",
            &hold,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let me = child.id() as i32;
    let mut fixture = None;
    let running = common::eventually(Duration::from_secs(60), || {
        fixture = common::processes_with(&hold).into_iter().find(|p| *p != me);
        fixture.is_some()
    });
    assert!(running, "the fixture never started");
    let fixture = fixture.unwrap();
    // Once the Go runtime catches SIGABRT (bit 6 of SigCgt): before that
    // the signal kills it silently.
    let catches = common::eventually(Duration::from_secs(60), || {
        std::fs::read_to_string(format!("/proc/{fixture}/status"))
            .ok()
            .and_then(|s| {
                let mask = s.lines().find_map(|l| l.strip_prefix("SigCgt:"))?.trim();
                u64::from_str_radix(mask, 16).ok()
            })
            .is_some_and(|mask| mask & (1 << (6 - 1)) != 0)
    });
    assert!(catches, "the fixture never caught SIGABRT");
    let pid = nix::unistd::Pid::from_raw(fixture);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGABRT).unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.contains("SIGABRT") && first.contains(": SIGABRT: abort"),
        "{stderr}"
    );
}

#[test]
fn gogc_and_gomemlimit_go_would_not_take_are_refused_and_unknown_godebug_keys_noted() {
    for (setting, says) in [
        ("GOGC=abc", "a whole percentage"),
        ("GOMEMLIMIT=1GB", "a byte count"),
    ] {
        for command in [
            vec!["run", "--env", setting, "idle"],
            vec!["watch", "--env", setting, "--", "true"],
        ] {
            let out = gomemlab().args(command).output().unwrap();
            let err = usage_error(&out);
            assert!(err.contains(setting) && err.contains(says), "{err}");
        }
    }
    let out = gomemlab()
        .args(["run", "idle", "--env", "GODEBUG=gctrce=1,madvdontneed=1"])
        .output()
        .unwrap();
    common::stdout_of_success(&out);
    let stderr = text(&out.stderr);
    // Go keeps its table of GODEBUG keys (internal/godebugs) from 1.21 on;
    // with an older toolchain there is nothing to check the keys against.
    if common::toolchain().version.minor < 21 {
        assert!(!stderr.contains("note: GODEBUG key"), "{stderr}");
        return;
    }
    assert!(
        stderr.contains("note: GODEBUG key `gctrce` is not one go1.")
            && stderr.contains("check its spelling"),
        "{stderr}"
    );
    assert!(!stderr.contains("`madvdontneed`"), "{stderr}");
}

/// `gomemlab ARGS` with `env` set; its one-line error.
fn set_up_error(env: &[(&str, &str)], args: &[&str]) -> String {
    let mut cmd = gomemlab();
    for (k, v) in env {
        cmd.env(k, v);
    }
    one_line_error(&cmd.args(args).output().unwrap())
}

#[test]
fn a_wrong_gomemlab_go_is_named_with_its_value() {
    let err = set_up_error(&[("GOMEMLAB_GO", "/nonexistent")], &["run", "idle"]);
    assert!(
        err.contains("GOMEMLAB_GO=/nonexistent") && err.contains("unset it"),
        "{err}"
    );
}

#[test]
fn a_negative_interval_gets_a_message_not_a_tip_to_pass_it_on() {
    for command in [&["run", "idle"][..], &["watch"][..]] {
        let out = gomemlab()
            .args(command)
            .args(["--interval", "-1ms", "--", "true"])
            .output()
            .unwrap();
        let err = usage_error(&out);
        assert!(
            err.contains("`-1ms` is negative") && err.contains("from 100us to 1s"),
            "{err}"
        );
    }
}

#[test]
fn a_wrong_gomemlab_fixtures_is_an_error_not_an_empty_list() {
    let empty = tempfile::tempdir().unwrap();
    for dir in [Path::new("/nonexistent"), empty.path()] {
        let shown = dir.display().to_string();
        let err = set_up_error(&[("GOMEMLAB_FIXTURES", &shown)], &["fixtures"]);
        assert!(
            err.contains(&format!("GOMEMLAB_FIXTURES={shown}")) && err.contains("unset it"),
            "{err}"
        );
    }
}

#[test]
fn a_cache_that_cannot_be_written_is_a_set_up_error_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let cache = file.join("cache").display().to_string();
    let err = set_up_error(&[("GOMEMLAB_CACHE", &cache)], &["run", "idle"]);
    assert!(err.contains("--cache DIR"), "{err}");
}

#[test]
fn a_goexperiment_from_the_environment_is_named_as_such() {
    let err = set_up_error(&[("GOEXPERIMENT", "nosuchexperiment")], &["run", "idle"]);
    assert!(
        err.contains("GOEXPERIMENT=nosuchexperiment") && err.contains("environment"),
        "{err}"
    );
}
