//! Experiment stage: the experiment file format ([`mod@file`]) and running every
//! experiment into results ([`reproduce`]).

pub mod file;
pub mod reproduce;

pub use file::*;
