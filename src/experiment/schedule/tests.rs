//! The scheduler's promises: every unit once, independent ones side by side,
//! at most `sensitive_width` sensitive ones at once and never beside an
//! independent one, nothing new after `done` says stop.

use super::*;
use Timing::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Runs `timings` with the given widths, each unit sleeping `ms`; returns,
/// per unit, the units that were running when it started or while it ran,
/// and the units seen done (sorted).
fn overlaps(timings: &[Timing], widths: (usize, usize), ms: u64) -> (Vec<Vec<usize>>, Vec<usize>) {
    let running = Mutex::new(Vec::<usize>::new());
    let beside = Mutex::new(vec![Vec::<usize>::new(); timings.len()]);
    let mut seen = Vec::new();
    run(
        timings,
        &[],
        widths,
        |i| {
            {
                let mut r = running.lock().unwrap();
                let mut b = beside.lock().unwrap();
                for &j in r.iter() {
                    b[i].push(j);
                    b[j].push(i);
                }
                r.push(i);
            }
            // Not a fixed sleep alone: under load a unit's thread may start
            // after its sibling's sleep ended, and two units the scheduler
            // ran side by side would never be seen together. Each waits
            // until as many of its kind run as the width allows (or 1 s:
            // the last of a group has no sibling).
            let width = if timings[i] == Sensitive {
                widths.1
            } else {
                widths.0
            };
            let deadline = std::time::Instant::now() + Duration::from_secs(1);
            while std::time::Instant::now() < deadline {
                let of_kind = running
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|&&j| timings[j] == timings[i])
                    .count();
                if of_kind >= width {
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(Duration::from_millis(ms));
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
    (beside.into_inner().unwrap(), seen)
}

#[test]
fn every_unit_runs_once_sensitive_ones_in_pairs_never_beside_independent_ones() {
    let timings = [
        Independent,
        Sensitive,
        Independent,
        Sensitive,
        Independent,
        Sensitive,
        Sensitive,
        Sensitive,
    ];
    let (beside, seen) = overlaps(&timings, (3, 2), 30);
    assert_eq!(seen, (0..timings.len()).collect::<Vec<_>>());
    let mut paired = false;
    for (i, with) in beside.iter().enumerate() {
        let kinds = |t| with.iter().filter(|&&j| timings[j] == t).count();
        if timings[i] == Sensitive {
            assert_eq!(kinds(Independent), 0, "{i} ran beside {with:?}");
            // Each of its siblings was the only one at its time: no three at once.
            paired |= !with.is_empty();
        } else {
            assert_eq!(kinds(Sensitive), 0, "{i} ran beside {with:?}");
        }
    }
    assert!(
        paired,
        "no two sensitive units ever ran together: {beside:?}"
    );
}

#[test]
fn never_more_sensitive_units_at_once_than_the_width() {
    for width in 1..=3 {
        let timings = [Sensitive; 7];
        let now = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        run(
            &timings,
            &[],
            (2, width),
            |_| {
                let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(n, Ordering::SeqCst);
                // Wait for the group to fill (see `overlaps`), at most 1 s.
                let deadline = std::time::Instant::now() + Duration::from_secs(1);
                while now.load(Ordering::SeqCst) < width && std::time::Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
                most.fetch_max(now.load(Ordering::SeqCst), Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
                now.fetch_sub(1, Ordering::SeqCst);
            },
            |_, ()| true,
        );
        assert_eq!(most.into_inner(), width, "sensitive width {width}");
    }
}

#[test]
fn width_one_runs_each_sensitive_unit_alone() {
    let timings = [Sensitive, Independent, Sensitive, Sensitive];
    let (beside, seen) = overlaps(&timings, (2, 1), 20);
    assert_eq!(seen, vec![0, 1, 2, 3]);
    for i in [0, 2, 3] {
        assert!(beside[i].is_empty(), "{i} ran beside {:?}", beside[i]);
    }
}

#[test]
fn a_false_from_done_starts_nothing_more() {
    for width in 1..=2 {
        let timings = [Sensitive; 5];
        let started = AtomicUsize::new(0);
        run(
            &timings,
            &[],
            (2, width),
            |_| started.fetch_add(1, Ordering::Relaxed),
            |_, _| false,
        );
        assert_eq!(started.into_inner(), width, "sensitive width {width}");
    }
    // Stopping during the independent ones starts no sensitive one.
    let timings = [Independent, Sensitive, Sensitive];
    let sensitive = AtomicUsize::new(0);
    run(
        &timings,
        &[],
        (1, 2),
        |i| {
            if timings[i] == Sensitive {
                sensitive.fetch_add(1, Ordering::Relaxed);
            }
        },
        |_, ()| false,
    );
    assert_eq!(sensitive.into_inner(), 0);
}

#[test]
fn waiting_units_run_beside_all_the_others() {
    // One place for the others. Each of them waits (up to 2 s) for the
    // waiting unit to have started, and it for all of them to end: both
    // see it only if it runs beside them (not after, as a sensitive unit).
    let timings = [Sensitive, Independent, Waits, Sensitive, Independent];
    let (began, ended) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let until = |what: &AtomicUsize, n: usize| {
        let give_up = std::time::Instant::now() + Duration::from_secs(2);
        while what.load(Ordering::SeqCst) < n && std::time::Instant::now() < give_up {
            std::thread::sleep(Duration::from_millis(1));
        }
        what.load(Ordering::SeqCst) >= n
    };
    let spans = run(
        &timings,
        &[],
        (1, 1),
        |i| {
            if timings[i] == Waits {
                began.store(1, Ordering::SeqCst);
                until(&ended, 4)
            } else {
                let saw = until(&began, 1);
                ended.fetch_add(1, Ordering::SeqCst);
                saw
            }
        },
        |i, saw| {
            assert!(saw, "unit {i} did not run beside the waiting one");
            true
        },
    );
    assert!(spans.iter().all(Option::is_some));
    assert_eq!(critical_path(&timings, &spans), [2]);
}

#[test]
fn the_critical_path_follows_the_unit_that_freed_each_place() {
    let ms = |a: u64, b: u64| {
        Some(RunSpan {
            start: Duration::from_millis(a),
            end: Duration::from_millis(b),
        })
    };
    // Two places: 0 and 1 start at once; 2 takes 0's place, 3 takes 2's;
    // 4 (waiting) ends early and frees no place.
    let timings = [Independent, Independent, Independent, Sensitive, Waits];
    let spans = [ms(0, 10), ms(0, 30), ms(10, 12), ms(31, 50), ms(0, 20)];
    assert_eq!(critical_path(&timings, &spans), [1, 3]);
    let spans = [ms(0, 10), ms(0, 3), ms(10, 40), ms(41, 50), ms(0, 20)];
    assert_eq!(critical_path(&timings, &spans), [0, 2, 3]);
    assert_eq!(
        critical_path(&timings, &[None, None, None, None, None]),
        Vec::<usize>::new()
    );
}

#[test]
fn the_longest_known_units_start_first_and_unknown_ones_before_them() {
    // One place per kind: the order units start in is the order run hands
    // them out.
    let timings = [
        Independent,
        Independent,
        Independent,
        Sensitive,
        Sensitive,
        Sensitive,
    ];
    let s = |secs: u64| Some(Duration::from_secs(secs));
    let expected = [s(1), s(9), None, s(2), s(2), s(5)];
    let order = Mutex::new(Vec::new());
    run(
        &timings,
        &expected,
        (1, 1),
        |i| order.lock().unwrap().push(i),
        |_, ()| true,
    );
    // Unknown (2) first, then by length; equal hints (3, 4) in index order.
    assert_eq!(order.into_inner().unwrap(), [2, 1, 0, 5, 3, 4]);
}
