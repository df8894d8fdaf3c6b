//! The fast tier: a thread that re-reads `/proc/PID/statm` through one kept
//! file handle on a fixed-rate schedule (1 ms by default), until the process
//! exits or the sampler is stopped.
//!
//! Where a sample's cost goes (perf and `strace -c` of this thread, 2-core
//! VM): about half is the wakeup itself (the timed sleep, the context switch
//! in and out), a third the `pread` (the kernel formatting statm, summing
//! per-CPU RSS counters), and the rest — clock reads, parsing, storing — a
//! few percent. So the loop does one `pread` and one timed wait per sample
//! and nothing else: no allocation, no UTF-8 check, one clock read, and
//! samples appended to a compact encoded series ([`Samples`]).

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::time::{ClockId, clock_gettime};

use crate::timeline::{Sample, SamplerStats, Samples};

/// The shortest interval the sampler accepts: below it the wakeups alone
/// cost more than a tenth of a core.
pub const MIN_INTERVAL: Duration = Duration::from_micros(100);
/// The longest: a coarser series misses every phase-length event.
pub const MAX_INTERVAL: Duration = Duration::from_secs(1);

/// A running fast-tier sampler. Stops (and joins) on [`Sampler::stop`] or
/// drop, within one wakeup: its wait between samples is interruptible.
pub struct Sampler {
    shared: Arc<Shared>,
    handle: Option<JoinHandle<(Samples, SamplerStats)>>,
}

struct Shared {
    stop: AtomicBool,
    latest_rss: AtomicU64,
}

/// The RSS of the newest sample, readable from any thread (0 before the first).
#[derive(Clone)]
pub struct LatestRss(Arc<Shared>);

impl LatestRss {
    pub fn bytes(&self) -> u64 {
        self.0.latest_rss.load(Ordering::Relaxed)
    }
}

/// `statm` in bytes: the two fields the fast tier keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statm {
    pub vm_size_bytes: u64,
    pub rss_bytes: u64,
}

impl Statm {
    /// Parses `size resident shared text lib data dt` (in pages).
    ///
    /// Hand-written rather than `procfs::Process::statm` (which opens the
    /// file and allocates at every read): this runs up to 10,000 times a
    /// second on bytes from a fixed buffer, so it reads the two leading
    /// decimal fields directly, with no UTF-8 pass and no allocation.
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

/// `/proc/PID/statm` through a kept descriptor into a fixed buffer.
struct StatmReader {
    file: File,
    buf: [u8; 128],
    page_size: u64,
}

impl StatmReader {
    /// None once the process is gone: a read error (ESRCH) or an all-zero
    /// statm (a zombie's).
    fn read(&mut self) -> Option<Statm> {
        let n = self.file.read_at(&mut self.buf, 0).ok()?;
        Statm::parse(&self.buf[..n], self.page_size).filter(|s| s.vm_size_bytes > 0)
    }
}

impl Sampler {
    /// Starts sampling `pid`; times are measured from `epoch`. The interval
    /// is clamped to [`MIN_INTERVAL`]..=[`MAX_INTERVAL`] (the CLI rejects others).
    pub fn start(pid: i32, epoch: Instant, interval: Duration) -> std::io::Result<Sampler> {
        let reader = StatmReader {
            file: File::open(format!("/proc/{pid}/statm"))?,
            buf: [0; 128],
            page_size: page_size(),
        };
        let interval = interval.clamp(MIN_INTERVAL, MAX_INTERVAL);
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            latest_rss: AtomicU64::new(0),
        });
        let theirs = Arc::clone(&shared);
        let handle = std::thread::Builder::new()
            .name("gomemlab-sampler".into())
            .spawn(move || sample_loop(reader, epoch, interval, &theirs))?;
        Ok(Sampler {
            shared,
            handle: Some(handle),
        })
    }

    /// A handle on the newest sample's RSS (e.g. for a watchdog).
    pub fn latest_rss(&self) -> LatestRss {
        LatestRss(Arc::clone(&self.shared))
    }

    /// Stops the thread and returns what it gathered.
    pub fn stop(mut self) -> (Samples, SamplerStats) {
        self.finish()
    }

    fn finish(&mut self) -> (Samples, SamplerStats) {
        self.shared.stop.store(true, Ordering::Release);
        let Some(handle) = self.handle.take() else {
            return Default::default();
        };
        handle.thread().unpark();
        handle.join().unwrap_or_default()
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.finish();
    }
}

fn sample_loop(
    mut reader: StatmReader,
    epoch: Instant,
    interval: Duration,
    shared: &Shared,
) -> (Samples, SamplerStats) {
    // Timer slack (50 µs by default) would make every wakeup of a 100 µs
    // schedule late; a twentieth of the interval keeps it on the grid.
    let _ = nix::sys::prctl::set_timerslack((interval.as_nanos() / 20) as _);
    // Room for a minute at 1 kHz (~4 bytes a sample) before the first growth.
    let mut samples = Samples::with_capacity(256 << 10);
    let mut skipped = 0u64;
    let mut next = Instant::now();
    while !shared.stop.load(Ordering::Acquire) {
        let Some(statm) = reader.read() else {
            break;
        };
        let now = Instant::now();
        samples.push(Sample {
            t_ns: now.duration_since(epoch).as_nanos() as u64,
            rss_bytes: statm.rss_bytes,
            vm_size_bytes: statm.vm_size_bytes,
        });
        shared.latest_rss.store(statm.rss_bytes, Ordering::Relaxed);
        // Fixed-rate schedule on absolute deadlines: lateness neither drifts
        // the grid nor causes a burst of catch-up samples; missed slots are skipped.
        next += interval;
        if next <= now {
            let behind = (now - next).as_nanos() / interval.as_nanos() + 1;
            skipped += behind as u64;
            next += interval * behind as u32;
        }
        wait_until(next, &shared.stop);
    }
    let span_ns = match (samples.first(), samples.last()) {
        (Some(a), Some(b)) => b.t_ns - a.t_ns,
        _ => 0,
    };
    let stats = SamplerStats {
        interval_ns: interval.as_nanos() as u64,
        samples: samples.len() as u64,
        span_ns,
        cpu_ns: thread_cpu_ns(),
        skipped,
        phase_read_ns: 0,
    };
    (samples, stats)
}

/// Parks until `deadline` (a futex wait on an absolute CLOCK_MONOTONIC time)
/// or until [`Sampler::stop`] unparks the thread.
fn wait_until(deadline: Instant, stop: &AtomicBool) {
    loop {
        let now = Instant::now();
        if now >= deadline || stop.load(Ordering::Acquire) {
            return;
        }
        std::thread::park_timeout(deadline - now);
    }
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
        let s = Statm::parse(b"310405 614 400 175 0 35287 0\n", 4096).unwrap();
        assert_eq!(s.vm_size_bytes, 310_405 * 4096);
        assert_eq!(s.rss_bytes, 614 * 4096);
    }

    #[test]
    fn a_zombie_statm_parses_as_zero_and_garbage_as_nothing() {
        let s = Statm::parse(b"0 0 0 0 0 0 0\n", 4096).unwrap();
        assert_eq!(s.vm_size_bytes, 0);
        for bad in [
            &b""[..],
            b"x 1",
            b"12",
            b"1  2",
            b"99999999999999999999 1",
            b"-1 2",
        ] {
            assert!(Statm::parse(bad, 4096).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn samples_this_process_until_stopped() {
        let pid = std::process::id() as i32;
        let sampler = Sampler::start(pid, Instant::now(), Duration::from_millis(1)).unwrap();
        let latest = sampler.latest_rss();
        // 200 slots; a busy machine (parallel tests, other builds) skips many.
        std::thread::sleep(Duration::from_millis(200));
        assert!(latest.bytes() > 0);
        let (samples, stats) = sampler.stop();
        assert!(samples.len() >= 5, "only {} samples", samples.len());
        let all: Vec<Sample> = samples.iter().collect();
        assert!(all.windows(2).all(|w| w[0].t_ns < w[1].t_ns));
        assert!(all.iter().all(|s| s.rss_bytes > 0));
        assert_eq!(stats.samples, samples.len() as u64);
    }

    #[test]
    fn stopping_interrupts_a_long_wait() {
        let pid = std::process::id() as i32;
        let sampler = Sampler::start(pid, Instant::now(), MAX_INTERVAL).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        let asked = Instant::now();
        let (samples, _) = sampler.stop();
        let took = asked.elapsed();
        eprintln!("stop took {took:?} with a {MAX_INTERVAL:?} interval");
        assert_eq!(samples.len(), 1);
        assert!(took < MAX_INTERVAL / 2, "stop took {took:?}");
    }
}
