//! A fixture's own usage text: `run FIXTURE -- -h` prints it, and a flag the
//! fixture rejects becomes a one-line usage error pointing there.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, Result};

use super::UsageError;

/// Whether the fixture arguments ask Go's flag package for the usage
/// (`-h`, `-help`, `--h`, `--help`), so the run would report no phase.
pub(super) fn asks_for_help(args: &[String]) -> bool {
    args.iter()
        .any(|a| matches!(a.as_str(), "-h" | "-help" | "--h" | "--help"))
}

/// Runs the fixture binary by itself with its `-h` and prints the usage it
/// writes (on stderr, as Go's flag package does), named after the fixture.
pub(super) fn print_usage(fixture: &str, binary: &Path, args: &[String]) -> Result<u8> {
    let out = std::process::Command::new(binary)
        .args(args)
        .env_clear()
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| format!("failed to start {}", binary.display()))?;
    let usage = String::from_utf8_lossy(&out.stderr).replace(
        &format!("Usage of {}:", binary.display()),
        &format!("Usage of {fixture} (gomemlab run {fixture} -- FLAGS):"),
    );
    let mut stdout = std::io::stdout();
    stdout.write_all(&out.stdout)?;
    stdout.write_all(usage.as_bytes())?;
    // Go's flag package exits 0 for -h; anything else is the fixture's own.
    Ok(out.status.code().map_or(1, |c| c.clamp(0, 255) as u8))
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
