//! Measure stage: what is read while a fixture runs — the fast /proc series
//! ([`sampler`]), the OS view at phases ([`os_view`], [`maps`]), the Go view the
//! fixture sends ([`probe`]), syscalls ([`trace`]), gctrace lines ([`events`]),
//! heap profiles ([`profile`]), the CPU contention of a run ([`contention`]) and
//! the machine it ran on ([`machine`]: kernel, THP, cgroup, CPUs).

pub mod contention;
pub mod events;
pub mod machine;
pub mod maps;
pub mod os_view;
pub mod probe;
pub mod profile;
pub mod sampler;
pub mod trace;
