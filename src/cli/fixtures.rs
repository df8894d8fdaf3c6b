//! `gomemlab fixtures`: list the bundled fixtures with their purpose, phases
//! and flags (read from their sources); build them with --build.

use std::io::Write as _;

use anyhow::Result;

use crate::fixture::Fixtures;
use crate::fixture::info;
use crate::report;

pub fn list_fixtures(build: bool, go: Option<&str>) -> Result<()> {
    let fixtures = Fixtures::bundled()?;
    let toolchain = if build {
        Some(super::toolchains::resolve(go)?)
    } else {
        None
    };
    let mut out = std::io::stdout();
    for name in fixtures.names() {
        let doc = info::read(&fixtures.source_dir.join(&name));
        let built = match &toolchain {
            Some(t) => Some(fixtures.build(&name, t)?.binary),
            None => None,
        };
        out.write_all(report::fixtures::entry(&name, built.as_deref(), &doc).as_bytes())?;
    }
    let probe = fixtures.source_dir.join(crate::fixture::PROBE_DIR);
    out.write_all(report::fixtures::probe_note(&probe).as_bytes())?;
    Ok(())
}
