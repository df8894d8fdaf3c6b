//! What a run is set up with, checked before anything is built or runs:
//! the command line's values (interval, pause, settings), the RSS and
//! cgroup limits, the folders written, and where heap profiles go; a
//! watch's in [`watch`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::run::{HeapProfiles, RunError, RunSpec, watchdog};

pub mod run_flags;
pub mod watch;

/// Why a run cannot be set up as asked; each names the flag to fix.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("--timeout {0}")]
    Timeout(String),
    #[error("--max-rss {0}")]
    MaxRss(String),
    #[error("--memory-max {0}")]
    MemoryMax(String),
    #[error("--memory-max: this machine gives gomemlab no memory cgroup: {why}")]
    NoCgroup { why: String },
    #[error(
        "{flag} {} is a file, not a directory: give a directory (created if missing)",
        dir.display()
    )]
    NotADirectory { flag: String, dir: PathBuf },
    #[error(
        "cannot write in {flag} {} ({error}): give a directory you can write",
        dir.display()
    )]
    NotWritable {
        flag: String,
        dir: PathBuf,
        error: std::io::Error,
    },
    /// A bundled fixture that is not there.
    #[error(transparent)]
    Fixture(#[from] crate::fixture::BuildError),
}

/// `--interval`: a duration the sampler takes, from 100us to 1s.
pub fn parse_interval(text: &str) -> Result<Duration, String> {
    use crate::measure::sampler::{MAX_INTERVAL, MIN_INTERVAL};
    const RANGE: &str = "the sampler interval must be from 100us to 1s (e.g. 250us, 1ms, 10ms)";
    if text
        .strip_prefix('-')
        .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit() || c == '.'))
    {
        return Err(format!("`{text}` is negative: {RANGE}"));
    }
    let d = humantime::parse_duration(text).map_err(|e| format!("`{text}`: {e}: {RANGE}"))?;
    if (MIN_INTERVAL..=MAX_INTERVAL).contains(&d) {
        Ok(d)
    } else {
        Err(RANGE.into())
    }
}

/// `--pause PHASE=DURATION`: a phase and a pause above 0, at most 24h.
pub fn parse_pause(text: &str) -> Result<(String, Duration), String> {
    let hint = "give PHASE=DURATION, e.g. allocated=30s (a phase `gomemlab fixtures` lists)";
    let Some((phase, d)) = text.split_once('=') else {
        return Err(format!("`{text}` is not PHASE=DURATION: {hint}"));
    };
    if phase.trim().is_empty() {
        return Err(format!("`{text}` names no phase: {hint}"));
    }
    let d = humantime::parse_duration(d).map_err(|e| format!("`{d}`: {e}: {hint}"))?;
    if d.is_zero() || d > RunSpec::MAX_TIMEOUT {
        return Err(format!(
            "`{text}`: the pause must be above 0 and at most 24h"
        ));
    }
    Ok((phase.to_string(), d))
}

/// `--env KEY=VALUE`: a runtime setting Go would take.
pub fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => {
            crate::run::check_setting(k, v)?;
            Ok((k.to_string(), v.to_string()))
        }
        _ => Err(format!(
            "`{text}` is not KEY=VALUE (e.g. GODEBUG=madvdontneed=1)"
        )),
    }
}

/// `--max-rss SIZE`: its bytes, or by default half of the RAM (at most 8 GiB).
pub fn max_rss(text: Option<&str>) -> Result<u64, SetupError> {
    match text {
        Some(text) => watchdog::parse_size(text).map_err(SetupError::MaxRss),
        None => Ok(watchdog::default_max_rss()),
    }
}

/// `--memory-max SIZE`: its bytes, once a cgroup for it is known possible.
pub fn memory_max(text: Option<&str>) -> Result<Option<u64>, SetupError> {
    let Some(text) = text else { return Ok(None) };
    let bytes = watchdog::parse_size(text).map_err(SetupError::MemoryMax)?;
    crate::run::cgroup::locate().map_err(|why| SetupError::NoCgroup { why })?;
    Ok(Some(bytes))
}

/// Creates `dir` (given with `flag`) if missing; refuses a file or a place
/// that cannot be written.
pub fn writable_dir(flag: &str, dir: &Path) -> Result<(), SetupError> {
    if dir.exists() && !dir.is_dir() {
        return Err(SetupError::NotADirectory {
            flag: flag.to_string(),
            dir: dir.to_path_buf(),
        });
    }
    std::fs::create_dir_all(dir)
        .and_then(|()| tempfile::tempfile_in(dir).map(drop))
        .map_err(|error| SetupError::NotWritable {
            flag: flag.to_string(),
            dir: dir.to_path_buf(),
            error,
        })
}

/// `--heap-profile PHASE...` of a run of `fixture`: the phases, and the
/// run's own folder for the profiles (in `base`), so that runs sharing a
/// folder never mix them; `None` without phases.
pub fn heap_profiles(
    phases: &[String],
    fixture: &str,
    base: &Path,
) -> Result<Option<HeapProfiles>, RunError> {
    if phases.is_empty() {
        return Ok(None);
    }
    let dir = base.join(format!(
        "{}-{}-{}",
        Path::new(fixture)
            .file_name()
            .map_or_else(|| "fixture".into(), |n| n.to_string_lossy()),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
        std::process::id()
    ));
    let profiles = HeapProfiles {
        phases: phases.to_vec(),
        dir,
    };
    profiles.check()?;
    Ok(Some(profiles))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_from_100us_to_1s() {
        assert_eq!(parse_interval("250us"), Ok(Duration::from_micros(250)));
        assert!(
            parse_interval("-1ms")
                .expect_err("negative")
                .contains("negative")
        );
        assert!(
            parse_interval("5s")
                .expect_err("too long")
                .starts_with("the sampler")
        );
    }

    #[test]
    fn a_pause_names_a_phase_and_lasts_up_to_a_day() {
        let pause = parse_pause("allocated=30s").expect("a pause");
        assert_eq!(pause, ("allocated".to_string(), Duration::from_secs(30)));
        assert!(parse_pause("allocated").is_err());
        assert!(
            parse_pause("=3s")
                .expect_err("no phase")
                .contains("names no phase")
        );
        assert!(parse_pause("a=0s").expect_err("zero").contains("above 0"));
        assert!(parse_pause("a=25h").is_err());
    }

    #[test]
    fn a_setting_is_key_equals_value() {
        let kv = parse_key_value("GOGC=50").expect("a setting");
        assert_eq!(kv, ("GOGC".to_string(), "50".to_string()));
        assert!(parse_key_value("=1").is_err());
    }

    #[test]
    fn a_file_is_not_a_folder_to_write_in() {
        let tmp = tempfile::tempdir().expect("a temp dir");
        let file = tmp.path().join("f");
        std::fs::write(&file, "").expect("written");
        let err = writable_dir("--out", &file).expect_err("a file");
        assert!(err.to_string().starts_with("--out "), "{err}");
        writable_dir("--out", &tmp.path().join("new/dir")).expect("created");
    }

    #[test]
    fn heap_profiles_go_in_a_folder_of_the_run_and_refuse_bad_phases() {
        let base = Path::new("/tmp/artifacts");
        assert_eq!(heap_profiles(&[], "hello", base).expect("none"), None);
        let hp = heap_profiles(&["all".into()], "./my/prog", base).expect("checked");
        let dir = hp.expect("some").dir;
        assert!(dir.starts_with(base));
        let name = dir
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        assert!(name.starts_with("prog-"), "{name}");
        assert!(heap_profiles(&["a,b".into()], "hello", base).is_err());
    }
}
