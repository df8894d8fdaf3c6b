//! `gomemlab watch` on real processes: phases from output lines and from a
//! clock, GC events of a Go program, Ctrl-C keeping the record and leaving
//! no process behind, and bad input refused with one `error:` line.

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use gomemlab::timeline::Event;
use gomemlab::timeline::{Timeline, WatchEnd};

fn gomemlab() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
}

fn watch(args: &[&str]) -> Output {
    gomemlab()
        .arg("watch")
        .args(args)
        .output()
        .expect("gomemlab ran")
}

fn kept(dir: &Path) -> Timeline {
    let text = std::fs::read_to_string(dir.join("timeline.json")).expect("timeline.json kept");
    serde_json::from_str(&text).expect("the kept timeline parses")
}

fn names(tl: &Timeline) -> Vec<&str> {
    tl.phases.iter().map(|p| p.name.as_str()).collect()
}

#[test]
fn output_lines_that_match_start_phases_and_the_output_still_shows() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = dir.path().join("out");
    let script = "echo step one; sleep 0.3; echo noise; echo step two >&2; sleep 0.3";
    let done = watch(&[
        "--phase",
        r"step (\w+)",
        "--out",
        out.to_str().expect("utf-8"),
        "--",
        "sh",
        "-c",
        script,
    ]);
    let stdout = common::stdout_of_success(&done);
    let stderr = String::from_utf8_lossy(&done.stderr);
    // The program's own lines are passed through as they come.
    assert!(stdout.starts_with("step one\nnoise\n"), "{stdout}");
    assert!(stderr.contains("step two\n"), "{stderr}");
    let tl = kept(&out);
    assert_eq!(names(&tl), ["one", "two", "exit"]);
    assert!(tl.phases[1].t_ns >= tl.phases[0].t_ns + 250_000_000);
    assert!(
        tl.phases
            .iter()
            .all(|p| p.os.rss_bytes > 0 && p.os.vm_size_bytes > 0)
    );
    let w = tl.watch.as_ref().expect("a watch record");
    assert_eq!(w.ended, WatchEnd::Exited);
    assert_eq!(w.output_lines, 3);
    assert!(tl.samples.len() > 50, "{} samples", tl.samples.len());
    // The table at the end names the phases and prints the overheads.
    assert!(stdout.lines().any(|l| l.starts_with("one ")), "{stdout}");
    assert!(
        stdout.contains("overhead: fast-tier sampler CPU"),
        "{stdout}"
    );
}

#[test]
fn phase_every_makes_clock_phases_and_duration_ends_the_watch() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = dir.path().join("out");
    let started = std::time::Instant::now();
    let done = watch(&[
        "--phase-every",
        "300ms",
        "--duration",
        "1100ms",
        "--out",
        out.to_str().expect("utf-8"),
        "--",
        "sleep",
        "30",
    ]);
    common::stdout_of_success(&done);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "--duration stopped it"
    );
    let tl = kept(&out);
    // Phases every 300 ms for 1.1 s: t+0.9s comes 200 ms before the end, which
    // a busy machine (both cores loaded) can miss; the first two may not be.
    let got = names(&tl);
    let every = ["t+0.3s", "t+0.6s", "t+0.9s"];
    assert!(
        got.len() >= 2 && every.starts_with(&got),
        "phases every 300 ms in 1.1 s: {got:?}"
    );
    let w = tl.watch.as_ref().expect("a watch record");
    assert_eq!(w.ended, WatchEnd::Duration);
    assert!(!w.slow.is_empty(), "the slow tier was read");
}

#[test]
fn a_go_program_gets_its_gc_events_and_its_probe_lines_as_phases() {
    let built = common::built("churn");
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = dir.path().join("out");
    let plot = dir.path().join("plot.svg");
    let done = watch(&[
        "--phase",
        r#""phase":"(\w+)""#,
        "--out",
        out.to_str().expect("utf-8"),
        "--plot",
        plot.to_str().expect("utf-8"),
        "--",
        built.binary.to_str().expect("utf-8"),
        "-live-mib",
        "20",
        "-churn-mib",
        "200",
    ]);
    common::stdout_of_success(&done);
    let stderr = String::from_utf8_lossy(&done.stderr);
    // gomemlab turned gctrace on for the watch: its lines are not shown.
    assert!(!stderr.lines().any(|l| l.starts_with("gc ")), "{stderr}");
    let tl = kept(&out);
    let cycles = tl
        .events
        .iter()
        .filter(|e| matches!(e, Event::Gc(_)))
        .count();
    assert!(cycles >= 3, "{cycles} GC cycles from 200 MiB of garbage");
    assert!(
        !tl.phases.is_empty(),
        "the probe's by-hand lines became phases"
    );
    assert!(tl.settings.env["GODEBUG"].contains("gctrace=1"));
    let svg = std::fs::read_to_string(&plot).expect("the plot");
    assert!(
        svg.lines().any(|l| l.trim().starts_with("GC (")),
        "a GC lane"
    );
}

#[test]
fn ctrl_c_keeps_the_record_and_leaves_no_process_behind() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = dir.path().join("out");
    let marker = format!("watchmarker{}", std::process::id());
    // A child that ignores SIGINT, and a grandchild: both must go.
    let script =
        format!("trap '' INT; sleep 300 & echo {marker} ready; while :; do sleep 0.05; done");
    let child = gomemlab()
        .args(["watch", "--phase", "(ready)", "--out"])
        .arg(&out)
        .args(["--", "sh", "-c", &script, &marker])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gomemlab started");
    assert!(
        common::eventually(Duration::from_secs(20), || common::processes_with(&marker)
            .len()
            >= 2),
        "the watched program started"
    );
    std::thread::sleep(Duration::from_millis(500));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .expect("SIGINT sent");
    let done = child.wait_with_output().expect("gomemlab ended");
    let stdout = common::stdout_of_success(&done);
    assert!(stdout.contains("stopped by Ctrl-C"), "{stdout}");
    let tl = kept(&out);
    assert_eq!(
        tl.watch.as_ref().map(|w| w.ended),
        Some(WatchEnd::Interrupted)
    );
    assert_eq!(names(&tl), ["ready"]);
    assert!(
        common::eventually(Duration::from_secs(5), || common::processes_with(&marker)
            .is_empty()),
        "left behind: {:?}",
        common::processes_with(&marker)
    );
}

#[test]
fn bad_input_is_one_error_line_and_exit_2() {
    let cases: [&[&str]; 4] = [
        &[],
        &["--"],
        &["--phase", "step (", "--", "true"],
        &["--", "gomemlab-no-such-command"],
    ];
    for args in cases {
        let done = watch(args);
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(2), "{args:?}: {stderr}");
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{args:?}: {stderr}");
        assert!(done.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn a_phase_regex_that_matches_nothing_says_so() {
    let done = watch(&[
        "--phase",
        "step (\\w+)",
        "--",
        "sh",
        "-c",
        "echo hello; sleep 0.2",
    ]);
    let stdout = String::from_utf8_lossy(&done.stdout);
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{stderr}");
    assert!(
        stdout.contains("(no phases: --phase REGEX takes them"),
        "{stdout}"
    );
    assert!(
        stderr.contains("note: no output line matched --phase `step (\\w+)`"),
        "{stderr}"
    );
    // A command that matches gets no such note.
    let matched = watch(&[
        "--phase",
        "(hello)",
        "--",
        "sh",
        "-c",
        "echo hello; sleep 0.2",
    ]);
    let stderr = String::from_utf8_lossy(&matched.stderr);
    assert!(!stderr.contains("no output line matched"), "{stderr}");
}

#[test]
fn the_go_commands_package_lines_before_hidden_trace_lines_are_hidden_too() {
    // What `go run` prints while it compiles with gctrace inherited: a
    // `# package` line, then the compiler's trace lines (hidden).
    let script = "printf '# runtime\\ngc 1 @0.010s 1%%: 0.1+0.2+0.3 ms clock, 4->4->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P\\n# example.com/p\\n./main.go:3:1: a real message\\n' >&2";
    let done = watch(&["--", "sh", "-c", script]);
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{stderr}");
    // (The command itself is echoed on the `watching` line.)
    assert!(!stderr.lines().any(|l| l == "# runtime"), "{stderr}");
    assert!(!stderr.lines().any(|l| l.starts_with("gc 1 @")), "{stderr}");
    assert!(
        stderr.contains("# example.com/p\n./main.go:3:1: a real message"),
        "{stderr}"
    );
}

/// A Go module outside the repo whose program makes 12 GC cycles (10
/// forced, 2 by allocation; `GODEBUG=gctrace=1` on the binary alone says
/// 12) and prints three phase lines.
fn gc_program(dir: &Path) {
    std::fs::write(dir.join("go.mod"), "module example.com/gcprog\n\ngo 1.21\n")
        .expect("go.mod written");
    let main = r#"package main

import (
	"fmt"
	"runtime"
	"time"
)

var keep [][]byte

func main() {
	fmt.Println("phase start")
	for i := 0; i < 10; i++ {
		keep = append(keep, make([]byte, 8<<20))
		runtime.GC()
	}
	fmt.Println("phase collected")
	time.Sleep(50 * time.Millisecond)
	fmt.Println("phase done")
	time.Sleep(50 * time.Millisecond)
}
"#;
    std::fs::write(dir.join("main.go"), main).expect("main.go written");
}

#[test]
fn watch_go_run_like_run_json_toolchain_no_go_view_and_the_programs_own_gcs() {
    let dir = tempfile::tempdir().unwrap();
    gc_program(dir.path());
    let go = common::toolchain();
    let done = watch_json_go_run(dir.path(), &path_with(go))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(done.status.success(), "{stderr}");
    // stdout is the JSON alone; the program's lines went to stderr.
    let tl: Timeline = serde_json::from_slice(&done.stdout).unwrap();
    assert!(stderr.contains("phase collected"), "{stderr}");
    assert_eq!(names(&tl), ["start", "collected", "done", "exit"]);
    // The Go on PATH, recorded.
    assert_eq!(tl.toolchain.version, go.version.name());
    // No Go view written: no probe.
    let raw: serde_json::Value = serde_json::from_slice(&done.stdout).unwrap();
    assert!(raw["phases"][0].get("go").is_none(), "{}", raw["phases"][0]);
    // The table counts the program's 12 cycles, not the go command's.
    let text = gomemlab::report::watch::watch_table(&tl);
    assert!(text.contains(", 12 GC cycles,"), "{text}");
}

#[test]
fn watch_go_run_leaves_the_build_untraced_so_no_trace_line_is_cached_for_later_builds() {
    // A package no build has seen (its source is new), so the watch's
    // `go run` compiles and links it, and the plain `go run` after it finds
    // both in the Go build cache and replays what they printed then. Were
    // the compiler and linker given the watch's gctrace, their trace lines
    // would be kept there and printed by every later build of it (go1.24+
    // caches what `go run` links).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("go.mod"),
        "module example.com/fresh\n\ngo 1.21\n",
    )
    .unwrap();
    let salt = format!("{:?}", std::time::SystemTime::now());
    let main = format!(
        "package main\n\nimport \"fmt\"\n\nvar salt = {salt:?}\n\nfunc main() {{ fmt.Println(\"phase done\", len(salt)) }}\n"
    );
    std::fs::write(dir.path().join("main.go"), main).unwrap();
    let go = common::toolchain();
    let path = path_with(go);
    let watched = watch_json_go_run(dir.path(), &path)
        .env_remove("GODEBUG")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&watched.stderr);
    assert!(watched.status.success(), "{stderr}");
    let tl: Timeline = serde_json::from_slice(&watched.stdout).unwrap();
    assert_eq!(names(&tl), ["done", "exit"]);
    let plain = Command::new(&go.go)
        .current_dir(dir.path())
        .env("PATH", &path)
        .env("GOTOOLCHAIN", "local")
        .env_remove("GODEBUG")
        .args(["run", "."])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&plain.stderr);
    assert!(plain.status.success(), "{stderr}");
    assert!(
        !stderr.lines().any(gomemlab::run::watch::is_trace),
        "trace lines replayed from the build cache:\n{stderr}"
    );
}

/// PATH with `go`'s bin folder first, then the system's.
fn path_with(go: &gomemlab::toolchain::Toolchain) -> String {
    let bin = go.go.parent().unwrap_or(Path::new("/usr/local/go/bin"));
    format!("{}:/usr/bin:/bin", bin.display())
}

/// `gomemlab watch --json --phase 'phase (\w+)' -- go run .` in `dir`.
fn watch_json_go_run(dir: &Path, path: &str) -> Command {
    let mut watch = gomemlab();
    watch.current_dir(dir).env("PATH", path).args([
        "watch",
        "--json",
        "--phase",
        r"phase (\w+)",
        "--",
        "go",
        "run",
        ".",
    ]);
    watch
}
