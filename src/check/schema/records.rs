//! The record lists a query selects from (`syscalls.munmap`, `events.gc`)
//! and their fields, typed, with the kind and dimension of each. The names
//! are the serde names of `SyscallEvent`, `GcEvent`, `ScavEvent` and the
//! periodic-GC event (a test keeps them equal), plus `index`, a record's
//! position in its list. Selecting records is the evaluator's.

use super::fields::{Field, field_table};
use super::{Dim, Need, Syscall, dim_of_field};

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

field_table!(
    /// A field of a traced syscall (`timeline::SyscallEvent`).
    SyscallField {
        TNs = "t_ns",
        Tid = "tid",
        /// Its name (`mmap`): a word.
        Syscall = "syscall",
        Addr = "addr",
        Len = "len",
        Prot = "prot",
        Flags = "flags",
        Advice = "advice",
        Fd = "fd",
        Offset = "offset",
        Result = "result",
        Error = "error",
    }
);

field_table!(
    /// A field of a gctrace line (`timeline::GcEvent`, its raw text left out).
    GcField {
        TNs = "t_ns",
        Cycle = "cycle",
        AtNs = "at_ns",
        CpuPercent = "cpu_percent",
        SweepTermNs = "sweep_term_ns",
        MarkNs = "mark_ns",
        MarkTermNs = "mark_term_ns",
        HeapStartBytes = "heap_start_bytes",
        HeapEndBytes = "heap_end_bytes",
        HeapLiveBytes = "heap_live_bytes",
        GoalBytes = "goal_bytes",
        StacksBytes = "stacks_bytes",
        GlobalsBytes = "globals_bytes",
        Procs = "procs",
        Forced = "forced",
    }
);

field_table!(
    /// A field of a scavtrace line (`timeline::ScavEvent`, its raw text left out).
    ScavField {
        TNs = "t_ns",
        ReleasedBytes = "released_bytes",
        ReleasedBgBytes = "released_bg_bytes",
        ReleasedEagerBytes = "released_eager_bytes",
        HeapReleasedBytes = "heap_released_bytes",
        UtilPercent = "util_percent",
        Forced = "forced",
        ControllerReset = "controller_reset",
    }
);

field_table!(
    /// A field of a `GC forced` line (`timeline::Event::PeriodicGc`).
    PeriodicGcField {
        TNs = "t_ns",
    }
);

/// A field of a record, resolved for its collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordField {
    /// The record's position in its collection (the 1st mmap has index 0).
    Index,
    Syscall(SyscallField),
    Gc(GcField),
    Scav(ScavField),
    PeriodicGc(PeriodicGcField),
}

impl RecordField {
    /// The model's name (`heap_live_bytes`).
    pub fn name(self) -> &'static str {
        match self {
            RecordField::Index => "index",
            RecordField::Syscall(f) => f.name(),
            RecordField::Gc(f) => f.name(),
            RecordField::Scav(f) => f.name(),
            RecordField::PeriodicGc(f) => f.name(),
        }
    }

    /// Words for the decoded syscall fields; numbers otherwise. Sizes
    /// (`len`, `offset`, `*_bytes`) are bytes, `*_ns` durations, `addr` and
    /// `result` of syscalls addresses, anything else a count.
    pub fn kind(self) -> FieldKind {
        use SyscallField as S;
        FieldKind::Number(match self {
            RecordField::Syscall(S::Syscall | S::Prot | S::Flags | S::Advice | S::Error) => {
                return FieldKind::Text;
            }
            RecordField::Syscall(S::Len | S::Offset) => Dim::Bytes,
            RecordField::Syscall(S::Addr | S::Result) => Dim::Address,
            _ => dim_of_field(self.name()),
        })
    }
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

    /// The record fields: `index`, then the collection's table.
    pub fn fields(self) -> Vec<RecordField> {
        fn all<F: Field>(wrap: fn(F) -> RecordField) -> impl Iterator<Item = RecordField> {
            F::ALL.iter().map(move |f| wrap(*f))
        }
        let mut out = vec![RecordField::Index];
        match self {
            Collection::Syscalls(_) => out.extend(all(RecordField::Syscall)),
            Collection::Gc => out.extend(all(RecordField::Gc)),
            Collection::Scav => out.extend(all(RecordField::Scav)),
            Collection::PeriodicGc => out.extend(all(RecordField::PeriodicGc)),
        }
        out
    }

    /// Resolves a written field (`heap_live`) to its typed field.
    pub fn field(self, written: &str) -> Option<RecordField> {
        let fields = self.fields();
        [written.to_string(), format!("{written}_bytes")]
            .into_iter()
            .find_map(|name| fields.iter().copied().find(|f| f.name() == name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fields_and_dimensions() {
        assert_eq!(
            Collection::parse("syscalls.munmap"),
            Some(Collection::Syscalls(Some(Syscall::Munmap)))
        );
        assert!(Collection::is_query("events.gc") && !Collection::is_query("eventsx"));
        let mmap = Collection::Syscalls(Some(Syscall::Mmap));
        let kind = |c: Collection, f: &str| c.field(f).map(RecordField::kind);
        assert_eq!(kind(mmap, "len"), Some(FieldKind::Number(Dim::Bytes)));
        assert_eq!(kind(mmap, "addr"), Some(FieldKind::Number(Dim::Address)));
        assert_eq!(kind(mmap, "prot"), Some(FieldKind::Text));
        assert_eq!(
            Collection::Gc.field("heap_live"),
            Some(RecordField::Gc(GcField::HeapLiveBytes))
        );
        assert_eq!(
            kind(Collection::Gc, "forced"),
            Some(FieldKind::Number(Dim::Count))
        );
        assert_eq!(Collection::Scav.field("index"), Some(RecordField::Index));
    }
}
