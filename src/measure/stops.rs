//! The program stopped at its own moments: at `exit_group` (its memory still
//! mapped: the snapshot at exit) and, for phases taken from output lines, at
//! each `write(2)` to its stdout or stderr, so the harness reads /proc while
//! the writing thread waits, as the probe's phases do.
//!
//! How: a seccomp filter returning SECCOMP_RET_USER_NOTIF for those calls is
//! installed in the child before exec (inherited by everything it starts:
//! `go run` and the program it builds alike). The kernel holds the calling
//! thread and notifies a listener fd that the child sends back over a
//! socket. A supervisor thread here receives each notification, hands it to
//! a handler (which reads the written bytes and /proc), then lets the call
//! go on unchanged (SECCOMP_USER_NOTIF_FLAG_CONTINUE, Linux 5.5).
//!
//! Not ptrace: a ptraced process stops at every signal delivered to it, and
//! Go signals itself often (SIGURG preemption); a notifying filter costs
//! nothing but the calls it names, and works where ptrace is refused
//! (gomemlab itself traced, Yama). Refused too sometimes (no seccomp, a
//! container filter that has a listener already: EBUSY): then
//! [`Stops::refused`] says why and the caller falls back.

mod filter;

use std::collections::HashMap;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Instant;

use nix::libc::{self, sock_filter};
use nix::sys::socket::{self, AddressFamily, ControlMessageOwned, MsgFlags, SockFlag, SockType};

use crate::measure::trace::filter::Arch;

/// Bytes of one write read at most (a longer write is matched on its start).
pub const MAX_WRITE_READ: usize = 64 * 1024;

/// `SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP` (Linux 6.6): wake the supervisor and
/// then the stopped thread on the current CPU, which halves the round trip.
const SYNC_WAKE_UP: u64 = 1;

/// A stopped call, as the handler sees it. The thread waits until the
/// handler returns.
#[derive(Debug)]
pub enum Stop<'a> {
    /// `exit_group` by thread `tid`: the process's memory is all still there.
    Exit { tid: i32, t_ns: u64 },
    /// `write(fd, ..)` of `bytes` (at most [`MAX_WRITE_READ`]) by `tid`, fd 1 or 2.
    Write {
        tid: i32,
        fd: i32,
        bytes: &'a [u8],
        t_ns: u64,
    },
}

/// What a run asks to be stopped at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StopsSpec {
    /// Writes to fds 1 and 2 too (else `exit_group` only).
    pub writes: bool,
}

/// Prepared before the fork: the filter and the socket the child sends its
/// listener on.
pub struct Prepared {
    program: Vec<sock_filter>,
    ours: OwnedFd,
    theirs: OwnedFd,
}

impl Prepared {
    /// `None` where gomemlab does not know the syscall numbers.
    pub fn new(spec: StopsSpec) -> std::io::Result<Option<Prepared>> {
        let Ok(arch) = Arch::native() else {
            return Ok(None);
        };
        let (ours, theirs) = socket::socketpair(
            AddressFamily::Unix,
            SockType::SeqPacket,
            None,
            SockFlag::SOCK_CLOEXEC,
        )?;
        Ok(Some(Prepared {
            program: filter::program(&arch, spec.writes),
            ours,
            theirs,
        }))
    }

    /// The hook to run in the child between fork and exec (async-signal-safe,
    /// allocates nothing). It never fails the spawn: a refused filter is
    /// reported to the supervisor instead.
    pub fn child_hook(&self) -> impl Fn() -> std::io::Result<()> + Send + Sync + 'static {
        let program = self.program.clone();
        let sock = self.theirs.as_raw_fd();
        move || {
            filter::child_setup(&program, sock);
            Ok(())
        }
    }

    /// Starts the supervisor thread (before the spawn, so a child that fails
    /// to exec and exits is answered too). `handler` runs on that thread for
    /// each stop, while the stopped thread waits.
    pub fn supervise<H>(self, epoch: Instant, handler: H) -> std::io::Result<Stops>
    where
        H: FnMut(Stop<'_>) + Send + 'static,
    {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let (report_tx, report_rx) = std::sync::mpsc::sync_channel(1);
        let Prepared { ours, theirs, .. } = self;
        let thread = std::thread::Builder::new()
            .name("gomemlab-stops".into())
            .spawn(move || {
                let listener = match receive_listener(&ours) {
                    Ok(fd) => {
                        let _ = report_tx.send(None);
                        fd
                    }
                    Err(why) => {
                        let _ = report_tx.send(Some(why.clone()));
                        return StopStats {
                            refused: Some(why),
                            ..StopStats::default()
                        };
                    }
                };
                supervise(&listener, epoch, &flag, handler)
            })?;
        Ok(Stops {
            theirs: Some(theirs),
            stop,
            thread: Some(thread),
            status: report_rx,
            refused: None,
            known: false,
        })
    }
}

/// What the supervisor did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StopStats {
    /// Calls stopped (exits and writes).
    pub stops: u64,
    /// Writes whose bytes could not be read (the handler got none).
    pub unread: u64,
    /// Why the filter could not be used, if it could not.
    pub refused: Option<String>,
}

/// The supervisor of a started child. Call [`Stops::spawned`] once the child
/// is forked; [`Stops::finish`] after it is reaped.
pub struct Stops {
    theirs: Option<OwnedFd>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<StopStats>>,
    status: std::sync::mpsc::Receiver<Option<String>>,
    refused: Option<String>,
    known: bool,
}

impl Stops {
    /// The child is forked (or failed to): closes our copy of its socket
    /// end, so the supervisor sees EOF if the child never sent anything.
    pub fn spawned(&mut self) {
        self.theirs = None;
    }

    /// Waits until the child said whether the filter is in place: `None`
    /// if it is, else why not. Call after [`Stops::spawned`].
    pub fn refused(&mut self) -> Option<String> {
        if !self.known {
            self.known = true;
            self.refused = match self.status.recv() {
                Ok(r) => r,
                Err(_) => Some("the stops supervisor ended early".into()),
            };
        }
        self.refused.clone()
    }

    /// Stops the supervisor (once the child and what it started are gone;
    /// a call still stopped then fails with ENOSYS) and says what it did.
    pub fn finish(mut self) -> StopStats {
        self.end()
    }

    fn end(&mut self) -> StopStats {
        self.theirs = None;
        self.stop.store(true, Ordering::Release);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default()
    }
}

impl Drop for Stops {
    fn drop(&mut self) {
        self.end();
    }
}

/// The child's message: the listener, or why there is none.
fn receive_listener(sock: &OwnedFd) -> Result<OwnedFd, String> {
    let mut data = [0u8; 4];
    let mut iov = [std::io::IoSliceMut::new(&mut data)];
    let mut space = nix::cmsg_space!(RawFd);
    let msg = loop {
        match socket::recvmsg::<()>(
            sock.as_raw_fd(),
            &mut iov,
            Some(&mut space),
            MsgFlags::MSG_CMSG_CLOEXEC,
        ) {
            Err(nix::errno::Errno::EINTR) => continue,
            other => break other,
        }
    };
    let msg = msg.map_err(|e| format!("receiving the seccomp listener: {e}"))?;
    if msg.bytes == 0 {
        return Err("the program started before its seccomp filter was in place".into());
    }
    let fd = msg
        .cmsgs()
        .map_err(|e| e.to_string())?
        .find_map(|c| match c {
            ControlMessageOwned::ScmRights(fds) => fds.first().copied(),
            _ => None,
        });
    let code = i32::from_ne_bytes(data);
    match fd {
        // SAFETY: a descriptor just received with SCM_RIGHTS: ours alone.
        Some(fd) if code == 0 => Ok(unsafe { OwnedFd::from_raw_fd(fd) }),
        _ => Err(format!(
            "the kernel refused the seccomp filter: {}",
            nix::errno::Errno::from_raw(code).desc()
        )),
    }
}

/// The notification loop: until every task under the filter is gone
/// (POLLHUP) or `stop` is raised.
fn supervise<H>(listener: &OwnedFd, epoch: Instant, stop: &AtomicBool, mut handler: H) -> StopStats
where
    H: FnMut(Stop<'_>),
{
    let fd = listener.as_raw_fd();
    // SAFETY: an ioctl on our listener with an integer argument; failure
    // (an older kernel) only leaves the default wakeups.
    unsafe { libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_SET_FLAGS as _, SYNC_WAKE_UP) };
    let mut stats = StopStats::default();
    let mut buf = vec![0u8; MAX_WRITE_READ];
    // A call whose answer found it gone (a signal interrupted the wait): the
    // kernel restarts it and notifies again; the handler saw it already.
    let mut interrupted: HashMap<u32, (u64, u64)> = HashMap::new();
    while !stop.load(Ordering::Acquire) {
        let mut poll = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let ready = unsafe { libc::poll(&mut poll, 1, 100) };
        if ready <= 0 {
            continue;
        }
        if poll.revents & libc::POLLIN == 0 {
            // POLLHUP: no task uses the filter any more.
            break;
        }
        // SAFETY: seccomp_notif is plain data; the kernel wants it zeroed.
        let mut req: libc::seccomp_notif = unsafe { std::mem::zeroed() };
        // SAFETY: RECV fills `req`, which lives across the call.
        if unsafe { libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_RECV as _, &mut req) } != 0 {
            // ENOENT: the task died before we received; EINTR: retry.
            continue;
        }
        let t_ns = epoch.elapsed().as_nanos() as u64;
        stats.stops += 1;
        let tid = req.pid as i32;
        let nr = i64::from(req.data.nr);
        if nr == libc::SYS_exit_group {
            handler(Stop::Exit { tid, t_ns });
        } else if nr == libc::SYS_write {
            let (ptr, count) = (req.data.args[1], req.data.args[2]);
            if interrupted.remove(&req.pid) != Some((ptr, count)) {
                let n = (count as usize).min(MAX_WRITE_READ);
                match read_remote(tid, ptr, &mut buf[..n]) {
                    Some(got) => handler(Stop::Write {
                        tid,
                        fd: req.data.args[0] as i32,
                        bytes: &buf[..got],
                        t_ns,
                    }),
                    None => stats.unread += 1,
                }
            }
        }
        let resp = libc::seccomp_notif_resp {
            id: req.id,
            val: 0,
            error: 0,
            flags: libc::SECCOMP_USER_NOTIF_FLAG_CONTINUE as u32,
        };
        // SAFETY: SEND reads `resp`, which lives across the call.
        let sent = unsafe { libc::ioctl(fd, libc::SECCOMP_IOCTL_NOTIF_SEND as _, &resp) };
        if sent != 0 && nr == libc::SYS_write {
            interrupted.insert(req.pid, (req.data.args[1], req.data.args[2]));
        }
    }
    stats
}

/// `process_vm_readv` of `buf.len()` bytes at `addr` in `tid`'s memory.
fn read_remote(tid: i32, addr: u64, buf: &mut [u8]) -> Option<usize> {
    if buf.is_empty() {
        return Some(0);
    }
    let local = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let remote = libc::iovec {
        iov_base: addr as *mut libc::c_void,
        iov_len: buf.len(),
    };
    // SAFETY: `local` points at `buf`, valid for its length; the remote
    // side is only read by the kernel, which checks it.
    let n = unsafe { libc::process_vm_readv(tid, &local, 1, &remote, 1, 0) };
    (n >= 0).then_some(n as usize)
}

#[cfg(test)]
mod tests;
