//! The fast tier: a thread that re-reads `/proc/PID/statm` through one kept
//! file handle at a fixed interval (1 ms by default), until the process exits
//! or the sampler is stopped.
//!
//! Hand-written rather than `procfs::Process::statm`, which opens the file
//! for every read: here a read is one `pread` on an open fd (1–5 µs), which is
//! what makes a 1 ms interval cheap.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::time::{ClockId, clock_gettime};

use crate::timeline::{Sample, SamplerStats};

/// A running fast-tier sampler. Stops (and joins) on [`Sampler::stop`] or drop.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<(Vec<Sample>, SamplerStats)>>,
}

/// `statm` in bytes: the two fields the fast tier keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statm {
    pub vm_size_bytes: u64,
    pub rss_bytes: u64,
}

impl Statm {
    /// Parses `size resident shared text lib data dt` (in pages).
    pub fn parse(text: &str, page_size: u64) -> Option<Statm> {
        let mut fields = text.split_ascii_whitespace().map(|f| f.parse::<u64>());
        let size = fields.next()?.ok()?;
        let resident = fields.next()?.ok()?;
        Some(Statm {
            vm_size_bytes: size * page_size,
            rss_bytes: resident * page_size,
        })
    }
}

impl Sampler {
    /// Starts sampling `pid`; times are measured from `epoch`.
    pub fn start(pid: i32, epoch: Instant, interval: Duration) -> std::io::Result<Sampler> {
        let file = File::open(format!("/proc/{pid}/statm"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let handle = std::thread::Builder::new()
            .name("gomemlab-sampler".into())
            .spawn(move || sample_loop(&file, epoch, interval, &flag))?;
        Ok(Sampler {
            stop,
            handle: Some(handle),
        })
    }

    /// Stops the thread and returns what it gathered.
    pub fn stop(mut self) -> (Vec<Sample>, SamplerStats) {
        self.finish()
    }

    fn finish(&mut self) -> (Vec<Sample>, SamplerStats) {
        self.stop.store(true, Ordering::Relaxed);
        self.handle
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.finish();
    }
}

fn sample_loop(
    file: &File,
    epoch: Instant,
    interval: Duration,
    stop: &AtomicBool,
) -> (Vec<Sample>, SamplerStats) {
    let page_size = page_size();
    let mut samples = Vec::with_capacity(4096);
    let mut buf = [0u8; 256];
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        // A read error (ESRCH) or an all-zero statm means the process has
        // exited (a zombie's statm reads as zeros): the series ends there.
        let Ok(n) = file.read_at(&mut buf, 0) else {
            break;
        };
        let text = std::str::from_utf8(&buf[..n]).unwrap_or("");
        match Statm::parse(text, page_size) {
            Some(s) if s.vm_size_bytes > 0 => samples.push(Sample {
                t_ns: epoch.elapsed().as_nanos() as u64,
                rss_bytes: s.rss_bytes,
                vm_size_bytes: s.vm_size_bytes,
            }),
            _ => break,
        }
        // Fixed-rate schedule: lateness does not accumulate into drift.
        next += interval;
        let now = Instant::now();
        if next > now {
            std::thread::sleep(next - now);
        } else {
            next = now;
        }
    }
    let stats = SamplerStats {
        interval_ns: interval.as_nanos() as u64,
        samples: samples.len() as u64,
        span_ns: match (samples.first(), samples.last()) {
            (Some(a), Some(b)) => b.t_ns - a.t_ns,
            _ => 0,
        },
        cpu_ns: thread_cpu_ns(),
    };
    (samples, stats)
}

fn page_size() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .map_or(4096, |p| p as u64)
}

fn thread_cpu_ns() -> u64 {
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map(|t| t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_statm_pages_into_bytes() {
        // Captured from a Go 1.26 idle fixture.
        let s = Statm::parse("310405 614 400 175 0 35287 0\n", 4096).unwrap();
        assert_eq!(s.vm_size_bytes, 310_405 * 4096);
        assert_eq!(s.rss_bytes, 614 * 4096);
    }

    #[test]
    fn a_zombie_statm_parses_as_zero() {
        let s = Statm::parse("0 0 0 0 0 0 0\n", 4096).unwrap();
        assert_eq!(s.vm_size_bytes, 0);
        assert!(Statm::parse("", 4096).is_none());
        assert!(Statm::parse("x 1", 4096).is_none());
    }

    #[test]
    fn samples_this_process_until_stopped() {
        let pid = std::process::id() as i32;
        let sampler = Sampler::start(pid, Instant::now(), Duration::from_millis(1)).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let (samples, stats) = sampler.stop();
        assert!(samples.len() >= 10, "only {} samples", samples.len());
        assert!(samples.windows(2).all(|w| w[0].t_ns <= w[1].t_ns));
        assert!(samples.iter().all(|s| s.rss_bytes > 0));
        assert_eq!(stats.samples, samples.len() as u64);
    }
}
