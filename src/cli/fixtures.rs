//! `gomemlab fixtures`: list the bundled fixtures, build them with --build.

use std::io::Write as _;

use anyhow::Result;

use crate::build::fixture::Fixtures;

pub fn list_fixtures(build: bool, go: Option<&str>) -> Result<()> {
    let fixtures = Fixtures::bundled();
    let toolchain = if build {
        Some(super::toolchains::resolve(go)?)
    } else {
        None
    };
    let mut out = std::io::stdout();
    for name in fixtures.names() {
        match &toolchain {
            Some(t) => {
                let built = fixtures.build(&name, t)?;
                writeln!(out, "{name}\t{}", built.binary.display())?;
            }
            None => writeln!(out, "{name}")?,
        }
    }
    Ok(())
}
