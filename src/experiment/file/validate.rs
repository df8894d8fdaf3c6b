//! Checks across claims and files: claim ids unique everywhere (both
//! places named), `when` keys that are settings.

use super::*;

/// Refuses a claim id used twice across `experiments`, naming both places.
pub fn check_unique_ids(experiments: &[Experiment]) -> Result<(), ExperimentError> {
    let mut seen: BTreeMap<&str, (&Path, usize)> = BTreeMap::new();
    for exp in experiments {
        for c in &exp.claims {
            if let Some((path, line)) = seen.insert(&c.id, (&exp.path, c.line)) {
                return Err(ExperimentError::Invalid {
                    path: exp.path.display().to_string(),
                    line: c.line,
                    message: format!(
                        "claim id `{}` is already used at {}:{line}: give each claim its own id",
                        c.id,
                        path.display()
                    ),
                });
            }
        }
    }
    Ok(())
}

/// Lines (1-based) of the `id = "ID"` entries for `id`, in order.
pub(super) fn id_lines(text: &str, id: &str) -> Vec<usize> {
    all_id_lines(text).remove(id).unwrap_or_default()
}

/// The lines of every `id = "..."` in the file, by id, in one pass.
pub(super) fn all_id_lines(text: &str) -> std::collections::HashMap<&str, Vec<usize>> {
    let mut out: std::collections::HashMap<&str, Vec<usize>> = std::collections::HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let id = line
            .trim_start()
            .strip_prefix("id")
            .and_then(|rest| rest.trim_start().strip_prefix('='))
            .and_then(|rest| rest.split('#').next())
            .and_then(|value| {
                let v = value.trim();
                v.strip_prefix('"')
                    .or_else(|| v.strip_prefix('\''))
                    .and_then(|v| v.strip_suffix('"').or_else(|| v.strip_suffix('\'')))
            });
        if let Some(id) = id {
            out.entry(id).or_default().push(i + 1);
        }
    }
    out
}

/// Refuses a `when` key that is no setting (a typo would match every row).
pub(super) fn check_when_keys(
    c: &ClaimFile,
    text: &str,
) -> Result<(), (std::ops::Range<usize>, String)> {
    match c.when.keys().find(|k| {
        *k != "args"
            && *k != MEMORY_MAX
            && !SETTINGS_VARS.contains(&k.as_str())
            && !BUILD_SETTINGS.contains(&k.as_str())
    }) {
        None => Ok(()),
        Some(key) => {
            let line_start = id_lines(text, &c.id)
                .first()
                .map_or(0, |&l| text.lines().take(l - 1).map(|x| x.len() + 1).sum());
            Err((
                line_start..line_start,
                format!(
                    "claim `{}`: `when` key `{key}` is not a setting: valid are args, {MEMORY_MAX}, {}, {}",
                    c.id,
                    SETTINGS_VARS.join(", "),
                    BUILD_SETTINGS.join(", ")
                ),
            ))
        }
    }
}
