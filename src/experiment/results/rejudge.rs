//! `report DIR...`: every results folder the paths hold, loaded and judged
//! again, merged into a column per Go version and machine in the one-run
//! order; what else is made of each kept folder (exports, plots) is the
//! caller's, as it is loaded.

use std::path::{Path, PathBuf};

use super::{Column, JudgeError, JudgeNote, Judging, Kept, MergeError, in_file_order, load_noting};
use super::{merge, results_folders};

/// The results folders of `dirs` ([`results_folders`] of each), loaded one
/// at a time: `loaded` is called with the folder and where its exports go
/// (below the export folder: `""` for one results folder, its name for
/// several); then it is judged and merged. `note` hears what is worth telling.
pub fn judge_folders<E>(
    dirs: &[PathBuf],
    judging: Judging,
    note: &mut dyn FnMut(JudgeNote),
    mut loaded: impl FnMut(&Kept, &Path) -> Result<(), E>,
) -> Result<Vec<Column>, E>
where
    E: From<JudgeError> + From<MergeError>,
{
    let folders: Vec<PathBuf> = dirs.iter().flat_map(|d| results_folders(d)).collect();
    let mut columns: Vec<Column> = Vec::new();
    for dir in &folders {
        let kept = load_noting(dir, note)?;
        loaded(&kept, &exported_under(folders.len(), dir))?;
        let results = judging.verdicts(&kept, note)?;
        let (go_version, machine) = (kept.manifest.go_version, kept.manifest.machine);
        merge(&mut columns, go_version, machine, results, dir)?;
    }
    // Merged shards list their experiments in the one-run order.
    in_file_order(&mut columns, judging.experiments);
    Ok(columns)
}

/// Where the exports of results folder `dir`, one of `folders` many, go
/// below the export folder: one folder mirrors into it; several, each
/// under its name.
fn exported_under(folders: usize, dir: &Path) -> PathBuf {
    match (folders, dir.file_name()) {
        (2.., Some(name)) => PathBuf::from(name),
        _ => PathBuf::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_folder_mirrors_into_the_export_folder_and_several_go_under_their_names() {
        assert_eq!(exported_under(1, Path::new("/r/go1.26.8")), PathBuf::new());
        assert_eq!(
            exported_under(2, Path::new("/r/go1.26.8")),
            PathBuf::from("go1.26.8")
        );
        assert_eq!(exported_under(3, Path::new("/")), PathBuf::new());
    }

    #[test]
    fn no_folder_judges_to_no_column() {
        let judging = Judging {
            experiments: &[],
            given: None,
        };
        let columns = judge_folders::<anyhow::Error>(&[], judging, &mut |_| {}, |_, _| {
            panic!("no folder is loaded")
        });
        assert!(columns.expect("nothing to judge").is_empty());
    }
}
