//! The fast tier: a thread that reads the process's RSS, VmSize and the
//! highest RSS since its previous sample (the window peak) on a fixed-rate
//! schedule, until the process exits or the sampler is stopped.
//!
//! The window: the kernel keeps the highest RSS a process reached (VmHWM in
//! `status`, raised before every RSS decrease: munmap, MADV_DONTNEED,
//! MADV_FREE reclaim), and `echo 5 > /proc/PID/clear_refs` (Linux 4.0+)
//! lowers it to the current RSS. Each sample reads `status` and then resets
//! the mark, so every spike between two samples is seen at its full height,
//! however short, at any rate. The sampler is the one owner of that reset:
//! a phase takes its window through [`SamplerHandle::take_phase_window`]
//! (the highest of the windows since the previous phase), so phases and
//! samples never disagree.
//!
//! Cost (2-core VM, shared): a `status` read is about 3 µs of CPU, `statm`
//! 0.5 µs, the `clear_refs` write 0.2 µs; the wakeup itself about 20 µs.
//! So a sample is one `pread`, one `pwrite` and one timed wait, with no
//! allocation. When `clear_refs` cannot be opened (another user's process),
//! samples carry no window: their peak is their RSS, and the stats say so.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::time::{ClockId, clock_gettime};

use crate::timeline::{Sample, SamplerStats, Samples};

/// The shortest interval the sampler accepts: below it the wakeups alone
/// cost more than a tenth of a core.
pub const MIN_INTERVAL: Duration = Duration::from_micros(100);
/// The longest: a coarser series misses every phase-length event.
pub const MAX_INTERVAL: Duration = Duration::from_secs(1);
/// Samples kept for [`SamplerHandle::sample_at`] (10 s at 10 ms).
const RECENT: usize = 1024;

/// A running fast-tier sampler. Stops (and joins) on [`Sampler::stop`] or
/// drop, within one wakeup: its wait between samples is interruptible.
pub struct Sampler {
    shared: Arc<Shared>,
    handle: Option<JoinHandle<SamplerStats>>,
}

struct Shared {
    stop: AtomicBool,
    latest_rss: AtomicU64,
    epoch: Instant,
    state: Mutex<State>,
}

/// What the sampler thread and the phase readers share, under one lock so
/// that a read and its reset are never split by another reader's.
struct State {
    reader: StatusReader,
    samples: Samples,
    recent: VecDeque<Sample>,
    /// The highest window peak since the previous phase window.
    since_phase: u64,
    /// The process is gone (a read failed or showed a zombie).
    gone: bool,
}

/// The RSS of the newest sample, readable from any thread (0 before the first).
#[derive(Clone)]
pub struct LatestRss(Arc<Shared>);

impl LatestRss {
    pub fn bytes(&self) -> u64 {
        self.0.latest_rss.load(Ordering::Relaxed)
    }
}

/// A phase's part of the fast tier, from [`SamplerHandle::take_phase_window`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhaseWindow {
    /// The sample taken for the phase (None once the process is gone); it
    /// is also in the series, so the phase's peak is a sample's.
    pub sample: Option<Sample>,
    /// The highest RSS since the previous phase window (or the start): the
    /// maximum of the series' window peaks over that span, this sample's
    /// included. 0 if no sample was ever taken.
    pub peak_bytes: u64,
}

/// A handle on a running sampler, for other threads: phase windows and
/// recent samples.
#[derive(Clone)]
pub struct SamplerHandle(Arc<Shared>);

impl SamplerHandle {
    /// Takes a sample now (off the schedule: the window closes here) and
    /// returns the highest window peak since the previous phase window,
    /// starting the next phase's span. Read the slow tier *before* this call
    /// and the peak is never below the RSS that read saw.
    pub fn take_phase_window(&self) -> PhaseWindow {
        let mut state = self.0.lock();
        let sample = state.take(self.0.epoch);
        if let Some(s) = sample {
            self.0.latest_rss.store(s.rss_bytes, Ordering::Relaxed);
        }
        let peak_bytes = std::mem::take(&mut state.since_phase);
        PhaseWindow { sample, peak_bytes }
    }

    /// The highest window peak since the previous phase window, over the
    /// samples taken so far (takes no sample and starts no span).
    pub fn peak_since_last_phase(&self) -> u64 {
        self.0.lock().since_phase
    }

    /// The newest sample taken at or before `t_ns` (since the sampler's
    /// epoch), among the last 1024; None if none is that old or that recent.
    pub fn sample_at(&self, t_ns: u64) -> Option<Sample> {
        let state = self.0.lock();
        state.recent.iter().rev().find(|s| s.t_ns <= t_ns).copied()
    }

    /// The newest sample.
    pub fn latest(&self) -> Option<Sample> {
        self.0.lock().recent.back().copied()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data: keep using it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

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
struct StatusReader {
    status: File,
    /// None when the reset is refused: samples then have no window.
    clear_refs: Option<File>,
    buf: Box<[u8; 4096]>,
}

impl StatusReader {
    fn open(pid: i32) -> std::io::Result<StatusReader> {
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

    /// Reads the window and starts the next: None once the process is gone.
    fn read(&mut self) -> Option<StatusMem> {
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

impl State {
    /// One windowed sample, appended to the series.
    fn take(&mut self, epoch: Instant) -> Option<Sample> {
        if self.gone {
            return None;
        }
        let Some(mem) = self.reader.read() else {
            self.gone = true;
            return None;
        };
        let now = Instant::now();
        let peak_bytes = if self.reader.clear_refs.is_some() {
            mem.hwm_bytes.max(mem.rss_bytes)
        } else {
            mem.rss_bytes
        };
        // Same time after a phase window taken within the same µs: keep the
        // series strictly ordered.
        let t_ns = (now.duration_since(epoch).as_nanos() as u64)
            .max(self.recent.back().map_or(0, |s| s.t_ns + 1000));
        let sample = Sample {
            t_ns,
            rss_bytes: mem.rss_bytes,
            vm_size_bytes: mem.vm_size_bytes,
            peak_bytes,
        };
        self.samples.push(sample);
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back(sample);
        self.since_phase = self.since_phase.max(peak_bytes);
        Some(sample)
    }
}

impl Sampler {
    /// Starts sampling `pid`; times are measured from `epoch`. The interval
    /// is clamped to [`MIN_INTERVAL`]..=[`MAX_INTERVAL`] (the CLI rejects others).
    pub fn start(pid: i32, epoch: Instant, interval: Duration) -> std::io::Result<Sampler> {
        let interval = interval.clamp(MIN_INTERVAL, MAX_INTERVAL);
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            latest_rss: AtomicU64::new(0),
            epoch,
            state: Mutex::new(State {
                reader: StatusReader::open(pid)?,
                // Room for a minute at 1 kHz (~5 bytes a sample) before the first growth.
                samples: Samples::with_capacity(320 << 10),
                recent: VecDeque::with_capacity(RECENT),
                since_phase: 0,
                gone: false,
            }),
        });
        let theirs = Arc::clone(&shared);
        let handle = std::thread::Builder::new()
            .name("gomemlab-sampler".into())
            .spawn(move || sample_loop(interval, &theirs))?;
        Ok(Sampler {
            shared,
            handle: Some(handle),
        })
    }

    /// A handle on the newest sample's RSS (e.g. for a watchdog).
    pub fn latest_rss(&self) -> LatestRss {
        LatestRss(Arc::clone(&self.shared))
    }

    /// A handle for phase windows and recent samples, usable from any thread.
    pub fn handle(&self) -> SamplerHandle {
        SamplerHandle(Arc::clone(&self.shared))
    }

    /// Whether samples carry a window peak (`clear_refs` could be opened).
    pub fn windowed(&self) -> bool {
        self.shared.lock().reader.clear_refs.is_some()
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
        let mut stats = handle.join().unwrap_or_default();
        let mut state = self.shared.lock();
        let samples = std::mem::take(&mut state.samples);
        stats.samples = samples.len() as u64;
        stats.span_ns = match (samples.first(), samples.last()) {
            (Some(a), Some(b)) => b.t_ns - a.t_ns,
            _ => 0,
        };
        stats.windowed = state.reader.clear_refs.is_some();
        (samples, stats)
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.finish();
    }
}

/// The thread: samples on the schedule; returns its own CPU time and the
/// slots it skipped (the series stays in the shared state).
fn sample_loop(interval: Duration, shared: &Shared) -> SamplerStats {
    // Timer slack (50 µs by default) would make every wakeup of a 100 µs
    // schedule late; a twentieth of the interval keeps it on the grid.
    let _ = nix::sys::prctl::set_timerslack((interval.as_nanos() / 20) as _);
    let mut skipped = 0u64;
    let mut next = Instant::now();
    while !shared.stop.load(Ordering::Acquire) {
        let Some(sample) = shared.lock().take(shared.epoch) else {
            break;
        };
        shared.latest_rss.store(sample.rss_bytes, Ordering::Relaxed);
        // Fixed-rate schedule on absolute deadlines: lateness neither drifts
        // the grid nor causes a burst of catch-up samples; missed slots are skipped.
        let now = Instant::now();
        next += interval;
        if next <= now {
            let behind = (now - next).as_nanos() / interval.as_nanos() + 1;
            skipped += behind as u64;
            next += interval * behind as u32;
        }
        wait_until(next, &shared.stop);
    }
    SamplerStats {
        interval_ns: interval.as_nanos() as u64,
        cpu_ns: thread_cpu_ns(),
        skipped,
        ..SamplerStats::default()
    }
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

fn thread_cpu_ns() -> u64 {
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID)
        .map(|t| t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Held by every test that samples this process: two samplers on one
    /// process would be two owners of its VmHWM reset.
    static OWN_PID: Mutex<()> = Mutex::new(());

    fn own_pid() -> (i32, MutexGuard<'static, ()>) {
        let guard = OWN_PID.lock().unwrap_or_else(|p| p.into_inner());
        (std::process::id() as i32, guard)
    }

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

    #[test]
    fn samples_this_process_until_stopped() {
        let (pid, _own) = own_pid();
        let sampler = Sampler::start(pid, Instant::now(), Duration::from_millis(1)).unwrap();
        let latest = sampler.latest_rss();
        // 200 slots; a busy machine (parallel tests, other builds) skips many.
        std::thread::sleep(Duration::from_millis(200));
        assert!(latest.bytes() > 0);
        let (samples, stats) = sampler.stop();
        assert!(samples.len() >= 5, "only {} samples", samples.len());
        let all: Vec<Sample> = samples.iter().collect();
        assert!(all.windows(2).all(|w| w[0].t_ns < w[1].t_ns));
        assert!(
            all.iter()
                .all(|s| s.rss_bytes > 0 && s.peak_bytes >= s.rss_bytes)
        );
        assert_eq!(stats.samples, samples.len() as u64);
        assert!(stats.windowed, "root may write its own clear_refs");
    }

    /// Allocates `mib` (glibc maps anything over 32 MiB on its own and
    /// unmaps it on free), fills it, frees it: RSS rises and falls back
    /// within a few ms, between two samples of a 1 s schedule.
    fn spike(mib: usize) {
        let mut v = vec![0u8; mib << 20];
        for i in (0..v.len()).step_by(4096) {
            // SAFETY: `i` is within `v`; volatile, so the writes stay.
            unsafe { std::ptr::write_volatile(v.as_mut_ptr().add(i), 1) };
        }
        std::hint::black_box(&v);
    }

    #[test]
    fn a_phase_window_sees_a_spike_between_samples_and_agrees_with_the_series() {
        let (pid, _own) = own_pid();
        let sampler = Sampler::start(pid, Instant::now(), MAX_INTERVAL).unwrap();
        let handle = sampler.handle();
        let first = handle.take_phase_window();
        let before = first.sample.unwrap();
        spike(64);
        let window = handle.take_phase_window();
        let after = window.sample.unwrap();
        assert!(
            window.peak_bytes >= before.rss_bytes + (60 << 20),
            "peak {} from rss {}",
            window.peak_bytes,
            before.rss_bytes
        );
        assert!(
            after.rss_bytes < before.rss_bytes + (32 << 20),
            "the spike was freed"
        );
        assert_eq!(
            handle.peak_since_last_phase(),
            0,
            "a phase window starts the next span"
        );
        assert_eq!(handle.sample_at(after.t_ns), Some(after));
        assert_eq!(handle.latest(), Some(after));
        // The read reset the mark: the next window starts from today's RSS.
        let next = handle.take_phase_window();
        assert!(next.peak_bytes < before.rss_bytes + (32 << 20), "{next:?}");
        let (samples, _) = sampler.stop();
        // The phase's peak is the highest window in its span of the series.
        assert_eq!(
            samples.peak_between(before.t_ns, after.t_ns),
            Some(window.peak_bytes)
        );
    }

    #[test]
    fn stopping_interrupts_a_long_wait() {
        let (pid, _own) = own_pid();
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
