//! Report stage: formats results for people and machines; never measures.

pub mod matrix;
pub mod text;

pub use text::*;
