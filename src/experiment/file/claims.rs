//! The claims of an experiment file: each check and record parsed by the
//! check language, the deep views they need, and errors with a caret.

use super::*;

/// The deep views the experiment turns on.
#[derive(Debug, Clone, Copy)]
pub(super) struct Switches {
    pub(super) trace_syscalls: bool,
    pub(super) maps: bool,
    pub(super) heap_profile: bool,
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
pub(super) enum ItemError {
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
pub(super) fn file_span(
    item: &Spanned<String>,
    text: &str,
    span: check::Span,
) -> std::ops::Range<usize> {
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
pub(super) fn check_error(
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

pub(super) fn claim(
    c: &ClaimFile,
    text: &str,
    lines: &LineIndex,
    cells: &[Cell],
    switches: Switches,
) -> Result<Claim, ItemError> {
    let at_id = || {
        let start = text.find(&format!("\"{}\"", c.id)).unwrap_or(0);
        start..start
    };
    refuse_malformed(c, cells, at_id)?;
    let applies: Vec<&Cell> = cells.iter().filter(|cell| cell.matches(&c.when)).collect();
    let parse_error = |item: &Spanned<String>, e: ParseError| {
        ItemError::Check(file_span(item, text, e.span), e.message)
    };
    let refused = |item: &Spanned<String>, m: String| {
        ItemError::At(item.span(), format!("`{}` {m}", item.get_ref()))
    };
    let go =
        c.go.as_ref()
            .map(|g| GoRange::parse(g.get_ref()).map_err(|m| ItemError::At(g.span(), m)))
            .transpose()?;
    let mut checks = Vec::new();
    for item in &c.check {
        let parsed = check::parse_check(item.get_ref()).map_err(|e| parse_error(item, e))?;
        let needs = parsed.needs();
        switches
            .allow(&needs, &applies)
            .map_err(|m| refused(item, m))?;
        if needs.contains(&Need::CpuClasses) {
            crate::experiment::applies::check_cpu_classes(go.as_ref())
                .map_err(|m| refused(item, m))?;
        }
        checks.push(located(parsed, item, lines));
    }
    let mut records = Vec::new();
    let mut exacts = Vec::new();
    for (items, out) in [(&c.record, &mut records), (&c.exact, &mut exacts)] {
        for item in items {
            let parsed = check::parse_record(item.get_ref()).map_err(|e| parse_error(item, e))?;
            switches
                .allow(&check::needs(&parsed.expr), &applies)
                .map_err(|m| refused(item, m))?;
            out.push(located(parsed, item, lines));
        }
    }
    let requires = c
        .requires
        .iter()
        .map(|r| Requirement::parse(r.get_ref()).map_err(|m| ItemError::At(r.span(), m)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Claim {
        id: c.id.clone(),
        line: 0, // set by `parse`, which knows which occurrence this is
        says: c.says.get_ref().clone(),
        bound: c.bound.as_ref().map(|b| b.get_ref().clone()),
        when: c.when.clone(),
        checks,
        records,
        exacts,
        go,
        requires,
    })
}

/// What makes a claim unusable before its checks are parsed: an id or text
/// too long, an id not kebab-case, no check, a `when` that matches no row.
fn refuse_malformed(
    c: &ClaimFile,
    cells: &[Cell],
    at_id: impl Fn() -> std::ops::Range<usize>,
) -> Result<(), ItemError> {
    if c.id.len() > MAX_ID {
        return Err(ItemError::At(
            at_id(),
            format!(
                "claim id `{}…` is {} bytes long: give at most {MAX_ID}",
                c.id.chars().take(20).collect::<String>(),
                c.id.len()
            ),
        ));
    }
    let texts = std::iter::once(("says", &c.says))
        .chain(c.bound.iter().map(|b| ("bound", b)))
        .chain(c.check.iter().map(|t| ("check", t)))
        .chain(c.record.iter().map(|t| ("record", t)))
        .chain(c.exact.iter().map(|t| ("exact", t)));
    for (what, item) in texts {
        let len = item.get_ref().len();
        if len > MAX_TEXT {
            return Err(ItemError::At(
                item.span(),
                format!(
                    "claim `{}`: this {what} is {len} bytes long, more than the {MAX_TEXT} \
                     allowed: shorten it (or split a check into several)",
                    c.id
                ),
            ));
        }
    }
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
    Ok(())
}

pub(super) fn located<T>(item: T, source: &Spanned<String>, lines: &LineIndex) -> Located<T> {
    Located {
        item,
        text: source.get_ref().clone(),
        line: lines.line_of(source.span().start),
    }
}

/// Where each line of a file starts, found once: the line of an offset is
/// then a binary search, so loading stays linear in the number of claims.
#[derive(Debug)]
pub(super) struct LineIndex(Vec<usize>);

impl LineIndex {
    pub(super) fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex(starts)
    }

    /// 1-based line of a byte offset (as [`line_of`]).
    pub(super) fn line_of(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }
}

/// 1-based line of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
