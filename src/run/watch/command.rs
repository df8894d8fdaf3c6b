//! The watched command as a process: how it is started (its output into our
//! pipes, the run token, a process group of its own), stopped, and how it
//! ended.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::{WatchSpec, go_run};
use crate::cleanup;
use crate::timeline::Exit;

/// The command, its output into our pipes, with the run token, in a
/// process group of its own. A `go run` gives the traces' GODEBUG to the
/// program it builds alone (see [`go_run`]).
pub(super) fn command(
    spec: &WatchSpec,
    token: &str,
    out: std::io::PipeWriter,
    err: std::io::PipeWriter,
) -> Command {
    let mut cmd = Command::new(&spec.command[0]);
    cmd.envs(&spec.env);
    match go_run::split(&spec.command, &spec.env, spec.hide_trace) {
        Some(go_run) => {
            cmd.args(&go_run.args);
            match go_run.godebug {
                Some(godebug) => cmd.env("GODEBUG", godebug),
                None => cmd.env_remove("GODEBUG"),
            };
        }
        None => {
            cmd.args(&spec.command[1..]);
        }
    }
    cmd.env(cleanup::RUN_TOKEN_VAR, token)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .process_group(0);
    cmd
}

/// A pipe for the command's output: 1 MiB rather than 64 KiB, so a program
/// writing fast output waits for the pump a sixteenth as often (Linux caps
/// this at /proc/sys/fs/pipe-max-size; a refusal keeps the default).
pub(super) fn output_pipe() -> std::io::Result<(std::io::PipeReader, std::io::PipeWriter)> {
    let (read, write) = std::io::pipe()?;
    let _ = nix::fcntl::fcntl(&read, nix::fcntl::FcntlArg::F_SETPIPE_SZ(1 << 20));
    Ok((read, write))
}

/// SIGINT to the command's group, then SIGKILL after `grace`; reaps it.
pub(super) fn stop_command(
    child: &mut std::process::Child,
    root: i32,
    grace: Duration,
) -> ExitStatus {
    let _ = killpg(Pid::from_raw(root), Signal::SIGINT);
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = killpg(Pid::from_raw(root), Signal::SIGKILL);
    child
        .wait()
        .unwrap_or_else(|_| ExitStatus::from_raw(Signal::SIGKILL as i32))
}

/// (device, inode) of a pipe.
pub(super) fn pipe_id(pipe: &std::io::PipeReader) -> (u64, u64) {
    use std::os::fd::AsFd;
    use std::os::unix::fs::MetadataExt;
    let fd = pipe.as_fd().try_clone_to_owned().ok();
    fd.map(std::fs::File::from)
        .and_then(|f| f.metadata().ok())
        .map_or((0, 0), |m| (m.dev(), m.ino()))
}

pub(super) fn exit_of(status: ExitStatus) -> Exit {
    match (status.code(), status.signal()) {
        (Some(code), _) => Exit::Code(code),
        (None, Some(signal)) => Exit::Signal(signal),
        (None, None) => Exit::Code(-1),
    }
}
