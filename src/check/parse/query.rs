//! Parsing queries: `<collection>[.<field>] [where <cond> [and|or <cond>]...]`,
//! with the dimension of each numeric condition checked against its field.

use super::{Parser, Typed};
use crate::check::ast::{CmpOp, Cond, Expr, Lit, Query, Suffix, TextOp};
use crate::check::dim::{self, Ty};
use crate::check::error::{ParseError, Span};
use crate::check::lex::{Tok, Token};
use crate::check::schema::{Collection, FieldKind, MapClass, RecordField};

impl Parser<'_> {
    /// `<collection>[.<field>] [where <cond> [and|or <cond>]...]`, after its first token.
    pub(super) fn query(&mut self, name: &str, span: Span) -> Result<Query, ParseError> {
        let (collection, field) = match Collection::parse(name) {
            Some(c) => (c, None),
            None => {
                let parsed = name
                    .rsplit_once('.')
                    .and_then(|(c, f)| Some((Collection::parse(c)?, f)));
                let Some((c, f)) = parsed else {
                    return Err(ParseError::new(
                        span,
                        format!(
                            "unknown record list `{name}`: valid are {}",
                            Collection::names().join(", ")
                        ),
                    ));
                };
                let field = c.field(f).ok_or_else(|| {
                    let lists = Collection::names().join(", ");
                    ParseError::new(
                        span,
                        format!("{} (record lists: {lists})", unknown_field(f, c)),
                    )
                })?;
                (c, Some(field))
            }
        };
        let mut filter = Vec::new();
        if self.peek() == Some(&Tok::Ident("where".into())) {
            self.pos += 1;
            let mut all = vec![self.cond(collection)?];
            loop {
                match self.peek() {
                    Some(Tok::Ident(w)) if w == "and" => {
                        self.pos += 1;
                        all.push(self.cond(collection)?);
                    }
                    Some(Tok::Ident(w)) if w == "or" => {
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

    fn cond(&mut self, collection: Collection) -> Result<Cond, ParseError> {
        let Some(Token {
            tok: Tok::Ident(word),
            span,
        }) = self.toks.get(self.pos).cloned()
        else {
            return Err(self.unexpected(
                "a condition after `where`/`and`/`or` (`len == 32MiB`, `in heap_arena`)",
            ));
        };
        self.pos += 1;
        if word == "in" {
            return self.in_class(span, collection);
        }
        let field = collection
            .field(&word)
            .ok_or_else(|| ParseError::new(span, unknown_field(&word, collection)))?;
        let at = self.here();
        let op = match self.bump().map(|t| t.tok) {
            Some(Tok::Cmp(op)) => Ok(op),
            Some(Tok::Ident(h)) if h == "has" => Err(TextOp::Has),
            _ => {
                return Err(ParseError::new(
                    at,
                    format!("expected one of == != < <= > >= has after `{word}`"),
                ));
            }
        };
        match field.kind() {
            FieldKind::Text => self.text_cond(&word, field, op, (at, span)),
            FieldKind::Number(d) => self.number_cond(&word, field, d, op, (at, span)),
        }
    }

    /// `in <class>`: a syscall whose range overlaps a mapping of the class.
    fn in_class(&mut self, span: Span, collection: Collection) -> Result<Cond, ParseError> {
        let names: Vec<&str> = MapClass::ALL.iter().map(|c| c.name()).collect();
        let class = match self.peek() {
            Some(Tok::Ident(c)) => MapClass::ALL.into_iter().find(|m| m.name() == c),
            _ => None,
        };
        match class {
            Some(c) if collection.is_syscalls() => {
                self.pos += 1;
                Ok(Cond::In(c))
            }
            Some(_) => Err(ParseError::new(
                span,
                "`in <class>` applies to syscalls only",
            )),
            None => Err(ParseError::new(
                self.here(),
                format!("`in` needs a mapping class: {}", names.join(", ")),
            )),
        }
    }

    /// A condition on a word field: `==`, `!=` or `has` a quoted string.
    fn text_cond(
        &mut self,
        word: &str,
        field: RecordField,
        op: Result<CmpOp, TextOp>,
        (at, span): (Span, Span),
    ) -> Result<Cond, ParseError> {
        let op = match op {
            Err(has) => has,
            Ok(CmpOp::Eq) => TextOp::Eq,
            Ok(CmpOp::Ne) => TextOp::Ne,
            Ok(_) => {
                return Err(ParseError::new(
                    at,
                    format!("use ==, != or has on `{word}`"),
                ));
            }
        };
        match self.bump() {
            Some(Token {
                tok: Tok::Str(rhs), ..
            }) => Ok(Cond::Text { field, op, rhs }),
            _ => Err(ParseError::new(
                span,
                format!(
                    "`{word}` is a word: compare it with a quoted string (`{word} == \"...\"`)"
                ),
            )),
        }
    }

    /// A condition on a number field: a comparison with an expression of
    /// its dimension (or `true`, `false`).
    fn number_cond(
        &mut self,
        word: &str,
        field: RecordField,
        d: crate::check::ast::Dim,
        op: Result<CmpOp, TextOp>,
        (at, span): (Span, Span),
    ) -> Result<Cond, ParseError> {
        let Ok(op) = op else {
            return Err(ParseError::new(
                at,
                format!("`has` applies to words, not to `{word}`"),
            ));
        };
        let rhs = match self.peek() {
            Some(Tok::Ident(b)) if b == "true" || b == "false" => {
                let mantissa = if b == "true" { 1.0 } else { 0.0 };
                let span = self.here();
                self.pos += 1;
                Typed {
                    expr: Expr::Lit(Lit {
                        mantissa,
                        suffix: Suffix::None,
                    }),
                    ty: Ty::Plain,
                    span,
                }
            }
            _ => {
                let before = self.phaseless.len();
                let rhs = self.expr()?;
                if let Some(s) = self.phaseless.get(before) {
                    return Err(ParseError::new(
                        *s,
                        format!("`{}` needs @phase in a condition", self.slice(*s)),
                    ));
                }
                rhs
            }
        };
        let lhs = Typed {
            expr: Expr::Lit(Lit {
                mantissa: 0.0,
                suffix: Suffix::None,
            }),
            ty: Ty::Of(d),
            span,
        };
        dim::compare(lhs.ty, rhs.ty).map_err(|why| self.mismatch(at, &lhs, &rhs, &why))?;
        Ok(Cond::Number {
            field,
            op,
            rhs: rhs.expr,
        })
    }
}

fn unknown_field(written: &str, c: Collection) -> String {
    let names: Vec<&str> = c.fields().into_iter().map(RecordField::name).collect();
    format!(
        "unknown field `{written}`: the records have {}",
        crate::check::schema::shown(&names)
    )
}
