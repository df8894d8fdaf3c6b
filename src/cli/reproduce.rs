//! `gomemlab reproduce`: run every experiment and print the verdict table.
//! Experiments run on a worker thread so that Ctrl-C can stop the one
//! running and still print (and keep) every experiment finished before it.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Result;

use super::{UsageError, exit_code};
use crate::build::fixture::Fixtures;
use crate::build::toolchain;
use crate::check::claim::Verdict;
use crate::experiment::reproduce::{self, ExperimentResult, Progress};
use crate::experiment::results::{Manifest, ResultsDir};
use crate::experiment::{self, Experiment};
use crate::report;

#[derive(Debug, clap::Args)]
pub struct ReproduceArgs {
    /// Go toolchain (as for `run --go`).
    #[arg(long, value_name = "GO")]
    go: Option<String>,
    /// Print the results as JSON instead of the verdict table.
    #[arg(long)]
    json: bool,
    /// Check only these claim ids (e.g. --only madv-free-keeps-rss gogc-100-twice).
    #[arg(long, value_name = "ID", num_args = 1..)]
    only: Vec<String>,
    /// Include the slow lane (experiments/slow/: minutes-long claims).
    #[arg(long)]
    slow: bool,
    /// Folder of experiment files. Default: the bundled experiments/.
    #[arg(long, value_name = "DIR", env = "GOMEMLAB_EXPERIMENTS")]
    experiments: Option<PathBuf>,
    /// Keep every run's timeline, the results and a manifest in DIR (new,
    /// empty, or a previous results folder, which is replaced), for
    /// `gomemlab report DIR`.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// The experiment files of `dir` (default: the bundled ones), with the slow lane if asked.
pub(super) fn load_experiments(dir: Option<PathBuf>, slow: bool) -> Result<Vec<Experiment>> {
    let fixtures = Fixtures::bundled();
    let dir = dir.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments"));
    let mut experiments = experiment::load_dir(&dir, &fixtures.names())?;
    let slow_dir = dir.join("slow");
    if slow && slow_dir.is_dir() {
        experiments.extend(experiment::load_dir(&slow_dir, &fixtures.names())?);
    }
    Ok(experiments)
}

/// The verdict table (or JSON) and the exit status it gives: 1 when any verdict is `error`.
pub(super) fn verdicts(results: &[ExperimentResult], json: bool) -> (String, u8) {
    let text = if json {
        report::results_json(results) + "\n"
    } else {
        report::verdict_table(results)
    };
    let error = results
        .iter()
        .flat_map(|r| &r.cells)
        .flat_map(|c| &c.claims)
        .any(|c| c.verdict == Verdict::Error);
    (text, if error { exit_code::VERDICT_ERROR } else { 0 })
}

pub fn reproduce(args: ReproduceArgs) -> Result<u8> {
    let fixtures = Fixtures::bundled();
    let mut experiments = load_experiments(args.experiments, args.slow)?;
    let only = if args.only.is_empty() {
        None
    } else {
        let known: Vec<&str> = experiments
            .iter()
            .flat_map(|e| e.claims.iter().map(|c| c.id.as_str()))
            .collect();
        if let Some(bad) = args.only.iter().find(|id| !known.contains(&id.as_str())) {
            anyhow::bail!(UsageError(format!(
                "unknown claim `{bad}` in --only: the claims are {}",
                known.join(", ")
            )));
        }
        experiments.retain(|e| e.claims.iter().any(|c| args.only.contains(&c.id)));
        Some(args.only.as_slice())
    };
    let out = args.out.as_deref().map(ResultsDir::prepare).transpose()?;
    let toolchain = toolchain::resolve(args.go.as_deref())?;
    let mut manifest = Manifest::new("reproduce", toolchain.version.name(), &args.only);

    // Ctrl-C: the first stops the experiment running; a second exits at once.
    let stop = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register_conditional_shutdown(
        signal_hook::consts::SIGINT,
        exit_code::INTERRUPTED as i32,
        Arc::clone(&stop),
    )?;
    signal_hook::flag::register(signal_hook::consts::SIGINT, Arc::clone(&stop))?;

    let total: usize = experiments
        .iter()
        .map(|e| e.cells.len() * e.repeats as usize)
        .sum();
    let bar = indicatif::ProgressBar::new(total as u64).with_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} runs, {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut results = Vec::new();
    let mut warnings = Vec::new();
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|scope| {
        let (bar, out, toolchain, fixtures) = (&bar, &out, &toolchain, &fixtures);
        scope.spawn(move || {
            for exp in &experiments {
                let mut heard = |p: Progress| match p {
                    Progress::Run {
                        experiment,
                        settings,
                        ..
                    } => {
                        bar.set_message(format!("{experiment} [{settings}]"));
                        bar.inc(1);
                        Ok(())
                    }
                    Progress::Observed {
                        experiment,
                        settings,
                        repeat,
                        timeline,
                    } => out.as_ref().map_or(Ok(()), |dir| {
                        dir.keep_run(experiment, &settings, repeat, timeline)
                            .map_err(|e| e.to_string())
                    }),
                };
                let result = reproduce::run_experiment(exp, toolchain, fixtures, only, &mut heard);
                let kept = out.as_ref().map(|dir| dir.keep_experiment(&result));
                if tx.send((result, kept)).is_err() {
                    break;
                }
            }
        });
        let interrupted = loop {
            match rx.recv_timeout(Duration::from_millis(50)) {
                Ok((result, kept)) => {
                    match kept {
                        Some(Err(e)) => {
                            warnings.push(format!("{}: runs not kept: {e}", result.experiment))
                        }
                        Some(Ok(())) => manifest.experiments.push(result.experiment.clone()),
                        None => {}
                    }
                    results.push(result);
                }
                Err(mpsc::RecvTimeoutError::Timeout) if stop.load(Ordering::Relaxed) => break true,
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break false,
            }
        };
        if interrupted {
            manifest.interrupted = true;
            finish(bar, out.as_ref(), &mut manifest, &results, &warnings);
            eprintln!(
                "interrupted: the experiment running was stopped; the {} finished before it follow",
                results.len()
            );
            let (text, _) = verdicts(&results, args.json);
            let mut stdout = std::io::stdout();
            let _ = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush());
            // The worker is still inside a run: exit now; the fixture dies
            // with us (its parent-death signal is SIGKILL).
            std::process::exit(exit_code::INTERRUPTED.into());
        }
    });
    let kept = finish(&bar, out.as_ref(), &mut manifest, &results, &warnings);
    let (text, status) = verdicts(&results, args.json);
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(if kept {
        status
    } else {
        exit_code::VERDICT_ERROR
    })
}

/// Clears the progress bar, keeps the results (when --out) and prints
/// warnings; false when something could not be kept.
fn finish(
    bar: &indicatif::ProgressBar,
    out: Option<&ResultsDir>,
    manifest: &mut Manifest,
    results: &[ExperimentResult],
    warnings: &[String],
) -> bool {
    bar.finish_and_clear();
    manifest.go_line = results
        .iter()
        .find(|r| !r.go_line.is_empty())
        .map(|r| r.go_line.clone());
    let mut kept = warnings.is_empty();
    if let Some(dir) = out {
        if let Err(e) = dir.finish(manifest, results) {
            eprintln!(
                "warning: failed to keep the results in {}: {e}",
                dir.root.display()
            );
            kept = false;
        }
    }
    for w in warnings {
        eprintln!("warning: {w}");
    }
    kept
}
