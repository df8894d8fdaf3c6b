//! Printing checks with the parentheses the tree needs (no more, so the
//! printed text nests no deeper than what was parsed): parsing the printed
//! text gives the same tree (a property test and the fuzz target hold it
//! to that).

use std::fmt;

use super::ast::{
    Arg, ArithOp, Check, CheckKind, Cond, Expr, Lit, Query, Suffix, Test, TextOp, When,
};

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
            Expr::At {
                path,
                when: When::Phase(p),
            } => write!(f, "{path}@{p}"),
            Expr::At { path, .. } => write!(f, "{path}"),
            Expr::Neg(e) if precedence(e) < ATOM => write!(f, "-({e})"),
            Expr::Neg(e) => write!(f, "-{e}"),
            Expr::Bin(op, a, b) => {
                // Left-associative: the left side needs parentheses when it
                // binds looser, the right side when it does not bind tighter.
                let p = precedence(self);
                match precedence(a) < p {
                    true => write!(f, "({a})")?,
                    false => write!(f, "{a}")?,
                }
                write!(f, " {} ", op.symbol())?;
                match precedence(b) <= p {
                    true => write!(f, "({b})"),
                    false => write!(f, "{b}"),
                }
            }
            Expr::Call(func, arg) => match arg.as_ref() {
                Arg::Series(p) => write!(f, "{}({p})", func.name()),
                Arg::Query(q) => write!(f, "{}({q})", func.name()),
            },
        }
    }
}

const ATOM: u8 = 3;

fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Bin(ArithOp::Add | ArithOp::Sub, ..) => 1,
        Expr::Bin(ArithOp::Mul | ArithOp::Div, ..) => 2,
        Expr::Lit(_) | Expr::At { .. } | Expr::Neg(_) | Expr::Call(..) => ATOM,
    }
}

impl fmt::Display for Query {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.collection.name())?;
        if let Some(field) = &self.field {
            write!(f, ".{}", field.name())?;
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
            Cond::Number { field, op, rhs } => {
                write!(f, "{} {} {rhs}", field.name(), op.symbol())
            }
            Cond::Text { field, op, rhs } => {
                let op = match op {
                    TextOp::Eq => "==",
                    TextOp::Ne => "!=",
                    TextOp::Has => "has",
                };
                let q = if rhs.contains('\'') { '"' } else { '\'' };
                write!(f, "{} {op} {q}{rhs}{q}", field.name())
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
