//! The reference page: every path of every view is on the committed page,
//! resolves back to itself, and the page is what the table generates.

use super::*;

fn committed() -> (std::path::PathBuf, String) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PAGE);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    (path, text)
}

/// Every path of every view, each class and category included.
fn every_path() -> Vec<Path> {
    let mut all = Vec::new();
    for s in sections() {
        for p in s.paths {
            match p {
                Path::Maps(_, f) => all.extend(MapClass::ALL.map(|c| Path::Maps(c, f))),
                Path::LedgerRow(_, f) => {
                    all.extend(Category::ALL.map(|c| Path::LedgerRow(c, f)));
                }
                p => all.push(p),
            }
        }
    }
    all
}

/// The written name of a path with its class or category filled in.
fn concrete(p: Path) -> String {
    let doc = documented(p);
    match p {
        Path::Maps(c, _) => doc.replace("CLASS", c.name()),
        Path::LedgerRow(c, _) => doc.replace("CATEGORY", c.name()),
        _ => doc,
    }
}

/// Every path (every view, field, class and category) is a row of the
/// committed page, and its written name resolves back to it; every record
/// field is a row too.
#[test]
fn every_path_is_documented_and_every_documented_path_resolves() {
    let (_, page) = committed();
    let all = every_path();
    assert!(all.len() > 150, "{}", all.len());
    for p in all {
        let row = format!("| `{}` |", documented(p));
        assert!(page.contains(&row), "`{p}` is not documented in {PAGE}");
        assert_eq!(Path::resolve(&concrete(p)), Ok(p), "{p}");
    }
    for c in Collection::all() {
        let list = match c {
            Collection::Syscalls(_) => Collection::Syscalls(None),
            c => c,
        };
        for f in c.fields() {
            let row = format!("| `{}.{}` |", list.name(), written(f.name()));
            assert!(page.contains(&row), "{row} is not documented in {PAGE}");
            assert_eq!(c.field(written(f.name())), Some(f));
        }
    }
}

/// The committed page is what the table generates; with
/// GOMEMLAB_WRITE_REFERENCE=1 this writes it.
#[test]
fn the_committed_reference_is_current() {
    let (path, text) = committed();
    let page = markdown();
    if std::env::var_os("GOMEMLAB_WRITE_REFERENCE").is_some() {
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("docs/src/reference");
        std::fs::write(&path, &page).expect("the page is written");
        return;
    }
    assert!(
        text == page,
        "{PAGE} is stale: run `GOMEMLAB_WRITE_REFERENCE=1 cargo test --lib check::schema::reference` and commit it"
    );
}
