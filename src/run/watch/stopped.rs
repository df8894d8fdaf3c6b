//! The watch's handler of stopped calls (see [`crate::measure::stops`]): a
//! write to fd 1 or 2 whose line(s) match `--phase` becomes a phase read
//! while the writing thread waits; the program's `exit_group` becomes the
//! snapshot at exit. Lines caught here are noted, so the output pump does not
//! take them a second time; a matching line the filter never saw (written
//! some other way, or the filter refused) reaches the pump alone, which then
//! makes the fallback row. Also here: setting the stops up for a watch
//! ([`start_stops`]) and saying why there are none ([`stops_refused`]).

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use regex::Regex;

use super::WatchSpec;
use super::output::{OutputMessage, Stream, is_trace, phase_name};
use super::target::{exe_of, is_go_built};
use crate::measure::os_view;
use crate::measure::stops::{Prepared, Stop, Stops, StopsSpec};
use crate::timeline::PhaseReads;

/// Longer unterminated line starts are not carried further (as the pump).
const MAX_CARRY: usize = 64 * 1024;

/// Lines caught at their write, per stream, until the pump reads them.
#[derive(Debug, Default)]
pub struct Caught {
    lines: [Vec<String>; 2],
}

impl Caught {
    /// Whether `line` of `stream` was caught at its write (forgotten then:
    /// each caught line is taken by the pump once).
    pub fn take(&mut self, stream: Stream, line: &str) -> bool {
        let lines = &mut self.lines[stream as usize];
        match lines.iter().position(|l| l == line) {
            Some(i) => {
                lines.remove(i);
                true
            }
            None => false,
        }
    }

    fn add(&mut self, stream: Stream, line: String) {
        self.lines[stream as usize].push(line);
    }
}

/// Shared between the handler and the pumps.
pub type SharedCaught = Arc<Mutex<Caught>>;

/// The handler's state.
pub struct Handler {
    pub phase: Option<Regex>,
    /// (device, inode) of the stdout and stderr pipes the watch reads.
    pub pipes: [(u64, u64); 2],
    pub caught: SharedCaught,
    pub to: Sender<OutputMessage>,
    /// The command is `go`: the program is what it built, not its child.
    pub follow_go: bool,
    /// gomemlab's own PID: the command is its child.
    pub harness: i32,
    /// Unterminated line starts, by (thread, fd).
    carry: HashMap<(i32, i32), Vec<u8>>,
}

impl Handler {
    pub fn new(
        phase: Option<Regex>,
        pipes: [(u64, u64); 2],
        caught: SharedCaught,
        to: Sender<OutputMessage>,
        follow_go: bool,
    ) -> Handler {
        Handler {
            phase,
            pipes,
            caught,
            to,
            follow_go,
            harness: std::process::id() as i32,
            carry: HashMap::new(),
        }
    }

    /// One stopped call; the thread waits until this returns.
    pub fn handle(&mut self, stop: Stop<'_>) {
        match stop {
            Stop::Write {
                tid,
                fd,
                bytes,
                t_ns,
            } => self.write(tid, fd, bytes, t_ns),
            Stop::Exit { tid, t_ns } => self.exit(tid, t_ns),
        }
    }

    fn write(&mut self, tid: i32, fd: i32, bytes: &[u8], t_ns: u64) {
        let Some(regex) = &self.phase else { return };
        let carry = self.carry.entry((tid, fd)).or_default();
        let mut matched: Vec<(String, String)> = Vec::new();
        let mut rest = bytes;
        while let Some(end) = rest.iter().position(|b| *b == b'\n') {
            let line = if carry.is_empty() {
                String::from_utf8_lossy(&rest[..end]).into_owned()
            } else {
                carry.extend_from_slice(&rest[..end]);
                let l = String::from_utf8_lossy(carry).into_owned();
                carry.clear();
                l
            };
            let line = line.trim_end_matches('\r').to_string();
            if let Some(name) = phase_name(regex, &line) {
                matched.push((name, line));
            }
            rest = &rest[end + 1..];
        }
        if carry.len() + rest.len() <= MAX_CARRY {
            carry.extend_from_slice(rest);
        }
        if carry.is_empty() {
            self.carry.remove(&(tid, fd));
        }
        if matched.is_empty() {
            return;
        }
        // Where the write goes: one of our pipes (fd numbers say nothing
        // after a shell's redirections), else it is no output of the watch.
        let Some(stream) = self.stream_of(tid, fd) else {
            return;
        };
        matched.retain(|(_, line)| !(stream == Stream::Stderr && is_trace(line)));
        if matched.is_empty() {
            return;
        }
        // VmHWM now covers the time since the sampler's last window; the
        // windows before it are added when the record settles.
        let Ok(os) = os_view::read(tid, true, &mut PhaseReads::default()) else {
            return;
        };
        let mut caught = self.caught.lock().unwrap_or_else(|e| e.into_inner());
        for (name, line) in matched {
            caught.add(stream, line);
            let _ = self.to.send(OutputMessage::Stopped { t_ns, name, os });
        }
    }

    /// Which of the watch's pipes `fd` of `tid` writes to.
    fn stream_of(&self, tid: i32, fd: i32) -> Option<Stream> {
        let meta = std::fs::metadata(format!("/proc/{tid}/fd/{fd}")).ok()?;
        let id = (meta.dev(), meta.ino());
        if id == self.pipes[0] {
            Some(Stream::Stdout)
        } else if id == self.pipes[1] {
            Some(Stream::Stderr)
        } else {
            None
        }
    }

    /// The program's exit (not the go command's, nor a tool's it ran).
    fn exit(&mut self, tid: i32, t_ns: u64) {
        let program = if self.follow_go {
            exe_of(tid).is_some_and(|exe| is_go_built(&exe))
        } else {
            os_view::parent_of(tid) == Some(self.harness)
        };
        if !program {
            return;
        }
        if let Ok(os) = os_view::read(tid, true, &mut PhaseReads::default()) {
            let _ = self.to.send(OutputMessage::Exit { t_ns, os });
        }
    }
}

/// Why the program is not stopped at its writes and exit: refused by the
/// kernel, not available, or not asked (none when it is).
pub(super) fn stops_refused(stops: Option<&mut Stops>, asked: bool) -> Option<String> {
    match stops {
        Some(s) => s.refused(),
        None if asked => Some("seccomp notifications are not available here".into()),
        None => Some("not asked (--no-stop)".into()),
    }
}

/// What the command's child runs before exec for the stops.
pub(super) type ChildHook = Box<dyn Fn() -> std::io::Result<()> + Send + Sync + 'static>;

/// The stops at the command's phase lines' writes and at its exit
/// (seccomp), when asked and available: the hook its child runs before
/// exec, and their supervisor.
pub(super) fn start_stops(
    spec: &WatchSpec,
    pipes: [(u64, u64); 2],
    caught: &SharedCaught,
    tx: &mpsc::Sender<OutputMessage>,
    follow_go: bool,
    started: Instant,
) -> (Option<ChildHook>, Option<Stops>) {
    let prepared = spec
        .stops
        .then(|| {
            Prepared::new(StopsSpec {
                writes: spec.phase.is_some(),
            })
        })
        .and_then(|p| p.ok().flatten());
    let hook = prepared
        .as_ref()
        .map(|p| Box::new(p.child_hook()) as ChildHook);
    let stops = match prepared {
        Some(p) => {
            let mut handler = Handler::new(
                spec.phase.clone(),
                pipes,
                Arc::clone(caught),
                tx.clone(),
                follow_go,
            );
            p.supervise(started, move |stop| handler.handle(stop)).ok()
        }
        None => None,
    };
    (hook, stops)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caught_line_is_taken_once_per_stream() {
        let mut c = Caught::default();
        c.add(Stream::Stdout, "gc1 1605.0".into());
        assert!(!c.take(Stream::Stderr, "gc1 1605.0"));
        assert!(c.take(Stream::Stdout, "gc1 1605.0"));
        assert!(!c.take(Stream::Stdout, "gc1 1605.0"));
    }

    #[test]
    fn lines_are_matched_across_writes_and_only_on_our_pipes() {
        let (tx, rx) = std::sync::mpsc::channel();
        let regex = Regex::new(r"^(filled|gc1) ").unwrap();
        let me = std::process::id() as i32;
        // Our own stdout stands for the watch's pipe.
        let meta = std::fs::metadata(format!("/proc/{me}/fd/1")).unwrap();
        let caught = SharedCaught::default();
        let mut h = Handler::new(
            Some(regex),
            [(meta.dev(), meta.ino()), (0, 0)],
            Arc::clone(&caught),
            tx,
            false,
        );
        h.handle(Stop::Write {
            tid: me,
            fd: 1,
            bytes: b"noise\nfil",
            t_ns: 1,
        });
        h.handle(Stop::Write {
            tid: me,
            fd: 1,
            bytes: b"led 12\r\ngc1 ",
            t_ns: 2,
        });
        h.handle(Stop::Write {
            tid: me,
            fd: 1,
            bytes: b"3\n",
            t_ns: 3,
        });
        let got: Vec<(u64, String)> = rx
            .try_iter()
            .map(|m| match m {
                OutputMessage::Stopped { t_ns, name, os } => {
                    assert!(os.rss_bytes > 0);
                    (t_ns, name)
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(got, vec![(2, "filled".to_string()), (3, "gc1".to_string())]);
        let mut c = caught.lock().unwrap();
        assert!(c.take(Stream::Stdout, "filled 12"));
        assert!(c.take(Stream::Stdout, "gc1 3"));
    }
}
