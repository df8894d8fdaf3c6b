//! Every path the check language reads per phase: its name, its dimension,
//! the experiment switch it needs, and how to read it from a run. `os.` and
//! `go.` names are the timeline's own serde fields (so a field added to the
//! model is addressable at once); the deep views list theirs here. A written
//! name may leave out `_bytes` (`os.rss` is `os.rss_bytes`).

use std::fmt;

mod names;
pub mod outcome;
pub mod reference;

pub use names::{DEEP_VIEWS, dim_of_field, fields, pick, shown};
use names::{LEDGER_ROW, MAPS};

use super::ast::Dim;
use super::error::EvalResult;
use crate::analyze::Analyzed;
use crate::analyze::ledger::{Category, Ledger};
use crate::timeline::MapClass;

/// Where a path reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Os,
    Go,
    /// The fast-tier series (`samples.rss`): only inside a function.
    Samples,
    /// The time of a phase since spawn (`t@freed`).
    Time,
    /// The mapping inventory summed over one class.
    Maps(MapClass),
    /// The heap profile written at the phase.
    Profile,
    /// The phase's ledger, whole or one category's row.
    Ledger(Option<Category>),
    /// How the run ended (`exit.oom_killed`): one value per run, no `@phase`.
    Exit,
    /// runtime/metrics CPU classes at a phase (`cpu.gc.total@PHASE`).
    Cpu,
}

/// A resolved path: a view and the model name of its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    pub view: View,
    pub field: String,
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
}

impl Path {
    /// Resolves a written name (`os.rss`, `maps.heap_arena.size`, `t`), or
    /// says what is valid at the step that failed.
    pub fn resolve(name: &str) -> Result<Path, String> {
        if name == "t" {
            return Ok(Path {
                view: View::Time,
                field: "t_ns".into(),
            });
        }
        let mut steps = name.split('.');
        let root = steps.next().unwrap_or("");
        let rest: Vec<&str> = steps.collect();
        let (view, written) = match (root, rest.as_slice()) {
            ("os", [f]) => (View::Os, *f),
            ("go", [f]) => (View::Go, *f),
            ("samples", [f]) => (View::Samples, *f),
            ("maps", [class, f]) => {
                let found = MapClass::ALL.into_iter().find(|c| c.name() == *class);
                let Some(c) = found else {
                    let names: Vec<&str> = MapClass::ALL.iter().map(|c| c.name()).collect();
                    return Err(format!(
                        "unknown class `{class}` in `{name}`: valid after `maps.` are {}",
                        names.join(", ")
                    ));
                };
                (View::Maps(c), *f)
            }
            ("profile", [f]) => (View::Profile, *f),
            ("exit", [f]) => (View::Exit, *f),
            ("cpu", [_, ..]) => {
                let class = rest.join(".");
                if !outcome::CPU.contains(&class.as_str()) {
                    return Err(format!(
                        "unknown CPU class `{name}`: valid after `cpu.` are {} (runtime/metrics /cpu/classes/, Go 1.20+)",
                        outcome::CPU.join(", ")
                    ));
                }
                return Ok(Path {
                    view: View::Cpu,
                    field: class,
                });
            }
            ("ledger", [f]) if Category::ALL.iter().all(|c| c.name() != *f) => {
                (View::Ledger(None), *f)
            }
            ("ledger", [c, f]) if Category::ALL.iter().any(|k| k.name() == *c) => {
                let c = Category::ALL.into_iter().find(|k| k.name() == *c);
                (View::Ledger(c), *f)
            }
            ("ledger", [c, _]) => {
                let names: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
                return Err(format!(
                    "unknown category `{c}` in `{name}`: valid after `ledger.` are {}",
                    names.join(", ")
                ));
            }
            ("maps" | "ledger", [part]) => {
                let next = if root == "maps" { MAPS } else { LEDGER_ROW };
                let next: Vec<String> = next.iter().map(|s| s.to_string()).collect();
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
                    "`{name}` is not a metric: use os.<field>, go.<field>, samples.rss, samples.vm_size, \
                     t@<phase>, exit.<field>, {}.<path>, or a function (max, min, first, last, count, sum, drop) \
                     of a series or of a record list (syscalls..., events...)",
                    DEEP_VIEWS.join(", ")
                ));
            }
        };
        let known = fields(view);
        let field = pick(written, &known).ok_or_else(|| {
            let prefix = name.rsplit_once('.').map_or(name, |(p, _)| p);
            let what = if matches!(view, View::Os | View::Go | View::Samples) {
                "metric"
            } else {
                "field"
            };
            format!(
                "unknown {what} `{name}`: valid after `{prefix}.` are {}",
                shown(&known)
            )
        })?;
        Ok(Path { view, field })
    }

    pub fn dim(&self) -> Dim {
        match self.view {
            View::Time | View::Cpu => Dim::Duration,
            View::Exit => Dim::Count,
            _ => dim_of_field(&self.field),
        }
    }

    /// The switch this path needs, if any.
    pub fn need(&self) -> Option<Need> {
        match self.view {
            View::Maps(_) | View::Ledger(_) => Some(Need::Maps),
            View::Profile => Some(Need::HeapProfile),
            View::Cpu => Some(Need::CpuClasses),
            View::Os | View::Go | View::Samples | View::Time | View::Exit => None,
        }
    }

    /// Reads the path at the phase of index `i` of a run.
    pub fn read(&self, run: &Analyzed, i: usize) -> EvalResult<f64> {
        if self.view == View::Exit {
            return outcome::exit_field(run, &self.field)
                .ok_or_else(|| format!("no field `{self}`"));
        }
        let p = run.timeline.phases.get(i).ok_or("no such phase")?;
        let missing = |what: &str| format!("phase {}: {what}", p.name);
        let v = match self.view {
            View::Os => json_field(&p.os, &self.field),
            View::Go => json_field(&p.go, &self.field),
            View::Time => Some(p.t_ns as f64),
            View::Samples => return Err("samples are a series: use them in a function".into()),
            View::Exit => None,
            View::Cpu => Some(outcome::cpu_field(run, p, &self.field)?),
            View::Maps(class) => {
                let inv = p.maps.as_ref().ok_or_else(|| {
                    missing(
                        "the run did not read the mappings: set `maps = true` in the experiment",
                    )
                })?;
                if self.field == "named" {
                    return Ok(inv
                        .of_class(class)
                        .filter(|m| m.pathname.starts_with("[anon: Go:"))
                        .count() as f64);
                }
                let s = inv.summary().into_iter().find(|s| s.class == class);
                Some(match self.field.as_str() {
                    "count" => s.map_or(0, |s| s.count),
                    "rss_bytes" => s.map_or(0, |s| s.rss_bytes),
                    _ => s.map_or(0, |s| s.size_bytes),
                } as f64)
            }
            View::Profile => {
                let h = p.heap_profile.as_ref().ok_or_else(|| missing("no heap profile at this phase: list it in `heap-profile = [...]` in the experiment"))?;
                profile_field(h, &self.field)
            }
            View::Ledger(category) => {
                let l = run.analysis.ledger(i).ok_or_else(|| missing("no ledger: the run did not read the mappings (set `maps = true` in the experiment)"))?;
                ledger_field(l, category, &self.field)
            }
        };
        v.ok_or_else(|| format!("no field `{self}`"))
    }

    /// Whether the path is read with `@phase` (or at every phase).
    pub fn per_phase(&self) -> bool {
        !matches!(self.view, View::Samples | View::Exit)
    }

    /// Whether the path is one value per run, read without `@phase` (`exit.`).
    pub fn per_run(&self) -> bool {
        self.view == View::Exit
    }
}

fn json_field<T: serde::Serialize>(view: &T, field: &str) -> Option<f64> {
    serde_json::to_value(view).ok()?.get(field)?.as_f64()
}

fn profile_field(h: &crate::timeline::HeapProfile, field: &str) -> Option<f64> {
    Some(match field {
        "alloc_objects" => h.alloc_objects,
        "alloc_space_bytes" => h.alloc_space_bytes,
        "inuse_objects" => h.inuse_objects,
        "inuse_space_bytes" => h.inuse_space_bytes,
        "sample_rate_bytes" => h.sample_rate_bytes,
        _ => return None,
    } as f64)
}

/// A ledger number; a category with no mapping at the phase reads 0.
fn ledger_field(l: &Ledger, category: Option<Category>, field: &str) -> Option<f64> {
    let Some(c) = category else {
        return Some(match field {
            "anon_mapped_bytes" => l.anon_mapped_bytes as f64,
            "explained_bytes" => l.explained_bytes as f64,
            "limit_bytes" => l.limit_bytes() as f64,
            "mapped_beyond_sys_bytes" => l.mapped_beyond_sys_bytes as f64,
            "rss_bytes" => l.rss_bytes as f64,
            "runtime_sys_bytes" => l.runtime_sys_bytes as f64,
            "unexplained_bytes" => l.unexplained_bytes as f64,
            _ => return None,
        });
    };
    let row = l.row(c);
    Some(match field {
        "explained_bytes" => row.map_or(0, |r| r.explained_bytes),
        "lazy_free_bytes" => row.map_or(0, |r| r.lazy_free_bytes),
        "mappings" => row.map_or(0, |r| r.mappings),
        "resident_bytes" => row.map_or(0, |r| r.resident_bytes),
        "runtime_bytes" => row.and_then(|r| r.runtime_bytes).unwrap_or(0),
        "size_bytes" => row.map_or(0, |r| r.size_bytes),
        "unexplained_bytes" => row.map_or(0, |r| r.unexplained_bytes),
        _ => return None,
    } as f64)
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let field = &self.field;
        match self.view {
            View::Os => write!(f, "os.{field}"),
            View::Go => write!(f, "go.{field}"),
            View::Samples => write!(f, "samples.{field}"),
            View::Time => write!(f, "t"),
            View::Maps(c) => write!(f, "maps.{}.{field}", c.name()),
            View::Profile => write!(f, "profile.{field}"),
            View::Exit => write!(f, "exit.{field}"),
            View::Cpu => write!(f, "cpu.{field}"),
            View::Ledger(None) => write!(f, "ledger.{field}"),
            View::Ledger(Some(c)) => write!(f, "ledger.{}.{field}", c.name()),
        }
    }
}
