//! One snapshot test per experiment file in `experiments/` (adding a file adds
//! a test; an empty folder fails). Each runs its fixture on the Go under test
//! and snapshots the verdicts and bounds, per Go minor version
//! (`snapshots/<experiment>@go1.26.snap`). Never raw measurements. A Go minor
//! with no snapshot fails with a message saying how to create and review them.

mod common;

fn main() -> std::process::ExitCode {
    common::harness::main("experiments")
}
