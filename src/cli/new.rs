//! `gomemlab new NAME --dir DIR`: scaffolds an experiment about a program of
//! the user's own, `DIR/NAME.toml` and `DIR/NAME/` (go.mod, main.go
//! importing the probe), which `run DIR/NAME` and `reproduce --experiments
//! DIR` run as they are. Never overwrites; writes all or nothing.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::UsageError;

const EXPERIMENT: &str = include_str!("../../templates/new/experiment.toml");
const MAIN_GO: &str = include_str!("../../templates/new/main.go.tmpl");
const GO_MOD: &str = include_str!("../../templates/new/go.mod.tmpl");

#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// Name of the experiment and its program (lower case letters, digits, `-`).
    name: String,
    /// Folder to write DIR/NAME.toml and DIR/NAME/ in (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// Go toolchain whose version the go.mod's go line gets (as for `run --go`).
    #[arg(long, value_name = "GO")]
    go: Option<String>,
}

pub fn new(args: NewArgs) -> Result<u8> {
    let name = &args.name;
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        anyhow::bail!(UsageError(format!(
            "`{name}` is not a NAME for `new`: use lower case letters, digits and `-`, starting with a letter (e.g. cache-growth)"
        )));
    }
    let toml = args.dir.join(format!("{name}.toml"));
    let program = args.dir.join(name);
    for path in [&toml, &program] {
        if path.exists() {
            anyhow::bail!(UsageError(format!(
                "{} already exists: `gomemlab new` overwrites nothing; pick another NAME or remove it",
                path.display()
            )));
        }
    }
    let toolchain = super::toolchains::resolve(args.go.as_deref())?;
    let go_line = format!("{}.{}", toolchain.version.major, toolchain.version.minor);
    let fill = |text: &str| {
        text.replace("{{NAME}}", name)
            .replace("{{GO}}", &go_line)
            .replace("{{DIR}}", &args.dir.display().to_string())
    };
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("failed to create {}", args.dir.display()))?;
    // The program folder is made whole in a temp folder, then renamed; the
    // experiment file last, so a failure leaves nothing behind.
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}-"))
        .tempdir_in(&args.dir)
        .with_context(|| format!("failed to write in {}", args.dir.display()))?;
    std::fs::write(tmp.path().join("go.mod"), fill(GO_MOD))?;
    std::fs::write(tmp.path().join("main.go"), fill(MAIN_GO))?;
    let mode = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755);
    std::fs::set_permissions(tmp.path(), mode)?;
    let mut file = tempfile::NamedTempFile::new_in(&args.dir)?;
    file.write_all(fill(EXPERIMENT).as_bytes())?;
    let mode = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o644);
    file.as_file().set_permissions(mode)?;
    std::fs::rename(tmp.path(), &program)
        .with_context(|| format!("failed to create {}", program.display()))?;
    let _ = tmp.keep();
    if let Err(e) = file.persist_noclobber(&toml) {
        let _ = std::fs::remove_dir_all(&program);
        return Err(e.error).with_context(|| format!("failed to write {}", toml.display()));
    }
    let shown = |p: &Path| p.display().to_string();
    let mut out = std::io::stdout();
    writeln!(
        out,
        "wrote {} and {}/ (go.mod with go {go_line}, main.go with phases start and allocated)\n\
         next: gomemlab run {}\n      gomemlab reproduce --experiments {}",
        shown(&toml),
        shown(&program),
        shown(&program),
        shown(&args.dir)
    )?;
    Ok(0)
}
