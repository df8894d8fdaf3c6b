//! One writer per results folder: an advisory `flock` on a file inside it,
//! and the new results written in a folder beside it that is swapped in
//! whole (`renameat2(RENAME_EXCHANGE)`) once they are complete.

use std::fs::File;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use nix::fcntl::{AT_FDCWD, Flock, FlockArg, RenameFlags, renameat2};

use super::{ResultsError, io};
use crate::cleanup::Guard;

/// The lock file inside every results folder.
pub const LOCK_FILE: &str = ".gomemlab.lock";

/// What a writer holds while it writes: the lock, and the folder beside
/// (removed if the results are never kept, e.g. on an interrupt).
#[derive(Debug)]
pub struct Held {
    _lock: Flock<File>,
    staging: Mutex<Option<Guard>>,
}

impl Held {
    pub fn new(lock: Flock<File>, staging: Option<Guard>) -> Held {
        Held {
            _lock: lock,
            staging: Mutex::new(staging),
        }
    }

    /// Puts `work` in the place of `root` at once; the previous folder is
    /// then removed. Nothing to do when the results were written in place
    /// or are already swapped in.
    pub fn swap_in(&self, work: &Path, root: &Path) -> Result<(), ResultsError> {
        let mut staging = self
            .staging
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(guard) = staging.take() else {
            return Ok(());
        };
        // The new folder has its own lock file, free: a writer that comes
        // after this one locks that.
        let lock = work.join(LOCK_FILE);
        File::create(&lock).map_err(io(&lock))?;
        if renameat2(AT_FDCWD, work, AT_FDCWD, root, RenameFlags::RENAME_EXCHANGE).is_err() {
            // No swap here (`root` a mount point, say): the entries are
            // moved in one by one instead, the previous ones removed first.
            move_in(work, root)?;
        }
        // `work` now names the previous results: removed with the guard.
        drop(guard);
        Ok(())
    }
}

fn move_in(work: &Path, root: &Path) -> Result<(), ResultsError> {
    for path in super::others(root)? {
        super::remove(&path)?;
    }
    for entry in std::fs::read_dir(work).map_err(io(work))? {
        let entry = entry.map_err(io(work))?;
        if entry.file_name() == LOCK_FILE {
            continue;
        }
        let to = root.join(entry.file_name());
        std::fs::rename(entry.path(), &to).map_err(io(&to))?;
    }
    Ok(())
}

/// Locks `root` for this process, or says who holds it. A lock taken on a
/// folder that was swapped out meanwhile is taken again on the new one.
pub fn acquire(root: &Path) -> Result<Flock<File>, ResultsError> {
    let path = root.join(LOCK_FILE);
    loop {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io(&path))?;
        let mut lock = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => lock,
            Err((_, nix::errno::Errno::EWOULDBLOCK)) => {
                let pid = std::fs::read_to_string(&path).unwrap_or_default();
                let pid = pid.trim();
                return Err(ResultsError::Busy {
                    path: root.display().to_string(),
                    holder: if pid.is_empty() {
                        String::new()
                    } else {
                        format!(" (pid {pid})")
                    },
                });
            }
            Err((_, e)) => {
                return Err(ResultsError::Io {
                    path: path.display().to_string(),
                    error: e.into(),
                });
            }
        };
        let same = match (lock.metadata(), std::fs::metadata(&path)) {
            (Ok(held), Ok(now)) => held.ino() == now.ino() && held.dev() == now.dev(),
            _ => false,
        };
        if same {
            use std::io::Write as _;
            let _ = lock.set_len(0);
            let _ = write!(*lock, "{}", std::process::id());
            return Ok(lock);
        }
    }
}

/// A new folder beside `root` to write the results in, removed unless it is
/// swapped in; None when none can be made there.
pub fn staging(root: &Path) -> Option<(PathBuf, Guard)> {
    let parent = std::path::absolute(root).ok()?.parent()?.to_path_buf();
    let name = root.file_name()?.to_string_lossy().into_owned();
    let dir = tempfile::Builder::new()
        .prefix(&format!(".{name}.new-"))
        .tempdir_in(&parent)
        .ok()?;
    let path = dir.keep();
    let guard = Guard::path(path.clone());
    // Results are for sharing: readable by all, like the files in them.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).ok()?;
    // The swap must be possible (same file system, a kernel with it):
    // tried now on an empty pair rather than after the runs.
    let probe = tempfile::Builder::new()
        .prefix(&format!(".{name}.probe-"))
        .tempdir_in(&parent)
        .ok()?;
    renameat2(
        AT_FDCWD,
        &path,
        AT_FDCWD,
        probe.path(),
        RenameFlags::RENAME_EXCHANGE,
    )
    .and_then(|()| {
        renameat2(
            AT_FDCWD,
            &path,
            AT_FDCWD,
            probe.path(),
            RenameFlags::RENAME_EXCHANGE,
        )
    })
    .ok()?;
    Some((path, guard))
}
