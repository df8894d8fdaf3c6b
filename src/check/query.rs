//! The deep views of a timeline that checks address beyond `os.`, `go.` and
//! `samples.`: per-phase nested data (`maps.heap_arena.rss@freed`), and the
//! record lists (`syscalls.mmap`, `events.gc`) that queries filter and
//! project (`count(syscalls.munmap where in heap_arena)`).
//!
//! Every valid name comes from the serde model: a view's names are the keys of
//! a serialised template, so a field added to the model is addressable
//! without touching the parser. The per-phase views are the rows of
//! [`PHASE_VIEWS`]: `maps` (the inventory per class), `profile` (the heap
//! profile's sums), `ledger` (computed from the phase); a new one is one more
//! row.

use serde_json::{Map, Value};

use crate::measure::events::{Event, GcEvent, ScavEvent};
use crate::measure::maps::MapClass;
use crate::timeline::{HeapProfile, Phase, Syscall, SyscallEvent, Timeline};

/// A per-phase view addressed by a path: `<root>.<key>...<field>@<phase>`.
pub struct PhaseView {
    pub root: &'static str,
    /// A value with every addressable key (numbers at the leaves).
    pub template: fn() -> Value,
    /// The view at one phase; `None` when the run did not record it.
    pub of_phase: fn(&Phase) -> Option<Value>,
    /// What to do when a phase lacks the view.
    pub missing: &'static str,
}

/// The per-phase views, by root name.
pub const PHASE_VIEWS: &[PhaseView] = &[
    PhaseView {
        root: "maps",
        template: maps_template,
        of_phase: maps_of_phase,
        missing: "the run did not read the mappings: set `maps = true` in the experiment",
    },
    PhaseView {
        root: "profile",
        template: profile_template,
        of_phase: profile_of_phase,
        missing: "no heap profile at this phase: list it in `heap-profile = [...]` in the experiment",
    },
    PhaseView {
        root: "ledger",
        template: ledger_template,
        of_phase: ledger_of_phase,
        missing: "the run did not read the mappings the ledger needs: set `maps = true` in the experiment",
    },
];

/// The template of a view that is a serde type: its default value.
pub fn model<T: serde::Serialize + Default>() -> Value {
    serde_json::to_value(T::default()).unwrap_or(Value::Null)
}

/// A phase's optional serde data as a view.
pub fn view<T: serde::Serialize>(data: Option<&T>) -> Option<Value> {
    serde_json::to_value(data?).ok()
}

/// `profile.{inuse_space,inuse_objects,alloc_space,alloc_objects,sample_rate}`:
/// the heap profile written at the phase (its numbers, not its path).
fn profile_template() -> Value {
    profile_value(&HeapProfile {
        path: String::new(),
        sample_rate_bytes: 0,
        inuse_space_bytes: 0,
        inuse_objects: 0,
        alloc_space_bytes: 0,
        alloc_objects: 0,
    })
}

fn profile_of_phase(p: &Phase) -> Option<Value> {
    p.heap_profile.as_ref().map(profile_value)
}

fn profile_value(h: &HeapProfile) -> Value {
    let mut out = Map::new();
    out.insert("sample_rate_bytes".into(), h.sample_rate_bytes.into());
    out.insert("inuse_space_bytes".into(), h.inuse_space_bytes.into());
    out.insert("inuse_objects".into(), h.inuse_objects.into());
    out.insert("alloc_space_bytes".into(), h.alloc_space_bytes.into());
    out.insert("alloc_objects".into(), h.alloc_objects.into());
    Value::Object(out)
}

/// `ledger.{rss,explained,unexplained,limit,runtime_sys,anon_mapped,
/// mapped_beyond_sys}` and `ledger.<category>.{resident,runtime,lazy_free,
/// explained,unexplained,size,mappings}`: the ledger computed at the phase
/// (`limit` is the target: 5% of RSS, at least 1 MiB).
fn ledger_template() -> Value {
    ledger_value(None)
}

fn ledger_of_phase(p: &Phase) -> Option<Value> {
    let ledger = crate::analyze::ledger::of_phase(p)?;
    Some(ledger_value(Some(&ledger)))
}

fn ledger_value(l: Option<&crate::analyze::ledger::Ledger>) -> Value {
    use crate::analyze::ledger::{Category, TARGET_FLOOR_BYTES, TARGET_FRACTION};
    let mut out = Map::new();
    let rss = l.map_or(0, |l| l.rss_bytes);
    out.insert("rss_bytes".into(), rss.into());
    out.insert(
        "explained_bytes".into(),
        l.map_or(0, |l| l.explained_bytes).into(),
    );
    out.insert(
        "unexplained_bytes".into(),
        l.map_or(0, |l| l.unexplained_bytes).into(),
    );
    let limit = (TARGET_FRACTION * rss as f64).max(TARGET_FLOOR_BYTES as f64);
    out.insert("limit_bytes".into(), (limit as u64).into());
    out.insert(
        "runtime_sys_bytes".into(),
        l.map_or(0, |l| l.runtime_sys_bytes).into(),
    );
    out.insert(
        "anon_mapped_bytes".into(),
        l.map_or(0, |l| l.anon_mapped_bytes).into(),
    );
    out.insert(
        "mapped_beyond_sys_bytes".into(),
        l.map_or(0, |l| l.mapped_beyond_sys_bytes).into(),
    );
    for category in Category::ALL {
        let row = l.and_then(|l| l.row(category));
        let mut fields = Map::new();
        fields.insert(
            "resident_bytes".into(),
            row.map_or(0, |r| r.resident_bytes).into(),
        );
        fields.insert(
            "runtime_bytes".into(),
            row.and_then(|r| r.runtime_bytes).unwrap_or(0).into(),
        );
        fields.insert(
            "lazy_free_bytes".into(),
            row.map_or(0, |r| r.lazy_free_bytes).into(),
        );
        fields.insert(
            "explained_bytes".into(),
            row.map_or(0, |r| r.explained_bytes).into(),
        );
        fields.insert(
            "unexplained_bytes".into(),
            row.map_or(0, |r| r.unexplained_bytes).into(),
        );
        fields.insert("size_bytes".into(), row.map_or(0, |r| r.size_bytes).into());
        fields.insert("mappings".into(), row.map_or(0, |r| r.mappings).into());
        out.insert(category.name().into(), Value::Object(fields));
    }
    Value::Object(out)
}

/// `maps.<class>.{count,size_bytes,rss_bytes}`: the inventory summed per class
/// (a class with no mapping at a phase reads 0).
fn maps_template() -> Value {
    maps_value(&crate::measure::maps::MapsInventory::default())
}

fn maps_of_phase(p: &Phase) -> Option<Value> {
    p.maps.as_ref().map(maps_value)
}

fn maps_value(inv: &crate::measure::maps::MapsInventory) -> Value {
    let summary = inv.summary();
    let mut out = Map::new();
    for class in MapClass::ALL {
        let s = summary.iter().find(|s| s.class == class);
        let mut fields = Map::new();
        fields.insert("count".into(), s.map_or(0, |s| s.count).into());
        fields.insert("size_bytes".into(), s.map_or(0, |s| s.size_bytes).into());
        fields.insert("rss_bytes".into(), s.map_or(0, |s| s.rss_bytes).into());
        out.insert(class.name().into(), Value::Object(fields));
    }
    Value::Object(out)
}

/// The per-phase view named `root`.
pub fn phase_view(root: &str) -> Option<&'static PhaseView> {
    PHASE_VIEWS.iter().find(|v| v.root == root)
}

/// Resolves a written path (`maps.heap_arena.size`) against a view's template
/// to the model's path (`maps.heap_arena.size_bytes`), or says what is valid
/// at the step that failed.
pub fn resolve_path(view: &PhaseView, written: &[&str]) -> Result<String, String> {
    let mut node = (view.template)();
    let mut path = vec![view.root.to_string()];
    for (i, step) in written.iter().enumerate() {
        let Value::Object(map) = &node else {
            return Err(format!("`{}` has no part `{step}`", path.join(".")));
        };
        let key = [step.to_string(), format!("{step}_bytes")]
            .into_iter()
            .find(|k| map.contains_key(k));
        let Some(key) = key else {
            let valid: Vec<&str> = map.keys().map(|k| k.trim_end_matches("_bytes")).collect();
            return Err(format!(
                "unknown `{step}` in `{}.{}`: valid after `{}.` are {}",
                view.root,
                written.join("."),
                path.join("."),
                valid.join(", ")
            ));
        };
        node = map.get(&key).cloned().unwrap_or(Value::Null);
        path.push(key);
        if i + 1 == written.len() && !node.is_number() {
            let valid: Vec<String> = match &node {
                Value::Object(m) => m
                    .keys()
                    .map(|k| k.trim_end_matches("_bytes").into())
                    .collect(),
                _ => Vec::new(),
            };
            return Err(format!(
                "`{}` is not a number: continue with one of {}",
                path.join("."),
                valid.join(", ")
            ));
        }
    }
    if written.is_empty() {
        return Err(format!("`{}` needs a path", view.root));
    }
    Ok(path.join("."))
}

/// Reads a resolved path (`maps.heap_arena.size_bytes`) at one phase.
pub fn read_path(p: &Phase, path: &str) -> Result<f64, String> {
    let mut steps = path.split('.');
    let root = steps.next().unwrap_or("");
    let view = phase_view(root).ok_or_else(|| format!("no view `{root}`"))?;
    let mut node =
        (view.of_phase)(p).ok_or_else(|| format!("phase {}: {}", p.name, view.missing))?;
    for step in steps {
        node = node.get(step).cloned().unwrap_or(Value::Null);
    }
    Ok(node.as_f64().unwrap_or(0.0))
}

/// A list of records a query selects from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    /// Traced syscalls, all of them or one kind.
    Syscalls(Option<Syscall>),
    /// gctrace lines.
    Gc,
    /// scavtrace lines.
    Scav,
    /// `GC forced` lines (sysmon's periodic GC).
    PeriodicGc,
}

impl Collection {
    /// Every collection name, for error messages.
    pub fn names() -> Vec<String> {
        let mut names = vec!["syscalls".to_string()];
        names.extend(
            Syscall::ALL
                .iter()
                .map(|s| format!("syscalls.{}", s.name())),
        );
        names.extend(["events.gc", "events.scav", "events.periodic_gc"].map(String::from));
        names
    }

    pub fn parse(name: &str) -> Option<Collection> {
        Some(match name {
            "syscalls" => Collection::Syscalls(None),
            "events.gc" => Collection::Gc,
            "events.scav" => Collection::Scav,
            "events.periodic_gc" => Collection::PeriodicGc,
            _ => {
                let kind = name.strip_prefix("syscalls.")?;
                Collection::Syscalls(Some(*Syscall::ALL.iter().find(|s| s.name() == kind)?))
            }
        })
    }

    /// Whether the collection comes from the syscall trace.
    pub fn is_syscalls(self) -> bool {
        matches!(self, Collection::Syscalls(_))
    }

    /// A record with every field present, for names and types.
    fn template(self) -> Value {
        let value = match self {
            Collection::Syscalls(_) => serde_json::to_value(SyscallEvent {
                t_ns: 0,
                tid: 0,
                syscall: Syscall::Mmap,
                addr: 0,
                len: 0,
                prot: Some(String::new()),
                flags: Some(String::new()),
                advice: Some(String::new()),
                fd: Some(0),
                offset: Some(0),
                result: Some(0),
                error: Some(String::new()),
            }),
            Collection::Gc => serde_json::to_value(GcEvent {
                stacks_bytes: Some(0),
                globals_bytes: Some(0),
                ..GcEvent::default()
            }),
            Collection::Scav => serde_json::to_value(ScavEvent {
                released_bg_bytes: Some(0),
                released_eager_bytes: Some(0),
                ..ScavEvent::default()
            }),
            Collection::PeriodicGc => serde_json::to_value(Event::PeriodicGc { t_ns: 0 }),
        };
        let mut record = match value {
            Ok(Value::Object(m)) => m,
            _ => Map::new(),
        };
        record.remove("kind");
        record.remove("raw");
        record.insert("index".into(), 0.into());
        Value::Object(record)
    }

    /// The record fields (model names), with their kind.
    pub fn fields(self) -> Vec<(String, FieldKind)> {
        match self.template() {
            Value::Object(m) => m
                .into_iter()
                .map(|(k, v)| {
                    let kind = match v {
                        Value::String(_) => FieldKind::Text,
                        Value::Bool(_) => FieldKind::Flag,
                        _ => FieldKind::Number,
                    };
                    (k, kind)
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Resolves a written field (`heap_live`) to its model name and kind.
    pub fn field(self, written: &str) -> Option<(String, FieldKind)> {
        let fields = self.fields();
        [written.to_string(), format!("{written}_bytes")]
            .into_iter()
            .find_map(|name| fields.iter().find(|(f, _)| *f == name).cloned())
    }

    /// The records of this collection in a run, as JSON objects, each with
    /// its `index`: its position in the collection (the 1st mmap has index 0).
    pub fn records(self, t: &Timeline) -> Vec<Map<String, Value>> {
        let values: Vec<serde_json::Result<Value>> = match self {
            Collection::Syscalls(kind) => t
                .syscalls
                .iter()
                .filter(|s| kind.is_none_or(|k| s.syscall == k))
                .map(serde_json::to_value)
                .collect(),
            _ => t
                .events
                .iter()
                .filter(|e| {
                    matches!(
                        (self, e),
                        (Collection::Gc, Event::Gc(_))
                            | (Collection::Scav, Event::Scav(_))
                            | (Collection::PeriodicGc, Event::PeriodicGc { .. })
                    )
                })
                .map(|e| match e {
                    Event::Gc(g) => serde_json::to_value(g),
                    Event::Scav(s) => serde_json::to_value(s),
                    other => serde_json::to_value(other),
                })
                .collect(),
        };
        values
            .into_iter()
            .filter_map(|v| match v {
                Ok(Value::Object(m)) => Some(m),
                _ => None,
            })
            .enumerate()
            .map(|(i, mut m)| {
                m.insert("index".into(), i.into());
                m
            })
            .collect()
    }
}

/// What a record field holds, for the comparisons a condition may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Number,
    /// A decoded flag word or name (`PROT_READ|PROT_WRITE`, `MADV_FREE`).
    Text,
    /// true / false (compared as 1 / 0).
    Flag,
}

/// The address ranges of the mappings of one class, over every phase that read
/// the mappings (arenas are never unmapped, so this is every arena the run had).
pub fn class_ranges(t: &Timeline, class: MapClass) -> Vec<(u64, u64)> {
    let mut ranges: Vec<(u64, u64)> = t
        .phases
        .iter()
        .filter_map(|p| p.maps.as_ref())
        .flat_map(|inv| inv.of_class(class).map(|m| (m.start, m.end)))
        .collect();
    ranges.sort_unstable();
    ranges.dedup();
    ranges
}

/// The range a traced call touches: for mmap the mapping it returned (the
/// hint when it failed), else `[addr, addr + len)`.
pub fn touched(record: &Map<String, Value>) -> Option<(u64, u64)> {
    let field = |k: &str| record.get(k).and_then(Value::as_u64);
    let len = field("len")?;
    let start = match (
        record.get("syscall").and_then(Value::as_str),
        record.get("result").and_then(Value::as_i64),
    ) {
        (Some("mmap"), Some(r)) if r >= 0 => r as u64,
        _ => field("addr")?,
    };
    Some((start, start.saturating_add(len)))
}

/// Whether `[start, end)` overlaps any of `ranges`.
pub fn overlaps(range: (u64, u64), ranges: &[(u64, u64)]) -> bool {
    ranges.iter().any(|&(s, e)| range.0 < e && s < range.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, Default)]
    struct Profile {
        inuse_space_bytes: u64,
        alloc_objects: u64,
    }

    #[test]
    fn a_serde_type_is_a_view() {
        let v = PhaseView {
            root: "profile",
            template: || model::<Profile>(),
            of_phase: |_| view(Some(&Profile::default())),
            missing: "",
        };
        assert_eq!(
            resolve_path(&v, &["inuse_space"]).unwrap(),
            "profile.inuse_space_bytes"
        );
        let e = resolve_path(&v, &["inuse"]).unwrap_err();
        assert!(e.contains("alloc_objects, inuse_space"), "{e}");
    }

    #[test]
    fn overlap_and_touched_ranges() {
        assert!(overlaps((10, 20), &[(15, 30)]));
        assert!(!overlaps((10, 20), &[(20, 30)]));
        let mut r = Map::new();
        r.insert("syscall".into(), "mmap".into());
        r.insert("addr".into(), 0.into());
        r.insert("len".into(), 8.into());
        r.insert("result".into(), 100.into());
        assert_eq!(touched(&r), Some((100, 108)));
        r.insert("syscall".into(), "madvise".into());
        assert_eq!(touched(&r), Some((0, 8)));
    }
}
