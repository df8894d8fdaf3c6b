//! Go release versions (`go1.22.10`), the supported minors and the names
//! `--go` accepts for them (`go1.22.10`, `go1.22`, `all`).

/// The oldest Go gomemlab supports (runtime/metrics classes it reads exist since 1.16;
/// fixtures are written for 1.19+).
pub const MIN_MINOR: u32 = 19;

/// The latest patch of every supported minor, oldest first: what `--go all`
/// means, what CI covers. Checked against the Go module proxy with
/// `go list -m -versions golang.org/toolchain` (newest `linux-amd64` patch per minor).
const SUPPORTED: &[(u32, u32)] = &[
    (19, 13),
    (20, 14),
    (21, 13),
    (22, 12),
    (23, 12),
    (24, 13),
    (25, 14),
    (26, 11),
    (27, 4),
];

/// The name `--go` takes for every supported version at once.
pub const ALL: &str = "all";

/// A released Go version `go1.MINOR.PATCH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
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

    /// The version as `go env GOVERSION` prints it for a release.
    pub fn name(&self) -> String {
        format!("go{}.{}.{}", self.major, self.minor, self.patch)
    }

    /// `go1.26`: the key snapshots and the go.mod `go` line use.
    pub fn minor_name(&self) -> String {
        format!("go{}.{}", self.major, self.minor)
    }

    /// Whether gomemlab supports this version (go1.19 and later).
    pub fn is_supported_minor(&self) -> bool {
        self.major == 1 && self.minor >= MIN_MINOR
    }
}

impl std::fmt::Display for GoVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// The latest patch of every supported minor, oldest first.
pub fn supported() -> Vec<GoVersion> {
    SUPPORTED
        .iter()
        .map(|&(minor, patch)| GoVersion {
            major: 1,
            minor,
            patch,
        })
        .collect()
}

/// Reads a release name as `--go` takes it: `go1.22.10` exactly, or `go1.22`
/// for the supported latest patch of that minor. `None` for anything else
/// (paths, pre-releases, `all`).
pub fn release_name(text: &str) -> Option<GoVersion> {
    let version = GoVersion::parse(text)?;
    if version.name() == text {
        return Some(version);
    }
    if version.minor_name() == text {
        return Some(
            supported()
                .into_iter()
                .find(|s| s.minor_name() == text)
                .unwrap_or(version),
        );
    }
    None
}

/// Expands `all` in a list of `--go` values into the supported versions,
/// keeping the order and dropping repeats.
pub fn expand(specs: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for spec in specs {
        let names = if spec == ALL {
            supported().iter().map(GoVersion::name).collect()
        } else {
            vec![spec.clone()]
        };
        for name in names {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_release_versions() {
        let v = GoVersion::parse("go1.26.8").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (1, 26, 8));
        assert_eq!(v.minor_name(), "go1.26");
        assert_eq!(GoVersion::parse("go1.22").unwrap().patch, 0);
        assert_eq!(GoVersion::parse("go1.23rc1").unwrap().minor, 23);
        assert!(GoVersion::parse("1.21").is_none());
        assert!(GoVersion::parse("gox.1").is_none());
        assert!(GoVersion::parse("devel go1.27-abc").is_none());
    }

    #[test]
    fn release_names_are_exact_versions_or_supported_minors() {
        assert_eq!(release_name("go1.22.10").unwrap().name(), "go1.22.10");
        let latest_22 = supported().into_iter().find(|v| v.minor == 22).unwrap();
        assert_eq!(release_name("go1.22"), Some(latest_22));
        assert_eq!(release_name("go1.18").unwrap().name(), "go1.18.0");
        for not_a_name in ["go1.23rc1", "all", "./go1.22.10", "go1.22.10/bin/go", "go"] {
            assert_eq!(release_name(not_a_name), None, "{not_a_name}");
        }
    }

    #[test]
    fn supported_is_one_patch_per_minor_from_the_minimum_on() {
        let list = supported();
        assert_eq!(list[0].minor, MIN_MINOR);
        for pair in list.windows(2) {
            assert_eq!(pair[1].minor, pair[0].minor + 1, "{pair:?}");
        }
        assert!(list.iter().all(GoVersion::is_supported_minor));
    }

    #[test]
    fn all_expands_in_place_without_repeats() {
        let specs: Vec<String> = ["/usr/lib/go-1.19", "all", "go1.21.13"]
            .map(String::from)
            .to_vec();
        let expanded = expand(&specs);
        assert_eq!(expanded[0], "/usr/lib/go-1.19");
        assert_eq!(expanded.len(), 1 + supported().len());
        assert_eq!(expanded[1], supported()[0].name());
        assert!(expanded.contains(&"go1.21.13".to_string()));
    }
}
