//! The go line of a program given by path: the one its go.mod says, the one
//! the generated workspace applies, and whether a toolchain can build it.

use std::path::Path;

use crate::build::fixture::{
    BuildError, BuildOptions, GoLineRefusal, go_line_refusal, parse_go_line,
};
use crate::build::toolchain::GoVersion;

/// The go line of a go.mod (`1.16` when it has none, as Go assumes).
pub(super) fn go_line_of(gomod: &Path) -> Result<String, BuildError> {
    let text = std::fs::read_to_string(gomod).map_err(|source| BuildError::Sources {
        path: gomod.display().to_string(),
        source,
    })?;
    Ok(text
        .lines()
        .find_map(|l| l.trim().strip_prefix("go ").map(|v| v.trim().to_string()))
        .unwrap_or_else(|| "1.16".to_string()))
}

/// The module path a go.mod declares (`module example.com/myprog`).
pub(super) fn module_path_of(gomod: &Path) -> Option<String> {
    let text = std::fs::read_to_string(gomod).ok()?;
    let path = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("module "))?;
    Some(path.trim().trim_matches('"').to_string()).filter(|p| !p.is_empty())
}

/// The workspace's go line: the module's, raised to the probe's 1.19.
pub(super) fn applied_go_line(module: &str) -> String {
    let minor = module
        .split('.')
        .nth(1)
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(0);
    if minor < 19 {
        "1.19".to_string()
    } else {
        module.to_string()
    }
}

/// Why `version` cannot build a module whose go.mod (`gomod`) says
/// `go {line}` ([`go_line_refusal`]), and what to do.
pub(super) fn too_new(gomod: &Path, line: &str, version: &GoVersion) -> Option<String> {
    let wanted = GoVersion::parse(&format!("go{line}"))?;
    let (gomod, name) = (gomod.display(), version.name());
    let (major, minor) = (wanted.major, wanted.minor);
    go_line_refusal(line, version).map(|refusal| match refusal {
        GoLineRefusal::Unreadable => format!(
            "{gomod} says go {line}, which {name} cannot read (a patch in the go line is Go 1.21's): \
             run it with --go go{major}.{} or later, or write go {major}.{minor} in go.mod",
            minor.max(21)
        ),
        GoLineRefusal::Newer => format!(
            "{gomod} says go {line}, newer than {name}, which refuses to build it: \
             run it with --go go{major}.{minor} or later, or lower the go line in go.mod"
        ),
    })
}

/// The generated workspace's go line for a settings row: the row's
/// `go-line` when it gives one, else the module's (raised to the probe's
/// 1.19). A row's go line newer than the toolchain, or older than the
/// module's (a workspace cannot lower it: `go` refuses), is not applicable,
/// with the reason.
pub(super) fn settings_go_line(
    options: &BuildOptions,
    gomod: &Path,
    module_line: &str,
    version: &GoVersion,
) -> Result<String, BuildError> {
    let module = applied_go_line(module_line);
    let Some(line) = options.go_line.as_deref() else {
        return Ok(module);
    };
    if let Some(reason) = options.unbuildable(version) {
        return Err(BuildError::NotApplicable { reason });
    }
    if parse_go_line(line) < parse_go_line(&module) {
        return Err(BuildError::NotApplicable {
            reason: format!(
                "go line {line} is older than {}'s go {module_line}: a workspace can raise a module's go line, not lower it",
                gomod.display()
            ),
        });
    }
    Ok(line.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_go_line_is_the_modules_at_least_the_probes() {
        assert_eq!(applied_go_line("1.22.0"), "1.22.0");
        assert_eq!(applied_go_line("1.17"), "1.19");
    }

    #[test]
    fn a_rows_go_line_may_raise_the_modules_not_lower_it() {
        let gomod = Path::new("/p/go.mod");
        let v = GoVersion::parse("go1.26.8").unwrap();
        let row = |line: Option<&str>| BuildOptions {
            go_line: line.map(str::to_string),
            ..BuildOptions::default()
        };
        let line = |o: &BuildOptions, m: &str| settings_go_line(o, gomod, m, &v);
        assert_eq!(line(&row(None), "1.17").unwrap(), "1.19");
        assert_eq!(line(&row(Some("1.24")), "1.22").unwrap(), "1.24");
        let lower = line(&row(Some("1.21")), "1.22").unwrap_err().to_string();
        assert!(lower.contains("older than /p/go.mod's go 1.22"), "{lower}");
        let newer = line(&row(Some("1.27")), "1.22").unwrap_err().to_string();
        assert!(newer.contains("newer than go1.26"), "{newer}");
    }

    #[test]
    fn the_module_path_is_read_from_go_mod() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let gomod = dir.path().join("go.mod");
        std::fs::write(&gomod, "// c\nmodule example.com/myprog\n\ngo 1.22\n").expect("written");
        assert_eq!(
            module_path_of(&gomod).as_deref(),
            Some("example.com/myprog")
        );
        std::fs::write(&gomod, "go 1.22\n").expect("written");
        assert_eq!(module_path_of(&gomod), None);
    }

    #[test]
    fn a_go_line_newer_than_the_toolchain_is_refused() {
        let gomod = Path::new("/p/go.mod");
        let v = |s: &str| GoVersion::parse(s).unwrap();
        let why = too_new(gomod, "1.22", &v("go1.21.13")).unwrap();
        assert!(
            why.starts_with("/p/go.mod says go 1.22, newer than go1.21.13,"),
            "{why}"
        );
        assert!(why.contains("--go go1.22 or later"), "{why}");
        assert!(too_new(gomod, "1.22.3", &v("go1.22.1")).is_some());
        assert_eq!(too_new(gomod, "1.22", &v("go1.22.0")), None);
        assert_eq!(too_new(gomod, "1.21", &v("go1.26.8")), None);
        assert!(too_new(gomod, "1.22", &v("go1.20.14")).is_some());
        // Go 1.19 and 1.20 build a go line up to 1.21, two-part only.
        assert_eq!(too_new(gomod, "1.21", &v("go1.19.13")), None);
        let patch = too_new(gomod, "1.20.3", &v("go1.20.14")).unwrap();
        assert!(patch.contains("go1.20.14 cannot read"), "{patch}");
        assert!(patch.contains("write go 1.20 in go.mod"), "{patch}");
    }
}
