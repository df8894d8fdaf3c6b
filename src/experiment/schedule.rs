//! Side by side or in pairs: runs units of work (an experiment on one Go
//! version) on up to `width` threads. Units whose claims do not depend on
//! timing ([`Timing::Independent`]: traces, maps, the ledger, sizes after a
//! forced GC) share the machine; timing-sensitive ones run after them, up to
//! `sensitive_width` at once (default [`SENSITIVE_WIDTH`], 1 = each alone),
//! never beside an independent one. Units that mostly wait for the runtime
//! ([`Timing::Waits`]: a background scavenger's own pace) start first, each
//! on a thread of its own beside everything else, so a long wait is never
//! alone at the end. Each output is handed back with its unit's index, so
//! callers order results by index: what is printed never depends on the
//! scheduling. [`run`] returns when each unit ran; [`critical_path`] names
//! the chain of units that set the total.

use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

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
    /// Spends its time waiting for the runtime (e.g. the background
    /// scavenger, seconds to a minute) and uses little CPU: starts first and
    /// runs beside all the others, its claims made to hold under
    /// `stress-ng --cpu 2` (`timing = "waits"`).
    Waits,
}

/// When a unit ran, from the start of [`run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunSpan {
    pub start: Duration,
    pub end: Duration,
}

/// How many timing-sensitive units run at once by default: three. Their
/// claims were made to hold under `stress-ng --cpu 2` (two CPU hogs on a
/// 2-core machine) beside a sibling experiment; a sensitive fixture keeps
/// about half a core busy on average (it waits at its phases and holds:
/// `perf record -a` of a reproduce, 41% of the two cores idle with two at
/// once), so three on two idle cores contend less than that. Checked: the
/// verdicts of `reproduce --sensitive-jobs 3` under `stress-ng --cpu 2`
/// equal the idle ones (3 runs of 73 verdicts).
pub const SENSITIVE_WIDTH: usize = 3;

/// How many independent units run at once by default: twice the CPU count
/// (their claims do not depend on timing, and they too wait more than they
/// compute: syscall traces, phase reads).
pub fn default_width() -> usize {
    2 * std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `work(i)` for every unit `i` of `timings`: the waiting ones at
/// once, each on its own thread, beside the rest; the independent ones up
/// to `width` at once, then the sensitive ones, up to `sensitive_width` at
/// once. Within each kind the longest go first, by `expected` (how long a
/// unit took last time; units never timed first of all, then index
/// order), so no long unit is left to run alone at the end; an empty
/// `expected` keeps index order. `done(i, output)` is called on the calling thread as each unit
/// finishes (a waiting unit's once the others are done or it is, whichever
/// is later); when it returns false, no further unit is started. Returns
/// when each unit ran (None: never started).
pub fn run<T: Send>(
    timings: &[Timing],
    expected: &[Option<Duration>],
    (width, sensitive_width): (usize, usize),
    work: impl Fn(usize) -> T + Sync,
    mut done: impl FnMut(usize, T) -> bool,
) -> Vec<Option<RunSpan>> {
    let epoch = Instant::now();
    let spans = Mutex::new(vec![None; timings.len()]);
    let timed = |i: usize| {
        let start = epoch.elapsed();
        let out = work(i);
        let span = RunSpan {
            start,
            end: epoch.elapsed(),
        };
        if let Ok(mut spans) = spans.lock() {
            spans[i] = Some(span);
        }
        out
    };
    let of = |t: Timing| -> Vec<usize> {
        let mut units: Vec<usize> = (0..timings.len()).filter(|&i| timings[i] == t).collect();
        // Stable: equal hints keep index order.
        units.sort_by_key(|&i| {
            std::cmp::Reverse(
                expected
                    .get(i)
                    .map_or(Duration::ZERO, |e| e.unwrap_or(Duration::MAX)),
            )
        });
        units
    };
    let (waiting, independent, sensitive) = (
        of(Timing::Waits),
        of(Timing::Independent),
        of(Timing::Sensitive),
    );
    std::thread::scope(|scope| {
        let timed = &timed;
        let waiters: Vec<_> = waiting
            .iter()
            .map(|&i| scope.spawn(move || (i, timed(i))))
            .collect();
        let go_on = pool(&independent, width, timed, &mut done)
            && pool(&sensitive, sensitive_width, timed, &mut done);
        let mut go_on = go_on;
        for waiter in waiters {
            if let Ok((i, out)) = waiter.join() {
                go_on = go_on && done(i, out);
            }
        }
    });
    spans.into_inner().unwrap_or_else(|p| p.into_inner())
}

/// The units that set the schedule's length, first to last: the unit that
/// ended last, preceded by the unit whose end freed its place (the latest
/// to end before it started), and so on back to a unit that started at
/// once. A waiting unit takes no place: it ends a path of its own, or none.
pub fn critical_path(timings: &[Timing], spans: &[Option<RunSpan>]) -> Vec<usize> {
    let ran: Vec<(usize, RunSpan)> = spans
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i, (*s)?)))
        .collect();
    let Some(&(mut at, mut span)) = ran.iter().max_by_key(|(_, s)| s.end) else {
        return Vec::new();
    };
    let mut path = vec![at];
    while let Some(&(before, s)) = ran
        .iter()
        .filter(|(i, s)| *i != at && timings[*i] != Timing::Waits && s.end <= span.start)
        .max_by_key(|(_, s)| s.end)
    {
        path.push(before);
        (at, span) = (before, s);
    }
    path.reverse();
    path
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
