//! Checks claims against timelines: evaluates each check of a claim on every
//! repeat, then folds the repeats into a verdict (holds / fails / disagree /
//! not applicable) with the measured values (median, min, max) and the bound.

mod select;

use serde::Serialize;

use crate::check::expr::{Check, Expr, Source, Unit, Value};
use crate::experiment::{Claim, Located};
use crate::timeline::{Phase, Timeline};

/// A claim's verdict in one settings row, over all repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Holds,
    Fails,
    /// Some repeats hold and some fail: the claim is too close to call here.
    Disagree,
    /// The claim's `when` does not select this settings row.
    NotApplicable,
    /// The fixture did not run to the end (crash, timeout).
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Fails => "fails",
            Verdict::Disagree => "disagree",
            Verdict::NotApplicable => "n/a",
            Verdict::Error => "error",
        }
    }

    /// Folds per-repeat pass/fail into a verdict.
    pub fn of(holds_in: usize, runs: usize) -> Verdict {
        match (holds_in, runs) {
            (_, 0) => Verdict::Error,
            (h, n) if h == n => Verdict::Holds,
            (0, _) => Verdict::Fails,
            _ => Verdict::Disagree,
        }
    }
}

/// One evaluation of one check on one timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub holds: bool,
    pub lhs: Value,
    pub op: String,
    pub rhs: Value,
    /// For checks over every phase: the phase that decided (first failing, else tightest).
    pub at: Option<String>,
}

/// Measured values of one side of a check over the repeats.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Spread {
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub unit: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub check: String,
    pub verdict: Verdict,
    pub holds_in: usize,
    pub lhs: Spread,
    pub op: String,
    pub rhs: Spread,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordResult {
    pub expr: String,
    pub value: Spread,
    /// An `exact` value: fixed for a Go version, shown in snapshots.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub exact: bool,
}

/// A claim's result in one settings row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimResult {
    pub id: String,
    pub says: String,
    pub verdict: Verdict,
    pub runs: usize,
    pub holds_in: usize,
    pub checks: Vec<CheckResult>,
    pub records: Vec<RecordResult>,
    /// Why the verdict is `error` (a failed build or run, a phase that never
    /// happened, a check that cannot be evaluated).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An evaluation problem, with the experiment-file line it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError {
    pub line: usize,
    pub message: String,
}

/// Evaluates `claim` on the repeats of one settings row.
pub fn judge(claim: &Claim, runs: &[Timeline]) -> Result<ClaimResult, EvalError> {
    let mut checks = Vec::new();
    let mut per_run_holds = vec![true; runs.len()];
    for check in &claim.checks {
        let outcomes = runs
            .iter()
            .map(|t| evaluate(&check.item, t))
            .collect::<Result<Vec<_>, String>>()
            .map_err(|message| at_line(check, message))?;
        for (ok, o) in per_run_holds.iter_mut().zip(&outcomes) {
            *ok &= o.holds;
        }
        checks.push(fold(&check.text, &outcomes));
    }
    let mut records = Vec::new();
    let all = claim.records.iter().map(|r| (r, false));
    for (record, exact) in all.chain(claim.exacts.iter().map(|r| (r, true))) {
        let values = runs
            .iter()
            .map(|t| eval(&record.item, t, None))
            .collect::<Result<Vec<_>, String>>()
            .map_err(|message| at_line(record, message))?;
        records.push(RecordResult {
            expr: record.text.clone(),
            value: spread(&values),
            exact,
        });
    }
    let holds_in = per_run_holds.iter().filter(|h| **h).count();
    Ok(ClaimResult {
        id: claim.id.clone(),
        says: claim.says.clone(),
        verdict: Verdict::of(holds_in, runs.len()),
        runs: runs.len(),
        holds_in,
        checks,
        records,
        reason: None,
    })
}

/// The result of a claim whose `when` excludes the row, or whose runs failed.
pub fn without_runs(claim: &Claim, verdict: Verdict) -> ClaimResult {
    ClaimResult {
        id: claim.id.clone(),
        says: claim.says.clone(),
        verdict,
        runs: 0,
        holds_in: 0,
        checks: Vec::new(),
        records: Vec::new(),
        reason: None,
    }
}

fn at_line<T>(item: &Located<T>, message: String) -> EvalError {
    EvalError {
        line: item.line,
        message: format!("`{}`: {message}", item.text),
    }
}

fn fold(text: &str, outcomes: &[Outcome]) -> CheckResult {
    let holds_in = outcomes.iter().filter(|o| o.holds).count();
    let lhs: Vec<Value> = outcomes.iter().map(|o| o.lhs).collect();
    let rhs: Vec<Value> = outcomes.iter().map(|o| o.rhs).collect();
    // The deciding phase, when the repeats agree on it.
    let at = outcomes.first().and_then(|o| o.at.clone());
    let at = at.filter(|a| outcomes.iter().all(|o| o.at.as_ref() == Some(a)));
    CheckResult {
        check: text.to_string(),
        verdict: Verdict::of(holds_in, outcomes.len()),
        holds_in,
        lhs: spread(&lhs),
        op: outcomes.first().map(|o| o.op.clone()).unwrap_or_default(),
        rhs: spread(&rhs),
        at,
    }
}

fn spread(values: &[Value]) -> Spread {
    let mut v: Vec<f64> = values.iter().map(|x| x.v).collect();
    v.sort_by(f64::total_cmp);
    let median = match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    };
    Spread {
        median,
        min: v.first().copied().unwrap_or(f64::NAN),
        max: v.last().copied().unwrap_or(f64::NAN),
        unit: unit_name(values.first().map_or(Unit::Scalar, |x| x.unit)),
    }
}

pub fn unit_name(unit: Unit) -> &'static str {
    match unit {
        Unit::Bytes => "bytes",
        Unit::Nanos => "ns",
        Unit::Count => "count",
        Unit::Address => "address",
        Unit::Scalar => "",
    }
}

/// Evaluates one check on one timeline.
pub fn evaluate(check: &Check, t: &Timeline) -> Result<Outcome, String> {
    match check {
        Check::Monotone { increasing, series } => {
            let values = series_of(series, t)?;
            // The largest step against the expected direction; 0 when monotone.
            let worst = values
                .windows(2)
                .map(|w| {
                    if *increasing {
                        w[0].v - w[1].v
                    } else {
                        w[1].v - w[0].v
                    }
                })
                .fold(0.0, f64::max);
            let unit = values.first().map_or(Unit::Scalar, |v| v.unit);
            Ok(Outcome {
                holds: worst <= 0.0,
                lhs: Value { v: worst, unit },
                op: "<=".into(),
                rhs: Value { v: 0.0, unit },
                at: None,
            })
        }
        Check::Compare { lhs, op, rhs } => {
            if !needs_phase(lhs) && !needs_phase(rhs) {
                return compare(lhs, op, rhs, t, None);
            }
            // "At every phase": all must hold; report the first failure, else
            // the phase with the least room.
            let mut tightest: Option<(f64, Outcome)> = None;
            for phase in &t.phases {
                let o = compare(lhs, op, rhs, t, Some(phase))?;
                if !o.holds {
                    return Ok(o);
                }
                let room = (o.lhs.v - o.rhs.v).abs();
                if tightest.as_ref().is_none_or(|(r, _)| room < *r) {
                    tightest = Some((room, o));
                }
            }
            tightest
                .map(|(_, o)| o)
                .ok_or_else(|| "the run had no phases".to_string())
        }
    }
}

fn compare(
    lhs: &Expr,
    op: &str,
    rhs: &Expr,
    t: &Timeline,
    phase: Option<&Phase>,
) -> Result<Outcome, String> {
    let (mut l, mut r) = (eval(lhs, t, phase)?, eval(rhs, t, phase)?);
    // A plain number compared with a size is a size (`>= 1000000000`).
    if l.unit == Unit::Scalar {
        l.unit = r.unit;
    } else if r.unit == Unit::Scalar {
        r.unit = l.unit;
    }
    let holds = match op {
        "<=" => l.v <= r.v,
        ">=" => l.v >= r.v,
        "<" => l.v < r.v,
        ">" => l.v > r.v,
        _ => (l.v - r.v).abs() <= f64::EPSILON * l.v.abs().max(1.0),
    };
    Ok(Outcome {
        holds,
        lhs: l,
        op: op.to_string(),
        rhs: r,
        at: phase.map(|p| p.name.clone()),
    })
}

/// True when the expression has a phase-less `os.`/`go.` reference outside a function.
fn needs_phase(e: &Expr) -> bool {
    match e {
        Expr::Ref { source, phase, .. } => {
            phase.is_none() && matches!(source, Source::Os | Source::Go | Source::Nested)
        }
        Expr::Neg(a) => needs_phase(a),
        Expr::Bin(_, a, b) => needs_phase(a) || needs_phase(b),
        Expr::Num(_) | Expr::Call(..) | Expr::Query(_) => false,
    }
}

/// The largest step back of a series, in order (0 when it never decreases).
pub fn largest_drop(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut prev = f64::NAN;
    let mut drop = 0.0_f64;
    for v in values {
        if prev > v {
            drop = drop.max(prev - v);
        }
        prev = v;
    }
    drop
}

/// Evaluates an expression; `phase` is the phase of an "at every phase" check.
pub fn eval(e: &Expr, t: &Timeline, phase: Option<&Phase>) -> Result<Value, String> {
    match e {
        Expr::Num(v) => Ok(*v),
        Expr::Neg(a) => {
            let v = eval(a, t, phase)?;
            Ok(Value { v: -v.v, ..v })
        }
        Expr::Bin(op, a, b) => {
            let (x, y) = (eval(a, t, phase)?, eval(b, t, phase)?);
            Ok(arith(*op, x, y))
        }
        Expr::Call(func, inner) => {
            if let Expr::Query(q) = inner.as_ref() {
                return select::eval_query(func, q, t);
            }
            let values = series_of(inner, t)?;
            let unit = values.first().map_or(Unit::Count, |v| v.unit);
            let pick = match func.as_str() {
                "max" => values.iter().copied().max_by(|a, b| a.v.total_cmp(&b.v)),
                "min" => values.iter().copied().min_by(|a, b| a.v.total_cmp(&b.v)),
                "first" => values.first().copied(),
                "count" => Some(Value {
                    v: values.len() as f64,
                    unit: Unit::Count,
                }),
                "sum" => Some(Value {
                    v: values.iter().fold(0.0, |a, b| a + b.v),
                    unit,
                }),
                "drop" => Some(Value {
                    v: largest_drop(values.iter().map(|x| x.v)),
                    unit,
                }),
                _ => values.last().copied(),
            };
            pick.ok_or_else(|| format!("{func}() of an empty series"))
        }
        Expr::Query(_) => Err("a record list needs a function: count(), sum(), first()...".into()),
        Expr::Ref {
            source,
            field,
            phase: named,
        } => {
            let p = match (named, phase) {
                (Some(name), _) => find_phase(t, name)?,
                (None, Some(p)) => p,
                (None, None) => {
                    return Err("a series needs max(), min(), first() or last() here".into());
                }
            };
            read(p, *source, field)
        }
    }
}

fn arith(op: char, x: Value, y: Value) -> Value {
    let unit = match op {
        '+' | '-' if x.unit == Unit::Scalar => y.unit,
        '*' if x.unit == Unit::Scalar => y.unit,
        '/' if x.unit == y.unit => Unit::Scalar,
        _ => x.unit,
    };
    let v = match op {
        '+' => x.v + y.v,
        '-' => x.v - y.v,
        '*' => x.v * y.v,
        _ => x.v / y.v,
    };
    Value { v, unit }
}

/// The values of a series: fast-tier samples, or a field across all phases.
fn series_of(e: &Expr, t: &Timeline) -> Result<Vec<Value>, String> {
    match e {
        Expr::Ref { source: Source::Samples, field, .. } => {
            let pick = |s: crate::timeline::Sample| if field == "rss_bytes" { s.rss_bytes } else { s.vm_size_bytes };
            Ok(t.samples
                .iter()
                .map(|s| Value { v: pick(s) as f64, unit: Unit::Bytes })
                .collect())
        }
        Expr::Ref { source, field, phase: None } => t.phases.iter().map(|p| read(p, *source, field)).collect(),
        _ => Err("functions take a series (samples.rss, samples.vm_size, an os./go./maps. metric without @phase) or a record list (syscalls..., events...)".into()),
    }
}

fn find_phase<'t>(t: &'t Timeline, name: &str) -> Result<&'t Phase, String> {
    t.phase(name).ok_or_else(|| {
        let names: Vec<&str> = t.phases.iter().map(|p| p.name.as_str()).collect();
        format!(
            "phase `{name}` never happened in {}; its phases were {}",
            t.fixture.name,
            names.join(", ")
        )
    })
}

fn read(p: &Phase, source: Source, field: &str) -> Result<Value, String> {
    let object = match source {
        Source::Os => serde_json::to_value(p.os),
        Source::Go => serde_json::to_value(p.go),
        Source::Time => {
            return Ok(Value {
                v: p.t_ns as f64,
                unit: Unit::Nanos,
            });
        }
        Source::Nested => {
            return Ok(Value {
                v: crate::check::query::read_path(p, field)?,
                unit: crate::check::expr::unit_of(field),
            });
        }
        Source::Samples => return Err("samples are a series".into()),
    }
    .map_err(|e| e.to_string())?;
    let v = object
        .get(field)
        .and_then(serde_json::Value::as_f64)
        .ok_or_else(|| format!("no field {field}"))?;
    Ok(Value {
        v,
        unit: crate::check::expr::unit_of(field),
    })
}

#[cfg(test)]
#[allow(clippy::float_cmp)] // the values compared are integers held in f64
mod tests {
    use super::*;
    use crate::check::expr::{parse_check, parse_expr};
    use crate::measure::events::{Event, GcEvent};
    use crate::measure::maps::{MapClass, Mapping, MapsInventory};
    use crate::timeline::{
        Exit, FixtureInfo, GoView, OsView, SamplerStats, Settings, Syscall, SyscallEvent,
        ToolchainInfo, TraceStats,
    };

    #[test]
    fn largest_drop_is_the_biggest_step_back() {
        assert_eq!(largest_drop([1.0, 2.0, 3.0]), 0.0);
        assert_eq!(largest_drop([5.0, 1.0, 4.0, 3.0]), 4.0);
        assert_eq!(largest_drop(std::iter::empty()), 0.0);
    }

    const ARENA: u64 = 0xc0_0000_0000;
    const MIB: u64 = 1 << 20;

    fn mmap(addr: u64, len: u64, prot: &str, result: u64) -> SyscallEvent {
        SyscallEvent {
            t_ns: 0,
            tid: 1,
            syscall: Syscall::Mmap,
            addr,
            len,
            prot: Some(prot.into()),
            flags: Some("MAP_PRIVATE|MAP_ANONYMOUS".into()),
            advice: None,
            fd: Some(-1),
            offset: Some(0),
            result: Some(result as i64),
            error: None,
        }
    }

    fn call(
        syscall: Syscall,
        t_ns: u64,
        addr: u64,
        len: u64,
        advice: Option<&str>,
    ) -> SyscallEvent {
        SyscallEvent {
            t_ns,
            syscall,
            advice: advice.map(String::from),
            prot: None,
            flags: None,
            fd: None,
            offset: None,
            result: Some(0),
            ..mmap(addr, len, "", 0)
        }
    }

    fn mapping(start: u64, end: u64, class: MapClass, rss: u64) -> Mapping {
        Mapping {
            start,
            end,
            size_bytes: end - start,
            perms: "rw-p".into(),
            class,
            rss_bytes: rss,
            lazy_free_bytes: 0,
            pathname: String::new(),
        }
    }

    fn phase(name: &str, t_ns: u64, num_gc: u64, arena_rss: u64) -> Phase {
        Phase {
            name: name.into(),
            seq: 0,
            t_ns,
            os: OsView::default(),
            go: GoView {
                num_gc,
                heap_alloc_bytes: 100 * MIB + MIB / 2,
                ..GoView::default()
            },
            metrics: Default::default(),
            maps: Some(MapsInventory {
                mappings: vec![
                    mapping(ARENA, ARENA + 4 * MIB, MapClass::HeapArena, arena_rss),
                    mapping(ARENA + 4 * MIB, ARENA + 64 * MIB, MapClass::HeapReserved, 0),
                    mapping(
                        0x7f00_0000_0000,
                        0x7f00_0200_0000,
                        MapClass::RuntimeOffHeap,
                        MIB,
                    ),
                ],
            }),
            heap_profile: None,
        }
    }

    fn gc(cycle: u64, live_mib: u64, forced: bool) -> Event {
        Event::Gc(GcEvent {
            cycle,
            heap_live_bytes: live_mib * MIB,
            forced,
            ..GcEvent::default()
        })
    }

    fn timeline() -> Timeline {
        Timeline {
            gomemlab_version: "0".into(),
            toolchain: ToolchainInfo {
                go: "go".into(),
                version: "go1.21.13".into(),
                go_line: "1.21".into(),
            },
            fixture: FixtureInfo {
                name: "idle".into(),
                args: vec![],
                binary: String::new(),
                build_key: String::new(),
                build_tags: vec![],
            },
            settings: Settings {
                env: Default::default(),
                timeout_ms: 0,
                sample_interval_us: 0,
                heap_profile: vec![],
            },
            phases: vec![phase("start", 10, 0, 3 * MIB), phase("freed", 100, 2, MIB)],
            samples: Default::default(),
            sampler: SamplerStats::default(),
            syscalls: vec![
                mmap(0, 256 * 1024, "PROT_READ|PROT_WRITE", 0x7f10_0000_0000),
                mmap(ARENA, 64 * MIB, "PROT_NONE", ARENA),
                mmap(0, 32 * MIB, "PROT_READ|PROT_WRITE", 0x7f00_0000_0000),
                call(Syscall::Madvise, 50, ARENA, 2 * MIB, Some("MADV_DONTNEED")),
                call(
                    Syscall::Madvise,
                    60,
                    ARENA + 2 * MIB,
                    MIB,
                    Some("MADV_FREE"),
                ),
                call(
                    Syscall::Madvise,
                    70,
                    0x7f00_0000_0000,
                    MIB,
                    Some("MADV_DONTNEED"),
                ),
                call(Syscall::Munmap, 80, 0x7f20_0000_0000, MIB, None),
            ],
            trace: Some(TraceStats::default()),
            exit: Exit::Code(0),
            duration_ns: 200,
            events: vec![gc(1, 100, false), gc(2, 100, true)],
            unparsed_trace_lines: 0,
            stderr_lines: 0,
            contention: None,
        }
    }

    fn value(text: &str) -> f64 {
        eval(&parse_expr(text).unwrap(), &timeline(), None)
            .unwrap()
            .v
    }

    fn holds(text: &str) -> bool {
        evaluate(&parse_check(text).unwrap(), &timeline())
            .unwrap()
            .holds
    }

    #[test]
    fn queries_count_project_and_filter_syscalls() {
        assert_eq!(value("count(syscalls)"), 7.0);
        assert_eq!(value("count(syscalls.mmap)"), 3.0);
        assert_eq!(value("first(syscalls.mmap.len)"), 262144.0);
        assert_eq!(
            value("first(syscalls.mmap.result where prot == 'PROT_NONE' and addr != 0)"),
            ARENA as f64
        );
        assert_eq!(
            value(
                "first(syscalls.mmap.index where len == 32MiB and prot == \"PROT_READ|PROT_WRITE\")"
            ),
            2.0
        );
        assert_eq!(
            value("count(syscalls.mmap where flags has 'MAP_ANONYMOUS')"),
            3.0
        );
        assert_eq!(
            value("count(syscalls.mmap where flags has 'MAP_FIXED')"),
            0.0
        );
        assert_eq!(
            value(
                "sum(syscalls.madvise.len where advice == 'MADV_DONTNEED' or advice == 'MADV_FREE')"
            ),
            (4 * MIB) as f64
        );
        assert_eq!(value("sum(syscalls.munmap.len where len > 1GiB)"), 0.0);
        assert!(value("first(syscalls.brk.len)").is_nan());
        // A condition's value may read the timeline: phases, other queries.
        assert_eq!(
            value("count(syscalls.madvise where t_ns >= t@start and t_ns <= 65ns)"),
            2.0
        );
        assert_eq!(
            value(
                "count(syscalls.mmap where index == first(syscalls.mmap.index where prot == 'PROT_NONE') + 1)"
            ),
            1.0
        );
    }

    #[test]
    fn in_class_uses_the_mapping_inventory() {
        assert_eq!(
            value("sum(syscalls.madvise.len where in heap_arena)"),
            (3 * MIB) as f64
        );
        assert_eq!(
            value("count(syscalls.mmap where in heap_arena or in heap_reserved)"),
            1.0
        );
        assert_eq!(value("count(syscalls.munmap where in heap_arena)"), 0.0);
        assert_eq!(
            value("count(syscalls.madvise where in runtime_off_heap)"),
            1.0
        );
        assert!(holds(
            "count(syscalls.munmap where in heap_arena or in heap_reserved) == 0"
        ));
    }

    #[test]
    fn nested_paths_read_per_phase_and_as_series() {
        assert_eq!(value("maps.heap_arena.size@start"), (4 * MIB) as f64);
        assert_eq!(value("maps.heap_arena.rss@freed"), MIB as f64);
        assert_eq!(value("maps.heap_reserved.count@freed"), 1.0);
        assert_eq!(value("maps.stack.size@freed"), 0.0);
        assert_eq!(value("max(maps.heap_arena.rss)"), (3 * MIB) as f64);
        assert!(holds(
            "maps.heap_arena.size + maps.heap_reserved.size == 64MiB"
        ));
        assert!(holds("nonincreasing(maps.heap_arena.rss)"));
        assert!(!holds("nondecreasing(maps.heap_arena.rss)"));
    }

    #[test]
    fn queries_over_gc_events() {
        assert_eq!(value("count(events.gc)"), 2.0);
        assert_eq!(value("count(events.gc where forced == true)"), 1.0);
        assert_eq!(
            value("count(events.gc where cycle <= go.num_gc@freed)"),
            2.0
        );
        assert!(holds(
            "last(events.gc.heap_live where cycle <= go.num_gc@freed) >= go.heap_alloc@freed - 1MiB"
        ));
        assert_eq!(value("count(events.scav)"), 0.0);
    }

    #[test]
    fn missing_views_are_clear_errors() {
        let mut t = timeline();
        t.trace = None;
        let e = eval(&parse_expr("count(syscalls)").unwrap(), &t, None).unwrap_err();
        assert!(e.contains("trace-syscalls = true"), "{e}");
        let mut t = timeline();
        for p in &mut t.phases {
            p.maps = None;
        }
        let e = eval(&parse_expr("maps.heap_arena.size@start").unwrap(), &t, None).unwrap_err();
        assert!(e.contains("maps = true"), "{e}");
        let e = eval(
            &parse_expr("count(syscalls.munmap where in heap_arena)").unwrap(),
            &t,
            None,
        )
        .unwrap_err();
        assert!(e.contains("maps = true"), "{e}");
    }
}
