//! The stage picture, kept true: reads every file under `src/` and fails when
//! a top-level module imports (`crate::NAME`) one at its own layer or above.
//! The layers, bottom first, are [`LAYERS`]; the data model (`timeline`)
//! imports no stage, and the command line sits on top.

use std::fs;
use std::path::{Path, PathBuf};

/// Top-level modules, bottom first. A module may import only modules of a
/// lower layer (and itself).
const LAYERS: &[&[&str]] = &[
    &["timeline"],
    &["cleanup"],
    &["toolchain"],
    &["fixture"],
    &["measure"],
    &["run"],
    &["analyze"],
    &["check"],
    &["experiment"],
    &["report"],
    &["lab"],
    &["cli"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comments: whole-line comments (`//`,
/// `//!`, `///`) and trailing ` // ...` ones. Intra-doc links name modules
/// without importing them.
fn code(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .map(|line| line.find(" // ").map_or(line, |at| &line[..at]))
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The top-level modules a file's code names through `crate::`, including
/// the groups of `use crate::{a::X, b::{Y, Z}}`.
fn imports(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = code[at + "crate::".len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if c.is_whitespace() => {}
                    _ if start => {
                        start = false;
                        found.push(ident(&group[i..]).to_string());
                    }
                    _ => {}
                }
            }
        } else {
            found.push(ident(rest).to_string());
        }
    }
    found
}

/// Every import that points to the importer's own layer or above, as
/// `file: importer -> imported` lines.
fn upward_imports(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut bad = Vec::new();
    for file in files {
        let rel = file.strip_prefix(src).expect("under src/");
        let first = rel.components().next().expect("a path");
        let first = first.as_os_str().to_string_lossy();
        let module = first.strip_suffix(".rs").unwrap_or(&first).to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let own = layer(&module).unwrap_or_else(|| {
            panic!("src/{first} is in no layer: add `{module}` to LAYERS in tests/architecture.rs")
        });
        let text = fs::read_to_string(&file).expect("a readable source file");
        for imported in imports(&code(&text)) {
            if imported == module || imported.is_empty() {
                continue;
            }
            let Some(to) = layer(&imported) else {
                bad.push(format!(
                    "src/{}: `crate::{imported}` is in no layer",
                    rel.display()
                ));
                continue;
            };
            if to >= own {
                bad.push(format!(
                    "src/{}: {module} imports {imported}, which is not below it",
                    rel.display()
                ));
            }
        }
    }
    bad.sort();
    bad.dedup();
    bad
}

#[test]
fn stages_import_only_the_stages_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bad = upward_imports(&src);
    assert!(
        bad.is_empty(),
        "imports must point down the layers (bottom first: {LAYERS:?}):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_scanner_sees_imports_and_skips_comments() {
    let text = "//! see [`crate::cli`]\nuse crate::{\n    run::X,\n    report::{a, b},\n};\n\
                let n = crate::measure::f(); // not crate::lab\n    /// [`crate::cli`]";
    assert_eq!(imports(&code(text)), ["run", "report", "measure"]);
}

#[test]
fn every_top_level_module_is_in_a_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in fs::read_dir(&src).expect("src/") {
        let name = entry.expect("an entry").file_name();
        let name = name.to_string_lossy();
        let module = name.strip_suffix(".rs").unwrap_or(&name);
        if module == "lib" || module == "main" {
            continue;
        }
        assert!(
            layer(module).is_some(),
            "src/{name}: add `{module}` to LAYERS"
        );
    }
}

/// `pub struct/enum/trait/type NAME` declared in more than one file.
fn duplicate_public_types(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut seen: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for file in files {
        let text = fs::read_to_string(&file).expect("a readable source file");
        for line in code(&text).lines() {
            let line = line.trim_start();
            for kind in ["pub struct ", "pub enum ", "pub trait ", "pub type "] {
                if let Some(rest) = line.strip_prefix(kind) {
                    let rel = file.strip_prefix(src).expect("under src/");
                    seen.entry(ident(rest).to_string())
                        .or_default()
                        .push(rel.display().to_string());
                }
            }
        }
    }
    seen.into_iter()
        .filter(|(_, files)| files.len() > 1)
        .map(|(name, files)| format!("{name}: {}", files.join(", ")))
        .collect()
}

#[test]
fn public_type_names_are_unique() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let twice = duplicate_public_types(&src);
    assert!(
        twice.is_empty(),
        "public type names declared twice:\n{}",
        twice.join("\n")
    );
}

/// Run data and the check language's run-time side, by name: the syntax
/// side of `src/check/` may name none of them.
const RUN_DATA: &[&str] = &[
    "Analyzed",
    "Analysis",
    "Timeline",
    "OsView",
    "GoView",
    "MapsInventory",
    "SyscallEvent",
    "GcEvent",
    "ScavEvent",
    "serde_json",
    "eval",
    "claim",
];

/// Whether the syntax side may name `crate::{rest}`: the check language
/// itself, and the name enums its schema re-exports.
fn names_only(rest: &str) -> bool {
    const NAMES: &[&str] = &["MapClass", "Syscall"];
    if rest.starts_with("check::") || rest.starts_with("analyze::ledger::Category") {
        return true;
    }
    let Some(rest) = rest.strip_prefix("timeline::") else {
        return false;
    };
    match rest.strip_prefix('{') {
        Some(group) => group
            .split('}')
            .next()
            .unwrap_or("")
            .split(',')
            .all(|n| NAMES.contains(&n.trim())),
        None => NAMES.contains(&ident(rest)),
    }
}

/// Where a file of the check language's syntax side (every file of
/// `src/check/` but the module root, the evaluator `eval` and the verdicts
/// `claim`) names run data or the evaluator, as `file: name` lines.
fn syntax_naming_runs(check: &Path) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(check, &mut files);
    let mut bad = Vec::new();
    for file in files {
        let rel = file.strip_prefix(check).expect("under src/check/");
        let first = rel.components().next().expect("a path");
        let first = first.as_os_str().to_string_lossy();
        if ["eval.rs", "eval", "claim.rs"].contains(&first.as_ref()) {
            continue;
        }
        let text = fs::read_to_string(&file).expect("a readable source file");
        let code = code(&text);
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            if !names_only(rest) {
                let path = rest.split([';', '\n']).next().unwrap_or("");
                bad.push(format!("src/check/{}: crate::{path}", rel.display()));
            }
        }
        let mut rest = code.as_str();
        while let Some(at) = rest.find(|c: char| c.is_alphabetic() || c == '_') {
            let word = ident(&rest[at..]);
            if RUN_DATA.contains(&word) {
                bad.push(format!("src/check/{}: {word}", rel.display()));
            }
            rest = &rest[at + word.len().max(1)..];
        }
    }
    bad.sort();
    bad.dedup();
    bad
}

/// The check language stands alone: its syntax tree, parser and schema
/// name the schema's names only; reading a run is the evaluator's.
#[test]
fn the_check_syntax_names_no_run_data() {
    let check = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/check");
    let bad = syntax_naming_runs(&check);
    assert!(
        bad.is_empty(),
        "the check language's syntax side (all of src/check/ but eval and claim) names run data; \
         reading a run belongs in src/check/eval:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_syntax_side_may_name_the_schemas_name_enums_only() {
    assert!(names_only("check::ast::Dim;"));
    assert!(names_only("timeline::{MapClass, Syscall};"));
    assert!(names_only("analyze::ledger::Category;"));
    assert!(!names_only("timeline::{MapClass, Phase};"));
    assert!(!names_only("timeline::Timeline;"));
    assert!(!names_only("analyze::Analyzed;"));
}
