//! The field names of every view, as the model spells them (serde keys of
//! the OS and Go views, lists for the deep views), how a written name maps
//! to one, and the dimension a name implies.

use super::{View, outcome};
use crate::check::ast::Dim;
use crate::timeline::{GoView, OsView};

/// `peak_bytes`: each sample's window peak (the highest RSS since the
/// previous sample).
const SAMPLES: &[&str] = &["peak_bytes", "rss_bytes", "vm_size_bytes"];
/// `named`: how many of the class's mappings the Go runtime named
/// (`[anon: Go: ...]`, Go 1.25+ on kernels with CONFIG_ANON_VMA_NAME).
pub(super) const MAPS: &[&str] = &["count", "named", "rss_bytes", "size_bytes"];
const PROFILE: &[&str] = &[
    "alloc_objects",
    "alloc_space_bytes",
    "inuse_objects",
    "inuse_space_bytes",
    "sample_rate_bytes",
];
/// `limit` is the ledger's target: 5% of RSS, at least 1 MiB.
const LEDGER: &[&str] = &[
    "anon_mapped_bytes",
    "explained_bytes",
    "limit_bytes",
    "mapped_beyond_sys_bytes",
    "rss_bytes",
    "runtime_sys_bytes",
    "unexplained_bytes",
];
pub(super) const LEDGER_ROW: &[&str] = &[
    "explained_bytes",
    "lazy_free_bytes",
    "mappings",
    "resident_bytes",
    "runtime_bytes",
    "size_bytes",
    "unexplained_bytes",
];
/// The roots of the per-phase deep views, for messages.
pub const DEEP_VIEWS: &[&str] = &["maps", "profile", "ledger", "cpu"];

/// The keys of a serde view's default value.
fn serde_keys<T: serde::Serialize + Default>() -> Vec<String> {
    match serde_json::to_value(T::default()) {
        Ok(serde_json::Value::Object(m)) => m.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The field names of a view, as the model spells them.
pub fn fields(view: View) -> Vec<String> {
    let list: &[&str] = match view {
        View::Os => return serde_keys::<OsView>(),
        View::Go => return serde_keys::<GoView>(),
        View::Time => &["t_ns"],
        View::Samples => SAMPLES,
        View::Maps(_) => MAPS,
        View::Profile => PROFILE,
        View::Ledger(None) => LEDGER,
        View::Ledger(Some(_)) => LEDGER_ROW,
        View::Exit => outcome::EXIT,
        View::Cpu => outcome::CPU,
    };
    list.iter().map(|s| s.to_string()).collect()
}

/// `rss` or `rss_bytes` to the model's `rss_bytes`, if known.
pub fn pick(written: &str, known: &[String]) -> Option<String> {
    [written.to_string(), format!("{written}_bytes")]
        .into_iter()
        .find(|name| known.contains(name))
}

/// The names as one may write them, for messages.
pub fn shown(known: &[String]) -> String {
    let mut names: Vec<&str> = known.iter().map(|f| f.trim_end_matches("_bytes")).collect();
    names.sort_unstable();
    names.join(", ")
}

/// The dimension of a model field, from its name.
pub fn dim_of_field(field: &str) -> Dim {
    if field.ends_with("_bytes") {
        Dim::Bytes
    } else if field.ends_with("_ns") {
        Dim::Duration
    } else {
        Dim::Count
    }
}
