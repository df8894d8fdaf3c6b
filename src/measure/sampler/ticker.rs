//! The sampler's schedule: a periodic timer the sampler thread waits on,
//! which stopping makes expire at once.

use std::os::fd::AsFd;
use std::time::Duration;

use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};

/// A periodic CLOCK_MONOTONIC timer (timerfd). The kernel re-arms it at
/// each expiry, so waiting for the next slot is one `read(2)`; a timed
/// futex wait (`park_timeout`) arms and tears down a timer on every sample.
/// [`Ticker::ring_now`] makes it expire at once, to stop the thread.
pub(super) struct Ticker(TimerFd);

impl Ticker {
    pub(super) fn every(interval: Duration) -> std::io::Result<Ticker> {
        let timer = TimerFd::new(ClockId::CLOCK_MONOTONIC, TimerFlags::TFD_CLOEXEC)?;
        timer.set(
            Expiration::Interval(TimeSpec::from_duration(interval)),
            TimerSetTimeFlags::empty(),
        )?;
        Ok(Ticker(timer))
    }

    /// Waits for the next slot; how many slots passed since the last wait
    /// (None if the timer cannot be read).
    pub(super) fn wait(&self) -> Option<u64> {
        let mut ticks = [0u8; 8];
        loop {
            match nix::unistd::read(self.0.as_fd(), &mut ticks) {
                Ok(8) => return Some(u64::from_ne_bytes(ticks)),
                Err(nix::errno::Errno::EINTR) => continue,
                _ => return None,
            }
        }
    }

    /// Ends the current wait now (the timer stops ticking after it).
    pub(super) fn ring_now(&self) {
        let _ = self.0.set(
            Expiration::OneShot(TimeSpec::new(0, 1)),
            TimerSetTimeFlags::empty(),
        );
    }
}
