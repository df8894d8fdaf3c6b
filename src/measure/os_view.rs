//! The slow tier: the kernel's view of a process at a phase, from `status`
//! (always: a few µs) and `smaps_rollup` (only when asked: it walks the page
//! tables, 12 ms at 385 MiB of RSS), with the wall time each file took.
//! The peak since the previous phase is not read here: it is the fast tier's
//! window ([`crate::measure::sampler::SamplerHandle::take_phase_window`]),
//! the one owner of the VmHWM reset.

use std::time::Instant;

use procfs::process::{Process, SmapsRollup, Status};

use crate::timeline::{OsView, PhaseReads};

/// Reads the OS view of `pid`: `status`, and `smaps_rollup` when `rollup`
/// (else LazyFree and AnonHugePages stay unknown); adds the time each file
/// took to `cost`.
pub fn read(pid: i32, rollup: bool, cost: &mut PhaseReads) -> Result<OsView, procfs::ProcError> {
    let started = Instant::now();
    let process = Process::new(pid)?;
    let status = process.status()?;
    let read_status = Instant::now();
    cost.status_ns += (read_status - started).as_nanos() as u64;
    cost.status_reads += 1;
    let mut view = from_status(&status);
    if rollup {
        let rollup = process.smaps_rollup()?;
        cost.smaps_rollup_ns += read_status.elapsed().as_nanos() as u64;
        cost.smaps_rollup_reads += 1;
        add_rollup(&mut view, &rollup);
    }
    Ok(view)
}

/// The parent PID of the process that thread `tid` belongs to (`None`
/// once it is gone). A thread's `status` shows its process's `PPid`.
pub fn parent_of(tid: i32) -> Option<i32> {
    procfs::process::Process::new(tid)
        .ok()?
        .status()
        .ok()
        .map(|s| s.ppid)
}

/// The view from parsed `status` (kB fields); LazyFree and AnonHugePages unknown.
pub fn from_status(status: &Status) -> OsView {
    let kib = |v: Option<u64>| v.unwrap_or(0) * 1024;
    OsView {
        rss_bytes: kib(status.vmrss),
        vm_size_bytes: kib(status.vmsize),
        hwm_bytes: kib(status.vmhwm),
        rss_anon_bytes: kib(status.rssanon),
        rss_file_bytes: kib(status.rssfile),
        lazy_free_bytes: None,
        anon_huge_pages_bytes: None,
        threads: status.threads,
    }
}

/// Adds the `smaps_rollup` fields (bytes) to a view.
pub fn add_rollup(view: &mut OsView, rollup: &SmapsRollup) {
    let rolled = |key: &str| {
        rollup
            .memory_map_rollup
            .0
            .first()
            .and_then(|m| m.extension.map.get(key).copied())
            .unwrap_or(0)
    };
    view.lazy_free_bytes = Some(rolled("LazyFree"));
    view.anon_huge_pages_bytes = Some(rolled("AnonHugePages"));
}

/// Combines parsed `status` and `smaps_rollup` into an [`OsView`].
pub fn from_parts(status: &Status, rollup: &SmapsRollup) -> OsView {
    let mut view = from_status(status);
    add_rollup(&mut view, rollup);
    view
}

#[cfg(test)]
mod tests {
    use super::*;
    use procfs::FromRead;

    // Captured from the bigbytes fixture (go1.26.8, GODEBUG=madvdontneed=0) at `freed`.
    const STATUS: &str = "Name:\tbigbytes\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4242\nNgid:\t0\nPid:\t4242\nPPid:\t4200\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t0 \nNStgid:\t4242\nNSpid:\t4242\nNSpgid:\t4242\nNSsid:\t4200\nKthread:\t0\nVmPeak:\t 1459912 kB\nVmSize:\t 1459912 kB\nVmLck:\t       0 kB\nVmPin:\t       0 kB\nVmHWM:\t  199432 kB\nVmRSS:\t  198840 kB\nRssAnon:\t  197120 kB\nRssFile:\t    1720 kB\nRssShmem:\t       0 kB\nVmData:\t  254016 kB\nVmStk:\t     132 kB\nVmExe:\t     744 kB\nVmLib:\t       8 kB\nVmPTE:\t     468 kB\nVmSwap:\t       0 kB\nHugetlbPages:\t       0 kB\nCoreDumping:\t0\nTHP_enabled:\t1\nThreads:\t5\nSigQ:\t0/96000\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nSigCgt:\tfffffffd7fc1feff\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\nSpeculation_Store_Bypass:\tthread vulnerable\nCpus_allowed:\t3\nCpus_allowed_list:\t0-1\nMems_allowed:\t1\nMems_allowed_list:\t0\nvoluntary_ctxt_switches:\t10\nnonvoluntary_ctxt_switches:\t2\n";
    const ROLLUP: &str = "00400000-7ffd5a9f2000 ---p 00000000 00:00 0                          [rollup]\nRss:              198840 kB\nPss:              198600 kB\nPss_Dirty:        197120 kB\nPss_Anon:         197120 kB\nPss_File:           1480 kB\nPss_Shmem:             0 kB\nShared_Clean:        480 kB\nShared_Dirty:          0 kB\nPrivate_Clean:      1240 kB\nPrivate_Dirty:    197120 kB\nReferenced:       198840 kB\nAnonymous:        197120 kB\nKSM:                   0 kB\nLazyFree:         195312 kB\nAnonHugePages:         0 kB\nShmemPmdMapped:        0 kB\nFilePmdMapped:         0 kB\nShared_Hugetlb:        0 kB\nPrivate_Hugetlb:       0 kB\nSwap:                  0 kB\nSwapPss:               0 kB\nLocked:                0 kB\n";

    #[test]
    fn combines_status_and_rollup_in_bytes() {
        let status = Status::from_read(STATUS.as_bytes()).unwrap();
        let rollup = SmapsRollup::from_read(ROLLUP.as_bytes()).unwrap();
        let view = from_parts(&status, &rollup);
        assert_eq!(view.rss_bytes, 198_840 * 1024);
        assert_eq!(view.vm_size_bytes, 1_459_912 * 1024);
        assert_eq!(view.hwm_bytes, 199_432 * 1024);
        assert_eq!(view.rss_anon_bytes, 197_120 * 1024);
        assert_eq!(view.rss_file_bytes, 1_720 * 1024);
        assert_eq!(view.lazy_free_bytes, Some(195_312 * 1024));
        assert_eq!(view.anon_huge_pages_bytes, Some(0));
        assert_eq!(from_status(&status).lazy_free_bytes, None);
        assert_eq!(view.threads, 5);
    }

    #[test]
    fn reads_this_process_and_only_the_files_asked_for() {
        let pid = std::process::id() as i32;
        let mut cost = PhaseReads::default();
        let view = read(pid, false, &mut cost).unwrap();
        assert!(view.rss_bytes > 0 && view.vm_size_bytes >= view.rss_bytes);
        assert_eq!(view.lazy_free_bytes, None);
        assert_eq!((cost.status_reads, cost.smaps_rollup_reads), (1, 0));
        let full = read(pid, true, &mut cost).unwrap();
        assert!(full.lazy_free_bytes.is_some());
        assert_eq!((cost.status_reads, cost.smaps_rollup_reads), (2, 1));
    }
}
