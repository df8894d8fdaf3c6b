//! The seccomp BPF filter that makes only mmap / munmap / madvise / mprotect
//! / brk stop the traced fixture, and the syscall numbers of the machines it
//! knows (x86_64, aarch64).
//!
//! Written by hand rather than with `seccompiler`: the program is eleven
//! instructions that a unit test below runs through a small interpreter, and
//! a dependency would add more to review than it saves.

use nix::libc::{self, sock_filter};

use super::TraceError;
use crate::timeline::Syscall;

/// A machine gomemlab can trace on: its audit arch and its syscall numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arch {
    pub name: &'static str,
    /// `AUDIT_ARCH_*`: what `seccomp_data.arch` holds for a native syscall.
    audit: u32,
    numbers: [(Syscall, u64); 5],
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
const NUMBERS: [(Syscall, u64); 5] = [
    (Syscall::Mmap, libc::SYS_mmap as u64),
    (Syscall::Munmap, libc::SYS_munmap as u64),
    (Syscall::Madvise, libc::SYS_madvise as u64),
    (Syscall::Mprotect, libc::SYS_mprotect as u64),
    (Syscall::Brk, libc::SYS_brk as u64),
];

/// EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE (uapi linux/audit.h).
#[cfg(target_arch = "x86_64")]
const NATIVE: Option<Arch> = Some(Arch {
    name: "x86_64",
    audit: 0xc000_003e,
    numbers: NUMBERS,
});
/// EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE.
#[cfg(target_arch = "aarch64")]
const NATIVE: Option<Arch> = Some(Arch {
    name: "aarch64",
    audit: 0xc000_00b7,
    numbers: NUMBERS,
});
#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
const NATIVE: Option<Arch> = None;

/// Offsets in `struct seccomp_data`: `int nr; __u32 arch; ...`.
pub(crate) const NR_OFFSET: u32 = 0;
pub(crate) const ARCH_OFFSET: u32 = 4;

pub(crate) const LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
pub(crate) const JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
pub(crate) const RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

impl Arch {
    /// The machine this binary was built for, if gomemlab knows its numbers.
    pub fn native() -> Result<Arch, TraceError> {
        NATIVE.ok_or(TraceError::UnsupportedArch {
            arch: std::env::consts::ARCH,
        })
    }

    /// `AUDIT_ARCH_*` of this machine's native syscalls.
    pub fn audit(&self) -> u32 {
        self.audit
    }

    /// Which traced syscall `nr` is, if any.
    pub fn syscall(&self, nr: u64) -> Option<Syscall> {
        self.numbers
            .iter()
            .find(|(_, n)| *n == nr)
            .map(|(syscall, _)| *syscall)
    }

    /// The filter: SECCOMP_RET_TRACE for the traced syscalls of this arch,
    /// SECCOMP_RET_ALLOW for everything else. A syscall made through another
    /// ABI (i386 `int 0x80` on x86_64) has other numbers: it is allowed
    /// untraced rather than misread. Go's runtime makes none.
    pub fn program(&self) -> Vec<sock_filter> {
        let n = self.numbers.len();
        let mut program = vec![
            stmt(LD_W_ABS, ARCH_OFFSET),
            jump(JEQ_K, self.audit, 1, 0),
            stmt(RET_K, libc::SECCOMP_RET_ALLOW),
            stmt(LD_W_ABS, NR_OFFSET),
        ];
        for (i, (_, nr)) in self.numbers.iter().enumerate() {
            // On a match, skip the remaining comparisons and the ALLOW.
            program.push(jump(JEQ_K, *nr as u32, (n - i) as u8, 0));
        }
        program.push(stmt(RET_K, libc::SECCOMP_RET_ALLOW));
        program.push(stmt(RET_K, libc::SECCOMP_RET_TRACE));
        program
    }
}

/// Installs `program` on the calling thread. Runs in the child between fork
/// and exec: no allocation, only the seccomp syscall.
pub fn install(program: &[sock_filter]) -> std::io::Result<()> {
    let prog = libc::sock_fprog {
        len: program.len() as libc::c_ushort,
        filter: program.as_ptr().cast_mut(),
    };
    // SAFETY: `prog` points at `program`, which outlives the call; the
    // kernel copies the instructions and does not write through the pointer.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_seccomp,
            libc::SECCOMP_SET_MODE_FILTER,
            0,
            &prog as *const libc::sock_fprog,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

pub(crate) fn stmt(code: u16, k: u32) -> sock_filter {
    sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

pub(crate) fn jump(code: u16, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the three instructions the filter uses, as the kernel would.
    fn verdict(program: &[sock_filter], arch: u32, nr: u32) -> u32 {
        let (mut acc, mut pc) = (0u32, 0usize);
        loop {
            let ins = program[pc];
            match ins.code {
                LD_W_ABS if ins.k == NR_OFFSET => acc = nr,
                LD_W_ABS if ins.k == ARCH_OFFSET => acc = arch,
                JEQ_K => {
                    pc += usize::from(if acc == ins.k { ins.jt } else { ins.jf });
                }
                RET_K => return ins.k,
                other => panic!("unexpected instruction {other:#x}"),
            }
            pc += 1;
        }
    }

    #[test]
    fn only_the_memory_syscalls_of_the_native_arch_are_traced() {
        let arch = Arch::native().unwrap();
        let program = arch.program();
        assert_eq!(program.len(), 11);
        let traced: Vec<u64> = arch.numbers.iter().map(|(_, n)| *n).collect();
        for nr in 0..1024u32 {
            let want = if traced.contains(&u64::from(nr)) {
                libc::SECCOMP_RET_TRACE
            } else {
                libc::SECCOMP_RET_ALLOW
            };
            assert_eq!(verdict(&program, arch.audit, nr), want, "nr {nr}");
            assert_eq!(
                verdict(&program, 0x4000_0003, nr),
                libc::SECCOMP_RET_ALLOW,
                "i386 nr {nr}"
            );
        }
    }

    #[test]
    fn numbers_name_the_syscalls() {
        let arch = Arch::native().unwrap();
        assert_eq!(
            arch.syscall(libc::SYS_madvise as u64),
            Some(Syscall::Madvise)
        );
        assert_eq!(arch.syscall(libc::SYS_read as u64), None);
    }
}
