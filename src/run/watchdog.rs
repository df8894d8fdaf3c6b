//! The RSS watchdog: a low-rate thread (every [`PERIOD`]) that reads the
//! fixture's RSS through one kept `/proc/PID/statm` handle and SIGKILLs its
//! process group once RSS passes the limit, recording what it saw and when.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::measure::sampler::Statm;

/// How often the watchdog looks.
pub const PERIOD: Duration = Duration::from_millis(10);
/// The default limit's cap: 8 GiB (and at most half of the RAM).
const DEFAULT_CAP: u64 = 8 << 30;

/// What made the watchdog stop a fixture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tripped {
    pub rss_bytes: u64,
    pub after: Duration,
}

/// A running watchdog; stops (and joins) on drop.
pub struct Watchdog {
    tripped: Arc<Mutex<Option<Tripped>>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Watchdog {
    /// Watches `pid` (the leader of its own process group) against `limit` bytes.
    pub fn start(pid: i32, started: Instant, limit: u64) -> std::io::Result<Watchdog> {
        let file = File::open(format!("/proc/{pid}/statm"))?;
        let tripped = Arc::new(Mutex::new(None));
        let stop = Arc::new(AtomicBool::new(false));
        let (slot, flag) = (Arc::clone(&tripped), Arc::clone(&stop));
        let page = nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
            .ok()
            .flatten()
            .map_or(4096, |p| p as u64);
        let handle = std::thread::Builder::new()
            .name("gomemlab-watchdog".into())
            .spawn(move || {
                let mut buf = [0u8; 256];
                while !flag.load(Ordering::Relaxed) {
                    // A read error means the process is gone (the handle
                    // cannot see a later process that reuses the pid).
                    let Ok(n) = file.read_at(&mut buf, 0) else {
                        return;
                    };
                    if let Some(s) = Statm::parse(&buf[..n], page) {
                        if s.rss_bytes > limit {
                            if let Ok(mut t) = slot.lock() {
                                *t = Some(Tripped {
                                    rss_bytes: s.rss_bytes,
                                    after: started.elapsed(),
                                });
                            }
                            let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
                            return;
                        }
                    }
                    std::thread::sleep(PERIOD);
                }
            })?;
        Ok(Watchdog {
            tripped,
            stop,
            handle: Some(handle),
        })
    }

    /// Whether (and why) the watchdog killed the fixture.
    pub fn tripped(&self) -> Option<Tripped> {
        self.tripped.lock().ok().and_then(|t| *t)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// The default `--max-rss`: half of the RAM, at most 8 GiB.
pub fn default_max_rss() -> u64 {
    use procfs::Current as _;
    let total = procfs::Meminfo::current().map(|m| m.mem_total).unwrap_or(0);
    if total == 0 {
        DEFAULT_CAP
    } else {
        (total / 2).min(DEFAULT_CAP)
    }
}

/// `8 GiB`, `512.0 MiB`: a size for messages.
pub fn show_size(bytes: u64) -> String {
    bytesize::ByteSize::b(bytes).display().iec().to_string()
}

/// Parses `8GiB`, `512 MiB`, `1.5G` or plain bytes; refuses 0.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let bytes = text
        .trim()
        .parse::<bytesize::ByteSize>()
        .map_err(|_| format!("`{text}` is not a size: use e.g. 512MiB or 8GiB"))?
        .as_u64();
    if bytes == 0 {
        return Err(format!(
            "`{text}` is no room at all: use e.g. 512MiB or 8GiB"
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt as _;

    #[test]
    fn sizes_parse_and_show() {
        assert_eq!(parse_size("8GiB"), Ok(8 << 30));
        assert_eq!(parse_size("512 MiB"), Ok(512 << 20));
        assert_eq!(parse_size("4096"), Ok(4096));
        assert!(parse_size("0").is_err());
        assert!(parse_size("lots").unwrap_err().contains("8GiB"));
        assert_eq!(show_size(8 << 30), "8.0 GiB");
        let d = default_max_rss();
        assert!(d > (64 << 20) && d <= DEFAULT_CAP, "{d}");
    }

    #[test]
    fn trips_on_a_process_over_the_limit() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let pid = child.id() as i32;
        let dog = Watchdog::start(pid, Instant::now(), 1).unwrap_or_else(|e| panic!("{e}"));
        let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(9)
        );
        let t = dog.tripped().unwrap_or_else(|| panic!("not tripped"));
        assert!(t.rss_bytes > 1);
    }
}
