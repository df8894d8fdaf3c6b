//! Check stage: the check language ([`expr`] parses, [`query`] is the schema)
//! and the verdicts it gives over timelines ([`claim`]).

pub mod claim;
pub mod expr;
pub mod query;
