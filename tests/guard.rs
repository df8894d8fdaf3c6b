//! `reproduce --shard K/N` (the shards' results folders merge into the
//! one-run table) and the guard for a new Go release (`--baseline`).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn gomemlab() -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"));
    cmd.env_remove("GOMEMLAB_EXPERIMENTS");
    cmd
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn stdout_of_success(out: &Output) -> String {
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "{}\n{stdout}\n{}",
        out.status,
        text(&out.stderr)
    );
    stdout
}

/// A folder with the bundled hello and idle experiments, one run each.
fn cheap_experiments(root: &Path) -> PathBuf {
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    let dir = root.join("experiments");
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["hello.toml", "idle.toml"] {
        let body = std::fs::read_to_string(bundled.join(name)).unwrap();
        assert!(body.contains("repeats = 3"), "{name}");
        std::fs::write(dir.join(name), body.replace("repeats = 3", "repeats = 1")).unwrap();
    }
    dir
}

/// The verdict table without the measured values (they differ run to run):
/// claim, article, settings, verdict per row, and the summary line.
fn verdicts_only(table: &str) -> Vec<String> {
    table
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.is_empty())
        .map(|l| {
            if l.contains(" verdicts on ") || l.contains(" verdict on ") {
                return l.to_string();
            }
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols[..cols.len().min(5)].join(" ")
        })
        .collect()
}

fn kept_experiments(dir: &Path) -> serde_json::Value {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    manifest["experiments"].clone()
}

#[test]
fn two_shards_merge_into_the_one_run_table() {
    let tmp = tempfile::tempdir().unwrap();
    let exps = cheap_experiments(tmp.path());
    let mut shard_dirs = Vec::new();
    for k in ["1/2", "2/2"] {
        let out_dir = tmp.path().join(k.replace('/', "-of-"));
        let out = gomemlab()
            .arg("reproduce")
            .arg("--experiments")
            .arg(&exps)
            .args(["--shard", k, "--out"])
            .arg(&out_dir)
            .output()
            .unwrap();
        stdout_of_success(&out);
        shard_dirs.push(out_dir);
    }
    // Whole experiments, round-robin over the sorted names.
    assert_eq!(
        kept_experiments(&shard_dirs[0]),
        serde_json::json!(["hello"])
    );
    assert_eq!(
        kept_experiments(&shard_dirs[1]),
        serde_json::json!(["idle"])
    );
    let merged = stdout_of_success(
        &gomemlab()
            .arg("report")
            .arg("--experiments")
            .arg(&exps)
            .args(&shard_dirs)
            .output()
            .unwrap(),
    );
    let whole = stdout_of_success(
        &gomemlab()
            .arg("reproduce")
            .arg("--experiments")
            .arg(&exps)
            .output()
            .unwrap(),
    );
    assert_eq!(
        verdicts_only(&merged),
        verdicts_only(&whole),
        "{merged}\n{whole}"
    );
    assert!(merged.contains("3 verdicts on go"), "{merged}");
}

#[test]
fn a_bad_shard_is_one_clear_error() {
    for bad in ["0/2", "3/2", "x"] {
        let out = gomemlab()
            .args(["reproduce", "--shard", bad])
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad}: {stderr}");
        assert!(
            stderr.starts_with("error:") && stderr.contains("give K/N with 1 <= K <= N"),
            "{bad}: {stderr}"
        );
        assert!(out.stdout.is_empty(), "{bad}");
    }
}

/// Kept by `reproduce --only idle-rss-small hello-virt-vs-rss virt-reservation
/// --out DIR` on go1.26.8 (see tests/report.rs): hello and idle, 3 runs each.
fn recorded() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/results-go1.26.8")
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

/// The recorded folder as if measured on go1.27.3; with `shrink`, hello's
/// address space at start cut to 100 MiB in every run, so both hello
/// claims (VmSize >= 256 MiB, VmSize >= 100 x RSS) now fail.
fn release(to: &Path, shrink: bool) -> PathBuf {
    common::copy_dir(&recorded(), to);
    edit_json(&to.join("manifest.json"), |m| {
        m["go_version"] = "go1.27.3".into()
    });
    if shrink {
        for run in ["1", "2", "3"] {
            let timeline = to.join("hello/defaults").join(run).join("timeline.json");
            edit_json(&timeline, |t| {
                let started = t["phases"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|p| p["name"] == "started")
                    .unwrap();
                started["os"]["vm_size_bytes"] = (100u64 << 20).into();
            });
        }
    }
    to.to_path_buf()
}

/// `report` with no Go reachable: the guard over kept folders runs nothing.
fn report_of(dirs: &[&Path], args: &[&str]) -> Output {
    gomemlab()
        .env("PATH", "")
        .env("GOMEMLAB_GO", "/no/such/go")
        .arg("report")
        .args(args)
        .args(dirs)
        .output()
        .unwrap()
}

const CHANGED: [&str; 2] = [
    "  hello-virt-vs-rss [defaults] on go1.27.3: holds -> fails",
    "  virt-reservation [defaults] on go1.27.3: holds -> fails",
];

#[test]
fn report_names_the_claims_a_release_changed_and_exits_5() {
    let tmp = tempfile::tempdir().unwrap();
    let new = release(&tmp.path().join("new"), true);
    let rec = recorded();
    let by_folder = report_of(&[&new], &["--baseline", rec.to_str().unwrap()]);
    let by_version = report_of(&[&rec, &new], &["--baseline", "go1.26"]);
    for (out, baseline) in [
        (by_folder, format!("go1.26.8 ({})", rec.display())),
        (by_version, "go1.26".into()),
    ] {
        let stdout = text(&out.stdout);
        assert_eq!(out.status.code(), Some(5), "{stdout}{}", text(&out.stderr));
        let head = format!("2 claim(s) changed against the baseline {baseline}:");
        let tail: Vec<&str> = stdout.lines().skip_while(|l| *l != head).collect();
        assert_eq!(tail[1..], CHANGED, "{stdout}");
    }
    // --json: stdout stays one JSON document, the changes go to stderr.
    let out = report_of(&[&rec, &new], &["--json", "--baseline", "go1.26.8"]);
    assert_eq!(out.status.code(), Some(5));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["columns"].as_array().unwrap().len(), 2);
    assert!(
        text(&out.stderr).contains(CHANGED[1]),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn report_with_nothing_changed_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    let same = release(&tmp.path().join("same"), false);
    let rec = recorded();
    for out in [
        report_of(&[&rec, &same], &["--baseline", "go1.26.8"]),
        report_of(&[&same], &["--baseline", rec.to_str().unwrap()]),
    ] {
        let stdout = stdout_of_success(&out);
        assert!(
            stdout.contains("\nno claim changed against the baseline go1.26"),
            "{stdout}"
        );
    }
}

#[test]
fn a_baseline_that_is_not_there_is_one_clear_error() {
    let rec = recorded();
    for (dirs, baseline, says) in [
        (
            vec![rec.as_path()],
            "go1.99",
            "not among the Go versions here (go1.26.8)",
        ),
        (
            vec![rec.as_path()],
            "go1.26",
            "every column is that version",
        ),
    ] {
        let out = report_of(&dirs, &["--baseline", baseline]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.starts_with("error:") && stderr.contains(says),
            "{stderr}"
        );
    }
    let out = gomemlab()
        .args(["reproduce", "--baseline", "go1.26"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("give --go NEW"), "{stderr}");
}

/// Real runs of hello against kept folders: the recorded one (nothing
/// changed) and one where hello's claims failed (they hold again now).
#[test]
fn reproduce_against_a_kept_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let exps = cheap_experiments(tmp.path());
    // The baseline is labelled as the Go under test (GOMEMLAB_GO or PATH).
    let go = gomemlab::toolchain::resolve(None)
        .expect("a Go toolchain for the tests")
        .version
        .name();
    let shrunk = release(&tmp.path().join("shrunk"), true);
    edit_json(&shrunk.join("manifest.json"), |m| {
        m["go_version"] = go.clone().into();
    });
    let run = |baseline: &Path| {
        gomemlab()
            .arg("reproduce")
            .arg("--experiments")
            .arg(&exps)
            .args([
                "--only",
                "hello-virt-vs-rss",
                "virt-reservation",
                "--baseline",
            ])
            .arg(baseline)
            .output()
            .unwrap()
    };
    let same = stdout_of_success(&run(&recorded()));
    assert!(
        same.contains("no claim changed against the baseline"),
        "{same}"
    );
    let out = run(&shrunk);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(5), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains("2 claim(s) changed against the baseline")
            && stdout.contains(&format!(
                "  virt-reservation [defaults] on {go}: fails -> holds"
            )),
        "{stdout}"
    );
}
