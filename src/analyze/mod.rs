//! Analyze stage: what is derived from a timeline, computed once.

pub mod ledger;
