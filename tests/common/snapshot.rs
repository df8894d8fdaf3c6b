//! The snapshot test of one experiment file, shared by `tests/experiments.rs`
//! and the slow lane: run it on the Go under test and snapshot its verdicts
//! and bounds per Go minor version (`snapshots/<experiment>@go1.26.snap`).
//! A minor with no snapshot fails with one message saying how to create and
//! review them (never a silent pass, never an assertion with a backtrace).

use std::path::Path;

use gomemlab::check::claim::Verdict;
use gomemlab::experiment;
use gomemlab::experiment::reproduce::{self, run_experiment};
use gomemlab::fixture::Fixtures;
use gomemlab::report;
use gomemlab::toolchain::GoVersion;

pub fn experiment(path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let fixtures = Fixtures::bundled().expect("bundled fixtures");
    let exp = experiment::load(path, &fixtures.names())?;
    let toolchain = super::toolchain();
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let minor = toolchain.version.minor_name();
    if !snapshots
        .join(format!("{}@{minor}.snap", exp.name))
        .is_file()
        && !creating_snapshots()
    {
        let slow = path.parent().and_then(Path::file_name) == Some("slow".as_ref());
        return Err(Box::new(NoSnapshot {
            name: exp.name.clone(),
            version: toolchain.version,
            test: if slow {
                "slow_experiments"
            } else {
                "experiments"
            },
        }));
    }
    // Experiments measure memory and time: see tests/common/turns.rs.
    let _turn = super::turns::take(exp.timing);
    let result = run_experiment(&exp, toolchain, &fixtures, None, &mut |_| Ok(()));
    // A row this machine cannot run (no memory cgroup for `memory-max`):
    // its claims must say `n/a` with the reason; the snapshot, made where
    // the rows run, is not compared here.
    // (Rows a toolchain cannot build are `n/a` too, but the same on every
    // machine: those are snapshotted.)
    let machine_lacks = |settings: &str| {
        exp.cells
            .iter()
            .any(|c| c.label() == settings && reproduce::unavailable(c).is_some())
    };
    if let Some(why) = exp.cells.iter().find_map(reproduce::unavailable) {
        let all_na = result
            .cells
            .iter()
            .filter(|c| machine_lacks(&c.settings))
            .all(|c| {
                c.claims
                    .iter()
                    .all(|k| k.verdict == Verdict::NotApplicable && k.reason.is_some())
            });
        if !all_na {
            return Err(format!("{}: a row that cannot run here judged a claim", exp.name).into());
        }
        eprintln!("{}: snapshot not compared: {why}", exp.name);
        return Ok(());
    }
    for cell in &result.cells {
        if let Some(e) = &cell.error {
            return Err(format!("{} [{}]: {e}", exp.name, cell.settings).into());
        }
        // An `error` verdict is a broken experiment, not a result to snapshot.
        if let Some(c) = cell.claims.iter().find(|c| c.verdict == Verdict::Error) {
            let why = c.reason.as_deref().unwrap_or("no reason given");
            return Err(format!("{} [{}] {}: {why}", exp.name, cell.settings, c.id).into());
        }
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshots);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_suffix(&minor);
    settings.set_input_file(path);
    settings.set_description(format!("{} on {}", exp.title, minor));
    settings.set_omit_expression(true);
    let snapshot = super::unsteady::mask(
        &report::verdict_snapshot(&result),
        &super::unsteady::claims(&minor),
    );
    settings.bind(|| insta::assert_snapshot!(exp.name.clone(), snapshot));
    Ok(())
}

/// Whether insta was asked to write snapshots that do not exist yet
/// (`INSTA_UPDATE=always|new|unseen|force`, as `cargo insta test` sets it).
fn creating_snapshots() -> bool {
    matches!(
        std::env::var("INSTA_UPDATE").as_deref(),
        Ok("always" | "1" | "new" | "unseen" | "force")
    )
}

/// The failure of a test whose experiment has no snapshot for this Go minor:
/// what is missing and how to create and review it, instead of an assertion.
struct NoSnapshot {
    name: String,
    version: GoVersion,
    test: &'static str,
}

impl std::fmt::Display for NoSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let NoSnapshot {
            name,
            version,
            test,
        } = self;
        let minor = version.minor_name();
        write!(
            f,
            "no snapshot for `{name}` on {minor} (tests/snapshots/{name}@{minor}.snap).\n\
             Snapshots are kept per Go minor; to create the missing {minor} ones:\n  \
             GOMEMLAB_GO={version} INSTA_UPDATE=always cargo test --test {test}\n\
             then read every new tests/snapshots/*@{minor}.snap before committing it (a verdict \
             or bound that looks wrong is a finding, not a snapshot);\n\
             or: GOMEMLAB_GO={version} cargo insta test --test {test} && cargo insta review"
        )
    }
}

// The harness shows a failure with `{:?}`: the message as it is, not quoted.
impl std::fmt::Debug for NoSnapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for NoSnapshot {}
