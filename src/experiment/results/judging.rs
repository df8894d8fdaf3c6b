//! Kept runs judged again (`report DIR`, `--baseline DIR`): a results
//! folder read for judging, and the experiment files it is judged with (the
//! folder given, else the files the folder keeps, else the bundled ones).

use std::path::{Path, PathBuf};

use super::{Column, Kept, ResultsError, load};
use crate::experiment::reproduce::ExperimentResult;
use crate::experiment::{Experiment, ExperimentError};
use crate::fixture::{BuildError, Fixtures};

/// Why kept runs were not judged.
#[derive(Debug, thiserror::Error)]
pub enum JudgeError {
    #[error("{dir} is not a results folder: make one with `gomemlab reproduce --out {dir}`")]
    NotResults {
        dir: String,
        #[source]
        error: ResultsError,
    },
    #[error(
        "{dir} keeps one `gomemlab run` (its timeline.json), not experiments: report reads folders of `gomemlab reproduce --out`"
    )]
    OneRun { dir: String },
    #[error(
        "the experiment files kept in {dir} do not load: give the folder they came from with --experiments DIR"
    )]
    KeptFiles {
        dir: String,
        #[source]
        error: Box<ExperimentError>,
    },
    #[error(
        "{dir} keeps runs of {names} and none of them is among {with}: give the folder they were run with, --experiments DIR",
        names = names.join(", ")
    )]
    NoneAmong {
        dir: String,
        names: Vec<String>,
        with: String,
    },
    #[error(transparent)]
    Fixtures(#[from] BuildError),
}

/// Reads the results folder `dir` to judge it: one of `reproduce --out`,
/// not of `run --out`.
pub fn load_for_judging(dir: &Path) -> Result<Kept, JudgeError> {
    let kept = load(dir).map_err(|error| JudgeError::NotResults {
        dir: dir.display().to_string(),
        error,
    })?;
    if kept.manifest.command == "run" {
        return Err(JudgeError::OneRun {
            dir: dir.display().to_string(),
        });
    }
    Ok(kept)
}

/// What is worth telling while kept runs are judged again; the command
/// line prints each as a `note:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JudgeNote {
    /// The folder `dir` was interrupted (Ctrl-C): it keeps the experiments
    /// finished before.
    Interrupted { dir: PathBuf },
    /// The folder `dir` is judged with the `count` experiment files it
    /// keeps, which came from the folder `from`.
    OwnFiles {
        dir: PathBuf,
        count: usize,
        from: String,
    },
}

/// [`load_for_judging`], telling `note` when the folder was interrupted.
pub fn load_noting(dir: &Path, note: &mut dyn FnMut(JudgeNote)) -> Result<Kept, JudgeError> {
    let kept = load_for_judging(dir)?;
    if kept.manifest.interrupted {
        note(JudgeNote::Interrupted {
            dir: dir.to_path_buf(),
        });
    }
    Ok(kept)
}

/// What kept runs are judged with: the experiments folder given, or else
/// the files a folder keeps (its own programs), or else the bundled ones.
#[derive(Debug, Clone, Copy)]
pub struct Judging<'a> {
    pub experiments: &'a [Experiment],
    pub given: Option<&'a Path>,
}

/// The verdicts of a results folder, and with what it was judged.
#[derive(Debug)]
pub struct Judged {
    pub results: Vec<ExperimentResult>,
    /// Judged with the experiment files the folder keeps: how many, and
    /// the folder they came from.
    pub own_files: Option<(usize, String)>,
}

impl Judging<'_> {
    /// The verdicts of `kept`, judged with its own files when it keeps some
    /// and no folder was given.
    pub fn judge(&self, kept: &Kept) -> Result<Judged, JudgeError> {
        let own = match self.given {
            Some(_) => None,
            None => kept
                .kept_experiments(&Fixtures::bundled()?.names())
                .map_err(|error| JudgeError::KeptFiles {
                    dir: kept.root.display().to_string(),
                    error: Box::new(error),
                })?,
        };
        Ok(match &own {
            Some(own) => Judged {
                results: kept.judge(own),
                own_files: Some((
                    own.len(),
                    kept.files
                        .as_ref()
                        .map_or("", |f| f.dir.as_str())
                        .to_string(),
                )),
            },
            None => Judged {
                results: kept.judge(self.experiments),
                own_files: None,
            },
        })
    }

    /// The verdicts of `judged`; an error when none of the experiments
    /// `kept` ran is among those it was judged with (never an empty table).
    pub fn any(&self, kept: &Kept, judged: Judged) -> Result<Vec<ExperimentResult>, JudgeError> {
        if judged.results.is_empty() && !kept.experiments.is_empty() {
            return Err(JudgeError::NoneAmong {
                dir: kept.root.display().to_string(),
                names: kept
                    .experiments
                    .iter()
                    .map(|e| e.experiment.clone())
                    .collect(),
                with: match self.given {
                    Some(dir) => format!("the experiments in {}", dir.display()),
                    None => "the bundled experiments".to_string(),
                },
            });
        }
        Ok(judged.results)
    }

    /// The verdicts of `kept` ([`Judging::judge`], then [`Judging::any`]),
    /// telling `note` when they are judged with the files the folder keeps.
    pub fn verdicts(
        &self,
        kept: &Kept,
        note: &mut dyn FnMut(JudgeNote),
    ) -> Result<Vec<ExperimentResult>, JudgeError> {
        let judged = self.judge(kept)?;
        if let Some((count, from)) = &judged.own_files {
            note(JudgeNote::OwnFiles {
                dir: kept.root.clone(),
                count: *count,
                from: from.clone(),
            });
        }
        self.any(kept, judged)
    }

    /// The results folder `dir` loaded and judged into a column (its Go
    /// version and machine): a `--baseline DIR`.
    pub fn column(
        &self,
        dir: &Path,
        note: &mut dyn FnMut(JudgeNote),
    ) -> Result<Column, JudgeError> {
        let kept = load_noting(dir, note)?;
        let results = self.verdicts(&kept, note)?;
        Ok(Column {
            go_version: kept.manifest.go_version,
            machine: kept.manifest.machine,
            results,
        })
    }
}
