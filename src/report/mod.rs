//! Report stage: formats results for people and machines; never measures.

pub mod text;

pub use text::*;
