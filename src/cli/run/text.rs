//! What `gomemlab run` prints on stderr while it runs: the fetch of a `--go`
//! release, notes, the header line with the fixture's pid, where a `--pause`
//! holds it, with `--show-output` what the fixture wrote, and the pauses it
//! never reached.

use std::time::Duration;

use crate::lab::run_request::RunNotice;
use crate::report::run::{output_text, path_header, settings_text, unreached_pauses};
use crate::run::observe::RunEvent;

/// Prints what a run tells (on stderr): the header line with its pid when
/// it starts (if `show_pid`), where a `--pause` holds it, and what the
/// fixture wrote once it exits (if `show_output`).
pub(super) fn printer(
    fixture: &str,
    pauses: &[(String, Duration)],
    show_pid: bool,
    show_output: bool,
) -> impl FnMut(RunNotice<'_>) {
    move |notice: RunNotice<'_>| match notice {
        RunNotice::Fetch(event) => super::super::toolchains::print_progress(event),
        RunNotice::Godebug(note) => eprintln!("note: {note}"),
        RunNotice::Path(info) => {
            for line in path_header(info) {
                eprintln!("{line}");
            }
        }
        RunNotice::Event {
            toolchain,
            spec,
            event,
        } => match event {
            RunEvent::Started { pid } if show_pid => {
                let header = format!(
                    "{} · {} · pid {{pid}} · {}",
                    fixture,
                    toolchain.version.name(),
                    settings_text(spec)
                );
                eprintln!("{}", header.replace("{pid}", &pid.to_string()));
            }
            RunEvent::Started { .. } => {}
            RunEvent::Paused { pid, phase, pause } => eprintln!(
                "paused at {phase} for {}: pid {pid} (try: ps -o rss= -p {pid}, pmap -x {pid})",
                humantime::format_duration(pause)
            ),
            RunEvent::Output { stdout, stderr } if show_output => {
                eprint!("{}", output_text(fixture, stdout, stderr));
            }
            RunEvent::Output { .. } => {}
        },
        RunNotice::Ran(run) => {
            let paused = pauses.iter().map(|p| p.0.as_str());
            for warning in unreached_pauses(paused, &run.timeline) {
                eprintln!("warning: {warning}");
            }
        }
    }
}
