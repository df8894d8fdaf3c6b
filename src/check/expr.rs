//! The check language of claims: `os.rss@freed <= 0.10 * os.rss@allocated`,
//! `go.heap_released <= go.heap_idle` (at every phase),
//! `nondecreasing(samples.vm_size)`, `max(samples.rss) >= 2.5 * go.heap_alloc@live`,
//! `drop(samples.vm_size) <= 4MiB` (the largest step back of a series).
//! Parsing only; evaluation over a timeline lives in `claim`.
//!
//! Names after `os.` and `go.` are the timeline's own fields (the `_bytes`
//! suffix may be left out), so the valid names come from the serde model.
//!
//! ## Deep views (see `query`)
//!
//! - Per-phase paths: `maps.<class>.<field>@<phase>`, the mapping inventory
//!   summed per class (`maps.heap_arena.rss@freed`, `maps.runtime_off_heap.size@started`;
//!   fields `count`, `size`, `rss`). Like `os.`, without `@phase` it means
//!   "at every phase", and in a function it is a series over the phases.
//!   Needs `maps = true` in the experiment.
//!   `profile.<field>@<phase>` (`inuse_space`, `inuse_objects`, `alloc_space`,
//!   `alloc_objects`, `sample_rate`): the heap profile written at the phase;
//!   needs `heap-profile = ["<phase>", ...]`. `ledger.<field>@<phase>`
//!   (`rss`, `explained`, `unexplained`, `limit`, `runtime_sys`, `anon_mapped`,
//!   `mapped_beyond_sys`, and `ledger.<category>.<field>`): the ledger
//!   computed at the phase; needs `maps = true`.
//! - Queries over record lists, only inside a function:
//!   `func(<collection>[.<field>] [where <cond> [and|or <cond>]...])`.
//!   Collections: `syscalls`, `syscalls.mmap` (`.munmap`, `.madvise`,
//!   `.mprotect`, `.brk`; needs `trace-syscalls = true`), `events.gc`,
//!   `events.scav`, `events.periodic_gc` (stderr of `GODEBUG=gctrace=1,scavtrace=1`).
//!   Fields are the serde names of `SyscallEvent`, `GcEvent`, `ScavEvent`
//!   (`_bytes` may be left out), plus `index`: the record's position in its
//!   collection (the first mmap has index 0).
//!   Functions: `count` (records selected), `sum`, `max`, `min`, `first`,
//!   `last` (of the field; these need one). A selection with no record has
//!   no `max`/`min`/`first`/`last`: the value is NaN and the check fails.
//!   Conditions: `<field> <op> <value>` with `==  !=  <  <=  >  >=` against an
//!   expression (`len == 32MiB`, `addr == 0xc000000000`, `t_ns >= t@collected`,
//!   `cycle <= go.num_gc@live`; `true`/`false` for flags), `==  !=  has`
//!   against a quoted string for decoded words (`prot == "PROT_NONE"`,
//!   `flags has 'MAP_FIXED'`, `advice == "MADV_DONTNEED"`), and
//!   `in <class>`: the call's range overlaps a mapping of that class at some
//!   phase (needs `maps = true`). `and` binds tighter than `or`.
//!   Examples: `count(syscalls.munmap where in heap_arena) == 0`,
//!   `first(syscalls.mmap.len where index == 0) == 256KiB`,
//!   `last(events.gc.heap_live where cycle <= go.num_gc@live)`.
//! - Numbers: `0x` hex literals (`0xc000000000`) besides decimals with units.

use crate::check::query::{self, Collection, FieldKind};
use crate::measure::maps::MapClass;
use crate::timeline::{GoView, OsView};

/// What a number measures, for arithmetic and display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Nanos,
    Count,
    /// A virtual address (`addr`, `result` of traced calls): shown in hex.
    Address,
    /// A plain number or a ratio.
    Scalar,
}

/// A number with its unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Value {
    pub v: f64,
    pub unit: Unit,
}

/// Where a reference reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Os,
    Go,
    /// The fast-tier series (`samples.rss`, `samples.vm_size`).
    Samples,
    /// The time of a phase (`t@freed`), since spawn.
    Time,
    /// A per-phase view by path; the field is the resolved path
    /// (`maps.heap_arena.size_bytes`).
    Nested,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(Value),
    /// `os.rss@freed`; without a phase, "at every phase" (or the whole series in a function).
    Ref {
        source: Source,
        field: String,
        phase: Option<String>,
    },
    Neg(Box<Expr>),
    Bin(char, Box<Expr>, Box<Expr>),
    /// `max(...)`, `min(...)`, `first(...)`, `last(...)`, `count(...)`,
    /// `sum(...)` over a series or a query.
    Call(String, Box<Expr>),
    /// A selection of records (only as a function's argument).
    Query(Query),
}

/// `syscalls.mmap.len where prot == "PROT_NONE" and addr != 0`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub collection: Collection,
    /// The projected field (model name), if any.
    pub field: Option<String>,
    /// Alternatives (`or`) of conjunctions (`and`); empty selects every record.
    pub filter: Vec<Vec<Cond>>,
}

/// One condition on a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// `len == 32MiB`, `cycle <= go.num_gc@live`, `forced == true`.
    Number {
        field: String,
        op: String,
        rhs: Expr,
    },
    /// `prot == "PROT_NONE"`, `flags has "MAP_FIXED"`.
    Text {
        field: String,
        op: String,
        rhs: String,
    },
    /// `in heap_arena`: the call's range overlaps a mapping of the class.
    In(MapClass),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Compare {
        lhs: Expr,
        op: String,
        rhs: Expr,
    },
    /// `nondecreasing(series)` / `nonincreasing(series)`.
    Monotone {
        increasing: bool,
        series: Expr,
    },
}

const FUNCS: &[&str] = &["max", "min", "first", "last", "count", "sum", "drop"];
/// Functions that need a field when given a query.
const FIELD_FUNCS: &[&str] = &["max", "min", "first", "last", "sum", "drop"];
const COND_OPS: &[&str] = &["==", "!=", "<=", ">=", "<", ">", "has"];
const CMPS: &[&str] = &["<=", ">=", "==", "<", ">"];

/// The field names `os.` and `go.` accept, from the timeline model.
pub fn fields(source: Source) -> Vec<String> {
    let value = match source {
        Source::Os => serde_json::to_value(OsView::default()),
        Source::Go => serde_json::to_value(GoView::default()),
        Source::Samples => return vec!["rss_bytes".into(), "vm_size_bytes".into()],
        Source::Time | Source::Nested => return vec![],
    };
    match value {
        Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Resolves a written field (`rss`) to the model's name (`rss_bytes`).
pub fn resolve_field(source: Source, written: &str) -> Option<String> {
    let known = fields(source);
    [written.to_string(), format!("{written}_bytes")]
        .into_iter()
        .find(|name| known.contains(name))
}

/// The unit of a model field, from its name.
pub fn unit_of(field: &str) -> Unit {
    if field.ends_with("_bytes") {
        Unit::Bytes
    } else if field.ends_with("_ns") {
        Unit::Nanos
    } else {
        Unit::Count
    }
}

pub fn parse_check(text: &str) -> Result<Check, String> {
    let mut p = Parser::new(text)?;
    let check = if let Some(name @ ("nondecreasing" | "nonincreasing")) = p.peek_ident() {
        let increasing = name == "nondecreasing";
        p.pos += 1;
        p.expect("(")?;
        let series = p.expr()?;
        p.expect(")")?;
        Check::Monotone { increasing, series }
    } else {
        let lhs = p.expr()?;
        let op = match p.next() {
            Some(Tok::Sym(s)) if CMPS.contains(&s.as_str()) => s,
            _ => {
                return Err(format!(
                    "`{text}`: expected a comparison (<=, >=, <, >, ==) or nondecreasing(...)"
                ));
            }
        };
        let rhs = p.expr()?;
        Check::Compare { lhs, op, rhs }
    };
    p.end()?;
    Ok(check)
}

pub fn parse_expr(text: &str) -> Result<Expr, String> {
    let mut p = Parser::new(text)?;
    let e = p.expr()?;
    p.end()?;
    Ok(e)
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64, Unit),
    Ident(String),
    Phase(String),
    Sym(String),
    /// A quoted string (`"PROT_NONE"` or `'PROT_NONE'`).
    Str(String),
}

struct Parser {
    text: String,
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn new(text: &str) -> Result<Parser, String> {
        Ok(Parser {
            text: text.to_string(),
            toks: lex(text)?,
            pos: 0,
        })
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn peek_sym(&self, s: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Sym(x)) if x == s)
    }

    fn peek_ident(&self) -> Option<&str> {
        match self.toks.get(self.pos) {
            Some(Tok::Ident(s)) => Some(s),
            _ => None,
        }
    }

    fn expect(&mut self, s: &str) -> Result<(), String> {
        if self.peek_sym(s) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("`{}`: expected `{s}`", self.text))
        }
    }

    fn end(&self) -> Result<(), String> {
        match self.toks.get(self.pos) {
            None => Ok(()),
            Some(t) => Err(format!("`{}`: unexpected {t:?} at the end", self.text)),
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let mut left = self.term()?;
        while self.peek_sym("+") || self.peek_sym("-") {
            let op = if self.peek_sym("+") { '+' } else { '-' };
            self.pos += 1;
            left = Expr::Bin(op, Box::new(left), Box::new(self.term()?));
        }
        Ok(left)
    }

    fn term(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.peek_sym("*") || self.peek_sym("/") {
            let op = if self.peek_sym("*") { '*' } else { '/' };
            self.pos += 1;
            left = Expr::Bin(op, Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek_sym("-") {
            self.pos += 1;
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::Num(v, unit)) => Ok(Expr::Num(Value { v, unit })),
            Some(Tok::Sym(s)) if s == "(" => {
                let e = self.expr()?;
                self.expect(")")?;
                Ok(e)
            }
            Some(Tok::Ident(name)) if FUNCS.contains(&name.as_str()) => {
                self.expect("(")?;
                let inner = match self.peek_ident() {
                    Some(id) if is_query(id) => {
                        let id = id.to_string();
                        self.pos += 1;
                        let q = self.query(&id)?;
                        if q.field.is_none() && FIELD_FUNCS.contains(&name.as_str()) {
                            return Err(format!(
                                "`{}`: {name}() of `{id}` needs a field, e.g. `{id}.{}`",
                                self.text,
                                if q.collection.is_syscalls() {
                                    "len"
                                } else {
                                    "t_ns"
                                }
                            ));
                        }
                        Expr::Query(q)
                    }
                    _ => self.expr()?,
                };
                self.expect(")")?;
                Ok(Expr::Call(name, Box::new(inner)))
            }
            Some(Tok::Ident(name)) if is_query(&name) => Err(format!(
                "`{}`: `{name}` is a list of records: use it in a function ({})",
                self.text,
                FUNCS.join(", ")
            )),
            Some(Tok::Ident(name)) => {
                let phase = match self.toks.get(self.pos) {
                    Some(Tok::Phase(p)) => {
                        self.pos += 1;
                        Some(p.clone())
                    }
                    _ => None,
                };
                self.reference(&name, phase)
            }
            other => Err(format!(
                "`{}`: expected a number, a metric or `(`, found {other:?}",
                self.text
            )),
        }
    }

    /// `<collection>[.<field>] [where <cond> ...]`, after its first token.
    fn query(&mut self, name: &str) -> Result<Query, String> {
        let (collection, field) = match Collection::parse(name) {
            Some(c) => (c, None),
            None => {
                let parsed = name
                    .rsplit_once('.')
                    .and_then(|(c, f)| Some((Collection::parse(c)?, f)));
                let Some((c, f)) = parsed else {
                    return Err(format!(
                        "`{}`: unknown record list `{name}`: valid are {}",
                        self.text,
                        Collection::names().join(", ")
                    ));
                };
                let (field, _) = c.field(f).ok_or_else(|| {
                    format!(
                        "{} (record lists: {})",
                        unknown_field(&self.text, f, c),
                        Collection::names().join(", ")
                    )
                })?;
                (c, Some(field))
            }
        };
        let mut filter = Vec::new();
        if self.peek_ident() == Some("where") {
            self.pos += 1;
            let mut all = vec![self.cond(collection)?];
            loop {
                match self.peek_ident() {
                    Some("and") => {
                        self.pos += 1;
                        all.push(self.cond(collection)?);
                    }
                    Some("or") => {
                        self.pos += 1;
                        filter.push(std::mem::take(&mut all));
                        all.push(self.cond(collection)?);
                    }
                    _ => break,
                }
            }
            filter.push(all);
        }
        Ok(Query {
            collection,
            field,
            filter,
        })
    }

    fn cond(&mut self, collection: Collection) -> Result<Cond, String> {
        let Some(Tok::Ident(word)) = self.next() else {
            return Err(format!(
                "`{}`: expected a condition after `where`/`and`/`or` (`len == 32MiB`, `in heap_arena`)",
                self.text
            ));
        };
        if word == "in" {
            let class = match self.next() {
                Some(Tok::Ident(c)) => MapClass::ALL.into_iter().find(|m| m.name() == c),
                _ => None,
            };
            let names: Vec<&str> = MapClass::ALL.iter().map(|c| c.name()).collect();
            return match class {
                Some(c) if collection.is_syscalls() => Ok(Cond::In(c)),
                Some(_) => Err(format!(
                    "`{}`: `in <class>` applies to syscalls only",
                    self.text
                )),
                None => Err(format!(
                    "`{}`: `in` needs a mapping class: {}",
                    self.text,
                    names.join(", ")
                )),
            };
        }
        let (field, kind) = collection
            .field(&word)
            .ok_or_else(|| unknown_field(&self.text, &word, collection))?;
        let op = match self.next() {
            Some(Tok::Sym(s)) if COND_OPS.contains(&s.as_str()) => s,
            Some(Tok::Ident(s)) if s == "has" => s,
            _ => {
                return Err(format!(
                    "`{}`: expected one of {} after `{word}`",
                    self.text,
                    COND_OPS.join(" ")
                ));
            }
        };
        match kind {
            FieldKind::Text => {
                let Some(Tok::Str(rhs)) = self.next() else {
                    return Err(format!(
                        "`{}`: `{word}` is a word: compare it with a quoted string (`{word} == \"...\"`)",
                        self.text
                    ));
                };
                if !["==", "!=", "has"].contains(&op.as_str()) {
                    return Err(format!("`{}`: use ==, != or has on `{word}`", self.text));
                }
                Ok(Cond::Text { field, op, rhs })
            }
            FieldKind::Number | FieldKind::Flag => {
                if op == "has" {
                    return Err(format!(
                        "`{}`: `has` applies to words, not to `{word}`",
                        self.text
                    ));
                }
                let rhs = match self.peek_ident() {
                    Some(b @ ("true" | "false")) => {
                        let v = if b == "true" { 1.0 } else { 0.0 };
                        self.pos += 1;
                        Expr::Num(Value {
                            v,
                            unit: Unit::Scalar,
                        })
                    }
                    _ => self.expr()?,
                };
                Ok(Cond::Number { field, op, rhs })
            }
        }
    }

    fn reference(&self, name: &str, phase: Option<String>) -> Result<Expr, String> {
        if let Some((root, rest)) = name.split_once('.')
            && let Some(view) = query::phase_view(root)
        {
            let steps: Vec<&str> = rest.split('.').collect();
            let field = query::resolve_path(view, &steps)?;
            return Ok(Expr::Ref {
                source: Source::Nested,
                field,
                phase,
            });
        }
        let (source, written) = match name.split_once('.') {
            Some(("os", f)) => (Source::Os, f),
            Some(("go", f)) => (Source::Go, f),
            Some(("samples", f)) => (Source::Samples, f),
            None if name == "t" => (Source::Time, "t_ns"),
            _ => {
                return Err(format!(
                    "`{name}` is not a metric: use os.<field>, go.<field>, samples.rss, samples.vm_size, \
                     t@<phase>, {}.<path>, or a function ({}) of a series or of a record list ({})",
                    query::PHASE_VIEWS
                        .iter()
                        .map(|v| v.root)
                        .collect::<Vec<_>>()
                        .join(", "),
                    FUNCS.join(", "),
                    Collection::names().join(", ")
                ));
            }
        };
        let field = match source {
            Source::Time => "t_ns".to_string(),
            _ => resolve_field(source, written).ok_or_else(|| {
                let names: Vec<String> = fields(source)
                    .iter()
                    .map(|f| f.trim_end_matches("_bytes").to_string())
                    .collect();
                format!(
                    "unknown metric `{name}`: valid after `{}.` are {}",
                    name.split('.').next().unwrap_or(""),
                    names.join(", ")
                )
            })?,
        };
        if source == Source::Samples && phase.is_some() {
            return Err(format!(
                "`{name}` is a series: use it in max(), min(), first(), last() or nondecreasing()"
            ));
        }
        if source == Source::Time && phase.is_none() {
            return Err("`t` needs a phase: t@<phase>".into());
        }
        Ok(Expr::Ref {
            source,
            field,
            phase,
        })
    }
}

/// Whether an identifier names a record list (`syscalls...`, `events...`).
fn is_query(ident: &str) -> bool {
    ident == "syscalls"
        || ident.starts_with("syscalls.")
        || ident == "events"
        || ident.starts_with("events.")
}

fn unknown_field(text: &str, written: &str, c: Collection) -> String {
    let names: Vec<String> = c
        .fields()
        .into_iter()
        .map(|(f, _)| f.trim_end_matches("_bytes").to_string())
        .collect();
    format!(
        "`{text}`: unknown field `{written}`: the records have {}",
        names.join(", ")
    )
}

/// What a check reads beyond the phases' os./go. views: the names of the
/// deep views it needs (`maps`, `syscalls`), so loading can say which
/// experiment switch is missing.
pub fn needs(check: &Check) -> Vec<&'static str> {
    let mut out = Vec::new();
    match check {
        Check::Compare { lhs, rhs, .. } => {
            needs_expr(lhs, &mut out);
            needs_expr(rhs, &mut out);
        }
        Check::Monotone { series, .. } => needs_expr(series, &mut out),
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// As [`needs`], for one expression.
pub fn needs_expr(e: &Expr, out: &mut Vec<&'static str>) {
    match e {
        Expr::Ref {
            source: Source::Nested,
            field,
            ..
        } => {
            let root = field.split('.').next().unwrap_or("");
            if let Some(v) = query::phase_view(root) {
                out.push(v.root);
            }
        }
        Expr::Ref { .. } | Expr::Num(_) => {}
        Expr::Neg(a) | Expr::Call(_, a) => needs_expr(a, out),
        Expr::Bin(_, a, b) => {
            needs_expr(a, out);
            needs_expr(b, out);
        }
        Expr::Query(q) => {
            if q.collection.is_syscalls() {
                out.push("syscalls");
            }
            for cond in q.filter.iter().flatten() {
                match cond {
                    Cond::In(_) => out.push("maps"),
                    Cond::Number { rhs, .. } => needs_expr(rhs, out),
                    Cond::Text { .. } => {}
                }
            }
        }
    }
}

fn lex(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '0' && matches!(chars.get(i + 1), Some('x' | 'X')) {
            let start = i + 2;
            i = start;
            while i < chars.len() && (chars[i].is_ascii_hexdigit() || chars[i] == '_') {
                i += 1;
            }
            let digits: String = chars[start..i].iter().filter(|c| **c != '_').collect();
            let v = u64::from_str_radix(&digits, 16)
                .map_err(|_| format!("`{text}`: bad hex number `0x{digits}`"))?;
            toks.push(Tok::Num(v as f64, Unit::Scalar));
        } else if c == '"' || c == '\'' {
            let start = i + 1;
            let end = chars[start..]
                .iter()
                .position(|x| *x == c)
                .ok_or_else(|| format!("`{text}`: unterminated string"))?;
            toks.push(Tok::Str(chars[start..start + end].iter().collect()));
            i = start + end + 1;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == '_')
            {
                i += 1;
            }
            let digits: String = chars[start..i].iter().filter(|c| **c != '_').collect();
            let mut v: f64 = digits
                .parse()
                .map_err(|_| format!("`{text}`: bad number `{digits}`"))?;
            let ustart = i;
            while i < chars.len() && (chars[i].is_ascii_alphabetic() || chars[i] == '%') {
                i += 1;
            }
            let suffix: String = chars[ustart..i].iter().collect();
            let (mult, unit) = unit_suffix(&suffix).ok_or_else(|| {
                format!("`{text}`: unknown unit `{suffix}` (use KiB, MiB, GiB, KB, MB, GB, ns, us, ms, s, %)")
            })?;
            v *= mult;
            toks.push(Tok::Num(v, unit));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            toks.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if c == '@' {
            let start = i + 1;
            i += 1;
            // Phase names may hold `-` and digits (`grown-2`): write a binary
            // minus after a phase with spaces around it.
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == '-')
            {
                i += 1;
            }
            if start == i {
                return Err(format!("`{text}`: `@` needs a phase name"));
            }
            toks.push(Tok::Phase(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            if ["<=", ">=", "==", "!="].contains(&two.as_str()) {
                toks.push(Tok::Sym(two));
                i += 2;
            } else if "<>+-*/(),".contains(c) {
                toks.push(Tok::Sym(c.to_string()));
                i += 1;
            } else {
                return Err(format!("`{text}`: unexpected character `{c}`"));
            }
        }
    }
    Ok(toks)
}

fn unit_suffix(s: &str) -> Option<(f64, Unit)> {
    Some(match s {
        "" => (1.0, Unit::Scalar),
        "%" => (0.01, Unit::Scalar),
        "B" => (1.0, Unit::Bytes),
        "KiB" => (1024.0, Unit::Bytes),
        "MiB" => (1024.0 * 1024.0, Unit::Bytes),
        "GiB" => (1024.0 * 1024.0 * 1024.0, Unit::Bytes),
        "KB" => (1e3, Unit::Bytes),
        "MB" => (1e6, Unit::Bytes),
        "GB" => (1e9, Unit::Bytes),
        "ns" => (1.0, Unit::Nanos),
        "us" => (1e3, Unit::Nanos),
        "ms" => (1e6, Unit::Nanos),
        "s" => (1e9, Unit::Nanos),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(source: Source, field: &str, phase: Option<&str>) -> Expr {
        Expr::Ref {
            source,
            field: field.into(),
            phase: phase.map(String::from),
        }
    }

    #[test]
    fn parses_a_phase_comparison_with_precedence() {
        let c = parse_check("os.rss@freed <= 0.10 * os.rss@allocated + 1MiB").unwrap();
        let Check::Compare { lhs, op, rhs } = c else {
            panic!()
        };
        assert_eq!(lhs, r(Source::Os, "rss_bytes", Some("freed")));
        assert_eq!(op, "<=");
        let Expr::Bin('+', mul, mib) = rhs else {
            panic!("{rhs:?}")
        };
        assert!(matches!(*mul, Expr::Bin('*', _, _)));
        assert_eq!(
            *mib,
            Expr::Num(Value {
                v: 1048576.0,
                unit: Unit::Bytes
            })
        );
    }

    #[test]
    fn phase_names_keep_dashes_and_digits() {
        let e = parse_expr("go.heap_sys@grown-2 - go.heap_sys@grown-1").unwrap();
        let Expr::Bin('-', a, b) = e else { panic!() };
        assert_eq!(*a, r(Source::Go, "heap_sys_bytes", Some("grown-2")));
        assert_eq!(*b, r(Source::Go, "heap_sys_bytes", Some("grown-1")));
    }

    #[test]
    fn functions_series_and_monotone_checks() {
        assert!(matches!(
            parse_check("nondecreasing(samples.vm_size)").unwrap(),
            Check::Monotone {
                increasing: true,
                ..
            }
        ));
        assert!(matches!(
            parse_check("max(samples.rss) >= 2 * go.heap_alloc@live").unwrap(),
            Check::Compare { .. }
        ));
        assert!(matches!(
            parse_expr("t@wait-3 - t@collected").unwrap(),
            Expr::Bin('-', _, _)
        ));
        assert!(parse_expr("go.num_gc").is_ok());
    }

    #[test]
    fn errors_name_what_is_valid() {
        let e = parse_check("os.rsss@freed <= 1").unwrap_err();
        assert!(
            e.contains("unknown metric `os.rsss`") && e.contains("lazy_free"),
            "{e}"
        );
        assert!(
            parse_check("os.rss@freed")
                .unwrap_err()
                .contains("comparison")
        );
        assert!(
            parse_check("os.rss@ <= 1")
                .unwrap_err()
                .contains("phase name")
        );
        assert!(
            parse_check("heap <= 1")
                .unwrap_err()
                .contains("not a metric")
        );
        assert!(
            parse_check("os.rss <= 3furlongs")
                .unwrap_err()
                .contains("unknown unit")
        );
        assert!(
            parse_check("samples.rss@x <= 1")
                .unwrap_err()
                .contains("series")
        );
        assert!(parse_check("os.rss <= 1 )").is_err());
    }

    #[test]
    fn hex_numbers_strings_and_not_equal() {
        assert_eq!(
            parse_expr("0xc000000000").unwrap(),
            Expr::Num(Value {
                v: 824633720832.0,
                unit: Unit::Scalar
            })
        );
        assert!(parse_check("first(syscalls.mmap.len where prot != 'PROT_NONE') == 1").is_ok());
        assert!(
            parse_check("count(syscalls) == 1 '")
                .unwrap_err()
                .contains("unterminated")
        );
        assert!(parse_expr("0xzz").is_err());
    }

    #[test]
    fn queries_parse_into_collections_fields_and_conditions() {
        let e = parse_expr(
            "count(syscalls.mmap where len == 32MiB and prot == \"PROT_READ|PROT_WRITE\" or in heap_arena)",
        )
        .unwrap();
        let Expr::Call(f, q) = e else { panic!() };
        assert_eq!(f, "count");
        let Expr::Query(q) = *q else { panic!() };
        assert_eq!(
            q.collection,
            Collection::Syscalls(Some(crate::timeline::Syscall::Mmap))
        );
        assert_eq!(q.field, None);
        assert_eq!(q.filter.len(), 2);
        assert_eq!(q.filter[0].len(), 2);
        assert_eq!(
            q.filter[0][1],
            Cond::Text {
                field: "prot".into(),
                op: "==".into(),
                rhs: "PROT_READ|PROT_WRITE".into()
            }
        );
        assert_eq!(q.filter[1], vec![Cond::In(MapClass::HeapArena)]);

        let e = parse_expr("last(events.gc.heap_live where cycle <= go.num_gc@live)").unwrap();
        let Expr::Call(_, q) = e else { panic!() };
        let Expr::Query(q) = *q else { panic!() };
        assert_eq!(q.collection, Collection::Gc);
        assert_eq!(q.field.as_deref(), Some("heap_live_bytes"));
        assert!(matches!(&q.filter[0][0], Cond::Number { field, .. } if field == "cycle"));
        assert!(parse_expr("count(events.gc where forced == true)").is_ok());
    }

    #[test]
    fn nested_paths_resolve_from_the_model() {
        assert_eq!(
            parse_expr("maps.heap_arena.size@freed").unwrap(),
            r(Source::Nested, "maps.heap_arena.size_bytes", Some("freed"))
        );
        assert_eq!(
            parse_expr("maps.runtime_off_heap.count").unwrap(),
            r(Source::Nested, "maps.runtime_off_heap.count", None)
        );
        let e = parse_expr("maps.heap_arenas.size@x").unwrap_err();
        assert!(
            e.contains("heap_arena") && e.contains("runtime_off_heap"),
            "{e}"
        );
        let e = parse_expr("maps.heap_arena.sizes@x").unwrap_err();
        assert!(e.contains("count, rss, size"), "{e}");
        let e = parse_expr("maps.heap_arena@x").unwrap_err();
        assert!(e.contains("not a number") && e.contains("rss"), "{e}");
    }

    #[test]
    fn query_errors_name_what_is_valid() {
        let e = parse_expr("count(syscalls.mmapp)").unwrap_err();
        assert!(
            e.contains("syscalls.munmap") && e.contains("events.gc"),
            "{e}"
        );
        let e = parse_expr("count(syscalls.mmap where lenn == 1)").unwrap_err();
        assert!(
            e.contains("unknown field `lenn`") && e.contains("prot"),
            "{e}"
        );
        let e = parse_expr("count(syscalls.mmap where prot == 3)").unwrap_err();
        assert!(e.contains("quoted string"), "{e}");
        let e = parse_expr("count(syscalls.mmap where len has 'x')").unwrap_err();
        assert!(e.contains("words"), "{e}");
        let e = parse_expr("count(syscalls where in heap)").unwrap_err();
        assert!(e.contains("heap_arena, heap_reserved"), "{e}");
        let e = parse_expr("count(events.gc where in heap_arena)").unwrap_err();
        assert!(e.contains("syscalls only"), "{e}");
        let e = parse_expr("sum(syscalls.madvise)").unwrap_err();
        assert!(e.contains("needs a field"), "{e}");
        let e = parse_expr("syscalls.mmap.len").unwrap_err();
        assert!(e.contains("list of records"), "{e}");
        let e = parse_expr("count(syscalls.mmap where)").unwrap_err();
        assert!(e.contains("expected a condition"), "{e}");
    }

    #[test]
    fn needs_names_the_views_a_check_reads() {
        let c =
            parse_check("count(syscalls.munmap where in heap_arena) == maps.heap_arena.count@x")
                .unwrap();
        assert_eq!(needs(&c), vec!["maps", "syscalls"]);
        assert!(needs(&parse_check("count(events.gc) >= go.num_gc@x").unwrap()).is_empty());
    }
}
