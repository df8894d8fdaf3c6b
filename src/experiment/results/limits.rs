//! How much of a results folder `report` reads: results folders come from
//! other machines (CI artifacts), so each file and count has a ceiling, and
//! going over it is a one-line refusal naming the file and the limit.

use std::io::Read as _;
use std::path::Path;

use super::{ResultsError, io};

/// The ceilings, by file and by count.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub manifest_bytes: u64,
    pub runs_bytes: u64,
    pub files_bytes: u64,
    pub timeline_bytes: u64,
    pub analysis_bytes: u64,
    pub experiments: usize,
    pub cells: usize,
    /// Runs of one settings row (an experiment file's own ceiling).
    pub repeats: usize,
}

impl Limits {
    /// What any results folder gomemlab writes stays well under: an hour
    /// of 1 ms samples is about 250 MB of timeline.
    pub const DEFAULT: Limits = Limits {
        manifest_bytes: 1 << 20,
        runs_bytes: 16 << 20,
        files_bytes: 16 << 20,
        timeline_bytes: 1 << 30,
        analysis_bytes: 256 << 20,
        experiments: 10_000,
        cells: 10_000,
        repeats: crate::experiment::file::MAX_REPEATS as usize,
    };
}

/// A count over its limit, as the error that says so.
pub fn count(path: &Path, what: &str, n: usize, limit: usize) -> Result<(), ResultsError> {
    if n > limit {
        return Err(ResultsError::TooBig {
            path: path.display().to_string(),
            what: format!("{n} {what}"),
            limit: format!("at most {limit}"),
        });
    }
    Ok(())
}

/// Reads JSON at `rel` inside `root`: not through a symlink, not outside
/// the folder, not more than `limit` bytes (read as a stream, never whole).
pub fn read_inside<T: serde::de::DeserializeOwned>(
    root: &Path,
    rel: &Path,
    limit: u64,
) -> Result<T, ResultsError> {
    let path = root.join(rel);
    inside(root, rel)?;
    let file = std::fs::File::open(&path).map_err(io(&path))?;
    let len = file.metadata().map_err(io(&path))?.len();
    if len > limit {
        return Err(too_big(&path, len, limit));
    }
    let reader = std::io::BufReader::with_capacity(1 << 16, file.take(limit));
    serde_json::from_reader(reader).map_err(|e| ResultsError::Format {
        path: path.display().to_string(),
        detail: e.to_string(),
    })
}

fn too_big(path: &Path, len: u64, limit: u64) -> ResultsError {
    ResultsError::TooBig {
        path: path.display().to_string(),
        what: format!("{} bytes", len),
        limit: format!("{} at most", bytesize::ByteSize::b(limit).display().iec()),
    }
}

/// Refuses a relative path that leaves `root`: absolute, with `..`, or
/// through a symlink on the way.
pub fn inside(root: &Path, rel: &Path) -> Result<(), ResultsError> {
    let outside = |detail: String| ResultsError::Outside {
        path: root.join(rel).display().to_string(),
        detail,
    };
    let mut at = root.to_path_buf();
    for part in rel.components() {
        match part {
            std::path::Component::Normal(name) => at.push(name),
            _ => return Err(outside(format!("`{}`", rel.display()))),
        }
        if at.is_symlink() {
            return Err(outside(format!("{} is a symlink", at.display())));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside() {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path();
        assert!(inside(root, Path::new("a/b/timeline.json")).is_ok());
        assert!(inside(root, Path::new("../x")).is_err());
        assert!(inside(root, Path::new("/etc/passwd")).is_err());
        std::os::unix::fs::symlink("/etc", root.join("link")).expect("symlink");
        let err = inside(root, Path::new("link/passwd")).expect_err("a symlink");
        assert!(err.to_string().contains("is a symlink"), "{err}");
    }

    #[test]
    fn a_file_over_its_limit_is_refused_by_name() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("runs.json"), "[1, 2, 3]").expect("write");
        let err = read_inside::<Vec<u32>>(dir.path(), Path::new("runs.json"), 4)
            .expect_err("over the limit");
        let line = err.to_string();
        assert!(
            line.contains("runs.json") && line.contains("4 B at most"),
            "{line}"
        );
        let ok: Vec<u32> =
            read_inside(dir.path(), Path::new("runs.json"), 9).expect("at the limit");
        assert_eq!(ok, [1, 2, 3]);
    }
}
