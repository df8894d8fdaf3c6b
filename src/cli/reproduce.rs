//! `gomemlab reproduce`: run every experiment and print the verdict table.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::UsageError;
use crate::build::fixture::Fixtures;
use crate::build::toolchain;
use crate::experiment;
use crate::experiment::reproduce::{self, Progress};
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
}

pub fn reproduce(args: ReproduceArgs) -> Result<()> {
    let fixtures = Fixtures::bundled();
    let dir = args
        .experiments
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments"));
    let mut experiments = experiment::load_dir(&dir, &fixtures.names())?;
    if args.slow {
        let slow = dir.join("slow");
        if slow.is_dir() {
            experiments.extend(experiment::load_dir(&slow, &fixtures.names())?);
        }
    }
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
    let toolchain = toolchain::resolve(args.go.as_deref())?;
    let total: usize = experiments
        .iter()
        .map(|e| e.cells.len() * e.repeats as usize)
        .sum();
    let bar = indicatif::ProgressBar::new(total as u64).with_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} runs, {elapsed} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut results = Vec::new();
    for exp in &experiments {
        let mut tick = |p: Progress| {
            let Progress::Run {
                experiment,
                settings,
                ..
            } = p;
            bar.set_message(format!("{experiment} [{settings}]"));
            bar.inc(1);
        };
        results.push(reproduce::run_experiment(
            exp, &toolchain, &fixtures, only, &mut tick,
        )?);
    }
    bar.finish_and_clear();
    let text = if args.json {
        report::results_json(&results) + "\n"
    } else {
        report::verdict_table(&results)
    };
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(())
}
