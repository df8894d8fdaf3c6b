//! Results folders: what `reproduce --out DIR` and `run --out DIR` keep on
//! disk, and how `report DIR` loads them to judge again without running.
//!
//! ```text
//! DIR/manifest.json                          format, versions, command, machine
//! DIR/results.json                           the verdicts (as `reproduce --json`)
//! DIR/<experiment>/runs.json                 fixture, Go, repeats, rows and why runs stopped
//! DIR/<experiment>/<settings>/<repeat>/timeline.json
//! DIR/timeline.json                          (`run --out`: its one timeline)
//! ```

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::analyze::Analyzed;
use crate::experiment::reproduce::ExperimentResult;
use crate::measure::machine::Machine;

mod load;
mod merge;

pub use load::{Kept, KeptRun, load};
pub use merge::{Column, MergeError, in_file_order, merge, results_folders};

/// The format of a results folder; `report` refuses any other.
pub const FORMAT: &str = "gomemlab-results/1";

/// `DIR/manifest.json`: what made the results and where.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub gomemlab_version: String,
    /// `run` or `reproduce`.
    pub command: String,
    /// The command line, program name first.
    pub argv: Vec<String>,
    /// Seconds since the Unix epoch when the results were written.
    pub written_unix_s: u64,
    /// `go1.26.8`.
    pub go_version: String,
    /// The `go` directive the fixtures were built with (`1.26`), when one built.
    pub go_line: Option<String>,
    pub machine: Machine,
    /// Claims kept by `--only` (empty: all).
    pub only: Vec<String>,
    /// Experiments whose runs are kept, in order.
    pub experiments: Vec<String>,
    /// True when Ctrl-C stopped `reproduce`: only finished experiments are kept.
    pub interrupted: bool,
}

impl Manifest {
    /// A manifest for this process and machine.
    pub fn new(command: &str, go_version: String, only: &[String]) -> Manifest {
        Manifest {
            format: FORMAT.into(),
            gomemlab_version: env!("CARGO_PKG_VERSION").into(),
            command: command.into(),
            argv: std::env::args().collect(),
            written_unix_s: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            go_version,
            go_line: None,
            machine: Machine::probe(),
            only: only.to_vec(),
            experiments: Vec::new(),
            interrupted: false,
        }
    }
}

/// `DIR/<experiment>/runs.json`: what ran, so kept runs can be judged again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeptExperiment {
    pub experiment: String,
    pub fixture: String,
    pub go_version: String,
    pub go_line: String,
    pub repeats: u32,
    /// Why the fixture did not build.
    pub error: Option<String>,
    pub cells: Vec<KeptCell>,
}

/// One settings row: its label, its folder, how many runs finished, why they stopped.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeptCell {
    pub settings: String,
    pub dir: String,
    pub runs: usize,
    pub error: Option<String>,
    /// Why the row's claims are `not applicable` without runs: it cannot be
    /// built with this Go (a go line newer than it, an unknown GOEXPERIMENT)
    /// or run on this machine (no memory cgroup).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error(
        "--out {0}: not empty and not a gomemlab results folder (no manifest.json): give a new or empty folder"
    )]
    NotOurs(String),
    #[error("{path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("{path}: not a gomemlab results file: {detail}")]
    Format { path: String, detail: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ResultsError + '_ {
    move |error| ResultsError::Io {
        path: path.display().to_string(),
        error,
    }
}

/// A results folder being written.
#[derive(Debug, Clone)]
pub struct ResultsDir {
    pub root: PathBuf,
}

impl ResultsDir {
    /// Checks `--out` before anything runs: creatable, and empty or a
    /// previous results folder, whose contents are then replaced.
    pub fn prepare(root: &Path) -> Result<ResultsDir, ResultsError> {
        std::fs::create_dir_all(root).map_err(io(root))?;
        let entries: Vec<_> = std::fs::read_dir(root)
            .map_err(io(root))?
            .filter_map(Result::ok)
            .collect();
        if !entries.is_empty() {
            let manifest = root.join("manifest.json");
            if read_json::<Manifest>(&manifest).is_err() {
                return Err(ResultsError::NotOurs(root.display().to_string()));
            }
            for entry in entries {
                let path = entry.path();
                if path.is_dir() {
                    std::fs::remove_dir_all(&path).map_err(io(&path))?;
                } else {
                    std::fs::remove_file(&path).map_err(io(&path))?;
                }
            }
        }
        // Fail now, not after the runs, when the folder is not writable.
        let probe = tempfile::NamedTempFile::new_in(root).map_err(io(root))?;
        drop(probe);
        Ok(ResultsDir {
            root: root.to_path_buf(),
        })
    }

    /// `--out DIR` with several Go versions: a results folder per version,
    /// `DIR/<name>/`. DIR must be creatable, and empty or hold only previous
    /// results folders (which are then replaced).
    pub fn prepare_set(root: &Path, names: &[String]) -> Result<Vec<ResultsDir>, ResultsError> {
        std::fs::create_dir_all(root).map_err(io(root))?;
        let entries: Vec<PathBuf> = std::fs::read_dir(root)
            .map_err(io(root))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        if let Some(stranger) = entries
            .iter()
            .find(|p| read_json::<Manifest>(&p.join("manifest.json")).is_err())
        {
            return Err(ResultsError::NotOurs(stranger.display().to_string()));
        }
        for path in entries {
            std::fs::remove_dir_all(&path).map_err(io(&path))?;
        }
        names
            .iter()
            .map(|n| ResultsDir::prepare(&root.join(n)))
            .collect()
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
            .root
            .join(experiment)
            .join(slug(settings))
            .join(repeat.to_string());
        write_json(&dir.join("timeline.json"), &run.timeline)?;
        write_json(&dir.join("analysis.json"), &run.analysis)
    }

    /// Keeps `run --out`'s one run at `DIR/timeline.json` and `DIR/analysis.json`.
    pub fn keep_timeline(&self, run: &Analyzed) -> Result<(), ResultsError> {
        write_json(&self.root.join("timeline.json"), &run.timeline)?;
        write_json(&self.root.join("analysis.json"), &run.analysis)
    }

    /// Keeps what an experiment ran (`<experiment>/runs.json`).
    pub fn keep_experiment(&self, r: &ExperimentResult) -> Result<(), ResultsError> {
        let kept = KeptExperiment {
            experiment: r.experiment.clone(),
            fixture: r.fixture.clone(),
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
        write_json(&self.root.join(&r.experiment).join("runs.json"), &kept)
    }

    /// Writes the verdicts and, last, the manifest.
    pub fn finish(
        &self,
        manifest: &Manifest,
        results: &[ExperimentResult],
    ) -> Result<(), ResultsError> {
        write_json(&self.root.join("results.json"), &results)?;
        self.keep_manifest(manifest)
    }

    /// Writes the manifest: the folder is a results folder from now on.
    pub fn keep_manifest(&self, manifest: &Manifest) -> Result<(), ResultsError> {
        write_json(&self.root.join("manifest.json"), manifest)
    }
}

/// A settings label as a folder name, one to one: `GOGC=50 -mode sparse` →
/// `GOGC=50_-mode_sparse`; other characters (and `_`) as `%XX`.
pub fn slug(settings: &str) -> String {
    let mut out = String::new();
    for (i, ch) in settings.chars().enumerate() {
        match ch {
            ' ' => out.push('_'),
            '.' if i == 0 => out.push_str("%2E"),
            c if c.is_ascii_alphanumeric() || "=.,+-".contains(c) => out.push(c),
            c => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    out
}

pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ResultsError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    serde_json::from_str(&text).map_err(|e| ResultsError::Format {
        path: path.display().to_string(),
        detail: e.to_string(),
    })
}

/// Writes JSON through a temp file in the same folder, so a file is whole or absent.
fn write_json<T: Serialize + ?Sized>(path: &Path, value: &T) -> Result<(), ResultsError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    write_whole(path, |file| {
        // Streamed through a buffer, never built as one string: an hour of
        // samples is tens of MB.
        let mut out = std::io::BufWriter::new(file);
        serde_json::to_writer_pretty(&mut out, value)?;
        out.write_all(b"\n")?;
        out.flush()
    })
    .map_err(|e| match e {
        WholeWriteError::Folder(error) => io(dir)(error),
        WholeWriteError::Fill(error) | WholeWriteError::Persist(error) => io(path)(error),
    })
}

/// Why [`write_whole`] wrote nothing.
#[derive(Debug)]
pub enum WholeWriteError {
    /// No temp file could be made in the folder.
    Folder(std::io::Error),
    /// Filling the temp file failed.
    Fill(std::io::Error),
    /// The temp file could not take the path's place.
    Persist(std::io::Error),
}

/// Writes `path` whole or not at all: `fill` writes a temp file beside it,
/// which then takes its place. Files gomemlab writes are for sharing:
/// readable by all (0644), whatever the umask. The one atomic write of
/// results folders and of the exported files.
pub fn write_whole(
    path: &Path,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), WholeWriteError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(WholeWriteError::Folder)?;
    fill(tmp.as_file_mut()).map_err(WholeWriteError::Fill)?;
    // A temp file is private (0600); the output is an ordinary file.
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .map_err(WholeWriteError::Fill)?;
    tmp.persist(path)
        .map_err(|e| WholeWriteError::Persist(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_folder_names_one_to_one() {
        assert_eq!(slug("defaults"), "defaults");
        assert_eq!(slug("GOGC=50 -mode sparse"), "GOGC=50_-mode_sparse");
        assert_eq!(slug("a/b_c"), "a%2Fb%5Fc");
        assert_eq!(slug(".."), "%2E.");
        assert_ne!(slug("a b"), slug("a_b"));
    }

    #[test]
    fn a_file_is_written_whole_and_readable_or_not_at_all() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("out.txt");
        write_whole(&path, |f| f.write_all(b"one")).expect("written");
        assert_eq!(std::fs::read(&path).expect("readable"), b"one");
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o644);
        let failed = write_whole(&path, |f| {
            f.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(
            matches!(failed, Err(WholeWriteError::Fill(_))),
            "{failed:?}"
        );
        assert_eq!(std::fs::read(&path).expect("still there"), b"one");
        let entries = std::fs::read_dir(dir.path()).expect("listed").count();
        assert_eq!(entries, 1, "no temp file left behind");
    }
}
