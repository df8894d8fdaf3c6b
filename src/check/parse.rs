//! The parser: tokens into the typed tree, checking dimensions as it goes
//! (a mismatch is an error at the operator, naming both sides). Recursive
//! descent with a nesting limit, so deep input is an error, not a crash.

use super::ast::{Arg, ArithOp, Check, CheckKind, Expr, Func, Record, Test, When};
use super::dim::{self, Ty};
use super::error::{ParseError, Span};
use super::lex::{Tok, Token, lex};
use super::schema::{Collection, FieldKind, Path};

mod call;
mod query;

/// How deep parentheses, minus signs and function calls may nest.
pub const MAX_DEPTH: usize = 64;

/// Parses a check: a comparison, or `nondecreasing(...)`/`nonincreasing(...)`.
pub fn parse_check(text: &str) -> Result<Check, ParseError> {
    let mut p = Parser::new(text)?;
    let monotone = match p.toks.first().map(|t| &t.tok) {
        Some(Tok::Ident(n)) if n == "nondecreasing" => Some(CheckKind::Nondecreasing),
        Some(Tok::Ident(n)) if n == "nonincreasing" => Some(CheckKind::Nonincreasing),
        _ => None,
    };
    let check = if let Some(kind) = monotone {
        p.pos += 1;
        p.expect(&Tok::LParen, "`(`")?;
        let series = p.series()?;
        p.expect(&Tok::RParen, "`)`")?;
        Check {
            dim: series.dim(),
            test: Test::Monotone { kind, series },
        }
    } else {
        let lhs = p.expr()?;
        let (op, at) = match p.toks.get(p.pos) {
            Some(Token {
                tok: Tok::Cmp(op),
                span,
            }) => (*op, *span),
            _ => {
                return Err(
                    p.unexpected("a comparison (<=, >=, <, >, ==, !=) or nondecreasing(...)")
                );
            }
        };
        p.pos += 1;
        let rhs = p.expr()?;
        let ty = dim::compare(lhs.ty, rhs.ty).map_err(|why| p.mismatch(at, &lhs, &rhs, &why))?;
        Check {
            dim: ty.resolve(),
            test: Test::Compare {
                lhs: lhs.expr,
                op,
                rhs: rhs.expr,
            },
        }
    };
    p.end()?;
    Ok(check)
}

/// Parses a `record`/`exact` expression: one value per run, so every path has a phase.
pub fn parse_record(text: &str) -> Result<Record, ParseError> {
    let mut p = Parser::new(text)?;
    let e = p.expr()?;
    p.end()?;
    if let Some(span) = p.phaseless.first() {
        return Err(ParseError::new(
            *span,
            format!(
                "`{}` needs @phase here: a record is one value per run",
                p.slice(*span)
            ),
        ));
    }
    Ok(Record {
        dim: e.ty.resolve(),
        expr: e.expr,
    })
}

struct Typed {
    expr: Expr,
    ty: Ty,
    span: Span,
}

struct Parser<'t> {
    text: &'t str,
    toks: Vec<Token>,
    pos: usize,
    depth: usize,
    /// Paths read "at every phase", outside a function.
    phaseless: Vec<Span>,
}

impl<'t> Parser<'t> {
    fn new(text: &'t str) -> Result<Parser<'t>, ParseError> {
        Ok(Parser {
            text,
            toks: lex(text)?,
            pos: 0,
            depth: 0,
            phaseless: Vec::new(),
        })
    }

    fn slice(&self, span: Span) -> &str {
        self.text.get(span.start..span.end).unwrap_or("")
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.tok)
    }

    fn bump(&mut self) -> Option<Token> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    /// The current token's span, or the end of the text.
    fn here(&self) -> Span {
        self.toks
            .get(self.pos)
            .map_or(Span::new(self.text.len(), self.text.len()), |t| t.span)
    }

    fn unexpected(&self, wanted: &str) -> ParseError {
        let found = match self.toks.get(self.pos) {
            Some(t) => format!("found `{}`", self.slice(t.span)),
            None => "found the end".into(),
        };
        ParseError::new(self.here(), format!("expected {wanted}, {found}"))
    }

    fn expect(&mut self, tok: &Tok, wanted: &str) -> Result<Span, ParseError> {
        if self.peek() == Some(tok) {
            self.pos += 1;
            Ok(self.toks[self.pos - 1].span)
        } else {
            Err(self.unexpected(wanted))
        }
    }

    fn end(&self) -> Result<(), ParseError> {
        match self.toks.get(self.pos) {
            None => Ok(()),
            Some(_) => Err(self.unexpected("the end of the check")),
        }
    }

    fn enter(&mut self, span: Span) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ParseError::new(
                span,
                format!("nested more than {MAX_DEPTH} deep: simplify the check"),
            ));
        }
        Ok(())
    }

    fn mismatch(&self, at: Span, a: &Typed, b: &Typed, why: &str) -> ParseError {
        let (sa, sb) = (self.slice(a.span), self.slice(b.span));
        ParseError::new(
            at,
            format!(
                "`{sa}` is {} but `{sb}` is {}: {why}",
                a.ty.describe(),
                b.ty.describe()
            ),
        )
    }

    fn expr(&mut self) -> Result<Typed, ParseError> {
        let mut left = self.term()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Plus) => ArithOp::Add,
                Some(Tok::Minus) => ArithOp::Sub,
                _ => return Ok(left),
            };
            let at = self.here();
            self.pos += 1;
            let right = self.term()?;
            left = self.bin(op, at, left, right)?;
        }
    }

    fn term(&mut self) -> Result<Typed, ParseError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek() {
                Some(Tok::Star) => ArithOp::Mul,
                Some(Tok::Slash) => ArithOp::Div,
                _ => return Ok(left),
            };
            let at = self.here();
            self.pos += 1;
            let right = self.unary()?;
            left = self.bin(op, at, left, right)?;
        }
    }

    fn bin(&self, op: ArithOp, at: Span, l: Typed, r: Typed) -> Result<Typed, ParseError> {
        let ty = dim::arith(op, l.ty, r.ty).map_err(|why| self.mismatch(at, &l, &r, &why))?;
        Ok(Typed {
            span: l.span.to(r.span),
            expr: Expr::Bin(op, Box::new(l.expr), Box::new(r.expr)),
            ty,
        })
    }

    fn unary(&mut self) -> Result<Typed, ParseError> {
        if self.peek() != Some(&Tok::Minus) {
            return self.atom();
        }
        let at = self.here();
        self.pos += 1;
        self.enter(at)?;
        let inner = self.unary()?;
        self.depth -= 1;
        Ok(Typed {
            span: at.to(inner.span),
            expr: Expr::Neg(Box::new(inner.expr)),
            ty: inner.ty,
        })
    }

    fn atom(&mut self) -> Result<Typed, ParseError> {
        let Some(Token { tok, span }) = self.toks.get(self.pos).cloned() else {
            return Err(self.unexpected("a number, a metric or `(`"));
        };
        self.pos += 1;
        match tok {
            Tok::Num(lit) => {
                let ty = lit.suffix.scale().1.map_or(Ty::Plain, Ty::Of);
                Ok(Typed {
                    expr: Expr::Lit(lit),
                    ty,
                    span,
                })
            }
            Tok::LParen => {
                self.enter(span)?;
                let inner = self.expr()?;
                let close = self.expect(&Tok::RParen, "`)`")?;
                self.depth -= 1;
                Ok(Typed {
                    span: span.to(close),
                    ..inner
                })
            }
            Tok::Ident(name) => {
                if let Some(f) = Func::parse(&name).filter(|_| self.peek() == Some(&Tok::LParen)) {
                    return self.call(f, span);
                }
                if name == "nondecreasing" || name == "nonincreasing" {
                    return Err(ParseError::new(
                        span,
                        format!("`{name}(...)` is a whole check, not a value"),
                    ));
                }
                if Collection::is_query(&name) {
                    return Err(ParseError::new(
                        span,
                        format!(
                            "`{name}` is a list of records: use it in a function (max, min, first, last, count, sum, drop)"
                        ),
                    ));
                }
                let path = Path::resolve(&name).map_err(|m| ParseError::new(span, m))?;
                let (phase, span) = match self.toks.get(self.pos) {
                    Some(Token {
                        tok: Tok::Phase(p),
                        span: ps,
                    }) => (Some(p.clone()), span.to(*ps)),
                    _ => (None, span),
                };
                self.pos += usize::from(phase.is_some());
                if path.per_run() && phase.is_some() {
                    return Err(ParseError::new(
                        span,
                        format!("`{name}` is one value per run (how it ended): leave out @phase"),
                    ));
                }
                if !path.per_phase() && !path.per_run() {
                    return Err(ParseError::new(
                        span,
                        format!(
                            "`{}` is a series: use it in max(), min(), first(), last(), drop() or nondecreasing()",
                            self.slice(span)
                        ),
                    ));
                }
                if phase.is_none() && !path.per_run() {
                    if name == "t" {
                        return Err(ParseError::new(span, "`t` needs a phase: t@<phase>"));
                    }
                    self.phaseless.push(span);
                }
                let when = match phase {
                    Some(p) => When::Phase(p),
                    None if path.per_run() => When::Run,
                    None => When::EveryPhase,
                };
                Ok(Typed {
                    ty: Ty::Of(path.dim()),
                    expr: Expr::At { path, when },
                    span,
                })
            }
            _ => {
                self.pos -= 1;
                Err(self.unexpected("a number, a metric or `(`"))
            }
        }
    }
}

#[cfg(test)]
mod tests;
