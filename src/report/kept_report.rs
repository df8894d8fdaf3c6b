//! `gomemlab report DIR...` below the command line: kept results folders
//! judged again with the current experiment files (and a `--baseline`
//! folder beside them), and the files asked of them written.

use std::path::PathBuf;

use crate::experiment::baseline::Baseline;
use crate::experiment::results::{self, JudgeError, JudgeNote, Judging, MergeError, ResultsError};
use crate::experiment::select::{self, LoadError};
use crate::report::export::{ExportError, Exports};
use crate::report::html::Plots;
use crate::report::matrix::Column;

/// What `gomemlab report` asks.
pub struct ReportRequest<'a> {
    /// The results folders (or folders of them).
    pub dirs: &'a [PathBuf],
    /// `--experiments DIR`: none for the bundled ones (with the slow lane).
    pub experiments: Option<PathBuf>,
    /// `--baseline GO|DIR`.
    pub baseline: Option<&'a str>,
    /// The files asked of the kept runs (`--html`, `--plot`, `--csv`, ...).
    pub exports: &'a Exports,
}

/// The folders judged again: a column of verdicts per Go version and
/// machine, and the baseline they are compared with.
pub struct ReportedColumns {
    pub columns: Vec<Column>,
    pub baseline: Option<Baseline>,
    /// A `--baseline DIR`, judged again.
    pub kept_baseline: Option<Column>,
}

/// Why kept results folders could not be judged again or exported.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Judge(#[from] JudgeError),
    #[error(transparent)]
    Merge(#[from] MergeError),
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error(transparent)]
    Export(#[from] ExportError),
}

impl ReportedColumns {
    /// The baseline the verdicts are compared with, and its column when it
    /// is a kept folder.
    pub fn guard(&self) -> Option<(&Baseline, Option<&Column>)> {
        let baseline = self.baseline.as_ref()?;
        Some((baseline, self.kept_baseline.as_ref()))
    }
}

impl ReportRequest<'_> {
    /// Judges the folders (and a `--baseline DIR`) again, telling `note` what
    /// is worth telling, and writes the files asked of them (`command`: the
    /// command line, for the HTML page's header).
    pub fn judge_and_export(
        self,
        note: &mut dyn FnMut(JudgeNote),
        command: impl FnOnce() -> String,
    ) -> Result<ReportedColumns, ReportError> {
        let given = self.experiments.clone();
        let experiments = select::load(self.experiments, true)?;
        let judging = Judging {
            experiments: &experiments,
            given: given.as_deref(),
        };
        let baseline = self.baseline.map(Baseline::of);
        let kept_baseline = match &baseline {
            Some(Baseline::Dir(dir)) => Some(judging.column(dir, note)?),
            _ => None,
        };
        let exports = self.exports;
        exports.check()?;
        let mut plots = Plots::default();
        let mut bench = String::new();
        let columns = results::judge_folders(self.dirs, judging, note, |kept, sub| {
            exports.runs(kept, sub, &mut bench)?;
            if exports.html.is_some() {
                plots.add_kept(kept)?;
            }
            Ok::<(), ReportError>(())
        })?;
        exports.finish(&columns, &bench, &plots, command)?;
        Ok(ReportedColumns {
            columns,
            baseline,
            kept_baseline,
        })
    }
}
