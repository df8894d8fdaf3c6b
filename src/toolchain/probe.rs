//! Runs a `go` command with a deadline (`go env`, a toolchain download) and
//! reads what a toolchain says about itself: `go env GOVERSION GOROOT`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use wait_timeout::ChildExt;

use super::version::GoVersion;

/// How long `go env` may take (a cold start on a busy machine takes a second).
pub const ENV_TIMEOUT: Duration = Duration::from_secs(30);

/// What a `go` command said about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoEnv {
    /// `go env GOVERSION`, parsed.
    pub version: GoVersion,
    /// `go env GOROOT`.
    pub goroot: PathBuf,
}

/// Why a `go` command gave no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// It could not start.
    Spawn(String),
    /// It ran past the deadline and was killed.
    Timeout(Duration),
    /// It exited unsuccessfully; the last lines of its stderr.
    Exit { status: String, stderr: String },
    /// It answered something that is not a release version and a GOROOT.
    Unreadable(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Spawn(e) => write!(f, "cannot start it: {e}"),
            Failure::Timeout(t) => write!(f, "no answer within {}", humantime::format_duration(*t)),
            Failure::Exit { status, stderr } if stderr.is_empty() => write!(f, "{status}"),
            Failure::Exit { stderr, .. } => f.write_str(stderr),
            Failure::Unreadable(text) => {
                write!(
                    f,
                    "`go env GOVERSION GOROOT` printed {text:?}, not a release"
                )
            }
        }
    }
}

/// Asks `go` for its version and GOROOT, with `env` added to its environment
/// (e.g. `GOTOOLCHAIN=go1.22.10`, which makes it fetch that toolchain first).
pub fn go_env(go: &Path, env: &[(&str, &Path)], timeout: Duration) -> Result<GoEnv, Failure> {
    let mut cmd = Command::new(go);
    cmd.args(["env", "GOVERSION", "GOROOT"])
        .env("GOTOOLCHAIN", "local")
        .env_remove("GOFLAGS")
        .env_remove("GOROOT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let stdout = run(cmd, timeout)?;
    let mut lines = stdout.lines();
    let version_line = lines.next().unwrap_or("").trim();
    let goroot = lines.next().unwrap_or("").trim();
    let version = GoVersion::parse(version_line)
        .filter(|_| !goroot.is_empty())
        .ok_or_else(|| Failure::Unreadable(stdout.trim().to_string()))?;
    Ok(GoEnv {
        version,
        goroot: PathBuf::from(goroot),
    })
}

/// `go mod download -json MODULE@VERSION` (for a `go` older than go1.21,
/// which cannot switch toolchains): the folder the module was extracted to.
pub fn mod_download(
    go: &Path,
    module: &str,
    env: &[(&str, &Path)],
    timeout: Duration,
) -> Result<PathBuf, Failure> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "PascalCase")]
    struct Download {
        dir: Option<PathBuf>,
        error: Option<String>,
    }
    let mut cmd = Command::new(go);
    cmd.args(["mod", "download", "-json", module])
        .env("GOTOOLCHAIN", "local")
        .env_remove("GOFLAGS")
        .env_remove("GOROOT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (status, stdout, stderr) = run_raw(cmd, timeout)?;
    let answer: Option<Download> = serde_json::from_str(&stdout).ok();
    match answer {
        Some(Download { dir: Some(dir), .. }) if status.success() => Ok(dir),
        Some(Download {
            error: Some(error), ..
        }) => Err(Failure::Exit {
            status: status.to_string(),
            stderr: error,
        }),
        _ => Err(Failure::Exit {
            status: status.to_string(),
            stderr: tail(&stderr, 3),
        }),
    }
}

/// Runs `cmd` in a neutral directory (so no go.mod nearby matters) and
/// returns its stdout, killing it at `timeout`.
fn run(cmd: Command, timeout: Duration) -> Result<String, Failure> {
    let (status, stdout, stderr) = run_raw(cmd, timeout)?;
    if !status.success() {
        return Err(Failure::Exit {
            status: status.to_string(),
            stderr: tail(&stderr, 3),
        });
    }
    Ok(stdout)
}

/// Runs `cmd` to its end or `timeout`: its status, stdout and stderr.
fn run_raw(
    mut cmd: Command,
    timeout: Duration,
) -> Result<(std::process::ExitStatus, String, String), Failure> {
    let mut child = cmd
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Failure::Spawn(e.to_string()))?;
    // Drain both pipes beside the wait, so a chatty command never blocks on a full pipe.
    let stdout_reader = child.stdout.take().map(drain);
    let stderr_reader = child.stderr.take().map(drain);
    let status = match child.wait_timeout(timeout) {
        Ok(Some(status)) => status,
        Ok(None) | Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Failure::Timeout(timeout));
        }
    };
    let stdout = stdout_reader.map(join).unwrap_or_default();
    let stderr = stderr_reader.map(join).unwrap_or_default();
    Ok((status, stdout, stderr))
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn join(handle: std::thread::JoinHandle<String>) -> String {
    handle.join().unwrap_or_default()
}

/// The last `n` non-empty lines of `text`, joined with "; ".
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("go: downloading "))
        .collect();
    lines[lines.len().saturating_sub(n)..].join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_past_its_deadline_is_killed() {
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let started = std::time::Instant::now();
        let err = run(cmd, Duration::from_millis(200)).unwrap_err();
        assert_eq!(err, Failure::Timeout(Duration::from_millis(200)));
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_failing_command_gives_its_last_stderr_lines() {
        let mut cmd = Command::new("sh");
        cmd.args([
            "-c",
            "echo one >&2; echo two >&2; echo three >&2; echo four >&2; exit 3",
        ]);
        let Failure::Exit { stderr, .. } = run(cmd, ENV_TIMEOUT).unwrap_err() else {
            panic!("not an exit failure");
        };
        assert_eq!(stderr, "two; three; four");
    }

    #[test]
    fn a_program_that_is_not_go_is_unreadable() {
        let err = go_env(Path::new("/bin/echo"), &[], ENV_TIMEOUT).unwrap_err();
        assert!(matches!(err, Failure::Unreadable(_)), "{err:?}");
    }
}
