//! What `gomemlab run` prints of one run: how a program given by path was
//! built, its settings, its progress, and the phase table with the deep
//! views asked for.

use super::{FIRST_MMAPS, RunArgs};
use crate::analyze::Analyzed;
use crate::fixture::by_path::PathInfo;
use crate::report;
use crate::run::RunSpec;
use crate::run::observe::RunEvent;
use crate::run::watchdog;
use crate::toolchain::Toolchain;

/// The lines that say how a program given by path was built.
pub(super) fn path_header(info: &PathInfo) -> Vec<String> {
    let module = match info.module_path.as_str() {
        "" => info.module_dir.display().to_string(),
        path => format!("{path} ({})", info.module_dir.display()),
    };
    let mut lines = vec![format!(
        "module {module} · go line {} (go.mod says go {})",
        info.go_line, info.module_go_line
    )];
    match &info.default_godebug {
        Some(d) if !d.is_empty() => lines.push(format!("GODEBUG defaults of that go line: {d}")),
        Some(_) => lines.push("GODEBUG defaults: those of this toolchain".into()),
        None => lines.push("GODEBUG defaults: those of the toolchain (before go1.21)".into()),
    }
    if !info.uses_probe {
        lines.push(
            "no probe: no phase rows, only the OS series sampled from start to exit (import gomemlab.dev/probe and call probe.Phase for phases)"
                .into(),
        );
    }
    lines
}

/// The run settings as `K=V K=V`, or `default settings`.
pub(super) fn settings_text(spec: &RunSpec) -> String {
    if spec.env.is_empty() && spec.memory_max.is_none() {
        return "default settings".to_string();
    }
    spec.settings_text()
}

/// What is printed (to stderr) while the fixture runs: the header line with
/// its pid when it starts (if `show_pid`), and where a `--pause` holds it.
pub(super) fn progress(
    fixture: &str,
    toolchain: &Toolchain,
    spec: &RunSpec,
    show_pid: bool,
) -> impl FnMut(RunEvent<'_>) {
    let header = format!(
        "{} · {} · pid {{pid}} · {}",
        fixture,
        toolchain.version.name(),
        settings_text(spec)
    );
    move |event: RunEvent<'_>| match event {
        RunEvent::Started { pid } if show_pid => {
            eprintln!("{}", header.replace("{pid}", &pid.to_string()));
        }
        RunEvent::Started { .. } => {}
        RunEvent::Paused { pid, phase, pause } => eprintln!(
            "paused at {phase} for {}: pid {pid} (try: ps -o rss= -p {pid}, pmap -x {pid})",
            humantime::format_duration(pause)
        ),
    }
}

/// The phase table of one run, its memory limit, then the deep views asked
/// for (`--heap-profile`, `--maps`, `--ledger`, `--trace-syscalls`).
pub(super) fn one_run_text(args: &RunArgs, spec: &RunSpec, run: &Analyzed) -> String {
    let (timeline, analysis) = (&run.timeline, &run.analysis);
    let mut text = report::phase_table(timeline);
    if let Some(m) = &timeline.memory_limit {
        text += &format!(
            "memory-max {} (cgroup {:?}): {}, limit hit {} times, cgroup peak {}\n",
            crate::run::cgroup::show_limit(m.limit_bytes),
            m.controller,
            if timeline.oom_killed() {
                "OOM-killed"
            } else {
                "not OOM-killed"
            },
            m.limit_hits,
            m.peak_bytes.map_or("unknown".into(), watchdog::show_size),
        );
    }
    if spec.heap_profiles.is_some() {
        text += "\n";
        text += &report::heap_profile_summary(timeline);
    }
    if args.maps {
        text += &report::maps_tables(timeline);
    }
    if args.ledger {
        text += &report::ledger_tables(analysis);
    }
    if args.trace_syscalls {
        text += "\n";
        text += &report::syscall_summary(timeline, FIRST_MMAPS);
    }
    text
}
