//! The `exit` phase that ends every timeline of a program that exits by
//! itself: the OS view read while the program was stopped at `exit_group`
//! (see [`crate::measure::stops`]), its memory still mapped, with the peak
//! over its whole life. A program killed by a signal never gets there: the
//! timeline says why instead.

use crate::timeline::{Exit, OsView, Phase, Samples, Taken};

/// The name of the phase.
pub const EXIT_PHASE: &str = "exit";

/// The exit phase from the snapshot taken at `exit_group` (ns since spawn),
/// or why there is none given how the program ended.
pub fn phase(
    snapshot: Result<(u64, OsView), String>,
    exit: &Exit,
    seq: u64,
) -> Result<Phase, String> {
    match (snapshot, exit) {
        (Ok((t_ns, os)), _) => Ok(Phase {
            name: EXIT_PHASE.into(),
            seq,
            t_ns,
            os,
            go: Default::default(),
            metrics: Default::default(),
            maps: None,
            heap_profile: None,
            taken: Taken::Exit,
        }),
        (Err(_), Exit::Signal(signal)) => Err(killed(*signal)),
        (Err(why), Exit::Code(_)) => Err(format!("no snapshot at exit: {why}")),
    }
}

/// Why a program killed by `signal` has no exit phase.
pub fn killed(signal: i32) -> String {
    let name = nix::sys::signal::Signal::try_from(signal)
        .map_or_else(|_| format!("signal {signal}"), |s| s.as_str().to_string());
    if signal == nix::libc::SIGKILL {
        format!("killed by {name} (the OOM killer, a timeout or a kill) before it could exit")
    } else {
        format!("killed by {name} before it could exit")
    }
}

/// Sets the exit phase's `hwm` to the peak over the whole run: VmHWM at
/// exit covers only the time since its last reset (the sampler's windows reset
/// it), so the highest of it, every phase's and every sample's.
pub fn set_lifetime_peak(phases: &mut [Phase], samples: &Samples) {
    let sampled = samples
        .iter()
        .map(|s| s.peak_bytes.max(s.rss_bytes))
        .max()
        .unwrap_or(0);
    let phased = phases
        .iter()
        .map(|p| p.os.hwm_bytes.max(p.os.rss_bytes))
        .max()
        .unwrap_or(0);
    for p in phases.iter_mut().filter(|p| p.taken == Taken::Exit) {
        p.os.hwm_bytes = p.os.hwm_bytes.max(sampled).max(phased);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_killed_program_says_why_and_an_exited_one_has_its_phase() {
        let os = OsView {
            rss_bytes: 5,
            hwm_bytes: 7,
            ..Default::default()
        };
        let p = phase(Ok((10, os)), &Exit::Code(0), 3).unwrap();
        assert_eq!(
            (p.name.as_str(), p.seq, p.t_ns, p.taken),
            ("exit", 3, 10, Taken::Exit)
        );
        let why = phase(Err("none".into()), &Exit::Signal(9), 3).unwrap_err();
        assert!(why.starts_with("killed by SIGKILL"), "{why}");
        let why = phase(Err("EBUSY".into()), &Exit::Code(0), 3).unwrap_err();
        assert_eq!(why, "no snapshot at exit: EBUSY");
    }

    #[test]
    fn the_exit_peak_covers_the_whole_run() {
        let os = |rss, hwm| OsView {
            rss_bytes: rss,
            hwm_bytes: hwm,
            ..Default::default()
        };
        let mut phases = vec![
            phase(Ok((1, os(10, 50))), &Exit::Code(0), 0).unwrap(),
            phase(Ok((2, os(10, 20))), &Exit::Code(0), 1).unwrap(),
        ];
        phases[0].taken = Taken::Probe;
        set_lifetime_peak(&mut phases, &Samples::default());
        assert_eq!(phases[1].os.hwm_bytes, 50);
    }
}
