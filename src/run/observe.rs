//! Drives one run end to end: spawn the built fixture, sample it on the fast
//! tier, take both views at every phase while the fixture waits (the OS view
//! reads only the files the run needs; the phase's peak is the sampler's
//! windows since the previous phase), and return
//! the [`Timeline`] (with the fixture's memory syscalls when the run is
//! traced, the summaries of the heap profiles it wrote when asked, and the
//! CPU contention over the run).
//! [`observe_with`] can also hold the fixture at chosen phases (`--pause`) and
//! tells its caller the PID, so people can look at the process by hand.

use std::time::Duration;

use crate::fixture::{Built, HEAP_PROFILE_TAG};
use crate::measure::contention;
use crate::measure::events;
use crate::measure::maps;
use crate::measure::os_view;
use crate::measure::profile;
use crate::measure::sampler::{Sampler, SamplerHandle};
use crate::run::{RunError, RunSpec, Running, exit_phase};
use crate::timeline::{FixtureInfo, Phase, PhaseReads, Settings, Timeline, ToolchainInfo};
use crate::toolchain::Toolchain;

/// What [`observe_with`] tells its caller while the run goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEvent<'a> {
    /// The fixture was started with this PID.
    Started { pid: i32 },
    /// The fixture reported `phase`; its answer is held back for `pause`
    /// (both views were read first).
    Paused {
        pid: i32,
        phase: &'a str,
        pause: Duration,
    },
    /// The fixture has exited: what it wrote on stdout, and the lines kept
    /// of its stderr (the runtime's trace lines among them).
    Output {
        stdout: &'a [u8],
        stderr: &'a [crate::run::stderr::StderrLine],
    },
}

/// Runs `built` under `spec` and records everything about the run.
pub fn observe(built: &Built, toolchain: &Toolchain, spec: &RunSpec) -> Result<Timeline, RunError> {
    observe_with(built, toolchain, spec, &[], &mut |_| {})
}

/// [`observe`], holding the fixture at each phase named in `pauses` for its
/// duration (the timeout is extended by as much), and telling `on_event`
/// the PID at the start and each pause before it begins.
pub fn observe_with(
    built: &Built,
    toolchain: &Toolchain,
    spec: &RunSpec,
    pauses: &[(String, Duration)],
    on_event: &mut dyn FnMut(RunEvent<'_>),
) -> Result<Timeline, RunError> {
    check_profiles(built, spec)?;
    let mut contention = contention::Meter::start();
    let mut running = Running::spawn(&built.binary, spec)?;
    let mut deadline = running.started + spec.timeout;
    let pid = running.pid.as_raw();
    on_event(RunEvent::Started { pid });
    let sampler = Sampler::start(pid, running.started, spec.sample_interval)
        .map_err(|e| running.proc_error(e))?;
    running.hand_watchdog_to(&sampler);
    let window = sampler.handle();

    let mut phases = Vec::new();
    let mut profiled = Vec::new();
    let mut phase_read_ns = 0;
    let mut cost = PhaseReads::default();
    while let Some(report) = running.next_report(deadline)? {
        let t_ns = running.elapsed_ns();
        let read_started = std::time::Instant::now();
        let mut os = os_view::read(pid, spec.rollup || spec.maps, &mut cost)
            .map_err(|e| running.proc_error(e))?;
        // After the read: the window's peak then covers every RSS it saw.
        os.hwm_bytes = phase_window_peak(&window, &mut cost);
        contention.note_fixture(pid);
        let maps = spec
            .maps
            .then(|| timed_maps(pid, &mut cost))
            .transpose()
            .map_err(|e| running.proc_error(e))?;
        phase_read_ns += read_started.elapsed().as_nanos() as u64;
        if let Some(path) = report.heap_profile {
            profiled.push((phases.len(), path));
        }
        let report_phase = report.phase;
        phases.push(Phase {
            name: report_phase.clone(),
            seq: report.seq,
            t_ns,
            os,
            go: report.go,
            metrics: report.metrics,
            maps,
            heap_profile: None,
            taken: Default::default(),
        });
        deadline += hold(pauses, &report_phase, pid, on_event);
        running.answer()?;
    }
    let exit = running.wait(deadline)?;
    let snapshot = running.take_exit_snapshot();
    let no_exit_phase = push_exit_phase(&mut phases, snapshot, &exit);
    // The fixture writes each profile after its phase was answered, so every
    // file is whole once the fixture has exited.
    for (index, path) in profiled {
        phases[index].heap_profile = Some(profile::read(std::path::Path::new(&path))?);
    }
    let duration_ns = running.elapsed_ns();
    let contention = contention.finish();
    let syscalls = running.take_syscalls();
    let trace = running.trace_stats();
    let (samples, mut sampler) = sampler.stop();
    exit_phase::set_lifetime_peak(&mut phases, &samples);
    sampler.phase_read_ns = phase_read_ns;
    sampler.phase_reads = cost;
    let stderr = running.take_stderr_kept();
    let stdout = running.take_stdout();
    on_event(RunEvent::Output {
        stdout: &stdout,
        stderr: &stderr.lines,
    });
    let gc_trace = events::parse_lines(stderr.lines.iter().map(|l| (l.t_ns, l.text.as_str())));
    let (toolchain, fixture, settings) = what_ran(built, toolchain, spec);

    Ok(Timeline {
        gomemlab_version: env!("CARGO_PKG_VERSION").to_string(),
        toolchain,
        fixture,
        settings,
        phases,
        samples,
        sampler,
        syscalls,
        trace,
        exit,
        memory_limit: running.memory(),
        duration_ns,
        events: gc_trace.events,
        unparsed_trace_lines: gc_trace.unparsed,
        stderr_lines: stderr.total,
        contention,
        watch: None,
        no_exit_phase,
    })
}

/// Heap profiles need the fixture built for them and their folder.
fn check_profiles(built: &Built, spec: &RunSpec) -> Result<(), RunError> {
    if let Some(hp) = &spec.heap_profiles {
        if !built.tags.iter().any(|t| t == HEAP_PROFILE_TAG) {
            return Err(RunError::NotProfilable {
                fixture: built.name.clone(),
            });
        }
        std::fs::create_dir_all(&hp.dir).map_err(|error| RunError::Artifacts {
            path: hp.dir.display().to_string(),
            error,
        })?;
    }
    Ok(())
}

/// The smaps inventory of `pid`, its cost counted in `cost`.
fn timed_maps(
    pid: i32,
    cost: &mut PhaseReads,
) -> Result<crate::timeline::MapsInventory, procfs::ProcError> {
    let smaps_started = std::time::Instant::now();
    let inventory = maps::read(pid)?;
    cost.smaps_ns += smaps_started.elapsed().as_nanos() as u64;
    cost.smaps_reads += 1;
    Ok(inventory)
}

/// What ran: the toolchain, the fixture and the settings, as recorded.
fn what_ran(
    built: &Built,
    toolchain: &Toolchain,
    spec: &RunSpec,
) -> (ToolchainInfo, FixtureInfo, Settings) {
    let toolchain = ToolchainInfo {
        go: toolchain.go.display().to_string(),
        version: toolchain.version.name(),
        go_line: built.go_line.clone(),
        goexperiment: built.goexperiment.clone(),
    };
    let fixture = FixtureInfo {
        name: built.name.clone(),
        args: spec.args.clone(),
        binary: built.binary.display().to_string(),
        build_key: built.key.clone(),
        build_tags: built.tags.clone(),
    };
    let settings = Settings {
        env: spec.env.clone(),
        timeout_ms: spec.timeout.as_millis() as u64,
        sample_interval_us: spec.sample_interval.as_micros() as u64,
        heap_profile: spec
            .heap_profiles
            .as_ref()
            .map(|hp| hp.phases.clone())
            .unwrap_or_default(),
    };
    (toolchain, fixture, settings)
}

/// Holds the fixture at `phase` for each `--pause` naming it (telling
/// `on_event` first); how long it was held.
fn hold(
    pauses: &[(String, Duration)],
    phase: &str,
    pid: i32,
    on_event: &mut dyn FnMut(RunEvent<'_>),
) -> Duration {
    let mut held = Duration::ZERO;
    for (phase, pause) in pauses.iter().filter(|(p, _)| p == phase) {
        on_event(RunEvent::Paused {
            pid,
            phase,
            pause: *pause,
        });
        held += *pause;
        std::thread::sleep(*pause);
    }
    held
}

/// The peak RSS of the window since the previous phase (read after the OS
/// view, so it covers every RSS that saw), its cost counted in `cost`.
fn phase_window_peak(window: &SamplerHandle, cost: &mut PhaseReads) -> u64 {
    let window_started = std::time::Instant::now();
    let peak = window.take_phase_window().peak_bytes;
    cost.window_ns += window_started.elapsed().as_nanos() as u64;
    cost.window_reads += 1;
    peak
}

/// Adds the exit phase from the snapshot taken at exit; else why there is
/// none.
fn push_exit_phase(
    phases: &mut Vec<Phase>,
    snapshot: Result<(u64, crate::timeline::OsView), String>,
    exit: &crate::timeline::Exit,
) -> Option<String> {
    match exit_phase::phase(snapshot, exit, phases.len() as u64) {
        Ok(phase) => {
            phases.push(phase);
            None
        }
        Err(why) => Some(why),
    }
}
