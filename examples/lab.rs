//! Using gomemlab from Rust: run the `bigbytes` fixture on the default Go
//! toolchain and check two claims about it.
//!
//! `cargo run --example lab` (set `GOMEMLAB_GO=go1.21.13` for another Go);
//! `cargo test` runs it too (`test = true` in Cargo.toml), and fails if a
//! claim does not hold.

#![allow(clippy::print_stdout)] // an example prints what it found

use gomemlab::{Lab, Verdict, check};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let lab = Lab::new()?;
    let run = lab
        .fixture("bigbytes")
        .env("GODEBUG", "madvdontneed=1")
        .args(["-count", "3", "-keep"])
        .run()?;
    println!(
        "bigbytes on {}: phases {:?}",
        lab.go_version(),
        run.timeline
            .phases
            .iter()
            .map(|p| &p.name)
            .collect::<Vec<_>>()
    );
    for claim in [
        // The OS sees (almost) all of the live heap while it is live...
        "os.rss@allocated >= 0.9 * go.heap_alloc@allocated",
        // ...and FreeOSMemory gives it back.
        "os.rss@freed <= 0.5 * os.rss@allocated",
    ] {
        let checked = check(&run, claim)?;
        println!("{checked}");
        if checked.verdict != Verdict::Holds {
            return Err(format!("{claim}: {checked}").into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_example_runs_and_its_claims_hold() -> Result<(), Box<dyn std::error::Error>> {
        super::main()
    }
}
