//! `gomemlab run PATH` and experiment files naming a fixture by a path: a Go
//! program in a folder and module of its own, with or without the probe,
//! built with real Go; the user's folder is left as it was.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::Path;
use std::process::{Command, Output};

fn gomemlab(cache: &Path, args: &[&str]) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .args(args)
        .current_dir("/")
        .env("GOMEMLAB_CACHE", cache)
        .env("GOMEMLAB_TOOLCHAINS", gomemlab::toolchain::toolchains_dir())
        // Go's compile cache shared with the rest of the suite: a fresh one
        // would compile the standard library again in every test.
        .env("GOCACHE", shared_gocache())
        .env_remove("GOMEMLAB_FIXTURES")
        .env_remove("GOMEMLAB_EXPERIMENTS")
        .output()
        .unwrap()
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

fn files_of(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const WITH_PROBE: &str = r#"package main

import "gomemlab.dev/probe"

var keep []byte

func main() {
	probe.Phase("start")
	keep = make([]byte, 48<<20)
	for i := range keep {
		keep[i] = 1
	}
	probe.Phase("allocated")
}
"#;

const WITHOUT_PROBE: &str = r#"package main

import "fmt"

func main() { fmt.Println("step 1") }
"#;

/// Speaks a protocol version this gomemlab does not.
const NEWER_PROBE: &str = r#"package main

import (
	"os"
	"strconv"
	"strings"
)

func main() {
	fds := strings.Split(os.Getenv("GOMEMLAB_PROBE_FDS"), ",")
	w, _ := strconv.Atoi(fds[0])
	f := os.NewFile(uintptr(w), "report")
	f.WriteString(`{"version":2,"phase":"x","something_new":1}` + "\n")
	buf := make([]byte, 1)
	r, _ := strconv.Atoi(fds[1])
	os.NewFile(uintptr(r), "answer").Read(buf)
}
"#;

#[test]
fn a_program_of_its_own_runs_by_path_and_from_an_experiment_file() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let repo = tmp.path().join("repo");
    write(
        &repo.join("myprog/go.mod"),
        "module example.com/myprog\n\ngo 1.21\n",
    );
    write(&repo.join("myprog/main.go"), WITH_PROBE);
    let myprog = repo.join("myprog");

    let out = gomemlab(&cache, &["run", myprog.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("(go line 1.21)"), "{stdout}");
    assert!(
        stderr.contains("go line 1.21 (go.mod says go 1.21)"),
        "{stderr}"
    );
    let module = format!("module example.com/myprog ({}) ·", myprog.display());
    assert!(stderr.contains(&module), "{stderr}");
    assert!(!stderr.contains("no probe"), "{stderr}");
    let allocated = stdout.lines().find(|l| l.starts_with("allocated")).unwrap();
    assert!(
        allocated
            .split_whitespace()
            .nth(3)
            .unwrap()
            .parse::<f64>()
            .unwrap()
            >= 48.0
    );
    // Nothing was written into the user's folder.
    assert_eq!(files_of(&myprog), ["go.mod", "main.go"]);

    // The experiment names the fixture relative to its own folder.
    write(
        &repo.join("experiments/mine.toml"),
        r#"title = "mine"
article = "001"
fixture = "../myprog"
repeats = 1
timeout = "20s"

[[claim]]
id = "mine-resident"
says = "touched bytes are resident"
bound = "RSS >= 48 MiB"
check = ["os.rss@allocated >= 48MiB"]
"#,
    );
    let dir = repo.join("experiments");
    let out = gomemlab(
        &cache,
        &["reproduce", "--experiments", dir.to_str().unwrap()],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("mine-resident") && stdout.contains("holds"),
        "{stdout}"
    );
}

#[test]
fn without_the_probe_it_runs_and_says_so_and_bad_paths_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    write(
        &tmp.path().join("plain/go.mod"),
        "module plain\n\ngo 1.21\n",
    );
    write(&tmp.path().join("plain/main.go"), WITHOUT_PROBE);
    let main_go = tmp.path().join("plain/main.go");
    let out = gomemlab(&cache, &["run", main_go.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("no probe:"), "{stderr}");

    let missing = tmp.path().join("nothing-here");
    let out = gomemlab(&cache, &["run", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).1.contains("is not a Go main package"),
        "{:?}",
        text(&out)
    );

    write(&tmp.path().join("nomod/main.go"), WITHOUT_PROBE);
    let out = gomemlab(&cache, &["run", tmp.path().join("nomod").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("go mod init"), "{:?}", text(&out));
}

#[test]
fn a_probe_of_another_protocol_version_gets_one_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    write(
        &tmp.path().join("newer/go.mod"),
        "module newer\n\ngo 1.21\n",
    );
    write(&tmp.path().join("newer/main.go"), NEWER_PROBE);
    let out = gomemlab(&cache, &["run", tmp.path().join("newer").to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}\n{stderr}");
    // One `error:` line naming both versions and what to do, no backtrace.
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("probe speaks protocol 2, this gomemlab speaks 1: rebuild"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn what_new_writes_runs_unchanged_and_new_overwrites_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let dir = tmp.path().join("exps");
    let d = dir.to_str().unwrap();
    let out = gomemlab(&cache, &["new", "memq", "--dir", d]);
    assert!(out.status.success(), "{:?}", text(&out));
    assert_eq!(files_of(&dir), ["memq", "memq.toml"]);
    assert_eq!(files_of(&dir.join("memq")), ["go.mod", "main.go"]);

    let program = dir.join("memq");
    let out = gomemlab(&cache, &["run", program.to_str().unwrap()]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.lines().any(|l| l.starts_with("start")), "{stdout}");
    assert!(
        stdout.lines().any(|l| l.starts_with("allocated")),
        "{stdout}"
    );

    let out = gomemlab(&cache, &["reproduce", "--experiments", d]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("memq-resident") && stdout.contains("1 hold"),
        "{stdout}"
    );

    let before = std::fs::read(dir.join("memq.toml")).unwrap();
    let out = gomemlab(&cache, &["new", "memq", "--dir", d]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).1.contains("already exists"), "{:?}", text(&out));
    assert_eq!(std::fs::read(dir.join("memq.toml")).unwrap(), before);
    assert_eq!(files_of(&dir), ["memq", "memq.toml"]);
}

/// The Go compile cache the other tests build the fixtures with.
fn shared_gocache() -> std::path::PathBuf {
    gomemlab::fixture::Fixtures::bundled()
        .expect("the bundled fixtures")
        .go_cache_dir
}
