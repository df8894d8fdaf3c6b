//! Reading a resolved path from a run: the one place the per-phase views
//! of a timeline (and its analysis) are read, by matching on the schema's
//! typed fields. A view the run did not record is an error that says which
//! switch to set.

use crate::analyze::Analyzed;
use crate::analyze::ledger::{Ledger, LedgerRow};
use crate::check::error::EvalResult;
use crate::check::schema::{
    CpuClass, ExitField, GoField, LedgerField, LedgerRowField, MapClass, MapsField, OsField, Path,
    ProfileField, SampleField,
};
use crate::timeline::{Exit, GoView, HeapProfile, MapsInventory, OsView, Phase, Sample};

/// Reads `path` at the phase of index `i` of a run (`exit.` paths: of the run).
pub fn at(path: Path, run: &Analyzed, i: usize) -> EvalResult<f64> {
    if let Path::Exit(f) = path {
        return Ok(exit(run, f));
    }
    let p = run.timeline.phases.get(i).ok_or("no such phase")?;
    let missing = |what: &str| format!("phase {}: {what}", p.name);
    let the_ledger = || {
        run.analysis.ledger(i).ok_or_else(|| missing("no ledger: the run did not read the mappings (set `maps = true` in the experiment)"))
    };
    Ok(match path {
        Path::Os(f) => os(&p.os, f).ok_or_else(|| missing("the run did not read smaps_rollup"))?,
        Path::Go(f) => go(&p.go, f),
        Path::Time => p.t_ns as f64,
        Path::Samples(_) => return Err("samples are a series: use them in a function".into()),
        Path::Exit(f) => exit(run, f),
        Path::Cpu(class) => cpu(run, p, class)?,
        Path::Maps(class, f) => {
            let inv = p.maps.as_ref().ok_or_else(|| {
                missing("the run did not read the mappings: set `maps = true` in the experiment")
            })?;
            maps(inv, class, f)
        }
        Path::Profile(f) => {
            let h = p.heap_profile.as_ref().ok_or_else(|| missing("no heap profile at this phase: list it in `heap-profile = [...]` in the experiment"))?;
            profile(h, f)
        }
        Path::Ledger(f) => ledger(the_ledger()?, f),
        Path::LedgerRow(c, f) => ledger_row(the_ledger()?.row(c), f),
    })
}

/// An OS field; `None` for a `smaps_rollup` field the run did not read.
pub fn os(v: &OsView, f: OsField) -> Option<f64> {
    Some(match f {
        OsField::RssBytes => v.rss_bytes,
        OsField::VmSizeBytes => v.vm_size_bytes,
        OsField::HwmBytes => v.hwm_bytes,
        OsField::RssAnonBytes => v.rss_anon_bytes,
        OsField::RssFileBytes => v.rss_file_bytes,
        OsField::LazyFreeBytes => v.lazy_free_bytes?,
        OsField::AnonHugePagesBytes => v.anon_huge_pages_bytes?,
        OsField::Threads => v.threads,
    } as f64)
}

pub fn go(v: &GoView, f: GoField) -> f64 {
    use GoField as G;
    (match f {
        G::HeapAllocBytes => v.heap_alloc_bytes,
        G::HeapSysBytes => v.heap_sys_bytes,
        G::HeapIdleBytes => v.heap_idle_bytes,
        G::HeapInuseBytes => v.heap_inuse_bytes,
        G::HeapReleasedBytes => v.heap_released_bytes,
        G::HeapObjects => v.heap_objects,
        G::TotalAllocBytes => v.total_alloc_bytes,
        G::SysBytes => v.sys_bytes,
        G::Mallocs => v.mallocs,
        G::Frees => v.frees,
        G::StackInuseBytes => v.stack_inuse_bytes,
        G::StackSysBytes => v.stack_sys_bytes,
        G::MspanInuseBytes => v.mspan_inuse_bytes,
        G::MspanSysBytes => v.mspan_sys_bytes,
        G::McacheInuseBytes => v.mcache_inuse_bytes,
        G::McacheSysBytes => v.mcache_sys_bytes,
        G::BuckHashSysBytes => v.buck_hash_sys_bytes,
        G::GcSysBytes => v.gc_sys_bytes,
        G::OtherSysBytes => v.other_sys_bytes,
        G::NextGcBytes => v.next_gc_bytes,
        G::NumGc => v.num_gc,
        G::NumForcedGc => v.num_forced_gc,
        G::PauseTotalNs => v.pause_total_ns,
        G::Goroutines => v.goroutines,
    }) as f64
}

/// One fast-tier sample's value.
pub fn sample(s: &Sample, f: SampleField) -> f64 {
    (match f {
        SampleField::RssBytes => s.rss_bytes,
        SampleField::PeakBytes => s.peak_bytes,
        SampleField::VmSizeBytes => s.vm_size_bytes,
    }) as f64
}

/// A class's totals; `named` counts the mappings the runtime named.
pub fn maps(inv: &MapsInventory, class: MapClass, f: MapsField) -> f64 {
    if f == MapsField::Named {
        let named = inv.of_class(class);
        return named
            .filter(|m| m.pathname.starts_with("[anon: Go:"))
            .count() as f64;
    }
    let s = inv.summary().into_iter().find(|s| s.class == class);
    (match f {
        MapsField::Count => s.map_or(0, |s| s.count),
        MapsField::RssBytes => s.map_or(0, |s| s.rss_bytes),
        MapsField::SizeBytes | MapsField::Named => s.map_or(0, |s| s.size_bytes),
    }) as f64
}

pub fn profile(h: &HeapProfile, f: ProfileField) -> f64 {
    (match f {
        ProfileField::AllocObjects => h.alloc_objects,
        ProfileField::AllocSpaceBytes => h.alloc_space_bytes,
        ProfileField::InuseObjects => h.inuse_objects,
        ProfileField::InuseSpaceBytes => h.inuse_space_bytes,
        ProfileField::SampleRateBytes => h.sample_rate_bytes,
    }) as f64
}

pub fn ledger(l: &Ledger, f: LedgerField) -> f64 {
    match f {
        LedgerField::AnonMappedBytes => l.anon_mapped_bytes as f64,
        LedgerField::ExplainedBytes => l.explained_bytes as f64,
        LedgerField::LimitBytes => l.limit_bytes() as f64,
        LedgerField::MappedBeyondSysBytes => l.mapped_beyond_sys_bytes as f64,
        LedgerField::RssBytes => l.rss_bytes as f64,
        LedgerField::RuntimeSysBytes => l.runtime_sys_bytes as f64,
        LedgerField::UnexplainedBytes => l.unexplained_bytes as f64,
    }
}

/// A category's number; a category with no mapping at the phase reads 0.
pub fn ledger_row(row: Option<&LedgerRow>, f: LedgerRowField) -> f64 {
    use LedgerRowField as R;
    (match f {
        R::ExplainedBytes => row.map_or(0, |r| r.explained_bytes),
        R::LazyFreeBytes => row.map_or(0, |r| r.lazy_free_bytes),
        R::Mappings => row.map_or(0, |r| r.mappings),
        R::ResidentBytes => row.map_or(0, |r| r.resident_bytes),
        R::RuntimeBytes => row.and_then(|r| r.runtime_bytes).unwrap_or(0),
        R::SizeBytes => row.map_or(0, |r| r.size_bytes),
        R::UnexplainedBytes => row.map_or(0, |r| r.unexplained_bytes),
    }) as f64
}

/// `exit.code` (the status, or 128 + the signal as a shell shows a kill),
/// `exit.signal` (0 when it exited), `exit.oom_killed` (1 or 0).
pub fn exit(run: &Analyzed, f: ExitField) -> f64 {
    let t = &run.timeline;
    (match (f, t.exit) {
        (ExitField::Code, Exit::Code(c)) => c,
        (ExitField::Code, Exit::Signal(s)) => 128 + s,
        (ExitField::Signal, Exit::Code(_)) => 0,
        (ExitField::Signal, Exit::Signal(s)) => s,
        (ExitField::OomKilled, _) => i32::from(t.oom_killed()),
    }) as f64
}

/// A CPU class at a phase, in nanoseconds of CPU time (the metric is
/// float seconds); an error naming the Go version when the metric is absent.
pub fn cpu(run: &Analyzed, p: &Phase, class: CpuClass) -> EvalResult<f64> {
    let name = class.metric();
    p.metrics
        .get(&name)
        .and_then(serde_json::Number::as_f64)
        .map(|s| s * 1e9)
        .ok_or_else(|| {
            format!(
                "phase {}: runtime/metrics has no {name} on {} (CPU classes exist from Go 1.20)",
                p.name, run.timeline.toolchain.version
            )
        })
}

#[cfg(test)]
pub(super) mod tests;
