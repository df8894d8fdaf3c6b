//! One `[[settings]]` row of an experiment file: runtime variables, build
//! settings, fixture arguments, and the run's memory limit (`memory-max`);
//! its label, and which claims' `when` select it.

use super::*;
use crate::fixture::parse_go_line;

/// The build's `GOEXPERIMENT` (a comma list, as `go build` takes it).
pub const GOEXPERIMENT: &str = "GOEXPERIMENT";
/// The go.mod `go` line of the build (`"1.22"`).
pub const GO_LINE: &str = "go-line";
/// Settings that change the build rather than the run.
pub const BUILD_SETTINGS: &[&str] = &[GOEXPERIMENT, GO_LINE];

/// One `[[settings]]` row: runtime variables as strings, plus optional `args`.
pub(super) fn cell(
    row: &BTreeMap<String, toml::Value>,
    base_args: &[String],
) -> Result<Cell, String> {
    let mut env = BTreeMap::new();
    let mut extra_args = Vec::new();
    let mut memory_max = None;
    let mut build = BuildOptions::default();
    for (key, value) in row {
        if key == "args" {
            let list = value.as_array().ok_or("`args` must be a list of strings")?;
            for a in list {
                extra_args.push(
                    a.as_str()
                        .ok_or("`args` must be a list of strings")?
                        .to_string(),
                );
            }
        } else if key == MEMORY_MAX {
            let text = value
                .as_str()
                .ok_or("`memory-max` must be a size string, e.g. \"256MiB\"")?;
            memory_max = Some(
                crate::run::watchdog::parse_size(text).map_err(|e| format!("memory-max: {e}"))?,
            );
        } else if key == GOEXPERIMENT {
            let text = value
                .as_str()
                .filter(|s| {
                    !s.is_empty()
                        && s.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == ',' || c == '_')
                })
                .ok_or("`GOEXPERIMENT` must be a non-empty comma list of experiment names (e.g. \"nogreenteagc\")")?;
            build.goexperiment = Some(text.to_string());
        } else if key == GO_LINE {
            let text = value
                .as_str()
                .filter(|s| parse_go_line(s).is_some())
                .ok_or("`go-line` must be a go.mod go line as a string, e.g. \"1.22\"")?;
            build.go_line = Some(text.to_string());
        } else if SETTINGS_VARS.contains(&key.as_str()) {
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                _ => return Err(format!("`{key}` must be a string or an integer")),
            };
            crate::run::check_setting(key, &text)?;
            env.insert(key.clone(), text);
        } else {
            return Err(format!(
                "unknown setting `{key}`: valid are args, {MEMORY_MAX}, {}, {}",
                SETTINGS_VARS.join(", "),
                BUILD_SETTINGS.join(", ")
            ));
        }
    }
    let mut args = base_args.to_vec();
    args.extend(extra_args.iter().cloned());
    Ok(Cell {
        env,
        args,
        extra_args,
        memory_max,
        build,
    })
}

impl Cell {
    /// `GODEBUG=madvdontneed=0 -mode sparse`, or `defaults`.
    pub fn label(&self) -> String {
        let mut parts: Vec<String> = self
            .settings()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if let Some(max) = self.memory_max {
            parts.push(format!(
                "{MEMORY_MAX}={}",
                crate::run::cgroup::show_limit(max)
            ));
        }
        if !self.extra_args.is_empty() {
            parts.push(self.extra_args.join(" "));
        }
        if parts.is_empty() {
            "defaults".into()
        } else {
            parts.join(" ")
        }
    }

    /// Whether a claim's `when` selects this cell: `args` matches the row's
    /// own arguments, a variable its value, and `""` means "not set".
    pub fn matches(&self, when: &BTreeMap<String, String>) -> bool {
        when.iter().all(|(k, v)| {
            if k == "args" {
                &self.extra_args.join(" ") == v
            } else if k == MEMORY_MAX {
                match v.as_str() {
                    "" => self.memory_max.is_none(),
                    size => crate::run::watchdog::parse_size(size)
                        .is_ok_and(|bytes| self.memory_max == Some(bytes)),
                }
            } else {
                self.settings().get(k.as_str()).copied().unwrap_or("") == v
            }
        })
    }

    /// The row's runtime variables and build settings, by name.
    pub fn settings(&self) -> BTreeMap<&str, &str> {
        let mut all: BTreeMap<&str, &str> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if let Some(e) = &self.build.goexperiment {
            all.insert(GOEXPERIMENT, e);
        }
        if let Some(l) = &self.build.go_line {
            all.insert(GO_LINE, l);
        }
        all
    }
}
