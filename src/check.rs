//! Check stage: the check language of claims, and the verdicts it gives
//! over analysed runs. This doc is the language's reference.
//!
//! Layout (after nextest-filtering): [`lex`] (text → tokens with spans) →
//! [`parse`] (tokens → the typed tree of [`ast`], every name resolved
//! against the [`schema`] into typed paths, collections and fields,
//! dimensions checked by the rules of [`dim`]); [`eval`] evaluates on one
//! [`crate::analyze::Analyzed`] run, the only code that reads one; [`claim`]
//! folds repeats into verdicts. The schema's names are one table
//! ([`schema::fields`], [`schema::records`]) that also generates the
//! reference page ([`schema::reference`]). Load errors ([`error::ParseError`]) carry a span; run-time
//! problems make a check's verdict `error` with the reason.
//!
//! Every path and record field, with its dimension, is listed in the book's
//! `docs/src/reference/checks.md`, generated from the schema's table.
//!
//! # Checks
//!
//! A check is `EXPR OP EXPR` with `OP` one of `<= >= < > == !=` (equality is
//! exact up to f64 rounding), or `nondecreasing(SERIES)` /
//! `nonincreasing(SERIES)`. `record = [EXPR]` and `exact = [EXPR]` are one
//! value per run, so every path in them has `@phase`.
//!
//! # Values
//!
//! - `os.FIELD@PHASE`, `go.FIELD@PHASE`: the timeline's `os`/`go` fields
//!   (`_bytes` may be left out: `os.rss` is `os.rss_bytes`). `t@PHASE`: a
//!   phase's time since spawn. Without `@PHASE` a path is read at every
//!   phase: the check must hold at each (the report names the phase that
//!   decided). Phase names may hold `-` and digits (`grown-2`): put spaces
//!   around a minus after a phase.
//! - `maps.CLASS.{count,size,rss}@PHASE` (needs `maps = true`): the mapping
//!   inventory summed per class (`heap_arena`, `heap_reserved`, ...);
//!   `maps.CLASS.named@PHASE` counts the mappings the runtime named
//!   (`[anon: Go: heap]`, Go 1.25+ where the kernel names anon mappings).
//!   `ledger.{rss,explained,unexplained,limit,runtime_sys,anon_mapped,
//!   mapped_beyond_sys}@PHASE` and `ledger.CATEGORY.{resident,runtime,
//!   lazy_free,explained,unexplained,size,mappings}@PHASE` (needs `maps =
//!   true`): the phase's ledger, computed once per run by the analysis
//!   (`limit` is the target: 5% of RSS, at least 1 MiB).
//!   `profile.{inuse_space,inuse_objects,alloc_space,alloc_objects,
//!   sample_rate}@PHASE` (needs `heap-profile = [...]`).
//! - `exit.{oom_killed,signal,code}`: how the run ended, one count per run,
//!   written without `@PHASE` (never in a function); they judge a run
//!   killed before its later phases (`memory-max`). `code` is 128 + the
//!   signal after a kill; `oom_killed` is 1 when the run's memory cgroup
//!   counted an OOM kill and the fixture died of SIGKILL.
//! - `cpu.CLASS@PHASE`: runtime/metrics `/cpu/classes/CLASS:cpu-seconds`
//!   with `.` for `/` (`cpu.gc.total`, `cpu.total`, `cpu.gc.mark.assist`...),
//!   a duration. Go 1.20+: a claim whose checks read them must have
//!   `go = ">=1.20"` (the experiment file does not load otherwise).
//! - Numbers: decimals with an optional unit `B KiB MiB GiB KB MB GB`
//!   (bytes), `ns us ms s` (durations), `%` (a ratio: `10%` is 0.1); hex
//!   `0xc000000000`. A number too large for f64 is an error.
//! - `+ - * /`, unary `-`, parentheses (nested at most 64 deep; a check has
//!   at most 1024 tokens).
//! - Functions of a series — `samples.rss`, `samples.vm_size` (the fast
//!   tier), or a per-phase path without `@PHASE` (its value at each phase):
//!   `max min first last count sum drop` (`drop`: the largest step back).
//!
//! # Queries
//!
//! `FUNC(COLLECTION[.FIELD] [where COND [and|or COND]...])`, `and` binding
//! tighter than `or`. Collections: `syscalls`, `syscalls.{mmap,munmap,
//! madvise,mprotect,brk}` (needs `trace-syscalls = true`), `events.gc`,
//! `events.periodic_gc` (need `GODEBUG=gctrace=1` in every settings row the
//! claim applies to), `events.scav` (needs `scavtrace=1`). Fields are the
//! serde names of `SyscallEvent`, `GcEvent`, `ScavEvent` (`_bytes` may be
//! left out) plus `index`, the record's position in its collection.
//! `count` needs no field; the other functions do. Conditions: `FIELD OP
//! EXPR` on numbers (`true`/`false` are 1/0 for flags; every path in EXPR
//! has `@PHASE`), `FIELD ==|!=|has 'WORD'` on decoded words (`has`: one of
//! the `|`-separated words), `in CLASS` (a syscall's range overlaps a
//! mapping of that class at some phase; needs `maps = true`).
//!
//! # Dimensions
//!
//! Every value has a dimension, checked when the file loads: bytes,
//! durations (ns), counts, addresses (shown in hex), plain numbers/ratios.
//! Paths take theirs from the field name (`*_bytes`, `len`, `offset`:
//! bytes; `*_ns`, `t`: durations; `addr`, `result` of syscalls: addresses;
//! anything else: counts). A number written without a unit takes the
//! dimension of what it meets (`go.num_gc@x == 0`, `0.9 * os.rss@x`).
//!
//! - Comparing, adding or subtracting needs one dimension on both sides
//!   (`os.rss@x <= 5s` is a load error naming both sides). An address plus
//!   or minus bytes is an address; an address minus an address is bytes.
//! - Multiplying: one side must be a plain number, a ratio or a count; the
//!   result has the other side's dimension (`3 * 4KiB`, `count(...) * 4KiB`).
//! - Dividing: by a plain number, a ratio or (for bytes, durations,
//!   addresses) a count keeps the dimension; a dimension by itself is a
//!   ratio (`os.rss@a / os.rss@b`); anything else is a load error.
//! - `count(...)` is a count; the other functions keep their argument's
//!   dimension (`sum`/`drop` of addresses is an error).
//!
//! # Errors at run time
//!
//! A division by zero, `max`/`min`/`first`/`last`/`drop` of an empty series
//! or selection (`sum` and `count` of nothing are 0), a phase that did not
//! happen in the run, a missing view (no mappings, no heap profile, no
//! trace) or a value that is not finite make the check's verdict `error`
//! with the reason, and the claim's verdict `error`.

pub mod ast;
pub mod claim;
pub mod dim;
mod display;
pub mod error;
pub mod eval;
pub mod lex;
mod needs;
pub mod parse;
pub mod schema;

pub use ast::{Check, CheckKind, Dim, Record};
pub use claim::{
    CheckResult, ClaimChecks, ClaimResult, Located, RecordResult, Spread, Verdict, judge,
    without_runs,
};
pub use error::{ParseError, Span};
pub use needs::needs;
pub use parse::{parse_check, parse_record};
