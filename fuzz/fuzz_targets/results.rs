//! Fuzzes the results-folder loader (`report DIR` on a folder from another
//! machine): any folder gives a result or a one-line error, never a panic
//! or an allocation without bound, and every run it lists is a folder
//! inside the results folder.
//!
//! An input is up to six files separated by NUL bytes: `manifest.json`,
//! `x/runs.json`, `x/defaults/1/timeline.json`, `x/defaults/1/analysis.json`,
//! `experiments.json`, and the target of a symlink `x/defaults/2`.
//!
//! Run: `cd fuzz && cargo +nightly fuzz run results corpus/results -- -max_total_time=600`
//! (seeds: `python3 seeds/results.py corpus/results`).

#![no_main]

use std::path::Component;

use gomemlab::experiment::results::{self, Limits};
use libfuzzer_sys::fuzz_target;

const FILES: &[&str] = &[
    "manifest.json",
    "x/runs.json",
    "x/defaults/1/timeline.json",
    "x/defaults/1/analysis.json",
    "experiments.json",
];

const FIXTURES: &[&str] = &["hello", "idle", "churn"];

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir_in("/dev/shm") else {
        return;
    };
    let root = dir.path();
    let mut chunks = data.split(|b| *b == 0);
    for name in FILES {
        let Some(chunk) = chunks.next() else { break };
        let path = root.join(name);
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(&path, chunk);
    }
    if let Some(target) = chunks.next() {
        let target = String::from_utf8_lossy(&target[..target.len().min(200)]).into_owned();
        let _ = std::os::unix::fs::symlink(target, root.join("x/defaults/2"));
    }
    // Small limits, so that a count over them is reached by small inputs.
    let limits = Limits {
        repeats: 3,
        cells: 8,
        experiments: 4,
        ..Limits::DEFAULT
    };
    let Ok(kept) = results::load_with(root, limits) else {
        return;
    };
    let runs = kept.runs();
    assert!(runs.len() <= 4 * 8 * 3, "{} runs listed", runs.len());
    for run in &runs {
        assert!(
            run.dir.components().all(|c| matches!(c, Component::Normal(_))),
            "a run outside the folder: {}",
            run.dir.display()
        );
        let _ = kept.timeline(&run.dir);
    }
    let fixtures: Vec<String> = FIXTURES.iter().map(|s| s.to_string()).collect();
    if let Ok(Some(experiments)) = kept.kept_experiments(&fixtures) {
        let _ = kept.judge(&experiments);
    }
});
