//! The experiment file format (`experiments/*.toml`): which article and
//! fixture, the settings to run under, and the claims to check. Loading
//! validates everything that can be known before a run and reports problems as
//! `file:line: what is wrong (what is valid)`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::check::schema::Need;
use crate::check::{self, ParseError};
use crate::fixture::BuildOptions;
use crate::run::{RunSpec, SETTINGS_VARS};

/// The four source articles, by the id used in experiment files.
pub const ARTICLES: &[(&str, &str)] = &[
    (
        "000",
        "Go basically never frees heap memory back to the operating system (2018)",
    ),
    (
        "001",
        "A deep dive into the OS memory use of a simple Go program (2018)",
    ),
    ("002", "Golang and Memory (2020)"),
    ("003", "Understanding Go Lang Memory Usage (2014)"),
    ("new", "not from an article: a question of our own"),
];

/// The settings-row key of a run's memory limit (not a runtime variable).
pub const MEMORY_MAX: &str = "memory-max";

/// One experiment file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct File {
    title: String,
    article: Spanned<String>,
    fixture: Spanned<String>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default = "one")]
    repeats: Spanned<u32>,
    #[serde(default)]
    timeout: Option<Spanned<String>>,
    /// RSS limit of every run (`"2GiB"`); default as for `run --max-rss`.
    #[serde(default)]
    max_rss: Option<Spanned<String>>,
    #[serde(default)]
    slow: bool,
    /// `"independent"`: the claims do not depend on timing, so the runs may
    /// go side by side with other such experiments (default `"sensitive"`).
    #[serde(default)]
    timing: crate::experiment::schedule::Timing,
    /// Trace mmap/munmap/madvise/mprotect/brk (slows them: no timing claims here).
    #[serde(default)]
    trace_syscalls: bool,
    /// Read the mapping inventory at every phase.
    #[serde(default)]
    maps: bool,
    /// Phases at which the fixture writes a heap profile (`["all"]` for every one).
    #[serde(default)]
    heap_profile: Vec<String>,
    #[serde(default)]
    settings: Vec<Spanned<BTreeMap<String, toml::Value>>>,
    #[serde(default)]
    claim: Vec<ClaimFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct ClaimFile {
    id: String,
    says: Spanned<String>,
    #[serde(default)]
    bound: Option<Spanned<String>>,
    #[serde(default)]
    when: BTreeMap<String, String>,
    #[serde(default)]
    check: Vec<Spanned<String>>,
    #[serde(default)]
    record: Vec<Spanned<String>>,
    #[serde(default)]
    exact: Vec<Spanned<String>>,
    /// Go versions the claim is about (`">=1.23"`, `">=1.21 <1.26"`).
    #[serde(default)]
    go: Option<Spanned<String>>,
    /// What the machine must have (`["anon_vma_names"]`, `["thp=always"]`).
    #[serde(default)]
    requires: Vec<Spanned<String>>,
}

fn one() -> Spanned<u32> {
    Spanned::new(0..0, 1)
}

/// Loads every `*.toml` directly in `dir`, sorted by name.
pub fn load_dir(dir: &Path, fixtures: &[String]) -> Result<Vec<Experiment>, ExperimentError> {
    let entries = std::fs::read_dir(dir).map_err(|error| ExperimentError::Read {
        path: dir.display().to_string(),
        error,
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(ExperimentError::Empty(dir.display().to_string()));
    }
    let experiments = paths
        .iter()
        .map(|p| load(p, fixtures))
        .collect::<Result<Vec<_>, _>>()?;
    check_unique_ids(&experiments)?;
    Ok(experiments)
}

/// Most repeats an experiment may ask for.
pub const MAX_REPEATS: u32 = 1000;
/// Longest claim id, in bytes.
pub const MAX_ID: usize = 64;
/// Longest `says`, `bound`, check, record or exact, in bytes (the longest
/// bundled one is 370).
pub const MAX_TEXT: usize = 4096;

/// Loads and validates one experiment file against the known fixtures.
pub fn load(path: &Path, fixtures: &[String]) -> Result<Experiment, ExperimentError> {
    let text = std::fs::read_to_string(path).map_err(|error| ExperimentError::Read {
        path: path.display().to_string(),
        error,
    })?;
    parse(path, &text, fixtures)
}

/// Parses experiment text; `path` is only used in messages and for the name.
pub fn parse(path: &Path, text: &str, fixtures: &[String]) -> Result<Experiment, ExperimentError> {
    parse_with(path, text, fixtures, true)
}

/// Parses an experiment file kept in a results folder (see
/// `results::KeptFiles`) to judge its runs again: a path fixture need not
/// exist here, the runs are not made again.
pub fn parse_kept(
    path: &Path,
    text: &str,
    fixtures: &[String],
) -> Result<Experiment, ExperimentError> {
    parse_with(path, text, fixtures, false)
}

fn parse_with(
    path: &Path,
    text: &str,
    fixtures: &[String],
    fixture_must_exist: bool,
) -> Result<Experiment, ExperimentError> {
    let shown = path.display().to_string();
    let name = experiment_name(path, &shown)?;
    let invalid = |span: std::ops::Range<usize>, message: String| ExperimentError::Invalid {
        path: shown.clone(),
        line: line_of(text, span.start),
        message,
    };
    let file: File = toml::from_str(text).map_err(|e| {
        let message = e.message().trim().to_string();
        invalid(e.span().unwrap_or(0..0), message)
    })?;

    let article = file.article.get_ref();
    if !ARTICLES.iter().any(|(id, _)| id == article) {
        let valid: Vec<&str> = ARTICLES.iter().map(|(id, _)| *id).collect();
        return Err(invalid(
            file.article.span(),
            format!(
                "unknown article `{article}`: valid are {}",
                valid.join(", ")
            ),
        ));
    }
    let fixture = file.fixture.get_ref();
    let resolved = resolved_fixture(path, &file.fixture, fixtures, fixture_must_exist, &invalid)?;
    let (repeats, timeout, max_rss) = limits(&file, &invalid)?;

    let mut cells = Vec::new();
    for row in &file.settings {
        cells.push(cell(row.get_ref(), &file.args).map_err(|m| invalid(row.span(), m))?);
    }
    if cells.is_empty() {
        cells.push(Cell {
            env: BTreeMap::new(),
            args: file.args.clone(),
            extra_args: Vec::new(),
            memory_max: None,
            build: BuildOptions::default(),
        });
    }

    let switches = Switches {
        trace_syscalls: file.trace_syscalls,
        maps: file.maps,
        heap_profile: !file.heap_profile.is_empty(),
    };
    let mut claims = Vec::new();
    let lines = claims::LineIndex::new(text);
    for c in &file.claim {
        check_when_keys(c, text).map_err(|(span, m)| invalid(span, m))?;
        claims.push(
            claim(c, text, &lines, &cells, switches).map_err(|e| match e {
                ItemError::At(span, m) => invalid(span, m),
                ItemError::Check(span, m) => check_error(&shown, text, span, m),
            })?,
        );
    }
    number_ids(&mut claims, text, &shown)?;

    Ok(Experiment {
        name,
        path: path.to_path_buf(),
        title: file.title,
        article: article.clone(),
        fixture: resolved.unwrap_or_else(|| fixture.clone()),
        fixture_spec: fixture.clone(),
        args: file.args,
        repeats,
        timeout,
        max_rss,
        slow: file.slow,
        timing: file.timing,
        trace_syscalls: file.trace_syscalls,
        maps: file.maps,
        heap_profile: file.heap_profile,
        rollup: false,
        cells,
        claims,
    })
    .map(|mut e| {
        e.rollup = e.reads_rollup();
        e
    })
}

/// The experiment's name, from its file's: an error when it cannot be a
/// folder name.
fn experiment_name(path: &Path, shown: &str) -> Result<String, ExperimentError> {
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    if crate::experiment::results::safe_name(&name).is_err() {
        return Err(ExperimentError::Invalid {
            path: shown.to_string(),
            line: 1,
            message: format!(
                "the file name gives the experiment name `{}`, which cannot be a folder name \
                 (empty, `.`, `..` or hidden): rename the file",
                name.escape_debug()
            ),
        });
    }
    Ok(name)
}

type Invalid<'a> = dyn Fn(std::ops::Range<usize>, String) -> ExperimentError + 'a;

/// The fixture's path made absolute (a path such as `./myprog` is relative
/// to the file's folder), none for a bundled fixture; an error for an
/// unknown fixture (or a missing path, when it must exist).
fn resolved_fixture(
    path: &Path,
    fixture_at: &Spanned<String>,
    fixtures: &[String],
    fixture_must_exist: bool,
    invalid: &Invalid,
) -> Result<Option<String>, ExperimentError> {
    let fixture = fixture_at.get_ref();
    // A path (`./myprog`) is relative to this file's folder; kept absolute.
    let resolved = match crate::fixture::by_path::FixtureRef::parse(fixture, fixtures) {
        crate::fixture::by_path::FixtureRef::Path(p) => {
            let base = path.parent().unwrap_or(Path::new("."));
            let full = std::path::absolute(base.join(&p)).unwrap_or_else(|_| base.join(&p));
            if fixture_must_exist && !full.exists() {
                return Err(invalid(
                    fixture_at.span(),
                    format!(
                        "fixture `{fixture}` is {}, which does not exist: a fixture path is \
                         relative to the experiment file's folder",
                        full.display()
                    ),
                ));
            }
            Some(full.display().to_string())
        }
        crate::fixture::by_path::FixtureRef::Bundled(_) => None,
    };
    if resolved.is_none() && !fixtures.iter().any(|f| f == fixture) {
        return Err(invalid(
            fixture_at.span(),
            format!(
                "unknown fixture `{fixture}`: the fixtures are {}",
                fixtures.join(", ")
            ),
        ));
    }
    Ok(resolved)
}

/// `repeats`, `timeout` and `max-rss`, checked.
fn limits(file: &File, invalid: &Invalid) -> Result<(u32, Duration, Option<u64>), ExperimentError> {
    let repeats = *file.repeats.get_ref();
    if !(1..=MAX_REPEATS).contains(&repeats) {
        return Err(invalid(
            file.repeats.span(),
            format!("repeats = {repeats} is out of range: give 1 to {MAX_REPEATS}"),
        ));
    }
    let timeout = match &file.timeout {
        None => Duration::from_secs(60),
        Some(t) => humantime::parse_duration(t.get_ref())
            .map_err(|e| format!("bad timeout `{}`: {e} (e.g. \"30s\")", t.get_ref()))
            .and_then(|d| {
                RunSpec::check_timeout(d).map_err(|m| format!("timeout `{}`: {m}", t.get_ref()))?;
                Ok(d)
            })
            .map_err(|m| invalid(t.span(), m))?,
    };
    let max_rss = match &file.max_rss {
        None => None,
        Some(m) => Some(
            crate::run::watchdog::parse_size(m.get_ref())
                .map_err(|e| invalid(m.span(), format!("max-rss: {e}")))?,
        ),
    };
    Ok((repeats, timeout, max_rss))
}

/// Sets each claim's line: the k-th claim with an id is at the k-th
/// `id = "..."` line with it; an error for an id used twice.
fn number_ids(claims: &mut [Claim], text: &str, shown: &str) -> Result<(), ExperimentError> {
    // The k-th claim with an id is at the k-th `id = "..."` line with it.
    let mut seen: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let id_lines = all_id_lines(text);
    for c in claims.iter_mut() {
        let before = seen.entry(c.id.clone()).or_default();
        c.line = id_lines
            .get(c.id.as_str())
            .and_then(|lines| lines.get(before.len()))
            .copied()
            .unwrap_or(1);
        if let Some(first) = before.first() {
            return Err(ExperimentError::Invalid {
                path: shown.to_string(),
                line: c.line,
                message: format!(
                    "claim id `{}` is already used at {shown}:{first}: give each claim its own id",
                    c.id
                ),
            });
        }
        before.push(c.line);
    }
    Ok(())
}

mod claims;
mod model;
mod settings;
mod validate;

pub use crate::check::Located;
pub use crate::experiment::applies::{GoRange, Requirement};
use claims::*;
pub use model::{Cell, Claim, Experiment, ExperimentError};
use settings::cell;
pub use settings::{BUILD_SETTINGS, GO_LINE, GOEXPERIMENT};
pub use validate::check_unique_ids;
use validate::*;

#[cfg(test)]
mod tests;
