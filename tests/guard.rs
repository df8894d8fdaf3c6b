//! `reproduce --shard K/N` (the shards' results folders merge into the
//! one-run table) and the guard for a new Go release (`--baseline`).

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

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
            if l.contains(" verdicts on ") {
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
