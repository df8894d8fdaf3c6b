//! `watch -- go run …`: only the program the go command builds gets the
//! watch's GODEBUG (`gctrace=1,scavtrace=1`), not the go command, the
//! compiler and the linker.
//!
//! Why: with both traces on, the Go runtime can deadlock (every release
//! from go1.19 to go1.27). The last sweeper prints the scavtrace line while
//! holding `mheap_.lock` and waits for the print lock; a GC worker printing
//! the gctrace line holds the print lock on a goroutine stack, and when that
//! stack must grow the stack allocator waits for `mheap_.lock`. The go
//! command and its tools are new processes that run many GC cycles on
//! small, still-growing stacks: under load about one `watch -- go run` in
//! 40 hung in `link` or in the go command, every thread parked. The
//! compiler's trace lines were also kept in the Go build cache and replayed
//! into later builds' output.
//!
//! How: `go run -exec 'env GODEBUG=…' ARGS…` starts the built program
//! through `env`, which sets the variable and execs it (same PID, parent,
//! output, exit status and signals as without `-exec`), while the go command
//! keeps the user's own GODEBUG. Not done when the user gave `-exec`, or
//! the traces were asked by the user (their GODEBUG names gctrace).

use std::collections::BTreeMap;
use std::path::Path;

use super::settings::user_godebug;

/// How to start a `go run` so that only the program gets the traces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoRun {
    /// The go command's arguments: `run -exec '…' ` then the user's.
    pub args: Vec<String>,
    /// The go command's own GODEBUG: the user's (none if they gave none).
    pub godebug: Option<String>,
}

/// Where `env` may be.
const ENV_PATHS: [&str; 2] = ["/usr/bin/env", "/bin/env"];

/// `command` split so that only the program runs with `env`'s GODEBUG, when
/// it is a `go run` whose traces gomemlab added (`traces_ours`); `None`
/// otherwise (then the whole tree gets `env` as before).
pub fn split(
    command: &[String],
    env: &BTreeMap<String, String>,
    traces_ours: bool,
) -> Option<GoRun> {
    let env_program = ENV_PATHS.iter().find(|p| Path::new(p).is_file())?;
    split_with(command, env, traces_ours, env_program)
}

fn split_with(
    command: &[String],
    env: &BTreeMap<String, String>,
    traces_ours: bool,
    env_program: &str,
) -> Option<GoRun> {
    let go_run = super::is_go_command(command.first()?) && command.get(1)? == "run";
    if !go_run || !traces_ours || command[2..].iter().any(|a| names_exec(a)) {
        return None;
    }
    let traced = env.get("GODEBUG")?;
    // `-exec` is split by the go command's quoting rules: single quotes
    // keep the value whole unless it holds one itself.
    if traced.contains('\'') || env_program.contains(char::is_whitespace) {
        return None;
    }
    let mut args = vec![
        "run".to_string(),
        "-exec".to_string(),
        format!("{env_program} 'GODEBUG={traced}'"),
    ];
    args.extend(command[2..].iter().cloned());
    Some(GoRun {
        args,
        godebug: user_godebug(traced),
    })
}

/// Whether a go command argument is the `-exec` flag (or, after the
/// package, a program argument spelled like it: then nothing is split).
fn names_exec(arg: &str) -> bool {
    let flag = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-'));
    flag.is_some_and(|f| f == "exec" || f.starts_with("exec="))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    fn env(godebug: &str) -> BTreeMap<String, String> {
        BTreeMap::from([("GODEBUG".to_string(), godebug.to_string())])
    }

    #[test]
    fn go_run_gives_the_traces_to_the_program_alone() {
        let traced = env("madvdontneed=1,gctrace=1,scavtrace=1");
        let got = split_with(
            &cmd(&["/x/bin/go", "run", "-tags", "t", ".", "-n", "5"]),
            &traced,
            true,
            "/usr/bin/env",
        );
        let want = GoRun {
            args: cmd(&[
                "run",
                "-exec",
                "/usr/bin/env 'GODEBUG=madvdontneed=1,gctrace=1,scavtrace=1'",
                "-tags",
                "t",
                ".",
                "-n",
                "5",
            ]),
            godebug: Some("madvdontneed=1".into()),
        };
        assert_eq!(got, Some(want));
        // No GODEBUG of the user's: the go command gets none.
        let plain = split_with(
            &cmd(&["go", "run", "."]),
            &env("gctrace=1,scavtrace=1"),
            true,
            "/usr/bin/env",
        );
        assert_eq!(plain.map(|g| g.godebug), Some(None));
    }

    #[test]
    fn other_commands_the_users_exec_and_the_users_traces_are_left_alone() {
        let traced = env("gctrace=1,scavtrace=1");
        let none = |c: &[&str], ours: bool| split_with(&cmd(c), &traced, ours, "/usr/bin/env");
        assert_eq!(none(&["go", "test", "."], true), None);
        assert_eq!(none(&["./prog", "run"], true), None);
        assert_eq!(none(&["go", "run", "-exec", "qemu", "."], true), None);
        assert_eq!(none(&["go", "run", "--exec=qemu", "."], true), None);
        assert_eq!(none(&["go", "run", "."], false), None);
        let quoted = split_with(
            &cmd(&["go", "run", "."]),
            &env("x='1',gctrace=1,scavtrace=1"),
            true,
            "/usr/bin/env",
        );
        assert_eq!(quoted, None);
    }
}
