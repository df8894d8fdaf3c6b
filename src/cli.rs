//! The `gomemlab` command line: parses arguments, calls the stages, and hands
//! their data to `report` for printing. Errors become one `error:` line plus
//! `caused by:` lines and a documented exit code. One file per subcommand.

mod export;
mod fixtures;
mod html;
mod new;
mod report;
mod reproduce;
mod run;
mod toolchains;
mod watch;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::fixture::BuildError;
use crate::run::RunError;
use crate::toolchain::ToolchainError;

/// Exit codes (README, "Exit codes"): 0 everything ran and no verdict is
/// `error`; 1 some verdict is `error` (or results could not be kept);
/// 2 bad input or set-up; 3 `run`: the fixture did not build; 4 `run`: the
/// fixture run failed; 5 `--baseline`: claims changed against the baseline;
/// 6 `--go next`: no Go newer than the supported ones; 128 + N: stopped by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP), what
/// finished kept.
pub mod exit_code {
    pub const VERDICT_ERROR: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const BUILD: u8 = 3;
    pub const RUN: u8 = 4;
    pub const BASELINE_CHANGED: u8 = 5;
    pub const NOTHING_NEWER: u8 = 6;
}

/// Run Go memory experiments and compare what the OS sees with what the Go runtime reports.
#[derive(Debug, Parser)]
#[command(name = "gomemlab", version, about, long_about = None)]
struct Cli {
    /// Cache folder: toolchains, the unpacked bundled fixtures and
    /// experiments, fixture builds. Default: $GOMEMLAB_CACHE, else
    /// $XDG_CACHE_HOME/gomemlab, else ~/.cache/gomemlab.
    #[arg(long, global = true, value_name = "DIR")]
    cache: Option<std::path::PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build a fixture, run it, and print its phases: OS view beside Go view.
    Run(Box<run::RunArgs>),
    /// Run every experiment and print which article claims hold on this Go.
    Reproduce(reproduce::ReproduceArgs),
    /// Judge the runs kept by `reproduce --out DIR` again with the current
    /// experiment files and print the verdict table, running nothing.
    Report(report::ReportArgs),
    /// List the bundled fixtures: purpose, phases and flags (build them with --build).
    Fixtures {
        /// Build every fixture now, so later runs start warm.
        #[arg(long)]
        build: bool,
        /// Go toolchain for --build (as for `run --go`).
        #[arg(long, value_name = "GO")]
        go: Option<String>,
    },
    /// Scaffold DIR/NAME.toml and DIR/NAME/ (a Go program importing the
    /// probe): an experiment about your own code, ready to run.
    New(new::NewArgs),
    /// List the installed Go toolchains and where they are (--fetch to download some).
    Toolchains(toolchains::ToolchainsArgs),
    /// Watch any program's memory (a binary, `go run`, even non-Go): the fast
    /// series, phases from its output lines, GC events; Ctrl-C keeps the record.
    Watch(Box<watch::WatchArgs>),
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(dir) = &cli.cache {
        crate::toolchain::cache_root::set_cache_root(dir);
    }
    // Ctrl-C and SIGTERM kill what gomemlab started and remove its temp files.
    if let Err(e) = crate::cleanup::install() {
        eprintln!("error: failed to install the signal handlers: {e}");
        return ExitCode::from(exit_code::USAGE);
    }
    let result = match cli.command {
        Command::Run(args) => run::run(*args),
        Command::Reproduce(args) => reproduce::reproduce(args),
        Command::Report(args) => report::report(args),
        Command::Fixtures { build, go } => {
            fixtures::list_fixtures(build, go.as_deref()).map(|()| 0)
        }
        Command::Toolchains(args) => toolchains::run(args).map(|()| 0),
        Command::Watch(args) => watch::watch(*args),
        Command::New(args) => new::new(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            // A fixture killed because gomemlab was: the signal thread ends
            // the process with 128 + the signal, saying so.
            crate::cleanup::wait_if_interrupted();
            // Messages quote files (experiments, results folders): shown
            // without the control sequences those could carry.
            let clean = |e: &dyn std::fmt::Display| crate::report::terminal::clean(&e.to_string());
            eprintln!("error: {}", clean(&err));
            for cause in err.chain().skip(1) {
                eprintln!("caused by: {}", clean(&cause));
            }
            ExitCode::from(code_of(&err))
        }
    }
}

/// The exit code of `err`: decided by the first error of its chain (the
/// error, then each `source`) that is a toolchain, build or run error, so a
/// stage may wrap those in errors of its own; anything else is usage.
fn code_of(err: &anyhow::Error) -> u8 {
    err.chain()
        .find_map(decided_code)
        // Toolchain errors, bad flags, unwritable --out: all fixed by the user.
        .unwrap_or(exit_code::USAGE)
}

/// The exit code one error of a chain decides, if it decides one.
fn decided_code(err: &(dyn std::error::Error + 'static)) -> Option<u8> {
    if let Some(toolchain) = err.downcast_ref::<ToolchainError>() {
        // A scheduled `reproduce --go next` tells "nothing to try" from a failure.
        return Some(match toolchain {
            ToolchainError::NothingNewer { .. } => exit_code::NOTHING_NEWER,
            _ => exit_code::USAGE,
        });
    }
    if let Some(build) = err.downcast_ref::<BuildError>() {
        return Some(match build.is_bad_input() {
            true => exit_code::USAGE,
            false => exit_code::BUILD,
        });
    }
    err.downcast_ref::<RunError>()
        .map(|run| match run.is_bad_input() {
            true => exit_code::USAGE,
            false => exit_code::RUN,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stage's error wrapping another, as `#[source]` or `transparent` do.
    #[derive(Debug, thiserror::Error)]
    #[error("while doing something")]
    struct Wrapping(#[source] anyhow::Error);

    fn wrapped(err: impl Into<anyhow::Error>) -> anyhow::Error {
        Wrapping(Wrapping(err.into()).into()).into()
    }

    #[test]
    fn code_of_looks_through_wrapping_errors() {
        let nothing_newer = || ToolchainError::NothingNewer {
            newest_supported: "go1.26".into(),
            newest_listed: "go1.26.8".into(),
        };
        let build = || BuildError::NotApplicable {
            reason: "go 1.30".into(),
        };
        let unknown = || BuildError::UnknownFixture {
            name: "x".into(),
            known: "hello".into(),
            dir: "/f".into(),
        };
        let crashed = || RunError::Crashed {
            command: "hello".into(),
            settings: String::new(),
            status: "exit status: 1".into(),
            go_error: None,
            stderr_tail: String::new(),
        };
        let cases: [(anyhow::Error, u8); 5] = [
            (nothing_newer().into(), exit_code::NOTHING_NEWER),
            (build().into(), exit_code::BUILD),
            (unknown().into(), exit_code::USAGE),
            (crashed().into(), exit_code::RUN),
            (RunError::BadSetting("GOGC".into()).into(), exit_code::USAGE),
        ];
        for (err, code) in cases {
            let shown = err.to_string();
            assert_eq!(code_of(&err), code, "{shown}");
            assert_eq!(code_of(&wrapped(err)), code, "wrapped {shown}");
        }
        let context = anyhow::Error::from(build()).context("hello on go1.26.8");
        assert_eq!(code_of(&context), exit_code::BUILD);
        // Errors of no deciding type are passed over; none: usage.
        let run_inside = Wrapping(wrapped(crashed()));
        let other = anyhow::Error::from(std::io::Error::other("bad"));
        assert_eq!(code_of(&run_inside.into()), exit_code::RUN);
        assert_eq!(code_of(&wrapped(other)), exit_code::USAGE);
        let on_version = crate::lab::RequestError::OnVersion {
            fixture: "hello".into(),
            version: "go1.26.8".into(),
            cause: Box::new(crashed()),
        };
        assert_eq!(code_of(&on_version.into()), exit_code::RUN);
    }
}
