//! Thinning a long series for drawing: per pixel column, the first, lowest,
//! highest and last point, in time order, so a one-sample spike still shows.

/// Reduces `points` (time-ordered `(x, y)`) to at most four per column of
/// `columns` equal columns over `x_start..x_end`. Short series come back as is.
pub fn min_max(points: &[(f64, f64)], x_start: f64, x_end: f64, columns: usize) -> Vec<(f64, f64)> {
    if columns == 0 || points.len() <= 4 * columns || x_end <= x_start {
        return points.to_vec();
    }
    let mut thin = Thinner::new(x_start, x_end, columns);
    for &p in points {
        thin.push(p);
    }
    thin.finish()
}

/// [`min_max`] one point at a time, for series too long to collect first
/// (an hour at 1 kHz is 3.6 million samples): memory stays at four points
/// a column whatever the length.
#[derive(Debug)]
pub struct Thinner {
    x_start: f64,
    width: f64,
    columns: usize,
    /// The column being filled, and its first, lowest, highest and last
    /// point, each with its index in the column.
    col: Option<usize>,
    seen: usize,
    keep: [(usize, (f64, f64)); 4],
    out: Vec<(f64, f64)>,
}

impl Thinner {
    pub fn new(x_start: f64, x_end: f64, columns: usize) -> Thinner {
        let columns = columns.max(1);
        Thinner {
            x_start,
            width: ((x_end - x_start) / columns as f64).max(f64::MIN_POSITIVE),
            columns,
            col: None,
            seen: 0,
            keep: [(0, (0.0, 0.0)); 4],
            out: Vec::new(),
        }
    }

    pub fn push(&mut self, p: (f64, f64)) {
        let col =
            (((p.0 - self.x_start) / self.width).floor().max(0.0) as usize).min(self.columns - 1);
        if self.col != Some(col) {
            self.flush();
            self.col = Some(col);
            self.seen = 0;
            self.keep = [(0, p); 4];
        } else {
            let i = self.seen;
            if p.1 < self.keep[1].1.1 {
                self.keep[1] = (i, p);
            }
            if p.1 > self.keep[2].1.1 {
                self.keep[2] = (i, p);
            }
            self.keep[3] = (i, p);
        }
        self.seen += 1;
    }

    fn flush(&mut self) {
        if self.col.is_none() {
            return;
        }
        let mut keep = self.keep;
        keep.sort_by_key(|k| k.0);
        let mut last = None;
        for (i, p) in keep {
            if last != Some(i) {
                self.out.push(p);
                last = Some(i);
            }
        }
        self.col = None;
    }

    /// The kept points, in time order.
    pub fn finish(mut self) -> Vec<(f64, f64)> {
        self.flush();
        self.out
    }
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
    fn thinning_one_point_at_a_time_keeps_spikes_in_little_memory() {
        let mut thin = Thinner::new(0.0, 1_000_000.0, 1000);
        for i in 0..1_000_000 {
            let y = match i {
                123_456 => 900.0,
                654_321 => -5.0,
                _ => (i % 7) as f64,
            };
            thin.push((i as f64, y));
        }
        let kept = thin.finish();
        assert!(kept.len() <= 4000, "{} points", kept.len());
        assert!(kept.contains(&(123_456.0, 900.0)));
        assert!(kept.contains(&(654_321.0, -5.0)));
        assert_eq!(kept.last(), Some(&(999_999.0, (999_999 % 7) as f64)));
        assert!(kept.windows(2).all(|w| w[0].0 < w[1].0), "time order kept");
    }

    #[test]
    fn a_short_series_is_kept_whole() {
        let points = vec![(0.0, 1.0), (1.0, 3.0), (2.0, 2.0)];
        assert_eq!(min_max(&points, 0.0, 2.0, 100), points);
    }
}
