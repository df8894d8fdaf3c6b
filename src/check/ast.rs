//! The typed syntax tree of a check: enums for operators, functions, paths
//! and queries, every name resolved against the [`super::schema`] (the one
//! thing it depends on). Spans are not part of it (errors carry them while
//! parsing), so a check printed with `Display` and parsed again gives an
//! equal tree.

use serde::{Deserialize, Serialize};

mod lit;

pub use lit::{Lit, Suffix};

pub use super::schema::Dim;
use super::schema::{Collection, MapClass, Path, RecordField};

/// A comparison (of a check, or of a query condition).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CmpOp {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

impl CmpOp {
    pub const ALL: [CmpOp; 6] = [
        CmpOp::Le,
        CmpOp::Ge,
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Gt,
    ];

    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
        }
    }

    /// `a op b`. Equality is exact up to f64 rounding: sizes and addresses
    /// are integers held in f64 (exact below 2^53).
    pub fn holds(self, a: f64, b: f64) -> bool {
        let same = (a - b).abs() <= f64::EPSILON * a.abs().max(1.0);
        match self {
            CmpOp::Lt => a < b,
            CmpOp::Le => a <= b,
            CmpOp::Gt => a > b,
            CmpOp::Ge => a >= b,
            CmpOp::Eq => same,
            CmpOp::Ne => !same,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

impl ArithOp {
    pub fn symbol(self) -> char {
        match self {
            ArithOp::Add => '+',
            ArithOp::Sub => '-',
            ArithOp::Mul => '*',
            ArithOp::Div => '/',
        }
    }
}

/// A function of a series or of a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    Max,
    Min,
    First,
    Last,
    Count,
    Sum,
    /// The largest step back of a series, in order (0 when it never decreases).
    Drop,
}

impl Func {
    pub const ALL: [Func; 7] = [
        Func::Max,
        Func::Min,
        Func::First,
        Func::Last,
        Func::Count,
        Func::Sum,
        Func::Drop,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Func::Max => "max",
            Func::Min => "min",
            Func::First => "first",
            Func::Last => "last",
            Func::Count => "count",
            Func::Sum => "sum",
            Func::Drop => "drop",
        }
    }

    pub fn parse(name: &str) -> Option<Func> {
        Func::ALL.into_iter().find(|f| f.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Lit),
    /// `os.rss@freed`, `os.rss` (at every phase), `exit.code` (of the run).
    At {
        path: Path,
        when: When,
    },
    Neg(Box<Expr>),
    Bin(ArithOp, Box<Expr>, Box<Expr>),
    Call(Func, Box<Arg>),
}

/// Where a path is read: the phase a check names, or what its absence means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// `@PHASE`: at the first phase of that name.
    Phase(String),
    /// A per-phase path without `@PHASE`, outside a function: at every
    /// phase of the run (the check must hold at each).
    EveryPhase,
    /// A value per run (`exit.`), written without `@PHASE`.
    Run,
}

/// What a function folds.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A per-phase path across the phases, or a `samples.` series.
    Series(Path),
    Query(Query),
}

/// `syscalls.mmap.len where prot == "PROT_NONE" and addr != 0`.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub collection: Collection,
    /// The projected field, if any.
    pub field: Option<RecordField>,
    /// Alternatives (`or`) of conjunctions (`and`); empty selects every record.
    pub filter: Vec<Vec<Cond>>,
}

/// One condition on a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// `len == 32MiB`, `cycle <= go.num_gc@live`, `forced == true` (1).
    Number {
        field: RecordField,
        op: CmpOp,
        rhs: Expr,
    },
    /// `prot == "PROT_NONE"`, `flags has "MAP_FIXED"`.
    Text {
        field: RecordField,
        op: TextOp,
        rhs: String,
    },
    /// `in heap_arena`: the call's range overlaps a mapping of the class.
    In(MapClass),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextOp {
    Eq,
    Ne,
    /// One of the `|`-separated words.
    Has,
}

/// What a check tests.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    Compare { lhs: Expr, op: CmpOp, rhs: Expr },
    Monotone { kind: CheckKind, series: Path },
}

/// The kind of a check, kept in its result so reports need not guess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    Compare,
    Nondecreasing,
    Nonincreasing,
}

/// A parsed check and the dimension of what it compares.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub test: Test,
    pub dim: Dim,
}

impl Check {
    pub fn kind(&self) -> CheckKind {
        match &self.test {
            Test::Compare { .. } => CheckKind::Compare,
            Test::Monotone { kind, .. } => *kind,
        }
    }
}

/// A parsed `record`/`exact` expression: one value per run.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub expr: Expr,
    pub dim: Dim,
}
