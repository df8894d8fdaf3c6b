//! The text above a memory panel's data: the phase names at their lines,
//! then the peak's value and the note of a series off scale, each on the
//! first row where it overlaps nothing.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::draw::{PEAK, TimeRange, font, style_of};
use super::model::Figure;

/// A line of text above the data: its text, left edge (px) and row.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub text: String,
    pub x: i32,
    pub row: i32,
    pub color: RGBColor,
}

/// Rows for names at time instants (right of their line, or left of it
/// where they would leave the plot) so that none overlaps another.
fn label_rows<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    names: &[(String, f64)],
    (x_px, width): (impl Fn(f64) -> i32, i32),
    rows: &mut Rows,
) -> Vec<Label> {
    let mut out = Vec::new();
    for (name, t) in names {
        let w = text_width(area, name);
        let line = x_px(*t);
        let x = if line + 3 + w > width {
            line - 3 - w
        } else {
            line + 3
        };
        let row = rows.place(x, w, 0);
        out.push(Label {
            text: name.clone(),
            x,
            row,
            color: BLACK,
        });
    }
    out
}

fn text_width<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str) -> i32 {
    area.estimate_text_size(text, &font(12))
        .map_or(8 * text.chars().count() as i32, |s| s.0 as i32)
}

/// Rows of text, each filled left to right: where the next text fits.
#[derive(Debug, Default)]
struct Rows {
    /// Per row, the spans taken.
    taken: Vec<Vec<(i32, i32)>>,
}

impl Rows {
    /// The first row from `min` on where `x..x + w` overlaps nothing (6 px
    /// apart); taken.
    fn place(&mut self, x: i32, w: i32, min: usize) -> i32 {
        let free = |spans: &Vec<(i32, i32)>| spans.iter().all(|s| x >= s.1 + 6 || x + w + 6 <= s.0);
        let row = (min..)
            .find(|r| self.taken.get(*r).is_none_or(free))
            .unwrap_or(min);
        if self.taken.len() <= row {
            self.taken.resize(row + 1, Vec::new());
        }
        self.taken[row].push((x, x + w));
        row as i32
    }
}

/// The names on top of a memory panel: the phases in view; in the whole
/// run with a focus panel, the phases outside the focus and a mark for it.
fn names(fig: &Figure, view: TimeRange, zoomed: bool) -> Vec<(String, f64)> {
    let focus = fig.focus.filter(|_| !zoomed);
    let inside = |t: f64| focus.is_some_and(|f| (f.0..=f.1).contains(&t));
    let mut out: Vec<(String, f64)> = fig
        .phases
        .iter()
        .filter(|p| view.contains(p.1) && !inside(p.1))
        .cloned()
        .collect();
    if let Some((from, _)) = focus {
        out.push(("▼ phases zoomed below".into(), from));
        out.sort_by(|a, b| a.1.total_cmp(&b.1));
    }
    out
}

/// The labels above a memory panel's data: the phase names, then a row
/// with the peak's value and the heap goal's, when off scale.
pub fn top_labels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
    view: TimeRange,
    zoomed: bool,
    (plot_w, data_top): (f64, f64),
) -> Vec<Label> {
    let x_px = |t: f64| ((t - view.from) / view.span() * plot_w) as i32;
    let mut rows = Rows::default();
    let names = names(fig, view, zoomed);
    let mut labels = label_rows(area, &names, (x_px, plot_w as i32), &mut rows);
    let below = labels.iter().map(|l| l.row as usize + 1).max().unwrap_or(0);
    if let Some(peak) = fig.peak.filter(|p| view.contains(p.0)) {
        let text = format!("peak {:.1} MiB at {:.2} s", peak.1, peak.0);
        let w = text_width(area, &text);
        let at = x_px(peak.0);
        let x = if at + 8 + w > plot_w as i32 {
            at - 8 - w
        } else {
            at + 8
        };
        let row = rows.place(x, w, below);
        labels.push(Label {
            text,
            x,
            row,
            color: PEAK,
        });
    }
    for steps in &fig.steps {
        let above = steps
            .points
            .iter()
            .filter(|p| view.contains(p.0) && p.1 > data_top);
        if let Some(high) = above.map(|p| p.1).reduce(f64::max) {
            let text = format!("▲ {} up to {high:.0} MiB (off scale)", steps.role.label());
            let w = text_width(area, &text);
            let row = rows.place(4, w, below);
            labels.push(Label {
                text,
                x: 4,
                row,
                color: style_of(steps.role).0,
            });
        }
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plot::draw::{HEIGHT, WIDTH};
    use crate::report::plot::figure;
    use crate::report::plot::model::Role;
    use crate::report::series::recorded;

    /// Every label inside the plot's width and apart from the others of its row.
    fn assert_apart<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        labels: &[Label],
        width: i32,
    ) {
        for (i, a) in labels.iter().enumerate() {
            let wa = text_width(area, &a.text);
            assert!(a.x >= 0 && a.x + wa <= width, "{a:?} inside the plot");
            for b in &labels[i + 1..] {
                let wb = text_width(area, &b.text);
                let apart = a.x + wa <= b.x || b.x + wb <= a.x;
                assert!(a.row != b.row || apart, "{a:?} and {b:?} overlap");
            }
        }
    }

    #[test]
    fn names_peak_and_off_scale_notes_go_on_rows_where_none_overlaps() {
        super::super::register_font().expect("the font");
        let mut fig = figure(&recorded());
        // The heap goal far above RSS: its note joins the labels.
        let goal = fig.steps.iter_mut().find(|s| s.role == Role::HeapGoal);
        goal.expect("a heap goal").points[1].1 = 5000.0;
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let (width, top) = (700, fig.memory_max() * 1.05);
        let whole = TimeRange {
            from: fig.start_s,
            to: fig.end_s,
        };
        let texts = |labels: &[Label]| labels.iter().map(|l| l.text.clone()).collect::<Vec<_>>();
        fig.focus = None;
        let labels = top_labels(&area, &fig, whole, false, (f64::from(width), top));
        assert_eq!(labels.len(), fig.phases.len() + 2, "{:?}", texts(&labels));
        assert!(labels.iter().any(|l| l.text.starts_with("peak ")));
        assert!(
            labels
                .iter()
                .any(|l| l.text == "▲ heap goal up to 5000 MiB (off scale)")
        );
        assert_apart(&area, &labels, width);
        // allocated, collected and freed are milliseconds apart in this run.
        assert!(labels.iter().map(|l| l.row).max() >= Some(2), "{labels:?}");
        // With the focus: in the whole run, a mark instead of the phases in
        // it; zoomed, every phase name in it on one row.
        fig.focus = figure(&recorded()).focus;
        let (from, to) = fig.focus.expect("the recorded run has a focus");
        let labels = top_labels(&area, &fig, whole, false, (f64::from(width), top));
        assert_eq!(texts(&labels)[..2], ["start", "▼ phases zoomed below"]);
        assert_apart(&area, &labels, width);
        let zoomed = TimeRange { from, to };
        let labels = top_labels(&area, &fig, zoomed, true, (f64::from(width), top));
        let names: Vec<&str> = labels
            .iter()
            .filter(|l| l.row == 0)
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(names, ["allocated", "collected", "freed"], "{labels:?}");
        assert_apart(&area, &labels, width);
    }
}
