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
use crate::check::{self, Check, ParseError, Record};
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
    says: String,
    #[serde(default)]
    bound: Option<String>,
    #[serde(default)]
    when: BTreeMap<String, String>,
    #[serde(default)]
    check: Vec<Spanned<String>>,
    #[serde(default)]
    record: Vec<Spanned<String>>,
    #[serde(default)]
    exact: Vec<Spanned<String>>,
}

fn one() -> Spanned<u32> {
    Spanned::new(0..0, 1)
}

/// A loaded, validated experiment.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// File stem: the experiment's name and its snapshot's name.
    pub name: String,
    pub path: PathBuf,
    pub title: String,
    pub article: String,
    pub fixture: String,
    pub args: Vec<String>,
    pub repeats: u32,
    pub timeout: Duration,
    /// RSS limit of every run (`max-rss = "2GiB"`), if the file sets one.
    pub max_rss: Option<u64>,
    pub slow: bool,
    /// Trace the memory-management syscalls of every run (`trace-syscalls = true`).
    pub trace_syscalls: bool,
    /// Read the mapping inventory at every phase (`maps = true`).
    pub maps: bool,
    /// Phases that write a heap profile (`heap-profile = ["collected"]`).
    pub heap_profile: Vec<String>,
    /// The runs to make: one per settings row.
    pub cells: Vec<Cell>,
    pub claims: Vec<Claim>,
}

/// One row of the settings matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Runtime variables (GODEBUG, GOGC...).
    pub env: BTreeMap<String, String>,
    /// Fixture arguments: the experiment's, then this row's.
    pub args: Vec<String>,
    /// This row's own arguments (shown in labels).
    pub extra_args: Vec<String>,
}

/// A claim: checks that must all hold, in the cells its `when` selects.
#[derive(Debug, Clone)]
pub struct Claim {
    pub id: String,
    /// Line of its `id = "..."` in the file.
    pub line: usize,
    pub says: String,
    pub bound: Option<String>,
    pub when: BTreeMap<String, String>,
    pub checks: Vec<Located<Check>>,
    pub records: Vec<Located<Record>>,
    /// Values fixed for a Go version (sizes of runtime structures): recorded
    /// like `records`, and written into the snapshot, so a change shows up.
    pub exacts: Vec<Located<Record>>,
}

/// A parsed item and the line it came from, for error messages.
#[derive(Debug, Clone)]
pub struct Located<T> {
    pub item: T,
    pub text: String,
    pub line: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error("failed to read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: String,
        line: usize,
        message: String,
    },
    /// A check that does not parse or type-check: its place, and a caret
    /// line under the bad token.
    #[error("{path}:{line}:{col}: {message}\n{source_line}\n{caret}")]
    Check {
        path: String,
        line: usize,
        col: usize,
        message: String,
        source_line: String,
        caret: String,
    },
    #[error("no experiment files in {0}: add one (see README, \"Writing an experiment\")")]
    Empty(String),
}

impl Cell {
    /// `GODEBUG=madvdontneed=0 -mode sparse`, or `defaults`.
    pub fn label(&self) -> String {
        let mut parts: Vec<String> = self.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !self.extra_args.is_empty() {
            parts.push(self.extra_args.join(" "));
        }
        if parts.is_empty() {
            "defaults".into()
        } else {
            parts.join(" ")
        }
    }

    /// Whether a claim's `when` selects this cell: `args` matches the row's
    /// own arguments, a variable its value, and `""` means "not set".
    pub fn matches(&self, when: &BTreeMap<String, String>) -> bool {
        when.iter().all(|(k, v)| {
            if k == "args" {
                &self.extra_args.join(" ") == v
            } else {
                self.env.get(k).map_or("", String::as_str) == v
            }
        })
    }
}

/// Loads every `*.toml` directly in `dir`, sorted by name.
pub fn load_dir(dir: &Path, fixtures: &[String]) -> Result<Vec<Experiment>, ExperimentError> {
    let entries = std::fs::read_dir(dir).map_err(|source| ExperimentError::Read {
        path: dir.display().to_string(),
        source,
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

/// Refuses a claim id used twice across `experiments`, naming both places.
pub fn check_unique_ids(experiments: &[Experiment]) -> Result<(), ExperimentError> {
    let mut seen: BTreeMap<&str, (&Path, usize)> = BTreeMap::new();
    for exp in experiments {
        for c in &exp.claims {
            if let Some((path, line)) = seen.insert(&c.id, (&exp.path, c.line)) {
                return Err(ExperimentError::Invalid {
                    path: exp.path.display().to_string(),
                    line: c.line,
                    message: format!(
                        "claim id `{}` is already used at {}:{line}: give each claim its own id",
                        c.id,
                        path.display()
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Lines (1-based) of the `id = "ID"` entries for `id`, in order.
fn id_lines(text: &str, id: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            line.trim_start()
                .strip_prefix("id")
                .and_then(|rest| rest.trim_start().strip_prefix('='))
                .and_then(|rest| rest.split('#').next())
                .is_some_and(|value| {
                    let v = value.trim();
                    v.strip_prefix('"')
                        .or_else(|| v.strip_prefix('\''))
                        .and_then(|v| v.strip_suffix('"').or_else(|| v.strip_suffix('\'')))
                        == Some(id)
                })
        })
        .map(|(i, _)| i + 1)
        .collect()
}

/// Refuses a `when` key that is no setting (a typo would match every row).
fn check_when_keys(c: &ClaimFile, text: &str) -> Result<(), (std::ops::Range<usize>, String)> {
    match c
        .when
        .keys()
        .find(|k| *k != "args" && !SETTINGS_VARS.contains(&k.as_str()))
    {
        None => Ok(()),
        Some(key) => {
            let line_start = id_lines(text, &c.id)
                .first()
                .map_or(0, |&l| text.lines().take(l - 1).map(|x| x.len() + 1).sum());
            Err((
                line_start..line_start,
                format!(
                    "claim `{}`: `when` key `{key}` is not a setting: valid are args, {}",
                    c.id,
                    SETTINGS_VARS.join(", ")
                ),
            ))
        }
    }
}

/// Loads and validates one experiment file against the known fixtures.
pub fn load(path: &Path, fixtures: &[String]) -> Result<Experiment, ExperimentError> {
    let text = std::fs::read_to_string(path).map_err(|source| ExperimentError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse(path, &text, fixtures)
}

/// Parses experiment text; `path` is only used in messages and for the name.
pub fn parse(path: &Path, text: &str, fixtures: &[String]) -> Result<Experiment, ExperimentError> {
    let shown = path.display().to_string();
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
    if !fixtures.iter().any(|f| f == fixture) {
        return Err(invalid(
            file.fixture.span(),
            format!(
                "unknown fixture `{fixture}`: the fixtures are {}",
                fixtures.join(", ")
            ),
        ));
    }
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

    let mut cells = Vec::new();
    for row in &file.settings {
        cells.push(cell(row.get_ref(), &file.args).map_err(|m| invalid(row.span(), m))?);
    }
    if cells.is_empty() {
        cells.push(Cell {
            env: BTreeMap::new(),
            args: file.args.clone(),
            extra_args: Vec::new(),
        });
    }

    let switches = Switches {
        trace_syscalls: file.trace_syscalls,
        maps: file.maps,
        heap_profile: !file.heap_profile.is_empty(),
    };
    let mut claims = Vec::new();
    for c in &file.claim {
        check_when_keys(c, text).map_err(|(span, m)| invalid(span, m))?;
        claims.push(claim(c, text, &cells, switches).map_err(|e| match e {
            ItemError::At(span, m) => invalid(span, m),
            ItemError::Check(span, m) => check_error(&shown, text, span, m),
        })?);
    }
    // The k-th claim with an id is at the k-th `id = "..."` line with it.
    let mut seen: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for c in &mut claims {
        let before = seen.entry(c.id.clone()).or_default();
        c.line = id_lines(text, &c.id)
            .get(before.len())
            .copied()
            .unwrap_or(1);
        if let Some(first) = before.first() {
            return Err(ExperimentError::Invalid {
                path: shown.clone(),
                line: c.line,
                message: format!(
                    "claim id `{}` is already used at {shown}:{first}: give each claim its own id",
                    c.id
                ),
            });
        }
        before.push(c.line);
    }

    Ok(Experiment {
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        path: path.to_path_buf(),
        title: file.title,
        article: article.clone(),
        fixture: fixture.clone(),
        args: file.args,
        repeats,
        timeout,
        max_rss,
        slow: file.slow,
        trace_syscalls: file.trace_syscalls,
        maps: file.maps,
        heap_profile: file.heap_profile,
        cells,
        claims,
    })
}

/// One `[[settings]]` row: runtime variables as strings, plus optional `args`.
fn cell(row: &BTreeMap<String, toml::Value>, base_args: &[String]) -> Result<Cell, String> {
    let mut env = BTreeMap::new();
    let mut extra_args = Vec::new();
    for (key, value) in row {
        if key == "args" {
            let list = value.as_array().ok_or("`args` must be a list of strings")?;
            for a in list {
                extra_args.push(
                    a.as_str()
                        .ok_or("`args` must be a list of strings")?
                        .to_string(),
                );
            }
        } else if SETTINGS_VARS.contains(&key.as_str()) {
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                _ => return Err(format!("`{key}` must be a string or an integer")),
            };
            env.insert(key.clone(), text);
        } else {
            return Err(format!(
                "unknown setting `{key}`: valid are args, {}",
                SETTINGS_VARS.join(", ")
            ));
        }
    }
    let mut args = base_args.to_vec();
    args.extend(extra_args.iter().cloned());
    Ok(Cell {
        env,
        args,
        extra_args,
    })
}

/// The deep views the experiment turns on.
#[derive(Debug, Clone, Copy)]
struct Switches {
    trace_syscalls: bool,
    maps: bool,
    heap_profile: bool,
}

impl Switches {
    /// Refuses what reads a view this experiment (or a settings row the
    /// claim applies to) does not record.
    fn allow(self, needs: &[Need], cells: &[&Cell]) -> Result<(), String> {
        let godebug = |word: &str| {
            cells.iter().all(|c| {
                c.env
                    .get("GODEBUG")
                    .is_some_and(|v| v.split(',').any(|kv| kv.trim() == word))
            })
        };
        for need in needs {
            let missing = match need {
                Need::TraceSyscalls if !self.trace_syscalls => {
                    "reads the syscall trace: add `trace-syscalls = true` at the top of the file (not in an experiment with timing claims: tracing slows mmap/madvise)"
                }
                Need::Maps if !self.maps => {
                    "reads the mapping inventory (maps or ledger): add `maps = true` at the top of the file"
                }
                Need::HeapProfile if !self.heap_profile => {
                    "reads a heap profile: add `heap-profile = [\"PHASE\", ...]` at the top of the file"
                }
                Need::Gctrace if !godebug("gctrace=1") => {
                    "reads gctrace lines: every settings row the claim applies to needs `GODEBUG = \"gctrace=1\"`"
                }
                Need::Scavtrace if !godebug("scavtrace=1") => {
                    "reads scavtrace lines: every settings row the claim applies to needs `scavtrace=1` in GODEBUG"
                }
                _ => continue,
            };
            return Err(missing.into());
        }
        Ok(())
    }
}

/// Why a claim does not load: at a span of the file, or at a span of the
/// file inside a check (shown with a column and a caret).
enum ItemError {
    At(std::ops::Range<usize>, String),
    Check(std::ops::Range<usize>, String),
}

impl From<(std::ops::Range<usize>, String)> for ItemError {
    fn from((span, m): (std::ops::Range<usize>, String)) -> ItemError {
        ItemError::At(span, m)
    }
}

/// Where in the file a span of a check's text is: exact when the string is
/// written without escapes, else the whole string.
fn file_span(item: &Spanned<String>, text: &str, span: check::Span) -> std::ops::Range<usize> {
    let outer = item.span();
    let raw = text.get(outer.clone()).unwrap_or("");
    match raw.find(item.get_ref().as_str()) {
        Some(k) if !item.get_ref().is_empty() => {
            let base = outer.start + k;
            base + span.start..base + span.end
        }
        _ => outer,
    }
}

/// `file:line:col: message`, the line, and a caret under the span.
fn check_error(
    path: &str,
    text: &str,
    span: std::ops::Range<usize>,
    message: String,
) -> ExperimentError {
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let source_line = text[line_start..line_end].to_string();
    let in_line = check::Span::new(
        start - line_start,
        span.end.min(line_end).max(start) - line_start,
    );
    ExperimentError::Check {
        path: path.to_string(),
        line: line_of(text, start),
        col: text[line_start..start].chars().count() + 1,
        message,
        caret: check::error::caret(&source_line, in_line),
        source_line,
    }
}

fn claim(
    c: &ClaimFile,
    text: &str,
    cells: &[Cell],
    switches: Switches,
) -> Result<Claim, ItemError> {
    let at_id = || {
        let start = text.find(&format!("\"{}\"", c.id)).unwrap_or(0);
        start..start
    };
    if c.id.is_empty()
        || !c
            .id
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-')
    {
        return Err(ItemError::At(
            at_id(),
            format!(
                "claim id `{}` must be kebab-case letters, digits and -",
                c.id
            ),
        ));
    }
    if c.check.is_empty() {
        return Err(ItemError::At(
            at_id(),
            format!("claim `{}` has no check", c.id),
        ));
    }
    if !c.when.is_empty() && !cells.iter().any(|cell| cell.matches(&c.when)) {
        let labels: Vec<String> = cells.iter().map(Cell::label).collect();
        return Err(ItemError::At(
            at_id(),
            format!(
                "claim `{}`: `when` matches no settings row (rows: {})",
                c.id,
                labels.join("; ")
            ),
        ));
    }
    let applies: Vec<&Cell> = cells.iter().filter(|cell| cell.matches(&c.when)).collect();
    let parse_error = |item: &Spanned<String>, e: ParseError| {
        ItemError::Check(file_span(item, text, e.span), e.message)
    };
    let refused = |item: &Spanned<String>, m: String| {
        ItemError::At(item.span(), format!("`{}` {m}", item.get_ref()))
    };
    let mut checks = Vec::new();
    for item in &c.check {
        let parsed = check::parse_check(item.get_ref()).map_err(|e| parse_error(item, e))?;
        switches
            .allow(&parsed.needs(), &applies)
            .map_err(|m| refused(item, m))?;
        checks.push(located(parsed, item, text));
    }
    let mut records = Vec::new();
    let mut exacts = Vec::new();
    for (items, out) in [(&c.record, &mut records), (&c.exact, &mut exacts)] {
        for item in items {
            let parsed = check::parse_record(item.get_ref()).map_err(|e| parse_error(item, e))?;
            switches
                .allow(&check::needs(&parsed.expr), &applies)
                .map_err(|m| refused(item, m))?;
            out.push(located(parsed, item, text));
        }
    }
    Ok(Claim {
        id: c.id.clone(),
        line: 0, // set by `parse`, which knows which occurrence this is
        says: c.says.clone(),
        bound: c.bound.clone(),
        when: c.when.clone(),
        checks,
        records,
        exacts,
    })
}

fn located<T>(item: T, source: &Spanned<String>, text: &str) -> Located<T> {
    Located {
        item,
        text: source.get_ref().clone(),
        line: line_of(text, source.span().start),
    }
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests;
