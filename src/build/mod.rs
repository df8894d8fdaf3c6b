//! Build stage: which Go toolchain, and the fixture binaries it builds (cached).

pub mod bundle;
pub mod bundle_sweep;
pub mod cache_root;
pub mod fixture;
pub mod fixture_info;
pub mod path_fixture;
pub mod toolchain;
