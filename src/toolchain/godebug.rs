//! The GODEBUG keys a toolchain knows, read from its own sources (Go prints
//! nothing for an unknown key, so a typo would look like a setting in effect).

use std::collections::BTreeSet;
use std::path::Path;

use super::Toolchain;

impl Toolchain {
    /// The keys of `godebug` (a GODEBUG value, `k=v,k=v`) this toolchain does
    /// not know, in order; empty when it cannot tell (no sources, or a Go
    /// before go1.21, which has no `internal/godebugs` table).
    pub fn unknown_godebug_keys(&self, godebug: &str) -> Vec<String> {
        let Some(known) = self.godebug_keys() else {
            return Vec::new();
        };
        godebug
            .split(',')
            .filter_map(|kv| kv.split_once('=').map(|(k, _)| k.trim()))
            .filter(|k| !k.is_empty() && !known.contains(*k))
            .map(str::to_string)
            .collect()
    }

    /// The `note:` line for each unknown key in a run's GODEBUG setting.
    pub fn godebug_notes(&self, env: &std::collections::BTreeMap<String, String>) -> Vec<String> {
        let Some(godebug) = env.get("GODEBUG") else {
            return Vec::new();
        };
        self.unknown_godebug_keys(godebug)
            .into_iter()
            .map(|key| {
                format!(
                    "GODEBUG key `{key}` is not one {} knows, so it does nothing (Go says \
                     nothing): check its spelling (`go doc runtime` lists the runtime's keys)",
                    self.version.name()
                )
            })
            .collect()
    }

    /// Every GODEBUG key of this toolchain: the `internal/godebugs` table,
    /// the runtime's own `dbgvars` and `memprofilerate`.
    fn godebug_keys(&self) -> Option<BTreeSet<String>> {
        let go = std::fs::canonicalize(&self.go).ok()?;
        let goroot = go.parent()?.parent()?;
        let table = read(&goroot.join("src/internal/godebugs/table.go"))?;
        let runtime = read(&goroot.join("src/runtime/runtime1.go"))?;
        let mut keys: BTreeSet<String> = names(&table, "{Name: \"").collect();
        let before = keys.len();
        keys.extend(names(&runtime, "{name: \""));
        if keys.len() == before {
            return None; // the runtime's list is written another way: cannot tell
        }
        keys.insert("memprofilerate".into());
        Some(keys)
    }
}

fn read(path: &Path) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The quoted names after each `prefix` in Go source.
fn names<'a>(text: &'a str, prefix: &'a str) -> impl Iterator<Item = String> + 'a {
    text.split(prefix)
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(name, _)| name.to_string()))
        .filter(|name| !name.is_empty() && !name.starts_with('#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_the_table_and_the_runtime() {
        let table = "var All = []Info{\n\t{Name: \"asynctimerchan\", Package: \"time\"},\n\t{Name: \"#hidden\"},\n}";
        let runtime = "var dbgvars = []*dbgVar{\n\t{name: \"gctrace\", value: &debug.gctrace},\n}";
        let mut keys: Vec<String> = names(table, "{Name: \"").collect();
        keys.extend(names(runtime, "{name: \""));
        assert_eq!(keys, ["asynctimerchan", "gctrace"]);
    }
}
