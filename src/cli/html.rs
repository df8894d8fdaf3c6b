//! `reproduce --html FILE` and `report DIR... --html FILE`: the verdicts,
//! claims and plotted runs as one self-contained HTML page.

use std::path::Path;
use std::time::SystemTime;

use anyhow::Result;

use super::UsageError;
use crate::report::export::write_file;
use crate::report::html::{self, Header, Plots};
use crate::report::matrix::Column;

/// Fails before anything runs when FILE's folder does not exist.
pub(super) fn check(file: Option<&Path>) -> Result<()> {
    let Some(file) = file else {
        return Ok(());
    };
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty());
    if dir.is_some_and(|d| !d.is_dir()) || file.is_dir() {
        anyhow::bail!(UsageError(format!(
            "--html {}: not a file in an existing folder: give a path such as report.html",
            file.display()
        )));
    }
    Ok(())
}

/// Writes the page of `columns` and `plots` to `file` (whole or not at all).
pub(super) fn write(file: &Path, columns: &[Column], plots: &Plots) -> Result<()> {
    let header = Header {
        generated: humantime::format_rfc3339_seconds(SystemTime::now())
            .to_string()
            .replace('T', " ")
            .replace('Z', " UTC"),
        command: command_line(),
    };
    Ok(write_file(
        file,
        html::page(columns, plots, &header).as_bytes(),
    )?)
}

/// The command line, the program by its name (`gomemlab report ...`).
fn command_line() -> String {
    let mut args: Vec<String> = std::env::args().collect();
    if let Some(program) = args.first_mut() {
        if let Some(name) = Path::new(program.as_str()).file_name() {
            *program = name.to_string_lossy().into_owned();
        }
    }
    args.join(" ")
}
