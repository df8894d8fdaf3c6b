//! The snapshot suites' test harness: one test per experiment file of a
//! folder, named `experiment::FILE`, on more harness threads than cores.
//!
//! Written on libtest-mimic rather than with datatest-stable's macro for one
//! reason: the thread count. Two timing-sensitive experiments run at a time
//! and nothing beside them (`turns`), so with only as many threads as cores
//! the next test in name order, when independent, sits idle while the pair
//! runs. Two threads more keep the following tests waiting their turn
//! instead: `cargo test --test experiments` on 2 cores went from 83 s to
//! 71 s. `--test-threads N` still wins.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use libtest_mimic::{Arguments, Failed, Trial};

/// Runs one snapshot test per `*.toml` in `root` (relative to the package).
pub fn main(root: &str) -> ExitCode {
    let mut args = Arguments::from_args();
    args.test_threads = args.test_threads.or_else(|| {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Some(cores + 2)
    });
    let files = match experiment_files(Path::new(root)) {
        Ok(files) if !files.is_empty() => files,
        Ok(_) => {
            eprintln!("error: no experiment files (*.toml) in {root}");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("error: cannot list {root}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let trials = files
        .into_iter()
        .map(|path| {
            let name = format!(
                "experiment::{}",
                path.file_name().unwrap_or_default().display()
            );
            Trial::test(name, move || {
                super::snapshot::experiment(&path).map_err(|e| Failed::from(e.to_string()))
            })
        })
        .collect();
    libtest_mimic::run(&args, trials).exit_code()
}

/// The `*.toml` files directly in `dir`, in name order.
fn experiment_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
