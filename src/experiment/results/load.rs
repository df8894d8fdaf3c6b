//! Reading a results folder back and judging its kept runs again with the
//! current experiment files: `report DIR` runs nothing.

use std::path::{Path, PathBuf};

use super::limits::{self, Limits, read_inside};
use super::{FORMAT, KEPT_FILES, KeptCell, KeptExperiment, KeptFiles, Manifest, ResultsError};
use super::{safe_name, slug};
use crate::analyze::Analyzed;
use crate::experiment::Experiment;
use crate::experiment::reproduce::{self, ExperimentResult, Stopped};
use crate::timeline::Timeline;
use crate::toolchain::GoVersion;

/// A results folder read back.
#[derive(Debug, Clone)]
pub struct Kept {
    pub root: PathBuf,
    pub manifest: Manifest,
    pub experiments: Vec<KeptExperiment>,
    /// The experiment files the runs were made with, when they were not
    /// the bundled ones (`reproduce --experiments DIR`).
    pub files: Option<KeptFiles>,
    limits: Limits,
}

/// One kept run: which experiment, settings row and repeat, and its folder
/// relative to the root (`<experiment>/<settings>/<repeat>`).
#[derive(Debug, Clone)]
pub struct KeptRun {
    pub experiment: String,
    pub settings: String,
    pub repeat: usize,
    pub dir: PathBuf,
}

/// Loads a results folder: its manifest and what every experiment ran,
/// within [`Limits::DEFAULT`].
pub fn load(root: &Path) -> Result<Kept, ResultsError> {
    load_with(root, Limits::DEFAULT)
}

/// Loads a results folder within `limits`: a folder from elsewhere is
/// untrusted, so every name in it must be one folder inside it and every
/// count within its limit, checked before anything is read by count.
pub fn load_with(root: &Path, limits: Limits) -> Result<Kept, ResultsError> {
    let manifest_file = root.join("manifest.json");
    let manifest: Manifest = read_inside(root, Path::new("manifest.json"), limits.manifest_bytes)?;
    if manifest.format != FORMAT {
        return Err(ResultsError::Format {
            path: manifest_file.display().to_string(),
            detail: format!(
                "format `{}`, this gomemlab reads `{FORMAT}`",
                manifest.format.escape_debug()
            ),
        });
    }
    limits::count(
        &manifest_file,
        "experiments",
        manifest.experiments.len(),
        limits.experiments,
    )?;
    let mut experiments = Vec::with_capacity(manifest.experiments.len());
    for name in &manifest.experiments {
        let rel = Path::new(safe_name(name)?).join("runs.json");
        let kept: KeptExperiment = read_inside(root, &rel, limits.runs_bytes)?;
        check_kept(&root.join(&rel), name, &kept, &limits)?;
        experiments.push(kept);
    }
    let files = match root.join(KEPT_FILES).try_exists() {
        Ok(true) => Some(read_inside(
            root,
            Path::new(KEPT_FILES),
            limits.files_bytes,
        )?),
        _ => None,
    };
    Ok(Kept {
        root: root.to_path_buf(),
        manifest,
        experiments,
        files,
        limits,
    })
}

/// A `runs.json` is of the experiment the manifest names, and its rows'
/// folders are the ones their labels give (so inside the folder).
fn check_kept(
    path: &Path,
    name: &str,
    kept: &KeptExperiment,
    limits: &Limits,
) -> Result<(), ResultsError> {
    let wrong = |detail: String| ResultsError::Format {
        path: path.display().to_string(),
        detail,
    };
    if kept.experiment != name {
        return Err(wrong(format!(
            "it is of experiment `{}`, the manifest says `{name}`",
            kept.experiment.escape_debug()
        )));
    }
    limits::count(path, "settings rows", kept.cells.len(), limits.cells)?;
    for cell in &kept.cells {
        limits::count(path, "runs of one settings row", cell.runs, limits.repeats)?;
        if cell.dir != slug(&cell.settings) || safe_name(&cell.dir).is_err() {
            return Err(wrong(format!(
                "settings row `{}` is kept in `{}`, not in the folder its label gives",
                cell.settings.escape_debug(),
                cell.dir.escape_debug()
            )));
        }
    }
    Ok(())
}

impl Kept {
    /// Judges the kept runs again with `experiments` (the current files),
    /// running nothing. Experiments that were not kept are left out; a
    /// settings row that was not kept is `error`, saying so.
    pub fn judge(&self, experiments: &[Experiment]) -> Vec<ExperimentResult> {
        let only = (!self.manifest.only.is_empty()).then_some(self.manifest.only.as_slice());
        let mut results = Vec::new();
        for kept in &self.experiments {
            let Some(exp) = experiments.iter().find(|e| e.name == kept.experiment) else {
                continue;
            };
            let claims = reproduce::selected(exp, only);
            let place = reproduce::Place {
                go: GoVersion::parse(&kept.go_version).unwrap_or(GoVersion::release(0, 0, 0)),
                machine: &self.manifest.machine,
            };
            let cells = exp
                .cells
                .iter()
                .map(|cell| {
                    let label = cell.label();
                    let kept_cell = kept.cells.iter().find(|c| c.settings == label);
                    let (runs, stopped) = match kept_cell {
                        _ if !reproduce::needs_runs(&claims, cell, &place) => {
                            (Vec::new(), Stopped::No)
                        }
                        Some(c) if c.unavailable.is_some() => (
                            Vec::new(),
                            Stopped::NotApplicable(c.unavailable.clone().unwrap_or_default()),
                        ),
                        Some(c) if c.runs > 0 || c.error.is_some() => {
                            let wanted = Wanted {
                                fixture: &exp.fixture,
                                spec: &exp.fixture_spec,
                            };
                            let (runs, error) = self.timelines(kept, c, (wanted, &cell.args));
                            (runs, error.map_or(Stopped::No, Stopped::Error))
                        }
                        _ => (Vec::new(), Stopped::Error(self.not_kept(&label))),
                    };
                    reproduce::judge_cell(exp, &claims, cell, &place, &runs, stopped)
                })
                .collect();
            results.push(ExperimentResult {
                experiment: exp.name.clone(),
                title: exp.title.clone(),
                article: exp.article.clone(),
                fixture: kept.fixture.clone(),
                go_version: kept.go_version.clone(),
                go_line: kept.go_line.clone(),
                repeats: kept.repeats,
                cells,
                error: kept.error.clone(),
            });
        }
        results
    }

    /// Every kept run, in the order they were kept.
    pub fn runs(&self) -> Vec<KeptRun> {
        let mut out = Vec::new();
        for exp in &self.experiments {
            for cell in &exp.cells {
                for repeat in 1..=cell.runs {
                    out.push(KeptRun {
                        experiment: exp.experiment.clone(),
                        settings: cell.settings.clone(),
                        repeat,
                        dir: Path::new(&exp.experiment)
                            .join(&cell.dir)
                            .join(repeat.to_string()),
                    });
                }
            }
        }
        out
    }

    /// The timeline of one kept run (a folder `runs` gave).
    pub fn timeline(&self, run: &Path) -> Result<Timeline, ResultsError> {
        read_inside(
            &self.root,
            &run.join("timeline.json"),
            self.limits.timeline_bytes,
        )
    }

    fn not_kept(&self, settings: &str) -> String {
        format!(
            "no kept runs for `{settings}` in {} (the experiment file changed since?)",
            self.root.display()
        )
    }

    /// The kept timelines of one row, and why its runs stopped, cannot be
    /// read, or are not of the `fixture` and arguments the file now says.
    fn timelines(
        &self,
        exp: &KeptExperiment,
        cell: &KeptCell,
        (fixture, args): (Wanted, &[String]),
    ) -> (Vec<Analyzed>, Option<String>) {
        let mut runs = Vec::new();
        for repeat in 1..=cell.runs {
            let dir = Path::new(&exp.experiment)
                .join(&cell.dir)
                .join(repeat.to_string());
            match self.timeline(&dir) {
                Ok(t) if !same_fixture(exp, &t.fixture.name, fixture) || t.fixture.args != args => {
                    let why = format!(
                        "the kept runs are of `{} {}`, the experiment file now says `{} {}`: run reproduce again",
                        t.fixture.name,
                        t.fixture.args.join(" "),
                        fixture.spec,
                        args.join(" ")
                    );
                    return (Vec::new(), Some(why));
                }
                // The analysis kept with the run; computed again only for
                // folders kept before analyses were.
                Ok(t) => runs.push(
                    match read_inside(
                        &self.root,
                        &dir.join("analysis.json"),
                        self.limits.analysis_bytes,
                    ) {
                        Ok(analysis) => Analyzed {
                            timeline: t,
                            analysis,
                        },
                        Err(_) => Analyzed::of(t),
                    },
                ),
                Err(e) => return (runs, Some(e.to_string())),
            }
        }
        (runs, cell.error.clone())
    }
}

/// The fixture an experiment file now names: as resolved, and as written.
#[derive(Debug, Clone, Copy)]
struct Wanted<'a> {
    fixture: &'a str,
    spec: &'a str,
}

/// Whether runs of the fixture named `ran` (in the timeline) are of the
/// fixture the file now names. A path fixture is known by what it is, not
/// where it was: its package folder's name, and the path as the file
/// writes it (relative to the file), so a folder kept on one machine, or
/// moved with its experiments, is judged again elsewhere.
fn same_fixture(kept: &KeptExperiment, ran: &str, wanted: Wanted) -> bool {
    if !wanted.fixture.starts_with('/') {
        return ran == wanted.fixture;
    }
    let path = Path::new(wanted.fixture);
    let package = if wanted.fixture.ends_with(".go") {
        path.parent()
    } else {
        Some(path)
    };
    let package = package
        .and_then(Path::file_name)
        .map(|n| n.to_string_lossy().into_owned());
    let written = kept
        .fixture_spec
        .as_deref()
        .is_none_or(|s| s == wanted.spec);
    package.as_deref() == Some(ran) && written
}

impl Kept {
    /// The experiment files kept with the runs, loaded to judge them (a path
    /// fixture need not be where it was); None when none were kept.
    pub fn kept_experiments(
        &self,
        fixtures: &[String],
    ) -> Result<Option<Vec<Experiment>>, crate::experiment::ExperimentError> {
        let Some(files) = &self.files else {
            return Ok(None);
        };
        let path = self.root.join(KEPT_FILES);
        if files.files.len() > self.limits.experiments {
            return Err(crate::experiment::ExperimentError::Invalid {
                path: path.display().to_string(),
                line: 1,
                message: format!(
                    "{} experiment files, at most {} are read",
                    files.files.len(),
                    self.limits.experiments
                ),
            });
        }
        let experiments = files
            .files
            .iter()
            .map(|f| {
                // Named where it was, for messages and to resolve a path
                // fixture as the file wrote it; never opened.
                let at = Path::new(&files.dir).join(&f.path);
                crate::experiment::file::parse_kept(&at, &f.text, fixtures)
            })
            .collect::<Result<Vec<_>, _>>()?;
        crate::experiment::file::check_unique_ids(&experiments)?;
        Ok(Some(experiments))
    }
}
