//! The views that are not the phases' `os.`/`go.` records: how the run
//! ended (`exit.*`, one value per run, read without `@phase`) and the GC's
//! CPU accounting (`cpu.*@PHASE`, runtime/metrics `/cpu/classes/`, Go 1.20+).

use crate::analyze::Analyzed;
use crate::timeline::{Exit, Phase};

/// `exit.FIELD`: counts, one value per run.
pub const EXIT: &[&str] = &["code", "oom_killed", "signal"];

/// `cpu.CLASS`: the `/cpu/classes/CLASS:cpu-seconds` metrics, with `.` for `/`.
pub const CPU: &[&str] = &[
    "gc.mark.assist",
    "gc.mark.dedicated",
    "gc.mark.idle",
    "gc.pause",
    "gc.total",
    "idle",
    "scavenge.assist",
    "scavenge.background",
    "scavenge.total",
    "total",
    "user",
];

/// The runtime/metrics name of a `cpu.` field.
pub fn cpu_metric(field: &str) -> String {
    format!("/cpu/classes/{}:cpu-seconds", field.replace('.', "/"))
}

/// `exit.code` (the status, or 128 + the signal as a shell shows a kill),
/// `exit.signal` (0 when it exited), `exit.oom_killed` (1 or 0).
pub fn exit_field(run: &Analyzed, field: &str) -> Option<f64> {
    let t = &run.timeline;
    Some(match (field, t.exit) {
        ("code", Exit::Code(c)) => c as f64,
        ("code", Exit::Signal(s)) => (128 + s) as f64,
        ("signal", Exit::Code(_)) => 0.0,
        ("signal", Exit::Signal(s)) => s as f64,
        ("oom_killed", _) => u8::from(t.oom_killed()) as f64,
        _ => return None,
    })
}

/// A CPU class at a phase, in nanoseconds of CPU time (the metric is
/// float seconds); an error naming the Go version when the metric is absent.
pub fn cpu_field(run: &Analyzed, p: &Phase, field: &str) -> Result<f64, String> {
    let name = cpu_metric(field);
    p.metrics
        .get(&name)
        .and_then(serde_json::Number::as_f64)
        .map(|s| s * 1e9)
        .ok_or_else(|| {
            format!(
                "phase {}: runtime/metrics has no {name} on {} (CPU classes exist from Go 1.20)",
                p.name, run.timeline.toolchain.version
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::eval::evaluate;
    use crate::check::parse_check;
    use crate::timeline::Timeline;
    use crate::timeline::{Controller, MemoryOutcome};

    fn killed(oom_kills: u64) -> Analyzed {
        Analyzed::of(Timeline {
            exit: Exit::Signal(9),
            memory_limit: Some(MemoryOutcome {
                limit_bytes: 256 << 20,
                controller: Controller::V1,
                oom_kills,
                limit_hits: 3,
                peak_bytes: Some(256 << 20),
            }),
            ..Timeline::blank("go1.26.8")
        })
    }

    fn holds(check: &str, run: &Analyzed) -> bool {
        let c = parse_check(check).unwrap_or_else(|e| panic!("{check}: {e}"));
        evaluate(&c, run)
            .unwrap_or_else(|e| panic!("{check}: {e}"))
            .holds
    }

    #[test]
    fn exit_values_need_no_phase_and_tell_an_oom_kill_from_other_kills() {
        // Killed before any phase: exit checks still judge.
        let oom = killed(1);
        assert!(holds("exit.oom_killed == 1", &oom));
        assert!(holds("exit.signal == 9", &oom));
        assert!(holds("exit.code == 137", &oom));
        // SIGKILL without an OOM kill counted (e.g. the harness) is not one.
        assert!(holds("exit.oom_killed == 0", &killed(0)));
        let clean = Analyzed::of(Timeline::blank("go1.26.8"));
        assert!(holds("exit.oom_killed == 0", &clean));
        assert!(holds("exit.signal == 0", &clean) && holds("exit.code == 0", &clean));
        for bad in [
            "exit.code@end == 0",
            "max(exit.code) == 0",
            "exit.core == 0",
        ] {
            assert!(parse_check(bad).is_err(), "{bad}");
        }
        assert!(
            parse_check("exit.code == 1s").is_err(),
            "a count is not a duration"
        );
    }

    #[test]
    fn cpu_classes_are_durations_read_from_the_metrics() {
        let mut phases = Vec::new();
        for (name, gc, total) in [("a", 1.0, 4.0), ("b", 3.0, 6.0)] {
            let mut p = crate::timeline::Phase {
                name: name.into(),
                seq: 0,
                t_ns: 0,
                os: Default::default(),
                go: Default::default(),
                metrics: Default::default(),
                maps: None,
                heap_profile: None,
            };
            for (m, v) in [("gc.total", gc), ("total", total)] {
                let n = serde_json::Number::from_f64(v).unwrap_or_else(|| panic!("{v}"));
                p.metrics.insert(cpu_metric(m), n);
            }
            phases.push(p);
        }
        let run = Analyzed::of(Timeline {
            phases,
            ..Timeline::blank("go1.26.8")
        });
        assert!(holds("cpu.total@b - cpu.total@a == 2s", &run));
        assert!(holds(
            "(cpu.gc.total@b - cpu.gc.total@a) / (cpu.total@b - cpu.total@a) == 100%",
            &run
        ));
        let c = parse_check("cpu.gc.mark.assist@a >= 0s").unwrap_or_else(|e| panic!("{e}"));
        let err = evaluate(&c, &run).err().unwrap_or_default();
        assert!(
            err.contains("/cpu/classes/gc/mark/assist:cpu-seconds"),
            "{err}"
        );
        assert!(parse_check("cpu.gc.sweep@a >= 0s").is_err());
    }
}
