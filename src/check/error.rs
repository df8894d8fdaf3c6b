//! Errors of the check language. A load error has a span (byte offsets in
//! the check's text) so the experiment loader can print `file:line:col` and a
//! caret line under the bad token; a run-time problem is a reason string
//! that makes the check's verdict `error`.

/// Byte offsets `[start, end)` in a check's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// From the start of `self` to the end of `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A check that cannot load: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub span: Span,
    pub message: String,
}

impl ParseError {
    pub fn new(span: Span, message: impl Into<String>) -> ParseError {
        ParseError {
            span,
            message: message.into(),
        }
    }

    /// The message, the check, and a caret line under the span.
    pub fn render(&self, text: &str) -> String {
        format!("{}\n  {text}\n  {}", self.message, caret(text, self.span))
    }
}

/// Spaces (tabs kept, so it lines up) then `^` under `span` of `line`;
/// a span past the end points just after the last character.
pub fn caret(line: &str, span: Span) -> String {
    let start = floor_boundary(line, span.start);
    let end = floor_boundary(line, span.end.max(start));
    let mut out: String = line[..start]
        .chars()
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let width = line[start..end].chars().count().max(1);
    out.extend(std::iter::repeat_n('^', width));
    out
}

/// The largest char boundary of `s` at or before `i`.
fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Why a check could not be evaluated on one run (its verdict is `error`).
pub type EvalResult<T> = Result<T, String>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_sits_under_the_span_even_after_tabs_and_wide_chars() {
        assert_eq!(caret("ab cd", Span::new(3, 5)), "   ^^");
        assert_eq!(caret("\tx", Span::new(1, 2)), "\t^");
        assert_eq!(caret("é x", Span::new(3, 4)), "  ^");
        assert_eq!(caret("ab", Span::new(9, 9)), "  ^");
    }
}
