//! The schema of the check language: every path a check reads, typed. The
//! names come from one table ([`fields`]: a field enum per view, each
//! member with the model's name), from which parsing resolves written
//! names, the evaluator reads runs and [`reference`](mod@reference) writes the reference
//! page. A written name may leave out `_bytes` (`os.rss` is `os.rss_bytes`).
//! The schema reads no run: that is the evaluator's ([`super::eval`]).

use std::fmt;

use serde::{Deserialize, Serialize};

pub mod fields;
pub mod records;
pub mod reference;

pub use crate::analyze::ledger::Category;
pub use crate::timeline::{MapClass, Syscall};
use fields::Field;
pub use fields::{
    CpuClass, ExitField, GoField, LedgerField, LedgerRowField, MapsField, OsField, ProfileField,
    SampleField,
};
pub use records::{Collection, FieldKind, RecordField};

/// What a number measures; checked when the file loads (see the module doc
/// of [`super`] for the rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Dim {
    #[serde(rename = "bytes")]
    Bytes,
    /// A time or a duration, in nanoseconds.
    #[serde(rename = "ns")]
    Duration,
    #[serde(rename = "count")]
    Count,
    /// A virtual address: shown in hex.
    #[serde(rename = "address")]
    Address,
    /// A plain number or a ratio.
    #[serde(rename = "ratio")]
    Ratio,
}

impl Dim {
    /// The unit shown after a value (`bytes`, `ns`, `count`, `address`; none for ratios).
    pub fn unit(self) -> &'static str {
        match self {
            Dim::Bytes => "bytes",
            Dim::Duration => "ns",
            Dim::Count => "count",
            Dim::Address => "address",
            Dim::Ratio => "",
        }
    }

    /// For messages: `bytes`, `a duration`...
    pub fn describe(self) -> &'static str {
        match self {
            Dim::Bytes => "bytes",
            Dim::Duration => "a duration",
            Dim::Count => "a count",
            Dim::Address => "an address",
            Dim::Ratio => "a plain number",
        }
    }
}

/// A resolved path: the view it reads and the field, typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// The time of a phase since spawn (`t@freed`).
    Time,
    Os(OsField),
    Go(GoField),
    /// The fast-tier series (`samples.rss`): only inside a function.
    Samples(SampleField),
    /// The mapping inventory summed over one class.
    Maps(MapClass, MapsField),
    /// The heap profile written at the phase.
    Profile(ProfileField),
    /// The phase's ledger as a whole.
    Ledger(LedgerField),
    /// One category's row of the phase's ledger.
    LedgerRow(Category, LedgerRowField),
    /// How the run ended (`exit.oom_killed`): one value per run, no `@phase`.
    Exit(ExitField),
    /// runtime/metrics CPU classes at a phase (`cpu.gc.total@PHASE`).
    Cpu(CpuClass),
}

/// An experiment switch a check needs to have anything to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Need {
    TraceSyscalls,
    HeapProfile,
    Maps,
    /// `GODEBUG=gctrace=1` in the settings rows the claim applies to.
    Gctrace,
    /// `GODEBUG=scavtrace=1` likewise.
    Scavtrace,
    /// runtime/metrics `/cpu/classes/` (Go 1.20+): a claim whose checks
    /// read them must say `go = ">=1.20"` (refused when its file loads).
    CpuClasses,
    /// `smaps_rollup` at phases (`os.lazy_free`, `os.anon_huge_pages`): no
    /// switch, the run reads it because something asks.
    SmapsRollup,
}

/// The roots of the per-phase deep views, for messages.
pub const DEEP_VIEWS: &[&str] = &["maps", "profile", "ledger", "cpu"];

/// The field of `written` in the table of `F`, wrapped into a path, or the
/// table's names for the message.
fn field<F: Field>(written: &str, wrap: impl FnOnce(F) -> Path) -> Result<Path, Vec<&'static str>> {
    F::pick(written).map(wrap).ok_or_else(F::names)
}

fn find<T: Copy>(all: &[T], name: &str, name_of: impl Fn(T) -> &'static str) -> Option<T> {
    all.iter().copied().find(|t| name_of(*t) == name)
}

impl Path {
    /// Resolves a written name (`os.rss`, `maps.heap_arena.size`, `t`), or
    /// says what is valid at the step that failed.
    pub fn resolve(name: &str) -> Result<Path, String> {
        if name == "t" {
            return Ok(Path::Time);
        }
        let mut steps = name.split('.');
        let root = steps.next().unwrap_or("");
        let rest: Vec<&str> = steps.collect();
        let category = |c: &str| find(&Category::ALL, c, Category::name);
        let typed = match (root, rest.as_slice()) {
            ("os", [f]) => field(f, Path::Os),
            ("go", [f]) => field(f, Path::Go),
            ("samples", [f]) => field(f, Path::Samples),
            ("maps", [class, f]) => {
                let Some(c) = find(&MapClass::ALL, class, MapClass::name) else {
                    let names: Vec<&str> = MapClass::ALL.iter().map(|c| c.name()).collect();
                    return Err(format!(
                        "unknown class `{class}` in `{name}`: valid after `maps.` are {}",
                        names.join(", ")
                    ));
                };
                field(f, |m| Path::Maps(c, m))
            }
            ("profile", [f]) => field(f, Path::Profile),
            ("exit", [f]) => field(f, Path::Exit),
            ("cpu", [_, ..]) => {
                let class = rest.join(".");
                return find(CpuClass::ALL, &class, CpuClass::name)
                    .map(Path::Cpu)
                    .ok_or_else(|| {
                        format!(
                            "unknown CPU class `{name}`: valid after `cpu.` are {} (runtime/metrics /cpu/classes/, Go 1.20+)",
                            CpuClass::names().join(", ")
                        )
                    });
            }
            ("ledger", [f]) if category(f).is_none() => field(f, Path::Ledger),
            ("ledger", [c, f]) => {
                let Some(c) = category(c) else {
                    let names: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
                    return Err(format!(
                        "unknown category `{c}` in `{name}`: valid after `ledger.` are {}",
                        names.join(", ")
                    ));
                };
                field(f, |r| Path::LedgerRow(c, r))
            }
            ("maps" | "ledger", [part]) => {
                let next = if root == "maps" {
                    MapsField::names()
                } else {
                    LedgerRowField::names()
                };
                return Err(format!(
                    "`{root}.{part}` is not a number: continue with one of {}",
                    shown(&next)
                ));
            }
            ("os" | "go" | "samples" | "profile" | "exit" | "cpu", _) | ("maps" | "ledger", _) => {
                return Err(format!(
                    "`{name}` has too many or too few parts: e.g. `os.rss`, `maps.heap_arena.rss`, `ledger.heap_arena.resident`"
                ));
            }
            _ => {
                return Err(format!(
                    "`{name}` is not a metric: use os.<field>, go.<field>, samples.rss, samples.peak, samples.vm_size, \
                     t@<phase>, exit.<field>, {}.<path>, or a function (max, min, first, last, count, sum, drop) \
                     of a series or of a record list (syscalls..., events...)",
                    DEEP_VIEWS.join(", ")
                ));
            }
        };
        typed.map_err(|known| {
            let prefix = name.rsplit_once('.').map_or(name, |(p, _)| p);
            let what = match root {
                "os" | "go" | "samples" => "metric",
                _ => "field",
            };
            format!(
                "unknown {what} `{name}`: valid after `{prefix}.` are {}",
                shown(&known)
            )
        })
    }

    /// The model's name of the field (`rss_bytes`; `t_ns` for the time).
    pub fn field_name(self) -> &'static str {
        match self {
            Path::Time => "t_ns",
            Path::Os(f) => f.name(),
            Path::Go(f) => f.name(),
            Path::Samples(f) => f.name(),
            Path::Maps(_, f) => f.name(),
            Path::Profile(f) => f.name(),
            Path::Ledger(f) => f.name(),
            Path::LedgerRow(_, f) => f.name(),
            Path::Exit(f) => f.name(),
            Path::Cpu(c) => c.name(),
        }
    }

    /// Durations for the time and CPU classes, counts for `exit.`, else
    /// from the field's name (`*_bytes`: bytes; `*_ns`: durations; counts).
    pub fn dim(self) -> Dim {
        match self {
            Path::Time | Path::Cpu(_) => Dim::Duration,
            Path::Exit(_) => Dim::Count,
            _ => dim_of_field(self.field_name()),
        }
    }

    /// The switch this path needs, if any.
    pub fn need(self) -> Option<Need> {
        match self {
            Path::Maps(..) | Path::Ledger(_) | Path::LedgerRow(..) => Some(Need::Maps),
            Path::Profile(_) => Some(Need::HeapProfile),
            Path::Cpu(_) => Some(Need::CpuClasses),
            Path::Os(f) if f.from_rollup() => Some(Need::SmapsRollup),
            Path::Os(_) | Path::Go(_) | Path::Samples(_) | Path::Time | Path::Exit(_) => None,
        }
    }

    /// Whether the path is read with `@phase` (or at every phase).
    pub fn per_phase(self) -> bool {
        !matches!(self, Path::Samples(_) | Path::Exit(_))
    }

    /// Whether the path is one value per run, read without `@phase` (`exit.`).
    pub fn per_run(self) -> bool {
        matches!(self, Path::Exit(_))
    }
}

/// The names as one may write them, for messages.
pub fn shown(known: &[&str]) -> String {
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

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = self.field_name();
        match self {
            Path::Os(_) => write!(f, "os.{field}"),
            Path::Go(_) => write!(f, "go.{field}"),
            Path::Samples(_) => write!(f, "samples.{field}"),
            Path::Time => write!(f, "t"),
            Path::Maps(c, _) => write!(f, "maps.{}.{field}", c.name()),
            Path::Profile(_) => write!(f, "profile.{field}"),
            Path::Exit(_) => write!(f, "exit.{field}"),
            Path::Cpu(_) => write!(f, "cpu.{field}"),
            Path::Ledger(_) => write!(f, "ledger.{field}"),
            Path::LedgerRow(c, _) => write!(f, "ledger.{}.{field}", c.name()),
        }
    }
}
