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
//! Cost (2-core VM): a `status` read is about 3 µs of CPU, `statm` 0.5 µs,
//! the `clear_refs` write 0.2 µs (`proc_read`); the timed wakeup itself
//! costs more than all of them, 20 to 70 µs of the thread's CPU depending on
//! the VM (`scripts/bench-samplers`: a C poller doing only a `statm` pread
//! per wakeup costs about as much as this sampler). So a sample is one
//! `pread`, one `pwrite` and one `read` of a periodic timerfd, with no
//! allocation. When `clear_refs`
//! cannot be opened (another user's process),
//! samples carry no window: their peak is their RSS, and the stats say so.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::time::{ClockId, clock_gettime};

use crate::timeline::{Sample, SamplerStats, Samples};

mod proc_read;
mod ticker;
use proc_read::StatusReader;
pub use proc_read::{Statm, StatusMem};
use ticker::Ticker;

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
    /// The schedule: a periodic timer the sampler thread waits on.
    ticker: Ticker,
    latest_rss: AtomicU64,
    epoch: Instant,
    state: Mutex<State>,
}

/// Called with every sample, the sampler thread's and the phase windows'
/// alike, under the sampler's lock (keep it short): e.g. the RSS watchdog,
/// which so needs no thread of its own and sees every window's peak.
pub type OnSample = Box<dyn FnMut(&Sample) + Send>;

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
    on_sample: Option<OnSample>,
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
        let peak_bytes = if self.reader.windowed() {
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
        if let Some(on_sample) = self.on_sample.as_mut() {
            on_sample(&sample);
        }
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
            ticker: Ticker::every(interval)?,
            latest_rss: AtomicU64::new(0),
            epoch,
            state: Mutex::new(State {
                reader: StatusReader::open(pid)?,
                // Room for a minute at 1 kHz (~5 bytes a sample) before the first growth.
                samples: Samples::with_capacity(320 << 10),
                recent: VecDeque::with_capacity(RECENT),
                since_phase: 0,
                gone: false,
                on_sample: None,
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

    /// Calls `on_sample` with every sample from now on (replacing any
    /// earlier one).
    pub fn on_each_sample(&self, on_sample: OnSample) {
        self.shared.lock().on_sample = Some(on_sample);
    }

    /// Whether samples carry a window peak (`clear_refs` could be opened).
    pub fn windowed(&self) -> bool {
        self.shared.lock().reader.windowed()
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
        self.shared.ticker.ring_now();
        let mut stats = handle.join().unwrap_or_default();
        let mut state = self.shared.lock();
        let samples = std::mem::take(&mut state.samples);
        stats.samples = samples.len() as u64;
        stats.span_ns = match (samples.first(), samples.last()) {
            (Some(a), Some(b)) => b.t_ns - a.t_ns,
            _ => 0,
        };
        stats.windowed = state.reader.windowed();
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
    let mut skipped = 0u64;
    while !shared.stop.load(Ordering::Acquire) {
        let Some(sample) = shared.lock().take(shared.epoch) else {
            break;
        };
        shared.latest_rss.store(sample.rss_bytes, Ordering::Relaxed);
        // Fixed rate: the timer's grid does not drift with lateness, and
        // slots that passed while a sample was late are skipped, not caught
        // up in a burst.
        match shared.ticker.wait() {
            Some(ticks) => skipped += ticks.saturating_sub(1),
            None => break,
        }
    }
    SamplerStats {
        interval_ns: interval.as_nanos() as u64,
        cpu_ns: thread_cpu_ns(),
        skipped,
        ..SamplerStats::default()
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
