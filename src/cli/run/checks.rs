//! Checks of `gomemlab run`'s arguments: the value parsers clap calls, and
//! what clap cannot check, done before anything is built or run.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;

use super::RunArgs;
use crate::cli::UsageError;
use crate::fixture::Fixtures;
use crate::fixture::by_path::FixtureRef;
use crate::run::RunSpec;
use crate::run::watchdog;

pub(in crate::cli) fn parse_interval(text: &str) -> Result<Duration, String> {
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

pub(super) fn parse_pause(text: &str) -> Result<(String, Duration), String> {
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

pub(in crate::cli) fn parse_key_value(text: &str) -> Result<(String, String), String> {
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

/// Checks what the argument parser cannot, before anything is built or run:
/// the timeout's bounds, the fixture's name, that `--out` and `--artifacts`
/// can be written, and the `--max-rss` size (returned, or its default).
pub(super) fn validate(args: &RunArgs, fixtures: &Fixtures) -> Result<u64> {
    RunSpec::check_timeout(args.timeout).map_err(|m| UsageError(format!("--timeout {m}")))?;
    let max_rss = match &args.max_rss {
        Some(text) => {
            watchdog::parse_size(text).map_err(|m| UsageError(format!("--max-rss {m}")))?
        }
        None => watchdog::default_max_rss(),
    };
    if let FixtureRef::Bundled(name) = FixtureRef::parse(&args.fixture, &fixtures.names()) {
        fixtures.check_name(&name)?;
    }
    for (flag, dir) in [("--out", &args.out), ("--artifacts", &args.artifacts)] {
        if let Some(dir) = dir {
            writable_dir(flag, dir)?;
        }
    }
    Ok(max_rss)
}

/// Creates `dir` if missing; refuses a file or a place that cannot be written.
fn writable_dir(flag: &str, dir: &Path) -> Result<(), UsageError> {
    if dir.exists() && !dir.is_dir() {
        return Err(UsageError(format!(
            "{flag} {} is a file, not a directory: give a directory (created if missing)",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir)
        .and_then(|()| tempfile::tempfile_in(dir).map(drop))
        .map_err(|e| {
            UsageError(format!(
                "cannot write in {flag} {} ({e}): give a directory you can write",
                dir.display()
            ))
        })
}

/// `--memory-max SIZE`: its size, once a cgroup for it is known possible
/// (else a usage error saying why, before anything is built).
pub(super) fn memory_max(text: Option<&str>) -> Result<Option<u64>> {
    let Some(text) = text else { return Ok(None) };
    let bytes = watchdog::parse_size(text).map_err(|m| UsageError(format!("--memory-max {m}")))?;
    crate::run::cgroup::locate().map_err(|why| {
        UsageError(format!(
            "--memory-max: this machine gives gomemlab no memory cgroup: {why}"
        ))
    })?;
    Ok(Some(bytes))
}
