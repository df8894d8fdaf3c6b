//! `gomemlab toolchains`: which Go toolchains are installed and where,
//! `--fetch` to download releases ahead of time, `--check` for what the Go
//! module proxy serves beyond the supported list; plus the progress lines
//! every command prints while a `--go` release is fetched.

use std::io::Write as _;

use anyhow::Result;

use crate::report::toolchains::{check_text, fetch_line, line, listing};
use crate::toolchain::{self, Fetch, Toolchain, ToolchainError};

#[derive(Debug, clap::Args)]
pub struct ToolchainsArgs {
    /// Download these releases into the cache now (go1.22.10, go1.26rc1,
    /// go1.22 for the latest supported patch, `all` for every supported
    /// minor, `next` or `latest` as the Go module proxy lists them).
    #[arg(long, value_name = "VERSION", num_args = 1..)]
    fetch: Vec<String>,
    /// Ask the Go module proxy for releases and release candidates newer
    /// than the supported ones (what `--go next` would run).
    #[arg(long, conflicts_with = "fetch")]
    check: bool,
}

/// `toolchain::resolve`, printing a line on stderr while a release is fetched.
pub fn resolve(spec: Option<&str>) -> Result<Toolchain, ToolchainError> {
    toolchain::resolve_with(spec, &mut print_progress)
}

/// Prints the line of a release being fetched, on stderr.
pub(super) fn print_progress(event: &Fetch) {
    eprintln!("{}", fetch_line(event));
}

pub fn run(args: ToolchainsArgs) -> Result<()> {
    let mut out = std::io::stdout();
    if args.check {
        let listed = toolchain::listed()?;
        out.write_all(check_text(&listed).as_bytes())?;
        return Ok(());
    }
    if !args.fetch.is_empty() {
        for name in toolchain::expand(&args.fetch) {
            let installed = toolchain::fetch_named(&name, &mut print_progress)?;
            writeln!(out, "{}", line(&installed, None))?;
        }
        return Ok(());
    }
    let on_path = toolchain::on_path_toolchain();
    let text = listing(
        &toolchain::list_installed(),
        on_path.as_ref(),
        &toolchain::system_toolchains(),
        &toolchain::toolchains_dir(),
    );
    out.write_all(text.as_bytes())?;
    Ok(())
}
