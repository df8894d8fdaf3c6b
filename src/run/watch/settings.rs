//! How a watch sets the program up and names its clock phases: the GODEBUG
//! that turns the runtime's traces on, and `t+10s`.

use std::time::Duration;

/// The GODEBUG that turns the runtime's GC and scavenger traces on, given
/// the user's own (kept: the traces are appended unless it names gctrace),
/// and whether gomemlab added them (then their lines are not shown).
pub fn trace_godebug(user: Option<&str>) -> (String, bool) {
    match user {
        Some(u) if u.contains("gctrace=") => (u.to_string(), false),
        Some(u) if !u.trim().is_empty() => (format!("{u},{TRACES}"), true),
        _ => (TRACES.to_string(), true),
    }
}

/// What [`trace_godebug`] adds.
const TRACES: &str = "gctrace=1,scavtrace=1";

/// The user's own GODEBUG, from what [`trace_godebug`] made of it when it
/// added the traces (`None`: the user gave none).
pub fn user_godebug(traced: &str) -> Option<String> {
    let user = traced
        .strip_suffix(TRACES)
        .map(|u| u.strip_suffix(',').unwrap_or(u))
        .unwrap_or(traced);
    (!user.trim().is_empty()).then(|| user.to_string())
}

/// Names the phase of `--phase-every` at `t` (`t+10s`, `t+0.5s`).
pub fn every_name(t: Duration) -> String {
    let ms = t.as_millis();
    if ms.is_multiple_of(1000) {
        format!("t+{}s", ms / 1000)
    } else {
        format!("t+{}s", (ms as f64 / 1000.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_traces_are_added_to_the_users_godebug_unless_it_names_gctrace() {
        assert_eq!(trace_godebug(None), ("gctrace=1,scavtrace=1".into(), true));
        assert_eq!(
            trace_godebug(Some("")),
            ("gctrace=1,scavtrace=1".into(), true)
        );
        assert_eq!(
            trace_godebug(Some("madvdontneed=1")),
            ("madvdontneed=1,gctrace=1,scavtrace=1".into(), true)
        );
        // The user asked for gctrace: theirs as is, and its lines shown.
        assert_eq!(
            trace_godebug(Some("gctrace=2")),
            ("gctrace=2".into(), false)
        );
    }

    #[test]
    fn the_users_godebug_is_what_trace_godebug_was_given() {
        for user in [None, Some("madvdontneed=1"), Some("a=1,b=2")] {
            let (traced, ours) = trace_godebug(user);
            assert!(ours);
            assert_eq!(user_godebug(&traced).as_deref(), user);
        }
        assert_eq!(user_godebug(""), None);
    }

    #[test]
    fn clock_phases_are_named_by_their_offset() {
        assert_eq!(every_name(Duration::from_secs(10)), "t+10s");
        assert_eq!(every_name(Duration::from_millis(300) * 3), "t+0.9s");
        assert_eq!(every_name(Duration::from_millis(1500)), "t+1.5s");
    }
}
