//! Thinning a long series for drawing: per pixel column, the first, lowest,
//! highest and last point, in time order, so a one-sample spike still shows.

/// Reduces `points` (time-ordered `(x, y)`) to at most four per column of
/// `columns` equal columns over `x_start..x_end`. Short series come back as is.
pub fn min_max(points: &[(f64, f64)], x_start: f64, x_end: f64, columns: usize) -> Vec<(f64, f64)> {
    if columns == 0 || points.len() <= 4 * columns || x_end <= x_start {
        return points.to_vec();
    }
    let width = (x_end - x_start) / columns as f64;
    let column = |x: f64| (((x - x_start) / width).floor().max(0.0) as usize).min(columns - 1);
    let mut out = Vec::with_capacity(4 * columns);
    let mut start = 0;
    while start < points.len() {
        let col = column(points[start].0);
        let mut end = start + 1;
        while end < points.len() && column(points[end].0) == col {
            end += 1;
        }
        let run = &points[start..end];
        let (mut lo, mut hi) = (0, 0);
        for (i, p) in run.iter().enumerate() {
            if p.1 < run[lo].1 {
                lo = i;
            }
            if p.1 > run[hi].1 {
                hi = i;
            }
        }
        let mut keep = [0, lo, hi, run.len() - 1];
        keep.sort_unstable();
        let mut last = None;
        for i in keep {
            if last != Some(i) {
                out.push(run[i]);
                last = Some(i);
            }
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_sample_spike_survives_and_the_series_shrinks() {
        let mut points: Vec<(f64, f64)> = (0..10_000).map(|i| (i as f64, 10.0)).collect();
        points[5_003].1 = 500.0;
        points[7_001].1 = 1.0;
        let thin = min_max(&points, 0.0, 10_000.0, 100);
        assert!(thin.len() <= 400, "{} points", thin.len());
        assert!(thin.contains(&(5_003.0, 500.0)));
        assert!(thin.contains(&(7_001.0, 1.0)));
        assert_eq!(thin.first(), points.first());
        assert_eq!(thin.last(), points.last());
        assert!(thin.windows(2).all(|w| w[0].0 < w[1].0), "time order kept");
    }

    #[test]
    fn a_short_series_is_kept_whole() {
        let points = vec![(0.0, 1.0), (1.0, 3.0), (2.0, 2.0)];
        assert_eq!(min_max(&points, 0.0, 2.0, 100), points);
    }
}
