//! `gomemlab new NAME --dir DIR`: scaffolds an experiment about a program of
//! the user's own ([`Scaffold`]) and says how to run it.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;

use crate::experiment::scaffold::Scaffold;

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
    let scaffold = Scaffold::check(&args.name, &args.dir)?;
    let toolchain = super::toolchains::resolve(args.go.as_deref())?;
    let go_line = format!("{}.{}", toolchain.version.major, toolchain.version.minor);
    scaffold.write(&go_line)?;
    let shown = |p: &Path| p.display().to_string();
    let mut out = std::io::stdout();
    writeln!(
        out,
        "wrote {} and {}/ (go.mod with go {go_line}, main.go with phases start and allocated)\n\
         next: gomemlab run {}\n      gomemlab reproduce --experiments {}",
        shown(&scaffold.toml),
        shown(&scaffold.program),
        shown(&scaffold.program),
        shown(&args.dir)
    )?;
    Ok(0)
}
