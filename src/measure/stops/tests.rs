use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use super::*;

#[derive(Debug, PartialEq)]
enum Seen {
    Exit,
    Write(i32, String),
}

/// Runs `sh -c script` under the filter and returns what stopped.
fn stops_of(script: &str, writes: bool) -> (Vec<Seen>, StopStats, std::process::ExitStatus) {
    let prepared = Prepared::new(StopsSpec { writes }).unwrap().unwrap();
    let hook = prepared.child_hook();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let theirs = Arc::clone(&seen);
    let mut stops = prepared
        .supervise(Instant::now(), move |stop| {
            let s = match stop {
                Stop::Exit { .. } => Seen::Exit,
                Stop::Write { fd, bytes, .. } => {
                    Seen::Write(fd, String::from_utf8_lossy(bytes).into_owned())
                }
            };
            theirs.lock().unwrap().push(s);
        })
        .unwrap();
    let mut cmd = Command::new("sh");
    cmd.args(["-c", script])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // SAFETY: the hook is async-signal-safe (see `Prepared::child_hook`).
    unsafe { cmd.pre_exec(hook) };
    let mut child = cmd.spawn().unwrap();
    stops.spawned();
    assert_eq!(stops.refused(), None);
    let status = child.wait().unwrap();
    let stats = stops.finish();
    let seen = std::mem::take(&mut *seen.lock().unwrap());
    (seen, stats, status)
}

#[test]
fn writes_to_stdout_and_stderr_and_the_exit_stop_the_program() {
    let (seen, stats, status) = stops_of(
        "echo one; echo two >&2; echo three >/dev/null; exit 3",
        true,
    );
    assert_eq!(status.code(), Some(3));
    assert_eq!(
        seen,
        vec![
            Seen::Write(1, "one\n".into()),
            // The shell makes `>&2` and `>/dev/null` a dup2 onto fd 1: the
            // fd says nothing of where a write goes (the watch tells its
            // pipes apart by inode).
            Seen::Write(1, "two\n".into()),
            Seen::Write(1, "three\n".into()),
            Seen::Exit,
        ]
    );
    assert_eq!(stats.stops, 4);
    assert_eq!(stats.refused, None);
}

#[test]
fn without_writes_only_the_exit_stops_and_children_are_followed() {
    let (seen, _, status) = stops_of("echo one; sh -c 'exit 0'; exit 0", false);
    assert!(status.success());
    // The inner shell's exit, then the outer one's.
    assert_eq!(seen, vec![Seen::Exit, Seen::Exit]);
}

#[test]
fn a_killed_program_has_no_exit_stop() {
    let (seen, _, status) = stops_of("kill -9 $$", true);
    assert_eq!(status.signal(), Some(9));
    assert_eq!(seen, vec![]);
}

use std::os::unix::process::ExitStatusExt;
