//! What the Go module proxy serves beyond `supported()`: the versions of the
//! `golang.org/toolchain` module for this machine, and from them `--go next`
//! (the newest release or release candidate of a minor newer than the newest
//! supported one), `--go latest` (the newest release), and the list
//! `toolchains --check` prints (releases and release candidates newer than
//! the supported patch of their minor, or of a newer minor).

use std::path::Path;

use super::ToolchainError;
use super::cache::{mod_cache, platform, toolchains_dir};
use super::probe;
use super::version::{GoVersion, MIN_MINOR, supported};

/// The module whose versions are Go's toolchains.
const MODULE: &str = "golang.org/toolchain";

/// Asks the module proxy (through the `go` on PATH and `GOPROXY`) which Go
/// versions it serves for this machine, oldest first.
pub fn listed() -> Result<Vec<GoVersion>, ToolchainError> {
    let fail = |reason: String| ToolchainError::ProxyFailed { reason };
    let bootstrap = super::on_path("go")
        .ok_or_else(|| fail("asking runs the `go` on PATH, and there is none".into()))?;
    let dir = toolchains_dir();
    std::fs::create_dir_all(&dir).map_err(|e| fail(format!("cannot create the cache: {e}")))?;
    let (mod_dir, gopath) = (mod_cache(&dir), dir.join("gopath"));
    let env: [(&str, &Path); 2] = [("GOMODCACHE", &mod_dir), ("GOPATH", &gopath)];
    let versions =
        probe::list_versions(&bootstrap, MODULE, &env, probe::ENV_TIMEOUT).map_err(|e| {
            let proxy =
                std::env::var("GOPROXY").map_or(String::new(), |p| format!("; GOPROXY={p}"));
            fail(format!("{e}{proxy}"))
        })?;
    Ok(parse_listing(&versions, &platform()))
}

/// The Go versions among module versions `v0.0.1-go1.26rc1.linux-amd64` for
/// `platform`, oldest first, each once.
pub fn parse_listing(module_versions: &[String], platform: &str) -> Vec<GoVersion> {
    let suffix = format!(".{platform}");
    let mut out: Vec<GoVersion> = module_versions
        .iter()
        .filter_map(|v| {
            let name = v.strip_prefix("v0.0.1-")?.strip_suffix(&suffix)?;
            GoVersion::parse(name).filter(|g| g.name() == name)
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The newest supported version (`supported()` is oldest first).
fn newest_supported() -> GoVersion {
    supported()
        .last()
        .copied()
        .unwrap_or(GoVersion::release(1, MIN_MINOR, 0))
}

/// `--go next`: the newest release or release candidate in `listed` whose
/// minor is newer than the newest supported minor.
pub fn next(listed: &[GoVersion]) -> Option<GoVersion> {
    let newest = newest_supported();
    listed
        .iter()
        .filter(|v| (v.major, v.minor) > (newest.major, newest.minor))
        .max()
        .copied()
}

/// `--go latest`: the newest release (no pre-release) in `listed`.
pub fn latest(listed: &[GoVersion]) -> Option<GoVersion> {
    listed.iter().filter(|v| !v.is_prerelease()).max().copied()
}

/// One version the proxy serves that `supported()` does not cover yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Newer {
    pub version: GoVersion,
    /// The supported version of its minor it is newer than, when its minor
    /// is supported (a new patch); `None` for a newer minor.
    pub replaces: Option<GoVersion>,
}

/// Every listed version newer than what `supported()` names for its minor,
/// and every version of a newer minor (releases and pre-releases), oldest first.
pub fn newer_than_supported(listed: &[GoVersion]) -> Vec<Newer> {
    let supported = supported();
    let newest = newest_supported();
    listed
        .iter()
        .filter_map(|v| {
            let same_minor = supported
                .iter()
                .find(|s| (s.major, s.minor) == (v.major, v.minor));
            match same_minor {
                Some(s) if v > s => Some(Newer {
                    version: *v,
                    replaces: Some(*s),
                }),
                None if (v.major, v.minor) > (newest.major, newest.minor) => Some(Newer {
                    version: *v,
                    replaces: None,
                }),
                _ => None,
            }
        })
        .collect()
}

/// Resolves `next` or `latest` from the proxy's listing.
pub fn pick(name: &str, listed: &[GoVersion]) -> Result<GoVersion, ToolchainError> {
    if name != super::version::NEXT {
        return latest(listed).ok_or_else(|| ToolchainError::ProxyFailed {
            reason: format!("it lists no Go release for {}", platform()),
        });
    }
    next(listed).ok_or_else(|| ToolchainError::NothingNewer {
        newest_supported: newest_supported().minor_name(),
        newest_listed: listed
            .iter()
            .max()
            .map_or_else(|| "nothing".to_string(), GoVersion::name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The proxy's listing of `names` for linux-amd64, parsed.
    fn listed(names: &[String]) -> Vec<GoVersion> {
        let raw: Vec<String> = names
            .iter()
            .map(|n| format!("v0.0.1-{n}.linux-amd64"))
            .collect();
        parse_listing(&raw, "linux-amd64")
    }

    fn v(s: &str) -> GoVersion {
        GoVersion::parse(s).unwrap()
    }

    /// A version `minors` minors past the newest supported one
    /// (`ahead(1, "rc1")`), so the tests hold when `supported()` moves.
    fn ahead(minors: u32, suffix: &str) -> String {
        format!("go1.{}{suffix}", newest_supported().minor + minors)
    }

    #[test]
    fn the_listing_keeps_this_platform_and_sorts_as_go_does() {
        let mut raw: Vec<String> = ["go1.26rc1", "go1.25.14", "go1.26.0", "go1.9.2rc2"]
            .iter()
            .map(|n| format!("v0.0.1-{n}.linux-amd64"))
            .collect();
        raw.push("v0.0.1-go1.26.1.darwin-arm64".into());
        raw.push("v0.0.1-go1.26rc1.linux-amd64".into());
        let got: Vec<String> = parse_listing(&raw, "linux-amd64")
            .iter()
            .map(GoVersion::name)
            .collect();
        assert_eq!(got, ["go1.25.14", "go1.26rc1", "go1.26.0"]);
    }

    #[test]
    fn next_is_the_newest_past_the_newest_supported_minor() {
        let newest = newest_supported();
        let only_supported = listed(&[newest.name(), ahead(0, "rc1")]);
        assert_eq!(next(&only_supported), None);
        let err = pick(super::super::version::NEXT, &only_supported)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&newest.minor_name()) && err.contains(&newest.name()),
            "{err}"
        );

        let rcs = listed(&[newest.name(), ahead(1, "rc1"), ahead(1, "rc2")]);
        assert_eq!(next(&rcs), Some(v(&ahead(1, "rc2"))));
        assert_eq!(latest(&rcs), Some(newest));

        let released = listed(&[ahead(1, "rc2"), ahead(1, ".0"), ahead(2, "rc1")]);
        assert_eq!(next(&released), Some(v(&ahead(2, "rc1"))));
        assert_eq!(latest(&released), Some(v(&ahead(1, ".0"))));
    }

    #[test]
    fn check_lists_new_patches_and_new_minors_only() {
        let newest = newest_supported();
        let new_patch = GoVersion::release(1, newest.minor, newest.patch + 1);
        let found = newer_than_supported(&listed(&[
            "go1.18.10".to_string(),
            newest.name(),
            ahead(0, "rc1"),
            new_patch.name(),
            ahead(1, "rc1"),
        ]));
        let expected = [
            Newer {
                version: new_patch,
                replaces: Some(newest),
            },
            Newer {
                version: v(&ahead(1, "rc1")),
                replaces: None,
            },
        ];
        assert_eq!(found, expected);
    }
}
