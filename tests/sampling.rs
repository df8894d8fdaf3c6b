//! The fast tier on a real fixture: a dense series, no zero samples, and
//! phases and samples on one time axis.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use common::observe_fixture;

#[test]
fn fast_tier_samples_densely_and_never_reports_zero() {
    let t = observe_fixture("idle", &[], &["-hold", "400ms"]);
    let names: Vec<&str> = t.phases.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["started", "exit"]);
    // 10 ms interval over ~400 ms; a loaded CI machine still gives more than 10.
    assert!(t.samples.len() > 10, "only {} samples", t.samples.len());
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

#[test]
fn every_spike_is_seen_and_the_windows_agree_with_the_phase_peak() {
    // Held 50 ms each, 100 ms apart: each spike is its own run of windows at
    // the default 10 ms, however busy the machine.
    let size: u64 = 64 << 20;
    let t = observe_fixture(
        "spikes",
        &[],
        &[
            "-count",
            "3",
            "-size",
            &size.to_string(),
            "-hold",
            "50ms",
            "-every",
            "150ms",
            "-lead",
            "50ms",
        ],
    );
    assert!(t.sampler.windowed);
    let peaks: Vec<u64> = t.samples.iter().map(|s| s.peak_bytes).collect();
    let baseline = t.phases[0].os.rss_bytes;
    let threshold = baseline + size / 2;
    let rising = peaks
        .windows(2)
        .filter(|w| w[0] < threshold && w[1] >= threshold)
        .count();
    assert_eq!(rising, 3, "spikes seen in {} windows", peaks.len());
    let done = t.phase("done").unwrap();
    let hwm = done.os.hwm_bytes;
    // The spike's pages on top of what the runtime held then (which can be a
    // little less than at `start`: a few hundred KiB of startup pages are
    // released by the time the spikes run).
    assert!(hwm >= size + size / 64, "peak {hwm} below a spike");
    // The phase's peak is the highest window of its span: exactly a sample's.
    let start = t.phase("start").unwrap().t_ns;
    assert_eq!(
        t.samples.peak_between(start, done.t_ns + 1_000_000),
        Some(hwm)
    );
    assert_eq!(*peaks.iter().max().unwrap(), hwm);
}
