//! What a fixture is for, read from its own Go sources: the package doc
//! comment's first sentence, the phases it reports (`probe.Phase("...")`) and
//! its flags (`flag.Int("name", default, "usage")` and kin).

use std::path::Path;

/// A fixture's purpose, phases and flags, as its sources say.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FixtureInfo {
    /// The doc comment's first sentence, without a leading `Command `
    /// (`bigbytes is the 10 x 100 MB example...`).
    pub purpose: String,
    /// Phase names in source order, each once; a name built at run time
    /// (`"gc-" + strconv.Itoa(k)`) shows as `gc-<n>`.
    pub phases: Vec<String>,
    pub flags: Vec<Flag>,
}

/// One command-line flag of a fixture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    /// `int`, `bool`, `duration`, `string`...: the `flag.X` function, lowercased.
    pub kind: String,
    /// The default as written in the source (`10`, `500*time.Millisecond`).
    pub default: String,
    pub usage: String,
}

/// Reads the `.go` files (tests excepted) of the fixture directory `dir`,
/// `main.go` first. Missing or unreadable files give an empty description.
pub fn read(dir: &Path) -> FixtureInfo {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.extension().is_some_and(|e| e == "go")
                        && !p.to_string_lossy().ends_with("_test.go")
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort_by_key(|p| (p.file_name() != Some("main.go".as_ref()), p.clone()));
    let sources: Vec<String> = files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect();
    let mut info = FixtureInfo {
        purpose: sources.first().map(|s| purpose(s)).unwrap_or_default(),
        ..FixtureInfo::default()
    };
    for source in &sources {
        for phase in phases(source) {
            if !info.phases.contains(&phase) {
                info.phases.push(phase);
            }
        }
        info.flags.extend(flags(source));
    }
    info
}

/// The first sentence of the comment right above `package`.
pub fn purpose(source: &str) -> String {
    let mut block: Vec<&str> = Vec::new();
    for line in source.lines() {
        let line = line.trim();
        if let Some(text) = line.strip_prefix("//") {
            block.push(text.trim());
        } else if line.starts_with("package ") {
            break;
        } else {
            // A blank line or a build constraint ends a comment block.
            block.clear();
        }
    }
    block.retain(|l| !l.starts_with("go:build") && !l.starts_with("+build"));
    let text = block.join(" ");
    let sentence = match text.find(". ") {
        Some(i) => &text[..=i],
        None => text.as_str(),
    };
    let sentence = sentence.strip_prefix("Command ").unwrap_or(sentence);
    sentence.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The phases named by `probe.Phase(...)` calls.
pub fn phases(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in source.match_indices("probe.Phase(") {
        let rest = source[i + "probe.Phase(".len()..].trim_start();
        let Some((name, after)) = string_literal(rest) else {
            continue;
        };
        let name = if after.trim_start().starts_with('+') {
            format!("{name}<n>")
        } else {
            name
        };
        if !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// The flags defined by `flag.Bool/Int/Int64/Uint/Uint64/Float64/String/Duration(...)`.
pub fn flags(source: &str) -> Vec<Flag> {
    const KINDS: [&str; 8] = [
        "Bool", "Int", "Int64", "Uint", "Uint64", "Float64", "String", "Duration",
    ];
    let mut out = Vec::new();
    for (i, _) in source.match_indices("flag.") {
        let rest = &source[i + "flag.".len()..];
        let Some(kind) = KINDS.iter().find(|k| rest.starts_with(&format!("{k}("))) else {
            continue;
        };
        let args = rest[kind.len() + 1..].trim_start();
        let Some((name, args)) = string_literal(args) else {
            continue;
        };
        let Some(args) = args.trim_start().strip_prefix(',') else {
            continue;
        };
        let Some(comma) = top_level_comma(args) else {
            continue;
        };
        let default = args[..comma].trim().to_string();
        let Some((usage, _)) = string_literal(args[comma + 1..].trim_start()) else {
            continue;
        };
        out.push(Flag {
            name,
            kind: kind.to_lowercase(),
            default,
            usage,
        });
    }
    out
}

/// A Go interpreted ("...") or raw (`...`) string literal at the start of
/// `text`: its value and the text after it.
fn string_literal(text: &str) -> Option<(String, &str)> {
    if let Some(raw) = text.strip_prefix('`') {
        let end = raw.find('`')?;
        return Some((raw[..end].to_string(), &raw[end + 1..]));
    }
    let body = text.strip_prefix('"')?;
    let mut value = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &body[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                other => value.push(other),
            },
            '\n' => return None,
            c => value.push(c),
        }
    }
    None
}

/// The byte index of the first comma outside brackets and string literals.
fn top_level_comma(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q == '"' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '`' | '\'' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.checked_sub(1)?,
            ',' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"//go:build linux

// Command demo grows a heap (article 000). It then frees it, reporting
// phases.
package main

func main() {
	count := flag.Int("count", 10, "number of slices, e.g. \"10\"")
	hold := flag.Duration("hold", 500*time.Millisecond, "stay alive this long")
	size := flag.Int("size", f(1, 2), `raw, usage`)
	flag.Parse()
	probe.Phase("start")
	for k := 0; k < 2; k++ {
		probe.Phase("gc-" + strconv.Itoa(k))
	}
	probe.Phase("start")
}
"#;

    #[test]
    fn purpose_is_the_first_sentence_without_command_name() {
        assert_eq!(purpose(SOURCE), "demo grows a heap (article 000).");
        assert_eq!(
            purpose("// Package x does y\npackage x\n"),
            "Package x does y"
        );
        assert_eq!(purpose("package main\n"), "");
    }

    #[test]
    fn phases_in_order_once_with_built_names_marked() {
        assert_eq!(phases(SOURCE), ["start", "gc-<n>"]);
    }

    #[test]
    fn flags_with_defaults_and_usage() {
        let f = flags(SOURCE);
        let got: Vec<(&str, &str, &str, &str)> = f
            .iter()
            .map(|f| {
                (
                    f.name.as_str(),
                    f.kind.as_str(),
                    f.default.as_str(),
                    f.usage.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("count", "int", "10", "number of slices, e.g. \"10\""),
                (
                    "hold",
                    "duration",
                    "500*time.Millisecond",
                    "stay alive this long"
                ),
                ("size", "int", "f(1, 2)", "raw, usage"),
            ]
        );
    }

    #[test]
    fn every_bundled_fixture_describes_itself() {
        let fixtures = crate::build::fixture::Fixtures::bundled().unwrap();
        let names = fixtures.names();
        assert!(names.len() > 5, "{names:?}");
        for name in names {
            let info = read(&fixtures.source_dir.join(&name));
            assert!(!info.purpose.is_empty(), "{name}: no purpose");
            assert!(!info.phases.is_empty(), "{name}: no phases");
        }
        let bigbytes = read(&fixtures.source_dir.join("bigbytes"));
        assert_eq!(
            bigbytes.phases,
            ["start", "allocated", "collected", "freed"]
        );
        assert!(
            bigbytes
                .flags
                .iter()
                .any(|f| f.name == "count" && f.default == "10")
        );
    }
}
