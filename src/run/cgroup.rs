//! Runs a fixture under a memory limit: a child cgroup of gomemlab's own,
//! created for one run (cgroup v2 `memory.max` where the v2 tree delegates
//! the memory controller to children of our cgroup, else the v1 memory
//! controller's `memory.limit_in_bytes`), the fixture moved into it before
//! it execs, its OOM-kill counter read after it ended, and the cgroup
//! removed (also on Ctrl-C, through a [`Guard`]). gomemlab never writes to
//! a cgroup it did not create; where it cannot make one, [`locate`] says why.

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::cleanup::Guard;
use crate::timeline::{Controller, MemoryOutcome};

/// Where a child cgroup with a memory limit can be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupPlace {
    pub controller: Controller,
    /// The cgroup gomemlab runs in (its directory): the parent of the child.
    pub parent: PathBuf,
}

/// Finds where this process may make a memory-limited child cgroup, or
/// says why it cannot (no memory controller, not delegated, no permission).
pub fn locate() -> Result<CgroupPlace, String> {
    let own = std::fs::read_to_string("/proc/self/cgroup")
        .map_err(|e| format!("cannot read /proc/self/cgroup: {e}"))?;
    let mounts = std::fs::read_to_string("/proc/mounts")
        .map_err(|e| format!("cannot read /proc/mounts: {e}"))?;
    let mut why = Vec::new();
    match v2_place(&own, &mounts) {
        Ok(p) => return Ok(p),
        Err(e) => why.push(e),
    }
    match v1_place(&own, &mounts) {
        Ok(p) => return Ok(p),
        Err(e) => why.push(e),
    }
    Err(why.join("; "))
}

/// The mount point of the first mount of `fstype` whose options pass `opts`.
fn mount_of(mounts: &str, fstype: &str, opts: impl Fn(&str) -> bool) -> Option<PathBuf> {
    mounts.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        (f.len() >= 4 && f[2] == fstype && opts(f[3])).then(|| PathBuf::from(f[1]))
    })
}

/// `root` joined with a `/proc/self/cgroup` path (which starts with `/`).
fn under(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

fn v2_place(own: &str, mounts: &str) -> Result<CgroupPlace, String> {
    let path = own
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .ok_or("cgroup v2: this process is in no v2 cgroup")?;
    let root = mount_of(mounts, "cgroup2", |_| true).ok_or("cgroup v2: not mounted")?;
    let dir = under(&root, path);
    let delegated = std::fs::read_to_string(dir.join("cgroup.subtree_control")).unwrap_or_default();
    if !delegated.split_whitespace().any(|c| c == "memory") {
        return Err(format!(
            "cgroup v2: {} does not give its children the memory controller (cgroup.subtree_control has no `memory`), and gomemlab does not change cgroups it did not create",
            dir.display()
        ));
    }
    writable(&dir, "cgroup v2")?;
    Ok(CgroupPlace {
        controller: Controller::V2,
        parent: dir,
    })
}

fn v1_place(own: &str, mounts: &str) -> Result<CgroupPlace, String> {
    let path = own
        .lines()
        .find_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, controllers, path) = (f.next()?, f.next()?, f.next()?);
            controllers
                .split(',')
                .any(|c| c == "memory")
                .then_some(path)
        })
        .ok_or("cgroup v1: no memory controller")?;
    let root = mount_of(mounts, "cgroup", |o| o.split(',').any(|x| x == "memory"))
        .ok_or("cgroup v1: the memory controller is not mounted")?;
    let dir = under(&root, path);
    if !dir.join("memory.limit_in_bytes").exists() {
        return Err(format!(
            "cgroup v1: {} has no memory.limit_in_bytes",
            dir.display()
        ));
    }
    writable(&dir, "cgroup v1")?;
    Ok(CgroupPlace {
        controller: Controller::V1,
        parent: dir,
    })
}

/// Whether a child directory can be made in `dir` (we may lack the right).
fn writable(dir: &Path, what: &str) -> Result<(), String> {
    nix::unistd::access(dir, nix::unistd::AccessFlags::W_OK).map_err(|e| {
        format!(
            "{what}: cannot create a child cgroup in {}: {e}",
            dir.display()
        )
    })
}

/// A child cgroup made for one run; removed when dropped (after the
/// fixture is reaped) or on interrupt.
#[derive(Debug)]
pub struct RunCgroup {
    pub dir: PathBuf,
    pub controller: Controller,
    pub limit_bytes: u64,
    /// `cgroup.procs`, ready for the fixture to write itself into between
    /// fork and exec (no allocation there).
    pub procs: CString,
    _guard: Guard,
}

impl RunCgroup {
    /// Makes `<parent>/gomemlab-<pid>-<n>` with the limit set.
    pub fn create(place: &CgroupPlace, limit_bytes: u64) -> Result<RunCgroup, String> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let name = format!(
            "gomemlab-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let dir = place.parent.join(name);
        std::fs::create_dir(&dir)
            .map_err(|e| format!("cannot create the cgroup {}: {e}", dir.display()))?;
        let guard = Guard::cgroup(dir.clone());
        let set = |file: &str, value: String| {
            std::fs::write(dir.join(file), value)
                .map_err(|e| format!("cannot write {file} of {}: {e}", dir.display()))
        };
        match place.controller {
            Controller::V1 => {
                set("memory.limit_in_bytes", limit_bytes.to_string())?;
                // No escape into swap: memory + swap gets the same limit.
                if dir.join("memory.memsw.limit_in_bytes").exists() {
                    set("memory.memsw.limit_in_bytes", limit_bytes.to_string())?;
                }
            }
            Controller::V2 => {
                set("memory.max", limit_bytes.to_string())?;
                if dir.join("memory.swap.max").exists() {
                    set("memory.swap.max", "0".into())?;
                }
            }
        }
        let procs = CString::new(
            dir.join("cgroup.procs")
                .into_os_string()
                .into_encoded_bytes(),
        )
        .map_err(|_| format!("{} holds a NUL byte", dir.display()))?;
        Ok(RunCgroup {
            dir,
            controller: place.controller,
            limit_bytes,
            procs,
            _guard: guard,
        })
    }

    /// The counters, once the fixture has exited.
    pub fn outcome(&self) -> MemoryOutcome {
        let read = |file: &str| std::fs::read_to_string(self.dir.join(file)).unwrap_or_default();
        let number = |file: &str| read(file).trim().parse::<u64>().ok();
        let (oom_kills, limit_hits, peak_bytes) = match self.controller {
            Controller::V1 => (
                keyed(&read("memory.oom_control"), "oom_kill"),
                number("memory.failcnt").unwrap_or(0),
                number("memory.max_usage_in_bytes"),
            ),
            Controller::V2 => {
                let events = read("memory.events");
                (
                    keyed(&events, "oom_kill"),
                    keyed(&events, "max"),
                    number("memory.peak"),
                )
            }
        };
        MemoryOutcome {
            limit_bytes: self.limit_bytes,
            controller: self.controller,
            oom_kills,
            limit_hits,
            peak_bytes,
        }
    }
}

/// `256MiB`, `1GiB`, `1000000B`: a limit as one word (settings labels).
pub fn show_limit(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    UNITS
        .iter()
        .find(|(_, u)| bytes > 0 && bytes.is_multiple_of(*u))
        .map_or_else(|| format!("{bytes}B"), |(n, u)| format!("{}{n}", bytes / u))
}

/// The value of `key` in a `key value` per line file (0 when absent).
fn keyed(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0)
}

/// Between fork and exec: writes `0` (this process) into `procs`. Only
/// async-signal-safe calls (open, write, close).
pub fn enter(procs: &CString) -> std::io::Result<()> {
    use nix::libc;
    // SAFETY: a valid NUL-terminated path; the descriptor is closed before return.
    unsafe {
        let fd = libc::open(procs.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let wrote = libc::write(fd, b"0".as_ptr().cast(), 1);
        let err = std::io::Error::last_os_error();
        libc::close(fd);
        if wrote != 1 {
            return Err(err);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTS: &str = "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n\
                          cgroup /sys/fs/cgroup/cpu cgroup rw,relatime,cpu 0 0\n\
                          cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n";

    #[test]
    fn reads_the_counters_and_finds_the_mounts() {
        let oom = "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n";
        assert_eq!(keyed(oom, "oom_kill"), 2);
        assert_eq!(keyed(oom, "oom_kill_disable"), 0);
        assert_eq!(keyed("low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\n", "max"), 7);
        assert_eq!(keyed("", "oom_kill"), 0);
        let memory = mount_of(MOUNTS, "cgroup", |o| o.split(',').any(|x| x == "memory"));
        assert_eq!(memory, Some(PathBuf::from("/sys/fs/cgroup/memory")));
        assert_eq!(
            under(Path::new("/sys/fs/cgroup/memory"), "/process_api/14e7"),
            PathBuf::from("/sys/fs/cgroup/memory/process_api/14e7")
        );
        assert_eq!(show_limit(256 << 20), "256MiB");
        assert_eq!(show_limit(1 << 30), "1GiB");
        assert_eq!(show_limit(1000), "1000B");
    }
}
