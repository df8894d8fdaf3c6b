//! The fixture's stderr, kept bounded whatever the fixture writes: every
//! runtime trace line (gctrace, scavtrace: they become events), the tail of
//! everything else (at most [`TAIL_LINES`] lines and [`TAIL_BYTES`] bytes),
//! the first Go `fatal error:` / `panic:` / fatal signal line, and a count
//! of lines.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::thread::JoinHandle;
use std::time::Instant;

/// Lines of non-trace stderr kept (the last ones).
pub const TAIL_LINES: usize = 200;
/// Bytes of non-trace stderr kept (the last ones).
pub const TAIL_BYTES: usize = 64 * 1024;
/// Longer lines are cut to this many bytes.
const MAX_LINE: usize = 4096;
/// Trace lines kept at most (a GC cycle each: far more than any run makes).
const MAX_TRACE_LINES: usize = 1_000_000;
/// How many lines an error message shows.
const MESSAGE_LINES: usize = 15;

/// One line the fixture wrote on stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StderrLine {
    /// When the harness read it: nanoseconds since spawn.
    pub t_ns: u64,
    /// The line without its newline (invalid UTF-8 replaced, cut at 4 KiB).
    pub text: String,
}

/// What was kept of a fixture's stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stderr {
    /// The kept lines in arrival order: all trace lines, then-or-among them
    /// the tail of the others.
    pub lines: Vec<StderrLine>,
    /// Lines the fixture wrote in all.
    pub total: u64,
    /// The first `fatal error:` line, else the first `panic:` line, else
    /// the first fatal signal's line (`SIGABRT: abort`).
    pub go_error: Option<String>,
}

impl Stderr {
    /// When the fixture printed Go's flag usage (`Usage of ...`): the line
    /// that says which argument it rejected, or a general one.
    pub fn flag_error(&self) -> Option<String> {
        let texts = || self.lines.iter().map(|l| l.text.trim());
        texts().any(|t| t.starts_with("Usage of ")).then_some(())?;
        let why = texts().find(|l| {
            l.starts_with("flag provided but not defined")
                || l.starts_with("invalid value")
                || l.starts_with("invalid boolean")
                || l.starts_with("flag needs an argument")
        });
        Some(why.unwrap_or("it printed its usage").to_string())
    }

    /// The last lines, indented, for error messages.
    pub fn tail(&self) -> String {
        if self.lines.is_empty() {
            return "  (stderr was empty)".into();
        }
        let start = self.lines.len().saturating_sub(MESSAGE_LINES);
        let shown: Vec<String> = self.lines[start..]
            .iter()
            .map(|l| format!("  {}", l.text))
            .collect();
        format!(
            "stderr (last {} lines):\n{}",
            self.lines.len() - start,
            shown.join("\n")
        )
    }

    /// The kept lines as bytes, newline-terminated.
    pub fn bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        for line in &self.lines {
            bytes.extend_from_slice(line.text.as_bytes());
            bytes.push(b'\n');
        }
        bytes
    }
}

/// Reads `source` line by line on a thread, stamping each line as it arrives
/// (so trace lines land on the run's time axis), keeping it bounded.
pub fn collect(source: impl Read + Send + 'static, started: Instant) -> JoinHandle<Stderr> {
    std::thread::spawn(move || {
        let mut reader = BufReader::new(source);
        let mut out = Stderr::default();
        let mut traces: Vec<(u64, StderrLine)> = Vec::new();
        let mut tail: VecDeque<(u64, StderrLine)> = VecDeque::new();
        let mut tail_bytes = 0;
        let mut buf = Vec::new();
        while matches!(read_line_capped(&mut reader, &mut buf), Ok(n) if n > 0) {
            let line = StderrLine {
                t_ns: started.elapsed().as_nanos() as u64,
                text: String::from_utf8_lossy(&buf).into_owned(),
            };
            buf.clear();
            let seq = out.total;
            out.total += 1;
            let text = line.text.as_str();
            // A `fatal error:` line wins over an earlier `panic:` line,
            // which wins over an earlier fatal signal's (`SIGABRT: abort`).
            let had = out.go_error.as_deref().map_or(0, go_error_rank);
            if go_error_rank(text) > had {
                out.go_error = Some(line.text.clone());
            }
            if is_trace(text) {
                if traces.len() < MAX_TRACE_LINES {
                    traces.push((seq, line));
                }
                continue;
            }
            tail_bytes += line.text.len();
            tail.push_back((seq, line));
            while tail.len() > TAIL_LINES || tail_bytes > TAIL_BYTES {
                if let Some((_, old)) = tail.pop_front() {
                    tail_bytes -= old.text.len();
                }
            }
        }
        let mut kept: Vec<(u64, StderrLine)> = traces.into_iter().chain(tail).collect();
        kept.sort_by_key(|(seq, _)| *seq);
        out.lines = kept.into_iter().map(|(_, l)| l).collect();
        out
    })
}

/// How much a line says why a Go program died: 3 `fatal error:`, 2
/// `panic:`, 1 the runtime's line for a fatal signal (`SIGABRT: abort`,
/// `SIGSEGV: segmentation violation`, printed before the register dump of
/// GOTRACEBACK=crash), 0 none.
fn go_error_rank(line: &str) -> u8 {
    let signal = line.split_once(": ").is_some_and(|(name, _)| {
        name.len() > 3
            && name.starts_with("SIG")
            && name[3..]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    });
    if line.starts_with("fatal error:") {
        3
    } else if line.starts_with("panic:") {
        2
    } else if signal {
        1
    } else {
        0
    }
}

/// A runtime trace line (`gc N @...`, `scav ...`, `GC forced`).
fn is_trace(line: &str) -> bool {
    line.starts_with("gc ") || line.starts_with("scav ") || line == "GC forced"
}

/// Reads one line into `buf` without its newline, keeping at most
/// [`MAX_LINE`] bytes of it; returns the bytes consumed (0 at end of input).
fn read_line_capped(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut consumed = 0;
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok(consumed);
        }
        let (chunk, done) = match available.iter().position(|&b| b == b'\n') {
            Some(i) => (&available[..i], i + 1),
            None => (available, available.len()),
        };
        let room = MAX_LINE.saturating_sub(buf.len());
        buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
        let newline = done > chunk.len();
        reader.consume(done);
        consumed += done;
        if newline {
            return Ok(consumed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collected(input: Vec<u8>) -> Stderr {
        collect(std::io::Cursor::new(input), Instant::now())
            .join()
            .unwrap_or_default()
    }

    #[test]
    fn lines_are_stamped_in_order() {
        let s = collected(b"gc 1 @0.001s\n\xffbad\nlast, no newline".to_vec());
        let texts: Vec<&str> = s.lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["gc 1 @0.001s", "\u{fffd}bad", "last, no newline"]);
        assert!(s.lines.windows(2).all(|w| w[0].t_ns <= w[1].t_ns));
        assert_eq!(s.total, 3);
    }

    #[test]
    fn keeps_every_trace_line_and_a_bounded_tail() {
        let mut input = String::new();
        for i in 0..5000 {
            input += &format!("noise {i}\n");
            if i % 100 == 0 {
                input += &format!("gc {i} @0.1s 1%: x\n");
            }
        }
        input += &"y".repeat(1 << 20);
        input += "\nlast\n";
        let s = collected(input.into_bytes());
        assert_eq!(s.total, 5000 + 50 + 2);
        let traces = s.lines.iter().filter(|l| l.text.starts_with("gc ")).count();
        assert_eq!(traces, 50);
        let others = s.lines.len() - traces;
        assert!(others <= TAIL_LINES, "{others}");
        assert!(s.lines.iter().all(|l| l.text.len() <= MAX_LINE));
        assert_eq!(s.lines.last().map(|l| l.text.as_str()), Some("last"));
        assert!(s.tail().contains("noise 4999") && !s.tail().contains("noise 100\n"));
        assert!(Stderr::default().tail().contains("empty"));
    }

    #[test]
    fn finds_the_go_error_line_before_the_dump() {
        let mut input = "starting\npanic: boom\n\ngoroutine 1 [running]:\n".to_string();
        for i in 0..500 {
            input += &format!("rax    {i:#x}\n");
        }
        let s = collected(input.clone().into_bytes());
        assert_eq!(s.go_error.as_deref(), Some("panic: boom"));
        assert!(!s.tail().contains("panic: boom"));
        let s = collected(
            format!("panic: a\nfatal error: runtime: out of memory\n{input}").into_bytes(),
        );
        assert_eq!(
            s.go_error.as_deref(),
            Some("fatal error: runtime: out of memory")
        );
        // A signal from outside under GOTRACEBACK=crash: no panic line.
        let s = collected(
            format!("SIGABRT: abort\nPC=0x4711 m=0 sigcode=0\n{input}\nSIGQUIT: quit\n")
                .replace("panic: boom", "")
                .into_bytes(),
        );
        assert_eq!(s.go_error.as_deref(), Some("SIGABRT: abort"));
        let s = collected(b"SIGSEGV: segv\npanic: later\n".to_vec());
        assert_eq!(s.go_error.as_deref(), Some("panic: later"));
    }
}
