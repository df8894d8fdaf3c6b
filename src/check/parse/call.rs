//! Parsing function calls (`max(...)`, `drop(...)`...) and the series they
//! run over, with each argument's dimension checked.

use super::*;

impl Parser<'_> {
    /// A function call, from its `(`.
    pub(super) fn call(&mut self, f: Func, name: Span) -> Result<Typed, ParseError> {
        self.enter(name)?;
        self.pos += 1;
        let (arg, dim) = match self.toks.get(self.pos).cloned() {
            Some(Token {
                tok: Tok::Ident(id),
                span,
            }) if Collection::is_query(&id) => {
                self.pos += 1;
                let q = self.query(&id, span)?;
                let dim = match q.field {
                    Some(field) => match field.kind() {
                        FieldKind::Number(d) => d,
                        FieldKind::Text => {
                            return Err(ParseError::new(
                                span,
                                format!(
                                    "`{}` is a word: {}() needs a number",
                                    field.name(),
                                    f.name()
                                ),
                            ));
                        }
                    },
                    None if f == Func::Count => crate::check::ast::Dim::Count,
                    None => {
                        let eg = if q.collection.is_syscalls() {
                            "len"
                        } else {
                            "t_ns"
                        };
                        return Err(ParseError::new(
                            span,
                            format!("{}() of `{id}` needs a field, e.g. `{id}.{eg}`", f.name()),
                        ));
                    }
                };
                (Arg::Query(q), dim)
            }
            _ => {
                let path = self.series()?;
                let dim = path.dim();
                (Arg::Series(path), dim)
            }
        };
        let close = self.expect(&Tok::RParen, "`)`")?;
        self.depth -= 1;
        let dim = dim::func(f, dim).map_err(|m| ParseError::new(name.to(close), m))?;
        Ok(Typed {
            expr: Expr::Call(f, Box::new(arg)),
            ty: Ty::Of(dim),
            span: name.to(close),
        })
    }

    /// A series: a per-phase path without `@phase`, or `samples.`.
    pub(super) fn series(&mut self) -> Result<Path, ParseError> {
        let hint = "a series (samples.rss, samples.peak, samples.vm_size, or an os./go./maps./profile./ledger. path without @phase) or a record list (syscalls..., events...)";
        let Some(Token {
            tok: Tok::Ident(name),
            span,
        }) = self.toks.get(self.pos).cloned()
        else {
            return Err(self.unexpected(hint));
        };
        self.pos += 1;
        if name == "t" {
            return Err(ParseError::new(
                span,
                format!("`t` is not a series: use {hint}"),
            ));
        }
        let path = Path::resolve(&name).map_err(|m| ParseError::new(span, m))?;
        if path.per_run() {
            return Err(ParseError::new(
                span,
                format!("`{name}` is one value per run, not a series: compare it as it is"),
            ));
        }
        if let Some(Tok::Phase(_)) = self.peek() {
            return Err(ParseError::new(
                self.here(),
                format!("in a function `{name}` runs over the phases: leave out @phase"),
            ));
        }
        Ok(path)
    }
}
