//! A fixture's own usage text: `run FIXTURE -- -h` runs the fixture with its
//! `-h`, owned like any run, for the usage Go's flag package writes.

use std::path::Path;
use std::time::Duration;

use super::{RunError, RunSpec, Running};
use crate::timeline::Exit;

/// How long a fixture may take to print its usage before it is killed.
const USAGE_TIMEOUT: Duration = Duration::from_secs(10);

/// Whether the fixture arguments ask Go's flag package for the usage
/// (`-h`, `-help`, `--h`, `--help`), so the run would report no phase.
pub fn asks_for_help(args: &[String]) -> bool {
    args.iter()
        .any(|a| matches!(a.as_str(), "-h" | "-help" | "--h" | "--help"))
}

/// What a fixture printed for its `-h`.
#[derive(Debug, Clone)]
pub struct Usage {
    /// What it wrote on stdout.
    pub stdout: Vec<u8>,
    /// Its usage (written on stderr, as Go's flag package does), named
    /// after the fixture.
    pub usage: String,
    /// Its exit status (1 when killed by a signal).
    pub status: u8,
}

/// Runs the fixture binary with its `-h`, owned like any run (its own
/// process group, killed with what it started when it ends or after
/// `USAGE_TIMEOUT`), for the usage it writes.
pub fn usage(fixture: &str, binary: &Path, args: &[String]) -> Result<Usage, RunError> {
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
    let (stdout, stderr) = (running.take_stdout(), running.take_stderr());
    let usage = String::from_utf8_lossy(&stderr).replace(
        &format!("Usage of {}:", binary.display()),
        &format!("Usage of {fixture} (gomemlab run {fixture} -- FLAGS):"),
    );
    // Go's flag package exits 0 for -h; anything else is the fixture's own.
    let status = match exit {
        Exit::Code(c) => c.clamp(0, 255) as u8,
        Exit::Signal(_) => 1,
    };
    Ok(Usage {
        stdout,
        usage,
        status,
    })
}

/// A fixture rejected its arguments: said in one line, with how to see its
/// flags, instead of a crash report.
#[derive(Debug, thiserror::Error)]
#[error(
    "{fixture} rejected its arguments ({why}): `gomemlab run {fixture} -- -h` prints its flags"
)]
pub struct RejectedArgs {
    pub fixture: String,
    /// What its flag parsing said.
    pub why: String,
}

/// Whether the run `error` is the fixture rejecting its arguments: it
/// exited 2 printing its usage (and no runtime error).
pub fn rejected_args(fixture: &str, error: &RunError) -> Option<RejectedArgs> {
    if let RunError::Crashed {
        status,
        go_error: Some(why),
        ..
    } = error
    {
        let runtime_error = why.starts_with("panic:") || why.starts_with("fatal error:");
        if status.ends_with("exit status: 2") && !runtime_error {
            return Some(RejectedArgs {
                fixture: fixture.to_string(),
                why: why.clone(),
            });
        }
    }
    None
}
