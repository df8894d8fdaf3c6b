//! A fixture's own usage text: `run FIXTURE -- -h` prints it, and a flag the
//! fixture rejects becomes a one-line usage error pointing there.

use std::io::Write as _;
use std::path::Path;

use anyhow::Result;

use super::UsageError;

pub(super) use crate::run::usage::asks_for_help;

/// Prints the fixture's usage for its `-h` (what it wrote on stdout, then
/// the usage); its exit status.
pub(super) fn print_usage(fixture: &str, binary: &Path, args: &[String]) -> Result<u8> {
    let usage = crate::run::usage::usage(fixture, binary, args)?;
    let mut stdout = std::io::stdout();
    stdout.write_all(&usage.stdout)?;
    stdout.write_all(usage.usage.as_bytes())?;
    Ok(usage.status)
}

/// A fixture that exits 2 printing its usage rejected its arguments: say so
/// in one line and how to see its flags, instead of a crash report.
pub(super) fn rejected_args(fixture: &str, e: crate::run::RunError) -> anyhow::Error {
    if let crate::run::RunError::Crashed {
        status,
        go_error: Some(why),
        ..
    } = &e
    {
        let runtime_error = why.starts_with("panic:") || why.starts_with("fatal error:");
        if status.ends_with("exit status: 2") && !runtime_error {
            return UsageError(format!(
                "{fixture} rejected its arguments ({why}): `gomemlab run {fixture} -- -h` prints its flags"
            ))
            .into();
        }
    }
    e.into()
}
