//! Printing checks: fully parenthesised, so that parsing the printed text
//! gives the same tree (a property test holds it to that).

use std::fmt;

use super::ast::{Arg, Check, CheckKind, Cond, Expr, Lit, Query, Suffix, Test, TextOp};

impl fmt::Display for Lit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.suffix {
            Suffix::Hex => write!(f, "{:#x}", self.mantissa as u64),
            s => write!(f, "{}{}", self.mantissa, s.text()),
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Lit(l) => write!(f, "{l}"),
            Expr::At { path, phase: None } => write!(f, "{path}"),
            Expr::At {
                path,
                phase: Some(p),
            } => write!(f, "{path}@{p}"),
            Expr::Neg(e) => write!(f, "-{e}"),
            Expr::Bin(op, a, b) => write!(f, "({a} {} {b})", op.symbol()),
            Expr::Call(func, arg) => match arg.as_ref() {
                Arg::Series(p) => write!(f, "{}({p})", func.name()),
                Arg::Query(q) => write!(f, "{}({q})", func.name()),
            },
        }
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.collection.name())?;
        if let Some(field) = &self.field {
            write!(f, ".{field}")?;
        }
        for (i, all) in self.filter.iter().enumerate() {
            f.write_str(if i == 0 { " where " } else { " or " })?;
            for (j, c) in all.iter().enumerate() {
                if j > 0 {
                    f.write_str(" and ")?;
                }
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cond::Number { field, op, rhs } => write!(f, "{field} {} {rhs}", op.symbol()),
            Cond::Text { field, op, rhs } => {
                let op = match op {
                    TextOp::Eq => "==",
                    TextOp::Ne => "!=",
                    TextOp::Has => "has",
                };
                let q = if rhs.contains('\'') { '"' } else { '\'' };
                write!(f, "{field} {op} {q}{rhs}{q}")
            }
            Cond::In(class) => write!(f, "in {}", class.name()),
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.test {
            Test::Compare { lhs, op, rhs } => write!(f, "{lhs} {} {rhs}", op.symbol()),
            Test::Monotone { kind, series } => {
                let name = match kind {
                    CheckKind::Nonincreasing => "nonincreasing",
                    _ => "nondecreasing",
                };
                write!(f, "{name}({series})")
            }
        }
    }
}
