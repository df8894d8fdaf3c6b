//! CPU contention during one run: how much of the run's wall time runnable
//! tasks waited for a CPU (`/proc/pressure/cpu`), or, on a kernel without
//! pressure stall information, the fixture's own CPU time over wall time.
//!
//! Timing-sensitive claims (peaks under churn, the scavenger's pace) measure
//! the machine as much as the runtime when the CPUs are oversubscribed; this
//! is kept with each run so a verdict can say it was reached on a busy machine.

use std::time::Instant;

use procfs::Current;

use crate::timeline::{Contention, ContentionSource};

/// Measures one run: start it just before the spawn, note the fixture at
/// each phase (while it is alive), finish it after the exit.
#[derive(Debug)]
pub struct Meter {
    started: Instant,
    psi_start_us: Option<u64>,
    /// The fixture's CPU time and the wall time at the last note.
    fixture: Option<(u64, u64)>,
}

impl Meter {
    pub fn start() -> Meter {
        Meter {
            started: Instant::now(),
            psi_start_us: psi_total_us(),
            fixture: None,
        }
    }

    /// Reads the fixture's CPU time so far (a phase is a moment it is alive);
    /// only needed, and only read, when the kernel has no PSI.
    pub fn note_fixture(&mut self, pid: i32) {
        if self.psi_start_us.is_some() {
            return;
        }
        let cpu = procfs::process::Process::new(pid).and_then(|p| p.stat());
        if let Ok(stat) = cpu {
            let ticks = stat.utime + stat.stime;
            let cpu_ns = ticks.saturating_mul(1_000_000_000) / procfs::ticks_per_second().max(1);
            self.fixture = Some((cpu_ns, self.started.elapsed().as_nanos() as u64));
        }
    }

    /// The contention of the run, from PSI when the kernel has it, else from
    /// the fixture's CPU share; `None` when neither could be read.
    pub fn finish(self) -> Option<Contention> {
        let wall_ns = self.started.elapsed().as_nanos() as u64;
        match (self.psi_start_us, psi_total_us()) {
            (Some(start), Some(end)) => Some(Contention {
                source: ContentionSource::Psi,
                cpu_pressure: share(end.saturating_sub(start).saturating_mul(1000), wall_ns)
                    .min(1.0),
                wall_ns,
            }),
            _ => self.fixture.map(|(cpu_ns, wall_ns)| Contention {
                source: ContentionSource::FixtureCpu,
                cpu_pressure: share(cpu_ns, wall_ns),
                wall_ns,
            }),
        }
    }
}

fn share(part_ns: u64, wall_ns: u64) -> f64 {
    if wall_ns == 0 {
        0.0
    } else {
        part_ns as f64 / wall_ns as f64
    }
}

/// `/proc/pressure/cpu` `some total=` in microseconds, when the kernel has PSI.
fn psi_total_us() -> Option<u64> {
    procfs::CpuPressure::current().ok().map(|p| p.some.total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn busy_loop(d: std::time::Duration) {
        let t = Instant::now();
        let mut x = 0u64;
        while t.elapsed() < d {
            x = std::hint::black_box(x.wrapping_add(1));
        }
    }

    #[test]
    fn a_real_run_has_a_share_between_zero_and_one_when_psi_is_there() {
        let mut meter = Meter::start();
        busy_loop(std::time::Duration::from_millis(50));
        meter.note_fixture(std::process::id() as i32);
        let c = meter.finish().expect("PSI or /proc/self/stat is readable");
        assert!(c.wall_ns >= 50_000_000, "{c:?}");
        match c.source {
            ContentionSource::Psi => assert!((0.0..=1.0).contains(&c.cpu_pressure), "{c:?}"),
            // This process spun for the whole 50 ms: it had most of a CPU.
            ContentionSource::FixtureCpu => assert!(c.cpu_pressure > 0.0, "{c:?}"),
        }
    }
}
