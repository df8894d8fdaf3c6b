//! Where a run's phases crowd into a small part of its time axis (a
//! program that allocates for 0.7 s, then has three phases in 0.15 s), the
//! plot adds a panel zoomed to them: this module picks its time span.
//!
//! The crowd is the run of at least [`MIN_PHASES`] consecutive phases whose
//! bands (phase line to the next) are narrowest on average; it is zoomed
//! when that average is under [`CROWDED`] of the axis (narrower than a
//! phase name). It takes in the bands beside it up to twice that average
//! (the last band runs to the end of the run), and a margin each side; a
//! focus wider than [`NARROW`] of the axis is not drawn (little to gain).

/// Bands narrower than this share of the axis on average are crowded (54 px
/// of 680: about a phase name).
pub const CROWDED: f64 = 0.08;
/// The focus is drawn only when it spans at most this share of the axis
/// (a zoom of 2.5× or more).
pub const NARROW: f64 = 0.4;
/// The phases a crowd has at least: two that crowd each other get their
/// names on two rows instead.
pub const MIN_PHASES: usize = 3;
/// The margin each side, as a share of the crowd's span.
const MARGIN: f64 = 0.2;
/// The narrowest focus, as a share of the axis.
const MIN_WIDTH: f64 = 0.01;

/// The run of phases `i..=j` with the narrowest mean band (ties: more
/// phases, then the earlier), and that mean.
fn crowd(times: &[f64]) -> Option<(usize, usize, f64)> {
    let mut best: Option<(usize, usize, f64)> = None;
    for i in 0..times.len() {
        for j in i + MIN_PHASES - 1..times.len() {
            let mean = (times[j] - times[i]) / (j - i) as f64;
            let better = best.is_none_or(|(bi, bj, bm)| {
                mean < bm - 1e-12 || (mean <= bm + 1e-12 && j - i > bj - bi)
            });
            if better {
                best = Some((i, j, mean));
            }
        }
    }
    best
}

/// The time span `(from, to)` of the phase-focused panel, or `None` when
/// the phases are readable on the whole run's axis. `phases` are the phase
/// instants in order; `start..end` is the time axis.
pub fn span(phases: &[f64], start: f64, end: f64) -> Option<(f64, f64)> {
    let run = end - start;
    if run.is_nan() || run <= 0.0 {
        return None;
    }
    let times: Vec<f64> = phases.iter().map(|t| t.clamp(start, end)).collect();
    let (mut i, mut j, mean) = crowd(&times)?;
    if mean >= CROWDED * run {
        return None;
    }
    let near = 2.0 * mean;
    while i > 0 && times[i] - times[i - 1] <= near {
        i -= 1;
    }
    while j + 1 < times.len() && times[j + 1] - times[j] <= near {
        j += 1;
    }
    let (left, mut right) = (times[i], times[j]);
    if j + 1 == times.len() && end - right <= near {
        right = end;
    }
    let width = (right - left).max(MIN_WIDTH * run);
    if width > NARROW * run {
        return None;
    }
    let margin = MARGIN * width;
    // Within a margin of the end, the focus runs to it.
    let to = if end - right <= margin {
        end
    } else {
        right + margin
    };
    Some(((left - margin).max(start), to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<(f64, f64)>, b: (f64, f64)) -> bool {
        a.is_some_and(|a| (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9)
    }

    #[test]
    fn three_phases_after_a_long_fill_are_zoomed_with_a_margin() {
        // Issue 21's program: 0.7 s of allocation, then filled, gc1, gc2
        // and exit within 0.15 s.
        let phases = [0.70, 0.75, 0.80, 0.85];
        let got = span(&phases, 0.0, 0.85);
        assert!(close(got, (0.70 - 0.2 * 0.15, 0.85)), "{got:?}");
        // Without an exit phase, the last band runs to the end.
        let got = span(&phases[..3], 0.0, 0.85);
        assert!(close(got, (0.67, 0.85)), "{got:?}");
        // The same phases long before the end: a margin after them too.
        let got = span(&phases, 0.0, 1.5);
        assert!(close(got, (0.67, 0.88)), "{got:?}");
    }

    #[test]
    fn only_the_crowded_phases_are_zoomed() {
        // bigbytes: start early, then allocated, collected, freed and exit
        // late; start's long band stays out.
        let phases = [0.009, 0.643, 0.667, 0.749, 0.750];
        let got = span(&phases, 0.0, 0.750);
        let margin = 0.2 * (0.750 - 0.643);
        assert!(close(got, (0.643 - margin, 0.750)), "{got:?}");
        // scavenge: start, allocated and collected in the first 0.2 s of
        // ten, then a phase about every second, the last two close.
        let mut phases = vec![0.0, 0.15, 0.2];
        phases.extend((1..=10).map(|i| 0.2 + f64::from(i) * 0.97));
        phases.push(9.95);
        let got = span(&phases, 0.0, 10.0);
        assert!(close(got, (0.0, 0.2 + 0.2 * 0.2)), "{got:?}");
    }

    #[test]
    fn readable_or_evenly_crowded_phases_get_no_focus() {
        assert_eq!(span(&[0.0, 0.25, 0.5, 0.75], 0.0, 1.0), None);
        // Two phases crowd each other: their names take two rows instead.
        assert_eq!(span(&[0.5, 0.51], 0.0, 1.0), None);
        // A phase every 2% of the run: zooming would show them all.
        let every: Vec<f64> = (0..50).map(|i| f64::from(i) * 0.02).collect();
        assert_eq!(span(&every, 0.0, 1.0), None);
        assert_eq!(span(&[0.3], 0.0, 1.0), None);
        assert_eq!(span(&[], 0.0, 1.0), None);
        assert_eq!(span(&[0.0, 0.0, 0.0], 0.0, 0.0), None);
    }

    #[test]
    fn phases_at_one_instant_get_the_narrowest_focus() {
        let got = span(&[0.5, 0.5, 0.5], 0.0, 10.0);
        assert!(close(got, (0.5 - 0.02, 0.5 + 0.02)), "{got:?}");
    }
}
