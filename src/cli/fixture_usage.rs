//! A fixture's own usage text: `run FIXTURE -- -h` prints it, and a flag the
//! fixture rejects becomes a one-line usage error pointing there.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use super::UsageError;
use crate::run::{RunSpec, Running};

/// How long a fixture may take to print its usage before it is killed.
const USAGE_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether the fixture arguments ask Go's flag package for the usage
/// (`-h`, `-help`, `--h`, `--help`), so the run would report no phase.
pub(super) fn asks_for_help(args: &[String]) -> bool {
    args.iter()
        .any(|a| matches!(a.as_str(), "-h" | "-help" | "--h" | "--help"))
}

/// Runs the fixture binary with its `-h`, owned like any run (its own
/// process group, killed with what it started when it ends or after
/// [`USAGE_TIMEOUT`]), and prints the usage it writes (on stderr, as Go's
/// flag package does), named after the fixture.
pub(super) fn print_usage(fixture: &str, binary: &Path, args: &[String]) -> Result<u8> {
    let spec = RunSpec {
        args: args.to_vec(),
        timeout: USAGE_TIMEOUT,
        ..RunSpec::default()
    };
    let mut running = Running::spawn(binary, &spec)?;
    let deadline = running.started + spec.timeout;
    // A fixture that reports phases after all is let through them.
    while running.next_report(deadline)?.is_some() {
        running.answer()?;
    }
    let exit = running.wait_exit(deadline)?;
    let (stdout_bytes, stderr) = (running.take_stdout(), running.take_stderr());
    let usage = String::from_utf8_lossy(&stderr).replace(
        &format!("Usage of {}:", binary.display()),
        &format!("Usage of {fixture} (gomemlab run {fixture} -- FLAGS):"),
    );
    let mut stdout = std::io::stdout();
    stdout.write_all(&stdout_bytes)?;
    stdout.write_all(usage.as_bytes())?;
    // Go's flag package exits 0 for -h; anything else is the fixture's own.
    Ok(match exit {
        crate::timeline::Exit::Code(c) => c.clamp(0, 255) as u8,
        crate::timeline::Exit::Signal(_) => 1,
    })
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
