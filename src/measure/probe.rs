//! The harness side of the phase protocol (`go-fixtures/probe`, the Go
//! module `gomemlab.dev/probe`).
//!
//! The fixture gets two inherited pipes, named in `GOMEMLAB_PROBE_FDS=3,4`.
//! At each phase it writes one JSON line on fd 3 with the runtime's own view,
//! then blocks reading fd 4 until the harness answers with `\n`. While it
//! waits, the harness reads the OS view, so both views describe one instant.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

use serde::Deserialize;

use crate::timeline::GoView;

/// The fds the fixture sees: it writes reports on the first, reads answers on the second.
pub const CHILD_REPORT_FD: i32 = 3;
pub const CHILD_ANSWER_FD: i32 = 4;
/// The variable telling the probe where its pipes are.
pub const FDS_VAR: &str = "GOMEMLAB_PROBE_FDS";
/// The phases that write a heap profile: `a,b` or `all` (needs a fixture
/// built with [`crate::fixture::HEAP_PROFILE_TAG`]).
pub const HEAP_PROFILE_VAR: &str = "GOMEMLAB_HEAP_PROFILE";
/// The directory the heap profiles go to, as `<seq>-<phase>.pb.gz`.
pub const HEAP_PROFILE_DIR_VAR: &str = "GOMEMLAB_HEAP_PROFILE_DIR";

/// One phase as the fixture reported it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub phase: String,
    pub seq: u64,
    /// The fixture's wall clock at the report (kept for cross-checks).
    pub unix_ns: u64,
    pub go: GoView,
    #[serde(default)]
    pub metrics: BTreeMap<String, serde_json::Number>,
    /// The file the fixture writes this phase's heap profile to, right after
    /// the harness answers (only at phases named in [`HEAP_PROFILE_VAR`]).
    #[serde(default)]
    pub heap_profile: Option<String>,
}

/// What the report reader delivers: a report, or a line that is not one.
pub type ProbeMessage = Result<Report, String>;

/// The protocol this harness speaks; the probe sends its own in every line
/// (`"version"`; a line without one is from a probe before versions: 1).
pub const PROTOCOL_VERSION: u64 = 1;

/// Parses one report line, refusing one of another protocol version first
/// (so a newer probe's new fields give that error, not a parse failure).
pub fn parse(line: &str) -> ProbeMessage {
    let bad = |e: serde_json::Error| format!("{e} in probe line {:?}", clip(line, 200));
    let mut object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(line).map_err(bad)?;
    let version = match object.remove("version") {
        None => 1,
        Some(v) => v
            .as_u64()
            .ok_or_else(|| format!("version {v} is not a number in probe line"))?,
    };
    if version != PROTOCOL_VERSION {
        return Err(format!(
            "the fixture's probe speaks protocol {version}, this gomemlab speaks \
             {PROTOCOL_VERSION}: rebuild the fixture against this gomemlab's probe \
             (gomemlab supplies gomemlab.dev/probe itself; remove any other copy or \
             replace of it), or use the gomemlab release that matches the probe"
        ));
    }
    serde_json::from_value(serde_json::Value::Object(object)).map_err(bad)
}

/// Reads report lines on a thread until EOF (the fixture exited or closed fd 3).
pub fn spawn_reader(
    source: impl Read + Send + 'static,
) -> (Receiver<ProbeMessage>, JoinHandle<()>) {
    let (tx, rx) = channel();
    let handle = std::thread::Builder::new()
        .name("gomemlab-probe".into())
        .spawn(move || read_reports(source, &tx))
        .expect("spawning a thread only fails when the system is out of resources");
    (rx, handle)
}

fn read_reports(source: impl Read, tx: &Sender<ProbeMessage>) {
    for line in BufReader::new(source).lines() {
        let Ok(line) = line else { return };
        if line.trim().is_empty() {
            continue;
        }
        if tx.send(parse(&line)).is_err() {
            return;
        }
    }
}

/// Lets the fixture go on past its current phase.
pub fn answer(to: &mut impl Write) -> std::io::Result<()> {
    to.write_all(b"\n")?;
    to.flush()
}

fn clip(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A line recorded from the bigbytes fixture (go1.26.8), metrics trimmed.
    const LINE: &str = r#"{"phase":"allocated","seq":2,"unix_ns":1763881152000000000,"go":{"heap_alloc_bytes":100040856,"heap_sys_bytes":201261056,"heap_idle_bytes":100974592,"heap_inuse_bytes":100286464,"heap_released_bytes":942080,"heap_objects":163,"total_alloc_bytes":1000123456,"sys_bytes":209000000,"mallocs":300,"frees":137,"stack_inuse_bytes":294912,"stack_sys_bytes":294912,"mspan_inuse_bytes":8000,"mspan_sys_bytes":16320,"mcache_inuse_bytes":1208,"mcache_sys_bytes":15704,"buck_hash_sys_bytes":4058,"gc_sys_bytes":2200000,"other_sys_bytes":600000,"next_gc_bytes":200000000,"num_gc":9,"num_forced_gc":0,"pause_total_ns":123456,"goroutines":1},"metrics":{"/memory/classes/heap/objects:bytes":100040856,"/gc/cycles/total:gc-cycles":9}}"#;

    #[test]
    fn a_probe_of_another_protocol_version_says_so() {
        let newer = LINE.replacen('{', r#"{"version":2,"new_field":1,"#, 1);
        let err = parse(&newer).unwrap_err();
        assert!(
            err.contains("probe speaks protocol 2, this gomemlab speaks 1: rebuild"),
            "{err}"
        );
        let same = LINE.replacen('{', r#"{"version":1,"#, 1);
        assert_eq!(parse(&same).unwrap(), parse(LINE).unwrap());
    }

    #[test]
    fn parses_a_recorded_report() {
        let report = parse(LINE).unwrap();
        assert_eq!(report.phase, "allocated");
        assert_eq!(report.seq, 2);
        assert_eq!(report.go.heap_alloc_bytes, 100_040_856);
        assert_eq!(report.go.heap_released_bytes, 942_080);
        assert_eq!(report.heap_profile, None);
        assert_eq!(
            report.metrics["/memory/classes/heap/objects:bytes"].as_u64(),
            Some(100_040_856)
        );
    }

    #[test]
    fn a_profiled_phase_names_its_file() {
        let line = LINE.replace(
            r#""seq":2,"#,
            r#""seq":2,"heap_profile":"/tmp/a/002-allocated.pb.gz","#,
        );
        let report = parse(&line).unwrap();
        assert_eq!(
            report.heap_profile.as_deref(),
            Some("/tmp/a/002-allocated.pb.gz")
        );
    }

    #[test]
    fn a_field_missing_or_unknown_is_an_error() {
        let missing = LINE.replace(r#""heap_sys_bytes":201261056,"#, "");
        assert!(parse(&missing).unwrap_err().contains("heap_sys_bytes"));
        let unknown = LINE.replace(r#""seq":2"#, r#""seq":2,"extra":1"#);
        assert!(parse(&unknown).is_err());
        assert!(parse("gc 1 @0.001s").is_err());
    }

    #[test]
    fn reader_delivers_lines_until_eof() {
        let two = format!("{LINE}\n\n{LINE}\n");
        let (rx, handle) = spawn_reader(std::io::Cursor::new(two.into_bytes()));
        handle.join().unwrap();
        let got: Vec<ProbeMessage> = rx.iter().collect();
        assert_eq!(got.len(), 2);
        assert!(got.iter().all(Result::is_ok));
    }
}
