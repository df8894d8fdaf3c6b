//! Run stage: spawn a fixture under a controlled environment and own it
//! ([`process`]), then drive one run into a [`crate::timeline::Timeline`] ([`observe`]).

pub mod cgroup;
pub mod exit_phase;
pub mod observe;
pub mod process;
pub mod setup;
pub mod spec;
pub mod stderr;
pub mod usage;
pub mod watch;
pub mod watchdog;

pub use process::*;
pub use spec::*;
pub use stderr::StderrLine;
