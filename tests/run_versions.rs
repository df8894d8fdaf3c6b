//! `gomemlab run --go A --go B`: one fixture on two real toolchains, printed
//! side by side, as a JSON array, and kept per version under `--out`.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use assert_cmd::Command;
use gomemlab::timeline::Timeline;
use gomemlab::toolchain;
use predicates::prelude::*;

fn gomemlab() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
}

/// The toolchain under test and another one: an installed toolchain of
/// another version, else go1.21.13 (fetched through the Go proxy if missing).
fn two_toolchains() -> [String; 2] {
    let ours = common::toolchain();
    let other = toolchain::list_installed()
        .into_iter()
        .find(|t| t.version != ours.version)
        .map_or_else(|| "go1.21.13".to_string(), |t| t.go().display().to_string());
    [ours.go.display().to_string(), other]
}

/// Two installed toolchains of different minors, both Go 1.21 or later
/// (which refuse any go line newer than themselves; go1.19 and go1.20 build
/// one up to 1.21), the one under test among them when it is that new.
fn two_toolchains_from_go_1_21() -> [String; 2] {
    let ours = common::toolchain();
    let mut modern: Vec<_> = toolchain::list_installed()
        .into_iter()
        .filter(|t| t.version.minor >= 21)
        .map(|t| (t.version.minor, t.go().display().to_string()))
        .collect();
    if ours.version.minor >= 21 {
        modern.insert(0, (ours.version.minor, ours.go.display().to_string()));
    }
    let first = modern.first().cloned();
    let second = first
        .as_ref()
        .and_then(|(minor, _)| modern.iter().find(|(m, _)| m != minor).cloned());
    match (first, second) {
        (Some((_, a)), Some((_, b))) => [a, b],
        (Some((21, a)), None) => [a, "go1.22.12".to_string()],
        (Some((_, a)), None) => [a, "go1.21.13".to_string()],
        (None, _) => ["go1.21.13".to_string(), "go1.22.12".to_string()],
    }
}

#[test]
fn two_versions_print_side_by_side_and_keep_each_run() {
    let [a, b] = two_toolchains();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("runs");
    let text = common::stdout_of_success(
        &gomemlab()
            .args(["run", "bigbytes", "--go", &a, "--go", &b, "--out"])
            .arg(&out)
            .args(["--", "-count", "2", "-size", "20000000"])
            .output()
            .unwrap(),
    );
    let mut kept: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    kept.sort();
    assert_eq!(kept.len(), 2, "{kept:?}");
    let mut versions = Vec::new();
    for name in &kept {
        let json = std::fs::read_to_string(out.join(name).join("timeline.json")).unwrap();
        let timeline: Timeline = serde_json::from_str(&json).unwrap();
        assert_eq!(&timeline.toolchain.version, name);
        assert!(out.join(name).join("manifest.json").is_file());
        versions.push(timeline.toolchain.version);
    }
    // The header names both versions; a row per phase has a value per version.
    let header = text.lines().nth(1).unwrap();
    assert!(
        versions.iter().all(|v| header.contains(v.as_str())),
        "{text}"
    );
    let allocated = text.lines().find(|l| l.starts_with("allocated")).unwrap();
    assert_eq!(allocated.matches('│').count(), 2, "{text}");
    assert!(!allocated.contains(" - "), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 100), "{text}");
}

#[test]
fn two_versions_in_json_are_an_array() {
    let [a, b] = two_toolchains();
    let json = common::stdout_of_success(
        &gomemlab()
            .args(["run", "hello", "--json", "--go", &a, "--go", &b])
            .args(["--", "-hold", "0s"])
            .output()
            .unwrap(),
    );
    let runs: Vec<Timeline> = serde_json::from_str(&json).unwrap();
    assert_eq!(runs.len(), 2);
    assert_ne!(runs[0].toolchain.version, runs[1].toolchain.version);
    assert!(runs.iter().all(|r| r.phase("started").is_some()));
}

#[test]
fn a_version_twice_or_a_one_run_output_is_a_usage_error() {
    // The same toolchain as a `go` binary and as its GOROOT.
    let go = &common::toolchain().go;
    let goroot = go.parent().unwrap().parent().unwrap();
    gomemlab()
        .args(["run", "hello", "--go"])
        .arg(go)
        .arg("--go")
        .arg(goroot)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("twice: give each Go version once"));
    let [a, b] = two_toolchains();
    gomemlab()
        .args(["run", "hello", "--go", &a, "--go", &b, "--plot", "x.svg"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: --plot writes one run: give one --go",
        ));
}

#[test]
fn a_version_older_than_the_programs_go_line_is_skipped_with_a_note() {
    let [a, b] = two_toolchains_from_go_1_21();
    let version = |go: &str| {
        let out = std::process::Command::new(go)
            .args(["env", "GOVERSION"])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        toolchain::GoVersion::parse(text.trim()).unwrap()
    };
    let go_of = |spec: &str| {
        if spec.starts_with("go1") {
            toolchain::list_installed()
                .into_iter()
                .find(|t| t.version.name() == spec)
                .map_or_else(|| spec.to_string(), |t| t.go().display().to_string())
        } else {
            spec.to_string()
        }
    };
    let (va, vb) = (version(&go_of(&a)), version(&go_of(&b)));
    let (newer, older) = if va > vb { (va, vb) } else { (vb, va) };
    // A program whose go line is the newer toolchain's version.
    let line = format!("{}.{}.{}", newer.major, newer.minor, newer.patch);
    let dir = tempfile::tempdir().unwrap();
    let prog = dir.path().join("prog");
    std::fs::create_dir(&prog).unwrap();
    std::fs::write(prog.join("go.mod"), format!("module p\n\ngo {line}\n")).unwrap();
    std::fs::write(
        prog.join("main.go"),
        "package main\n\nimport \"gomemlab.dev/probe\"\n\nfunc main() { probe.Phase(\"one\") }\n",
    )
    .unwrap();
    let out = gomemlab()
        .args(["run", prog.to_str().unwrap(), "--go", &a, "--go", &b])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let text = common::stdout_of_success(&out);
    let why = format!("says go {line}, newer than {}", older.name());
    assert!(
        stderr.contains("note: not run: ") && stderr.contains(&why),
        "{stderr}"
    );
    assert!(text.lines().any(|l| l.starts_with("one ")), "{text}");
    assert!(!text.contains(&older.name()), "{text}");

    // Alone, that version is one clear error.
    let older_spec = if va > vb { &b } else { &a };
    gomemlab()
        .args(["run", prog.to_str().unwrap(), "--go", older_spec])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(why))
        .stderr(predicate::str::contains("or lower the go line in go.mod"));
}
