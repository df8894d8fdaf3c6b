//! What gomemlab must undo when a run or a build ends, or when it is
//! interrupted: kill the process groups it started (fixtures, `go build`),
//! kill every process tagged with a run's token (a fixture's descendants,
//! even after `setsid`), and remove its temp paths.
//!
//! Stages register what they own with a guard; [`install`] (called once by
//! the CLI) turns SIGINT, SIGTERM and SIGHUP into "clean up everything still
//! registered, then die of the same signal".

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

/// The variable that tags a fixture and every process it starts.
pub const RUN_TOKEN_VAR: &str = "GOMEMLAB_RUN";

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Group(i32),
    Token(String),
    Path(PathBuf),
    /// A child cgroup gomemlab made: its processes killed, then removed.
    Cgroup(PathBuf),
}

static REGISTERED: Mutex<Vec<Item>> = Mutex::new(Vec::new());

/// Set by a caller that handles the first Ctrl-C itself (see [`defer_interrupt`]).
static DEFERRED: Mutex<Option<Arc<AtomicBool>>> = Mutex::new(None);

/// The next SIGINT raises `flag` instead of ending gomemlab (the caller then
/// ends through [`exit`]); the one after ends it as usual.
/// `reproduce` uses this to print what finished before the interrupt.
pub fn defer_interrupt(flag: Arc<AtomicBool>) {
    if let Ok(mut deferred) = DEFERRED.lock() {
        *deferred = Some(flag);
    }
}

/// Undoes everything still registered (temp paths included) and exits with
/// `code`: for a caller that handled an interrupt itself.
pub fn exit(code: u8) -> ! {
    undo_all();
    std::process::exit(code.into())
}

fn undo_all() {
    let items = REGISTERED
        .lock()
        .map(|items| items.clone())
        .unwrap_or_default();
    // Processes first, so nothing writes to a path being removed; a cgroup
    // can only go once its processes are gone.
    let last = |i: &Item| matches!(i, Item::Path(_) | Item::Cgroup(_));
    for item in items.iter().filter(|i| !last(i)) {
        undo(item);
    }
    for item in items.iter().filter(|i| last(i)) {
        undo(item);
    }
}

/// Undoes its item when dropped, and on interrupt while it lives.
#[derive(Debug)]
pub struct Guard(Item);

impl Guard {
    /// A process group to SIGKILL (e.g. a `go build` started with `process_group(0)`).
    pub fn group(pgid: i32) -> Guard {
        Guard::register(Item::Group(pgid))
    }

    /// A temp file or directory to remove.
    pub fn path(path: PathBuf) -> Guard {
        Guard::register(Item::Path(path))
    }

    /// A child cgroup of gomemlab's own: what still runs in it is killed,
    /// then the directory is removed (`rmdir`; its files are the kernel's).
    pub fn cgroup(dir: PathBuf) -> Guard {
        Guard::register(Item::Cgroup(dir))
    }

    /// A run token: every process whose environment carries it is killed.
    pub fn token(token: String) -> Guard {
        Guard::register(Item::Token(token))
    }

    fn register(item: Item) -> Guard {
        if let Ok(mut items) = REGISTERED.lock() {
            items.push(item.clone());
        }
        Guard(item)
    }

    /// Undoes the item now (idempotent: undoing twice is harmless).
    pub fn undo(&self) {
        undo(&self.0);
    }

    /// Stops tracking the item without undoing it (e.g. a temp file that
    /// was renamed into place).
    pub fn forget(self) {
        unregister(&self.0);
        std::mem::forget(self);
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        undo(&self.0);
        unregister(&self.0);
    }
}

fn unregister(item: &Item) {
    if let Ok(mut items) = REGISTERED.lock() {
        if let Some(i) = items.iter().rposition(|x| x == item) {
            items.remove(i);
        }
    }
}

fn undo(item: &Item) {
    match item {
        Item::Group(pgid) => {
            let _ = killpg(Pid::from_raw(*pgid), Signal::SIGKILL);
        }
        Item::Token(token) => kill_tagged(token, None),
        Item::Path(path) => {
            let _ = std::fs::remove_dir_all(path).or_else(|_| std::fs::remove_file(path));
        }
        Item::Cgroup(dir) => remove_cgroup(dir),
    }
}

/// Kills what is left in a cgroup of ours and removes it, waiting up to a
/// second for killed processes to leave it.
fn remove_cgroup(dir: &std::path::Path) {
    for _ in 0..200 {
        if !dir.exists() {
            return;
        }
        let procs = std::fs::read_to_string(dir.join("cgroup.procs")).unwrap_or_default();
        for pid in procs.lines().filter_map(|l| l.trim().parse::<i32>().ok()) {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        if std::fs::remove_dir(dir).is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// A token no other run of any gomemlab process uses.
pub fn new_token() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{}-{}-{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// SIGKILLs every live process tagged with `token` and, if `root` is given,
/// every descendant of `root` (by ppid), until none is left.
pub fn kill_tagged(token: &str, root: Option<i32>) {
    let needle = format!("{RUN_TOKEN_VAR}={token}");
    let me = std::process::id() as i32;
    for _ in 0..20 {
        let found: Vec<i32> = live_processes()
            .filter(|p| p.pid != me && Some(p.pid) != root)
            .filter(|p| tagged(p.pid, &needle) || root.is_some_and(|r| p.ppid == r))
            .map(|p| p.pid)
            .collect();
        if found.is_empty() {
            return;
        }
        for pid in found {
            let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// A process that has not exited, as its `/proc/PID/stat` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LiveProcess {
    pub pid: i32,
    pub ppid: i32,
    /// When it started, in clock ticks after boot (`starttime`).
    pub start_ticks: u64,
}

/// Every process that is neither a zombie nor dead (read through procfs;
/// one that ends while it is read is left out).
pub fn live_processes() -> impl Iterator<Item = LiveProcess> {
    procfs::process::all_processes()
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|p| p.stat().ok())
        .filter(|stat| !matches!(stat.state, 'Z' | 'X'))
        .map(|stat| LiveProcess {
            pid: stat.pid,
            ppid: stat.ppid,
            start_ticks: stat.starttime,
        })
}

fn tagged(pid: i32, needle: &str) -> bool {
    std::fs::read(format!("/proc/{pid}/environ"))
        .map(|env| env.split(|&b| b == 0).any(|var| var == needle.as_bytes()))
        .unwrap_or(false)
}

/// Whether `pid` has exited (a zombie, or gone).
pub fn exited(pid: i32) -> bool {
    let alive = procfs::process::Process::new(pid)
        .and_then(|p| p.stat())
        .is_ok_and(|stat| !matches!(stat.state, 'Z' | 'X'));
    !alive
}

/// Makes the command's process die with gomemlab (SIGKILL when gomemlab
/// ends, even by SIGKILL), and not start at all when gomemlab ended between
/// the fork and the `prctl`. Later `pre_exec` closures run after this one.
pub fn die_with_parent(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    let parent = nix::unistd::getpid();
    // SAFETY: the closure only makes async-signal-safe syscalls (prctl,
    // getppid) and builds no allocating value between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
            if nix::unistd::getppid() != parent {
                return Err(std::io::Error::from_raw_os_error(nix::libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// Makes SIGINT, SIGTERM and SIGHUP clean up everything registered, then
/// end the process by the same signal. Call once, early, from `main`.
pub fn install() -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("gomemlab-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                let deferred = DEFERRED.lock().ok().and_then(|mut d| d.take());
                if let Some(flag) = deferred.filter(|_| signal == SIGINT) {
                    // The caller prints what finished, then ends through
                    // [`exit`], which kills what is still running.
                    flag.store(true, Ordering::SeqCst);
                    continue;
                }
                undo_all();
                let _ = signal_hook::low_level::emulate_default_handler(signal);
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_its_parent_is_known() {
        let me = std::process::id() as i32;
        assert!(!exited(me));
        let parent = nix::unistd::getppid().as_raw();
        assert!(live_processes().any(|p| p.pid == me && p.ppid == parent));
        assert!(exited(i32::MAX));
    }

    #[test]
    fn a_path_guard_removes_its_path() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("x");
        std::fs::write(&path, b"x").unwrap_or_else(|e| panic!("{e}"));
        drop(Guard::path(path.clone()));
        assert!(!path.exists());
        let kept = dir.path().join("kept");
        std::fs::write(&kept, b"x").unwrap_or_else(|e| panic!("{e}"));
        Guard::path(kept.clone()).forget();
        assert!(kept.exists());
    }
}
