//! `reproduce --html FILE` and `report DIR... --html FILE`: the page, with
//! the command line that wrote it in its header.

use std::path::Path;

use anyhow::Result;

use crate::report::export;
use crate::report::html::Plots;
use crate::report::matrix::Column;

/// Writes the page of `columns` and `plots` to `file` (whole or not at all).
pub(super) fn write(file: &Path, columns: &[Column], plots: &Plots) -> Result<()> {
    Ok(export::html_page(file, columns, plots, command_line())?)
}

/// The command line, the program by its name (`gomemlab report ...`).
pub(super) fn command_line() -> String {
    let mut args: Vec<String> = std::env::args().collect();
    if let Some(program) = args.first_mut() {
        if let Some(name) = Path::new(program.as_str()).file_name() {
            *program = name.to_string_lossy().into_owned();
        }
    }
    args.join(" ")
}
