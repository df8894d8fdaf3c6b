//! CPU contention over one run, as recorded: how much of the run's wall time
//! runnable tasks waited for a CPU, or the fixture's own CPU share (measured
//! by `measure::contention`).

use serde::{Deserialize, Serialize};

/// A run whose CPU pressure reached this share of its wall time is *busy*:
/// for a quarter of the run or more, some runnable task (a fixture thread,
/// its GC workers, or anything else on the machine) waited for a CPU. A
/// quarter is where a fixture's 2 threads (GOMAXPROCS = 2 cores) lose a CPU
/// for long stretches rather than for scheduling blips: the unpaced churn
/// fixture's peaks moved by up to 30% there. Seen on a 2-core machine: 13%
/// (10 s average) with a few processes compiling; 75% with
/// `stress-ng --cpu 2`; 100% with `stress-ng --cpu 2` plus several
/// compilers, or with about 10 compilers alone. PSI is system-wide, so it
/// says how oversubscribed the machine was, not how much the fixture waited.
pub const BUSY_SHARE: f64 = 0.25;

/// Where a [`Contention`] figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentionSource {
    /// `/proc/pressure/cpu`, the `some` line's `total` (system-wide).
    Psi,
    /// `/proc/PID/stat` utime + stime of the fixture, up to its last phase.
    FixtureCpu,
}

/// CPU contention over one run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Contention {
    pub source: ContentionSource,
    /// `psi`: the share (0..1) of the run's wall time during which at least
    /// one runnable task waited for a CPU. `fixture_cpu`: the fixture's CPU
    /// time over the wall time up to its last phase (above 1 when several of
    /// its threads ran at once); it says how much CPU the fixture got, not
    /// whether it waited, so it never makes a run busy.
    pub cpu_pressure: f64,
    /// The wall time the share is over.
    pub wall_ns: u64,
}

impl Contention {
    /// The pressure share when the run was busy (see [`BUSY_SHARE`]).
    pub fn busy(&self) -> Option<f64> {
        (self.source == ContentionSource::Psi && self.cpu_pressure >= BUSY_SHARE)
            .then_some(self.cpu_pressure)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_psi_at_or_above_the_threshold_is_busy() {
        let c = |source, cpu_pressure| Contention {
            source,
            cpu_pressure,
            wall_ns: 1,
        };
        assert_eq!(c(ContentionSource::Psi, 0.41).busy(), Some(0.41));
        assert_eq!(
            c(ContentionSource::Psi, BUSY_SHARE).busy(),
            Some(BUSY_SHARE)
        );
        assert_eq!(c(ContentionSource::Psi, 0.1).busy(), None);
        assert_eq!(c(ContentionSource::FixtureCpu, 1.9).busy(), None);
    }

    #[test]
    fn the_json_names_the_source() {
        let c = Contention {
            source: ContentionSource::FixtureCpu,
            cpu_pressure: 0.5,
            wall_ns: 7,
        };
        let json = serde_json::to_string(&c).expect("serializes");
        assert_eq!(
            json,
            r#"{"source":"fixture_cpu","cpu_pressure":0.5,"wall_ns":7}"#
        );
        assert_eq!(serde_json::from_str::<Contention>(&json).ok(), Some(c));
    }
}
