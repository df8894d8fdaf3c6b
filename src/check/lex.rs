//! The lexer: a check's text into tokens with their spans. Numbers carry
//! their written suffix (`32MiB`); identifiers are dotted paths
//! (`syscalls.mmap.len`); `@name` is a phase (names may hold `-` and digits:
//! `grown-2`, so write a binary minus after a phase with spaces around it).

use super::ast::{CmpOp, Lit, Suffix};
use super::error::{ParseError, Span};

/// The most tokens a check may have: keeps every later walk of the tree shallow.
pub const MAX_TOKENS: usize = 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Num(Lit),
    Ident(String),
    Phase(String),
    /// A quoted string (`"PROT_NONE"` or `'PROT_NONE'`).
    Str(String),
    Cmp(CmpOp),
    Plus,
    Minus,
    Star,
    Slash,
    LParen,
    RParen,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

pub fn lex(text: &str) -> Result<Vec<Token>, ParseError> {
    let bytes = text.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    // Byte-wise: every token is ASCII, so a non-ASCII byte is an error at a char start.
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let (tok, end) = if c.is_ascii_whitespace() {
            i += 1;
            continue;
        } else if c == b'0' && matches!(bytes.get(i + 1), Some(b'x' | b'X')) {
            hex(text, start)?
        } else if c == b'"' || c == b'\'' {
            let end = text[i + 1..].find(c as char).ok_or_else(|| {
                ParseError::new(Span::new(start, text.len()), "unterminated string")
            })?;
            let end = i + 1 + end + 1;
            (Tok::Str(text[start + 1..end - 1].to_string()), end)
        } else if c.is_ascii_digit()
            || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            number(text, start)?
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let end = run(bytes, i, |b| {
                b.is_ascii_alphanumeric() || b == b'_' || b == b'.'
            });
            (Tok::Ident(text[start..end].to_string()), end)
        } else if c == b'@' {
            let end = run(bytes, i + 1, |b| {
                b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
            });
            if end == start + 1 {
                return Err(ParseError::new(
                    Span::new(start, end),
                    "`@` needs a phase name",
                ));
            }
            (Tok::Phase(text[start + 1..end].to_string()), end)
        } else {
            symbol(text, start)?
        };
        i = end;
        if toks.len() == MAX_TOKENS {
            return Err(ParseError::new(
                Span::new(start, i),
                format!("a check has at most {MAX_TOKENS} tokens: split it into several checks"),
            ));
        }
        toks.push(Token {
            tok,
            span: Span::new(start, i),
        });
    }
    Ok(toks)
}

/// The end of the run of bytes from `j` that `ok` accepts.
fn run(bytes: &[u8], mut j: usize, ok: fn(u8) -> bool) -> usize {
    while j < bytes.len() && ok(bytes[j]) {
        j += 1;
    }
    j
}

/// A hex number at `start` (`0x...`), and where it ends.
fn hex(text: &str, start: usize) -> Result<(Tok, usize), ParseError> {
    let i = run(text.as_bytes(), start + 2, |b| {
        b.is_ascii_hexdigit() || b == b'_'
    });
    let digits: String = text[start + 2..i].chars().filter(|c| *c != '_').collect();
    let v = u64::from_str_radix(&digits, 16).map_err(|_| {
        ParseError::new(
            Span::new(start, i),
            format!(
                "bad hex number `{}`: at most 16 hex digits",
                &text[start..i]
            ),
        )
    })?;
    let tok = Tok::Num(Lit {
        mantissa: v as f64,
        suffix: Suffix::Hex,
    });
    Ok((tok, i))
}

/// A decimal number at `start` with its unit, and where it ends.
fn number(text: &str, start: usize) -> Result<(Tok, usize), ParseError> {
    let bytes = text.as_bytes();
    let mut i = run(bytes, start, |b| {
        b.is_ascii_digit() || b == b'.' || b == b'_'
    });
    let digits: String = text[start..i].chars().filter(|c| *c != '_').collect();
    let mantissa: f64 = digits.parse().map_err(|_| {
        ParseError::new(
            Span::new(start, i),
            format!("bad number `{}`", &text[start..i]),
        )
    })?;
    let ustart = i;
    i = run(bytes, i, |b| b.is_ascii_alphabetic() || b == b'%');
    let written = &text[ustart..i];
    let suffix = if written.is_empty() {
        Suffix::None
    } else {
        Suffix::UNITS.into_iter().find(|s| s.text() == written).ok_or_else(|| {
            ParseError::new(
                Span::new(ustart, i),
                format!("unknown unit `{written}`: use KiB, MiB, GiB, KB, MB, GB, B, ns, us, ms, s or %"),
            )
        })?
    };
    let lit = Lit { mantissa, suffix };
    if !lit.value().is_finite() {
        return Err(ParseError::new(Span::new(start, i), "number too large"));
    }
    Ok((Tok::Num(lit), i))
}

/// An operator or parenthesis at `i`, and where it ends.
fn symbol(text: &str, i: usize) -> Result<(Tok, usize), ParseError> {
    let c = text.as_bytes()[i];
    let two = text.get(i..i + 2).unwrap_or("");
    let cmp = CmpOp::ALL.into_iter().find(|op| op.symbol() == two);
    let (tok, width) = match (cmp, c) {
        (Some(op), _) => (Tok::Cmp(op), 2),
        (None, b'<') => (Tok::Cmp(CmpOp::Lt), 1),
        (None, b'>') => (Tok::Cmp(CmpOp::Gt), 1),
        (None, b'+') => (Tok::Plus, 1),
        (None, b'-') => (Tok::Minus, 1),
        (None, b'*') => (Tok::Star, 1),
        (None, b'/') => (Tok::Slash, 1),
        (None, b'(') => (Tok::LParen, 1),
        (None, b')') => (Tok::RParen, 1),
        _ => {
            let ch = text[i..].chars().next().unwrap_or('?');
            let hint = if ch == '=' || ch == '!' {
                ": compare with == or !="
            } else {
                ""
            };
            return Err(ParseError::new(
                Span::new(i, i + ch.len_utf8()),
                format!("unexpected character `{ch}`{hint}"),
            ));
        }
    };
    Ok((tok, i + width))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_spans_and_suffixes() {
        let t = lex("os.rss@freed != 0x1f + 1.5MiB").unwrap();
        assert_eq!(t[0].tok, Tok::Ident("os.rss".into()));
        assert_eq!(t[1].tok, Tok::Phase("freed".into()));
        assert_eq!(t[2].tok, Tok::Cmp(CmpOp::Ne));
        assert_eq!(t[2].span, Span::new(13, 15));
        assert_eq!(
            t[3].tok,
            Tok::Num(Lit {
                mantissa: 31.0,
                suffix: Suffix::Hex
            })
        );
        assert_eq!(
            t[5].tok,
            Tok::Num(Lit {
                mantissa: 1.5,
                suffix: Suffix::MiB
            })
        );
        assert_eq!(t[5].span, Span::new(23, 29));
    }

    #[test]
    fn bad_input_is_an_error_at_its_place() {
        let e = lex("1 <= 3furlongs").unwrap_err();
        assert_eq!(
            (e.span, e.message.contains("unknown unit")),
            (Span::new(6, 14), true)
        );
        assert!(
            lex("0x1234567890abcdef0")
                .unwrap_err()
                .message
                .contains("hex")
        );
        assert!(
            lex(&"9".repeat(400))
                .unwrap_err()
                .message
                .contains("too large")
        );
        assert!(lex("'abc").unwrap_err().message.contains("unterminated"));
        assert_eq!(lex("a é").unwrap_err().span, Span::new(2, 4));
        assert!(lex("a = b").unwrap_err().message.contains("=="));
        assert!(
            lex(&"(".repeat(MAX_TOKENS + 1))
                .unwrap_err()
                .message
                .contains("at most")
        );
    }
}
