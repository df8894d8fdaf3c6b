//! Report stage: formats results for people and machines; never measures.

pub mod baseline;
pub mod benchfmt;
pub mod csv;
pub mod deep;
pub mod export;
pub mod fixtures;
pub mod html;
pub mod kept_report;
pub mod markdown;
pub mod matrix;
pub mod output;
pub mod perfetto;
pub mod plot;
pub mod reproduce;
pub mod run;
pub mod series;
pub mod terminal;
pub mod text;
pub mod toolchains;
pub mod verdicts;
pub mod verdicts_csv;
pub mod versions;
pub mod watch;

pub use deep::*;
pub use text::*;
pub use verdicts::*;
