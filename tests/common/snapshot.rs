//! The snapshot test of one experiment file, shared by `tests/experiments.rs`
//! and the slow lane: run it on the Go under test and snapshot its verdicts
//! and bounds per Go minor version (`snapshots/<experiment>@go1.26.snap`).

use std::path::Path;
use std::sync::Mutex;

use gomemlab::build::fixture::Fixtures;
use gomemlab::check::claim::Verdict;
use gomemlab::experiment;
use gomemlab::experiment::reproduce::run_experiment;
use gomemlab::report;

/// Experiments measure memory and time: one at a time, so they never load each other.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

pub fn experiment(path: &Path) -> datatest_stable::Result<()> {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let fixtures = Fixtures::bundled();
    let exp = experiment::load(path, &fixtures.names())?;
    let toolchain = super::toolchain();
    let result = run_experiment(&exp, toolchain, &fixtures, None, &mut |_| Ok(()));
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
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_suffix(toolchain.version.minor_name());
    settings.set_input_file(path);
    settings.set_description(format!(
        "{} on {}",
        exp.title,
        toolchain.version.minor_name()
    ));
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(exp.name.clone(), report::verdict_snapshot(&result)));
    Ok(())
}
