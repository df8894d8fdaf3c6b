//! The Rust API for other crates' tests: a [`Lab`] picks the Go toolchain,
//! builds a fixture and runs it with chosen settings into an [`Analyzed`]
//! run (its [`Timeline`](crate::timeline::Timeline) plus the analysis), and
//! [`check()`] judges one check of the check language on it (see [`Lab`]
//! for an example).

mod checked;
pub mod reproduce_request;
mod request_error;
pub mod run_request;
pub mod watch_request;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::analyze::Analyzed;
pub use crate::fixture::by_path::FixtureRef;
use crate::fixture::{BuildError, Fixtures};
use crate::measure::sampler::{MAX_INTERVAL, MIN_INTERVAL};
use crate::run::observe::observe;
use crate::run::{RunError, RunSpec};
use crate::toolchain::{self, Toolchain, ToolchainError};

pub use checked::{CheckError, Checkable, Checked, check};
pub use request_error::RequestError;

/// A Go toolchain and the fixtures it builds: where runs start.
///
/// ```
/// use gomemlab::{Lab, Verdict, check};
///
/// let lab = Lab::new()?; // $GOMEMLAB_GO, else `go` on PATH
/// let run = lab
///     .fixture("hello")
///     .env("GOGC", "50")
///     .args(["-hold", "10ms"])
///     .run()?;
/// assert_eq!(run.timeline.phases[0].name, "started");
///
/// let checked = check(&run, "os.rss@started >= go.heap_alloc@started")?;
/// assert_eq!(checked.verdict, Verdict::Holds, "{checked}");
/// assert!(checked.measured > 0.0);
///
/// // A phase the run never reached: a verdict `error` with the reason.
/// let missing = check(&run, "os.rss@deleted <= 1GiB")?;
/// assert_eq!(missing.verdict, Verdict::Error);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Lab {
    toolchain: Toolchain,
    fixtures: Fixtures,
}

/// Why a [`Lab`] could not give a run. Its `Debug` is its message (and
/// the `caused by:` chain), so that a test returning it with `?` prints
/// what to do, not a struct.
#[derive(thiserror::Error)]
pub enum LabError {
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Run(#[from] RunError),
    /// A timeout or sampler interval out of range.
    #[error("{0}")]
    Setting(String),
}

impl std::fmt::Debug for LabError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let message = self.to_string();
        f.write_str(&message)?;
        let mut cause = std::error::Error::source(self);
        while let Some(e) = cause {
            let text = e.to_string();
            // Some errors already say their cause in their message.
            if !message.contains(&text) {
                write!(f, "\ncaused by: {text}")?;
            }
            cause = e.source();
        }
        Ok(())
    }
}

impl From<&str> for FixtureRef {
    /// A name without `/` is a bundled fixture; anything else is a path.
    fn from(text: &str) -> FixtureRef {
        if text.contains('/') {
            FixtureRef::Path(PathBuf::from(text))
        } else {
            FixtureRef::Bundled(text.to_string())
        }
    }
}

impl From<String> for FixtureRef {
    fn from(text: String) -> FixtureRef {
        FixtureRef::from(text.as_str())
    }
}

impl From<&Path> for FixtureRef {
    fn from(path: &Path) -> FixtureRef {
        FixtureRef::Path(path.to_path_buf())
    }
}

impl From<PathBuf> for FixtureRef {
    fn from(path: PathBuf) -> FixtureRef {
        FixtureRef::Path(path)
    }
}

impl Lab {
    /// The toolchain of `$GOMEMLAB_GO`, else `go` on PATH.
    pub fn new() -> Result<Lab, LabError> {
        Lab::on(toolchain::resolve(None)?)
    }

    /// A named release (`go1.21.13`, `go1.22`: fetched through the Go module
    /// proxy when missing), a GOROOT, or a `go` binary.
    pub fn with_go(go: &str) -> Result<Lab, LabError> {
        Lab::on(toolchain::resolve(Some(go))?)
    }

    fn on(toolchain: Toolchain) -> Result<Lab, LabError> {
        Ok(Lab {
            toolchain,
            fixtures: Fixtures::bundled()?,
        })
    }

    /// The Go version the fixtures are built with, e.g. `go1.26.8`.
    pub fn go_version(&self) -> String {
        self.toolchain.version.name()
    }

    /// Names of the bundled fixtures.
    pub fn fixtures(&self) -> Vec<String> {
        self.fixtures.names()
    }

    /// A run of `fixture` to set up: a bundled name (`"bigbytes"`) or a path.
    pub fn fixture(&self, fixture: impl Into<FixtureRef>) -> FixtureRun<'_> {
        FixtureRun {
            lab: self,
            fixture: fixture.into(),
            spec: RunSpec::default(),
            bad_setting: None,
        }
    }
}

/// One run being set up ([`Lab::fixture`]); [`FixtureRun::run`] runs it.
#[derive(Debug, Clone)]
#[must_use = "a fixture run does nothing until .run()"]
pub struct FixtureRun<'a> {
    lab: &'a Lab,
    fixture: FixtureRef,
    spec: RunSpec,
    /// The first refused `.env` key and value, reported by `.run()`.
    bad_setting: Option<(String, String)>,
}

impl FixtureRun<'_> {
    /// A runtime setting: GODEBUG, GOGC, GOMEMLIMIT, GOMAXPROCS or
    /// GOTRACEBACK (anything else makes `.run()` fail).
    pub fn env(mut self, key: &str, value: &str) -> Self {
        if self.spec.set(key, value).is_err() && self.bad_setting.is_none() {
            self.bad_setting = Some((key.to_string(), value.to_string()));
        }
        self
    }

    /// The fixture's own arguments (`-count 2`).
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.spec.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Kill the fixture and fail if it has not exited after this long (60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.spec.timeout = timeout;
        self
    }

    /// Interval of the fast /proc sampler (1 ms; from 100 µs to 1 s).
    pub fn interval(mut self, interval: Duration) -> Self {
        self.spec.sample_interval = interval;
        self
    }

    /// Kill the fixture and fail once its RSS passes this many bytes.
    pub fn max_rss(mut self, bytes: u64) -> Self {
        self.spec.max_rss = bytes;
        self
    }

    /// Read the mapping inventory at every phase (for `maps.` and `ledger.`).
    pub fn maps(mut self, on: bool) -> Self {
        self.spec.maps = on;
        self
    }

    /// Builds the fixture (cached) and runs it once.
    pub fn run(self) -> Result<Analyzed, LabError> {
        if let Some((key, value)) = self.bad_setting {
            // The same refusal again: an unknown key, or a value Go would not take.
            let refused = RunSpec::default().set(&key, &value).err();
            return Err(refused.unwrap_or(RunError::UnknownSetting(key)).into());
        }
        RunSpec::check_timeout(self.spec.timeout)
            .map_err(|m| LabError::Setting(format!("timeout {m}")))?;
        let (min, max) = (MIN_INTERVAL, MAX_INTERVAL);
        if !(min..=max).contains(&self.spec.sample_interval) {
            return Err(LabError::Setting(format!(
                "interval {:?} is out of range: give one from {min:?} to {max:?}",
                self.spec.sample_interval
            )));
        }
        let lab = self.lab;
        let built =
            lab.fixtures
                .build_ref(&self.fixture, &lab.toolchain, &self.spec.build_tags())?;
        Ok(Analyzed::of(observe(&built, &lab.toolchain, &self.spec)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_bundled_and_anything_with_a_slash_is_a_path() {
        assert_eq!(
            FixtureRef::from("bigbytes"),
            FixtureRef::Bundled("bigbytes".into())
        );
        assert_eq!(
            FixtureRef::from("./myprog"),
            FixtureRef::Path("./myprog".into())
        );
        assert_eq!(
            FixtureRef::from(Path::new("myprog")),
            FixtureRef::Path("myprog".into())
        );
    }
}
