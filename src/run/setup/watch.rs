//! What a watch is set up with, checked before anything runs: the command,
//! the `--phase` regex and the durations; then the [`WatchSpec`] of one
//! watch on a toolchain, and why it could not start.

use std::time::Duration;

use regex::Regex;

use crate::run::watch::{self, WatchError, WatchSpec};
use crate::toolchain::Toolchain;

/// How long a stopped program may take to exit after SIGINT before SIGKILL.
const GRACE: Duration = Duration::from_secs(2);
/// How often the slow tier (`status` + `smaps_rollup`) is read.
const SLOW_INTERVAL: Duration = Duration::from_secs(1);
/// The shortest `--phase-every` and `--duration`.
const SHORTEST: Duration = Duration::from_millis(10);

/// Why a watch cannot be set up or started; each says what to give instead.
#[derive(Debug, thiserror::Error)]
pub enum WatchSetupError {
    #[error(
        "no command to watch: give it after `--`, e.g. gomemlab watch --phase 'step (\\w+)' -- ./myprog -n 5"
    )]
    NoCommand,
    #[error("--phase `{text}` is not a regular expression ({why}): give one like 'step (\\w+)'")]
    BadPhase { text: String, why: String },
    #[error("{flag} must be at least 10ms (e.g. 10s)")]
    TooShort { flag: &'static str },
    #[error("{error}{}", hint(error))]
    NotStarted { error: WatchError },
}

/// What a watch is asked, as the command line gives it.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// The command and its arguments.
    pub command: Vec<String>,
    /// `--env` settings on top of gomemlab's environment.
    pub env: Vec<(String, String)>,
    pub interval: Duration,
    /// `--phase`: a regex whose matching output lines start phases.
    pub phase: Option<String>,
    pub phase_every: Option<Duration>,
    pub duration: Option<Duration>,
    /// Stop the program at its phase lines' writes and at its exit.
    pub stops: bool,
}

impl WatchOptions {
    /// Checks the command, `--phase` and the durations; the `--phase` regex.
    pub fn check(&self) -> Result<Option<Regex>, WatchSetupError> {
        if self.command.first().is_none_or(String::is_empty) {
            return Err(WatchSetupError::NoCommand);
        }
        let phase = self.phase.as_deref().map(phase_regex).transpose()?;
        for (flag, d) in [
            ("--phase-every", self.phase_every),
            ("--duration", self.duration),
        ] {
            if d.is_some_and(|d| d < SHORTEST) {
                return Err(WatchSetupError::TooShort { flag });
            }
        }
        Ok(phase)
    }

    /// The spec of one watch with `toolchain` first on PATH (none: the
    /// environment's PATH), and notes on its GODEBUG settings.
    pub fn spec(
        &self,
        phase: Option<Regex>,
        toolchain: Option<&Toolchain>,
    ) -> (WatchSpec, Vec<String>) {
        let watch::CommandEnv {
            env,
            toolchain,
            hide_trace,
            notes,
        } = watch::command_env(&self.env, toolchain, &self.command[0]);
        let spec = WatchSpec {
            command: self.command.clone(),
            env,
            interval: self.interval,
            slow_interval: SLOW_INTERVAL,
            phase,
            phase_every: self.phase_every,
            duration: self.duration,
            grace: GRACE,
            hide_trace,
            toolchain,
            stops: self.stops,
        };
        (spec, notes)
    }
}

impl From<WatchError> for WatchSetupError {
    fn from(error: WatchError) -> WatchSetupError {
        WatchSetupError::NotStarted { error }
    }
}

/// What to check when the command did not start.
fn hint(e: &WatchError) -> &'static str {
    match e {
        WatchError::Spawn { error, .. } if error.kind() == std::io::ErrorKind::NotFound => {
            ": check the command's name or path (it is looked up on PATH)"
        }
        _ => "",
    }
}

/// The `--phase` regex, or why not in one line (the regex crate's last).
fn phase_regex(text: &str) -> Result<Regex, WatchSetupError> {
    Regex::new(text).map_err(|e| {
        let why = e.to_string();
        let why = why
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        let why = why.strip_prefix("error: ").unwrap_or(why);
        WatchSetupError::BadPhase {
            text: text.to_string(),
            why: why.to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(command: &[&str]) -> WatchOptions {
        WatchOptions {
            command: command.iter().map(|c| c.to_string()).collect(),
            env: Vec::new(),
            interval: Duration::from_millis(10),
            phase: None,
            phase_every: None,
            duration: None,
            stops: true,
        }
    }

    #[test]
    fn a_watch_needs_a_command_a_regex_and_durations_of_10ms_or_more() {
        assert!(matches!(
            options(&[]).check(),
            Err(WatchSetupError::NoCommand)
        ));
        assert!(matches!(
            options(&[""]).check(),
            Err(WatchSetupError::NoCommand)
        ));
        let mut o = options(&["true"]);
        assert!(o.check().expect("fine").is_none());
        o.phase = Some("(".into());
        let err = o.check().expect_err("not a regex").to_string();
        assert!(
            err.starts_with("--phase `(` is not a regular expression ("),
            "{err}"
        );
        assert!(!err.contains('\n'), "{err}");
        o.phase = Some("step (\\w+)".into());
        assert!(o.check().expect("a regex").is_some());
        o.duration = Some(Duration::from_millis(5));
        let err = o.check().expect_err("too short").to_string();
        assert_eq!(err, "--duration must be at least 10ms (e.g. 10s)");
    }

    #[test]
    fn a_command_not_found_says_where_it_is_looked_up() {
        let spawn = |kind| WatchError::Spawn {
            command: "nope".into(),
            error: std::io::Error::from(kind),
        };
        let missing = WatchSetupError::from(spawn(std::io::ErrorKind::NotFound)).to_string();
        assert!(missing.ends_with("(it is looked up on PATH)"), "{missing}");
        let denied = WatchSetupError::from(spawn(std::io::ErrorKind::PermissionDenied));
        assert!(!denied.to_string().contains("PATH"), "{denied}");
    }
}
