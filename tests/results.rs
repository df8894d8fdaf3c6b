//! `reproduce` never loses results (a phase that never happened, a fixture
//! that does not build, Ctrl-C), and `--out DIR` keeps what `report DIR`
//! judges again without running.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn gomemlab() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"));
    cmd.env("GOMEMLAB_GO", &common::toolchain().go)
        .env_remove("GOMEMLAB_EXPERIMENTS");
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An idle experiment with two settings rows: the first skips the `ended` phase.
const SKIPS_A_PHASE: &str = r#"title = "idle, one row skips a phase"
article = "001"
fixture = "idle"
args = ["-hold", "10ms"]
repeats = 1
timeout = "20s"

[[settings]]
args = []

[[settings]]
args = ["-end"]

[[claim]]
id = "rss-at-end"
says = "the ended phase is small"
check = ["os.rss@ended <= 64MiB"]

[[claim]]
id = "rss-at-start"
says = "the started phase is small"
check = ["os.rss@started <= 64MiB"]
"#;

fn experiments(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    dir
}

/// The verdict column of the row of `claim` in `settings`.
fn verdict_of(table: &str, claim: &str, settings: &str) -> String {
    let row = table
        .lines()
        .find(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols.first() == Some(&claim) && cols.get(2) == Some(&settings)
        })
        .unwrap_or_else(|| panic!("no row {claim} [{settings}] in\n{table}"));
    row.split_whitespace().nth(3).unwrap().to_string()
}

#[test]
fn a_phase_that_never_happened_is_an_error_verdict_and_the_rest_is_judged() {
    let dir = experiments(&[("idle.toml", SKIPS_A_PHASE)]);
    let out = gomemlab()
        .args(["reproduce", "--experiments"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert_eq!(verdict_of(&stdout, "rss-at-end", "defaults"), "error");
    assert!(
        stdout.contains("idle.toml:17:") && stdout.contains("phase `ended` never happened"),
        "{stdout}"
    );
    assert_eq!(verdict_of(&stdout, "rss-at-start", "defaults"), "holds");
    assert_eq!(verdict_of(&stdout, "rss-at-end", "-end"), "holds");
    assert_eq!(verdict_of(&stdout, "rss-at-start", "-end"), "holds");
    assert!(stdout.contains("1 error"), "{stdout}");
}

/// A copy of the bundled fixtures plus `broken`, which does not compile.
fn fixtures_with_a_broken_one() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("go-fixtures");
    common::copy_dir(&src.join("probe"), &dir.path().join("probe"));
    common::copy_dir(&src.join("idle"), &dir.path().join("idle"));
    std::fs::copy(src.join("go.mod"), dir.path().join("go.mod")).unwrap();
    std::fs::create_dir(dir.path().join("broken")).unwrap();
    std::fs::write(
        dir.path().join("broken/main.go"),
        "package main\n\nfunc main() { undefinedThing() }\n",
    )
    .unwrap();
    dir
}

#[test]
fn a_fixture_that_does_not_build_is_an_error_verdict_and_the_rest_is_judged() {
    let fixtures = fixtures_with_a_broken_one();
    let broken = r#"title = "does not build"
article = "001"
fixture = "broken"
[[claim]]
id = "broken-claim"
says = "never judged"
check = ["os.rss@started <= 64MiB"]
"#;
    let dir = experiments(&[("a-broken.toml", broken), ("idle.toml", SKIPS_A_PHASE)]);
    let out = gomemlab()
        .env("GOMEMLAB_FIXTURES", fixtures.path())
        .args(["reproduce", "--json", "--experiments"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["experiment"], "a-broken");
    let claim = &v[0]["cells"][0]["claims"][0];
    assert_eq!(claim["verdict"], "error");
    let reason = claim["reason"].as_str().unwrap();
    assert!(
        reason.contains("did not build") && reason.contains("undefinedThing"),
        "{reason}"
    );
    // The next experiment still ran and was judged.
    assert_eq!(v[1]["experiment"], "idle");
    assert_eq!(v[1]["cells"][1]["claims"][0]["verdict"], "holds");
}

#[test]
fn ctrl_c_stops_the_running_fixture_and_prints_what_finished() {
    let hold = common::unique_hold(7);
    let slow = format!(
        "title = \"long\"\narticle = \"001\"\nfixture = \"idle\"\nargs = [\"-hold\", \"{hold}\"]\n\
         repeats = 1\ntimeout = \"900s\"\n[[claim]]\nid = \"slow-claim\"\nsays = \"never judged\"\n\
         check = [\"os.rss@started <= 64MiB\"]\n"
    );
    // Timing-independent experiments run first, so the fast one has
    // finished when the slow (timing-sensitive) one starts.
    let fast = format!("timing = \"independent\"\n{SKIPS_A_PHASE}");
    let dir = experiments(&[("a-fast.toml", &fast), ("b-slow.toml", &slow)]);
    let results = tempfile::tempdir().unwrap();
    let out_dir = results.path().join("out");
    let child = gomemlab()
        .args(["reproduce", "--experiments"])
        .arg(dir.path())
        .arg("--out")
        .arg(&out_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the slow fixture runs: the fast experiment has finished.
    let running = common::eventually(Duration::from_secs(60), || {
        !common::processes_with(&hold).is_empty()
    });
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT).unwrap();
    let out: Output = child.wait_with_output().unwrap();
    assert!(running, "the slow fixture never started");
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(130), "{stdout}{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(verdict_of(&stdout, "rss-at-start", "-end"), "holds");
    assert!(!stdout.contains("slow-claim"), "{stdout}");
    assert!(
        common::eventually(Duration::from_secs(5), || common::processes_with(&hold)
            .is_empty()),
        "the fixture outlived gomemlab"
    );
    // What finished is kept, and the manifest says the rest is missing.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["interrupted"], true);
    assert_eq!(manifest["experiments"], serde_json::json!(["a-fast"]));
}

fn results_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("results");
    (dir, out)
}

#[test]
fn report_judges_the_kept_runs_into_the_same_table() {
    let (_tmp, out) = results_dir();
    let run = gomemlab()
        .args(["reproduce", "--only", "idle-rss-small", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let table = common::stdout_of_success(&run);
    for repeat in 1..=3 {
        let t = out.join(format!("idle/defaults/{repeat}/timeline.json"));
        assert!(t.is_file(), "{} missing", t.display());
    }
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "gomemlab-results/1");
    assert!(manifest["machine"]["cpus"].as_u64().unwrap() >= 1);
    assert!(out.join("results.json").is_file());
    // No Go at all: report runs nothing.
    let report = gomemlab()
        .env("GOMEMLAB_GO", "/no/such/go")
        .env("PATH", "")
        .arg("report")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(common::stdout_of_success(&report), table);
    let json = gomemlab()
        .args(["report", "--json"])
        .arg(&out)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&common::stdout_of_success(&json)).unwrap();
    assert_eq!(v[0]["cells"][0]["claims"][0]["id"], "idle-rss-small");
}

#[test]
fn out_is_checked_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let busy = tmp.path().join("busy");
    std::fs::create_dir(&busy).unwrap();
    std::fs::write(busy.join("notes.txt"), "mine").unwrap();
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let cases = [
        (&busy, "not a gomemlab results folder", "reproduce"),
        (&file, "a-file", "reproduce"),
        (&busy, "not a gomemlab results folder", "run"),
    ];
    for (out, says, command) in cases {
        let mut cmd = gomemlab();
        cmd.arg(command);
        if command == "run" {
            cmd.arg("idle");
        }
        let run = cmd.arg("--out").arg(out).output().unwrap();
        let stderr = text(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.starts_with("error: ") && stderr.contains(says),
            "{stderr}"
        );
        // Nothing ran: a run or reproduce that ran prints its table.
        assert!(run.stdout.is_empty());
    }
    assert!(
        busy.join("notes.txt").is_file(),
        "a user's folder was touched"
    );
}

#[test]
fn report_of_a_folder_that_is_not_results_says_how_to_make_one() {
    let tmp = tempfile::tempdir().unwrap();
    let run = gomemlab().arg("report").arg(tmp.path()).output().unwrap();
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("reproduce --out"), "{stderr}");
}

#[test]
fn a_run_that_fails_is_an_error_verdict_with_its_reason() {
    let too_slow = r#"title = "a run that times out"
article = "001"
fixture = "idle"
args = ["-hold", "20s"]
repeats = 2
timeout = "500ms"
[[claim]]
id = "timed-out"
says = "never judged"
check = ["os.rss@started <= 64MiB"]
"#;
    let dir = experiments(&[("a-slow.toml", too_slow), ("idle.toml", SKIPS_A_PHASE)]);
    let out = gomemlab()
        .args(["reproduce", "--experiments"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    assert_eq!(verdict_of(&stdout, "timed-out", "defaults"), "error");
    assert!(
        stdout.contains("run 1 of 2 failed") && stdout.contains("timed out"),
        "{stdout}"
    );
    assert_eq!(verdict_of(&stdout, "rss-at-start", "-end"), "holds");
}

#[test]
fn two_go_versions_give_one_matrix_and_a_results_folder_each() {
    // A second toolchain: go1.21.13 when installed (CI's second version).
    let Ok(other) = gomemlab::toolchain::resolve(Some("go1.21.13")) else {
        eprintln!("skipped: go1.21.13 is not installed (scripts/install-go 1.21.13)");
        return;
    };
    let ours = common::toolchain();
    if other.version == ours.version {
        eprintln!("skipped: the Go under test is go1.21.13 already");
        return;
    }
    let dir = experiments(&[("idle.toml", SKIPS_A_PHASE)]);
    let (_tmp, out) = results_dir();
    let run = gomemlab()
        .args(["reproduce", "--experiments"])
        .arg(dir.path())
        .arg("--go")
        .arg(&ours.go)
        .args(["--go", "go1.21.13", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let table = text(&run.stdout);
    assert_eq!(run.status.code(), Some(1), "{table}{}", text(&run.stderr));
    let head: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    // Columns in version order: the Go under test may be older (go1.19).
    let mut columns = [other.version, ours.version];
    columns.sort();
    let names = columns.map(|v| v.name());
    assert_eq!(head[3..], names, "{table}");
    let row = table
        .lines()
        .find(|l| l.starts_with("rss-at-start") && l.contains("-end"))
        .unwrap();
    assert_eq!(row.matches("holds 1/1").count(), 2, "{table}");
    assert!(
        table.contains(&format!(
            "why not judged:\n  rss-at-end [defaults] on {}, {}: error,",
            names[0], names[1]
        )),
        "{table}"
    );
    for version in ["go1.21.13".to_string(), ours.version.name()] {
        assert!(
            out.join(&version).join("manifest.json").is_file(),
            "{version}"
        );
    }
    // The folder of folders reports as the same matrix.
    let report = gomemlab()
        .args(["report", "--experiments"])
        .arg(dir.path())
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(text(&report.stdout), table);
}
