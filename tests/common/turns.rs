//! Whose turn it is in the snapshot suite, as `reproduce` schedules
//! (src/experiment/schedule.rs): timing-independent experiments side by side
//! with each other, timing-sensitive ones up to `SENSITIVE_WIDTH` at once
//! (`GOMEMLAB_SENSITIVE_JOBS=N` to change it, 1 = each alone) and never
//! beside an independent one. A waiting sensitive test goes first: no
//! independent one starts while one waits, so it is not starved. A waiting
//! experiment (`Timing::Waits`) takes no turn: it runs beside any.

use std::sync::{Condvar, Mutex, MutexGuard};

use gomemlab::experiment::schedule::{SENSITIVE_WIDTH, Timing};

#[derive(Default)]
struct Running {
    independent: usize,
    sensitive: usize,
    sensitive_waiting: usize,
}

static RUNNING: Mutex<Running> = Mutex::new(Running {
    independent: 0,
    sensitive: 0,
    sensitive_waiting: 0,
});
static CHANGED: Condvar = Condvar::new();

fn running() -> MutexGuard<'static, Running> {
    RUNNING.lock().unwrap_or_else(|e| e.into_inner())
}

/// How many sensitive tests may run at once.
pub fn sensitive_width() -> usize {
    std::env::var("GOMEMLAB_SENSITIVE_JOBS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n >= 1)
        .unwrap_or(SENSITIVE_WIDTH)
}

/// A test's turn: held while the experiment runs, given back on drop.
pub struct Turn(Timing);

/// Waits for the turn of an experiment of this timing.
pub fn take(timing: Timing) -> Turn {
    let width = sensitive_width();
    let mut r = running();
    match timing {
        Timing::Sensitive => {
            r.sensitive_waiting += 1;
            while r.independent > 0 || r.sensitive >= width {
                r = CHANGED.wait(r).unwrap_or_else(|e| e.into_inner());
            }
            r.sensitive_waiting -= 1;
            r.sensitive += 1;
        }
        Timing::Independent => {
            while r.sensitive > 0 || r.sensitive_waiting > 0 {
                r = CHANGED.wait(r).unwrap_or_else(|e| e.into_inner());
            }
            r.independent += 1;
        }
        Timing::Waits => {}
    }
    Turn(timing)
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut r = running();
        match self.0 {
            Timing::Sensitive => r.sensitive -= 1,
            Timing::Independent => r.independent -= 1,
            Timing::Waits => {}
        }
        CHANGED.notify_all();
    }
}
