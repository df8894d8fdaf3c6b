//! The dimension rules, applied when a file loads (see the module doc of
//! [`super`]). A number written without a unit is [`Ty::Plain`]: it takes
//! the dimension of what it meets (`go.num_gc@x == 0`, `0.9 * os.rss@x`).

use super::ast::{ArithOp, Dim, Func};

/// The type of an expression while checking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A unitless literal: fits any dimension.
    Plain,
    Of(Dim),
}

impl Ty {
    /// What it is once nothing more can be learnt: plain numbers are ratios.
    pub fn resolve(self) -> Dim {
        match self {
            Ty::Plain => Dim::Ratio,
            Ty::Of(d) => d,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Ty::Plain => "a plain number",
            Ty::Of(d) => d.describe(),
        }
    }

    /// Plain numbers, ratios and counts scale what they multiply.
    fn scales(self) -> bool {
        matches!(self, Ty::Plain | Ty::Of(Dim::Ratio | Dim::Count))
    }
}

/// Both sides of a comparison (or of a query condition) must agree.
pub fn compare(a: Ty, b: Ty) -> Result<Ty, String> {
    match (a, b) {
        (Ty::Plain, t) | (t, Ty::Plain) => Ok(t),
        (Ty::Of(x), Ty::Of(y)) if x == y => Ok(a),
        _ => Err("a comparison needs both sides in one dimension".into()),
    }
}

/// `a op b` for one of `+ - * /`.
pub fn arith(op: ArithOp, a: Ty, b: Ty) -> Result<Ty, String> {
    use Dim::{Address, Bytes, Count, Ratio};
    match op {
        ArithOp::Add | ArithOp::Sub => match (a, b) {
            (Ty::Plain, t) | (t, Ty::Plain) => Ok(t),
            // An address plus or minus a size is an address; two addresses differ by a size.
            (Ty::Of(Address), Ty::Of(Bytes)) => Ok(a),
            (Ty::Of(Bytes), Ty::Of(Address)) if op == ArithOp::Add => Ok(b),
            (Ty::Of(Address), Ty::Of(Address)) if op == ArithOp::Sub => Ok(Ty::Of(Bytes)),
            (Ty::Of(Address), Ty::Of(Address)) => Err("two addresses do not add up".into()),
            (Ty::Of(x), Ty::Of(y)) if x == y => Ok(a),
            _ => Err("adding or subtracting needs both sides in one dimension".into()),
        },
        ArithOp::Mul => match (a, b) {
            (Ty::Plain, t) | (t, Ty::Plain) => Ok(t),
            (Ty::Of(Ratio), t) | (t, Ty::Of(Ratio)) => Ok(t),
            (Ty::Of(Count), t) | (t, Ty::Of(Count)) => Ok(t),
            _ => Err("multiplying two dimensions gives none the language knows: one side must be a plain number, a ratio or a count".into()),
        },
        ArithOp::Div => match (a, b) {
            (t, Ty::Plain) => Ok(t),
            (Ty::Of(x), Ty::Of(y)) if x == y => Ok(Ty::Of(Ratio)),
            (t, Ty::Of(Ratio)) => Ok(t),
            (Ty::Plain, Ty::Of(Count)) => Ok(Ty::Of(Ratio)),
            (t, Ty::Of(Count)) if !t.scales() => Ok(t),
            _ => Err("this division gives a dimension the language does not know: divide by a plain number, a ratio, a count, or the same dimension".into()),
        },
    }
}

/// What a function of a series or a selection of `arg` gives.
pub fn func(f: Func, arg: Dim) -> Result<Dim, String> {
    match (f, arg) {
        (Func::Count, _) => Ok(Dim::Count),
        (Func::Sum | Func::Drop, Dim::Address) => {
            Err(format!("{}() of addresses has no meaning", f.name()))
        }
        _ => Ok(arg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Dim::*;

    #[test]
    fn the_rules_of_the_module_doc() {
        let of = Ty::Of;
        assert_eq!(compare(of(Bytes), Ty::Plain), Ok(of(Bytes)));
        assert!(compare(of(Bytes), of(Duration)).is_err());
        assert!(compare(of(Count), of(Ratio)).is_err());
        assert_eq!(arith(ArithOp::Mul, Ty::Plain, of(Bytes)), Ok(of(Bytes)));
        assert_eq!(arith(ArithOp::Mul, of(Count), of(Bytes)), Ok(of(Bytes)));
        assert!(arith(ArithOp::Mul, of(Bytes), of(Bytes)).is_err());
        assert_eq!(arith(ArithOp::Div, of(Bytes), of(Bytes)), Ok(of(Ratio)));
        assert_eq!(arith(ArithOp::Div, of(Bytes), Ty::Plain), Ok(of(Bytes)));
        assert_eq!(arith(ArithOp::Div, of(Bytes), of(Count)), Ok(of(Bytes)));
        assert!(arith(ArithOp::Div, Ty::Plain, of(Bytes)).is_err());
        assert!(arith(ArithOp::Div, of(Bytes), of(Duration)).is_err());
        assert!(arith(ArithOp::Add, of(Bytes), of(Duration)).is_err());
        assert_eq!(arith(ArithOp::Add, of(Address), of(Bytes)), Ok(of(Address)));
        assert_eq!(arith(ArithOp::Sub, of(Address), of(Address)), Ok(of(Bytes)));
        assert_eq!(func(Func::Count, Bytes), Ok(Count));
        assert!(func(Func::Sum, Address).is_err());
    }
}
