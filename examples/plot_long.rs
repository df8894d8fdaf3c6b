//! How long a plot of a long timeline takes to render, and how much memory:
//! `cargo run --release --example plot_long -- TIMELINE.json [HOURS]` reads
//! a kept timeline (e.g. `watch --out DIR`'s), stretches its samples to
//! HOURS at 1 kHz by repeating them (default: as recorded), and prints the
//! render time of the SVG and the PNG. A speed figure for the README, not a test.
#![allow(clippy::print_stdout)] // it is a program that prints its figures

use std::time::Instant;

use gomemlab::report::plot::{Format, render};
use gomemlab::timeline::{Sample, Samples, Timeline};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: plot_long TIMELINE.json [HOURS]")?;
    let mut timeline: Timeline = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    if let Some(hours) = args.next() {
        let hours: f64 = hours.parse()?;
        let recorded: Vec<Sample> = timeline.samples.iter().collect();
        let n = (hours * 3_600_000.0) as usize;
        let mut long = Samples::with_capacity(n * 4);
        for i in 0..n {
            let s = recorded[i % recorded.len()];
            long.push(Sample {
                t_ns: i as u64 * 1_000_000,
                ..s
            });
        }
        timeline.samples = long;
    }
    println!(
        "{} samples ({} bytes encoded)",
        timeline.samples.len(),
        timeline.samples.encoded_bytes()
    );
    for format in [Format::Svg, Format::Png] {
        let started = Instant::now();
        let bytes = render(&timeline, format)?;
        println!(
            "{format:?}: {:.2} s, {} bytes",
            started.elapsed().as_secs_f64(),
            bytes.len()
        );
    }
    Ok(())
}
