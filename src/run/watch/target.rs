//! Which process a watch samples. Usually the command itself; but `go run`
//! (and `go test`) builds the program, then starts it as a child and waits:
//! the memory is in that child, not in the go command. So when the command
//! is `go`, the watch follows the newest descendant whose executable lies in
//! a Go build directory (`$TMPDIR/go-build…/b001/exe/NAME`), and samples
//! nothing before it exists. The compiler and linker the go command starts
//! meanwhile are toolchain binaries, not in such a directory, so they are
//! never taken for the program.

use std::path::Path;

use crate::cleanup::{LiveProcess, live_processes};

/// A process the watch can sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub pid: i32,
    pub exe: Option<String>,
}

/// Whether `program` is the go command (then its built child is followed).
pub fn is_go_command(program: &str) -> bool {
    Path::new(program)
        .file_name()
        .is_some_and(|name| name == "go")
}

/// Whether an executable path is a program the go command built to run.
pub fn is_go_built(exe: &str) -> bool {
    exe.split('/').any(|part| part.starts_with("go-build"))
}

/// The newest descendant of `root` that the go command built, if any.
pub fn go_built_descendant(root: i32) -> Option<Target> {
    let table: Vec<LiveProcess> = live_processes().collect();
    let mut family = vec![root];
    let mut found: Option<(u64, Target)> = None;
    let mut i = 0;
    while i < family.len() {
        let parent = family[i];
        for &LiveProcess {
            pid,
            ppid,
            start_ticks: start,
        } in &table
        {
            if ppid != parent || family.contains(&pid) {
                continue;
            }
            family.push(pid);
            let Some(exe) = exe_of(pid) else { continue };
            if is_go_built(&exe) && found.as_ref().is_none_or(|(s, _)| start >= *s) {
                found = Some((
                    start,
                    Target {
                        pid,
                        exe: Some(exe),
                    },
                ));
            }
        }
        i += 1;
    }
    found.map(|(_, t)| t)
}

/// The executable of `pid` (its path), if it can be read.
pub fn exe_of(pid: i32) -> Option<String> {
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        .map(|p| p.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_go_command_and_what_it_built_are_recognised() {
        assert!(is_go_command("go"));
        assert!(is_go_command("/usr/local/go/bin/go"));
        assert!(!is_go_command("gofmt"));
        assert!(!is_go_command("./cargo"));
        // What `go run` and `go test` start (go1.26.8, TMPDIR=/tmp).
        assert!(is_go_built("/tmp/go-build1748093416/b001/exe/alloc"));
        assert!(is_go_built("/tmp/go-build261829377/b001/mypkg.test"));
        assert!(!is_go_built(
            "/root/.cache/gomemlab/toolchains/go1.26.8/pkg/tool/linux_amd64/compile"
        ));
    }

    #[test]
    fn a_process_without_such_descendants_has_none() {
        assert_eq!(go_built_descendant(std::process::id() as i32), None);
    }
}
