//! One `[[settings]]` row of an experiment file: runtime variables,
//! fixture arguments, and the run's memory limit (`memory-max`).

use super::*;

/// One `[[settings]]` row: runtime variables as strings, plus optional `args`.
pub(super) fn cell(
    row: &BTreeMap<String, toml::Value>,
    base_args: &[String],
) -> Result<Cell, String> {
    let mut env = BTreeMap::new();
    let mut extra_args = Vec::new();
    let mut memory_max = None;
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
        } else if SETTINGS_VARS.contains(&key.as_str()) {
            let text = match value {
                toml::Value::String(s) => s.clone(),
                toml::Value::Integer(i) => i.to_string(),
                _ => return Err(format!("`{key}` must be a string or an integer")),
            };
            env.insert(key.clone(), text);
        } else {
            return Err(format!(
                "unknown setting `{key}`: valid are args, {MEMORY_MAX}, {}",
                SETTINGS_VARS.join(", ")
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
    })
}
