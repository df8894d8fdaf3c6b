//! The one place that says where gomemlab keeps its caches: `--cache DIR`,
//! else `$GOMEMLAB_CACHE`, else `$XDG_CACHE_HOME/gomemlab`, else
//! `~/.cache/gomemlab`. Toolchains, the unpacked bundle and fixture builds
//! all live under it; never in a source tree.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static OVERRIDE: OnceLock<PathBuf> = OnceLock::new();

/// Sets the cache root for this process (the CLI's `--cache`); the first call wins.
pub fn set_cache_root(dir: &Path) {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let _ = OVERRIDE.set(dir);
}

/// gomemlab's cache root (an absolute path; not created here).
pub fn cache_root() -> PathBuf {
    if let Some(dir) = OVERRIDE.get() {
        return dir.clone();
    }
    if let Some(dir) = std::env::var_os("GOMEMLAB_CACHE").filter(|d| !d.is_empty()) {
        // Go wants absolute GOCACHE, GOPATH and GOMODCACHE.
        return std::path::absolute(&dir).unwrap_or_else(|_| PathBuf::from(dir));
    }
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|d| d.is_absolute());
    let cache = xdg.unwrap_or_else(|| {
        let home = std::env::var_os("HOME").unwrap_or_else(|| "/root".into());
        Path::new(&home).join(".cache")
    });
    cache.join("gomemlab")
}
