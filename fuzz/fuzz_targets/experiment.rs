//! Fuzzes the experiment-file loader (TOML, settings, claims and the check
//! language in them) and the check parser on its own: any input gives a
//! result or an error, never a panic, and a check that parses prints to
//! text that parses to the same tree.
//!
//! Run: `cd fuzz && cargo +nightly fuzz run experiment corpus/experiment ../experiments -- -max_total_time=600`

#![no_main]

use std::path::Path;

use gomemlab::check::{parse_check, parse_record};
use libfuzzer_sys::fuzz_target;

const FIXTURES: &[&str] = &[
    "bigbytes", "churn", "cycles", "fragment", "hello", "idle", "scavenge", "storm",
];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let fixtures: Vec<String> = FIXTURES.iter().map(|s| s.to_string()).collect();
    let _ = gomemlab::experiment::parse(Path::new("fuzz.toml"), text, &fixtures);
    if let Ok(check) = parse_check(text) {
        let printed = check.to_string();
        assert_eq!(parse_check(&printed).as_ref(), Ok(&check), "{text:?} printed as {printed:?}");
    }
    if let Ok(record) = parse_record(text) {
        let printed = record.expr.to_string();
        assert_eq!(parse_record(&printed).as_ref(), Ok(&record), "{text:?} printed as {printed:?}");
    }
});
