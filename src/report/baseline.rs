//! The guard for a new Go release: which claims changed verdict against a
//! baseline (a Go version measured alongside, or a kept results folder).
//! Returns data and its text; the CLI prints and picks the exit code.

use std::fmt::Write as _;

use serde::Serialize;

use crate::check::claim::Verdict;
pub use crate::experiment::baseline::{Baseline, BaselineError, check_split, names, split};
use crate::report::matrix::Column;

/// One claim in one settings row whose verdict is not the baseline's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub claim: String,
    pub settings: String,
    /// The Go version (and machine) that differs from the baseline.
    pub go_version: String,
    pub machine: String,
    pub before: Verdict,
    pub after: Verdict,
}

/// The changes against the baseline as text, and whether any claim changed.
/// `kept` is the baseline folder's column (judged before anything ran).
pub fn judge(
    columns: &[Column],
    baseline: &Baseline,
    kept: Option<&Column>,
) -> Result<(String, bool), BaselineError> {
    let (label, base, others) = match (baseline, kept) {
        (Baseline::Dir(dir), Some(column)) => (
            format!("{} ({})", column.go_version, dir.display()),
            vec![column],
            columns.iter().collect(),
        ),
        (Baseline::Dir(dir), None) => {
            return Err(BaselineError::NotLoaded {
                dir: dir.display().to_string(),
            });
        }
        (Baseline::Go(version), _) => {
            check_split(version, columns)?;
            let (base, others) = split(columns, version);
            (version.clone(), base, others)
        }
    };
    let changes = changes(&base, &others);
    Ok((text(&label, &changes), !changes.is_empty()))
}

/// Every (claim, settings) measured by both a column and the baseline
/// (its column on the same machine, else the first) whose verdict differs.
/// Claims only one side measured (`--only`, new claims) and `n/a` are not changes.
pub fn changes(baseline: &[&Column], others: &[&Column]) -> Vec<Change> {
    let mut out = Vec::new();
    for column in others {
        let Some(base) = baseline
            .iter()
            .find(|b| b.machine == column.machine)
            .or_else(|| baseline.first())
        else {
            return out;
        };
        let before = verdicts(base);
        for (claim, settings, after) in verdicts(column) {
            let was = before
                .iter()
                .find(|(c, s, _)| *c == claim && *s == settings)
                .map(|b| b.2);
            if let Some(was) = was.filter(|w| *w != after) {
                out.push(Change {
                    claim: claim.to_string(),
                    settings: settings.to_string(),
                    go_version: column.go_version.clone(),
                    machine: column.machine.label(),
                    before: was,
                    after,
                });
            }
        }
    }
    out
}

fn verdicts(column: &Column) -> Vec<(&str, &str, Verdict)> {
    column
        .results
        .iter()
        .flat_map(|r| &r.cells)
        .flat_map(|cell| cell.claims.iter().map(move |c| (c, cell)))
        .filter(|(c, _)| c.verdict != Verdict::NotApplicable)
        .map(|(c, cell)| (c.id.as_str(), cell.settings.as_str(), c.verdict))
        .collect()
}

/// The changes for people: a line per claim and settings, before → after.
pub fn text(baseline: &str, changes: &[Change]) -> String {
    let mut out = String::new();
    if changes.is_empty() {
        let _ = writeln!(out, "\nno claim changed against the baseline {baseline}");
        return out;
    }
    let _ = writeln!(
        out,
        "\n{} claim(s) changed against the baseline {baseline}:",
        changes.len()
    );
    // The machine is named when the changes come from more than one.
    let machines = changes.iter().any(|c| c.machine != changes[0].machine);
    for c in changes {
        let on = if machines {
            format!("{} on {}", c.go_version, c.machine)
        } else {
            c.go_version.clone()
        };
        let _ = writeln!(
            out,
            "  {} [{}] on {on}: {} -> {}",
            c.claim,
            c.settings,
            c.before.as_str(),
            c.after.as_str()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::claim::ClaimResult;
    use crate::experiment::reproduce::{CellResult, ExperimentResult};
    use crate::measure::machine::Machine;

    /// A column measuring claims `(id, verdict)` in the `defaults` row.
    fn column(go: &str, host: &str, claims: &[(&str, Verdict)]) -> Column {
        let claim = |(id, verdict): &(&str, Verdict)| ClaimResult {
            id: (*id).into(),
            says: String::new(),
            bound: None,
            verdict: *verdict,
            runs: 3,
            holds_in: 0,
            checks: Vec::new(),
            records: Vec::new(),
            reason: None,
        };
        Column {
            go_version: go.into(),
            machine: Machine {
                hostname: host.into(),
                kernel: "6.1".into(),
                thp: "madvise".into(),
                cgroup: "v2".into(),
                cpus: 2,
                memory_total_bytes: 1 << 30,
                anon_vma_names: None,
            },
            results: vec![ExperimentResult {
                experiment: "e".into(),
                title: String::new(),
                article: "001".into(),
                fixture: "idle".into(),
                go_version: go.into(),
                go_line: String::new(),
                repeats: 3,
                cells: vec![CellResult {
                    settings: "defaults".into(),
                    runs: 3,
                    claims: claims.iter().map(claim).collect(),
                    error: None,
                    unavailable: None,
                    busy: None,
                }],
                error: None,
            }],
        }
    }

    #[test]
    fn only_claims_both_sides_measured_with_a_verdict_can_change() {
        use Verdict::*;
        let columns = [
            column(
                "go1.26.8",
                "a",
                &[("x", Holds), ("y", NotApplicable), ("z", Holds)],
            ),
            column(
                "go1.27.3",
                "a",
                &[("x", Fails), ("y", Holds), ("new", Fails)],
            ),
        ];
        let (base, others) = split(&columns, "go1.26");
        let changes = changes(&base, &others);
        let got: Vec<(&str, Verdict, Verdict)> = changes
            .iter()
            .map(|c| (c.claim.as_str(), c.before, c.after))
            .collect();
        assert_eq!(got, [("x", Holds, Fails)]);
        assert_eq!(changes[0].go_version, "go1.27.3");
        let text = text("go1.26", &changes);
        assert!(
            text.contains("  x [defaults] on go1.27.3: holds -> fails"),
            "{text}"
        );
    }

    #[test]
    fn each_machine_is_compared_with_its_own_baseline() {
        use Verdict::*;
        let columns = [
            column("go1.26.8", "a", &[("x", Holds)]),
            column("go1.26.8", "b", &[("x", Fails)]),
            column("go1.27.3", "b", &[("x", Fails)]),
            column("go1.27.3", "c", &[("x", Fails)]),
        ];
        let (base, others) = split(&columns, "go1.26.8");
        let changed: Vec<String> = changes(&base, &others)
            .iter()
            .map(|c| c.machine.clone())
            .collect();
        // b matches b's baseline; c has none of its own and is compared with a's.
        assert_eq!(changed.len(), 1, "{changed:?}");
        assert!(changed[0].starts_with("c "), "{changed:?}");
        assert!(text("go1.26.8", &[]).contains("no claim changed"));
    }

    #[test]
    fn a_version_names_itself_and_its_minor_only() {
        assert!(names("go1.26.8", "go1.26.8"));
        assert!(names("go1.26", "go1.26.8"));
        assert!(!names("go1.2", "go1.26.8"));
        assert!(!names("go1.26.8", "go1.26"));
    }
}
