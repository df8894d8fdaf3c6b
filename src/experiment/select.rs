//! Which experiments a reproduce runs (or a report judges with): those of
//! the folder given or the bundled ones, with the slow lane if asked; then
//! those with a claim of `--only` (every one without it), then those of
//! `--shard K/N`.

use std::path::{Path, PathBuf};

use crate::experiment::results::{KeptFiles, ResultsError};
use crate::experiment::shard::Shard;
use crate::experiment::{self, Experiment, ExperimentError};
use crate::fixture::BuildError;
use crate::fixture::Fixtures;
use crate::fixture::bundle::BundleError;

/// Why the experiment files were not loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Fixtures(#[from] BuildError),
    #[error(transparent)]
    Bundle(#[from] BundleError),
    #[error(transparent)]
    Experiment(Box<ExperimentError>),
}

impl From<ExperimentError> for LoadError {
    fn from(e: ExperimentError) -> LoadError {
        LoadError::Experiment(Box::new(e))
    }
}

/// The experiment files of `dir` (default: the bundled ones), with the
/// slow lane (`dir/slow/`) if asked.
pub fn load(dir: Option<PathBuf>, slow: bool) -> Result<Vec<Experiment>, LoadError> {
    let fixtures = Fixtures::bundled()?;
    let dir = match dir {
        Some(dir) => dir,
        None => crate::fixture::bundle::experiments_dir()?,
    };
    let mut experiments = experiment::load_dir(&dir, &fixtures.names())?;
    let slow_dir = dir.join("slow");
    if slow && slow_dir.is_dir() {
        experiments.extend(experiment::load_dir(&slow_dir, &fixtures.names())?);
        experiment::file::check_unique_ids(&experiments)?;
    }
    Ok(experiments)
}

/// Why the selection was refused.
#[derive(Debug, thiserror::Error)]
pub enum SelectError {
    #[error("unknown claim `{bad}` in --only: the claims are {}", known.join(", "))]
    UnknownClaim { bad: String, known: Vec<String> },
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    KeptFiles(#[from] ResultsError),
}

/// What `reproduce` is asked to run: the experiments folder (default: the
/// bundled one), the slow lane, `--only`, `--shard`, and whether every
/// phase reads `smaps_rollup` (the HTML page's plots show LazyFree).
#[derive(Debug, Clone, Copy)]
pub struct Selection<'a> {
    pub dir: Option<&'a Path>,
    pub slow: bool,
    pub only: &'a [String],
    pub shard: Option<Shard>,
    pub rollup: bool,
}

/// The experiments `reproduce` runs, and the files of a folder given, to
/// keep with the results so that `report DIR` judges them again anywhere
/// (the bundled ones it has itself).
#[derive(Debug)]
pub struct SelectedExperiments {
    pub experiments: Vec<Experiment>,
    pub kept_files: Option<KeptFiles>,
}

impl Selection<'_> {
    /// Loads the experiments, reads their files to keep, then selects.
    pub fn load(&self) -> Result<SelectedExperiments, SelectError> {
        let mut experiments = load(self.dir.map(Path::to_path_buf), self.slow)?;
        let kept_files = match self.dir {
            Some(dir) => Some(KeptFiles::read(dir, &experiments)?),
            None => None,
        };
        select(&mut experiments, self.only, self.shard)?;
        if self.rollup {
            experiments.iter_mut().for_each(|e| e.rollup = true);
        }
        Ok(SelectedExperiments {
            experiments,
            kept_files,
        })
    }
}

/// Keeps the experiments with a claim in `only` (all when it is empty), then
/// those of `shard`. Refuses a claim id that no experiment has.
pub fn select(
    experiments: &mut Vec<Experiment>,
    only: &[String],
    shard: Option<Shard>,
) -> Result<(), SelectError> {
    if !only.is_empty() {
        let known: Vec<&str> = experiments
            .iter()
            .flat_map(|e| e.claims.iter().map(|c| c.id.as_str()))
            .collect();
        if let Some(bad) = only.iter().find(|id| !known.contains(&id.as_str())) {
            return Err(SelectError::UnknownClaim {
                bad: bad.clone(),
                known: known.iter().map(|k| k.to_string()).collect(),
            });
        }
        experiments.retain(|e| e.claims.iter().any(|c| only.contains(&c.id)));
    }
    if let Some(shard) = shard {
        let names: Vec<String> = experiments.iter().map(|e| e.name.clone()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        experiments.retain(|e| shard.has(&e.name, &names));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn experiment(name: &str, claim: &str) -> Experiment {
        let text = format!(
            "title = \"t\"\narticle = \"new\"\nfixture = \"idle\"\n\n[[claim]]\nid = \"{claim}\"\nsays = \"s\"\ncheck = [\"os.rss@started <= 8MiB\"]\n"
        );
        let path = std::path::PathBuf::from(format!("{name}.toml"));
        crate::experiment::parse(&path, &text, &["idle".to_string()]).expect("parses")
    }

    fn names(e: &[Experiment]) -> Vec<&str> {
        e.iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn only_keeps_the_experiments_of_those_claims_and_refuses_unknown_ones() {
        let all = || {
            vec![
                experiment("a", "x"),
                experiment("b", "y"),
                experiment("c", "z"),
            ]
        };
        let mut e = all();
        select(&mut e, &[], None).expect("everything");
        assert_eq!(names(&e), ["a", "b", "c"]);
        select(&mut e, &["z".to_string(), "x".to_string()], None).expect("known claims");
        assert_eq!(names(&e), ["a", "c"]);
        let mut e = all();
        let err = select(&mut e, &["w".to_string()], None).expect_err("no claim w");
        assert_eq!(
            err.to_string(),
            "unknown claim `w` in --only: the claims are x, y, z"
        );
        let mut e = all();
        select(&mut e, &[], Some("2/2".parse().expect("a shard"))).expect("a shard");
        assert_eq!(names(&e), ["b"]);
    }
}
