//! The RSS watchdog: SIGKILLs the fixture's process group once its RSS
//! passes the limit, recording what it saw and when. From the spawn it is a
//! low-rate thread (every [`PERIOD`]) reading RSS through one kept
//! `/proc/PID/statm` handle; once the fast-tier sampler runs, it
//! [hands over](Watchdog::hand_to) to it and checks every sample's window
//! peak instead: no second periodic reader (its wakeups cost as much as the
//! sampler's: about 0.35% of a core at 10 ms on the 2-core VM, at any
//! `--interval`), and an excursion over the limit between two reads is seen
//! at its full height. The limit is then checked once per `--interval`.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::measure::sampler::{Sampler, Statm};

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
    pid: i32,
    started: Instant,
    limit: u64,
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
                        if trip(&slot, pid, started, limit, s.rss_bytes) {
                            return;
                        }
                    }
                    std::thread::park_timeout(PERIOD);
                }
            })?;
        Ok(Watchdog {
            pid,
            started,
            limit,
            tripped,
            stop,
            handle: Some(handle),
        })
    }

    /// Stops the watchdog's own thread and checks every sample of `sampler`
    /// from now on (its window peak: the highest RSS since the sample
    /// before). The thread's last read and the sampler's first overlap, so
    /// nothing between them goes unchecked.
    pub fn hand_to(&mut self, sampler: &Sampler) {
        let (slot, pid, started, limit) = (
            Arc::clone(&self.tripped),
            self.pid,
            self.started,
            self.limit,
        );
        let mut done = false;
        sampler.on_each_sample(Box::new(move |sample| {
            done = done || trip(&slot, pid, started, limit, sample.peak_bytes);
        }));
        self.stop_thread();
    }

    fn stop_thread(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            h.thread().unpark();
            let _ = h.join();
        }
    }

    /// Whether (and why) the watchdog killed the fixture.
    pub fn tripped(&self) -> Option<Tripped> {
        self.tripped.lock().ok().and_then(|t| *t)
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop_thread();
    }
}

/// Over the limit: records what was seen and SIGKILLs the group (once the
/// caller stops calling). Returns whether it tripped.
fn trip(
    slot: &Mutex<Option<Tripped>>,
    pid: i32,
    started: Instant,
    limit: u64,
    rss_bytes: u64,
) -> bool {
    if rss_bytes <= limit {
        return false;
    }
    if let Ok(mut t) = slot.lock() {
        *t = Some(Tripped {
            rss_bytes,
            after: started.elapsed(),
        });
    }
    let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
    true
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

    /// A `sleep 30` leading its own process group, and its pid.
    fn sleeper() -> (std::process::Child, i32) {
        let child = std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let pid = child.id() as i32;
        (child, pid)
    }

    fn killed_by_sigkill(status: std::process::ExitStatus) -> bool {
        std::os::unix::process::ExitStatusExt::signal(&status) == Some(9)
    }

    #[test]
    fn trips_on_a_process_over_the_limit() {
        let (mut child, pid) = sleeper();
        let dog = Watchdog::start(pid, Instant::now(), 1).unwrap_or_else(|e| panic!("{e}"));
        let status = child.wait().unwrap_or_else(|e| panic!("{e}"));
        assert!(killed_by_sigkill(status), "{status}");
        let t = dog.tripped().unwrap_or_else(|| panic!("not tripped"));
        assert!(t.rss_bytes > 1);
    }

    #[test]
    fn handed_to_the_sampler_it_stops_its_thread_and_checks_every_sample() {
        let (mut child, pid) = sleeper();
        let started = Instant::now();
        // The thread's own limit is out of reach; the one handed to the
        // sampler is not: only the sampler's check can kill the child.
        let mut dog = Watchdog::start(pid, started, u64::MAX).unwrap_or_else(|e| panic!("{e}"));
        dog.limit = 1;
        let sampler = Sampler::start(pid, started, Duration::from_millis(10))
            .unwrap_or_else(|e| panic!("{e}"));
        dog.hand_to(&sampler);
        assert!(dog.handle.is_none(), "the watchdog's thread still runs");
        let deadline = Instant::now() + Duration::from_secs(5);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the sampler's samples were not checked against the limit");
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        assert!(killed_by_sigkill(status), "{status}");
        let t = dog.tripped().unwrap_or_else(|| panic!("not tripped"));
        assert!(t.rss_bytes > 1);
        drop(sampler);
    }
}
