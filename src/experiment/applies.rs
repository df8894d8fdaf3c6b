//! Where a claim applies beyond its settings rows: the Go versions it is
//! about (`go = ">=1.23"`) and what the machine must have (`requires =
//! ["anon_vma_names"]`, `["thp=always|madvise"]`). Elsewhere its verdict is
//! `not applicable`, with the reason.

use crate::measure::machine::Machine;
use crate::toolchain::GoVersion;

/// A range of Go versions: bounds like `>=1.23`, `<1.26`, `>=1.21.6`,
/// separated by spaces, all of which must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoRange {
    pub text: String,
    bounds: Vec<(Op, GoVersion)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Ge,
    Gt,
    Le,
    Lt,
}

impl GoRange {
    /// Parses `>=1.23`, `>=1.21 <1.26`... (a version with no patch is `.0`).
    pub fn parse(text: &str) -> Result<GoRange, String> {
        let mut bounds = Vec::new();
        for word in text.split_whitespace() {
            let (op, rest) = [(">=", Op::Ge), ("<=", Op::Le), (">", Op::Gt), ("<", Op::Lt)]
                .into_iter()
                .find_map(|(p, op)| word.strip_prefix(p).map(|r| (op, r)))
                .ok_or_else(|| {
                    format!("go = \"{text}\": `{word}` is no bound: write >=1.23, <1.26, >=1.21.6")
                })?;
            let version = GoVersion::parse(&format!("go{}", rest.trim_start_matches("go")))
                .filter(|_| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
                .ok_or_else(|| format!("go = \"{text}\": `{rest}` is no Go version (e.g. 1.23)"))?;
            bounds.push((op, version));
        }
        if bounds.is_empty() {
            return Err("go = \"\": give a range, e.g. \">=1.23\"".into());
        }
        Ok(GoRange {
            text: text.to_string(),
            bounds,
        })
    }

    /// Whether every version in the range is `v` or later (a lower bound
    /// `>=` or `>` at `v` or above): `>=1.20` excludes go1.19, `<1.26` not.
    pub fn starts_at(&self, v: &GoVersion) -> bool {
        self.bounds
            .iter()
            .any(|(op, b)| matches!(op, Op::Ge | Op::Gt) && b >= v)
    }

    pub fn contains(&self, v: &GoVersion) -> bool {
        self.bounds.iter().all(|(op, b)| match op {
            Op::Ge => v >= b,
            Op::Gt => v > b,
            Op::Le => v <= b,
            Op::Lt => v < b,
        })
    }
}

/// The first Go whose runtime/metrics has `/cpu/classes/`.
pub const CPU_CLASSES_SINCE: GoVersion = GoVersion {
    major: 1,
    minor: 20,
    patch: 0,
};

/// Refuses a claim whose checks read `cpu.*` (runtime/metrics
/// `/cpu/classes/`, Go 1.20+) unless its `go` range starts at Go 1.20: on
/// go1.19 such a claim is then `not applicable` by its range, like any other.
pub fn check_cpu_classes(go: Option<&GoRange>) -> Result<(), String> {
    let since = CPU_CLASSES_SINCE;
    if go.is_some_and(|r| r.starts_at(&since)) {
        return Ok(());
    }
    let range = go.map_or_else(String::new, |r| {
        format!(" (its range `{}` does not)", r.text)
    });
    Err(format!(
        "reads runtime/metrics /cpu/classes/, which exist from Go {}.{}: give the claim `go = \">={}.{}\"`{range}",
        since.major, since.minor, since.major, since.minor
    ))
}

/// A fact the machine must have: `NAME` (a yes/no fact that must be yes)
/// or `NAME=A|B` (its value must be one of them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub text: String,
    name: String,
    values: Option<Vec<String>>,
}

/// The machine facts a claim can require, and what each means.
pub const FACTS: &[(&str, &str)] = &[
    (
        "anon_vma_names",
        "a kernel that names anonymous mappings (CONFIG_ANON_VMA_NAME, probed with prctl PR_SET_VMA_ANON_NAME)",
    ),
    (
        "thp",
        "a transparent huge page mode (always, madvise, never)",
    ),
    ("cgroup", "a cgroup version (v1, v2, hybrid, none)"),
];

impl Requirement {
    pub fn parse(text: &str) -> Result<Requirement, String> {
        let (name, values) = match text.split_once('=') {
            Some((n, v)) => (n, Some(v.split('|').map(str::to_string).collect())),
            None => (text, None),
        };
        if !FACTS.iter().any(|(f, _)| *f == name) {
            let known: Vec<&str> = FACTS.iter().map(|(f, _)| *f).collect();
            return Err(format!(
                "requires \"{text}\": unknown machine fact `{name}`: known are {}",
                known.join(", ")
            ));
        }
        Ok(Requirement {
            text: text.to_string(),
            name: name.to_string(),
            values,
        })
    }

    /// Why `machine` does not meet it (None: it does).
    pub fn unmet(&self, machine: &Machine) -> Option<String> {
        let have = machine.fact(&self.name);
        let meaning = FACTS
            .iter()
            .find(|(f, _)| *f == self.name)
            .map_or("", |(_, m)| m);
        let ok = match &self.values {
            None => have == "yes",
            Some(values) => values.contains(&have),
        };
        (!ok).then(|| {
            format!(
                "needs {}: {meaning}; this machine has {}={have}",
                self.text, self.name
            )
        })
    }
}

/// Why a claim with `go` and `requires` does not apply on `version` and
/// `machine` (None: it applies).
pub fn unmet(
    go: Option<&GoRange>,
    requires: &[Requirement],
    version: &GoVersion,
    machine: &Machine,
) -> Option<String> {
    if let Some(range) = go.filter(|r| !r.contains(version)) {
        return Some(format!("about Go {} only", range.text));
    }
    requires.iter().find_map(|r| r.unmet(machine))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> GoVersion {
        GoVersion::parse(s).unwrap()
    }

    #[test]
    fn go_ranges() {
        let r = GoRange::parse(">=1.23").unwrap();
        assert!(r.contains(&v("go1.23.0")) && r.contains(&v("go1.27.3")));
        assert!(!r.contains(&v("go1.22.10")));
        let r = GoRange::parse(">=1.21.6 <1.26").unwrap();
        assert!(!r.contains(&v("go1.21.5")) && r.contains(&v("go1.21.13")));
        assert!(!r.contains(&v("go1.26.0")));
        assert!(r.starts_at(&v("go1.21.0")) && !r.starts_at(&v("go1.22.0")));
        assert!(!GoRange::parse("<1.26").unwrap().starts_at(&v("go1.20.0")));
        assert!(GoRange::parse(">1.20").unwrap().starts_at(&v("go1.20.0")));
        assert!(GoRange::parse("1.23").is_err());
        assert!(GoRange::parse(">=x").is_err());
        assert!(GoRange::parse("").is_err());
    }

    #[test]
    fn cpu_classes_need_a_range_from_1_20() {
        let range = |t: &str| GoRange::parse(t).unwrap();
        assert_eq!(check_cpu_classes(Some(&range(">=1.20"))), Ok(()));
        assert_eq!(check_cpu_classes(Some(&range(">=1.23 <1.27"))), Ok(()));
        let none = check_cpu_classes(None).unwrap_err();
        assert!(none.ends_with("give the claim `go = \">=1.20\"`"), "{none}");
        let wide = check_cpu_classes(Some(&range(">=1.19.5 <1.27"))).unwrap_err();
        assert!(
            wide.ends_with("(its range `>=1.19.5 <1.27` does not)"),
            "{wide}"
        );
    }

    #[test]
    fn requirements_name_what_is_missing() {
        let mut m = Machine::probe();
        m.thp = "madvise".into();
        m.anon_vma_names = Some(false);
        let thp = Requirement::parse("thp=always").unwrap();
        let why = thp.unmet(&m).unwrap();
        assert!(why.contains("thp=madvise"), "{why}");
        assert_eq!(
            Requirement::parse("thp=always|madvise").unwrap().unmet(&m),
            None
        );
        let names = Requirement::parse("anon_vma_names").unwrap();
        assert!(names.unmet(&m).unwrap().contains("anon_vma_names=no"));
        m.anon_vma_names = Some(true);
        assert_eq!(names.unmet(&m), None);
        assert!(
            Requirement::parse("colour")
                .unwrap_err()
                .contains("known are")
        );
    }
}
