//! Builds Go fixtures into a content-addressed cache: one `go build` per
//! (fixture sources, Go version, build settings), hermetic, safe under
//! parallel test processes (build into a temp folder, then rename). A build
//! runs in its own process group with a timeout; a timeout, an interrupt or
//! an error kills the whole group and leaves no temp file behind.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::toolchain::Toolchain;
use crate::toolchain::cache_root::cache_root;

/// How long a `go build` may take by default.
pub const BUILD_TIMEOUT: Duration = Duration::from_secs(600);

/// Environment of every `go build`: no network, no cgo, no toolchain switching.
const BUILD_ENV: &[(&str, &str)] = &[
    ("GOTOOLCHAIN", "local"),
    ("GOPROXY", "off"),
    ("GOFLAGS", "-trimpath"),
    ("CGO_ENABLED", "0"),
    ("GOWORK", "off"),
    ("GOENV", "off"),
];

/// The build tag that compiles heap profiling into the probe
/// (`go-fixtures/probe/heapprofile_pprof.go`). Without it
/// runtime/pprof is not linked and the linker turns memory profiling off, so
/// fixtures are built with it only for runs that ask for heap profiles.
pub const HEAP_PROFILE_TAG: &str = "gomemlab_heapprofile";

/// The probe module's folder in the fixtures (module [`PROBE_MODULE`]).
pub const PROBE_DIR: &str = "probe";
/// The probe's import path: any module may import it; gomemlab supplies it.
pub const PROBE_MODULE: &str = "gomemlab.dev/probe";

/// Where fixture sources are and where built binaries go.
#[derive(Debug, Clone)]
pub struct Fixtures {
    /// The Go module holding one fixture per directory (`go-fixtures/`).
    pub source_dir: PathBuf,
    /// Where builds go (`<cache root>/fixtures/`): `bin/`, `gopath/`, `modfiles/`.
    pub cache_dir: PathBuf,
    /// GOCACHE of the builds (`<cache root>/fixtures/gocache`): Go's own compile
    /// cache, safe to share between caches of fixture binaries.
    pub go_cache_dir: PathBuf,
    /// Kill a `go build` that takes longer ([`BUILD_TIMEOUT`] by default).
    pub build_timeout: Duration,
}

/// A fixture binary ready to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    pub name: String,
    pub binary: PathBuf,
    pub key: String,
    /// The `go` directive the module was built with.
    pub go_line: String,
    /// True when this call ran `go build`; false when the cache had it.
    pub fresh: bool,
    /// Go build tags (`-tags`), sorted; empty for the plain build.
    pub tags: Vec<String>,
    /// The `GOEXPERIMENT` it was built with, if any.
    pub goexperiment: Option<String>,
}

impl Fixtures {
    /// The fixtures shipped inside this binary, unpacked into the cache
    /// ([`bundle`]) and built into
    /// `<cache root>/fixtures/`. `$GOMEMLAB_FIXTURES` overrides the sources.
    pub fn bundled() -> Result<Fixtures, BuildError> {
        let source_dir = match std::env::var_os("GOMEMLAB_FIXTURES").filter(|d| !d.is_empty()) {
            Some(dir) => {
                let dir = PathBuf::from(dir);
                // A wrong folder would list no fixtures and refuse every name.
                let reason = if !dir.is_dir() {
                    Some("it is not a folder")
                } else if !has_a_fixture(&dir) {
                    Some("it holds no fixture (a subfolder with a main.go)")
                } else {
                    None
                };
                if let Some(reason) = reason {
                    return Err(BuildError::FixturesVar {
                        dir: dir.display().to_string(),
                        reason,
                    });
                }
                dir
            }
            None => crate::fixture::bundle::fixtures_dir()?,
        };
        let cache_dir = cache_root().join("fixtures");
        // Go's own compile cache: `$GOCACHE` when the user set one (a fresh
        // cache compiles the standard library first, a minute on 2 cores).
        let go_cache_dir = std::env::var_os("GOCACHE")
            .filter(|d| !d.is_empty())
            .map_or_else(|| cache_dir.join("gocache"), PathBuf::from);
        Ok(Fixtures {
            source_dir,
            go_cache_dir,
            cache_dir,
            build_timeout: BUILD_TIMEOUT,
        })
    }

    /// Names of the fixtures: directories of the module holding a `main.go`.
    pub fn names(&self) -> Vec<String> {
        Self::names_in(&self.source_dir)
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().join("main.go").is_file())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        names
    }

    /// Refuses a name that is not a fixture, saying how to add one.
    pub fn check_name(&self, name: &str) -> Result<(), BuildError> {
        let names = self.names();
        if names.iter().any(|n| n == name) {
            return Ok(());
        }
        Err(BuildError::UnknownFixture {
            name: name.to_string(),
            known: names.join(", "),
            dir: self.source_dir.display().to_string(),
        })
    }

    /// Builds `name` with `toolchain` unless the cache already has it.
    pub fn build(&self, name: &str, toolchain: &Toolchain) -> Result<Built, BuildError> {
        self.build_tagged(name, toolchain, &[])
    }

    /// The same with Go build tags (e.g. [`HEAP_PROFILE_TAG`]); each set of
    /// tags is its own cached binary.
    pub fn build_tagged(
        &self,
        name: &str,
        toolchain: &Toolchain,
        tags: &[&str],
    ) -> Result<Built, BuildError> {
        self.build_with(name, toolchain, &BuildOptions::tagged(tags))
    }

    /// The same with every build setting: tags, `GOEXPERIMENT`, go line.
    /// A build the toolchain cannot make is [`BuildError::NotApplicable`].
    pub fn build_with(
        &self,
        name: &str,
        toolchain: &Toolchain,
        options: &BuildOptions,
    ) -> Result<Built, BuildError> {
        let mut tags = options.tags.clone();
        tags.sort();
        tags.dedup();
        self.check_name(name)?;
        if let Some(reason) = options.unbuildable(&toolchain.version) {
            return Err(BuildError::NotApplicable { reason });
        }
        // Unless the settings give one, the go line is the toolchain's own
        // minor version, so each toolchain runs the fixtures with the GODEBUG
        // defaults a new program gets today.
        let go_line = options.go_line_for(&toolchain.version);
        let goexperiment = options.goexperiment.clone().filter(|e| !e.is_empty());
        let key = self.key(name, toolchain, &go_line, &tags, goexperiment.as_deref())?;
        let bin_dir = self.cache_dir.join("bin");
        let flavour: String = tags.iter().map(|t| format!("+{t}")).collect();
        let binary = bin_dir.join(format!(
            "{name}{flavour}-{}-{}",
            toolchain.version,
            &key[..16]
        ));
        let built = |fresh| Built {
            name: name.to_string(),
            binary: binary.clone(),
            key: key.clone(),
            go_line: go_line.clone(),
            fresh,
            tags: tags.clone(),
            goexperiment: goexperiment.clone(),
        };
        if binary.is_file() {
            return Ok(built(false));
        }
        let how = How {
            go_line: &go_line,
            tags: &tags,
            goexperiment: goexperiment.as_deref(),
        };
        self.go_build(name, toolchain, how, &bin_dir, &binary)?;
        Ok(built(true))
    }

    /// Hash of everything that changes the binary.
    fn key(
        &self,
        name: &str,
        toolchain: &Toolchain,
        go_line: &str,
        tags: &[String],
        goexperiment: Option<&str>,
    ) -> Result<String, BuildError> {
        let mut hasher = Sha256::new();
        hasher.update(toolchain.version.name());
        hasher.update(toolchain.go.display().to_string());
        hasher.update(go_line);
        // Nothing is hashed for no tags or experiment, so plain builds keep
        // their old keys.
        if !tags.is_empty() {
            hasher.update(format!("-tags={}\n", tags.join(",")));
        }
        if let Some(exp) = goexperiment {
            hasher.update(format!("GOEXPERIMENT={exp}\n"));
        }
        for (k, v) in BUILD_ENV {
            hasher.update(format!("{k}={v}\n"));
        }
        // The fixture's own package, the probe module, and go.mod.
        let mut files = vec![self.source_dir.join("go.mod")];
        collect_go_files(&self.source_dir.join(name), &mut files)?;
        let probe_mod = self.source_dir.join(PROBE_DIR).join("go.mod");
        if probe_mod.is_file() {
            files.push(probe_mod);
        }
        collect_go_files(&self.source_dir.join(PROBE_DIR), &mut files)?;
        hash_files(&mut hasher, files, |file| {
            let rel = file.strip_prefix(&self.source_dir).unwrap_or(file);
            rel.display().to_string()
        })?;
        Ok(hex::encode(hasher.finalize()))
    }
}

/// Feeds `files` to `hasher` in sorted order: each one's name (as `name`
/// gives it), its length and its bytes. The one way a build key hashes
/// sources, for bundled fixtures and programs by path alike.
/// Whether `dir` holds at least one fixture (a subfolder with a `main.go`).
fn has_a_fixture(dir: &Path) -> bool {
    !Fixtures::names_in(dir).is_empty()
}

fn hash_files(
    hasher: &mut Sha256,
    mut files: Vec<PathBuf>,
    name: impl Fn(&std::path::Path) -> String,
) -> Result<(), BuildError> {
    files.sort();
    for file in files {
        let bytes = std::fs::read(&file).map_err(|error| BuildError::Sources {
            path: file.display().to_string(),
            error,
        })?;
        hasher.update(name(&file));
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(())
}

pub mod bundle;
pub mod bundle_sweep;
pub mod by_path;
mod error;
mod go_build;
mod helpers;
pub mod info;
mod modfile;
mod options;

pub use error::BuildError;
use go_build::How;
pub(crate) use go_build::experiment_refused;
pub(crate) use helpers::{collect_go_files, passthrough_env};
pub use options::{
    BuildOptions, GoLineRefusal, go_line_refusal, parse_go_line, unknown_experiment,
};

#[cfg(test)]
mod tests;
