//! Go release versions (`go1.22.10`, and pre-releases like `go1.26rc1`), the
//! supported minors and the names `--go` accepts for them (`go1.22.10`,
//! `go1.22`, `go1.26rc1`, `all`; `next` and `latest` ask the module proxy,
//! see `newer.rs`).

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

/// The name `--go` takes for the newest release or release candidate the Go
/// module proxy lists that is newer than the newest supported minor.
pub const NEXT: &str = "next";

/// The name `--go` takes for the newest release the Go module proxy lists.
pub const LATEST: &str = "latest";

/// A Go version `go1.MINOR.PATCH`, or a pre-release of a minor
/// (`go1.26rc1`, `go1.21beta1`: patch 0). Ordered as Go orders them: a
/// minor's betas, then its release candidates, then `.0`, `.1`...
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    pub stage: Stage,
}

/// Where a version stands in its minor's release cycle (the order is Go's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Stage {
    /// `go1.21beta1`.
    Beta(u32),
    /// `go1.26rc1`.
    Rc(u32),
    /// A release: `go1.26.0` and its patches.
    #[default]
    Release,
}

impl GoVersion {
    /// A release `go{major}.{minor}.{patch}`.
    pub const fn release(major: u32, minor: u32, patch: u32) -> GoVersion {
        GoVersion {
            major,
            minor,
            patch,
            stage: Stage::Release,
        }
    }

    /// Parses `go1.21.13`, `go1.22` (patch 0) or the pre-releases
    /// `go1.26rc1` and `go1.21beta1`.
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
        let stage = match &minor_text[digits.len()..] {
            "" => Stage::Release,
            pre => {
                let number = |p: &str| p.parse().ok().filter(|n| *n > 0);
                if let Some(n) = pre.strip_prefix("rc") {
                    Stage::Rc(number(n)?)
                } else {
                    Stage::Beta(number(pre.strip_prefix("beta")?)?)
                }
            }
        };
        let patch = match parts.next() {
            Some(_) if stage != Stage::Release => return None,
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(GoVersion {
            major,
            minor,
            patch,
            stage,
        })
    }

    /// The version as `go env GOVERSION` prints it: `go1.26.8`, `go1.26rc1`.
    pub fn name(&self) -> String {
        let (major, minor) = (self.major, self.minor);
        match self.stage {
            Stage::Release => format!("go{major}.{minor}.{}", self.patch),
            Stage::Rc(n) => format!("go{major}.{minor}rc{n}"),
            Stage::Beta(n) => format!("go{major}.{minor}beta{n}"),
        }
    }

    /// Whether this is a beta or a release candidate.
    pub fn is_prerelease(&self) -> bool {
        self.stage != Stage::Release
    }

    /// The version a range bound without a patch (`>=1.26`) compares this
    /// one as: a pre-release counts as its minor's `.0`, so that the claims
    /// written for a minor apply to its release candidates.
    pub fn as_release(&self) -> GoVersion {
        GoVersion::release(self.major, self.minor, self.patch)
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
        .map(|&(minor, patch)| GoVersion::release(1, minor, patch))
        .collect()
}

/// Reads a release name as `--go` takes it: `go1.22.10` or `go1.26rc1`
/// exactly, or `go1.22` for the supported latest patch of that minor. `None`
/// for anything else (paths, `all`, `next`).
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
        let rc = GoVersion::parse("go1.23rc1").unwrap();
        assert_eq!((rc.minor, rc.patch, rc.stage), (23, 0, Stage::Rc(1)));
        assert_eq!(rc.name(), "go1.23rc1");
        assert_eq!(rc.minor_name(), "go1.23");
        let beta = GoVersion::parse("go1.21beta2").unwrap();
        assert_eq!(
            (beta.stage, beta.name().as_str()),
            (Stage::Beta(2), "go1.21beta2")
        );
        for bad in [
            "1.21",
            "gox.1",
            "devel go1.27-abc",
            "go1.26rc",
            "go1.26rc0",
            "go1.26rc1.2",
            "go1.26-pre",
            "go1.26.8 X:nodwarf5",
            "go1.26.8.1",
        ] {
            assert!(GoVersion::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn pre_releases_sort_before_their_release_as_go_orders_them() {
        let v = |s| GoVersion::parse(s).unwrap();
        let order = [
            "go1.25.14",
            "go1.26beta1",
            "go1.26rc1",
            "go1.26rc2",
            "go1.26.0",
            "go1.26.1",
            "go1.27rc1",
        ];
        for pair in order.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{pair:?}");
        }
        assert_eq!(v("go1.26rc2").as_release(), v("go1.26.0"));
    }

    #[test]
    fn release_names_are_exact_versions_or_supported_minors() {
        assert_eq!(release_name("go1.22.10").unwrap().name(), "go1.22.10");
        let latest_22 = supported().into_iter().find(|v| v.minor == 22).unwrap();
        assert_eq!(release_name("go1.22"), Some(latest_22));
        assert_eq!(release_name("go1.18").unwrap().name(), "go1.18.0");
        assert_eq!(release_name("go1.26rc1").unwrap().name(), "go1.26rc1");
        for not_a_name in [
            "all",
            "next",
            "./go1.22.10",
            "go1.22.10/bin/go",
            "go",
            "go1.26rc",
        ] {
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
