//! A loaded experiment: what a file says once validated (the settings
//! matrix as cells, the claims with their parsed checks), and why a file did
//! not load.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::check::{Check, ClaimChecks, Located, Record};
use crate::experiment::applies::{GoRange, Requirement};
use crate::fixture::BuildOptions;

/// A loaded, validated experiment.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// File stem: the experiment's name and its snapshot's name.
    pub name: String,
    pub path: PathBuf,
    pub title: String,
    pub article: String,
    pub fixture: String,
    pub args: Vec<String>,
    pub repeats: u32,
    pub timeout: Duration,
    /// RSS limit of every run (`max-rss = "2GiB"`), if the file sets one.
    pub max_rss: Option<u64>,
    pub slow: bool,
    /// Whether the runs may go beside others (`timing = "independent"`).
    pub timing: crate::experiment::schedule::Timing,
    /// Trace the memory-management syscalls of every run (`trace-syscalls = true`).
    pub trace_syscalls: bool,
    /// Read the mapping inventory at every phase (`maps = true`).
    pub maps: bool,
    /// Phases that write a heap profile (`heap-profile = ["collected"]`).
    pub heap_profile: Vec<String>,
    /// The runs to make: one per settings row.
    pub cells: Vec<Cell>,
    pub claims: Vec<Claim>,
}

/// One row of the settings matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Runtime variables (GODEBUG, GOGC...).
    pub env: BTreeMap<String, String>,
    /// Fixture arguments: the experiment's, then this row's.
    pub args: Vec<String>,
    /// This row's own arguments (shown in labels).
    pub extra_args: Vec<String>,
    /// `memory-max = "256MiB"`: run in a memory cgroup of this many bytes
    /// (not an environment variable: the harness sets the limit).
    pub memory_max: Option<u64>,
    /// Settings of the build (`GOEXPERIMENT`, `go-line`): each distinct
    /// one is its own fixture binary.
    pub build: BuildOptions,
}

/// A claim: checks that must all hold, in the cells its `when` selects.
#[derive(Debug, Clone)]
pub struct Claim {
    pub id: String,
    /// Line of its `id = "..."` in the file.
    pub line: usize,
    pub says: String,
    pub bound: Option<String>,
    pub when: BTreeMap<String, String>,
    pub checks: Vec<Located<Check>>,
    pub records: Vec<Located<Record>>,
    /// Values fixed for a Go version (sizes of runtime structures): recorded
    /// like `records`, and written into the snapshot, so a change shows up.
    pub exacts: Vec<Located<Record>>,
    /// Go versions it applies to (all when none); elsewhere `not applicable`.
    pub go: Option<GoRange>,
    /// What the machine must have; elsewhere `not applicable`.
    pub requires: Vec<Requirement>,
}

impl Claim {
    /// What the check language's judge needs of the claim.
    pub fn judged(&self) -> ClaimChecks<'_> {
        ClaimChecks {
            id: &self.id,
            says: &self.says,
            bound: self.bound.as_deref(),
            checks: &self.checks,
            records: &self.records,
            exacts: &self.exacts,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error("failed to read {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: String,
        line: usize,
        message: String,
    },
    /// A check that does not parse or type-check: its place, and a caret
    /// line under the bad token.
    #[error("{path}:{line}:{col}: {message}\n{source_line}\n{caret}")]
    Check {
        path: String,
        line: usize,
        col: usize,
        message: String,
        source_line: String,
        caret: String,
    },
    #[error("no experiment files in {0}: add one (see README, \"Writing an experiment\")")]
    Empty(String),
}
