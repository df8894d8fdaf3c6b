//! Build stage: which Go toolchain, and the fixture binaries it builds (cached).

pub mod fixture;
pub mod fixture_info;
pub mod toolchain;
