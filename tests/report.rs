//! `gomemlab report` on a recorded results folder (tests/data/), with no Go
//! at all: the replay path that tests the report formats without running.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::stdout_of_success;

/// Kept by `reproduce --only idle-rss-small hello-virt-vs-rss virt-reservation
/// --out DIR` on go1.26.8: experiments `hello` and `idle`, 3 runs each.
fn recorded() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/results-go1.26.8")
}

/// gomemlab with no Go reachable: a report that tried to build or run would fail.
fn report_of(dirs: &[&Path], args: &[&str]) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .env("PATH", "")
        .env("GOMEMLAB_GO", "/no/such/go")
        .env_remove("GOMEMLAB_EXPERIMENTS")
        .arg("report")
        .args(args)
        .args(dirs)
        .output()
        .unwrap()
}

fn report(args: &[&str]) -> Output {
    report_of(&[&recorded()], args)
}

/// A copy of the recorded folder with its manifest edited by `edit`
/// (another machine, a shard of the experiments...).
fn copy_with(to: &Path, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    common::copy_dir(&recorded(), to);
    let path = to.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut manifest);
    std::fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
    to.to_path_buf()
}

/// A folder with `idle.toml` changed since the recorded runs: the same claim,
/// on the fixture held 5 s instead of 200 ms.
fn idle_held_longer() -> tempfile::TempDir {
    common::dir_with_file(
        "idle.toml",
        r#"title = "idle, held longer now"
article = "001"
fixture = "idle"
args = ["-hold", "5s"]
[[claim]]
id = "idle-rss-small"
says = "the same check on runs the file no longer describes"
check = ["os.rss@started <= 8MiB"]
"#,
    )
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
    assert_eq!(v[1]["experiment"], "idle");
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
    let dir = common::dir_with_file(
        "hello.toml",
        r#"title = "hello world, a stricter bound"
article = "003"
fixture = "hello"
[[claim]]
id = "virt-reservation"
says = "a bound the recorded runs do not meet"
check = ["os.vm_size@started >= 100GiB"]
"#,
    );
    let out = report(&["--experiments", dir.path().to_str().unwrap()]);
    let table = stdout_of_success(&out);
    let row = table
        .lines()
        .find(|l| l.starts_with("virt-reservation "))
        .unwrap();
    assert!(row.contains("fails 0/3"), "{table}");
    assert!(!table.contains("hello-virt-vs-rss"), "{table}");
}

#[test]
fn shards_of_one_version_on_one_machine_merge_into_the_one_run_table() {
    let tmp = tempfile::tempdir().unwrap();
    let hello = copy_with(&tmp.path().join("a"), |m| {
        m["experiments"] = serde_json::json!(["hello"]);
    });
    let idle = copy_with(&tmp.path().join("b"), |m| {
        m["experiments"] = serde_json::json!(["idle"]);
    });
    let whole = stdout_of_success(&report(&[]));
    let merged = stdout_of_success(&report_of(&[&hello, &idle], &[]));
    assert_eq!(merged, whole);
    // The same experiment twice is refused, not picked.
    let twice = report_of(&[&hello, &recorded()], &[]);
    let stderr = String::from_utf8_lossy(&twice.stderr);
    assert_eq!(twice.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("experiment `hello`") && stderr.contains("give each once"),
        "{stderr}"
    );
}

#[test]
fn one_version_from_two_machines_is_shown_side_by_side() {
    let tmp = tempfile::tempdir().unwrap();
    let other = copy_with(&tmp.path().join("other"), |m| {
        m["machine"]["hostname"] = "other-host".into();
    });
    let table = stdout_of_success(&report_of(&[&recorded(), &other], &[]));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0].matches("go1.26.8").count(), 2, "{table}");
    assert!(lines[1].contains("other-host ("), "{table}");
    let row = lines
        .iter()
        .find(|l| l.starts_with("idle-rss-small "))
        .unwrap();
    assert_eq!(row.matches("holds 3/3").count(), 2, "{table}");
    let v: serde_json::Value = serde_json::from_str(&stdout_of_success(&report_of(
        &[&recorded(), &other],
        &["--json"],
    )))
    .unwrap();
    assert_eq!(v["columns"].as_array().unwrap().len(), 2);
    let hosts: Vec<&str> = v["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["machine"]["hostname"].as_str().unwrap())
        .collect();
    assert!(
        hosts.contains(&"other-host") && hosts.len() == 2,
        "{hosts:?}"
    );
    assert_eq!(v["rows"][0]["cells"][0]["verdict"], "holds");
    assert_eq!(v["rows"][0]["cells"][1]["verdict"], "holds");
}

#[test]
fn kept_runs_of_other_fixture_arguments_are_an_error_not_a_verdict() {
    let dir = idle_held_longer();
    let out = report(&["--experiments", dir.path().to_str().unwrap()]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{table}");
    let row = table
        .lines()
        .find(|l| l.starts_with("idle-rss-small "))
        .unwrap();
    assert!(row.contains(" error "), "{table}");
    assert!(
        table.contains(
            "the kept runs are of `idle -hold 200ms`, the experiment file now says `idle -hold 5s`"
        ),
        "{table}"
    );
}

#[test]
fn markdown_verdict_table_of_a_recorded_folder() {
    let md = stdout_of_success(&report(&["--markdown"]));
    // The same rows as the text table: one Markdown row per text row.
    let text = stdout_of_success(&report(&[]));
    let text_rows = text
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty() && !l.starts_with(' '))
        .count()
        - 1; // the summary line
    assert_eq!(
        md.lines().filter(|l| l.starts_with("| `")).count(),
        text_rows
    );
    insta::assert_snapshot!(md);
}

#[test]
fn markdown_matrix_of_two_versions() {
    let tmp = tempfile::tempdir().unwrap();
    let older = copy_with(&tmp.path().join("older"), |m| {
        m["go_version"] = "go1.25.0".into();
    });
    let md = stdout_of_success(&report_of(&[&recorded(), &older], &["--markdown"]));
    insta::assert_snapshot!(md);
}

#[test]
fn kept_runs_export_the_files_run_writes_mirrored_and_verdicts_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let (plot, trace, csv) = (
        tmp.path().join("plot"),
        tmp.path().join("trace"),
        tmp.path().join("csv"),
    );
    stdout_of_success(&report(&[
        "--plot",
        plot.to_str().unwrap(),
        "--perfetto",
        trace.to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]));
    // Every kept run (as runs.json lists them) has its files, at its place.
    let mut kept = 0;
    for exp in ["hello", "idle"] {
        let runs: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(recorded().join(exp).join("runs.json")).unwrap(),
        )
        .unwrap();
        for cell in runs["cells"].as_array().unwrap() {
            for repeat in 1..=cell["runs"].as_u64().unwrap() {
                kept += 1;
                let run = Path::new(exp)
                    .join(cell["dir"].as_str().unwrap())
                    .join(repeat.to_string());
                let svg = std::fs::read_to_string(plot.join(&run).join("plot.svg")).unwrap();
                assert!(svg.starts_with("<svg"), "{run:?}");
                let t: serde_json::Value = serde_json::from_str(
                    &std::fs::read_to_string(trace.join(&run).join("trace.json")).unwrap(),
                )
                .unwrap();
                assert!(!t["traceEvents"].as_array().unwrap().is_empty());
                let samples = std::fs::read_to_string(csv.join(&run).join("samples.csv")).unwrap();
                assert!(samples.starts_with("t_s,rss_bytes,"), "{samples}");
                assert!(csv.join(&run).join("phases.csv").is_file());
            }
        }
    }
    assert_eq!(kept, 6);
    insta::assert_snapshot!(std::fs::read_to_string(csv.join("verdicts.csv")).unwrap());
}

/// benchstat, pinned, built through the Go module proxy into `bin`; `None`
/// (with a notice) where Go or the proxy is not reachable, a failure in CI
/// (`CI=true`) or with GOMEMLAB_REQUIRE_BENCHSTAT set, where it must run.
fn benchstat(bin: &Path) -> Option<PathBuf> {
    const AT: &str = "golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da";
    let out = Command::new("go")
        .args(["install", AT])
        .env("GOBIN", bin)
        .output();
    let why = match out {
        Ok(o) if o.status.success() => return Some(bin.join("benchstat")),
        Ok(o) => format!(
            "`go install {AT}` failed: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => format!("no `go` to build benchstat: {e}"),
    };
    let required = std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var_os("GOMEMLAB_REQUIRE_BENCHSTAT").is_some();
    assert!(
        !required,
        "benchstat is required here (CI or GOMEMLAB_REQUIRE_BENCHSTAT): {why}"
    );
    eprintln!("skipped: {why}");
    None
}

#[test]
fn benchstat_compares_two_go_versions_from_benchfmt() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(benchstat) = benchstat(tmp.path()) else {
        return;
    };
    let older = copy_with(&tmp.path().join("older"), |m| {
        m["go_version"] = "go1.25.0".into();
    });
    let file = tmp.path().join("bench.txt");
    stdout_of_success(&report_of(
        &[&recorded(), &older],
        &["--benchfmt", file.to_str().unwrap()],
    ));
    let text = std::fs::read_to_string(&file).unwrap();
    // One line per kept run and phase: 6 runs, one phase each.
    assert_eq!(
        text.lines().filter(|l| l.starts_with("Benchmark")).count(),
        2 * 6,
        "{text}"
    );
    let out = Command::new(benchstat)
        .args(["-col", "go"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let head = stdout
        .lines()
        .find(|l| l.contains("go1.25.0"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(head.contains("go1.26.8"), "{stdout}");
    assert!(stdout.contains("peak-RSS-bytes  vs base"), "{stdout}");
    let row = stdout
        .lines()
        .find(|l| l.starts_with("Hello/defaults/started"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(row.contains("n=3"), "{stdout}");
}

#[test]
fn markdown_error_reasons_quoting_code_stay_readable() {
    let dir = idle_held_longer();
    let out = report(&["--markdown", "--experiments", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let md = String::from_utf8_lossy(&out.stdout);
    let row = md
        .lines()
        .find(|l| l.starts_with("| `idle-rss-small`"))
        .unwrap();
    assert!(
        row.ends_with("| **error** | the kept runs are of `idle -hold 200ms`, the experiment file now says `idle -hold 5s`: run reproduce again |"),
        "{md}"
    );
}
