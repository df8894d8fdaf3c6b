//! The check-language path reference (`docs/src/reference/checks.md`),
//! generated from the schema's names table: every path a check can read,
//! as one writes it, with its dimension. A test keeps the committed page
//! equal to what this generates.

use std::fmt::Write as _;

use super::{Path, View, fields};
use crate::analyze::ledger::Category;
use crate::check::ast::Dim;
use crate::timeline::MapClass;

/// Where the generated page lives, from the crate root.
pub const PAGE: &str = "docs/src/reference/checks.md";

fn dim_name(dim: Dim) -> &'static str {
    match dim {
        Dim::Bytes => "bytes",
        Dim::Duration => "duration (ns)",
        Dim::Count => "count",
        Dim::Address => "address",
        Dim::Ratio => "ratio",
    }
}

/// The written name of a model field (`rss_bytes` is written `rss`).
fn written(field: &str) -> &str {
    field.strip_suffix("_bytes").unwrap_or(field)
}

/// One table: a row per field of `view`, written `prefix.FIELD`.
fn table(out: &mut String, title: &str, note: &str, prefix: &str, view: View) {
    let _ = writeln!(out, "## {title}\n");
    if !note.is_empty() {
        let _ = writeln!(out, "{note}\n");
    }
    let _ = writeln!(out, "| path | dimension |\n| --- | --- |");
    let mut names = fields(view);
    names.sort_by(|a, b| written(a).cmp(written(b)));
    for field in names {
        let dim = Path {
            view,
            field: field.clone(),
        }
        .dim();
        // The phase's time is written `t` (`t@freed`).
        let name = if matches!(view, View::Time) {
            "t"
        } else {
            written(&field)
        };
        let _ = writeln!(out, "| `{prefix}{name}` | {} |", dim_name(dim));
    }
    out.push('\n');
}

/// The whole page.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Check language: paths\n\n\
         <!-- Generated from the schema's names table (src/check/schema/names.rs) by\n\
         `GOMEMLAB_WRITE_REFERENCE=1 cargo test --lib check::schema::reference`; do not edit. -->\n\n\
         Every value a check reads at a phase is written `PATH@PHASE` (`os.rss@freed`);\n\
         `samples.*` are series, read through a function (`max(samples.rss)`); `exit.*`\n\
         has one value per run. Sizes may be written with or without `_bytes`.\n\n",
    );
    let classes: Vec<&str> = MapClass::ALL.iter().map(|c| c.name()).collect();
    let categories: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
    table(&mut out, "Time", "", "", View::Time);
    table(&mut out, "OS view (`/proc`)", "", "os.", View::Os);
    table(&mut out, "Go view (MemStats)", "", "go.", View::Go);
    table(&mut out, "Fast-tier samples", "", "samples.", View::Samples);
    let note = format!("`CLASS` is one of {}.", classes.join(", "));
    table(
        &mut out,
        "Mapping inventory",
        &note,
        "maps.CLASS.",
        View::Maps(MapClass::ALL[0]),
    );
    table(&mut out, "Heap profile", "", "profile.", View::Profile);
    table(&mut out, "Ledger", "", "ledger.", View::Ledger(None));
    let note = format!("`CATEGORY` is one of {}.", categories.join(", "));
    let row = View::Ledger(Some(Category::ALL[0]));
    table(&mut out, "Ledger rows", &note, "ledger.CATEGORY.", row);
    table(&mut out, "How the run ended", "", "exit.", View::Exit);
    let note = "runtime/metrics `/cpu/classes/`, Go 1.20+.";
    table(&mut out, "CPU classes", note, "cpu.", View::Cpu);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed() -> (std::path::PathBuf, String) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PAGE);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        (path, text)
    }

    /// Every path of the page resolves, and every field of every view is on
    /// the page (with a class and a category standing for the others).
    #[test]
    fn every_path_is_documented_and_every_documented_path_resolves() {
        let page = markdown();
        let paths: Vec<String> = page
            .lines()
            .filter_map(|l| l.strip_prefix("| `")?.split('`').next().map(str::to_string))
            .collect();
        assert!(paths.len() > 60, "{paths:?}");
        for p in &paths {
            let concrete = p
                .replace("CLASS", MapClass::ALL[0].name())
                .replace("CATEGORY", Category::ALL[0].name());
            assert!(Path::resolve(&concrete).is_ok(), "{p} does not resolve");
        }
        for (prefix, view) in [("os.", View::Os), ("go.", View::Go), ("exit.", View::Exit)] {
            for field in fields(view) {
                let path = format!("{prefix}{}", written(&field));
                assert!(paths.contains(&path), "{path} is not documented");
            }
        }
    }

    /// The committed page is what the table generates; with
    /// GOMEMLAB_WRITE_REFERENCE=1 this writes it.
    #[test]
    fn the_committed_reference_is_current() {
        let (path, text) = committed();
        let page = markdown();
        if std::env::var_os("GOMEMLAB_WRITE_REFERENCE").is_some() {
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("docs/src/reference");
            std::fs::write(&path, &page).expect("the page is written");
            return;
        }
        assert!(
            text == page,
            "{PAGE} is stale: run `GOMEMLAB_WRITE_REFERENCE=1 cargo test --lib check::schema::reference` and commit it"
        );
    }
}
