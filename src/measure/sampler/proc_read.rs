//! The hot `/proc` readers of the fast tier and the watchdog: `statm`'s two
//! leading fields and `status`'s VmSize, VmHWM and VmRSS, parsed from bytes in
//! a fixed buffer read through kept descriptors, with the `clear_refs` reset
//! that starts the next window.
//!
//! Hand-written rather than `procfs` (which opens the file and allocates a
//! map of every line each time): these run up to 10,000 times a second, so
//! each is one `pread` into a reused buffer and a scan for the few keys kept.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;

/// `statm` in bytes: its two leading fields (the watchdog's cheap read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statm {
    pub vm_size_bytes: u64,
    pub rss_bytes: u64,
}

impl Statm {
    /// Parses `size resident shared text lib data dt` (in pages), reading
    /// the two leading decimal fields directly: no UTF-8 pass, no allocation.
    pub fn parse(bytes: &[u8], page_size: u64) -> Option<Statm> {
        let mut fields = bytes.split(|b| *b == b' ');
        let mut number = || -> Option<u64> {
            let field = fields.next()?;
            if field.is_empty() || field.len() > 19 {
                return None;
            }
            field.iter().try_fold(0u64, |n, b| {
                b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
            })
        };
        let size = number()?;
        let resident = number()?;
        Some(Statm {
            vm_size_bytes: size * page_size,
            rss_bytes: resident * page_size,
        })
    }
}

/// `status` in bytes: the fields the fast tier keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusMem {
    pub vm_size_bytes: u64,
    pub rss_bytes: u64,
    /// VmHWM: the highest RSS since exec or the last `clear_refs` reset
    /// (the kernel reports at least the current RSS).
    pub hwm_bytes: u64,
}

impl StatusMem {
    /// Reads `VmSize`, `VmHWM` and `VmRSS` (kB) from `status` text. None if
    /// one is missing (a zombie's or a kernel thread's status has none).
    ///
    /// Hand-written rather than `procfs::Status` (which allocates a map of
    /// every line): this runs up to 10,000 times a second on bytes from a
    /// fixed buffer, so it scans for the three keys and nothing else.
    pub fn parse(bytes: &[u8]) -> Option<StatusMem> {
        let (mut size, mut hwm, mut rss) = (None, None, None);
        for line in bytes.split(|b| *b == b'\n') {
            let slot = match line.get(..6) {
                Some(b"VmSize") => &mut size,
                Some(b"VmHWM:") => &mut hwm,
                Some(b"VmRSS:") => &mut rss,
                _ => continue,
            };
            *slot = Some(kib_field(line)? * 1024);
            if size.is_some() && hwm.is_some() && rss.is_some() {
                break;
            }
        }
        Some(StatusMem {
            vm_size_bytes: size?,
            rss_bytes: rss?,
            hwm_bytes: hwm?,
        })
    }
}

/// The number in `Key:\t   123 kB`.
fn kib_field(line: &[u8]) -> Option<u64> {
    let colon = line.iter().position(|b| *b == b':')?;
    let digits: &[u8] = line[colon + 1..]
        .split(|b| *b == b' ' || *b == b'\t')
        .find(|f| !f.is_empty())?;
    if digits.len() > 19 {
        return None;
    }
    digits.iter().try_fold(0u64, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

/// `/proc/PID/status` and `clear_refs` through kept descriptors, into a
/// fixed buffer.
pub(super) struct StatusReader {
    status: File,
    /// None when the reset is refused: samples then have no window.
    clear_refs: Option<File>,
    buf: Box<[u8; 4096]>,
}

impl StatusReader {
    pub(super) fn open(pid: i32) -> std::io::Result<StatusReader> {
        let status = File::open(format!("/proc/{pid}/status"))?;
        let clear_refs = OpenOptions::new()
            .write(true)
            .open(format!("/proc/{pid}/clear_refs"))
            .ok();
        Ok(StatusReader {
            status,
            clear_refs,
            buf: Box::new([0; 4096]),
        })
    }

    /// Whether samples carry a window (the `clear_refs` reset was allowed).
    pub(super) fn windowed(&self) -> bool {
        self.clear_refs.is_some()
    }

    /// Reads the window and starts the next: None once the process is gone.
    pub(super) fn read(&mut self) -> Option<StatusMem> {
        let n = self.status.read_at(&mut self.buf[..], 0).ok()?;
        let mem = StatusMem::parse(&self.buf[..n]).filter(|s| s.vm_size_bytes > 0)?;
        // A spike that rises and falls between the read above and this
        // reset (a few µs) is the one the window can miss.
        if let Some(c) = &self.clear_refs {
            if c.write_at(b"5", 0).is_err() {
                return None;
            }
        }
        Some(mem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from a Go 1.26 idle fixture (the memory lines of `status`).
    const STATUS: &[u8] = b"Name:\tidle\nState:\tS (sleeping)\nVmPeak:\t 1241640 kB\nVmSize:\t 1241620 kB\nVmLck:\t       0 kB\nVmPin:\t       0 kB\nVmHWM:\t    5012 kB\nVmRSS:\t    2456 kB\nRssAnon:\t     736 kB\nThreads:\t5\n";

    #[test]
    fn parses_statm_pages_into_bytes() {
        // Captured from a Go 1.26 idle fixture.
        let s = Statm::parse(b"310405 614 400 175 0 35287 0\n", 4096).unwrap();
        assert_eq!(s.vm_size_bytes, 310_405 * 4096);
        assert_eq!(s.rss_bytes, 614 * 4096);
        assert!(Statm::parse(b"x 1", 4096).is_none());
    }

    #[test]
    fn parses_status_kib_into_bytes() {
        let s = StatusMem::parse(STATUS).unwrap();
        assert_eq!(s.vm_size_bytes, 1_241_620 * 1024);
        assert_eq!(s.hwm_bytes, 5012 * 1024);
        assert_eq!(s.rss_bytes, 2456 * 1024);
    }

    #[test]
    fn a_zombie_status_or_garbage_parses_as_nothing() {
        let zombie = b"Name:\tidle\nState:\tZ (zombie)\nThreads:\t1\n";
        assert!(StatusMem::parse(zombie).is_none());
        for bad in [
            &b""[..],
            b"VmSize:\t x kB\nVmHWM:\t 1 kB\nVmRSS:\t 1 kB\n",
            b"VmSize:\t 1 kB\nVmHWM:\t 1 kB\n",
            b"VmSize:\t 99999999999999999999 kB\nVmHWM:\t 1 kB\nVmRSS:\t 1 kB\n",
            b"VmSize:\t -1 kB\nVmHWM:\t 1 kB\nVmRSS:\t 1 kB\n",
        ] {
            assert!(StatusMem::parse(bad).is_none(), "{bad:?}");
        }
    }
}
