//! A fixture given by path: a Go main package anywhere (a folder, or one
//! `.go` file), built with its own go.mod and go line. gomemlab's probe
//! module is supplied through a generated `go.work` in the cache, so the
//! user's folder is never written and no network is needed for the probe.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::fixture::{BuildError, BuildOptions, Built, Fixtures, PROBE_DIR, PROBE_MODULE};
use super::fixture::{collect_go_files, experiment_refused, passthrough_env};
use super::toolchain::Toolchain;

mod go_line;
use go_line::{go_line_of, module_path_of, settings_go_line, too_new};

/// A fixture as named on the command line or in an experiment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FixtureRef {
    /// A fixture bundled with gomemlab, by name (`idle`).
    Bundled(String),
    /// A Go main package: a folder or a `.go` file.
    Path(PathBuf),
}

impl FixtureRef {
    /// A path when `spec` has a `/`, is `.` or `..`, ends in `.go`, or is
    /// no bundled fixture but exists; else a bundled name.
    pub fn parse(spec: &str, bundled: &[String]) -> FixtureRef {
        let pathy = spec.contains('/') || spec == "." || spec == ".." || spec.ends_with(".go");
        if pathy || (!bundled.iter().any(|n| n == spec) && Path::new(spec).exists()) {
            FixtureRef::Path(PathBuf::from(spec))
        } else {
            FixtureRef::Bundled(spec.to_string())
        }
    }
}

/// What a path build found out, kept beside the binary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathInfo {
    /// The module root (the folder of its go.mod).
    pub module_dir: PathBuf,
    /// The module path its go.mod declares (empty if none was read).
    #[serde(default)]
    pub module_path: String,
    /// The go line of the program's go.mod.
    pub module_go_line: String,
    /// The go line that applied (the generated go.work's).
    pub go_line: String,
    /// `go list -f {{.DefaultGODEBUG}}` (go1.21 and later), empty when none.
    pub default_godebug: Option<String>,
    /// Whether the program imports gomemlab.dev/probe.
    pub uses_probe: bool,
}

impl Fixtures {
    /// Builds `fixture` (bundled or by path) with `toolchain` and build tags.
    pub fn build_ref(
        &self,
        fixture: &FixtureRef,
        toolchain: &Toolchain,
        tags: &[&str],
    ) -> Result<Built, BuildError> {
        match fixture {
            FixtureRef::Bundled(name) => self.build_tagged(name, toolchain, tags),
            FixtureRef::Path(path) => Ok(self.build_path(path, toolchain, tags)?.0),
        }
    }

    /// The same with every build setting of a settings row.
    pub fn build_ref_with(
        &self,
        fixture: &FixtureRef,
        toolchain: &Toolchain,
        options: &BuildOptions,
    ) -> Result<Built, BuildError> {
        match fixture {
            FixtureRef::Bundled(name) => self.build_with(name, toolchain, options),
            FixtureRef::Path(path) => Ok(self.build_path_with(path, toolchain, options)?.0),
        }
    }

    /// Builds the Go main package at `path` (a folder or a `.go` file) with
    /// its own module, and says which go line applied and whether it uses
    /// the probe. Cached by path, sources and toolchain.
    pub fn build_path(
        &self,
        path: &Path,
        toolchain: &Toolchain,
        tags: &[&str],
    ) -> Result<(Built, PathInfo), BuildError> {
        self.build_path_with(path, toolchain, &BuildOptions::tagged(tags))
    }

    /// The same with every build setting: tags, `GOEXPERIMENT`, and a go
    /// line, which becomes the generated workspace's (so it sets the GODEBUG
    /// defaults; it may raise the module's go line, not lower it).
    pub fn build_path_with(
        &self,
        path: &Path,
        toolchain: &Toolchain,
        options: &BuildOptions,
    ) -> Result<(Built, PathInfo), BuildError> {
        let shown = path.display().to_string();
        let path = std::path::absolute(path)
            .ok()
            .and_then(|p| p.canonicalize().ok())
            .ok_or_else(|| BuildError::NoSuchPath {
                path: shown.clone(),
            })?;
        let (pkg_dir, target) = if path.is_dir() {
            (path.clone(), ".".to_string())
        } else {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            match (path.parent(), name) {
                (Some(dir), Some(name)) if name.ends_with(".go") => (dir.to_path_buf(), name),
                _ => return Err(BuildError::NoSuchPath { path: shown }),
            }
        };
        let module_dir = pkg_dir
            .ancestors()
            .find(|d| d.join("go.mod").is_file())
            .ok_or_else(|| BuildError::NoModule {
                path: shown.clone(),
            })?
            .to_path_buf();
        let gomod = module_dir.join("go.mod");
        let module_go_line = go_line_of(&gomod)?;
        if let Some(reason) = too_new(&gomod, &module_go_line, &toolchain.version) {
            return Err(BuildError::NotApplicable { reason });
        }
        let go_line = settings_go_line(options, &gomod, &module_go_line, &toolchain.version)?;
        let goexperiment = options.goexperiment.clone().filter(|e| !e.is_empty());
        let name = pkg_dir
            .file_name()
            .map_or_else(|| "main".to_string(), |n| n.to_string_lossy().into_owned());
        let mut tags = options.tags.clone();
        tags.sort();
        tags.dedup();
        let probe_dir = self.source_dir.join(PROBE_DIR);
        let how = format!(
            "-tags={}\ngo {go_line}\nGOEXPERIMENT={}\n",
            tags.join(","),
            goexperiment.as_deref().unwrap_or("")
        );
        let key = path_key(&path, &module_dir, &probe_dir, toolchain, &how)?;
        let dir = self.cache_dir.join("paths");
        let flavour: String = tags.iter().map(|t| format!("+{t}")).collect();
        let binary = dir.join(format!(
            "{name}{flavour}-{}-{}",
            toolchain.version,
            &key[..16]
        ));
        let info_file = binary.with_extension("json");
        let built = |fresh| Built {
            name: name.clone(),
            binary: binary.clone(),
            key: key.clone(),
            go_line: go_line.clone(),
            fresh,
            tags: tags.clone(),
            goexperiment: goexperiment.clone(),
        };
        let cached = std::fs::read(&info_file)
            .ok()
            .and_then(|b| serde_json::from_slice::<PathInfo>(&b).ok());
        if let (true, Some(info)) = (binary.is_file(), cached) {
            return Ok((built(false), info));
        }
        let cache_err = |p: &Path| {
            let path = p.display().to_string();
            move |source| BuildError::Cache { path, source }
        };
        let work = dir.join(format!(".work-{}", &key[..16]));
        std::fs::create_dir_all(&work).map_err(cache_err(&work))?;
        let gowork = work.join("go.work");
        let text = format!(
            "// Generated by gomemlab: your module plus the probe it carries.\ngo {go_line}\n\nuse (\n\t{:?}\n\t{:?}\n)\n",
            module_dir.display().to_string(),
            probe_dir.display().to_string()
        );
        std::fs::write(&gowork, text).map_err(cache_err(&gowork))?;
        let env = |cmd: &mut Command| {
            cmd.current_dir(&pkg_dir)
                .env_clear()
                .envs(passthrough_env())
                .envs(user_go_env())
                .env("GOTOOLCHAIN", "local")
                .env("GOFLAGS", "-trimpath")
                .env("CGO_ENABLED", "0")
                .env("GOENV", "off")
                .env("GOWORK", &gowork)
                .env("GOEXPERIMENT", goexperiment.as_deref().unwrap_or(""))
                .env("GOCACHE", &self.go_cache_dir);
        };
        self.run_go_build(&name, toolchain, &dir, &binary, &mut |cmd, out| {
            env(cmd);
            cmd.arg("build");
            if !tags.is_empty() {
                cmd.arg(format!("-tags={}", tags.join(",")));
            }
            cmd.arg("-o").arg(out).arg(&target);
        })
        .map_err(|e| experiment_refused(e, goexperiment.as_deref(), toolchain))?;
        let list = |template: &str| {
            let mut cmd = Command::new(&toolchain.go);
            env(&mut cmd);
            cmd.args(["list", "-deps", "-f", template, &target]);
            cmd.output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        };
        let uses_probe = list("{{.ImportPath}}")
            .is_some_and(|deps| deps.lines().any(|l| l.trim() == PROBE_MODULE));
        let default_godebug = (toolchain.version.minor >= 21)
            .then(|| list("{{if .Name | eq \"main\"}}{{.DefaultGODEBUG}}{{end}}"))
            .flatten()
            .map(|s| s.trim().to_string());
        let info = PathInfo {
            module_path: module_path_of(&gomod).unwrap_or_default(),
            module_dir,
            module_go_line,
            go_line: go_line.clone(),
            default_godebug,
            uses_probe,
        };
        let json = serde_json::to_vec(&info).unwrap_or_default();
        std::fs::write(&info_file, json).map_err(cache_err(&info_file))?;
        Ok((built(true), info))
    }
}

/// The user's own Go settings a build of their module needs (their module
/// cache and proxy, for their dependencies).
fn user_go_env() -> impl Iterator<Item = (String, String)> {
    [
        "GOPATH",
        "GOMODCACHE",
        "GOPROXY",
        "GOPRIVATE",
        "GONOPROXY",
        "GONOSUMDB",
        "GOSUMDB",
        "GOINSECURE",
    ]
    .into_iter()
    .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
}

/// Hash of the program's path, its module's go.mod, go.sum and Go files,
/// the probe's, the toolchain and `how` (tags, go line, GOEXPERIMENT).
fn path_key(
    path: &Path,
    module_dir: &Path,
    probe_dir: &Path,
    toolchain: &Toolchain,
    how: &str,
) -> Result<String, BuildError> {
    let mut hasher = Sha256::new();
    hasher.update(path.display().to_string());
    hasher.update(toolchain.version.name());
    hasher.update(toolchain.go.display().to_string());
    hasher.update(how);
    let mut files = Vec::new();
    for dir in [module_dir, probe_dir] {
        for f in ["go.mod", "go.sum"] {
            if dir.join(f).is_file() {
                files.push(dir.join(f));
            }
        }
        collect_go_files(dir, &mut files)?;
    }
    files.sort();
    for file in files {
        let bytes = std::fs::read(&file).map_err(|source| BuildError::Sources {
            path: file.display().to_string(),
            source,
        })?;
        hasher.update(file.display().to_string());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_is_a_path_when_it_looks_like_one() {
        let names = vec!["idle".to_string()];
        assert_eq!(
            FixtureRef::parse("idle", &names),
            FixtureRef::Bundled("idle".into())
        );
        for spec in ["./idle", ".", "..", "/x/y", "main.go", "a/b"] {
            assert_eq!(
                FixtureRef::parse(spec, &names),
                FixtureRef::Path(spec.into())
            );
        }
        assert_eq!(
            FixtureRef::parse("nosuch", &names),
            FixtureRef::Bundled("nosuch".into())
        );
    }
}
