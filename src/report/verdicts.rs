//! Verdicts as text: the verdict table, the snapshot text, results JSON; the
//! notes told while kept runs are judged again.

use std::fmt::Write as _;

use crate::check::claim::{CheckResult, Spread, Verdict};
use crate::check::{CheckKind, Dim};
use crate::experiment::reproduce::ExperimentResult;

const MIB: f64 = 1024.0 * 1024.0;

/// Lines of an `error` verdict's reason the verdict table shows (a build
/// error's first compiler messages, a stderr tail's first lines).
const REASON_LINES: usize = 4;

/// A measured value for people: MiB for bytes, seconds for times.
pub fn value(v: f64, unit: Dim) -> String {
    if v.is_nan() {
        return "-".into();
    }
    match unit {
        Dim::Bytes if v.abs() >= MIB => format!("{:.1} MiB", v / MIB),
        Dim::Bytes if v.abs() >= 1024.0 => format!("{:.1} KiB", v / 1024.0),
        Dim::Bytes => format!("{v:.0} B"),
        Dim::Duration if v.abs() >= 1e8 => format!("{:.2} s", v / 1e9),
        Dim::Duration => format!("{:.1} ms", v / 1e6),
        Dim::Count => format!("{v:.0}"),
        Dim::Address if v.is_finite() && v >= 0.0 => format!("{:#x}", v as u64),
        _ => format!("{v:.3}"),
    }
}

pub(crate) fn spread(s: &Spread, with_range: bool) -> String {
    let median = value(s.median, s.unit);
    if with_range && s.min < s.max {
        format!(
            "{median} ({}..{})",
            value(s.min, s.unit),
            value(s.max, s.unit)
        )
    } else {
        median
    }
}

/// One check as "measured op bound  [check]".
fn check_line(c: &CheckResult) -> String {
    let range = c.verdict == Verdict::Disagree;
    let at =
        c.at.as_ref()
            .map(|a| format!(" at {a}"))
            .unwrap_or_default();
    if let Some(e) = &c.error {
        return format!("error: {e}  [{}]", c.check);
    }
    if c.kind != CheckKind::Compare {
        return format!("largest step back {}  [{}]", spread(&c.lhs, range), c.check);
    }
    format!(
        "{} {} {}{at}  [{}]",
        spread(&c.lhs, range),
        c.op.symbol(),
        spread(&c.rhs, range),
        c.check
    )
}

/// One row of the verdict table, whatever the format (text, Markdown):
/// a claim in one settings row that applies there.
#[derive(Debug, Clone)]
pub struct VerdictRow {
    pub claim: String,
    pub article: String,
    pub settings: String,
    /// `holds 3/3`, `error`...
    pub verdict: String,
    /// The verdict itself (for colours).
    pub outcome: Verdict,
    /// "measured vs bound  \[check\]" per check, then records, then why.
    pub lines: Vec<String>,
}

/// The rows of the verdict table (claims that do not apply are left out)
/// and its summary line.
pub fn verdict_rows(results: &[ExperimentResult]) -> (Vec<VerdictRow>, String) {
    let mut rows = Vec::new();
    let mut counts = [0usize; 5];
    for r in results {
        for cell in &r.cells {
            for c in &cell.claims {
                counts[c.verdict as usize] += 1;
                // A claim that does not apply is shown only with a reason
                // (a Go version or machine it is not about), not for a
                // settings row it does not select.
                if c.verdict == Verdict::NotApplicable && c.reason.is_none() {
                    continue;
                }
                let mut verdict = match c.verdict {
                    Verdict::Holds | Verdict::Fails | Verdict::Disagree => {
                        format!("{} {}/{}", c.verdict.as_str(), c.holds_in, c.runs)
                    }
                    v => v.as_str().to_string(),
                };
                // Reached with the CPUs oversubscribed: said here, never in snapshots.
                if let Some(share) = cell.busy {
                    verdict.push_str(&format!(" (busy {:.0}%)", share * 100.0));
                }
                let mut lines: Vec<String> = c.checks.iter().map(check_line).collect();
                lines.extend(c.records.iter().map(|r| match &r.error {
                    Some(e) => format!("{} = error: {e}", r.expr),
                    None => format!("{} = {}", r.expr, spread(&r.value, true)),
                }));
                if let Some(why) = c.reason.as_ref().or(cell.error.as_ref()) {
                    let why = why.lines().map(str::trim).filter(|l| !l.is_empty());
                    lines.extend(why.take(REASON_LINES).map(String::from));
                }
                rows.push(VerdictRow {
                    claim: c.id.clone(),
                    article: r.article.clone(),
                    settings: cell.settings.clone(),
                    verdict,
                    outcome: c.verdict,
                    lines,
                });
            }
        }
    }
    let go = results.first().map_or("-", |r| r.go_version.as_str());
    let summary = format!(
        "{} on {go}: {} hold, {} fail, {} disagree, {} error ({} not applicable)",
        super::text::count(
            counts.iter().sum::<usize>() - counts[Verdict::NotApplicable as usize],
            "verdict"
        ),
        counts[Verdict::Holds as usize],
        counts[Verdict::Fails as usize],
        counts[Verdict::Disagree as usize],
        counts[Verdict::Error as usize],
        counts[Verdict::NotApplicable as usize],
    );
    (rows, summary)
}

/// The verdict table of `gomemlab reproduce`: one row per claim and settings
/// (claims that do not apply to a row are left out), then a summary line.
pub fn verdict_table(results: &[ExperimentResult]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<28} {:<4} {:<30} {:<12} measured vs bound  [check]",
        "claim", "art", "settings", "verdict"
    );
    let (rows, summary) = verdict_rows(results);
    for row in &rows {
        let first = row.lines.first().cloned().unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<28} {:<4} {:<30} {:<12} {first}",
            row.claim,
            row.article,
            clip(&row.settings, 30),
            row.verdict
        );
        for line in row.lines.iter().skip(1) {
            let _ = writeln!(out, "{:<77} {line}", "");
        }
    }
    let _ = writeln!(out, "\n{summary}");
    out
}

pub(crate) fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let kept: String = s.chars().take(n - 1).collect();
        format!("{kept}…")
    }
}

/// The stable projection of an experiment's result that snapshot tests keep:
/// verdicts and the checks (bounds) that gave them, never measured values.
pub fn verdict_snapshot(r: &ExperimentResult) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} (article {}, fixture {}, {} repeats)",
        r.title, r.article, r.fixture, r.repeats
    );
    for cell in &r.cells {
        let _ = writeln!(out, "\n[{}]", cell.settings);
        if cell.error.is_some() {
            let _ = writeln!(out, "runs failed");
        }
        for c in &cell.claims {
            let _ = writeln!(out, "{}: {}", c.id, c.verdict.as_str());
            if let (Verdict::NotApplicable, Some(why)) = (c.verdict, &c.reason) {
                let _ = writeln!(out, "  because  {why}");
            }
            for check in &c.checks {
                let _ = writeln!(out, "  {:<8} {}", check.verdict.as_str(), check.check);
            }
            for r in c.records.iter().filter(|r| r.exact) {
                let _ = writeln!(out, "  {:<8} {} = {}", "exact", r.expr, exact(&r.value));
            }
        }
    }
    out
}

/// An exact value in full (`1133584 bytes`); a range when the repeats
/// disagree, which is itself news.
fn exact(s: &Spread) -> String {
    let unit = match s.unit.unit() {
        "" => String::new(),
        u => format!(" {u}"),
    };
    let n = |v: f64| {
        if s.unit == Dim::Address && v.is_finite() && v >= 0.0 {
            format!("{:#x}", v as u64)
        } else {
            v.to_string()
        }
    };
    if s.min < s.max {
        format!("{}..{}{unit} (not exact)", n(s.min), n(s.max))
    } else if s.median.is_nan() {
        "none".to_string()
    } else {
        format!("{}{unit}", n(s.median))
    }
}

/// Results as pretty JSON (documented in the README).
pub fn results_json(results: &[ExperimentResult]) -> String {
    serde_json::to_string_pretty(results).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// The `note:` line of what is worth telling while kept runs are judged again.
pub fn judge_note_text(note: &crate::experiment::results::JudgeNote) -> String {
    use crate::experiment::results::JudgeNote;
    match note {
        JudgeNote::Interrupted { dir } => format!(
            "note: {} was interrupted (Ctrl-C): it keeps the experiments finished before",
            dir.display()
        ),
        JudgeNote::OwnFiles { dir, count, from } => format!(
            "note: judging {} with the {count} experiment file(s) kept in it (from {}); --experiments DIR judges with others",
            dir.display(),
            super::terminal::clean(from)
        ),
    }
}
