//! gomemlab's toolchain cache: where named toolchains (`go1.22.10`) are
//! found, and how a missing one is fetched the Go way — the `go` on PATH runs
//! with `GOTOOLCHAIN=go1.22.10` and `GOMODCACHE` in the cache, so Go itself
//! downloads the `golang.org/toolchain` module through `GOPROXY`, checks it
//! against `GOSUMDB` and marks its binaries executable.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::ToolchainError;
use super::probe::{self, GoEnv};
use super::version::GoVersion;

/// How long one toolchain download may take (about 70 MB).
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(600);

/// What a fetch is doing, for the caller to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetch {
    /// Downloading `version` into the cache `into`.
    Started { version: GoVersion, into: PathBuf },
    /// Fetched and checked: it runs and says it is `version`.
    Done {
        version: GoVersion,
        goroot: PathBuf,
        elapsed: Duration,
    },
}

/// A toolchain found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub version: GoVersion,
    pub goroot: PathBuf,
}

impl Installed {
    /// Its `go` command.
    pub fn go(&self) -> PathBuf {
        self.goroot.join("bin/go")
    }
}

/// Where named toolchains live: `$GOMEMLAB_TOOLCHAINS`, else `toolchains/`
/// in the [cache root](crate::toolchain::cache_root::cache_root).
pub fn toolchains_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("GOMEMLAB_TOOLCHAINS").filter(|d| !d.is_empty()) {
        // Go wants an absolute GOMODCACHE.
        return std::path::absolute(&dir).unwrap_or_else(|_| PathBuf::from(dir));
    }
    crate::toolchain::cache_root::cache_root().join("toolchains")
}

/// The module cache gomemlab fetches into (`GOMODCACHE` of the fetch).
fn mod_cache(dir: &Path) -> PathBuf {
    dir.join("mod")
}

/// The user's own module cache, where `GOTOOLCHAIN=go1.X.Y go ...` leaves
/// toolchains: `$GOMODCACHE`, else `$GOPATH/pkg/mod`, else `~/go/pkg/mod`.
fn user_mod_cache() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GOMODCACHE").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(dir));
    }
    let gopath = std::env::var_os("GOPATH")
        .and_then(|p| std::env::split_paths(&p).next())
        .filter(|p| !p.as_os_str().is_empty())
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join("go")))?;
    Some(gopath.join("pkg/mod"))
}

/// This machine as Go names it: `linux-amd64`.
fn platform() -> String {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{}-{arch}", std::env::consts::OS)
}

/// The module version of a toolchain for this machine: `v0.0.1-go1.22.10.linux-amd64`.
fn module_version(version: GoVersion) -> String {
    format!("v0.0.1-{}.{}", version.name(), platform())
}

/// Every place a named toolchain may be, best first: gomemlab's module
/// cache, a go.dev/dl tarball unpacked into `DIR/go1.X.Y` (its `go/` or
/// itself), then the user's module cache.
fn candidates(dir: &Path, version: GoVersion) -> Vec<PathBuf> {
    let module = format!("golang.org/toolchain@{}", module_version(version));
    let unpacked = dir.join(version.name());
    let mut roots = vec![mod_cache(dir).join(&module), unpacked.join("go"), unpacked];
    roots.extend(user_mod_cache().map(|m| m.join(&module)));
    roots
}

/// A GOROOT whose `bin/go` is whole: executable, and not mid-extraction.
fn is_complete(goroot: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let partial = goroot.as_os_str().to_string_lossy().into_owned() + ".partial";
    let executable = std::fs::metadata(goroot.join("bin/go"))
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0);
    executable && !Path::new(&partial).exists()
}

/// The installed toolchain `version`, if any.
pub fn installed(version: GoVersion) -> Option<Installed> {
    candidates(&toolchains_dir(), version)
        .into_iter()
        .find(|root| is_complete(root))
        .map(|goroot| Installed { version, goroot })
}

/// Every toolchain installed in gomemlab's cache or the user's module cache,
/// by version (the first place wins when one is in both).
pub fn list_installed() -> Vec<Installed> {
    let dir = toolchains_dir();
    let module_suffix = format!(".{}", platform());
    let mut versions = scan(
        &mod_cache(&dir).join("golang.org"),
        "toolchain@v0.0.1-",
        &module_suffix,
    );
    versions.extend(scan(&dir, "", ""));
    if let Some(user) = user_mod_cache() {
        versions.extend(scan(
            &user.join("golang.org"),
            "toolchain@v0.0.1-",
            &module_suffix,
        ));
    }
    versions.sort();
    versions.dedup();
    versions.into_iter().filter_map(installed).collect()
}

/// Release versions named by the entries `PREFIX go1.X.Y SUFFIX` of `folder`.
fn scan(folder: &Path, prefix: &str, suffix: &str) -> Vec<GoVersion> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let text = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
            GoVersion::parse(text).filter(|v| v.name() == text)
        })
        .collect()
}

/// Downloads `version` into the cache with Go's own toolchain switch, using
/// the `go` on PATH, and checks that the result runs and is `version`.
pub fn fetch(
    version: GoVersion,
    on_progress: &mut dyn FnMut(&Fetch),
) -> Result<Installed, ToolchainError> {
    let dir = toolchains_dir();
    let fail = |reason: String| ToolchainError::FetchFailed {
        name: version.name(),
        dir: dir.display().to_string(),
        reason,
    };
    let bootstrap = super::on_path("go").ok_or_else(|| {
        fail("fetching runs the `go` on PATH (go1.21 or later), and there is none".into())
    })?;
    std::fs::create_dir_all(&dir).map_err(|e| fail(format!("cannot create the cache: {e}")))?;
    on_progress(&Fetch::Started {
        version,
        into: dir.clone(),
    });
    let started = Instant::now();
    let mod_dir = mod_cache(&dir);
    let gopath = dir.join("gopath");
    let name = version.name();
    let env: [(&str, &Path); 3] = [
        ("GOTOOLCHAIN", Path::new(&name)),
        ("GOMODCACHE", &mod_dir),
        ("GOPATH", &gopath),
    ];
    let GoEnv {
        version: got,
        goroot,
    } = probe::go_env(&bootstrap, &env, FETCH_TIMEOUT).map_err(|e| {
        let proxy = std::env::var("GOPROXY").map_or(String::new(), |p| format!("; GOPROXY={p}"));
        fail(format!("{e}{proxy}"))
    })?;
    let goroot = if got == version {
        goroot
    } else {
        // A go older than go1.21 ignores GOTOOLCHAIN: download the same module
        // with `go mod download`, then do what the switch does (mark it executable).
        let module = format!("golang.org/toolchain@{}", module_version(version));
        let root = probe::mod_download(&bootstrap, &module, &env[1..], FETCH_TIMEOUT)
            .map_err(|e| fail(e.to_string()))?;
        make_executable(&root).map_err(|e| fail(format!("cannot mark it executable: {e}")))?;
        let answer = probe::go_env(&root.join("bin/go"), &[], probe::ENV_TIMEOUT)
            .map_err(|e| fail(e.to_string()))?;
        if answer.version != version {
            return Err(fail(format!("it says it is {}", answer.version)));
        }
        answer.goroot
    };
    on_progress(&Fetch::Done {
        version,
        goroot: goroot.clone(),
        elapsed: started.elapsed(),
    });
    Ok(Installed { version, goroot })
}

/// Marks the commands of a toolchain module executable (a module zip keeps
/// no file modes): `bin/*` and `pkg/tool/*/*`, as Go's toolchain switch does.
fn make_executable(goroot: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut folders = vec![goroot.join("bin")];
    for entry in std::fs::read_dir(goroot.join("pkg/tool"))? {
        folders.push(entry?.path());
    }
    for folder in folders {
        for entry in std::fs::read_dir(folder)? {
            let path = entry?.path();
            let mode = std::fs::metadata(&path)?.permissions().mode();
            if path.is_file() && mode & 0o111 == 0 {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode | 0o555))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_versions_name_the_platform() {
        let v = GoVersion::parse("go1.22.10").unwrap();
        let text = module_version(v);
        assert!(text.starts_with("v0.0.1-go1.22.10.linux-"), "{text}");
    }

    #[test]
    fn the_cache_module_comes_first() {
        let v = GoVersion::parse("go1.22.10").unwrap();
        let roots = candidates(Path::new("/c"), v);
        assert!(roots[0].starts_with("/c/mod/golang.org"), "{roots:?}");
        assert_eq!(roots[1], Path::new("/c/go1.22.10/go"));
    }
}
