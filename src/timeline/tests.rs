//! The timeline's JSON form: round trips and older forms still loading.

use super::*;

#[test]
fn a_syscall_event_round_trips_and_omits_what_does_not_apply() {
    let event = SyscallEvent {
        t_ns: 5,
        tid: 7,
        syscall: Syscall::Madvise,
        addr: 0xc0_0000_0000,
        len: 4096,
        prot: None,
        flags: None,
        advice: Some("MADV_FREE".into()),
        fd: None,
        offset: None,
        result: Some(0),
        error: None,
    };
    let json = serde_json::to_string(&event).unwrap();
    assert_eq!(
        json,
        r#"{"t_ns":5,"tid":7,"syscall":"madvise","addr":824633720832,"len":4096,"advice":"MADV_FREE","result":0}"#
    );
    assert_eq!(serde_json::from_str::<SyscallEvent>(&json).unwrap(), event);
}

/// A timeline recorded before contention was measured (no `contention`).
const OLD: &str = r#"{"gomemlab_version":"0.1.0",
    "toolchain":{"go":"go","version":"go1.26.8","go_line":"1.26"},
    "fixture":{"name":"idle","args":[],"binary":"b","build_key":"k"},
    "settings":{"env":{},"timeout_ms":1,"sample_interval_us":1000},
    "phases":[],"samples":[],
    "sampler":{"interval_ns":1,"samples":0,"span_ns":0,"cpu_ns":0},
    "exit":{"code":0},"duration_ns":5}"#;

#[test]
fn an_old_timeline_loads_and_contention_is_kept_when_measured() {
    let mut t: Timeline = serde_json::from_str(OLD).unwrap();
    assert_eq!(t.contention, None);
    assert!(!serde_json::to_string(&t).unwrap().contains("contention"));
    t.contention = Some(Contention {
        source: crate::timeline::ContentionSource::Psi,
        cpu_pressure: 0.41,
        wall_ns: 5,
    });
    let again: Timeline = serde_json::from_str(&serde_json::to_string(&t).unwrap()).unwrap();
    assert_eq!(again.contention, t.contention);
}
