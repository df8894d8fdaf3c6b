//! `gomemlab new NAME --dir DIR`'s files: an experiment about a program of
//! the user's own, `DIR/NAME.toml` and `DIR/NAME/` (go.mod, main.go
//! importing the probe), which `run DIR/NAME` and `reproduce --experiments
//! DIR` run as they are. Never overwrites; writes all or nothing.

use std::io::Write as _;
use std::path::{Path, PathBuf};

const EXPERIMENT: &str = include_str!("../../templates/new/experiment.toml");
const MAIN_GO: &str = include_str!("../../templates/new/main.go.tmpl");
const GO_MOD: &str = include_str!("../../templates/new/go.mod.tmpl");

/// Why nothing was scaffolded.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    #[error(
        "`{0}` is not a NAME for `new`: use lower case letters, digits and `-`, starting with a letter (e.g. cache-growth)"
    )]
    BadName(String),
    #[error(
        "{0} already exists: `gomemlab new` overwrites nothing; pick another NAME or remove it"
    )]
    Exists(String),
    #[error("failed to create {path}")]
    Create {
        path: String,
        #[source]
        error: std::io::Error,
    },
    #[error("failed to write in {path}")]
    WriteIn {
        path: String,
        #[source]
        error: std::io::Error,
    },
    #[error("failed to write {path}")]
    Write {
        path: String,
        #[source]
        error: std::io::Error,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The experiment file and program folder of a new experiment, checked
/// free before anything is written.
#[derive(Debug, Clone)]
pub struct Scaffold {
    pub name: String,
    pub dir: PathBuf,
    /// `DIR/NAME.toml`.
    pub toml: PathBuf,
    /// `DIR/NAME/`.
    pub program: PathBuf,
}

impl Scaffold {
    /// The files of experiment `name` in `dir`: an error when the name is
    /// not one or either path exists.
    pub fn check(name: &str, dir: &Path) -> Result<Scaffold, ScaffoldError> {
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            return Err(ScaffoldError::BadName(name.to_string()));
        }
        let toml = dir.join(format!("{name}.toml"));
        let program = dir.join(name);
        for path in [&toml, &program] {
            if path.exists() {
                return Err(ScaffoldError::Exists(path.display().to_string()));
            }
        }
        Ok(Scaffold {
            name: name.to_string(),
            dir: dir.to_path_buf(),
            toml,
            program,
        })
    }

    /// Writes the files, the go.mod with `go_line` (e.g. `1.26`).
    pub fn write(&self, go_line: &str) -> Result<(), ScaffoldError> {
        let (name, dir) = (&self.name, &self.dir);
        let fill = |text: &str| {
            text.replace("{{NAME}}", name)
                .replace("{{GO}}", go_line)
                .replace("{{DIR}}", &dir.display().to_string())
        };
        let shown = |p: &Path| p.display().to_string();
        std::fs::create_dir_all(dir).map_err(|error| ScaffoldError::Create {
            path: shown(dir),
            error,
        })?;
        // The program folder is made whole in a temp folder, then renamed;
        // the experiment file last, so a failure leaves nothing behind.
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}-"))
            .tempdir_in(dir)
            .map_err(|error| ScaffoldError::WriteIn {
                path: shown(dir),
                error,
            })?;
        std::fs::write(tmp.path().join("go.mod"), fill(GO_MOD))?;
        std::fs::write(tmp.path().join("main.go"), fill(MAIN_GO))?;
        let mode = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755);
        std::fs::set_permissions(tmp.path(), mode)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        file.write_all(fill(EXPERIMENT).as_bytes())?;
        let mode = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o644);
        file.as_file().set_permissions(mode)?;
        std::fs::rename(tmp.path(), &self.program).map_err(|error| ScaffoldError::Create {
            path: shown(&self.program),
            error,
        })?;
        let _ = tmp.keep();
        if let Err(e) = file.persist_noclobber(&self.toml) {
            let _ = std::fs::remove_dir_all(&self.program);
            return Err(ScaffoldError::Write {
                path: shown(&self.toml),
                error: e.error,
            });
        }
        Ok(())
    }
}
