//! What `gomemlab run` prints while a fixture runs: the header line with
//! its pid, where a `--pause` holds it, and with `--show-output` what the
//! fixture wrote.

use crate::report::run::settings_text;
use crate::run::RunSpec;
use crate::run::observe::RunEvent;
use crate::toolchain::Toolchain;

/// What is printed (to stderr) while the fixture runs: the header line with
/// its pid when it starts (if `show_pid`), where a `--pause` holds it, and
/// what the fixture wrote once it exits (if `show_output`).
pub(super) fn progress(
    fixture: &str,
    toolchain: &Toolchain,
    spec: &RunSpec,
    show_pid: bool,
    show_output: bool,
) -> impl FnMut(RunEvent<'_>) {
    let name = fixture.to_string();
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
        RunEvent::Output { stdout, stderr } if show_output => {
            eprint!("{}", crate::report::run::output_text(&name, stdout, stderr));
        }
        RunEvent::Output { .. } => {}
    }
}
