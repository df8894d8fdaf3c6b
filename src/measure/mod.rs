//! Measure stage: what is read while a fixture runs — the fast /proc series
//! ([`sampler`]), the OS view at phases ([`os_view`], [`maps`]), the Go view the
//! fixture sends ([`probe`]), syscalls ([`trace`]), gctrace lines ([`events`]),
//! heap profiles ([`profile`]) and the CPU contention of a run ([`contention`]).

pub mod contention;
pub mod events;
pub mod maps;
pub mod os_view;
pub mod probe;
pub mod profile;
pub mod sampler;
pub mod trace;
