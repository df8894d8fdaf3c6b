//! The watched command's stdout and stderr: each read line by line on a
//! thread, passed through to gomemlab's own stdout / stderr as it comes (the
//! user still sees the program's output), and turned into messages for the
//! watch loop: a phase when a line matches `--phase`, the runtime trace lines
//! (gctrace, scavtrace) of stderr. Nothing else is kept, so output costs no
//! memory however long the watch.

use std::io::{BufRead, BufReader, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::Instant;

use regex::Regex;

/// Longer lines are cut to this many bytes before matching.
const MAX_LINE: usize = 64 * 1024;

/// What a line of output tells the watch loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputMessage {
    /// A line matched `--phase`: a phase starts, named by the first capture
    /// group (else the whole match).
    Phase { t_ns: u64, name: String },
    /// A gctrace / scavtrace line (stderr only).
    Trace { t_ns: u64, text: String },
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

    fn run(&self, source: impl Read, started: Instant, to: &Sender<OutputMessage>) {
        let mut reader = BufReader::with_capacity(MAX_LINE, source);
        let mut buf = Vec::new();
        // A `# package` line of the go command, held back: the compiler (a
        // Go program too) inherits gctrace, and the go command prints such
        // a line before that hidden trace output. Dropped when a hidden
        // trace line comes next, else shown.
        let mut header: Option<Vec<u8>> = None;
        loop {
            buf.clear();
            match (&mut reader)
                .take(MAX_LINE as u64)
                .read_until(b'\n', &mut buf)
            {
                Ok(0) | Err(_) => {
                    if let Some(h) = header.take() {
                        self.pass_on(&h);
                    }
                    return;
                }
                Ok(_) => {}
            }
            let t_ns = started.elapsed().as_nanos() as u64;
            let text = String::from_utf8_lossy(&buf);
            let line = text.trim_end_matches(['\n', '\r']);
            let trace = self.stream == Stream::Stderr && is_trace(line);
            let hiding = self.hide_trace && self.stream == Stream::Stderr;
            if hiding && is_package_header(line) {
                if let Some(h) = header.replace(buf.clone()) {
                    self.pass_on(&h);
                }
            } else if trace && self.hide_trace {
                header = None;
            } else {
                if let Some(h) = header.take() {
                    self.pass_on(&h);
                }
                self.pass_on(&buf);
            }
            self.lines.fetch_add(1, Ordering::Relaxed);
            if trace {
                let _ = to.send(OutputMessage::Trace {
                    t_ns,
                    text: line.to_string(),
                });
            } else if let Some(name) = self.phase.as_ref().and_then(|r| phase_name(r, line)) {
                let _ = to.send(OutputMessage::Phase { t_ns, name });
            }
        }
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
