//! The check-language path reference (`docs/src/reference/checks.md`),
//! generated from the schema's names table: every path a check can read
//! and every field of the record lists, as one writes them, with their
//! dimension. Tests keep the committed page equal to what this generates
//! and fail naming any path the page leaves out.

use std::fmt::Write as _;

use super::fields::Field;
use super::{Category, Collection, Dim, FieldKind, MapClass, Path, Syscall};

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

/// A section of the page: the paths of one view.
struct Section {
    title: &'static str,
    note: String,
    paths: Vec<Path>,
}

fn every<F: Field>(wrap: impl Fn(F) -> Path) -> Vec<Path> {
    F::ALL.iter().map(|f| wrap(*f)).collect()
}

/// The page's sections, view by view: a class and a category stand for
/// all (written `CLASS` and `CATEGORY`).
fn sections() -> Vec<Section> {
    let classes: Vec<&str> = MapClass::ALL.iter().map(|c| c.name()).collect();
    let categories: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
    let (class, category) = (MapClass::ALL[0], Category::ALL[0]);
    let plain = |title, paths| Section {
        title,
        note: String::new(),
        paths,
    };
    vec![
        plain("Time", vec![Path::Time]),
        plain("OS view (`/proc`)", every(Path::Os)),
        plain("Go view (MemStats)", every(Path::Go)),
        plain("Fast-tier samples", every(Path::Samples)),
        Section {
            title: "Mapping inventory",
            note: format!("`CLASS` is one of {}.", classes.join(", ")),
            paths: every(|f| Path::Maps(class, f)),
        },
        plain("Heap profile", every(Path::Profile)),
        plain("Ledger", every(Path::Ledger)),
        Section {
            title: "Ledger rows",
            note: format!("`CATEGORY` is one of {}.", categories.join(", ")),
            paths: every(|f| Path::LedgerRow(category, f)),
        },
        plain("How the run ended", every(Path::Exit)),
        Section {
            title: "CPU classes",
            note: "runtime/metrics `/cpu/classes/`, Go 1.20+.".into(),
            paths: every(Path::Cpu),
        },
    ]
}

/// How the page writes a path: `CLASS`/`CATEGORY` for the class and the
/// category, `_bytes` left out.
pub fn documented(p: Path) -> String {
    let field = match p {
        Path::Time => return "t".into(),
        Path::Cpu(c) => c.name(),
        _ => written(p.field_name()),
    };
    match p {
        Path::Maps(..) => format!("maps.CLASS.{field}"),
        Path::LedgerRow(..) => format!("ledger.CATEGORY.{field}"),
        _ => {
            let full = p.to_string();
            let prefix = full.rsplit_once('.').map_or("", |(r, _)| r);
            let prefix = if matches!(p, Path::Cpu(_)) {
                "cpu"
            } else {
                prefix
            };
            format!("{prefix}.{field}")
        }
    }
}

fn table_head(out: &mut String, title: &str, note: &str) {
    let _ = writeln!(out, "## {title}\n");
    if !note.is_empty() {
        let _ = writeln!(out, "{note}\n");
    }
    let _ = writeln!(out, "| path | dimension |\n| --- | --- |");
}

/// One table: a row per path, sorted as written.
fn table(out: &mut String, s: &Section) {
    table_head(out, s.title, &s.note);
    let mut rows: Vec<(String, Dim)> = s.paths.iter().map(|p| (documented(*p), p.dim())).collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, dim) in rows {
        let _ = writeln!(out, "| `{name}` | {} |", dim_name(dim));
    }
    out.push('\n');
}

/// The record lists' fields, one table per kind of record.
fn records(out: &mut String) {
    let kinds: Vec<&str> = Syscall::ALL.iter().map(|s| s.name()).collect();
    let lists = [
        (
            Collection::Syscalls(None),
            format!(
                "Needs `trace-syscalls = true`; `syscalls.KIND` (KIND one of {}) has the same fields.",
                kinds.join(", ")
            ),
        ),
        (Collection::Gc, "Needs `GODEBUG=gctrace=1`.".into()),
        (Collection::Scav, "Needs `GODEBUG=scavtrace=1`.".into()),
        (Collection::PeriodicGc, "Needs `GODEBUG=gctrace=1`.".into()),
    ];
    for (c, note) in lists {
        table_head(out, &format!("Records: `{}`", c.name()), &note);
        let mut rows: Vec<(String, &str)> = c
            .fields()
            .into_iter()
            .map(|f| {
                let kind = match f.kind() {
                    FieldKind::Number(d) => dim_name(d),
                    FieldKind::Text => "word",
                };
                (format!("{}.{}", c.name(), written(f.name())), kind)
            })
            .collect();
        rows.sort_unstable();
        for (name, kind) in rows {
            let _ = writeln!(out, "| `{name}` | {kind} |");
        }
        out.push('\n');
    }
}

/// The whole page.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Check language: paths\n\n\
         <!-- Generated from the schema's names table (src/check/schema/fields.rs and\n\
         records.rs) by `GOMEMLAB_WRITE_REFERENCE=1 cargo test --lib check::schema::reference`;\n\
         do not edit. -->\n\n\
         Every value a check reads at a phase is written `PATH@PHASE` (`os.rss@freed`);\n\
         `samples.*` are series, read through a function (`max(samples.rss)`); `exit.*`\n\
         has one value per run. Sizes may be written with or without `_bytes`.\n\n",
    );
    for s in sections() {
        table(&mut out, &s);
    }
    out.push_str(
        "Queries select from record lists: `FUNC(LIST[.FIELD] [where COND ...])`\n\
         (`count(syscalls.munmap where in heap_arena)`); a word is compared with a\n\
         quoted string, `index` is a record's position in its list.\n\n",
    );
    records(&mut out);
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests;
