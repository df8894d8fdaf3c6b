//! Why `gomemlab run`, `watch` or `reproduce` could not be done as asked
//! ([`super::run_request`], [`super::watch_request`],
//! [`super::reproduce_request`]): one error for the three.

use crate::experiment::baseline::BaselineError;
use crate::experiment::results::ResultsError;
use crate::experiment::select::SelectError;
use crate::fixture::BuildError;
use crate::report::export::ExportError;
use crate::run::RunError;
use crate::run::setup::watch::WatchSetupError;
use crate::run::usage::RejectedArgs;
use crate::toolchain::ToolchainError;

/// Why a run, a watch or a reproduce could not be done as asked.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error(transparent)]
    Toolchain(#[from] ToolchainError),
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Run(#[from] RunError),
    #[error(transparent)]
    RejectedArgs(#[from] RejectedArgs),
    #[error(transparent)]
    WatchSetup(#[from] WatchSetupError),
    #[error(transparent)]
    Select(#[from] SelectError),
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(
        "{flag} writes one run: give one --go with it (or keep the runs with --out DIR \
         and export each)"
    )]
    OneRunFiles { flag: &'static str },
    #[error(
        "{flag} writes one watch: give one --go with it (or keep the watches with \
         --out DIR and export each with `gomemlab report`)"
    )]
    OneWatchFiles { flag: &'static str },
    /// The run on one of several toolchains failed.
    #[error("{fixture} on {version}")]
    OnVersion {
        fixture: String,
        version: String,
        #[source]
        cause: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl RequestError {
    /// The error itself, but a transparent toolchain, build or run error
    /// as the error it wraps: its message and causes are the same, and its
    /// type (what the exit code is decided by) is then the first of its
    /// chain, as `anyhow::Error` or as the cause of [`RequestError::OnVersion`].
    pub fn into_cause<T>(self) -> T
    where
        T: From<ToolchainError> + From<BuildError> + From<RunError> + From<RequestError>,
    {
        match self {
            RequestError::Toolchain(e) => e.into(),
            RequestError::Build(e) => e.into(),
            RequestError::Run(e) => e.into(),
            e => T::from(e),
        }
    }
}
