//! What a run is ([`RunSpec`]: arguments, runtime settings, timeout, RSS
//! limit, deep views, heap profiles) and how it can fail ([`RunError`]).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::measure::probe;
use crate::run::watchdog;

/// Runtime variables a run may set; anything else is refused.
pub const SETTINGS_VARS: &[&str] = &["GODEBUG", "GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GOTRACEBACK"];

/// What to run and under which settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSpec {
    pub args: Vec<String>,
    /// Runtime settings (keys from [`SETTINGS_VARS`]).
    pub env: BTreeMap<String, String>,
    pub timeout: Duration,
    pub sample_interval: Duration,
    /// Read the mapping inventory (`/proc/PID/smaps`) at every phase.
    pub maps: bool,
    /// Read `smaps_rollup` at every phase (LazyFree, AnonHugePages): it
    /// walks the page tables while the fixture waits (12 ms at 385 MiB), so
    /// experiments turn it on only when a check or record reads those.
    pub rollup: bool,
    /// Trace mmap / munmap / madvise / mprotect / brk of every thread (ptrace
    /// with a seccomp filter). Slows those calls: keep it off for runs whose
    /// claims are about timing.
    pub trace_syscalls: bool,
    /// Heap profiles to write at chosen phases; the fixture must be built
    /// with [`RunSpec::build_tags`].
    pub heap_profiles: Option<HeapProfiles>,
    /// Kill the fixture once its RSS passes this many bytes.
    pub max_rss: u64,
    /// Run the fixture in a child cgroup of its own limited to this many
    /// bytes (`--memory-max`, `memory-max` in a settings row); see
    /// [`crate::run::cgroup`]. An OOM kill by this limit is the run's
    /// outcome, not a failed run.
    pub memory_max: Option<u64>,
}

/// Which phases write a heap profile, and where the files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeapProfiles {
    /// Phase names, or [`HeapProfiles::ALL`]. A phase the fixture never
    /// reaches just gets no profile.
    pub phases: Vec<String>,
    /// A directory the caller owns; created if missing. Files are named
    /// `<seq>-<phase>.pb.gz`.
    pub dir: PathBuf,
}

impl HeapProfiles {
    /// The phase name that means every phase.
    pub const ALL: &str = "all";

    /// Refuses names the probe could not be told: empty, with a comma, or
    /// with spaces around.
    pub fn check(&self) -> Result<(), RunError> {
        match self
            .phases
            .iter()
            .find(|p| p.trim().is_empty() || p.contains(',') || p.trim() != p.as_str())
        {
            Some(bad) => Err(RunError::BadProfilePhase { phase: bad.clone() }),
            None => Ok(()),
        }
    }
}

impl Default for RunSpec {
    fn default() -> Self {
        RunSpec {
            args: Vec::new(),
            env: BTreeMap::new(),
            timeout: Duration::from_secs(60),
            sample_interval: Duration::from_millis(10),
            maps: false,
            rollup: true,
            trace_syscalls: false,
            heap_profiles: None,
            max_rss: watchdog::default_max_rss(),
            memory_max: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("`{0}` is not a run setting: use one of {list}", list = SETTINGS_VARS.join(", "))]
    UnknownSetting(String),
    #[error("{0}")]
    BadSetting(String),
    #[error("failed to start {command}: {error}")]
    Spawn {
        command: String,
        error: std::io::Error,
    },
    #[error(
        "{command} timed out after {waited:?} (settings: {settings}); raise --timeout if it is just slow\n{stderr_tail}"
    )]
    Timeout {
        command: String,
        settings: String,
        waited: Duration,
        stderr_tail: String,
    },
    #[error(
        "{command} failed with {status}{go} (settings: {settings})\n{stderr_tail}",
        go = go_error.as_ref().map(|e| format!(": {e}")).unwrap_or_default()
    )]
    Crashed {
        command: String,
        settings: String,
        status: String,
        /// The Go `fatal error:` / `panic:` line, when there is one; else
        /// the argument its flag parsing rejected, when it printed its usage.
        go_error: Option<String>,
        stderr_tail: String,
    },
    #[error(
        "{command} exceeded --max-rss {limit} (RSS {rss} at {secs:.1} s, settings: {settings}); raise --max-rss (or `max-rss` in the experiment file) if this is expected",
        limit = watchdog::show_size(*limit),
        rss = watchdog::show_size(*rss),
        secs = after.as_secs_f64()
    )]
    MaxRss {
        command: String,
        settings: String,
        limit: u64,
        rss: u64,
        after: Duration,
    },
    #[error("cannot run under a memory limit (memory-max): {reason}")]
    MemoryMax { reason: String },
    #[error("{command} broke the probe protocol: {detail}")]
    Protocol { command: String, detail: String },
    #[error("failed to read /proc for {command}: {detail}")]
    Proc { command: String, detail: String },
    #[error("failed to trace the syscalls of {command}: {detail}")]
    Trace { command: String, detail: String },
    #[error(
        "`{phase}` is not a phase name to profile: give one name per --heap-profile, without commas or spaces"
    )]
    BadProfilePhase { phase: String },
    #[error(
        "the {fixture} binary was built without -tags {tag}, so it cannot write heap profiles; build it with RunSpec::build_tags()",
        tag = crate::fixture::HEAP_PROFILE_TAG
    )]
    NotProfilable { fixture: String },
    #[error("failed to create the artifacts directory {path}: {error}")]
    Artifacts { path: String, error: std::io::Error },
    #[error(transparent)]
    Profile(#[from] crate::measure::profile::ProfileError),
}

impl RunError {
    /// Whether the error is in what was asked (a setting, a heap profile
    /// phase, the artifacts folder): the user's to fix, rather than a run
    /// that failed.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            RunError::UnknownSetting(_)
                | RunError::BadSetting(_)
                | RunError::BadProfilePhase { .. }
                | RunError::Artifacts { .. }
        )
    }
}

impl RunSpec {
    /// The longest `--timeout` (and experiment `timeout`) accepted.
    pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

    /// Refuses a zero or absurd timeout; the message completes "--timeout ...".
    pub fn check_timeout(timeout: Duration) -> Result<(), String> {
        if timeout.is_zero() || timeout > Self::MAX_TIMEOUT {
            return Err(format!(
                "{} is out of range: give a duration above 0 and at most 24h (e.g. 60s, 10min)",
                humantime::format_duration(timeout)
            ));
        }
        Ok(())
    }

    /// Adds a `KEY=VALUE` setting, refusing keys that are not runtime settings.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), RunError> {
        if !SETTINGS_VARS.contains(&key) {
            return Err(RunError::UnknownSetting(key.to_string()));
        }
        check_setting(key, value).map_err(RunError::BadSetting)?;
        self.env.insert(key.to_string(), value.to_string());
        Ok(())
    }

    /// The Go build tags the fixture needs for this run.
    pub fn build_tags(&self) -> Vec<&'static str> {
        match &self.heap_profiles {
            Some(_) => vec![crate::fixture::HEAP_PROFILE_TAG],
            None => Vec::new(),
        }
    }

    /// The probe's heap-profile variables for this run (none without profiles).
    pub(crate) fn profile_env(&self) -> Result<Vec<(&'static str, std::ffi::OsString)>, RunError> {
        let Some(hp) = &self.heap_profiles else {
            return Ok(Vec::new());
        };
        hp.check()?;
        Ok(vec![
            (probe::HEAP_PROFILE_VAR, hp.phases.join(",").into()),
            (probe::HEAP_PROFILE_DIR_VAR, hp.dir.clone().into_os_string()),
        ])
    }

    /// `GODEBUG=madvdontneed=1 GOGC=200` (then `memory-max=256MiB` under a
    /// limit), or `defaults`.
    pub fn settings_text(&self) -> String {
        let mut parts: Vec<String> = self.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if let Some(max) = self.memory_max {
            parts.push(format!(
                "memory-max={}",
                crate::run::cgroup::show_limit(max)
            ));
        }
        if parts.is_empty() {
            return "defaults".into();
        }
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_settings_that_are_not_runtime_variables() {
        let mut spec = RunSpec::default();
        assert!(spec.set("GODEBUG", "madvdontneed=1").is_ok());
        let err = spec.set("LD_PRELOAD", "x").unwrap_err().to_string();
        assert!(err.contains("GOMEMLIMIT"), "{err}");
        assert_eq!(spec.settings_text(), "GODEBUG=madvdontneed=1");
    }

    #[test]
    fn profile_phases_become_the_probe_variables() {
        let mut spec = RunSpec::default();
        assert!(spec.build_tags().is_empty() && spec.profile_env().unwrap().is_empty());
        spec.heap_profiles = Some(HeapProfiles {
            phases: vec!["allocated".into(), "freed".into()],
            dir: "/tmp/art".into(),
        });
        assert_eq!(spec.build_tags(), [crate::fixture::HEAP_PROFILE_TAG]);
        assert_eq!(
            spec.profile_env().unwrap(),
            [
                (probe::HEAP_PROFILE_VAR, "allocated,freed".into()),
                (probe::HEAP_PROFILE_DIR_VAR, "/tmp/art".into())
            ]
        );
        for bad in ["", "a,b", " a"] {
            spec.heap_profiles = Some(HeapProfiles {
                phases: vec![bad.into()],
                dir: "/tmp/art".into(),
            });
            assert!(
                matches!(spec.profile_env(), Err(RunError::BadProfilePhase { .. })),
                "{bad:?}"
            );
        }
    }
}

/// Refuses a `GOGC` or `GOMEMLIMIT` value the Go runtime would not take:
/// it ignores a bad GOGC (runs with 100) and dies at start on a bad
/// GOMEMLIMIT, so either would make the header show a setting not in
/// effect. Other keys pass. The message says what to give.
pub fn check_setting(key: &str, value: &str) -> Result<(), String> {
    let ok = match key {
        // runtime/mgcpacer.go readGOGC: "off", else strconv.ParseInt(p, 10, 32).
        "GOGC" => value.is_empty() || value == "off" || go_int(value, 32).is_some(),
        // readGOMEMLIMIT: "" or "off", else parseByteCount.
        "GOMEMLIMIT" => value.is_empty() || value == "off" || go_byte_count(value).is_some(),
        _ => true,
    };
    if ok {
        return Ok(());
    }
    let valid = match key {
        "GOGC" => "a whole percentage (e.g. 100, 50) or off; Go would ignore it and use 100",
        _ => {
            "a byte count: digits with an optional B, KiB, MiB, GiB or TiB (e.g. 512MiB), or off; \
             Go would refuse to start"
        }
    };
    Err(format!(
        "{key}={value} is not a value Go takes: give {valid}"
    ))
}

/// Go's `strconv.ParseInt(s, 10, bits)`: an optional sign, then decimal
/// digits, within a signed `bits`-bit integer.
fn go_int(s: &str, bits: u32) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i128 = s.strip_prefix('+').unwrap_or(s).parse().ok()?;
    let max = (1i128 << (bits - 1)) - 1;
    (-max - 1..=max).contains(&n).then_some(n as i64)
}

/// The runtime's `parseByteCount` (runtime/string.go): digits, optionally
/// followed by `B`, or by `KiB`, `MiB`, `GiB`, `TiB`; at most `MaxInt64`.
fn go_byte_count(s: &str) -> Option<i64> {
    let non_negative = |t: &str| go_int(t, 64).filter(|n| *n >= 0);
    if s.ends_with(|c: char| c.is_ascii_digit()) {
        return non_negative(s);
    }
    let rest = s.strip_suffix('B')?;
    if rest.ends_with(|c: char| c.is_ascii_digit()) {
        return non_negative(rest);
    }
    let number = rest.strip_suffix('i')?;
    let (number, power) = match number.as_bytes().last()? {
        b'K' => (&number[..number.len() - 1], 1),
        b'M' => (&number[..number.len() - 1], 2),
        b'G' => (&number[..number.len() - 1], 3),
        b'T' => (&number[..number.len() - 1], 4),
        _ => return None,
    };
    let n = non_negative(number)?;
    n.checked_mul(1i64 << (10 * power))
}

#[cfg(test)]
mod setting_tests {
    use super::*;

    #[test]
    fn gogc_and_gomemlimit_are_read_as_the_go_runtime_reads_them() {
        for ok in ["100", "off", "", "-1", "+50", "2147483647"] {
            assert!(check_setting("GOGC", ok).is_ok(), "{ok}");
        }
        for bad in ["abc", "50%", "2147483648", "1e3", " 100", "1_000"] {
            assert!(check_setting("GOGC", bad).is_err(), "{bad}");
        }
        for ok in [
            "off",
            "0",
            "512MiB",
            "1GiB",
            "100B",
            "8TiB",
            "9223372036854775807",
        ] {
            assert!(check_setting("GOMEMLIMIT", ok).is_ok(), "{ok}");
        }
        for bad in [
            "1GB",
            "512M",
            "-1",
            "MiB",
            "1.5GiB",
            "9223372036854775808",
            "8388608TiB",
        ] {
            assert!(check_setting("GOMEMLIMIT", bad).is_err(), "{bad}");
        }
        assert!(check_setting("GOMAXPROCS", "anything").is_ok());
    }
}
