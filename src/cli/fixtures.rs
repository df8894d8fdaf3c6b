//! `gomemlab fixtures`: list the bundled fixtures with their purpose, phases
//! and flags (read from their sources); build them with --build.

use std::io::Write as _;

use anyhow::Result;

use crate::fixture::Fixtures;
use crate::fixture::info;

pub fn list_fixtures(build: bool, go: Option<&str>) -> Result<()> {
    let fixtures = Fixtures::bundled()?;
    let toolchain = if build {
        Some(super::toolchains::resolve(go)?)
    } else {
        None
    };
    let mut out = std::io::stdout();
    for name in fixtures.names() {
        let info = info::read(&fixtures.source_dir.join(&name));
        match &toolchain {
            Some(t) => {
                let built = fixtures.build(&name, t)?;
                writeln!(out, "{name}\t{}", built.binary.display())?;
            }
            None => writeln!(out, "{name}")?,
        }
        if !info.purpose.is_empty() {
            writeln!(out, "  {}", info.purpose)?;
        }
        writeln!(out, "  phases: {}", info.phases.join(", "))?;
        for f in &info.flags {
            writeln!(
                out,
                "  -{} {} (default {}): {}",
                f.name, f.kind, f.default, f.usage
            )?;
        }
    }
    // Where the probe is, for a go.mod that builds without gomemlab too.
    let probe = fixtures.source_dir.join(crate::fixture::PROBE_DIR);
    writeln!(
        out,
        "\nyour own program: import gomemlab.dev/probe (gomemlab supplies it); to build it \
         without gomemlab too, add to its go.mod:\n  require gomemlab.dev/probe v0.0.0\n  \
         replace gomemlab.dev/probe => {}\n  (this gomemlab's copy; copy the folder elsewhere to keep it across upgrades)",
        probe.display()
    )?;
    Ok(())
}
