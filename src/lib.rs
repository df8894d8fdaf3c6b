//! gomemlab: builds Go fixture programs, runs them under controlled runtime
//! settings, and records their memory from both sides — the OS (/proc) and the
//! Go runtime (MemStats, runtime/metrics) — on one time axis.
//!
//! Pipeline, one module per stage:
//! [`toolchain`] → [`fixture`] (build, cached) → [`run`] (spawn, own it) →
//! [`sampler`] + [`os_view`] + [`probe`] (measure) → [`observe`] (drive one run
//! into a [`timeline::Timeline`]) → [`report`] (text and JSON). Optional:
//! [`trace`] (memory-management syscalls of every thread, through ptrace).

pub mod cli;
pub mod fixture;
pub mod observe;
pub mod os_view;
pub mod probe;
pub mod report;
pub mod run;
pub mod sampler;
pub mod timeline;
pub mod toolchain;
pub mod trace;
