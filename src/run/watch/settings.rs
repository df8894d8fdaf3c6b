//! How a watch sets the program up and names its clock phases: the GODEBUG
//! that turns the runtime's traces on, and `t+10s`.

use std::time::Duration;

/// The GODEBUG that turns the runtime's GC and scavenger traces on, given
/// the user's own (kept: the traces are appended unless it names gctrace),
/// and whether gomemlab added them (then their lines are not shown).
pub fn trace_godebug(user: Option<&str>) -> (String, bool) {
    match user {
        Some(u) if u.contains("gctrace=") => (u.to_string(), false),
        Some(u) if !u.trim().is_empty() => (format!("{u},gctrace=1,scavtrace=1"), true),
        _ => ("gctrace=1,scavtrace=1".to_string(), true),
    }
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
    fn clock_phases_are_named_by_their_offset() {
        assert_eq!(every_name(Duration::from_secs(10)), "t+10s");
        assert_eq!(every_name(Duration::from_millis(300) * 3), "t+0.9s");
        assert_eq!(every_name(Duration::from_millis(1500)), "t+1.5s");
    }
}
