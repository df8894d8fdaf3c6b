//! Drives one run end to end: spawn the built fixture, sample it on the fast
//! tier, take both views at every phase while the fixture waits, and return
//! the [`Timeline`] (with the fixture's memory syscalls when the run is traced).

use crate::events;
use crate::fixture::Built;
use crate::maps;
use crate::os_view;
use crate::run::{RunError, RunSpec, Running};
use crate::sampler::Sampler;
use crate::timeline::{FixtureInfo, Phase, Settings, Timeline, ToolchainInfo};
use crate::toolchain::Toolchain;

/// Runs `built` under `spec` and records everything about the run.
pub fn observe(built: &Built, toolchain: &Toolchain, spec: &RunSpec) -> Result<Timeline, RunError> {
    let mut running = Running::spawn(&built.binary, spec)?;
    let deadline = running.started + spec.timeout;
    let pid = running.pid.as_raw();
    let sampler = Sampler::start(pid, running.started, spec.sample_interval)
        .map_err(|e| running.proc_error(e))?;

    let mut phases = Vec::new();
    while let Some(report) = running.next_report(deadline)? {
        let t_ns = running.elapsed_ns();
        let os = os_view::read(pid).map_err(|e| running.proc_error(e))?;
        os_view::reset_peak(pid).map_err(|e| running.proc_error(e))?;
        let maps = if spec.maps {
            Some(maps::read(pid).map_err(|e| running.proc_error(e))?)
        } else {
            None
        };
        phases.push(Phase {
            name: report.phase,
            seq: report.seq,
            t_ns,
            os,
            go: report.go,
            metrics: report.metrics,
            maps,
        });
        running.answer()?;
    }
    let exit = running.wait(deadline)?;
    let duration_ns = running.elapsed_ns();
    let syscalls = running.take_syscalls();
    let trace = running.trace_stats();
    let (samples, sampler) = sampler.stop();
    let stderr = running.take_stderr_lines();
    let gc_trace = events::parse_lines(stderr.iter().map(|l| (l.t_ns, l.text.as_str())));

    Ok(Timeline {
        gomemlab_version: env!("CARGO_PKG_VERSION").to_string(),
        toolchain: ToolchainInfo {
            go: toolchain.go.display().to_string(),
            version: toolchain.version.name(),
            go_line: built.go_line.clone(),
        },
        fixture: FixtureInfo {
            name: built.name.clone(),
            args: spec.args.clone(),
            binary: built.binary.display().to_string(),
            build_key: built.key.clone(),
        },
        settings: Settings {
            env: spec.env.clone(),
            timeout_ms: spec.timeout.as_millis() as u64,
            sample_interval_us: spec.sample_interval.as_micros() as u64,
        },
        phases,
        samples,
        sampler,
        syscalls,
        trace,
        exit,
        duration_ns,
        events: gc_trace.events,
        unparsed_trace_lines: gc_trace.unparsed,
        stderr_lines: stderr.len() as u64,
    })
}
