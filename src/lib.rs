//! gomemlab: builds Go fixture programs, runs them under controlled runtime
//! settings, and records their memory from both sides — the OS (/proc) and the
//! Go runtime (MemStats, runtime/metrics) — on one time axis.
//!
//! Pipeline, one folder per stage:
//! [`build`] (toolchain, cached fixture builds) → [`run`] (spawn and own a
//! fixture, drive it into a [`timeline::Timeline`]) → [`measure`] (the /proc
//! sampler, the OS and Go views at phases, maps, syscall trace, gctrace
//! events, heap profiles) → [`analyze`] (the ledger) → [`check`] (the check
//! language and verdicts) → [`experiment`] (experiment files, reproduce) →
//! [`report`] (text and JSON) → [`cli`].

pub mod analyze;
pub mod build;
pub mod check;
pub mod cleanup;
pub mod cli;
pub mod experiment;
pub mod measure;
pub mod report;
pub mod run;
pub mod timeline;
