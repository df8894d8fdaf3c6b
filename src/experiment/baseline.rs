//! What `--baseline` names (a Go version measured alongside, or a results
//! folder kept by `reproduce --out`) and what `reproduce` makes ready for it
//! before anything runs. Which claims changed against it is
//! `report::baseline`.

use std::path::{Path, PathBuf};

use crate::experiment::Experiment;
use crate::experiment::results::{Column, JudgeError, JudgeNote, Judging};

/// What `--baseline` names.
#[derive(Debug, Clone)]
pub enum Baseline {
    /// A Go version measured in the same invocation (`go1.26` or `go1.26.8`).
    Go(String),
    /// A results folder kept by `reproduce --out`, judged again.
    Dir(PathBuf),
}

impl Baseline {
    /// A folder when one exists at `arg`, else a Go version.
    pub fn of(arg: &str) -> Baseline {
        if Path::new(arg).is_dir() {
            Baseline::Dir(PathBuf::from(arg))
        } else {
            Baseline::Go(arg.to_string())
        }
    }
}

/// Why a baseline cannot be compared with.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error(
        "--baseline {version}: not a results folder and not among the Go versions here ({versions}): give one of them, or a folder kept by `reproduce --out`"
    )]
    NotHere { version: String, versions: String },
    #[error(
        "--baseline {version}: every column is that version, nothing to compare: give the new Go version too"
    )]
    NothingElse { version: String },
    #[error("--baseline {dir}: the folder was not loaded")]
    NotLoaded { dir: String },
    #[error(
        "--baseline {version} needs the new version too: give --go NEW (or a results folder as the baseline)"
    )]
    NoNewVersion { version: String },
    #[error(transparent)]
    Judge(#[from] JudgeError),
}

/// A Go-version baseline needs its column and at least one other.
pub fn check_split(version: &str, columns: &[Column]) -> Result<(), BaselineError> {
    let (base, others) = split(columns, version);
    if base.is_empty() {
        let versions: Vec<&str> = columns.iter().map(|c| c.go_version.as_str()).collect();
        return Err(BaselineError::NotHere {
            version: version.to_string(),
            versions: versions.join(", "),
        });
    }
    if others.is_empty() {
        return Err(BaselineError::NothingElse {
            version: version.to_string(),
        });
    }
    Ok(())
}

/// Whether `version` (`go1.26.8`) is what `want` names: itself or its
/// minor (`go1.26`).
pub fn names(want: &str, version: &str) -> bool {
    version == want
        || version
            .strip_prefix(want)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The columns of `version`: the baseline, and the others.
pub fn split<'a>(columns: &'a [Column], version: &str) -> (Vec<&'a Column>, Vec<&'a Column>) {
    columns.iter().partition(|c| names(version, &c.go_version))
}

/// What `reproduce --baseline` makes ready before anything runs.
#[derive(Debug)]
pub struct BaselinePlan {
    /// What `--baseline` names (a Go version: see [`BaselinePlan::pin_go`]).
    pub guard: Option<Baseline>,
    /// The Go versions to run: `--go`, and the baseline's version if missing.
    pub gos: Vec<String>,
    /// The baseline folder as a column, judged with this run's experiments.
    pub kept: Option<Column>,
}

impl BaselinePlan {
    /// The plan for `--baseline arg` with `--go go`: a folder is judged now
    /// with `experiments` (as the new results will be); a Go version is
    /// added to the versions run, and needs another beside it.
    pub fn new(
        arg: Option<&str>,
        go: &[String],
        experiments: &[Experiment],
        note: &mut dyn FnMut(JudgeNote),
    ) -> Result<BaselinePlan, BaselineError> {
        let mut gos = go.to_vec();
        let guard = arg.map(Baseline::of);
        let kept = match &guard {
            Some(Baseline::Dir(dir)) => {
                let judging = Judging {
                    experiments,
                    given: Some(Path::new("this run's experiments")),
                };
                Some(judging.column(dir, note)?)
            }
            Some(Baseline::Go(v)) if gos.is_empty() => {
                return Err(BaselineError::NoNewVersion { version: v.clone() });
            }
            Some(Baseline::Go(v)) => {
                if !gos.contains(v) {
                    gos.push(v.clone());
                }
                None
            }
            None => None,
        };
        Ok(BaselinePlan { guard, gos, kept })
    }

    /// A Go-version baseline becomes the version its toolchain is
    /// (`go1.26`: its latest patch), as `resolve` finds it, not every
    /// version of that minor run here.
    pub fn pin_go<E>(&mut self, resolve: impl FnOnce(&str) -> Result<String, E>) -> Result<(), E> {
        if let Some(Baseline::Go(v)) = &mut self.guard {
            *v = resolve(v)?;
        }
        Ok(())
    }

    /// Checks a Go-version baseline against the columns that will run.
    pub fn check(&self, columns: &[Column]) -> Result<(), BaselineError> {
        match &self.guard {
            Some(Baseline::Go(v)) => check_split(v, columns),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::machine::Machine;

    fn column(go_version: &str) -> Column {
        Column {
            go_version: go_version.to_string(),
            machine: Machine::here().clone(),
            results: Vec::new(),
        }
    }

    fn plan(arg: &str, go: &[&str]) -> Result<BaselinePlan, BaselineError> {
        let go: Vec<String> = go.iter().map(|g| g.to_string()).collect();
        BaselinePlan::new(Some(arg), &go, &[], &mut |_| panic!("nothing to note"))
    }

    #[test]
    fn a_go_baseline_runs_beside_the_new_version_once() {
        let err = plan("go1.26", &[]).expect_err("no new version");
        assert!(matches!(err, BaselineError::NoNewVersion { .. }), "{err}");
        let mut p = plan("go1.26", &["go1.27.1"]).expect("a plan");
        assert_eq!(p.gos, ["go1.27.1", "go1.26"]);
        assert_eq!(
            plan("go1.26", &["go1.26", "go1.27.1"])
                .expect("a plan")
                .gos
                .len(),
            2
        );
        p.pin_go(|v| Ok::<_, ()>(format!("{v}.8")))
            .expect("resolved");
        assert!(matches!(&p.guard, Some(Baseline::Go(v)) if v == "go1.26.8"));
        p.check(&[column("go1.26.8"), column("go1.27.1")])
            .expect("both here");
        let alone = p.check(&[column("go1.26.8")]).expect_err("nothing else");
        assert!(
            matches!(alone, BaselineError::NothingElse { .. }),
            "{alone}"
        );
    }

    #[test]
    fn no_baseline_runs_what_go_names() {
        let go = vec!["go1.26.8".to_string()];
        let mut p = BaselinePlan::new(None, &go, &[], &mut |_| {}).expect("a plan");
        assert_eq!(p.gos, go);
        p.pin_go(|_| Err("not called")).expect("nothing to resolve");
        p.check(&[]).expect("nothing to check");
        assert!(p.guard.is_none() && p.kept.is_none());
    }
}
