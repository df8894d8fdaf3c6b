//! Queries over a run's record lists (`count(syscalls.munmap where in
//! heap_arena)`): the collections and their fields (from the serde model),
//! and the selection of records. Folding the values is [`super::eval`]'s.

use serde_json::{Map, Value as Json};

use super::ast::{Cond, Dim, Query, TextOp};
use super::error::EvalResult;
use super::eval;
use super::schema::{Need, dim_of_field};
use crate::analyze::Analyzed;
use crate::timeline::MapClass;
use crate::timeline::{Event, GcEvent, ScavEvent};
use crate::timeline::{Syscall, SyscallEvent, Timeline};

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

/// What a record field holds, for the comparisons a condition may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A number of a dimension (flags are counts: true is 1, false 0).
    Number(Dim),
    /// A decoded flag word or name (`PROT_READ|PROT_WRITE`, `MADV_FREE`).
    Text,
}

impl Collection {
    /// Every collection, in the order messages list them.
    pub fn all() -> Vec<Collection> {
        let mut all = vec![Collection::Syscalls(None)];
        all.extend(Syscall::ALL.iter().map(|s| Collection::Syscalls(Some(*s))));
        all.extend([Collection::Gc, Collection::Scav, Collection::PeriodicGc]);
        all
    }

    pub fn name(self) -> String {
        match self {
            Collection::Syscalls(None) => "syscalls".into(),
            Collection::Syscalls(Some(s)) => format!("syscalls.{}", s.name()),
            Collection::Gc => "events.gc".into(),
            Collection::Scav => "events.scav".into(),
            Collection::PeriodicGc => "events.periodic_gc".into(),
        }
    }

    pub fn names() -> Vec<String> {
        Collection::all()
            .into_iter()
            .map(Collection::name)
            .collect()
    }

    pub fn parse(name: &str) -> Option<Collection> {
        Collection::all().into_iter().find(|c| c.name() == name)
    }

    /// Whether an identifier names a record list (`syscalls...`, `events...`).
    pub fn is_query(ident: &str) -> bool {
        ["syscalls", "events"].iter().any(|root| {
            ident == *root || ident.strip_prefix(root).is_some_and(|r| r.starts_with('.'))
        })
    }

    /// The switch a collection needs.
    pub fn need(self) -> Need {
        match self {
            Collection::Syscalls(_) => Need::TraceSyscalls,
            Collection::Gc | Collection::PeriodicGc => Need::Gctrace,
            Collection::Scav => Need::Scavtrace,
        }
    }

    pub fn is_syscalls(self) -> bool {
        matches!(self, Collection::Syscalls(_))
    }

    /// A record with every field present, for names and kinds.
    fn template(self) -> Map<String, Json> {
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
            Ok(Json::Object(m)) => m,
            _ => Map::new(),
        };
        record.remove("kind");
        record.remove("raw");
        record.insert("index".into(), 0.into());
        record
    }

    /// The record fields (model names), with their kind.
    pub fn fields(self) -> Vec<(String, FieldKind)> {
        self.template()
            .into_iter()
            .map(|(k, v)| {
                let kind = match v {
                    Json::String(_) => FieldKind::Text,
                    _ => FieldKind::Number(self.dim_of(&k)),
                };
                (k, kind)
            })
            .collect()
    }

    /// Sizes (`len`, `offset`, `*_bytes`) are bytes, `*_ns` durations, `addr`
    /// and `result` of syscalls addresses, anything else a count.
    fn dim_of(self, field: &str) -> Dim {
        match (self.is_syscalls(), field) {
            (true, "len" | "offset") => Dim::Bytes,
            (true, "addr" | "result") => Dim::Address,
            _ => dim_of_field(field),
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
    fn records(self, t: &Timeline) -> Vec<Map<String, Json>> {
        let values: Vec<serde_json::Result<Json>> = match self {
            Collection::Syscalls(kind) => t
                .syscalls
                .iter()
                .filter(|s| kind.is_none_or(|k| s.syscall == k))
                .map(serde_json::to_value)
                .collect(),
            _ => t
                .events
                .iter()
                .filter_map(|e| match (self, e) {
                    (Collection::Gc, Event::Gc(g)) => Some(serde_json::to_value(g)),
                    (Collection::Scav, Event::Scav(s)) => Some(serde_json::to_value(s)),
                    (Collection::PeriodicGc, Event::PeriodicGc { .. }) => {
                        Some(serde_json::to_value(e))
                    }
                    _ => None,
                })
                .collect(),
        };
        values
            .into_iter()
            .filter_map(|v| match v {
                Ok(Json::Object(m)) => Some(m),
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

/// What a query selected: how many records, and the projected field's values.
pub struct Selected {
    pub records: usize,
    pub values: Vec<f64>,
}

/// A condition with its right-hand side evaluated (it does not depend on the record).
enum Ready<'q> {
    Number(&'q str, super::ast::CmpOp, f64),
    Text(&'q str, TextOp, &'q str),
    In(Vec<(u64, u64)>),
}

/// Selects a query's records in one run.
pub fn select(q: &Query, run: &Analyzed) -> EvalResult<Selected> {
    let t = &run.timeline;
    if q.collection.is_syscalls() && t.trace.is_none() {
        return Err(
            "the run's syscalls were not traced: set `trace-syscalls = true` in the experiment"
                .into(),
        );
    }
    let mut filter = Vec::new();
    for all in &q.filter {
        let mut ready = Vec::new();
        for c in all {
            ready.push(match c {
                Cond::Number { field, op, rhs } => {
                    Ready::Number(field, *op, eval::value(rhs, run, None)?)
                }
                Cond::Text { field, op, rhs } => Ready::Text(field, *op, rhs),
                Cond::In(class) => {
                    if t.phases.iter().all(|p| p.maps.is_none()) {
                        return Err(format!(
                            "`in {}` needs the mappings: set `maps = true` in the experiment",
                            class.name()
                        ));
                    }
                    Ready::In(class_ranges(t, *class))
                }
            });
        }
        filter.push(ready);
    }
    let selected: Vec<Map<String, Json>> = q
        .collection
        .records(t)
        .into_iter()
        .filter(|r| filter.is_empty() || filter.iter().any(|all| all.iter().all(|c| matches(c, r))))
        .collect();
    let values = match &q.field {
        Some(f) => selected.iter().filter_map(|r| number(r.get(f))).collect(),
        None => Vec::new(),
    };
    Ok(Selected {
        records: selected.len(),
        values,
    })
}

fn matches(c: &Ready, r: &Map<String, Json>) -> bool {
    match c {
        Ready::Number(field, op, rhs) => number(r.get(*field)).is_some_and(|v| op.holds(v, *rhs)),
        Ready::Text(field, op, rhs) => {
            r.get(*field)
                .and_then(Json::as_str)
                .is_some_and(|v| match op {
                    TextOp::Eq => v == *rhs,
                    TextOp::Ne => v != *rhs,
                    TextOp::Has => v.split('|').any(|part| part == *rhs),
                })
        }
        Ready::In(ranges) => touched(r).is_some_and(|range| overlaps(range, ranges)),
    }
}

/// A record's field as a number: numbers as they are, flags as 1 / 0.
fn number(v: Option<&Json>) -> Option<f64> {
    match v? {
        Json::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        other => other.as_f64(),
    }
}

/// The address ranges of the mappings of one class, over every phase that read
/// the mappings (arenas are never unmapped, so this is every arena the run had).
fn class_ranges(t: &Timeline, class: MapClass) -> Vec<(u64, u64)> {
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
fn touched(record: &Map<String, Json>) -> Option<(u64, u64)> {
    let field = |k: &str| record.get(k).and_then(Json::as_u64);
    let len = field("len")?;
    let start = match (
        record.get("syscall").and_then(Json::as_str),
        record.get("result").and_then(Json::as_i64),
    ) {
        (Some("mmap"), Some(r)) if r >= 0 => r as u64,
        _ => field("addr")?,
    };
    Some((start, start.saturating_add(len)))
}

/// Whether `[start, end)` overlaps any of `ranges`.
fn overlaps(range: (u64, u64), ranges: &[(u64, u64)]) -> bool {
    ranges.iter().any(|&(s, e)| range.0 < e && s < range.1)
}

#[cfg(test)]
mod tests {
    //! Tests of `select`: address ranges a record touches, and the collections' fields.
    use super::*;

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

    #[test]
    fn names_fields_and_dimensions_come_from_the_model() {
        assert_eq!(
            Collection::parse("syscalls.munmap"),
            Some(Collection::Syscalls(Some(Syscall::Munmap)))
        );
        assert!(Collection::is_query("events.gc") && !Collection::is_query("eventsx"));
        let mmap = Collection::Syscalls(Some(Syscall::Mmap));
        assert_eq!(
            mmap.field("len").map(|f| f.1),
            Some(FieldKind::Number(Dim::Bytes))
        );
        assert_eq!(
            mmap.field("addr").map(|f| f.1),
            Some(FieldKind::Number(Dim::Address))
        );
        assert_eq!(mmap.field("prot").map(|f| f.1), Some(FieldKind::Text));
        assert_eq!(
            Collection::Gc.field("heap_live").map(|f| f.0),
            Some("heap_live_bytes".into())
        );
        assert_eq!(
            Collection::Gc.field("forced").map(|f| f.1),
            Some(FieldKind::Number(Dim::Count))
        );
    }
}
