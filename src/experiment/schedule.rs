//! Side by side or alone: runs units of work (an experiment on one Go
//! version) on up to `width` threads. Units whose claims do not depend on
//! timing ([`Timing::Independent`]: traces, maps, the ledger, sizes after a
//! forced GC) share the machine; a timing-sensitive one runs alone, nothing
//! of ours beside it. Each output is handed back with its unit's index, so
//! callers order results by index: what is printed never depends on the
//! scheduling.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use serde::Deserialize;

/// Whether an experiment's claims depend on how fast things happen
/// (`timing = "sensitive"`, the default) or only on what happened
/// (`timing = "independent"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Timing {
    /// Run alone: a GC pace, a peak under churn, a scavenger's wake-up.
    #[default]
    Sensitive,
    /// May run beside other independent units.
    Independent,
}

/// How many independent units run at once by default: the CPU count.
pub fn default_width() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `work(i)` for every unit `i` of `timings`: the independent ones
/// first, up to `width` at once, then the sensitive ones one at a time,
/// each alone. `done(i, output)` is called on the calling thread as each
/// unit finishes (in finishing order); when it returns false, no further
/// unit is started.
pub fn run<T: Send>(
    timings: &[Timing],
    width: usize,
    work: impl Fn(usize) -> T + Sync,
    mut done: impl FnMut(usize, T) -> bool,
) {
    let (independent, sensitive): (Vec<usize>, Vec<usize>) =
        (0..timings.len()).partition(|&i| timings[i] == Timing::Independent);
    let stop = AtomicBool::new(false);
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        for _ in 0..width.max(1).min(independent.len()) {
            let (tx, work, stop, next, independent) =
                (tx.clone(), &work, &stop, &next, &independent);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Some(&i) = independent.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    if tx.send((i, work(i))).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        for (i, out) in rx {
            if !done(i, out) {
                stop.store(true, Ordering::Relaxed);
                return;
            }
        }
        for &i in &sensitive {
            if !done(i, work(i)) {
                stop.store(true, Ordering::Relaxed);
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn every_unit_runs_once_and_sensitive_ones_alone() {
        use Timing::*;
        let timings = [Independent, Sensitive, Independent, Independent, Sensitive];
        let running = Mutex::new(Vec::<usize>::new());
        let overlaps = Mutex::new(Vec::<(usize, Vec<usize>)>::new());
        let mut seen = Vec::new();
        run(
            &timings,
            3,
            |i| {
                let beside = {
                    let mut r = running.lock().unwrap();
                    let beside = r.clone();
                    r.push(i);
                    beside
                };
                std::thread::sleep(std::time::Duration::from_millis(20));
                overlaps.lock().unwrap().push((i, beside));
                running.lock().unwrap().retain(|&j| j != i);
                i * 10
            },
            |i, out| {
                assert_eq!(out, i * 10);
                seen.push(i);
                true
            },
        );
        seen.sort();
        assert_eq!(seen, vec![0, 1, 2, 3, 4]);
        for (i, beside) in overlaps.into_inner().unwrap() {
            if timings[i] == Sensitive {
                assert!(beside.is_empty(), "{i} ran beside {beside:?}");
            }
            assert!(beside.iter().all(|&j| timings[j] == Independent));
        }
    }

    #[test]
    fn a_false_from_done_starts_nothing_more() {
        let timings = [Timing::Sensitive; 4];
        let started = AtomicUsize::new(0);
        run(
            &timings,
            2,
            |_| started.fetch_add(1, Ordering::Relaxed),
            |_, _| false,
        );
        assert_eq!(started.into_inner(), 1);
    }
}
