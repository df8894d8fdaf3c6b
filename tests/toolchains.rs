//! Which Go builds the fixtures, as a user names it: a GOROOT, a `go` binary,
//! relative paths, a release name (installed, the `go` on PATH, or fetched
//! for real through the Go module proxy into a temporary cache), the one-line
//! error when it cannot be fetched, and `gomemlab toolchains`.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{stdout_of_success, toolchain};

/// `gomemlab` with its toolchain caches pointed into `cache` (empty unless a
/// test fills it), so nothing installed on this machine is found by name.
fn gomemlab(cache: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"));
    cmd.env_remove("GOMEMLAB_GO")
        .env("GOMEMLAB_TOOLCHAINS", cache.join("gomemlab"))
        .env("GOMODCACHE", cache.join("user-modcache"));
    cmd
}

/// The Go of a `run --json` timeline: (its `go` path, its version).
fn run_hello_with(cmd: &mut Command, go: &str) -> (String, String) {
    let out = cmd
        .args(["run", "hello", "--json", "--go", go])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout_of_success(&out)).unwrap();
    let t = &v["toolchain"];
    (
        t["go"].as_str().unwrap().to_string(),
        t["version"].as_str().unwrap().to_string(),
    )
}

/// A temp dir that can be deleted even with Go's read-only module cache inside.
struct Cache(tempfile::TempDir);

impl Cache {
    fn new() -> Cache {
        Cache(tempfile::tempdir().unwrap())
    }
    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        fn writable(dir: &Path) {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755));
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    writable(&entry.path());
                }
            }
        }
        writable(self.0.path());
    }
}

#[test]
fn a_goroot_a_go_binary_and_relative_paths_all_name_the_same_go() {
    let go = &toolchain().go;
    let goroot = go.parent().unwrap().parent().unwrap();
    let parent = goroot.parent().unwrap();
    let base = goroot.file_name().unwrap().to_str().unwrap();
    let cache = Cache::new();
    let want = (go.display().to_string(), toolchain().version.name());
    for (cwd, spec) in [
        (Path::new("/"), goroot.display().to_string()),
        (Path::new("/"), go.display().to_string()),
        (parent, format!("{base}/bin/go")),
        (parent, format!("./{base}")),
    ] {
        let got = run_hello_with(gomemlab(cache.path()).current_dir(cwd), &spec);
        assert_eq!(got, want, "--go {spec} from {}", cwd.display());
    }
}

#[test]
fn a_release_name_that_is_the_go_on_path_is_used_without_fetching() {
    let Some(on_path) = gomemlab::toolchain::on_path_toolchain() else {
        panic!("the tests need a `go` on PATH");
    };
    let cache = Cache::new();
    let out = gomemlab(cache.path())
        .env("GOPROXY", "off")
        .args(["run", "hello", "--json", "--go", &on_path.version.name()])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&stdout_of_success(&out)).unwrap();
    assert_eq!(v["toolchain"]["go"], on_path.go.display().to_string());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_release_that_cannot_be_fetched_is_one_clear_error() {
    let cache = Cache::new();
    let out = gomemlab(cache.path())
        .env("GOPROXY", "off")
        .args(["run", "hello", "--go", "go1.23.4"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    for part in [
        "go1.23.4 is not installed",
        "GOPROXY=off",
        "--fetch go1.23.4",
    ] {
        assert!(errors[0].contains(part), "{part}: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn a_release_is_fetched_the_go_way_listed_and_then_used_offline() {
    let cache = Cache::new();
    let fetched = gomemlab(cache.path())
        .args(["toolchains", "--fetch", "go1.22.10"])
        .output()
        .unwrap();
    let stdout = stdout_of_success(&fetched);
    let stderr = String::from_utf8_lossy(&fetched.stderr);
    assert!(stderr.contains("fetching go1.22.10"), "{stderr}");
    assert!(stderr.contains("fetched go1.22.10 in"), "{stderr}");
    let goroot = PathBuf::from(stdout.trim().strip_prefix("go1.22.10").unwrap().trim());
    assert!(
        goroot.starts_with(cache.path().join("gomemlab")),
        "{stdout}"
    );

    // The fetched toolchain runs by itself and says what it is.
    let version = std::process::Command::new(goroot.join("bin/go"))
        .args(["env", "GOVERSION"])
        .env("GOTOOLCHAIN", "local")
        .output()
        .unwrap();
    assert_eq!(stdout_of_success(&version).trim(), "go1.22.10");

    // Listed with its place, and the go on PATH beside it.
    let listed = gomemlab(cache.path()).arg("toolchains").output().unwrap();
    let listing = stdout_of_success(&listed);
    let line = format!("go1.22.10  {}", goroot.display());
    assert!(listing.lines().any(|l| l == line), "{listing}");
    assert!(listing.contains("(go on PATH)"), "{listing}");
    assert!(
        listing.contains("\nsupported, not installed: go1."),
        "{listing}"
    );

    // Offline now, `--go go1.22.10` finds it and builds a fixture with it.
    let mut cmd = gomemlab(cache.path());
    cmd.env("GOPROXY", "off");
    let (go, version) = run_hello_with(&mut cmd, "go1.22.10");
    assert_eq!(go, goroot.join("bin/go").display().to_string());
    assert_eq!(version, "go1.22.10");
}

#[test]
fn ci_and_github_cover_every_supported_release() {
    // One list: `toolchain::supported()`. `.ci/run` takes it as `all` (what
    // `toolchains --fetch all` prints); the workflow's matrix must spell it out.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let supported = gomemlab::toolchain::supported();
    let workflow = std::fs::read_to_string(root.join(".github/workflows/ci.yml")).unwrap();
    let quoted: Vec<String> = supported
        .iter()
        .map(|v| format!("'{}.{}.{}'", v.major, v.minor, v.patch))
        .collect();
    let matrix = format!("go: [{}]", quoted.join(", "));
    assert!(
        workflow.lines().any(|l| l.trim() == matrix),
        "the workflow's matrix should be `{matrix}`"
    );
    let run = std::fs::read_to_string(root.join(".ci/run")).unwrap();
    assert!(
        run.lines().any(|l| l == "GO_VERSIONS=(all)"),
        ".ci/run should test `GO_VERSIONS=(all)`, every supported release"
    );
}
