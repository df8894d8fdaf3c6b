//! What `gomemlab run` prints of its runs: how a program given by path was
//! built, its settings, and the phase table (or tables side by side) with
//! the deep views asked for.

use crate::analyze::Analyzed;
use crate::fixture::by_path::PathInfo;
use crate::run::RunSpec;
use crate::run::watchdog;

use super::deep::{heap_profile_summary, ledger_tables, maps_tables, syscall_summary};
use super::text::phase_table;

/// How many mmap calls the syscall summary lists.
const FIRST_MMAPS: usize = 12;

/// The deep views asked for after the phase table.
#[derive(Debug, Clone, Copy, Default)]
pub struct Deep {
    /// `--heap-profile`: the profiles' inuse/alloc sums.
    pub heap_profile: bool,
    /// `--maps`: the mappings by class at every phase.
    pub maps: bool,
    /// `--ledger`: the resident bytes reconciled with the runtime's classes.
    pub ledger: bool,
    /// `--trace-syscalls`: the memory syscalls' summary.
    pub trace_syscalls: bool,
}

impl Deep {
    fn any(&self) -> bool {
        self.heap_profile || self.maps || self.ledger || self.trace_syscalls
    }
}

/// The lines that say how a program given by path was built.
pub fn path_header(info: &PathInfo) -> Vec<String> {
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
pub fn settings_text(spec: &RunSpec) -> String {
    if spec.env.is_empty() && spec.memory_max.is_none() {
        return "default settings".to_string();
    }
    spec.settings_text()
}

/// The phase table of one run, its memory limit, then the deep views asked
/// for.
pub fn one_run_text(deep: Deep, run: &Analyzed) -> String {
    let (timeline, analysis) = (&run.timeline, &run.analysis);
    let mut text = phase_table(timeline);
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
    if deep.heap_profile {
        text += "\n";
        text += &heap_profile_summary(timeline);
    }
    if deep.maps {
        text += &maps_tables(timeline);
    }
    if deep.ledger {
        text += &ledger_tables(analysis);
    }
    if deep.trace_syscalls {
        text += "\n";
        text += &syscall_summary(timeline, FIRST_MMAPS);
    }
    text
}

/// What `run` prints on stdout: one run's phase table and deep views (or
/// its timeline as JSON), or runs on `several` Go versions side by side
/// (or an array of timelines).
pub fn runs_text(several: bool, json: bool, deep: Deep, runs: &[Analyzed]) -> String {
    let timelines: Vec<&crate::timeline::Timeline> = runs.iter().map(|r| &r.timeline).collect();
    match (several, json, runs.first()) {
        (true, true, _) => super::versions::timelines_json(&timelines) + "\n",
        (true, false, _) => {
            super::versions::side_by_side(&timelines) + &versions_extras(deep, runs)
        }
        (false, true, Some(run)) => super::timeline_json(&run.timeline) + "\n",
        (false, false, Some(run)) => one_run_text(deep, run),
        (false, _, None) => String::new(),
    }
}

/// The deep views asked for of runs on several Go versions, one section
/// per version.
pub fn versions_extras(deep: Deep, runs: &[Analyzed]) -> String {
    let mut text = String::new();
    for run in runs.iter().filter(|_| deep.any()) {
        let timeline = &run.timeline;
        text += &format!("\n── {} ──\n", timeline.toolchain.version);
        if deep.heap_profile {
            text += &heap_profile_summary(timeline);
        }
        if deep.maps {
            text += &maps_tables(timeline);
        }
        if deep.ledger {
            text += &ledger_tables(&run.analysis);
        }
        if deep.trace_syscalls {
            text += &syscall_summary(timeline, FIRST_MMAPS);
        }
    }
    text
}

/// `run --show-output`: what the fixture wrote, stdout then stderr (its
/// non-trace lines, as kept), each under a line naming it; control
/// sequences dropped as in every terminal output.
pub fn output_text(
    fixture: &str,
    stdout: &[u8],
    stderr: &[crate::run::stderr::StderrLine],
) -> String {
    let stderr: Vec<&str> = stderr
        .iter()
        .map(|l| l.text.as_str())
        .filter(|l| !crate::run::watch::is_trace(l))
        .collect();
    let mut out = String::new();
    if stdout.is_empty() && stderr.is_empty() {
        out.push_str(&format!("{fixture} wrote nothing on stdout or stderr\n"));
        return out;
    }
    if !stdout.is_empty() {
        let text = String::from_utf8_lossy(stdout);
        out.push_str(&format!(
            "── {fixture} wrote on stdout ({} bytes) ──\n",
            stdout.len()
        ));
        for line in text.lines() {
            out.push_str(&super::terminal::clean(line));
            out.push('\n');
        }
    }
    if !stderr.is_empty() {
        out.push_str(&format!(
            "── {fixture} wrote on stderr ({} lines kept, the runtime's trace left out) ──\n",
            stderr.len()
        ));
        for line in &stderr {
            out.push_str(&super::terminal::clean(line));
            out.push('\n');
        }
    }
    out
}

/// A warning for each `--pause` phase the fixture never reported.
pub fn unreached_pauses<'a>(
    paused: impl IntoIterator<Item = &'a str>,
    timeline: &crate::timeline::Timeline,
) -> Vec<String> {
    let reported = || {
        timeline
            .phases
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    paused
        .into_iter()
        .filter(|phase| !timeline.phases.iter().any(|p| p.name == *phase))
        .map(|phase| {
            format!(
                "--pause {phase}: the fixture reported no phase {phase} (it reported: {})",
                reported()
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pause_at_a_phase_never_reported_is_one_warning() {
        let timeline = crate::report::series::recorded();
        let warnings = unreached_pauses(["allocated", "fre", "freed", "never"], &timeline);
        let reported = "it reported: start, allocated, collected, freed";
        assert_eq!(
            warnings,
            [
                format!("--pause fre: the fixture reported no phase fre ({reported})"),
                format!("--pause never: the fixture reported no phase never ({reported})"),
            ]
        );
    }
}
