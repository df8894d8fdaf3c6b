//! The check language of claims: `os.rss@freed <= 0.10 * os.rss@allocated`,
//! `go.heap_released <= go.heap_idle` (at every phase),
//! `nondecreasing(samples.vm_size)`, `max(samples.rss) >= 2.5 * go.heap_alloc@live`.
//! Parsing only; evaluation over a timeline lives in `claim`.
//!
//! Names after `os.` and `go.` are the timeline's own fields (the `_bytes`
//! suffix may be left out), so the valid names come from the serde model.

use crate::timeline::{GoView, OsView};

/// What a number measures, for arithmetic and display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Nanos,
    Count,
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
    /// `max(...)`, `min(...)`, `first(...)`, `last(...)` over a series.
    Call(String, Box<Expr>),
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

const FUNCS: &[&str] = &["max", "min", "first", "last"];
const CMPS: &[&str] = &["<=", ">=", "==", "<", ">"];

/// The field names `os.` and `go.` accept, from the timeline model.
pub fn fields(source: Source) -> Vec<String> {
    let value = match source {
        Source::Os => serde_json::to_value(OsView::default()),
        Source::Go => serde_json::to_value(GoView::default()),
        Source::Samples => return vec!["rss_bytes".into(), "vm_size_bytes".into()],
        Source::Time => return vec![],
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
                let inner = self.expr()?;
                self.expect(")")?;
                Ok(Expr::Call(name, Box::new(inner)))
            }
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

    fn reference(&self, name: &str, phase: Option<String>) -> Result<Expr, String> {
        let (source, written) = match name.split_once('.') {
            Some(("os", f)) => (Source::Os, f),
            Some(("go", f)) => (Source::Go, f),
            Some(("samples", f)) => (Source::Samples, f),
            None if name == "t" => (Source::Time, "t_ns"),
            _ => {
                return Err(format!(
                    "`{name}` is not a metric: use os.<field>, go.<field>, samples.rss, samples.vm_size, \
                     t@<phase>, or a function ({})",
                    FUNCS.join(", ")
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

fn lex(text: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
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
            if ["<=", ">=", "=="].contains(&two.as_str()) {
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
}
