//! The machine a results folder was measured on: what can change a memory
//! verdict (kernel, transparent huge pages, cgroup version, CPUs, memory).

use serde::{Deserialize, Serialize};

/// A machine's fingerprint, read from /proc and /sys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    pub hostname: String,
    /// Kernel release (`uname -r`).
    pub kernel: String,
    /// Transparent huge pages: the selected mode of
    /// /sys/kernel/mm/transparent_hugepage/enabled (`always`, `madvise`, `never`).
    pub thp: String,
    /// `v1`, `v2`, `hybrid` (both mounted) or `none`.
    pub cgroup: String,
    /// CPUs this process may run on.
    pub cpus: usize,
    pub memory_total_bytes: u64,
    /// Whether the kernel names anonymous mappings (CONFIG_ANON_VMA_NAME),
    /// as Go 1.25+ does for its own (`[anon: Go: heap]`); None in results
    /// written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anon_vma_names: Option<bool>,
}

impl Machine {
    /// Reads this machine's fingerprint; what cannot be read is `unknown` (or 0).
    pub fn probe() -> Machine {
        let read = |path: &str| {
            std::fs::read_to_string(path)
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "unknown".into())
        };
        let thp = read("/sys/kernel/mm/transparent_hugepage/enabled");
        Machine {
            hostname: read("/proc/sys/kernel/hostname"),
            kernel: read("/proc/sys/kernel/osrelease"),
            thp: selected_mode(&thp).unwrap_or(thp),
            cgroup: cgroup_version(&read("/proc/mounts")).into(),
            cpus: std::thread::available_parallelism().map_or(0, |n| n.get()),
            memory_total_bytes: mem_total(&read("/proc/meminfo")).unwrap_or(0),
            anon_vma_names: Some(names_anon_mappings()),
        }
    }

    /// A fact a claim can require (see [`crate::experiment::applies::FACTS`]):
    /// `yes`/`no` for yes/no facts, `unknown` when not recorded.
    pub fn fact(&self, name: &str) -> String {
        let yes_no = |b: Option<bool>| match b {
            Some(true) => "yes",
            Some(false) => "no",
            None => "unknown",
        };
        match name {
            "anon_vma_names" => yes_no(self.anon_vma_names).into(),
            "thp" => self.thp.clone(),
            "cgroup" => self.cgroup.clone(),
            _ => "unknown".into(),
        }
    }

    /// This machine's fingerprint, read once per process.
    pub fn here() -> &'static Machine {
        static HERE: std::sync::OnceLock<Machine> = std::sync::OnceLock::new();
        HERE.get_or_init(Machine::probe)
    }

    /// A short label for column headers: `host (kernel, N CPUs)`.
    pub fn label(&self) -> String {
        format!("{} ({}, {} CPUs)", self.hostname, self.kernel, self.cpus)
    }
}

/// Whether the kernel can name an anonymous mapping: names a fresh page
/// with prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME), which fails with EINVAL on
/// kernels built without CONFIG_ANON_VMA_NAME.
fn names_anon_mappings() -> bool {
    use nix::libc;
    const PR_SET_VMA: libc::c_int = 0x5356_4d41;
    const PR_SET_VMA_ANON_NAME: libc::c_ulong = 0;
    let name = c"gomemlab-probe";
    // SAFETY: a private anonymous page of our own, named, then unmapped.
    unsafe {
        let len = 4096;
        let page = libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        if page == libc::MAP_FAILED {
            return false;
        }
        let named = libc::prctl(
            PR_SET_VMA,
            PR_SET_VMA_ANON_NAME,
            page as libc::c_ulong,
            len as libc::c_ulong,
            name.as_ptr() as libc::c_ulong,
        ) == 0;
        libc::munmap(page, len);
        named
    }
}

/// `always [madvise] never` → `madvise`.
fn selected_mode(text: &str) -> Option<String> {
    let start = text.find('[')?;
    let end = text[start..].find(']')? + start;
    Some(text[start + 1..end].to_string())
}

/// From /proc/mounts: only cgroup2 is `v2`; v1 hierarchies with a cgroup2
/// beside them (e.g. /sys/fs/cgroup/unified) `hybrid`; only v1 `v1`.
fn cgroup_version(mounts: &str) -> &'static str {
    let (mut v1, mut v2) = (false, false);
    for line in mounts.lines() {
        let mut fields = line.split_whitespace();
        let kind = fields.nth(2);
        match kind {
            Some("cgroup") => v1 = true,
            Some("cgroup2") => v2 = true,
            _ => {}
        }
    }
    match (v1, v2) {
        (false, true) => "v2",
        (true, true) => "hybrid",
        (true, false) => "v1",
        (false, false) => "none",
    }
}

fn mem_total(meminfo: &str) -> Option<u64> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_selected_thp_mode() {
        assert_eq!(
            selected_mode("always [madvise] never").as_deref(),
            Some("madvise")
        );
        assert_eq!(
            selected_mode("[always] madvise never").as_deref(),
            Some("always")
        );
        assert_eq!(selected_mode("unknown"), None);
    }

    #[test]
    fn tells_cgroup_versions_apart() {
        let v1 = "cgroup /sys/fs/cgroup/cpu cgroup rw 0 0\n";
        let v2 = "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n";
        let hybrid = format!("{v1}cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n");
        assert_eq!(cgroup_version(v1), "v1");
        assert_eq!(cgroup_version(v2), "v2");
        assert_eq!(cgroup_version(&hybrid), "hybrid");
        assert_eq!(cgroup_version("proc /proc proc rw 0 0\n"), "none");
    }

    #[test]
    fn facts_read_the_fingerprint() {
        let m = Machine::probe();
        assert_eq!(m.fact("thp"), m.thp);
        assert!(matches!(m.fact("anon_vma_names").as_str(), "yes" | "no"));
    }

    #[test]
    fn memory_total_is_in_bytes() {
        assert_eq!(
            mem_total("MemTotal:  2048 kB\nMemFree: 1 kB\n"),
            Some(2048 * 1024)
        );
        assert_eq!(mem_total("MemFree: 1 kB\n"), None);
    }
}
