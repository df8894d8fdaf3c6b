//! `--html FILE`: the verdicts as one self-contained HTML page (no font, no
//! request: CSS, script and data inline), opened from disk. The verdict
//! table (or the claims × versions matrix), then per experiment its claims,
//! checks (measured vs bound) and its runs plotted: interactive plots drawn
//! by uPlot (vendored in `assets/vendor/uplot/`, MIT), the static SVG kept
//! in `<noscript>`. Built from the results model and the rows every other
//! format prints; maud escapes.

mod claims;
mod data;
mod plots;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::check::claim::Verdict;
use crate::experiment::reproduce::ExperimentResult;
use crate::report::matrix::{self, Column, Matrix};
use crate::report::verdicts::verdict_rows;

pub use plots::{PLOTTED_REPEAT, Plot, Plots, svg};

const STYLE: &str = include_str!("html/style.css");
/// uPlot 1.6.32 (npm `uplot`, MIT: `assets/vendor/uplot/LICENSE`).
const UPLOT_JS: &str = include_str!("../../assets/vendor/uplot/uPlot.iife.min.js");
const UPLOT_CSS: &str = include_str!("../../assets/vendor/uplot/uPlot.min.css");
/// The page's script: builds each run's interactive plot from its data.
const PLOTS_JS: &str = include_str!("html/plots.js");

/// How the page was made, for its header.
#[derive(Debug, Clone)]
pub struct Header {
    /// When, as people read it (`2026-11-25 18:40:00 UTC`).
    pub generated: String,
    /// The command line that wrote the page.
    pub command: String,
}

/// An experiment as measured by each column that ran it.
pub(crate) struct Experiment<'a> {
    pub name: &'a str,
    pub runs: Vec<(&'a Column, &'a ExperimentResult)>,
}

/// The experiments of all columns, in the order they were first run.
fn experiments<'a>(columns: &[&'a Column]) -> Vec<Experiment<'a>> {
    let mut out: Vec<Experiment> = Vec::new();
    for col in columns {
        for r in &col.results {
            match out.iter_mut().find(|e| e.name == r.experiment) {
                Some(e) => e.runs.push((col, r)),
                None => out.push(Experiment {
                    name: &r.experiment,
                    runs: vec![(col, r)],
                }),
            }
        }
    }
    out
}

/// The CSS class of a verdict.
fn class(v: Verdict) -> &'static str {
    match v {
        Verdict::NotApplicable => "na",
        v => v.as_str(),
    }
}

/// A verdict as a coloured chip.
pub(crate) fn chip(v: Verdict, text: &str) -> Markup {
    html! { span class={ "chip " (class(v)) } { (text) } }
}

/// The whole page.
pub fn page(given: &[Column], plots: &Plots, header: &Header) -> String {
    let columns = matrix::ordered(given);
    let exps = experiments(&columns);
    let versions: Vec<&str> = columns.iter().map(|c| c.go_version.as_str()).collect();
    let mut machines: Vec<String> = columns.iter().map(|c| c.machine.label()).collect();
    machines.dedup();
    let many = columns.len() > 1;
    let interactive = plots.interactive();
    let title = format!("gomemlab report · {}", versions.join(", "));
    let (table, summary) = if many {
        let m = matrix::build(given);
        (matrix_table(&m), matrix::summary(&m))
    } else {
        let results = columns.first().map_or(&[][..], |c| &c.results[..]);
        verdict_table(results)
    };
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
                @if interactive { style { (PreEscaped(UPLOT_CSS)) } }
            }
            body {
                header {
                    h1 { "gomemlab report" }
                    dl.meta {
                        dt { "Go" } dd { (versions.join(", ")) }
                        dt { "machine" } dd { (machines.join("; ")) }
                        dt { "written" } dd { (header.generated) }
                        dt { "command" } dd { code { (header.command) } }
                        dt { "gomemlab" } dd { (env!("CARGO_PKG_VERSION")) }
                    }
                    p.summary { (summary) }
                }
                nav.toc {
                    h2 { "Contents" }
                    ol {
                        li { a href="#verdicts" { @if many { "Claims × versions" } @else { "Verdicts" } } }
                        @for e in &exps {
                            li {
                                a href={ "#exp-" (e.name) } { (e.name) }
                                " " (claims::counts(e))
                            }
                        }
                    }
                }
                main {
                    section #verdicts {
                        h2 { @if many { "Claims × versions" } @else { "Verdicts" } }
                        div.wide { (table) }
                    }
                    @for e in &exps {
                        (claims::experiment(e, many, plots))
                    }
                }
                @if interactive {
                    script { (PreEscaped(UPLOT_JS)) }
                    script { (PreEscaped(PLOTS_JS)) }
                }
            }
        }
    };
    markup.into_string()
}

/// The verdict table of one Go version, from the rows every format prints.
fn verdict_table(results: &[ExperimentResult]) -> (Markup, String) {
    let (rows, summary) = verdict_rows(results);
    let table = html! {
        table.verdicts {
            thead { tr { th { "claim" } th { "art" } th { "settings" } th { "verdict" } th { "measured vs bound [check]" } } }
            tbody {
                @for r in &rows {
                    tr {
                        td { a href={ "#claim-" (r.claim) } { code { (r.claim) } } }
                        td { (r.article) }
                        td { (r.settings) }
                        td { (chip(r.outcome, &r.verdict)) }
                        td.lines { @for l in &r.lines { div { code { (l) } } } }
                    }
                }
            }
        }
    };
    (table, summary)
}

/// The claims × versions matrix: a column per Go version (and machine).
fn matrix_table(m: &Matrix) -> Markup {
    html! {
        table.verdicts.matrix {
            thead {
                tr {
                    th { "claim" } th { "art" } th { "settings" }
                    @for (go, machine) in matrix::heads(m) {
                        th { (go) @if !machine.is_empty() { br; small { (machine) } } }
                    }
                    th { "notes" }
                }
            }
            tbody {
                @for r in &m.rows {
                    tr {
                        td { a href={ "#claim-" (r.claim) } { code { (r.claim) } } }
                        td { (r.article) }
                        td { (r.settings) }
                        @for c in &r.cells {
                            td { @match c { Some(c) => (chip(c.verdict, &c.text())), None => "-" } }
                        }
                        td { (r.notes()) }
                    }
                }
            }
        }
        @let reasons = matrix::reasons(m);
        @if !reasons.is_empty() {
            h3 { "Why not judged" }
            ul.reasons { @for why in &reasons { li { code { (why) } } } }
        }
    }
}

#[cfg(test)]
mod tests;
