//! Old unpacked bundles leave the cache: when a new bundle folder is
//! unpacked, the other folders under `<cache root>/bundle/` unused for
//! [`MAX_AGE`] are removed. A bundle folder is touched (its mtime) each time
//! it is used, so a gomemlab of another version still at work keeps its own.

use std::path::Path;
use std::time::{Duration, SystemTime};

/// How long a bundle folder may go unused before a newer one removes it.
pub const MAX_AGE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Marks the folder as used now (sets its mtime).
pub fn touch(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.set_modified(SystemTime::now())
}

/// Removes the folders in `parent` other than `keep` last used `max_age` ago
/// or earlier (a leftover `.unpack-*` of a killed process too), returning
/// their names. Best effort: a folder that cannot be removed stays.
///
/// Each goes aside by an atomic rename first, so a process that looks for
/// it afterwards finds nothing and unpacks its own copy; one touched between
/// the look and the rename is put back.
pub fn sweep(parent: &Path, keep: &Path, max_age: Duration) -> Vec<String> {
    let now = SystemTime::now();
    let Ok(entries) = std::fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path == keep || !unused_for(&path, now, max_age) {
            continue;
        }
        let aside = parent.join(format!(".sweep-{}-{name}", std::process::id()));
        if std::fs::rename(&path, &aside).is_err() {
            continue; // another process swept it first
        }
        // Put back unless its user unpacked a fresh copy meanwhile.
        if !unused_for(&aside, now, max_age) && std::fs::rename(&aside, &path).is_ok() {
            continue;
        }
        if std::fs::remove_dir_all(&aside).is_ok() {
            removed.push(name);
        }
    }
    removed
}

/// Whether `path` is a folder whose mtime is `max_age` or more before `now`.
fn unused_for(path: &Path, now: SystemTime, max_age: Duration) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| {
        m.is_dir()
            && m.modified()
                .ok()
                .and_then(|t| now.duration_since(t).ok())
                .is_some_and(|age| age >= max_age)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aged(dir: &Path, age: Duration) {
        std::fs::create_dir_all(dir.join("go-fixtures")).unwrap();
        std::fs::File::open(dir)
            .unwrap()
            .set_modified(SystemTime::now() - age)
            .unwrap();
    }

    #[test]
    fn only_other_folders_unused_long_enough_go() {
        let tmp = tempfile::tempdir().unwrap();
        let day = Duration::from_secs(24 * 3600);
        let (keep, old, recent) = (
            tmp.path().join("0.3.0-cccc"),
            tmp.path().join("0.1.0-aaaa"),
            tmp.path().join("0.2.0-bbbb"),
        );
        aged(&keep, 30 * day);
        aged(&old, 8 * day);
        aged(&recent, day);
        std::fs::write(tmp.path().join("a-file"), "x").unwrap();
        assert_eq!(sweep(tmp.path(), &keep, MAX_AGE), ["0.1.0-aaaa"]);
        assert!(keep.is_dir() && recent.is_dir() && !old.exists());
        assert!(tmp.path().join("a-file").is_file());
        touch(&recent).unwrap();
        assert!(sweep(tmp.path(), &keep, day).is_empty());
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 3);
    }
}
