//! Which `go` builds the fixtures: `--go` (a release name like `go1.22.10`,
//! `go1.22` or `go1.26rc1`; `next` or `latest` as the module proxy lists
//! them; a GOROOT, or a `go` binary), else `$GOMEMLAB_GO`, else `go` on PATH. A named release missing from the cache is fetched the Go way
//! (see `cache.rs`); every toolchain's version comes from `go env GOVERSION`.

mod cache;
pub mod cache_root;
mod godebug;
mod newer;
mod probe;
mod version;

use std::path::{Path, PathBuf};

pub use cache::{
    FETCH_TIMEOUT, Fetch, Installed, fetch, installed, list_installed, toolchains_dir,
};
pub use newer::{Newer, latest, listed, newer_than_supported, next, pick};
pub use version::{
    ALL, GoVersion, LATEST, MIN_MINOR, NEXT, Stage, expand, release_name, supported,
};

const HOW_TO_GET: &str = "pass --go a release name (e.g. go1.22.10 or go1.26rc1, fetched \
     through the Go module proxy; `next` or `latest`), a GOROOT, or a `go` binary";

/// A usable Go toolchain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    /// The `go` command (an absolute path).
    pub go: PathBuf,
    /// What `go env GOVERSION` says.
    pub version: GoVersion,
}

#[derive(Debug, thiserror::Error)]
pub enum ToolchainError {
    #[error("no Go toolchain found ({looked}): {HOW_TO_GET}")]
    NotFound { looked: String },
    #[error("`{go}` does not work as a Go toolchain ({reason}): {HOW_TO_GET}")]
    Unusable { go: String, reason: String },
    #[error(
        "`{go}` is {version}, older than go1.{MIN_MINOR}: {HOW_TO_GET} of go1.{MIN_MINOR} or later"
    )]
    TooOld { go: String, version: String },
    #[error(
        "{name} is older than go1.{MIN_MINOR}, the oldest gomemlab supports: pick a later \
         release (`gomemlab toolchains` lists the supported ones)"
    )]
    Unsupported { name: String },
    #[error(
        "{name} is not installed and fetching it into {dir} failed ({reason}): check the network \
         and GOPROXY, fetch it elsewhere with `gomemlab toolchains --fetch {name}` and copy {dir}, \
         or pass --go a GOROOT or a `go` binary"
    )]
    FetchFailed {
        name: String,
        dir: String,
        reason: String,
    },
    #[error(
        "cannot ask the Go module proxy which Go versions exist ({reason}): check the network \
         and GOPROXY, or name the release (e.g. --go go1.26rc1)"
    )]
    ProxyFailed { reason: String },
    #[error(
        "no Go newer than {newest_supported} (the newest minor gomemlab supports) is out yet: \
         the Go module proxy's newest is {newest_listed}"
    )]
    NothingNewer {
        newest_supported: String,
        newest_listed: String,
    },
    #[error("`{ALL}` names several toolchains ({names}); here --go takes one, e.g. {first}")]
    Several { names: String, first: String },
    #[error(
        "GOEXPERIMENT={value} is set in your environment and `{go}` refuses it ({reason}): \
         unset GOEXPERIMENT (gomemlab builds with the GOEXPERIMENT of an experiment's settings \
         row, not the environment's)"
    )]
    GoexperimentFromEnv {
        value: String,
        go: String,
        reason: String,
    },
    #[error("--go names {0} twice: give each Go version once")]
    Twice(String),
    #[error(
        "`{0}` is not a release name go1.{MIN_MINOR}.N or later (e.g. go1.22.10, go1.22, \
         go1.26rc1, `all`, `next` or `latest`)"
    )]
    NotARelease(String),
    /// The toolchain named by `$GOMEMLAB_GO` (no `--go` given) is unusable.
    #[error("GOMEMLAB_GO={value}: {error} (set GOMEMLAB_GO to one of those, or unset it)")]
    FromEnv {
        value: String,
        error: Box<ToolchainError>,
    },
}

/// Finds the toolchain: `spec` (from `--go`), else `$GOMEMLAB_GO`, else `go`
/// on PATH, fetching a named release if needed (silently).
pub fn resolve(spec: Option<&str>) -> Result<Toolchain, ToolchainError> {
    resolve_with(spec, &mut |_| {})
}

/// The same, telling `on_fetch` when a named release is being downloaded.
pub fn resolve_with(
    spec: Option<&str>,
    on_fetch: &mut dyn FnMut(&Fetch),
) -> Result<Toolchain, ToolchainError> {
    let env_spec = std::env::var("GOMEMLAB_GO").ok().filter(|s| !s.is_empty());
    let found = resolve_spec(spec.or(env_spec.as_deref()), on_fetch);
    match (spec, env_spec, found) {
        // Named where it came from, so that the user knows what to change
        // (a scheduled `--go next` with nothing newer keeps its own exit).
        (None, Some(value), Err(error))
            if !matches!(
                error,
                ToolchainError::NothingNewer { .. } | ToolchainError::GoexperimentFromEnv { .. }
            ) =>
        {
            Err(ToolchainError::FromEnv {
                value,
                error: Box::new(error),
            })
        }
        (_, _, found) => found,
    }
}

/// Whether `--go` asks for several toolchains (repeated, or `all`): `run`
/// and `watch` then run on each and print the phases side by side.
pub fn several(gos: &[String]) -> bool {
    gos.len() > 1 || gos.iter().any(|g| g == ALL)
}

/// The toolchains `specs` name (`all`: the latest patch of every supported
/// minor), each resolved as [`resolve_with`]; an error when two are the
/// same Go version.
pub fn resolve_each_with(
    specs: &[String],
    on_fetch: &mut dyn FnMut(&Fetch),
) -> Result<Vec<Toolchain>, ToolchainError> {
    let toolchains: Vec<Toolchain> = expand(specs)
        .iter()
        .map(|g| resolve_with(Some(g), on_fetch))
        .collect::<Result<_, _>>()?;
    let names: Vec<String> = toolchains.iter().map(|t| t.version.name()).collect();
    match names
        .iter()
        .enumerate()
        .find(|(i, n)| names[..*i].contains(n))
    {
        Some((_, twice)) => Err(ToolchainError::Twice(twice.clone())),
        None => Ok(toolchains),
    }
}

/// The toolchains `specs` names ([`resolve_each_with`]), or the default
/// one ([`resolve_with`]) when it names none.
pub fn resolve_or_default_with(
    specs: &[String],
    on_fetch: &mut dyn FnMut(&Fetch),
) -> Result<Vec<Toolchain>, ToolchainError> {
    if specs.is_empty() {
        Ok(vec![resolve_with(None, on_fetch)?])
    } else {
        resolve_each_with(specs, on_fetch)
    }
}

/// The release `toolchains --fetch NAME` names (`next` and `latest` as the
/// Go module proxy lists them), installed or fetched now.
pub fn fetch_named(
    name: &str,
    on_fetch: &mut dyn FnMut(&Fetch),
) -> Result<Installed, ToolchainError> {
    let version = if name == NEXT || name == LATEST {
        Some(pick(name, &listed()?)?)
    } else {
        release_name(name)
    };
    let version = version
        .filter(GoVersion::is_supported_minor)
        .ok_or_else(|| ToolchainError::NotARelease(name.to_string()))?;
    match installed(version) {
        Some(found) => Ok(found),
        None => fetch(version, on_fetch),
    }
}

fn resolve_spec(
    spec: Option<&str>,
    on_fetch: &mut dyn FnMut(&Fetch),
) -> Result<Toolchain, ToolchainError> {
    let (go, expected) = match spec {
        Some(spec) => locate(spec, on_fetch)?,
        None => {
            let go = on_path("go").ok_or_else(|| ToolchainError::NotFound {
                looked: "no --go, no $GOMEMLAB_GO, no `go` on PATH".into(),
            })?;
            (go, None)
        }
    };
    let toolchain = probe(&go)?;
    match expected {
        Some(wanted) if wanted != toolchain.version => Err(ToolchainError::Unusable {
            go: go.display().to_string(),
            reason: format!("it says it is {}, not {wanted}", toolchain.version),
        }),
        _ => Ok(toolchain),
    }
}

/// Turns a `--go` value into an absolute path of a `go` command, and the
/// version it must be when the value named one.
fn locate(
    spec: &str,
    on_fetch: &mut dyn FnMut(&Fetch),
) -> Result<(PathBuf, Option<GoVersion>), ToolchainError> {
    if spec == ALL {
        let all: Vec<String> = supported().iter().map(GoVersion::name).collect();
        return Err(ToolchainError::Several {
            names: all.join(" "),
            first: all.first().cloned().unwrap_or_default(),
        });
    }
    if spec == NEXT || spec == LATEST {
        let version = newer::pick(spec, &listed()?)?;
        return Ok((named(version, on_fetch)?, Some(version)));
    }
    if let Some(version) = release_name(spec) {
        return Ok((named(version, on_fetch)?, Some(version)));
    }
    let path = Path::new(spec);
    let found = if path.is_dir() {
        // A GOROOT, or the folder a go.dev/dl tarball was unpacked in (its go/).
        [path.join("bin/go"), path.join("go/bin/go")]
            .into_iter()
            .find(|candidate| candidate.is_file())
            .ok_or_else(|| ToolchainError::NotFound {
                looked: format!("{spec} is a folder with no bin/go"),
            })?
    } else if path.is_file() {
        path.to_path_buf()
    } else if let Some(found) = on_path(spec).filter(|_| !spec.contains('/')) {
        found
    } else {
        return Err(ToolchainError::NotFound {
            looked: format!("{spec} does not exist"),
        });
    };
    let absolute = std::path::absolute(&found).map_err(|e| ToolchainError::Unusable {
        go: spec.to_string(),
        reason: e.to_string(),
    })?;
    Ok((absolute, None))
}

/// The `go` of release `version`: installed in the cache, else the `go` on
/// PATH when it is that release, else fetched.
fn named(version: GoVersion, on_fetch: &mut dyn FnMut(&Fetch)) -> Result<PathBuf, ToolchainError> {
    if !version.is_supported_minor() {
        return Err(ToolchainError::Unsupported {
            name: version.name(),
        });
    }
    if let Some(installed) = installed(version) {
        return Ok(installed.go());
    }
    if let Some(path_go) = on_path_toolchain().filter(|t| t.version == version) {
        return Ok(path_go.go);
    }
    Ok(fetch(version, on_fetch)?.go())
}

/// The `go` on PATH, when there is one that works.
pub fn on_path_toolchain() -> Option<Toolchain> {
    let go = std::path::absolute(on_path("go")?).ok()?;
    probe(&go).ok()
}

/// The `go` a command would find on `path` (a PATH value), when it works.
pub fn on_path_toolchain_in(path: &str) -> Option<Toolchain> {
    let go = std::env::split_paths(path)
        .map(|dir| dir.join("go"))
        .find(|p| p.is_file())?;
    probe(&std::path::absolute(go).ok()?).ok()
}

/// Toolchains from the system's packages: Debian's and Ubuntu's
/// `golang-1.X-go` (`/usr/lib/go-1.X`), oldest first.
pub fn system_toolchains() -> Vec<Toolchain> {
    let Ok(entries) = std::fs::read_dir("/usr/lib") else {
        return Vec::new();
    };
    let mut found: Vec<Toolchain> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("go-1."))
        .filter_map(|e| probe(&e.path().join("bin/go")).ok())
        .collect();
    found.sort_by_key(|t| t.version);
    found
}

/// `cmd` found in a PATH folder.
fn on_path(cmd: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(cmd))
        .find(|p| p.is_file())
}

/// Asks `go env GOVERSION GOROOT` (with a timeout) and checks the minimum.
fn probe(go: &Path) -> Result<Toolchain, ToolchainError> {
    let shown = go.display().to_string();
    let env = probe::go_env(go, &[], probe::ENV_TIMEOUT).map_err(|e| {
        let reason = e.to_string();
        // `go` reads GOEXPERIMENT from the environment: not the toolchain's fault.
        match std::env::var("GOEXPERIMENT") {
            Ok(value) if !value.is_empty() && reason.contains("GOEXPERIMENT") => {
                ToolchainError::GoexperimentFromEnv {
                    value,
                    go: shown.clone(),
                    reason,
                }
            }
            _ => ToolchainError::Unusable {
                go: shown.clone(),
                reason,
            },
        }
    })?;
    if !env.version.is_supported_minor() {
        return Err(ToolchainError::TooOld {
            go: shown,
            version: env.version.name(),
        });
    }
    Ok(Toolchain {
        go: go.to_path_buf(),
        version: env.version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_release_before_the_minimum_is_refused_before_any_download() {
        let err = named(GoVersion::parse("go1.0.99").unwrap(), &mut |_| {
            panic!("nothing should be fetched")
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("older than go1.19"), "{err}");
    }

    #[test]
    fn all_is_refused_where_one_toolchain_is_needed() {
        let err = locate(ALL, &mut |_| {}).unwrap_err().to_string();
        assert!(err.contains("several toolchains"), "{err}");
        assert!(err.contains(&supported()[0].name()), "{err}");
    }

    #[test]
    fn a_missing_path_says_what_to_pass() {
        let err = locate("/no/such/go", &mut |_| {}).unwrap_err().to_string();
        assert!(
            err.contains("/no/such/go does not exist") && err.contains("GOROOT"),
            "{err}"
        );
        let err = locate("/", &mut |_| {}).unwrap_err().to_string();
        assert!(err.contains("a folder with no bin/go"), "{err}");
    }
}
