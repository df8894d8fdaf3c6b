//! One experiment of the HTML report: a collapsible section with each
//! claim's sentence, bound, checks (measured vs bound per Go version) and
//! verdict, then its runs plotted, a plot per settings row and Go version.

use maud::{Markup, PreEscaped, html};

use super::{Experiment, Plot, Plots, chip};
use crate::check::CheckKind;
use crate::check::claim::{CheckResult, ClaimResult, RecordResult, Verdict};
use crate::report::matrix::Column;
use crate::report::verdicts::spread;

/// The claim results of `id` in one settings row, per column that judged it.
fn judged<'a>(
    e: &'a Experiment,
    id: &str,
    settings: &str,
) -> Vec<(&'a Column, &'a ClaimResult, Option<&'a str>)> {
    let mut out = Vec::new();
    for (col, r) in &e.runs {
        for cell in r.cells.iter().filter(|c| c.settings == settings) {
            for c in cell.claims.iter().filter(|c| c.id == id) {
                if c.verdict != Verdict::NotApplicable {
                    out.push((*col, c, cell.error.as_deref()));
                }
            }
        }
    }
    out
}

/// Each value once, in first-seen order.
fn unique<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// Chips counting the experiment's verdicts (for the contents).
pub(super) fn counts(e: &Experiment) -> Markup {
    let all = e
        .runs
        .iter()
        .flat_map(|(_, r)| &r.cells)
        .flat_map(|c| &c.claims);
    let mut n = [0usize; 5];
    for c in all {
        n[c.verdict as usize] += 1;
    }
    let shown = [
        Verdict::Holds,
        Verdict::Fails,
        Verdict::Disagree,
        Verdict::Error,
    ];
    html! {
        @for v in shown {
            @if n[v as usize] > 0 { (chip(v, &format!("{} {}", v.as_str(), n[v as usize]))) " " }
        }
    }
}

/// The experiment's section.
/// Open, so the verdict table's links to its claims land on them (a closed
/// `<details>` hides its target and nothing should need a script to open it).
pub(super) fn experiment(e: &Experiment, many: bool, plots: &Plots) -> Markup {
    let Some((_, first)) = e.runs.first() else {
        return html! {};
    };
    let cells = || e.runs.iter().flat_map(|(_, r)| &r.cells);
    let settings = unique(cells().map(|c| c.settings.as_str()));
    let ids = unique(cells().flat_map(|c| &c.claims).map(|c| c.id.as_str()));
    html! {
        details.experiment #{ "exp-" (e.name) } open {
            summary {
                span.name { (e.name) } " "
                span.title { (first.title) }
                " " small { "article " (first.article) ", fixture " code { (first.fixture) } }
                " " (counts(e))
            }
            @for (col, r) in &e.runs {
                @if let Some(why) = &r.error {
                    pre.reason { (col.go_version) ": " (why) }
                }
            }
            @for id in &ids {
                @let rows: Vec<_> = settings.iter().map(|s| (*s, judged(e, id, s))).filter(|(_, j)| !j.is_empty()).collect();
                @if let Some(c) = rows.first().and_then(|(_, j)| j.first()).map(|j| j.1) {
                    div.claim #{ "claim-" (id) } {
                        h3 { code { (id) } }
                        blockquote.says { (c.says) }
                        @if let Some(bound) = &c.bound { p.bound { b { "bound " } (bound) } }
                        @for (s, judged) in &rows {
                            h4 { (s) }
                            @if many {
                                (by_version(judged))
                            } @else {
                                @for (_, c, cell_error) in judged {
                                    (claim_result(c, *cell_error))
                                }
                            }
                        }
                    }
                }
            }
            @let figs = figures(e, &settings, plots);
            @if !figs.is_empty() {
                h3 { "Runs" }
                div.plots {
                    @for (s, col, p) in &figs {
                        figure.run {
                            @match (&p.data, &p.svg) {
                                (Ok(json), Ok(svg)) => {
                                    div.iplot {}
                                    script.plot-data type="application/json" { (PreEscaped(json)) }
                                    noscript { (PreEscaped(svg)) }
                                }
                                (Err(_), Ok(svg)) => (PreEscaped(svg)),
                                (Ok(json), Err(_)) => {
                                    div.iplot {}
                                    script.plot-data type="application/json" { (PreEscaped(json)) }
                                }
                                (Err(why), Err(_)) => p.reason { "no plot: " (why) },
                            }
                            figcaption {
                                (s) " · " (col.go_version) " · repeat " (p.repeat)
                                @if many { " · " (col.machine.label()) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The experiment's plots: by settings row, then Go version.
fn figures<'a>(
    e: &Experiment<'a>,
    settings: &[&'a str],
    plots: &'a Plots,
) -> Vec<(&'a str, &'a Column, &'a Plot)> {
    let mut out = Vec::new();
    for s in settings {
        for (col, _) in &e.runs {
            for p in plots.of((&col.go_version, &col.machine), e.name, s) {
                out.push((*s, *col, p));
            }
        }
    }
    out
}

/// A claim's verdict: `holds 3/3`, or the verdict alone when not judged.
fn claim_verdict(c: &ClaimResult) -> String {
    match c.verdict {
        Verdict::Holds | Verdict::Fails | Verdict::Disagree => {
            format!("{} {}/{}", c.verdict.as_str(), c.holds_in, c.runs)
        }
        v => v.as_str().to_string(),
    }
}

/// One Go version's verdict on a claim in one settings row, with its checks.
fn claim_result(c: &ClaimResult, cell_error: Option<&str>) -> Markup {
    let why = c.reason.as_deref().or(cell_error);
    html! {
        div.result {
            p { (chip(c.verdict, &claim_verdict(c))) }
            @if !c.checks.is_empty() {
                table.checks {
                    thead { tr { th { "check" } th.num { "measured" } th {} th.num { "bound" } th { "" } } }
                    tbody { @for k in &c.checks { tr { td { code { (k.check) } } (check_cells(k, c.runs)) } } }
                }
            }
            @if !c.records.is_empty() {
                ul.records { @for r in &c.records { li { (record(r)) } } }
            }
            @if let Some(why) = why { pre.reason { (why) } }
        }
    }
}

/// Several Go versions' verdicts on a claim in one settings row: the
/// claim's verdict per version, then one table with each check once and a
/// row per version under it, so a change between versions reads down a column.
fn by_version(judged: &[(&Column, &ClaimResult, Option<&str>)]) -> Markup {
    let all_checks = judged.iter().flat_map(|(_, c, _)| &c.checks);
    let checks = unique(all_checks.map(|k| k.check.as_str()));
    html! {
        div.result {
            p.versions {
                @for (col, c, _) in judged {
                    span.version { span.go { (col.go_version) } " " (chip(c.verdict, &claim_verdict(c))) }
                }
            }
            @if !checks.is_empty() {
                table.checks.versions {
                    thead { tr { th { "check" } th { "Go" } th.num { "measured" } th {} th.num { "bound" } th { "" } } }
                    @for text in &checks {
                        @let rows: Vec<_> = judged.iter().filter_map(|(col, c, _)| {
                            c.checks.iter().find(|k| k.check == *text).map(|k| (*col, c.runs, k))
                        }).collect();
                        tbody {
                            @for (i, (col, runs, k)) in rows.iter().enumerate() {
                                tr {
                                    @if i == 0 { td rowspan=(rows.len()) { code { (text) } } }
                                    td.go { (col.go_version) }
                                    (check_cells(k, *runs))
                                }
                            }
                        }
                    }
                }
            }
            @for (col, c, cell_error) in judged {
                @if !c.records.is_empty() {
                    ul.records { @for r in &c.records { li { span.go { (col.go_version) } ": " (record(r)) } } }
                }
                @if let Some(why) = c.reason.as_deref().or(*cell_error) {
                    pre.reason { (col.go_version) ": " (why) }
                }
            }
        }
    }
}

/// A recorded value: `expr = median (range)`, or why it could not be computed.
fn record(r: &RecordResult) -> Markup {
    html! {
        code { (r.expr) } " = "
        @match &r.error { Some(e) => { "error: " (e) }, None => (spread(&r.value, true)) }
    }
}

/// A check's cells after its text: the measured median (and range), the
/// bound, its verdict.
fn check_cells(k: &CheckResult, runs: usize) -> Markup {
    let verdict = format!("{} {}/{runs}", k.verdict.as_str(), k.holds_in);
    html! {
        @if let Some(e) = &k.error {
            td colspan="3" { "error: " (e) }
        } @else if k.kind != CheckKind::Compare {
            td.num { "largest step back " (spread(&k.lhs, true)) }
            td.op { "≤" }
            td.num { "0" }
        } @else {
            td.num { (spread(&k.lhs, true)) }
            td.op { (k.op.symbol()) }
            td.num { (spread(&k.rhs, true)) @if let Some(at) = &k.at { " at " (at) } }
        }
        td { (chip(k.verdict, &verdict)) }
    }
}
