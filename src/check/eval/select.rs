//! Queries over a run's record lists (`count(syscalls.munmap where in
//! heap_arena)`): the records of a collection, each field read by its typed
//! name, and the selection by the query's conditions. Folding the values is
//! [`super`]'s.

use super::value;
use crate::analyze::Analyzed;
use crate::check::ast::{CmpOp, Cond, Query, TextOp};
use crate::check::error::EvalResult;
use crate::check::schema::records::{GcField, PeriodicGcField, ScavField, SyscallField};
use crate::check::schema::{Collection, MapClass, RecordField};
use crate::timeline::{Event, GcEvent, ScavEvent, Syscall, SyscallEvent, Timeline};

/// One record of a collection and its position in it.
#[derive(Debug, Clone, Copy)]
struct ListRecord<'t> {
    index: usize,
    item: ListItem<'t>,
}

/// What a record is.
#[derive(Debug, Clone, Copy)]
enum ListItem<'t> {
    Syscall(&'t SyscallEvent),
    Gc(&'t GcEvent),
    Scav(&'t ScavEvent),
    PeriodicGc { t_ns: u64 },
}

/// The records of a collection in a run, in order, each with its index.
fn records(c: Collection, t: &Timeline) -> Vec<ListRecord<'_>> {
    let items: Vec<ListItem<'_>> = match c {
        Collection::Syscalls(kind) => t
            .syscalls
            .iter()
            .filter(|s| kind.is_none_or(|k| s.syscall == k))
            .map(ListItem::Syscall)
            .collect(),
        _ => t
            .events
            .iter()
            .filter_map(|e| match (c, e) {
                (Collection::Gc, Event::Gc(g)) => Some(ListItem::Gc(g)),
                (Collection::Scav, Event::Scav(s)) => Some(ListItem::Scav(s)),
                (Collection::PeriodicGc, Event::PeriodicGc { t_ns }) => {
                    Some(ListItem::PeriodicGc { t_ns: *t_ns })
                }
                _ => None,
            })
            .collect(),
    };
    let indexed = items.into_iter().enumerate();
    indexed
        .map(|(index, item)| ListRecord { index, item })
        .collect()
}

impl ListRecord<'_> {
    /// A number field: flags are 1 / 0; `None` when the record has no
    /// value there (an optional field, a word, another collection's field).
    fn number(&self, f: RecordField) -> Option<f64> {
        match (f, self.item) {
            (RecordField::Index, _) => Some(self.index as f64),
            (RecordField::Syscall(f), ListItem::Syscall(s)) => syscall_number(s, f),
            (RecordField::Gc(f), ListItem::Gc(g)) => Some(gc_number(g, f)?),
            (RecordField::Scav(f), ListItem::Scav(s)) => Some(scav_number(s, f)?),
            (RecordField::PeriodicGc(PeriodicGcField::TNs), ListItem::PeriodicGc { t_ns }) => {
                Some(t_ns as f64)
            }
            _ => None,
        }
    }

    /// A word field (`prot`, `syscall`...), if the record has one there.
    fn text(&self, f: RecordField) -> Option<&str> {
        let ListItem::Syscall(s) = self.item else {
            return None;
        };
        match f {
            RecordField::Syscall(SyscallField::Syscall) => Some(s.syscall.name()),
            RecordField::Syscall(SyscallField::Prot) => s.prot.as_deref(),
            RecordField::Syscall(SyscallField::Flags) => s.flags.as_deref(),
            RecordField::Syscall(SyscallField::Advice) => s.advice.as_deref(),
            RecordField::Syscall(SyscallField::Error) => s.error.as_deref(),
            _ => None,
        }
    }

    /// The range a traced call touches: for mmap the mapping it returned
    /// (the hint when it failed), else `[addr, addr + len)`.
    fn touched(&self) -> Option<(u64, u64)> {
        let ListItem::Syscall(s) = self.item else {
            return None;
        };
        let start = match (s.syscall, s.result) {
            (Syscall::Mmap, Some(r)) if r >= 0 => r as u64,
            _ => s.addr,
        };
        Some((start, start.saturating_add(s.len)))
    }
}

fn syscall_number(s: &SyscallEvent, f: SyscallField) -> Option<f64> {
    use SyscallField as S;
    Some(match f {
        S::TNs => s.t_ns as f64,
        S::Tid => s.tid as f64,
        S::Addr => s.addr as f64,
        S::Len => s.len as f64,
        S::Fd => s.fd? as f64,
        S::Offset => s.offset? as f64,
        S::Result => s.result? as f64,
        S::Syscall | S::Prot | S::Flags | S::Advice | S::Error => return None,
    })
}

fn gc_number(g: &GcEvent, f: GcField) -> Option<f64> {
    use GcField as G;
    Some(match f {
        G::TNs => g.t_ns as f64,
        G::Cycle => g.cycle as f64,
        G::AtNs => g.at_ns as f64,
        G::CpuPercent => g.cpu_percent as f64,
        G::SweepTermNs => g.sweep_term_ns as f64,
        G::MarkNs => g.mark_ns as f64,
        G::MarkTermNs => g.mark_term_ns as f64,
        G::HeapStartBytes => g.heap_start_bytes as f64,
        G::HeapEndBytes => g.heap_end_bytes as f64,
        G::HeapLiveBytes => g.heap_live_bytes as f64,
        G::GoalBytes => g.goal_bytes as f64,
        G::StacksBytes => g.stacks_bytes? as f64,
        G::GlobalsBytes => g.globals_bytes? as f64,
        G::Procs => g.procs as f64,
        G::Forced => f64::from(u8::from(g.forced)),
    })
}

fn scav_number(s: &ScavEvent, f: ScavField) -> Option<f64> {
    use ScavField as S;
    Some(match f {
        S::TNs => s.t_ns as f64,
        S::ReleasedBytes => s.released_bytes as f64,
        S::ReleasedBgBytes => s.released_bg_bytes? as f64,
        S::ReleasedEagerBytes => s.released_eager_bytes? as f64,
        S::HeapReleasedBytes => s.heap_released_bytes as f64,
        S::UtilPercent => s.util_percent as f64,
        S::Forced => f64::from(u8::from(s.forced)),
        S::ControllerReset => f64::from(u8::from(s.controller_reset)),
    })
}

/// What a query selected: how many records, and the projected field's values.
pub struct Selected {
    pub records: usize,
    pub values: Vec<f64>,
}

/// A condition with its right-hand side evaluated (it does not depend on the record).
enum Ready<'q> {
    Number(RecordField, CmpOp, f64),
    Text(RecordField, TextOp, &'q str),
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
                    Ready::Number(*field, *op, value(rhs, run, None)?)
                }
                Cond::Text { field, op, rhs } => Ready::Text(*field, *op, rhs),
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
    let selected: Vec<ListRecord<'_>> = records(q.collection, t)
        .into_iter()
        .filter(|r| filter.is_empty() || filter.iter().any(|all| all.iter().all(|c| matches(c, r))))
        .collect();
    let values = match q.field {
        Some(f) => selected.iter().filter_map(|r| r.number(f)).collect(),
        None => Vec::new(),
    };
    Ok(Selected {
        records: selected.len(),
        values,
    })
}

fn matches(c: &Ready, r: &ListRecord<'_>) -> bool {
    match c {
        Ready::Number(field, op, rhs) => r.number(*field).is_some_and(|v| op.holds(v, *rhs)),
        Ready::Text(field, op, rhs) => r.text(*field).is_some_and(|v| match op {
            TextOp::Eq => v == *rhs,
            TextOp::Ne => v != *rhs,
            TextOp::Has => v.split('|').any(|part| part == *rhs),
        }),
        Ready::In(ranges) => r.touched().is_some_and(|range| overlaps(range, ranges)),
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

/// Whether `[start, end)` overlaps any of `ranges`.
fn overlaps(range: (u64, u64), ranges: &[(u64, u64)]) -> bool {
    ranges.iter().any(|&(s, e)| range.0 < e && s < range.1)
}

#[cfg(test)]
mod tests;
