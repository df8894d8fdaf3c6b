//! What `gomemlab run` prints while a fixture runs: the header line with
//! its pid, and where a `--pause` holds it.

use crate::report::run::settings_text;
use crate::run::RunSpec;
use crate::run::observe::RunEvent;
use crate::toolchain::Toolchain;

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
