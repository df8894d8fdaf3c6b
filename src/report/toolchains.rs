//! What `gomemlab toolchains` prints: the installed toolchains with their
//! places and what is missing, and `--check`'s newer releases; and the
//! line every command prints while a `--go` release is fetched.

use std::path::Path;

use crate::toolchain::{self, Fetch, GoVersion, Installed, Toolchain};

/// The line told while a release is fetched: when it starts, when it is done.
pub fn fetch_line(event: &Fetch) -> String {
    match event {
        Fetch::Started { version, into } => format!(
            "fetching {version} (golang.org/toolchain through the Go module proxy) into {} ...",
            into.display()
        ),
        Fetch::Done {
            version,
            goroot,
            elapsed,
        } => format!(
            "fetched {version} in {:.1} s: {}",
            elapsed.as_secs_f64(),
            goroot.display()
        ),
    }
}

/// The listing: one line per toolchain (version, GOROOT, note), the cache
/// folder, and the supported releases not installed yet.
pub fn listing(
    installed: &[Installed],
    on_path: Option<&Toolchain>,
    system: &[Toolchain],
    dir: &Path,
) -> String {
    let mut rows: Vec<(Installed, Option<&str>)> =
        installed.iter().map(|i| (i.clone(), None)).collect();
    let others = on_path.map(|t| (t, "go on PATH")).into_iter().chain(
        system
            .iter()
            .map(|t| (t, "system package: pass --go with its path")),
    );
    for (t, note) in others {
        let goroot = t.go.parent().and_then(Path::parent).unwrap_or(&t.go);
        let found = Installed {
            version: t.version,
            goroot: goroot.to_path_buf(),
        };
        rows.push((found, Some(note)));
    }
    rows.sort_by_key(|(i, _)| i.version);
    let lines: Vec<String> = rows.iter().map(|(i, note)| line(i, *note)).collect();
    let mut text = lines.join("\n");
    if lines.is_empty() {
        text.push_str("no Go toolchain installed");
    }
    text.push_str(&format!("\ncache: {}\n", dir.display()));
    let have = |v: &GoVersion| {
        installed.iter().any(|i| i.version == *v) || on_path.is_some_and(|t| t.version == *v)
    };
    let missing: Vec<String> = toolchain::supported()
        .iter()
        .filter(|v| !have(v))
        .map(GoVersion::name)
        .collect();
    if !missing.is_empty() {
        text.push_str(&format!(
            "supported, not installed: {} (`gomemlab toolchains --fetch all`, or --go fetches on use)\n",
            missing.join(" ")
        ));
    }
    text
}

/// `--check`: the listed versions newer than `supported()`, one a line
/// with what each is, or a line saying there are none.
pub fn check_text(listed: &[GoVersion]) -> String {
    let supported = toolchain::supported();
    let newest = supported.last().map(GoVersion::name).unwrap_or_default();
    let newer = toolchain::newer_than_supported(listed);
    let mut text = format!(
        "the Go module proxy serves {} Go versions for this machine; gomemlab supports up to {newest}\n",
        listed.len()
    );
    if newer.is_empty() {
        text.push_str("nothing newer than the supported versions\n");
        return text;
    }
    let next = toolchain::next(listed);
    for n in &newer {
        let kind = if n.version.is_prerelease() {
            "pre-release"
        } else {
            "release"
        };
        let what = match n.replaces {
            Some(old) => format!("{kind}: a newer patch than the supported {old}"),
            None => format!("{kind} of a minor newer than the supported ones"),
        };
        let mark = if Some(n.version) == next {
            "  (--go next)"
        } else {
            ""
        };
        text.push_str(&format!("{:<10} {what}{mark}\n", n.version.name()));
    }
    text
}

pub fn line(installed: &Installed, note: Option<&str>) -> String {
    let text = format!(
        "{:<10} {}",
        installed.version.name(),
        installed.goroot.display()
    );
    match note {
        Some(note) => format!("{text}  ({note})"),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn the_listing_names_each_toolchain_its_place_and_what_is_missing() {
        let v = |s| GoVersion::parse(s).unwrap();
        let installed = [Installed {
            version: v("go1.21.13"),
            goroot: PathBuf::from("/c/mod/golang.org/toolchain@v0.0.1-go1.21.13.linux-amd64"),
        }];
        let on_path = Toolchain {
            go: PathBuf::from("/usr/local/go/bin/go"),
            version: v("go1.26.8"),
        };
        let debian = Toolchain {
            go: PathBuf::from("/usr/lib/go-1.19/bin/go"),
            version: v("go1.19.8"),
        };
        let text = listing(&installed, Some(&on_path), &[debian], Path::new("/c"));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "go1.19.8   /usr/lib/go-1.19  (system package: pass --go with its path)"
        );
        assert_eq!(
            lines[1],
            "go1.21.13  /c/mod/golang.org/toolchain@v0.0.1-go1.21.13.linux-amd64"
        );
        assert_eq!(lines[2], "go1.26.8   /usr/local/go  (go on PATH)");
        assert_eq!(lines[3], "cache: /c");
        assert!(lines[4].starts_with("supported, not installed: go1.19.13 go1.20.14 go1.22"));
        assert!(!lines[4].contains("go1.21.13"), "{}", lines[4]);
    }
}
