//! The bundled fixtures (`go-fixtures/`) and experiments (`experiments/`)
//! travel inside the binary and are unpacked on first use into
//! `<cache root>/bundle/<version>-<content hash>/`: into a temp folder first,
//! then renamed, so a reader never sees half a bundle and parallel processes
//! do not race. An installed gomemlab needs no source tree. A new folder
//! sweeps the others unused for a week ([`bundle_sweep`]).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use include_dir::{Dir, DirEntry, include_dir};
use sha2::{Digest, Sha256};

use super::bundle_sweep;
use super::cache_root::cache_root;

static FIXTURES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/go-fixtures");
static EXPERIMENTS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/experiments");

/// Folder names inside an unpacked bundle.
pub const FIXTURES_DIR: &str = "go-fixtures";
pub const EXPERIMENTS_DIR: &str = "experiments";

#[derive(Debug, thiserror::Error)]
#[error(
    "failed to unpack the bundled fixtures and experiments into {path}: {source}; \
     pass --cache DIR (or set GOMEMLAB_CACHE) to a folder you can write"
)]
pub struct BundleError {
    pub path: String,
    pub source: std::io::Error,
}

/// A short hash of every bundled file (path and bytes), computed once.
pub fn content_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let mut hasher = Sha256::new();
        for (prefix, dir) in [(FIXTURES_DIR, &FIXTURES), (EXPERIMENTS_DIR, &EXPERIMENTS)] {
            let mut files = Vec::new();
            collect(dir, &mut files);
            files.sort_by_key(|f| f.path());
            for file in files {
                hasher.update(format!("{prefix}/{}\n", file.path().display()));
                hasher.update((file.contents().len() as u64).to_le_bytes());
                hasher.update(file.contents());
            }
        }
        hex::encode(hasher.finalize())[..16].to_string()
    })
}

/// Where this binary's bundle is (or will be) unpacked.
pub fn bundle_dir() -> PathBuf {
    cache_root()
        .join("bundle")
        .join(format!("{}-{}", env!("CARGO_PKG_VERSION"), content_hash()))
}

/// The unpacked bundle's folder, unpacking it first if needed.
pub fn unpacked() -> Result<PathBuf, BundleError> {
    let target = bundle_dir();
    if target.is_dir() {
        // In use: no other version's sweep removes it (best effort).
        let _ = bundle_sweep::touch(&target);
        return Ok(target);
    }
    let parent = target.parent().unwrap_or(Path::new("/")).to_path_buf();
    let err = |path: &Path| {
        let path = path.display().to_string();
        move |source| BundleError { path, source }
    };
    std::fs::create_dir_all(&parent).map_err(err(&parent))?;
    let tmp = tempfile::Builder::new()
        .prefix(".unpack-")
        .tempdir_in(&parent)
        .map_err(err(&parent))?;
    // Removed on every way out, Ctrl-C included, unless renamed into place.
    let _guard = crate::cleanup::Guard::path(tmp.path().to_path_buf());
    for (prefix, dir) in [(FIXTURES_DIR, &FIXTURES), (EXPERIMENTS_DIR, &EXPERIMENTS)] {
        let root = tmp.path().join(prefix);
        std::fs::create_dir_all(&root).map_err(err(&root))?;
        write_dir(dir, &root)?;
    }
    match std::fs::rename(tmp.path(), &target) {
        Ok(()) => {
            // Renamed away: nothing left for the TempDir to remove.
            let _ = tmp.keep();
            bundle_sweep::sweep(&parent, &target, bundle_sweep::MAX_AGE);
            Ok(target)
        }
        // Another process unpacked it first; its copy is identical.
        Err(_) if target.is_dir() => Ok(target),
        Err(source) => Err(BundleError {
            path: target.display().to_string(),
            source,
        }),
    }
}

/// The unpacked bundled fixtures (`go-fixtures/`).
pub fn fixtures_dir() -> Result<PathBuf, BundleError> {
    Ok(unpacked()?.join(FIXTURES_DIR))
}

/// The unpacked bundled experiments (`experiments/`).
pub fn experiments_dir() -> Result<PathBuf, BundleError> {
    Ok(unpacked()?.join(EXPERIMENTS_DIR))
}

fn collect<'a>(dir: &'a Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
    for entry in dir.entries() {
        match entry {
            DirEntry::Dir(d) => collect(d, out),
            DirEntry::File(f) => out.push(f),
        }
    }
}

fn write_dir(dir: &Dir<'_>, root: &Path) -> Result<(), BundleError> {
    let mut files = Vec::new();
    collect(dir, &mut files);
    for file in files {
        let path = root.join(file.path());
        let io = |source| BundleError {
            path: path.display().to_string(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&path, file.contents()).map_err(io)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_holds_the_fixtures_and_experiments_of_the_source_tree() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("x");
        write_dir(&FIXTURES, &root).unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("go-fixtures/idle/main.go");
        assert_eq!(
            std::fs::read(root.join("idle/main.go")).unwrap(),
            std::fs::read(src).unwrap()
        );
        assert!(EXPERIMENTS.get_file("idle.toml").is_some());
        assert_eq!(content_hash().len(), 16);
    }
}
