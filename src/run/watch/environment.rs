//! The watched command's environment: the user's `--env` on top of
//! gomemlab's, the toolchain first on PATH, the GC trace asked of the runtime.

use std::collections::BTreeMap;

use super::{is_go_command, trace_godebug};
use crate::timeline::ToolchainInfo;
use crate::toolchain::Toolchain;

/// The command's environment: the user's `--env` on top of gomemlab's,
/// with `toolchain` first on PATH (and `GOTOOLCHAIN=local`) and the GC
/// trace asked of the runtime; the toolchain recorded (given, or for a go
/// command the `go` on PATH), and whether the trace lines are gomemlab's
/// own (hidden from the output passed on); and notes on GODEBUG keys the
/// recorded toolchain does not know.
pub fn command_env(
    user_env: &[(String, String)],
    toolchain: Option<&Toolchain>,
    program: &str,
) -> CommandEnv {
    let mut env: BTreeMap<String, String> = user_env.iter().cloned().collect();
    let path = env
        .get("PATH")
        .cloned()
        .or_else(|| std::env::var("PATH").ok())
        .unwrap_or_default();
    let recorded = match toolchain {
        Some(tc) => {
            let bin = tc
                .go
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            env.insert("PATH".into(), format!("{bin}:{path}"));
            env.entry("GOTOOLCHAIN".into())
                .or_insert_with(|| "local".into());
            Some(tc.clone())
        }
        // `go run` with the Go on PATH: that Go's version is the run's.
        None if is_go_command(program) => crate::toolchain::on_path_toolchain_in(&path),
        None => None,
    };
    let notes = recorded
        .iter()
        .flat_map(|tc| tc.godebug_notes(&env))
        .collect();
    let toolchain = recorded.map(|tc| ToolchainInfo {
        go: tc.go.display().to_string(),
        version: tc.version.name(),
        go_line: String::new(),
        goexperiment: None,
    });
    let user_godebug = env
        .get("GODEBUG")
        .cloned()
        .or_else(|| std::env::var("GODEBUG").ok());
    let (godebug, hide_trace) = trace_godebug(user_godebug.as_deref());
    env.insert("GODEBUG".into(), godebug);
    CommandEnv {
        env,
        toolchain,
        hide_trace,
        notes,
    }
}

/// What [`command_env`] gives.
#[derive(Debug)]
pub struct CommandEnv {
    pub env: BTreeMap<String, String>,
    pub toolchain: Option<ToolchainInfo>,
    /// Whether the GC trace lines are gomemlab's own (hidden from the output).
    pub hide_trace: bool,
    /// GODEBUG keys the toolchain does not know, one line each.
    pub notes: Vec<String>,
}
