//! The watched command's stdout and stderr: each read line by line on a
//! thread, passed through to gomemlab's own stdout / stderr as it comes (the
//! user still sees the program's output), and turned into messages for the
//! watch loop: a phase when a line matches `--phase`, the runtime trace lines
//! (gctrace, scavtrace) of stderr. Nothing else is kept, so output costs no
//! memory however long the watch.

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::Instant;

use regex::Regex;

use super::stopped::SharedCaught;
use crate::timeline::OsView;

/// Output is read in blocks of this many bytes (a pipe holds 64 KiB; a
/// longer line is taken in pieces of this size).
const BLOCK: usize = 256 * 1024;

/// What a line of output tells the watch loop.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputMessage {
    /// A line matched `--phase`: a phase starts, named by the first capture
    /// group (else the whole match).
    Phase { t_ns: u64, name: String },
    /// A gctrace / scavtrace line (stderr only).
    Trace { t_ns: u64, text: String },
    /// A line matched `--phase` and its writer was stopped at the write:
    /// the OS view read then (from the stop handler, not a pump).
    Stopped { t_ns: u64, name: String, os: OsView },
    /// The program was stopped at `exit_group`: its OS view then.
    Exit { t_ns: u64, os: OsView },
}

/// Which stream a pump reads, and so where it passes lines to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// How a pump treats the lines it reads.
#[derive(Debug, Clone)]
pub struct Pump {
    pub stream: Stream,
    pub phase: Option<Regex>,
    /// Do not pass trace lines through (gomemlab turned gctrace on, the user
    /// did not ask to see it).
    pub hide_trace: bool,
    /// Lines read, both streams together.
    pub lines: Arc<AtomicU64>,
    /// Lines already taken as phases at their write (not taken again).
    pub caught: SharedCaught,
}

/// The phase a line starts, if it matches `regex`.
pub fn phase_name(regex: &Regex, line: &str) -> Option<String> {
    let caps = regex.captures(line)?;
    let name = caps.get(1).or_else(|| caps.get(0))?.as_str().trim();
    Some(if name.is_empty() { "phase" } else { name }.to_string())
}

/// Whether a stderr line is runtime trace output.
pub fn is_trace(line: &str) -> bool {
    let line = line.trim_end();
    (line.starts_with("gc ") && line.contains(" @"))
        || line.starts_with("scav ")
        || line == "GC forced"
}

/// Whether a line is the go command's `# import/path` header of a package's
/// build output.
pub fn is_package_header(line: &str) -> bool {
    line.strip_prefix("# ")
        .is_some_and(|p| !p.is_empty() && !p.contains(char::is_whitespace))
}

impl Pump {
    /// Reads `source` to its end on a thread (see the module doc).
    pub fn start(
        self,
        source: impl Read + Send + 'static,
        started: Instant,
        to: Sender<OutputMessage>,
    ) -> std::io::Result<JoinHandle<()>> {
        let name = match self.stream {
            Stream::Stdout => "gomemlab-watch-stdout",
            Stream::Stderr => "gomemlab-watch-stderr",
        };
        std::thread::Builder::new()
            .name(name.into())
            .spawn(move || self.run(source, started, &to))
    }

    /// Reads in blocks of [`BLOCK`] bytes, each passed on whole (stdout) and
    /// searched for phase lines at once: no per-line write, copy or check
    /// but where a line matches. Stderr goes line by line within the block
    /// (its runtime trace lines are taken, and hidden when gomemlab asked
    /// for them), written once per block.
    fn run(&self, mut source: impl Read, started: Instant, to: &Sender<OutputMessage>) {
        // The phase regex over a whole block: `^`/`$` at line ends (CRLF
        // too); each hit is checked again on its own line.
        let finder = self
            .phase
            .as_ref()
            .and_then(|r| regex::bytes::Regex::new(&format!("(?mR:{})", r.as_str())).ok());
        let mut buf = vec![0u8; BLOCK];
        let mut filled = 0;
        // A `# package` line of the go command, held back: the compiler (a
        // Go program too) inherits gctrace, and the go command prints such
        // a line before that hidden trace output. Dropped when a hidden
        // trace line comes next, else shown.
        let mut header: Option<Vec<u8>> = None;
        loop {
            let n = match source.read(&mut buf[filled..]) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => 0,
            };
            if n == 0 {
                let t_ns = started.elapsed().as_nanos() as u64;
                self.block(&buf[..filled], t_ns, finder.as_ref(), &mut header, to);
                if let Some(h) = header.take() {
                    self.pass_on(&h);
                }
                return;
            }
            filled += n;
            let end = match memchr::memrchr(b'\n', &buf[..filled]) {
                Some(i) => i + 1,
                // A line longer than the block: taken as it is.
                None if filled == buf.len() => filled,
                None => continue,
            };
            let t_ns = started.elapsed().as_nanos() as u64;
            self.block(&buf[..end], t_ns, finder.as_ref(), &mut header, to);
            buf.copy_within(end..filled, 0);
            filled -= end;
        }
    }

    /// Whole lines read at `t_ns` (the last one may lack its newline at EOF).
    fn block(
        &self,
        chunk: &[u8],
        t_ns: u64,
        finder: Option<&regex::bytes::Regex>,
        header: &mut Option<Vec<u8>>,
        to: &Sender<OutputMessage>,
    ) {
        if chunk.is_empty() {
            return;
        }
        let newlines = memchr::memchr_iter(b'\n', chunk).count();
        let unterminated = u64::from(chunk.last() != Some(&b'\n'));
        self.lines
            .fetch_add(newlines as u64 + unterminated, Ordering::Relaxed);
        if self.stream == Stream::Stdout {
            self.pass_on(chunk);
            let (Some(regex), Some(finder)) = (&self.phase, finder) else {
                return;
            };
            let mut pos = 0;
            while let Some(m) = finder.find_at(chunk, pos) {
                let start = chunk[..m.start()]
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(0, |i| i + 1);
                let end = chunk[m.start()..]
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(chunk.len(), |i| m.start() + i);
                let text = String::from_utf8_lossy(&chunk[start..end]);
                let line = text.trim_end_matches('\r');
                if let Some(name) = phase_name(regex, line) {
                    if !self.was_caught(line) {
                        let _ = to.send(OutputMessage::Phase { t_ns, name });
                    }
                }
                pos = end + 1;
                if pos >= chunk.len() {
                    break;
                }
            }
            return;
        }
        let mut out = Vec::with_capacity(chunk.len());
        for raw in chunk.split_inclusive(|b| *b == b'\n') {
            let text = String::from_utf8_lossy(raw);
            let line = text.trim_end_matches(['\n', '\r']);
            let trace = is_trace(line);
            if self.hide_trace && is_package_header(line) {
                if let Some(h) = header.replace(raw.to_vec()) {
                    out.extend_from_slice(&h);
                }
            } else if trace && self.hide_trace {
                *header = None;
            } else {
                if let Some(h) = header.take() {
                    out.extend_from_slice(&h);
                }
                out.extend_from_slice(raw);
            }
            if trace {
                let _ = to.send(OutputMessage::Trace {
                    t_ns,
                    text: line.to_string(),
                });
            } else if let Some(name) = self.phase.as_ref().and_then(|r| phase_name(r, line)) {
                if !self.was_caught(line) {
                    let _ = to.send(OutputMessage::Phase { t_ns, name });
                }
            }
        }
        self.pass_on(&out);
    }

    fn was_caught(&self, line: &str) -> bool {
        let mut caught = self.caught.lock().unwrap_or_else(|e| e.into_inner());
        caught.take(self.stream, line)
    }

    /// Writes the line to gomemlab's own stream; a closed stream (`| head`)
    /// only stops the passing on, not the watch.
    fn pass_on(&self, bytes: &[u8]) {
        let _ = match self.stream {
            Stream::Stdout => {
                let mut out = std::io::stdout().lock();
                out.write_all(bytes).and_then(|()| out.flush())
            }
            Stream::Stderr => std::io::stderr().lock().write_all(bytes),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_group_names_the_phase_else_the_match() {
        let r = Regex::new(r"step (\w+)").expect("a regex");
        assert_eq!(phase_name(&r, "step one done").as_deref(), Some("one"));
        assert_eq!(phase_name(&r, "nothing here"), None);
        let whole = Regex::new(r"ready|loaded").expect("a regex");
        assert_eq!(
            phase_name(&whole, "cache loaded").as_deref(),
            Some("loaded")
        );
    }

    #[test]
    fn runtime_trace_lines_are_told_apart() {
        // From a go1.26.8 run with GODEBUG=gctrace=1,scavtrace=1.
        assert!(is_trace(
            "gc 1 @0.012s 2%: 0.010+0.45+0.003 ms clock, 0.021+0.1/0.3/0+0.007 ms cpu, 3->3->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P"
        ));
        assert!(is_trace(
            "scav 0 KiB work (bg), 0 KiB work (eager), 0 KiB now, 99% util"
        ));
        assert!(is_trace("GC forced"));
        assert!(!is_trace("gc is fun"));
        assert!(!is_trace("step one"));
    }

    #[test]
    fn the_go_commands_package_headers_are_told_apart() {
        assert!(is_package_header("# example.com/myprog"));
        assert!(!is_package_header("# a comment with words"));
        assert!(!is_package_header("#"));
    }
}
