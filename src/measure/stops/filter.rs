//! The seccomp filter of [`super`]: SECCOMP_RET_USER_NOTIF for `exit_group`
//! and (when phases are taken from output) for `write` to fds 1 and 2,
//! SECCOMP_RET_ALLOW for everything else; and the child's side of the setup,
//! which runs between fork and exec: install the filter with a listener,
//! send the listener to the harness over a socket (SCM_RIGHTS), close it.

use std::os::fd::RawFd;

use nix::libc::{self, sock_filter};

use crate::measure::trace::filter::{
    ARCH_OFFSET, Arch, JEQ_K, LD_W_ABS, NR_OFFSET, RET_K, jump, stmt,
};

/// `seccomp_data.args[0]` and `args[2]`: their low and high 32 bits
/// (little-endian machines only: the two gomemlab knows).
const ARG0_LOW: u32 = 16;
const ARG2_LOW: u32 = 32;
const ARG2_HIGH: u32 = 36;
const JGE_K: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;

/// Writes of this many bytes or more do not stop: they are blocks of
/// buffered output (bufio's 4 KiB, stdio's BUFSIZ, `head`'s copies), whose
/// lines were made at moments the write no longer knows, and stopping each
/// would slow bulk output down. A phase line in one is taken by the
/// fallback. A program printing a line at a time writes far less.
pub const MAX_STOPPED_WRITE: u32 = 4096;

/// The filter program. A write's fd is compared on its low 32 bits (the
/// kernel reads an `unsigned int`).
pub fn program(arch: &Arch, writes: bool) -> Vec<sock_filter> {
    const NOTIFY: u32 = libc::SECCOMP_RET_USER_NOTIF;
    const ALLOW: u32 = libc::SECCOMP_RET_ALLOW;
    let exit_group = libc::SYS_exit_group as u32;
    let write = libc::SYS_write as u32;
    let mut p = vec![
        stmt(LD_W_ABS, ARCH_OFFSET),
        jump(JEQ_K, arch.audit(), 1, 0),
        stmt(RET_K, ALLOW),
        stmt(LD_W_ABS, NR_OFFSET),
    ];
    if writes {
        // 4: exit_group? -> 14 (NOTIFY)
        p.push(jump(JEQ_K, exit_group, 9, 0));
        // 5: write? else -> 13 (ALLOW)
        p.push(jump(JEQ_K, write, 0, 7));
        p.push(stmt(LD_W_ABS, ARG0_LOW));
        // 7, 8: fd 1 or 2 -> 9, else ALLOW
        p.push(jump(JEQ_K, 1, 1, 0));
        p.push(jump(JEQ_K, 2, 0, 4));
        // 9, 10: count < 2^32 ...
        p.push(stmt(LD_W_ABS, ARG2_HIGH));
        p.push(jump(JEQ_K, 0, 0, 2));
        // 11, 12: ... and below MAX_STOPPED_WRITE -> NOTIFY, else ALLOW
        p.push(stmt(LD_W_ABS, ARG2_LOW));
        p.push(jump(JGE_K, MAX_STOPPED_WRITE, 0, 1));
    } else {
        p.push(jump(JEQ_K, exit_group, 1, 0));
    }
    p.push(stmt(RET_K, ALLOW));
    p.push(stmt(RET_K, NOTIFY));
    p
}

/// `seccomp(SECCOMP_SET_MODE_FILTER, NEW_LISTENER, prog)`: the listener fd,
/// or the errno. Without CAP_SYS_ADMIN the kernel asks for no_new_privs
/// first (EACCES): then it is set and the install tried again, so a
/// privileged watch does not take setuid programs' privileges away.
fn install(program: &[sock_filter]) -> Result<RawFd, i32> {
    let prog = libc::sock_fprog {
        len: program.len() as libc::c_ushort,
        filter: program.as_ptr().cast_mut(),
    };
    let attempt = || {
        // SAFETY: `prog` points at `program`, which outlives the call; the
        // kernel copies the instructions.
        unsafe {
            libc::syscall(
                libc::SYS_seccomp,
                libc::SECCOMP_SET_MODE_FILTER,
                libc::SECCOMP_FILTER_FLAG_NEW_LISTENER,
                &prog as *const libc::sock_fprog,
            )
        }
    };
    let mut fd = attempt();
    if fd < 0 && errno() == libc::EACCES {
        // SAFETY: prctl with integer arguments only.
        if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
            return Err(errno());
        }
        fd = attempt();
    }
    if fd < 0 {
        Err(errno())
    } else {
        Ok(fd as RawFd)
    }
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// The child's side, between fork and exec: only async-signal-safe calls,
/// no allocation. Sends a 4-byte message on `sock`: 0 with the listener
/// attached, or the errno of a refused install (then the program runs
/// unfiltered: the harness falls back). Never fails the spawn.
pub fn child_setup(program: &[sock_filter], sock: RawFd) {
    let (code, fd) = match install(program) {
        Ok(fd) => (0, fd),
        Err(e) => (e, -1),
    };
    send(sock, code, fd);
    if fd >= 0 {
        // SAFETY: our own descriptor, no longer needed once sent.
        unsafe { libc::close(fd) };
    }
    // SAFETY: the child's copy of its socket end; the harness keeps its own.
    unsafe { libc::close(sock) };
}

/// sendmsg of `code` (and `fd` as SCM_RIGHTS when ≥ 0), from stack buffers.
fn send(sock: RawFd, code: i32, fd: RawFd) {
    #[repr(C, align(8))]
    struct Control([u8; 64]);
    let mut data = code.to_ne_bytes();
    let mut iov = libc::iovec {
        iov_base: data.as_mut_ptr().cast(),
        iov_len: data.len(),
    };
    let mut control = Control([0; 64]);
    // SAFETY: a zeroed msghdr is valid; every pointer set below points at a
    // stack value that outlives the sendmsg call; the CMSG_* macros stay
    // within `control`, which is aligned and large enough for one fd.
    unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        if fd >= 0 {
            let size = std::mem::size_of::<RawFd>() as u32;
            msg.msg_control = control.0.as_mut_ptr().cast();
            msg.msg_controllen = libc::CMSG_SPACE(size) as _;
            let cmsg = libc::CMSG_FIRSTHDR(&msg);
            (*cmsg).cmsg_level = libc::SOL_SOCKET;
            (*cmsg).cmsg_type = libc::SCM_RIGHTS;
            (*cmsg).cmsg_len = libc::CMSG_LEN(size) as _;
            std::ptr::copy_nonoverlapping(
                (&fd as *const RawFd).cast::<u8>(),
                libc::CMSG_DATA(cmsg),
                size as usize,
            );
        }
        libc::sendmsg(sock, &msg, libc::MSG_NOSIGNAL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the filter as the kernel would, on (nr, fd).
    fn verdict(program: &[sock_filter], arch: u32, nr: u32, fd: u32, count: u64) -> u32 {
        let (mut acc, mut pc) = (0u32, 0usize);
        loop {
            let ins = program[pc];
            match ins.code {
                LD_W_ABS if ins.k == NR_OFFSET => acc = nr,
                LD_W_ABS if ins.k == ARCH_OFFSET => acc = arch,
                LD_W_ABS if ins.k == ARG0_LOW => acc = fd,
                LD_W_ABS if ins.k == ARG2_LOW => acc = count as u32,
                LD_W_ABS if ins.k == ARG2_HIGH => acc = (count >> 32) as u32,
                JEQ_K => pc += usize::from(if acc == ins.k { ins.jt } else { ins.jf }),
                JGE_K => pc += usize::from(if acc >= ins.k { ins.jt } else { ins.jf }),
                RET_K => return ins.k,
                other => panic!("unexpected instruction {other:#x}"),
            }
            pc += 1;
        }
    }

    #[test]
    fn only_exit_group_and_writes_to_stdout_and_stderr_stop() {
        let arch = Arch::native().unwrap();
        let audit = arch.audit();
        let notify = libc::SECCOMP_RET_USER_NOTIF;
        let allow = libc::SECCOMP_RET_ALLOW;
        let (exit_group, write) = (libc::SYS_exit_group as u32, libc::SYS_write as u32);
        for writes in [true, false] {
            let p = program(&arch, writes);
            for nr in 0..512u32 {
                for fd in 0..5u32 {
                    for count in [0, 80, 4095, 4096, 65536, 1 << 32] {
                        let line = count < u64::from(MAX_STOPPED_WRITE);
                        let stops = nr == exit_group
                            || (writes && nr == write && (fd == 1 || fd == 2) && line);
                        let want = if stops { notify } else { allow };
                        let got = verdict(&p, audit, nr, fd, count);
                        assert_eq!(got, want, "writes {writes} nr {nr} fd {fd} count {count}");
                        assert_eq!(verdict(&p, 0x4000_0003, nr, fd, count), allow);
                    }
                }
            }
        }
    }
}
