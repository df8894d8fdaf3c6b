//! What `gomemlab run` is asked that its parser cannot check, checked
//! before anything is built or runs: the timeout's bounds, the fixture's
//! name, the folders written, the RSS and cgroup limits; then the run's
//! settings made of them, with where its heap profiles go.

use std::path::Path;
use std::time::Duration;

use super::{SetupError, heap_profiles, max_rss, memory_max, writable_dir};
use crate::fixture::Fixtures;
use crate::fixture::by_path::FixtureRef;
use crate::run::{HeapProfiles, RunError, RunSpec};

/// The flags of `gomemlab run` its parser cannot check, and those that
/// make the run's settings ([`RunFlags::spec`]).
pub struct RunFlags<'a> {
    pub fixtures: &'a Fixtures,
    /// A bundled fixture's name, or the path of a Go program of the user's.
    pub fixture: &'a str,
    pub timeout: Duration,
    /// `--max-rss SIZE`, `--memory-max SIZE`.
    pub max_rss: Option<&'a str>,
    pub memory_max: Option<&'a str>,
    /// `--out DIR`, `--artifacts DIR`.
    pub out: Option<&'a Path>,
    pub artifacts: Option<&'a Path>,
    /// The fixture's arguments (after `--`).
    pub args: &'a [String],
    /// `--interval`: the fast sampler's.
    pub interval: Duration,
    /// `--maps` (or `--ledger`, which implies it), `--trace-syscalls`.
    pub maps: bool,
    pub trace_syscalls: bool,
    /// `--env KEY=VALUE`, repeated.
    pub env: &'a [(String, String)],
    /// `--heap-profile PHASE`, repeated.
    pub heap_profile: &'a [String],
}

/// The limits a run is checked to be given: `--max-rss` (or its default)
/// and `--memory-max`.
pub struct RunLimits {
    pub max_rss: u64,
    pub memory_max: Option<u64>,
}

impl RunFlags<'_> {
    /// Checks the timeout's bounds, the fixture's name, that `--out` and
    /// `--artifacts` can be written, and the `--max-rss` and `--memory-max`
    /// sizes (in that order).
    pub fn check(&self) -> Result<RunLimits, SetupError> {
        RunSpec::check_timeout(self.timeout).map_err(SetupError::Timeout)?;
        let max_rss = max_rss(self.max_rss)?;
        let fixture = FixtureRef::parse(self.fixture, &self.fixtures.names());
        if let FixtureRef::Bundled(name) = fixture {
            self.fixtures.check_name(&name)?;
        }
        for (flag, dir) in [("--out", self.out), ("--artifacts", self.artifacts)] {
            if let Some(dir) = dir {
                writable_dir(flag, dir)?;
            }
        }
        Ok(RunLimits {
            max_rss,
            memory_max: memory_max(self.memory_max)?,
        })
    }

    /// The run's settings, with the `limits` [`RunFlags::check`] returned:
    /// fails on an `--env` key that is not a setting, or a heap profile
    /// phase that is not one.
    pub fn spec(&self, limits: RunLimits) -> Result<RunSpec, RunError> {
        let mut spec = RunSpec {
            args: self.args.to_vec(),
            timeout: self.timeout,
            max_rss: limits.max_rss,
            sample_interval: self.interval,
            maps: self.maps,
            trace_syscalls: self.trace_syscalls,
            memory_max: limits.memory_max,
            ..RunSpec::default()
        };
        for (k, v) in self.env {
            spec.set(k, v)?;
        }
        spec.heap_profiles = self.heap_profiles(self.heap_profile)?;
        Ok(spec)
    }

    /// `--heap-profile PHASE...`: in `--artifacts`, else `--out`, else the cache.
    pub fn heap_profiles(&self, phases: &[String]) -> Result<Option<HeapProfiles>, RunError> {
        let base = match (self.artifacts, self.out) {
            (Some(dir), _) | (None, Some(dir)) => dir.to_path_buf(),
            (None, None) => self.fixtures.cache_dir.join("artifacts"),
        };
        heap_profiles(phases, self.fixture, &base)
    }
}
