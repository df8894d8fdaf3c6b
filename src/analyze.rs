//! Analyze stage: what is derived from a timeline, computed once
//! ([`Analyzed::of`]): today the ledger of every phase with a mapping inventory.

mod analysis;
pub mod ledger;

pub use analysis::{Analysis, Analyzed, PhaseAnalysis};
