//! How long loading an experiment file takes by its number of claims: the
//! figures show whether loading is linear (`issue: 10,000 claims in under 1 s`).
//! A benchmark that prints, not a timed test.
//!
//! Run: `cargo run --release --example claims_load [N...]` (default 1000 5000 10000).

#![allow(clippy::print_stdout)] // it is a program that prints its figures

use std::path::Path;
use std::time::Instant;

fn file(n: usize) -> String {
    let mut text = String::from(
        "title = \"many\"\narticle = \"001\"\nfixture = \"idle\"\nsettings = [{ GOGC = \"50\" }, { GOGC = \"100\" }]\n",
    );
    for i in 0..n {
        text.push_str(&format!(
            "[[claim]]\nid = \"claim-{i}\"\nsays = \"rss at start is small\"\nwhen = {{ GOGC = \"50\" }}\ncheck = [\"os.rss@started <= {i}MiB\", \"go.heap_alloc@started >= 0B\"]\n"
        ));
    }
    text
}

fn main() {
    let counts: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let counts = if counts.is_empty() {
        vec![1000, 5000, 10_000]
    } else {
        counts
    };
    let fixtures = vec!["idle".to_string()];
    for n in counts {
        let text = file(n);
        let cpu = cpu_time();
        let start = Instant::now();
        let exp = gomemlab::experiment::parse(Path::new("many.toml"), &text, &fixtures);
        let wall = start.elapsed();
        let cpu = cpu_time() - cpu;
        let claims = exp.map(|e| e.claims.len()).unwrap_or_else(|e| {
            eprintln!("{e}");
            0
        });
        println!(
            "{n:>6} claims ({} KiB): loaded {claims} in {:.3} s CPU ({:.3} s wall)",
            text.len() / 1024,
            cpu,
            wall.as_secs_f64()
        );
    }
}

/// CPU time of this (single-threaded) process in seconds, from
/// /proc/self/schedstat (ns on a CPU).
fn cpu_time() -> f64 {
    std::fs::read_to_string("/proc/self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e9)
}
