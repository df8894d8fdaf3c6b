//! Reading a results folder back and judging its kept runs again with the
//! current experiment files: `report DIR` runs nothing.

use std::path::{Path, PathBuf};

use super::{FORMAT, KeptCell, KeptExperiment, Manifest, ResultsError, read_json};
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

/// Loads a results folder: its manifest and what every experiment ran.
pub fn load(root: &Path) -> Result<Kept, ResultsError> {
    let manifest: Manifest = read_json(&root.join("manifest.json"))?;
    if manifest.format != FORMAT {
        return Err(ResultsError::Format {
            path: root.join("manifest.json").display().to_string(),
            detail: format!(
                "format `{}`, this gomemlab reads `{FORMAT}`",
                manifest.format
            ),
        });
    }
    let experiments = manifest
        .experiments
        .iter()
        .map(|name| read_json(&root.join(name).join("runs.json")))
        .collect::<Result<_, _>>()?;
    Ok(Kept {
        root: root.to_path_buf(),
        manifest,
        experiments,
    })
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
                go: GoVersion::parse(&kept.go_version).unwrap_or(GoVersion {
                    major: 0,
                    minor: 0,
                    patch: 0,
                }),
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
                            let (runs, error) = self.timelines(kept, c, (&exp.fixture, &cell.args));
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
        read_json(&self.root.join(run).join("timeline.json"))
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
        (fixture, args): (&str, &[String]),
    ) -> (Vec<Analyzed>, Option<String>) {
        let mut runs = Vec::new();
        for repeat in 1..=cell.runs {
            let dir = self
                .root
                .join(&exp.experiment)
                .join(&cell.dir)
                .join(repeat.to_string());
            let path = dir.join("timeline.json");
            match read_json::<Timeline>(&path) {
                Ok(t) if t.fixture.name != fixture || t.fixture.args != args => {
                    let why = format!(
                        "the kept runs are of `{} {}`, the experiment file now says `{fixture} {}`: run reproduce again",
                        t.fixture.name,
                        t.fixture.args.join(" "),
                        args.join(" ")
                    );
                    return (Vec::new(), Some(why));
                }
                // The analysis kept with the run; computed again only for
                // folders kept before analyses were.
                Ok(t) => runs.push(match read_json(&dir.join("analysis.json")) {
                    Ok(analysis) => Analyzed {
                        timeline: t,
                        analysis,
                    },
                    Err(_) => Analyzed::of(t),
                }),
                Err(e) => return (runs, Some(e.to_string())),
            }
        }
        (runs, cell.error.clone())
    }
}
