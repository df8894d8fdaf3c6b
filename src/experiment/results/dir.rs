//! A results folder being written (`--out DIR`): prepared (new, empty, or a
//! previous results folder, replaced), locked for one writer, filled run by
//! run beside the old one, and swapped in whole with its manifest.

use std::path::{Path, PathBuf};

use super::{
    KEPT_FILES, KeptCell, KeptExperiment, KeptFiles, Manifest, ResultsError, io, lock, others,
    read_json, remove, safe_name, slug, write_json,
};
use crate::analyze::Analyzed;
use crate::experiment::reproduce::ExperimentResult;

/// A results folder being written: locked for this process (one writer per
/// folder), written beside it, and swapped in whole when the manifest is kept.
#[derive(Debug, Clone)]
pub struct ResultsDir {
    /// Where the results end up (the `--out` folder).
    pub root: PathBuf,
    /// Where they are written until [`ResultsDir::keep_manifest`] swaps
    /// them in: a folder beside `root`, or `root` itself when none can be made.
    work: PathBuf,
    held: std::sync::Arc<lock::Held>,
}

impl ResultsDir {
    /// Checks `--out` before anything runs: creatable, and empty or a
    /// previous results folder, whose contents are then replaced whole when
    /// the new results are kept. Locks it: a second writer is refused.
    pub fn prepare(root: &Path) -> Result<ResultsDir, ResultsError> {
        std::fs::create_dir_all(root).map_err(io(root))?;
        let lock = lock::acquire(root)?;
        let previous = others(root)?;
        if !previous.is_empty() && read_json::<Manifest>(&root.join("manifest.json")).is_err() {
            return Err(ResultsError::NotOurs(root.display().to_string()));
        }
        let (work, staging) = match lock::staging(root) {
            Some((work, guard)) => (work, Some(guard)),
            None => {
                // No folder beside it (e.g. `--out .`, or a parent we cannot
                // write): replaced in place, as before.
                for path in previous {
                    remove(&path)?;
                }
                (root.to_path_buf(), None)
            }
        };
        // Fail now, not after the runs, when the folder is not writable.
        let probe = tempfile::NamedTempFile::new_in(&work).map_err(io(&work))?;
        drop(probe);
        Ok(ResultsDir {
            root: root.to_path_buf(),
            work,
            held: std::sync::Arc::new(lock::Held::new(lock, staging)),
        })
    }

    /// The results folders of runs on several toolchains (`names`, their
    /// Go versions) under `root` when given: `root` itself unless `set`,
    /// else one [`ResultsDir::prepare_set`] folder each; without `root`, none
    /// for each (at least one).
    pub fn prepare_each(
        root: Option<&Path>,
        names: &[String],
        set: bool,
    ) -> Result<Vec<Option<ResultsDir>>, ResultsError> {
        Ok(match root {
            None => vec![None; names.len().max(1)],
            Some(dir) if !set => vec![Some(ResultsDir::prepare(dir)?)],
            Some(dir) => ResultsDir::prepare_set(dir, names)?
                .into_iter()
                .map(Some)
                .collect(),
        })
    }

    /// `--out DIR` with several Go versions: a results folder per version,
    /// `DIR/<name>/`. DIR must be creatable, and empty or hold only previous
    /// results folders (which are then replaced).
    pub fn prepare_set(root: &Path, names: &[String]) -> Result<Vec<ResultsDir>, ResultsError> {
        std::fs::create_dir_all(root).map_err(io(root))?;
        let entries = others(root)?;
        if let Some(stranger) = entries
            .iter()
            .find(|p| read_json::<Manifest>(&p.join("manifest.json")).is_err())
        {
            return Err(ResultsError::NotOurs(stranger.display().to_string()));
        }
        let dirs = names
            .iter()
            .map(|n| ResultsDir::prepare(&root.join(safe_name(n)?)))
            .collect::<Result<Vec<_>, _>>()?;
        // Folders of versions not asked for this time: theirs is no longer
        // the set's (each is locked first: another writer may own it).
        for path in entries
            .iter()
            .filter(|p| !dirs.iter().any(|d| &d.root == *p))
        {
            let _lock = lock::acquire(path)?;
            remove(path)?;
        }
        Ok(dirs)
    }

    /// Keeps one run at `<experiment>/<settings>/<repeat>/`: its raw
    /// `timeline.json` and the `analysis.json` derived from it.
    pub fn keep_run(
        &self,
        experiment: &str,
        settings: &str,
        repeat: usize,
        run: &Analyzed,
    ) -> Result<(), ResultsError> {
        let dir = self
            .work
            .join(safe_name(experiment)?)
            .join(safe_name(&slug(settings))?)
            .join(repeat.to_string());
        write_json(&dir.join("timeline.json"), &run.timeline)?;
        write_json(&dir.join("analysis.json"), &run.analysis)
    }

    /// Keeps `run --out`'s one run at `DIR/timeline.json` and `DIR/analysis.json`.
    pub fn keep_timeline(&self, run: &Analyzed) -> Result<(), ResultsError> {
        write_json(&self.work.join("timeline.json"), &run.timeline)?;
        write_json(&self.work.join("analysis.json"), &run.analysis)
    }

    /// Keeps the one run of `run --out` or `watch --out`: its timeline and
    /// analysis, then `manifest`; `what` names the run in the error.
    pub fn keep_one(
        &self,
        run: &Analyzed,
        manifest: &Manifest,
        what: &'static str,
    ) -> Result<(), ResultsError> {
        self.keep_timeline(run)
            .and_then(|()| self.keep_manifest(manifest))
            .map_err(|error| ResultsError::Keep {
                what,
                dir: self.root.display().to_string(),
                error: Box::new(error),
            })
    }

    /// Keeps what an experiment ran (`<experiment>/runs.json`).
    pub fn keep_experiment(
        &self,
        r: &ExperimentResult,
        fixture_spec: &str,
    ) -> Result<(), ResultsError> {
        let kept = KeptExperiment {
            experiment: r.experiment.clone(),
            fixture: r.fixture.clone(),
            fixture_spec: Some(fixture_spec.to_string()),
            go_version: r.go_version.clone(),
            go_line: r.go_line.clone(),
            repeats: r.repeats,
            error: r.error.clone(),
            cells: r
                .cells
                .iter()
                .map(|c| KeptCell {
                    settings: c.settings.clone(),
                    dir: slug(&c.settings),
                    runs: c.runs,
                    error: c.error.clone(),
                    unavailable: c.unavailable.clone(),
                })
                .collect(),
        };
        let dir = self.work.join(safe_name(&r.experiment)?);
        write_json(&dir.join("runs.json"), &kept)
    }

    /// Keeps the experiment files the runs were made with
    /// (`experiments.json`), so `report DIR` can judge them again anywhere.
    pub fn keep_experiment_files(&self, files: &KeptFiles) -> Result<(), ResultsError> {
        write_json(&self.work.join(KEPT_FILES), files)
    }

    /// Writes the verdicts and, last, the manifest.
    pub fn finish(
        &self,
        manifest: &Manifest,
        results: &[ExperimentResult],
    ) -> Result<(), ResultsError> {
        write_json(&self.work.join("results.json"), &results)?;
        self.keep_manifest(manifest)
    }

    /// Moves `path`, written inside the results folder while the run went
    /// on (`run --heap-profile`'s folder: the fixture writes it there, and
    /// the timeline names it there), into the new results, so that it is
    /// still at `path` once they are swapped in. Nothing to do when the
    /// results are written in place or `path` is elsewhere.
    pub fn take_in(&self, path: &Path) -> Result<(), ResultsError> {
        let Ok(inside) = path.strip_prefix(&self.root) else {
            return Ok(());
        };
        if self.work == self.root || inside.as_os_str().is_empty() || !path.exists() {
            return Ok(());
        }
        let to = self.work.join(inside);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::rename(path, &to).map_err(io(path))
    }

    /// Writes the manifest, then puts the new folder in the place of the
    /// previous one in one step: a results folder from now on.
    pub fn keep_manifest(&self, manifest: &Manifest) -> Result<(), ResultsError> {
        write_json(&self.work.join("manifest.json"), manifest)?;
        self.held.swap_in(&self.work, &self.root)
    }
}
