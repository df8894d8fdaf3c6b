//! Several results folders as one: the folders a path holds, and their
//! results merged into a column per Go version and machine (shards of one
//! run become one column, in the one-run order).

use std::path::{Path, PathBuf};

use crate::experiment::Experiment;
use crate::experiment::reproduce::ExperimentResult;
use crate::measure::machine::Machine;

/// The results of one Go version on one machine.
#[derive(Debug, Clone)]
pub struct Column {
    pub go_version: String,
    pub machine: Machine,
    pub results: Vec<ExperimentResult>,
}

/// Why results could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error(
        "experiment `{experiment}` on {go_version} ({machine}) is in two of the folders (the second: {dir}): give each once"
    )]
    Twice {
        experiment: String,
        go_version: String,
        machine: String,
        dir: String,
    },
}

/// `dir` itself when it is a results folder, else the results folders in
/// it (sorted); `dir` again when it holds none, so loading it says what is
/// wrong with it.
pub fn results_folders(dir: &Path) -> Vec<PathBuf> {
    if dir.join("manifest.json").is_file() {
        return vec![dir.to_path_buf()];
    }
    let mut inner: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join("manifest.json").is_file())
                .collect()
        })
        .unwrap_or_default();
    inner.sort();
    if inner.is_empty() {
        inner.push(dir.to_path_buf());
    }
    inner
}

/// Adds the results of folder `dir` (Go version, machine) to `columns`: the
/// same version on the same machine (e.g. shards) is one column, where an
/// experiment may come only once.
pub fn merge(
    columns: &mut Vec<Column>,
    go_version: String,
    machine: Machine,
    mut results: Vec<ExperimentResult>,
    dir: &Path,
) -> Result<(), MergeError> {
    match columns
        .iter_mut()
        .find(|c| c.go_version == go_version && c.machine == machine)
    {
        Some(column) => {
            if let Some(twice) = results
                .iter()
                .find(|r| column.results.iter().any(|c| c.experiment == r.experiment))
            {
                return Err(MergeError::Twice {
                    experiment: twice.experiment.clone(),
                    go_version,
                    machine: machine.label(),
                    dir: dir.display().to_string(),
                });
            }
            column.results.append(&mut results);
        }
        None => columns.push(Column {
            go_version,
            machine,
            results,
        }),
    }
    Ok(())
}

/// Lists each column's experiments in the order of `experiments` (merged
/// shards then read as one run).
pub fn in_file_order(columns: &mut [Column], experiments: &[Experiment]) {
    let at = |name: &str| experiments.iter().position(|e| e.name == name);
    for column in columns {
        column.results.sort_by_key(|r| at(&r.experiment));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str) -> ExperimentResult {
        ExperimentResult {
            experiment: name.to_string(),
            title: String::new(),
            article: String::new(),
            fixture: String::new(),
            go_version: "go1.26.8".to_string(),
            go_line: String::new(),
            repeats: 1,
            cells: Vec::new(),
            error: None,
        }
    }

    #[test]
    fn shards_of_one_version_and_machine_are_one_column_once_each() {
        let (go, here) = ("go1.26.8".to_string(), Machine::here());
        let mut columns = Vec::new();
        let dir = Path::new("/r/b");
        merge(
            &mut columns,
            go.clone(),
            here.clone(),
            vec![result("b")],
            dir,
        )
        .expect("merges");
        merge(
            &mut columns,
            go.clone(),
            here.clone(),
            vec![result("a")],
            dir,
        )
        .expect("merges");
        merge(
            &mut columns,
            "go1.21.13".into(),
            here.clone(),
            vec![result("a")],
            dir,
        )
        .expect("another version is another column");
        assert_eq!(columns.len(), 2);
        let twice = merge(&mut columns, go, here.clone(), vec![result("a")], dir)
            .expect_err("`a` twice on go1.26.8");
        assert_eq!(
            twice.to_string(),
            format!(
                "experiment `a` on go1.26.8 ({}) is in two of the folders (the second: /r/b): give each once",
                here.label()
            )
        );
        let names = |c: &Column| -> Vec<String> {
            c.results.iter().map(|r| r.experiment.clone()).collect()
        };
        assert_eq!(names(&columns[0]), ["b", "a"]);
    }
}
