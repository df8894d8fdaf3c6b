//! Side by side or in pairs: runs units of work (an experiment on one Go
//! version) on up to `width` threads. Units whose claims do not depend on
//! timing ([`Timing::Independent`]: traces, maps, the ledger, sizes after a
//! forced GC) share the machine; timing-sensitive ones run after them, up to
//! `sensitive_width` at once (default [`SENSITIVE_WIDTH`], 1 = each alone),
//! never beside an independent one. Each output is handed back with its
//! unit's index, so callers order results by index: what is printed never
//! depends on the scheduling.

use std::sync::{Mutex, mpsc};

use serde::Deserialize;

/// Whether an experiment's claims depend on how fast things happen
/// (`timing = "sensitive"`, the default) or only on what happened
/// (`timing = "independent"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timing {
    /// Run with at most one other sensitive unit: a GC pace, a peak under
    /// churn, a scavenger's wake-up.
    #[default]
    Sensitive,
    /// May run beside other independent units.
    Independent,
}

/// How many timing-sensitive units run at once by default: two. Their
/// claims were made to hold under `stress-ng --cpu 2` (two CPU hogs on a
/// 2-core machine); one sibling experiment is one more contender, and the
/// snapshot suite under stress checks that no verdict moves.
pub const SENSITIVE_WIDTH: usize = 2;

/// How many independent units run at once by default: the CPU count.
pub fn default_width() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `work(i)` for every unit `i` of `timings`: the independent ones
/// first, up to `width` at once, then the sensitive ones, up to
/// `sensitive_width` at once. `done(i, output)` is called on the calling
/// thread as each unit finishes (in finishing order); when it returns
/// false, no further unit is started.
pub fn run<T: Send>(
    timings: &[Timing],
    (width, sensitive_width): (usize, usize),
    work: impl Fn(usize) -> T + Sync,
    mut done: impl FnMut(usize, T) -> bool,
) {
    let (independent, sensitive): (Vec<usize>, Vec<usize>) =
        (0..timings.len()).partition(|&i| timings[i] == Timing::Independent);
    if pool(&independent, width, &work, &mut done) {
        pool(&sensitive, sensitive_width, &work, &mut done);
    }
}

/// Runs `work` on each of `units`, up to `width` at once. The calling
/// thread hands a unit out only when one has finished (or at the start),
/// so after `done` says stop, no new unit starts; false then.
fn pool<T: Send>(
    units: &[usize],
    width: usize,
    work: &(impl Fn(usize) -> T + Sync),
    done: &mut impl FnMut(usize, T) -> bool,
) -> bool {
    let (start, todo) = mpsc::channel::<usize>();
    let todo = Mutex::new(todo);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        for _ in 0..width.max(1).min(units.len()) {
            let (tx, todo) = (tx.clone(), &todo);
            scope.spawn(move || {
                // The lock is released before the work runs.
                let next = || todo.lock().ok()?.recv().ok();
                while let Some(i) = next() {
                    if tx.send((i, work(i))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut queue = units.iter();
        for &i in queue.by_ref().take(width.max(1)) {
            let _ = start.send(i);
        }
        let mut start = Some(start);
        for (i, out) in rx {
            if !done(i, out) {
                return false;
            }
            match queue.next() {
                Some(&i) => {
                    let _ = start.as_ref().map(|s| s.send(i));
                }
                // Nothing left to hand out: idle workers may go.
                None => start = None,
            }
        }
        true
    })
}

#[cfg(test)]
mod tests;
