//! The slow lane: one snapshot test per file in `experiments/slow/`, run by
//! `cargo test --test slow_experiments` (not by plain `cargo test`), the same
//! way as `tests/experiments.rs`.

mod common;

use common::snapshot::experiment;

datatest_stable::harness! {
    { test = experiment, root = "experiments/slow", pattern = r"\.toml$" },
}
