//! `gomemlab toolchains`: which Go toolchains are installed and where, and
//! `--fetch` to download releases ahead of time; plus the progress lines every
//! command prints while a `--go` release is fetched.

use std::io::Write as _;
use std::path::Path;

use anyhow::Result;

use crate::toolchain::{self, Fetch, GoVersion, Installed, Toolchain, ToolchainError};

#[derive(Debug, clap::Args)]
pub struct ToolchainsArgs {
    /// Download these releases into the cache now (go1.22.10, go1.22 for the
    /// latest supported patch, or `all` for every supported minor).
    #[arg(long, value_name = "VERSION", num_args = 1..)]
    fetch: Vec<String>,
}

/// `toolchain::resolve`, printing a line on stderr while a release is fetched.
pub fn resolve(spec: Option<&str>) -> Result<Toolchain, ToolchainError> {
    toolchain::resolve_with(spec, &mut print_progress)
}

fn print_progress(event: &Fetch) {
    match event {
        Fetch::Started { version, into } => eprintln!(
            "fetching {version} (golang.org/toolchain through the Go module proxy) into {} ...",
            into.display()
        ),
        Fetch::Done {
            version,
            goroot,
            elapsed,
        } => eprintln!(
            "fetched {version} in {:.1} s: {}",
            elapsed.as_secs_f64(),
            goroot.display()
        ),
    }
}

pub fn run(args: ToolchainsArgs) -> Result<()> {
    let mut out = std::io::stdout();
    if !args.fetch.is_empty() {
        for name in toolchain::expand(&args.fetch) {
            let version = toolchain::release_name(&name)
                .filter(GoVersion::is_supported_minor)
                .ok_or_else(|| {
                    super::UsageError(format!(
                        "`{name}` is not a release name go1.{}.N or later (e.g. go1.22.10, \
                         go1.22, or `all`)",
                        toolchain::MIN_MINOR
                    ))
                })?;
            let installed = match toolchain::installed(version) {
                Some(found) => found,
                None => toolchain::fetch(version, &mut print_progress)?,
            };
            writeln!(out, "{}", line(&installed, None))?;
        }
        return Ok(());
    }
    let on_path = toolchain::on_path_toolchain();
    let text = listing(
        &toolchain::list_installed(),
        on_path.as_ref(),
        &toolchain::system_toolchains(),
        &toolchain::toolchains_dir(),
    );
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// The listing: one line per toolchain (version, GOROOT, note), the cache
/// folder, and the supported releases not installed yet.
fn listing(
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

fn line(installed: &Installed, note: Option<&str>) -> String {
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
