//! The GitHub Action's shell body (scripts/gomemlab-action, called by
//! action.yml) run here as GitHub runs it: inputs as INPUT_* variables, the
//! job summary and step outputs in temp files, on an experiment about a Go
//! program outside this repository (a module `gomemlab new` wrote in a temp
//! dir), with the Go under test.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::path::Path;
use std::process::Command;

use common::toolchain;

/// Runs `scripts/gomemlab-action run` with `inputs`; (exit code, summary, outputs).
fn action(work: &Path, inputs: &[(&str, &str)]) -> (i32, String, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/gomemlab-action");
    let (summary, outputs) = (work.join("summary.md"), work.join("outputs"));
    let _ = std::fs::remove_file(&summary);
    let _ = std::fs::remove_file(&outputs);
    let mut cmd = Command::new(script);
    cmd.arg("run")
        .current_dir(work)
        .env("GOMEMLAB_BIN", assert_cmd::cargo::cargo_bin!("gomemlab"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env_remove("GOMEMLAB_GO");
    for (k, v) in inputs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    (
        out.status.code().unwrap_or(-1),
        read(&summary),
        read(&outputs),
    )
}

#[test]
fn the_action_checks_a_program_outside_the_repo_and_writes_the_summary() {
    let work = tempfile::tempdir().unwrap();
    let version = toolchain().version.name();
    // A Go module of the user's own, with an experiment about it.
    let new = common::gomemlab()
        .args(["new", "svc", "--dir", "exps"])
        .current_dir(work.path())
        .output()
        .unwrap();
    assert!(new.status.success(), "{new:?}");
    assert!(work.path().join("exps/svc/go.mod").is_file());

    let (code, summary, outputs) = action(
        work.path(),
        &[
            ("INPUT_EXPERIMENTS", "exps"),
            ("INPUT_GO", &version),
            ("INPUT_OUT", "results"),
        ],
    );
    assert_eq!(code, 0, "{summary}");
    assert!(
        summary.starts_with(&format!("### gomemlab: `exps` on {version}\n")),
        "{summary}"
    );
    // The Markdown verdict table, with the claim `gomemlab new` wrote.
    assert!(summary.contains("| `svc-resident` |"), "{summary}");
    assert!(summary.contains("holds 1/1"), "{summary}");
    assert!(outputs.contains("exit-code=0\n"), "{outputs}");
    assert!(outputs.contains("results=results\n"), "{outputs}");
    // The results folder the action uploads, readable by `gomemlab report`.
    let report = common::gomemlab()
        .args(["report", "results", "--experiments", "exps"])
        .current_dir(work.path())
        .output()
        .unwrap();
    let text = common::stdout_of_success(&report);
    assert!(text.contains("svc-resident"), "{text}");

    // Bad input fails the step and says why in the summary.
    let (code, summary, outputs) = action(
        work.path(),
        &[
            ("INPUT_EXPERIMENTS", "no-such-folder"),
            ("INPUT_GO", &version),
            ("INPUT_OUT", "results2"),
        ],
    );
    assert_eq!(code, 2, "{summary}");
    assert!(summary.contains("gomemlab failed (exit 2)"), "{summary}");
    assert!(summary.contains("no-such-folder"), "{summary}");
    assert!(outputs.contains("exit-code=2\n"), "{outputs}");
}
