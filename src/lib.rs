//! gomemlab: builds Go fixture programs, runs them under controlled runtime
//! settings, and records their memory from both sides — the OS (/proc) and the
//! Go runtime (MemStats, runtime/metrics) — on one time axis.
//!
//! Stages, bottom first; each imports only the ones below it (kept true by
//! `tests/architecture.rs`):
//! [`timeline`] (the data model: every raw record of a run; imports no
//! stage) → [`cleanup`] (process and cgroup guards) → [`toolchain`] (which Go,
//! fetched and cached) → [`fixture`] (cached fixture builds) → [`measure`]
//! (the /proc sampler, the OS and Go views at phases, maps, syscall trace,
//! gctrace events, heap profiles) → [`run`] (spawn and own a fixture, drive it
//! into a [`timeline::Timeline`]) → [`analyze`] (the ledger) →
//! [`check`](mod@check) (the check language and verdicts) → [`experiment`]
//! (experiment files, reproduce) → [`report`] (text, JSON and the other
//! formats) → [`lab`] (the Rust API) → the `gomemlab` command line.
//!
//! From Rust (e.g. another crate's tests): [`Lab`] builds and runs a fixture
//! into an [`Analyzed`] run, and [`check()`] judges a check on it; see
//! [`lab`].

pub mod analyze;
pub mod check;
pub mod cleanup;
mod cli;
pub mod experiment;
pub mod fixture;
pub mod lab;
pub mod measure;
pub mod report;
pub mod run;
pub mod timeline;
pub mod toolchain;

pub use analyze::Analyzed;
pub use check::Verdict;
pub use lab::{CheckError, Checked, FixtureRef, FixtureRun, Lab, LabError, check};
pub use timeline::Timeline;

/// The `gomemlab` binary's entry point (the command line is not a library API).
#[doc(hidden)]
pub fn cli_main() -> std::process::ExitCode {
    cli::main()
}
