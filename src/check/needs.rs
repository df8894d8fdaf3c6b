//! What a check reads beyond the phases' `os.`/`go.` views, so loading can
//! say which experiment switch is missing.

use super::ast::{Arg, Check, Cond, Expr, Test};
use super::schema::Need;

impl Check {
    /// The switches this check needs, sorted, once each.
    pub fn needs(&self) -> Vec<Need> {
        let mut out = Vec::new();
        match &self.test {
            Test::Compare { lhs, rhs, .. } => {
                expr(lhs, &mut out);
                expr(rhs, &mut out);
            }
            Test::Monotone { series, .. } => out.extend(series.need()),
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// As [`Check::needs`], for one expression.
pub fn needs(e: &Expr) -> Vec<Need> {
    let mut out = Vec::new();
    expr(e, &mut out);
    out.sort_unstable();
    out.dedup();
    out
}

fn expr(e: &Expr, out: &mut Vec<Need>) {
    match e {
        Expr::At { path, .. } => out.extend(path.need()),
        Expr::Lit(_) => {}
        Expr::Neg(a) => expr(a, out),
        Expr::Bin(_, a, b) => {
            expr(a, out);
            expr(b, out);
        }
        Expr::Call(_, arg) => match arg.as_ref() {
            Arg::Series(p) => out.extend(p.need()),
            Arg::Query(q) => {
                out.push(q.collection.need());
                for cond in q.filter.iter().flatten() {
                    match cond {
                        Cond::In(_) => out.push(Need::Maps),
                        Cond::Number { rhs, .. } => expr(rhs, out),
                        Cond::Text { .. } => {}
                    }
                }
            }
        },
    }
}
