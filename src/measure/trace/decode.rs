//! Decodes the raw arguments and results of mmap / munmap / madvise /
//! mprotect / brk into a [`SyscallEvent`], naming flags the way strace does.

use nix::errno::Errno;

use crate::timeline::{Syscall, SyscallEvent};

/// `PROT_*` bits of mmap and mprotect (uapi asm-generic/mman-common.h).
const PROT_BITS: &[(u64, &str)] = &[
    (0x1, "PROT_READ"),
    (0x2, "PROT_WRITE"),
    (0x4, "PROT_EXEC"),
    (0x8, "PROT_SEM"),
    (0x10, "PROT_BTI"),
    (0x20, "PROT_MTE"),
    (0x0100_0000, "PROT_GROWSDOWN"),
    (0x0200_0000, "PROT_GROWSUP"),
];

/// The mapping type, the low four bits of mmap's flags.
const MAP_TYPE_MASK: u64 = 0xf;
const MAP_TYPES: &[(u64, &str)] = &[
    (0x1, "MAP_SHARED"),
    (0x2, "MAP_PRIVATE"),
    (0x3, "MAP_SHARED_VALIDATE"),
];

/// The other mmap flag bits, in the order strace prints them (ascending).
const MAP_BITS: &[(u64, &str)] = &[
    (0x10, "MAP_FIXED"),
    (0x20, "MAP_ANONYMOUS"),
    #[cfg(target_arch = "x86_64")]
    (0x40, "MAP_32BIT"),
    (0x100, "MAP_GROWSDOWN"),
    (0x800, "MAP_DENYWRITE"),
    (0x1000, "MAP_EXECUTABLE"),
    (0x2000, "MAP_LOCKED"),
    (0x4000, "MAP_NORESERVE"),
    (0x8000, "MAP_POPULATE"),
    (0x1_0000, "MAP_NONBLOCK"),
    (0x2_0000, "MAP_STACK"),
    (0x4_0000, "MAP_HUGETLB"),
    (0x8_0000, "MAP_SYNC"),
    (0x10_0000, "MAP_FIXED_NOREPLACE"),
];
const MAP_HUGETLB: u64 = 0x4_0000;
/// With MAP_HUGETLB, bits 26..32 hold log2 of the huge page size.
const MAP_HUGE_SHIFT: u64 = 26;
const MAP_HUGE_MASK: u64 = 0x3f;

/// madvise advice values (not bits).
const ADVICE: &[(u64, &str)] = &[
    (0, "MADV_NORMAL"),
    (1, "MADV_RANDOM"),
    (2, "MADV_SEQUENTIAL"),
    (3, "MADV_WILLNEED"),
    (4, "MADV_DONTNEED"),
    (8, "MADV_FREE"),
    (9, "MADV_REMOVE"),
    (10, "MADV_DONTFORK"),
    (11, "MADV_DOFORK"),
    (12, "MADV_MERGEABLE"),
    (13, "MADV_UNMERGEABLE"),
    (14, "MADV_HUGEPAGE"),
    (15, "MADV_NOHUGEPAGE"),
    (16, "MADV_DONTDUMP"),
    (17, "MADV_DODUMP"),
    (18, "MADV_WIPEONFORK"),
    (19, "MADV_KEEPONFORK"),
    (20, "MADV_COLD"),
    (21, "MADV_PAGEOUT"),
    (22, "MADV_POPULATE_READ"),
    (23, "MADV_POPULATE_WRITE"),
    (24, "MADV_DONTNEED_LOCKED"),
    (25, "MADV_COLLAPSE"),
    (100, "MADV_HWPOISON"),
    (101, "MADV_SOFT_OFFLINE"),
    (102, "MADV_GUARD_INSTALL"),
    (103, "MADV_GUARD_REMOVE"),
];

/// Kernel-internal restart codes a tracer can see at syscall exit; errno
/// tables (and nix) do not name them.
const RESTART_CODES: &[(i64, &str)] = &[
    (512, "ERESTARTSYS"),
    (513, "ERESTARTNOINTR"),
    (514, "ERESTARTNOHAND"),
    (515, "ENOIOCTLCMD"),
    (516, "ERESTART_RESTARTBLOCK"),
];

/// The event for a call entered with `args`; its result is filled in at exit.
pub fn event(syscall: Syscall, args: &[u64; 6], t_ns: u64, tid: i32) -> SyscallEvent {
    let mut event = SyscallEvent {
        t_ns,
        tid,
        syscall,
        addr: args[0],
        len: 0,
        prot: None,
        flags: None,
        advice: None,
        fd: None,
        offset: None,
        result: None,
        error: None,
    };
    match syscall {
        Syscall::Mmap => {
            event.len = args[1];
            event.prot = Some(prot(args[2]));
            event.flags = Some(map_flags(args[3]));
            // The kernel reads the fd argument as an int.
            event.fd = Some(args[4] as u32 as i32);
            event.offset = Some(args[5]);
        }
        Syscall::Mprotect => {
            event.len = args[1];
            event.prot = Some(prot(args[2]));
        }
        Syscall::Madvise => {
            event.len = args[1];
            event.advice = Some(advice(args[2]));
        }
        Syscall::Munmap => event.len = args[1],
        Syscall::Brk => {}
    }
    event
}

/// Records the value a call returned; `is_error` is the kernel's own verdict.
pub fn set_result(event: &mut SyscallEvent, value: i64, is_error: bool) {
    event.result = Some(value);
    event.error = is_error.then(|| errno(value));
}

/// `PROT_READ|PROT_WRITE`; `PROT_NONE` for 0.
pub fn prot(bits: u64) -> String {
    if bits == 0 {
        return "PROT_NONE".into();
    }
    let mut names = Vec::new();
    let rest = take_bits(bits, PROT_BITS, &mut names);
    join(names, rest)
}

/// `MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS`: the mapping type, then the flag bits.
pub fn map_flags(bits: u64) -> String {
    let mut names = Vec::new();
    let kind = bits & MAP_TYPE_MASK;
    let mut rest = bits & !MAP_TYPE_MASK;
    match MAP_TYPES.iter().find(|(v, _)| *v == kind) {
        Some((_, name)) => names.push(name.to_string()),
        None => rest |= kind,
    }
    let huge_shift = (bits >> MAP_HUGE_SHIFT) & MAP_HUGE_MASK;
    if bits & MAP_HUGETLB != 0 && huge_shift != 0 {
        rest &= !(MAP_HUGE_MASK << MAP_HUGE_SHIFT);
        rest = take_bits(rest, MAP_BITS, &mut names);
        names.push(huge_page_name(huge_shift));
    } else {
        rest = take_bits(rest, MAP_BITS, &mut names);
    }
    join(names, rest)
}

/// `MADV_DONTNEED`; the bare number for an advice this table does not know.
pub fn advice(value: u64) -> String {
    ADVICE
        .iter()
        .find(|(v, _)| *v == value)
        .map(|(_, name)| name.to_string())
        .unwrap_or_else(|| value.to_string())
}

/// `-EINVAL` for -22: a failed call's return value, named.
pub fn errno(value: i64) -> String {
    let code = value.unsigned_abs() as i64;
    if let Some((_, name)) = RESTART_CODES.iter().find(|(c, _)| *c == code) {
        return format!("-{name}");
    }
    match i32::try_from(code).map(Errno::from_raw) {
        Ok(Errno::UnknownErrno) | Err(_) => format!("-{code}"),
        Ok(errno) => format!("-{errno:?}"),
    }
}

/// Moves the names of the bits set in `bits` into `names`; returns the bits
/// left without a name.
fn take_bits(bits: u64, table: &[(u64, &str)], names: &mut Vec<String>) -> u64 {
    let mut rest = bits;
    for (bit, name) in table {
        if rest & bit != 0 {
            names.push(name.to_string());
            rest &= !bit;
        }
    }
    rest
}

fn join(mut names: Vec<String>, rest: u64) -> String {
    if rest != 0 {
        names.push(format!("{rest:#x}"));
    } else if names.is_empty() {
        names.push("0".into());
    }
    names.join("|")
}

/// `MAP_HUGE_2MB` for log2(size) = 21.
fn huge_page_name(shift: u64) -> String {
    let bytes = 1u64 << shift;
    let (value, unit) = match bytes {
        b if b >= 1 << 30 => (b >> 30, "GB"),
        b if b >= 1 << 20 => (b >> 20, "MB"),
        b => (b >> 10, "KB"),
    };
    format!("MAP_HUGE_{value}{unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protection_bits() {
        assert_eq!(prot(0), "PROT_NONE");
        assert_eq!(prot(1 | 2), "PROT_READ|PROT_WRITE");
        assert_eq!(prot(1 | 4), "PROT_READ|PROT_EXEC");
        assert_eq!(prot(0x0100_0003), "PROT_READ|PROT_WRITE|PROT_GROWSDOWN");
        assert_eq!(prot(0x1 | 0x40), "PROT_READ|0x40");
    }

    #[test]
    fn mmap_flags_as_strace_prints_them() {
        assert_eq!(map_flags(0x22), "MAP_PRIVATE|MAP_ANONYMOUS");
        assert_eq!(map_flags(0x32), "MAP_PRIVATE|MAP_FIXED|MAP_ANONYMOUS");
        assert_eq!(map_flags(0x01), "MAP_SHARED");
        assert_eq!(map_flags(0x03), "MAP_SHARED_VALIDATE");
        assert_eq!(
            map_flags(0x2 | 0x20 | 0x2_0000 | 0x4000),
            "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE|MAP_STACK"
        );
        assert_eq!(
            map_flags(0x2 | 0x10_0000),
            "MAP_PRIVATE|MAP_FIXED_NOREPLACE"
        );
        // 2 MiB huge pages: log2 = 21 in bits 26..32.
        assert_eq!(
            map_flags(0x22 | 0x4_0000 | (21 << 26)),
            "MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|MAP_HUGE_2MB"
        );
        // A type nibble without a name, and an unknown bit, stay visible.
        assert_eq!(map_flags(0x0f), "0xf");
        assert_eq!(map_flags(0x2 | 0x20_0000), "MAP_PRIVATE|0x200000");
        assert_eq!(map_flags(0), "0");
    }

    #[test]
    fn madvise_advice() {
        assert_eq!(advice(4), "MADV_DONTNEED");
        assert_eq!(advice(8), "MADV_FREE");
        assert_eq!(advice(14), "MADV_HUGEPAGE");
        assert_eq!(advice(15), "MADV_NOHUGEPAGE");
        assert_eq!(advice(25), "MADV_COLLAPSE");
        assert_eq!(advice(77), "77");
    }

    #[test]
    fn errno_names() {
        assert_eq!(errno(-22), "-EINVAL");
        assert_eq!(errno(-12), "-ENOMEM");
        assert_eq!(errno(-38), "-ENOSYS");
        assert_eq!(errno(-513), "-ERESTARTNOINTR");
        assert_eq!(errno(-4000), "-4000");
    }

    #[test]
    fn an_mmap_call_decoded() {
        let args = [0xc0_0000_0000, 64 << 20, 0, 0x22, u32::MAX as u64, 0];
        let mut e = event(Syscall::Mmap, &args, 7, 42);
        assert_eq!(e.prot.as_deref(), Some("PROT_NONE"));
        assert_eq!(e.flags.as_deref(), Some("MAP_PRIVATE|MAP_ANONYMOUS"));
        assert_eq!((e.fd, e.offset, e.len), (Some(-1), Some(0), 64 << 20));
        assert_eq!(e.result, None);
        set_result(&mut e, 0xc0_0000_0000, false);
        assert_eq!((e.result, e.error), (Some(0xc0_0000_0000), None));

        let mut m = event(Syscall::Madvise, &[0x1000, 4096, 8, 0, 0, 0], 8, 43);
        assert_eq!(m.advice.as_deref(), Some("MADV_FREE"));
        assert_eq!((m.prot.clone(), m.fd), (None, None));
        set_result(&mut m, -22, true);
        assert_eq!(m.error.as_deref(), Some("-EINVAL"));
    }
}
