//! The slow lane: one snapshot test per file in `experiments/slow/`, run by
//! `cargo test --test slow_experiments` (not by plain `cargo test`), the same
//! way as `tests/experiments.rs`.

mod common;

fn main() -> std::process::ExitCode {
    common::harness::main("experiments/slow")
}
