//! Experiment stage: the experiment file format ([`mod@file`]), running every
//! experiment into results ([`reproduce`]), and keeping them on disk to judge
//! again later ([`results`], with the machine they ran on:
//! [`crate::measure::machine`]).

pub mod applies;
pub mod baseline;
pub mod durations;
pub mod file;
pub mod reproduce;
pub mod results;
pub mod scaffold;
pub mod schedule;
pub mod scheduler;
pub mod select;
pub mod shard;

pub use file::*;
