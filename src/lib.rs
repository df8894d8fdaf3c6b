//! gomemlab: builds Go fixture programs, runs them under controlled runtime
//! settings, and records their memory from both sides — the OS (/proc) and the
//! Go runtime (MemStats, runtime/metrics) — on one time axis.
//!
//! Pipeline, one module per stage:
//! [`toolchain`] → [`fixture`] (build, cached) → [`run`] (spawn, own it) →
//! [`sampler`] + [`os_view`] + [`probe`] (measure) → [`observe`] (drive one run
//! into a [`timeline::Timeline`]) → [`claim`] (verdicts over timelines, checks
//! written in [`expr`] over the views of [`query`], claims loaded by [`experiment`], driven by
//! [`reproduce`]) → [`report`] (text and JSON).
//! Deeper views: [`events`] (gctrace/scavtrace lines), [`maps`] (mapping inventory),
//! [`trace`] (memory-management syscalls of every thread, through ptrace),
//! [`profile`] (heap profiles the fixture writes at chosen phases), [`ledger`]
//! (resident bytes per mapping class reconciled with the runtime's accounting).

pub mod claim;
pub mod cli;
pub mod events;
pub mod experiment;
pub mod expr;
pub mod fixture;
pub mod ledger;
pub mod maps;
pub mod observe;
pub mod os_view;
pub mod probe;
pub mod profile;
pub mod query;
pub mod report;
pub mod reproduce;
pub mod run;
pub mod sampler;
pub mod timeline;
pub mod toolchain;
pub mod trace;
