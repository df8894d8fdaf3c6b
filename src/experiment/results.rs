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

use crate::experiment::Experiment;
use crate::measure::machine::Machine;

mod dir;
mod judging;
mod limits;
mod load;
mod lock;
mod merge;
mod rejudge;

pub use dir::ResultsDir;
pub use judging::{JudgeError, JudgeNote, Judged, Judging, load_for_judging, load_noting};
pub use limits::Limits;
pub use load::{Kept, KeptRun, load, load_with};
pub use merge::{Column, MergeError, in_file_order, merge, results_folders};
pub use rejudge::judge_folders;

/// `DIR/experiments.json`: the experiment files a run was made with.
pub const KEPT_FILES: &str = "experiments.json";

/// The experiment files `reproduce --experiments DIR` ran, kept with the
/// results (a bundled run keeps none: `report` judges it with the bundled files).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KeptFiles {
    /// The experiments folder as given, absolute.
    pub dir: String,
    /// Each file: its path relative to `dir` and its text.
    pub files: Vec<KeptFile>,
}

impl KeptFiles {
    /// The files of `experiments`, loaded from `dir`, read to be kept.
    pub fn read(dir: &Path, experiments: &[Experiment]) -> Result<KeptFiles, ResultsError> {
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let files = experiments
            .iter()
            .map(|e| {
                let text =
                    std::fs::read_to_string(&e.path).map_err(|error| ResultsError::Read {
                        path: e.path.display().to_string(),
                        error,
                    })?;
                let at = std::path::absolute(&e.path).unwrap_or_else(|_| e.path.clone());
                let path = at.strip_prefix(&dir).unwrap_or(&at).display().to_string();
                Ok(KeptFile { path, text })
            })
            .collect::<Result<_, ResultsError>>()?;
        Ok(KeptFiles {
            dir: dir.display().to_string(),
            files,
        })
    }
}

/// One kept experiment file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeptFile {
    pub path: String,
    pub text: String,
}

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
            argv: crate::timeline::redact::args(&std::env::args().collect::<Vec<_>>()),
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
    /// The fixture as the experiment file writes it (`./memq` for a path,
    /// relative to the file): how a path fixture is known again elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixture_spec: Option<String>,
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
    #[error(
        "--out {path}: another gomemlab is writing to it{holder}: wait for it to finish or give another folder"
    )]
    Busy { path: String, holder: String },
    #[error(
        "`{0}` cannot be a folder name in a results folder: name experiments with letters, digits, `-` or `_`"
    )]
    Unsafe(String),
    #[error(
        "{path}: {what} is more than this gomemlab reads ({limit}): is it a results folder of gomemlab?"
    )]
    TooBig {
        path: String,
        what: String,
        limit: String,
    },
    #[error(
        "{path}: points outside its results folder ({detail}): results folders keep every file inside"
    )]
    Outside { path: String, detail: String },
    #[error("failed to keep the {what} in {dir}")]
    Keep {
        what: &'static str,
        dir: String,
        #[source]
        error: Box<ResultsError>,
    },
    #[error("failed to read {path}")]
    Read {
        path: String,
        #[source]
        error: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ResultsError + '_ {
    move |error| ResultsError::Io {
        path: path.display().to_string(),
        error,
    }
}

/// The entries of a results folder other than its lock file.
fn others(root: &Path) -> Result<Vec<PathBuf>, ResultsError> {
    Ok(std::fs::read_dir(root)
        .map_err(io(root))?
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != lock::LOCK_FILE)
        .map(|e| e.path())
        .collect())
}

fn remove(path: &Path) -> Result<(), ResultsError> {
    if path.is_dir() && !path.is_symlink() {
        std::fs::remove_dir_all(path).map_err(io(path))
    } else {
        std::fs::remove_file(path).map_err(io(path))
    }
}

/// `name` when it is one safe folder name: not empty, not `.` or `..`, no
/// `/` or NUL, not hidden (the folder's own files start with `.`).
pub fn safe_name(name: &str) -> Result<&str, ResultsError> {
    if name.is_empty() || name.starts_with('.') || name.contains(['/', '\0']) || name.len() > 255 {
        return Err(ResultsError::Unsafe(name.escape_debug().to_string()));
    }
    Ok(name)
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
    let (dir, name) = match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => (dir, Path::new(name)),
        _ => (Path::new("."), path),
    };
    limits::read_inside(dir, name, Limits::DEFAULT.manifest_bytes)
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
