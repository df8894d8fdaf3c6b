//! `gomemlab report DIR`: judge kept runs again with the current experiment
//! files and print the verdict table; nothing runs.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};

use super::reproduce::{load_experiments, verdicts};
use crate::experiment::results;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A results folder written by `reproduce --out DIR`.
    #[arg(value_name = "DIR", required = true)]
    dirs: Vec<PathBuf>,
    /// Print the results as JSON instead of the verdict table.
    #[arg(long)]
    json: bool,
    /// Folder of experiment files to judge with. Default: the bundled
    /// experiments/ (and its slow lane).
    #[arg(long, value_name = "DIR", env = "GOMEMLAB_EXPERIMENTS")]
    experiments: Option<PathBuf>,
}

pub fn report(args: ReportArgs) -> Result<u8> {
    let experiments = load_experiments(args.experiments, true)?;
    let [dir] = args.dirs.as_slice() else {
        anyhow::bail!(super::UsageError(
            "report takes one results folder for now".into()
        ));
    };
    let kept = results::load(dir).with_context(|| {
        format!(
            "{} is not a results folder: make one with `gomemlab reproduce --out {}`",
            dir.display(),
            dir.display()
        )
    })?;
    if kept.manifest.command == "run" {
        anyhow::bail!(super::UsageError(format!(
            "{} keeps one `gomemlab run` (its timeline.json), not experiments: report reads folders of `gomemlab reproduce --out`",
            dir.display()
        )));
    }
    if kept.manifest.interrupted {
        eprintln!(
            "note: {} was interrupted (Ctrl-C): it keeps the experiments finished before",
            dir.display()
        );
    }
    let results = kept.judge(&experiments);
    let (text, status) = verdicts(&results, args.json);
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(status)
}
