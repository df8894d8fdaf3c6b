//! What `gomemlab fixtures` prints: each bundled fixture with its purpose,
//! phases and flags (and where it was built, with `--build`), then how a
//! program of your own gets the probe.

use std::fmt::Write as _;
use std::path::Path;

use crate::fixture::info::FixtureDoc;

/// The entry of fixture `name`: its name (a tab and its binary when built),
/// purpose, phases and flags, a line each.
pub fn entry(name: &str, binary: Option<&Path>, doc: &FixtureDoc) -> String {
    let mut out = match binary {
        Some(binary) => format!("{name}\t{}\n", binary.display()),
        None => format!("{name}\n"),
    };
    if !doc.purpose.is_empty() {
        let _ = writeln!(out, "  {}", doc.purpose);
    }
    let _ = writeln!(out, "  phases: {}", doc.phases.join(", "));
    for f in &doc.flags {
        let _ = writeln!(
            out,
            "  -{} {} (default {}): {}",
            f.name, f.kind, f.default, f.usage
        );
    }
    out
}

/// Where the probe is, for a go.mod that builds without gomemlab too.
pub fn probe_note(probe: &Path) -> String {
    format!(
        "\nyour own program: import gomemlab.dev/probe (gomemlab supplies it); to build it \
         without gomemlab too, add to its go.mod:\n  require gomemlab.dev/probe v0.0.0\n  \
         replace gomemlab.dev/probe => {}\n  (this gomemlab's copy; copy the folder elsewhere to keep it across upgrades)\n",
        probe.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::info::Flag;

    #[test]
    fn an_entry_is_its_name_purpose_phases_and_flags() {
        let doc = FixtureDoc {
            purpose: "bigbytes allocates".to_string(),
            phases: vec!["start".to_string(), "allocated".to_string()],
            flags: vec![Flag {
                name: "count".to_string(),
                kind: "int".to_string(),
                default: "10".to_string(),
                usage: "how many".to_string(),
            }],
        };
        assert_eq!(
            entry("bigbytes", Some(Path::new("/c/bigbytes")), &doc),
            "bigbytes\t/c/bigbytes\n  bigbytes allocates\n  phases: start, allocated\n  -count int (default 10): how many\n"
        );
        assert_eq!(
            entry("idle", None, &FixtureDoc::default()),
            "idle\n  phases: \n"
        );
    }
}
