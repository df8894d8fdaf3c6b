//! The fast tier on a real fixture: a dense series, no zero samples, and
//! phases and samples on one time axis.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use common::observe_fixture;

#[test]
fn fast_tier_samples_densely_and_never_reports_zero() {
    let t = observe_fixture("idle", &[], &["-hold", "400ms"]);
    assert_eq!(t.phases.len(), 1);
    assert_eq!(t.phases[0].name, "started");
    // 1 ms interval over ~400 ms; a loaded CI machine still gives far more than 100.
    assert!(t.samples.len() > 100, "only {} samples", t.samples.len());
    let samples: Vec<_> = t.samples.iter().collect();
    assert!(
        samples
            .iter()
            .all(|s| s.rss_bytes > 0 && s.vm_size_bytes > 0)
    );
    assert!(samples.windows(2).all(|w| w[0].t_ns < w[1].t_ns));
    let last = t.samples.last().unwrap();
    assert!(last.t_ns <= t.duration_ns);
    assert!(t.phases[0].t_ns < last.t_ns);
    assert_eq!(t.sampler.samples, t.samples.len() as u64);
}

#[test]
fn spinning_idle_program_reports_its_phase() {
    let t = observe_fixture(
        "idle",
        &[("GOMAXPROCS", "1")],
        &["-mode", "spin", "-hold", "100ms"],
    );
    let p = &t.phases[0];
    assert!(p.os.rss_bytes < 32 << 20, "idle RSS {}", p.os.rss_bytes);
    assert!(p.os.vm_size_bytes > 10 * p.os.rss_bytes);
    assert_eq!(t.settings.env["GOMAXPROCS"], "1");
}
