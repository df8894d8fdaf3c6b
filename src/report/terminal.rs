//! Text from files (experiment files, results folders) made safe to print on
//! a terminal: escape sequences and other control characters are dropped, so
//! a file cannot move the cursor, retitle the window or hide a line.

/// `text` without control characters (newlines and tabs kept) and without
/// the escape sequences they start (CSI `ESC [ … final`, OSC `ESC ] … BEL/ST`).
pub fn clean(text: &str) -> String {
    if !text.chars().any(is_control) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.peek() {
                // CSI: parameters and intermediates up to a final byte @..~.
                Some('[') => {
                    chars.next();
                    for c in chars.by_ref() {
                        if ('@'..='~').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC, DCS, APC, PM, SOS: up to BEL or ST (ESC \).
                Some(']' | 'P' | '_' | '^' | 'X') => {
                    chars.next();
                    while let Some(c) = chars.next() {
                        if c == '\u{7}' {
                            break;
                        }
                        if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                            chars.next();
                            break;
                        }
                    }
                }
                // A two-character sequence (ESC c, ESC 7...).
                Some(_) => {
                    chars.next();
                }
                None => {}
            },
            c if is_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

fn is_control(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        // Bidirectional overrides reorder what is shown (CVE-2021-42574).
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn escape_sequences_and_controls_are_dropped() {
        assert_eq!(clean("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(clean("a\u{1b}[2J\u{1b}[31mred\u{1b}[0m"), "ared");
        assert_eq!(clean("\u{1b}]0;pwned\u{7}title"), "title");
        assert_eq!(clean("\u{1b}]8;;http://x\u{1b}\\link"), "link");
        assert_eq!(clean("back\rspace\u{8}\u{9b}31m"), "backspace31m");
        assert_eq!(clean("a\u{202e}cba"), "acba");
    }
}
