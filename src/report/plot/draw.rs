//! Draws a [`Figure`] with plotters on any backend: the memory panel (RSS,
//! the Go view as markers at phases, peaks, phase bands with names,
//! GOMEMLIMIT), a strip of event ticks, the VmSize panel, a legend on the
//! right, and under them, where the phases crowd, the phase-focused panel
//! (memory and the ticks zoomed to them, with its own time axis).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::downsample;
use super::model::{Figure, Role};

pub const WIDTH: u32 = 1000;
pub const HEIGHT: u32 = 640;
const LEGEND_WIDTH: u32 = 225;
const Y_LABELS: u32 = 84;
const RIGHT: u32 = 12;
/// Room left of the y labels, so the rotated axis name is not cut.
pub const LEFT: u32 = 8;
const VM_PANEL: u32 = 150;
pub const LANE: u32 = 15;
pub const LABEL_ROW: i32 = 15;
/// The phase-focused panel's height, its caption's, and a time axis'.
const FOCUS_PANEL: u32 = 330;
const FOCUS_CAPTION: u32 = 26;
pub const AXIS: u32 = 36;
pub const FONT: &str = "sans-serif";

pub const PEAK: RGBColor = RGBColor(214, 39, 40);
pub const VM_SIZE: RGBColor = RGBColor(140, 86, 75);
pub const PHASE_LINE: RGBColor = RGBColor(150, 150, 150);
/// The window envelope: RSS's blue, lighter.
pub const WINDOW: RGBColor = RGBColor(120, 175, 220);
/// The phase-focused panel's frame, and its span in the whole run.
pub const FOCUS: RGBColor = RGBColor(204, 150, 20);

/// Colour and dash of a series.
pub fn style_of(role: Role) -> (RGBColor, bool) {
    match role {
        Role::Rss => (RGBColor(31, 119, 180), false),
        Role::HeapAlloc => (RGBColor(255, 127, 14), false),
        Role::HeapInuse => (RGBColor(44, 160, 44), false),
        Role::HeapRetained => (RGBColor(148, 103, 189), false),
        Role::HeapGoal => (RGBColor(90, 90, 90), true),
        Role::LazyFree => (RGBColor(227, 119, 194), false),
    }
}

pub fn lane_color(name: &str) -> RGBColor {
    match name {
        "GC" => PEAK,
        "scavenger" => RGBColor(44, 160, 44),
        "madvise" => RGBColor(148, 103, 189),
        _ => VM_SIZE,
    }
}

pub type Result<T> = std::result::Result<T, String>;

pub fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(&BLACK)
}

pub fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// The image's size: taller when the figure has a phase-focused panel.
pub fn size(fig: &Figure) -> (u32, u32) {
    let focus = if fig.focus.is_some() { FOCUS_PANEL } else { 0 };
    (WIDTH, HEIGHT + focus)
}

/// The time range a panel shows (seconds since spawn).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeRange {
    pub from: f64,
    pub to: f64,
}

impl TimeRange {
    pub fn span(self) -> f64 {
        (self.to - self.from).max(1e-9)
    }

    pub fn contains(self, t: f64) -> bool {
        (self.from..=self.to).contains(&t)
    }
}

/// The chart every panel draws on: seconds across, MiB up.
type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Draws the figure on the whole of `root`.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, fig: &Figure) -> Result<()> {
    root.fill(&WHITE).map_err(err)?;
    let body = root.titled(&fig.title, font(18)).map_err(err)?;
    let (width, height) = body.dim_in_pixel();
    let (plots, legend) = body.split_horizontally(width.saturating_sub(LEGEND_WIDTH));
    let whole = TimeRange {
        from: fig.start_s,
        to: fig.end_s,
    };
    match fig.focus {
        Some((from, to)) => {
            let (overview, zoomed) = plots.split_vertically(height.saturating_sub(FOCUS_PANEL));
            whole_run(&overview, fig, whole)?;
            focus_panel(&zoomed, fig, TimeRange { from, to })?;
        }
        None => whole_run(&plots, fig, whole)?,
    }
    super::legend::draw(&legend, fig)
}

/// The strip of lanes' height: a row per lane, and a gap without lanes.
fn lanes_px(fig: &Figure) -> u32 {
    LANE * fig.lanes.len() as u32 + 8
}

/// The whole run: memory, the lanes, VmSize.
fn whole_run<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
    view: TimeRange,
) -> Result<()> {
    let (_, height) = area.dim_in_pixel();
    let lanes_px = lanes_px(fig);
    let memory_px = height.saturating_sub(VM_PANEL + lanes_px);
    let (memory, rest) = area.split_vertically(memory_px);
    let (lanes, vm) = rest.split_vertically(lanes_px);
    memory_panel(&memory, fig, view, false)?;
    if !fig.lanes.is_empty() {
        super::lanes::draw(&lanes, fig, view, (LEFT + Y_LABELS, RIGHT), None)?;
    }
    vm_panel(&vm, fig)
}

/// The phases zoomed: memory and the lanes over the focus, with its own
/// time axis, framed in the colour that marks the span in the whole run.
fn focus_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
    view: TimeRange,
) -> Result<()> {
    let (_, height) = area.dim_in_pixel();
    let (caption, rest) = area.split_vertically(FOCUS_CAPTION);
    let text = format!(
        "The phases zoomed: {:.3} to {:.3} s ({:.0}% of the run above)",
        view.from,
        view.to,
        100.0 * view.span() / (fig.end_s - fig.start_s).max(1e-9)
    );
    let style = font(13)
        .color(&FOCUS)
        .pos(Pos::new(HPos::Left, VPos::Bottom));
    caption
        .draw_text(
            &text,
            &style,
            ((LEFT + Y_LABELS) as i32, FOCUS_CAPTION as i32 - 3),
        )
        .map_err(err)?;
    let axis_px = lanes_px(fig) + AXIS;
    let (memory, lanes) = rest.split_vertically(height.saturating_sub(FOCUS_CAPTION + axis_px));
    memory_panel(&memory, fig, view, true)?;
    let desc = "seconds since spawn (zoomed)".to_string();
    super::lanes::draw(&lanes, fig, view, (LEFT + Y_LABELS, RIGHT), Some(&desc))
}

/// Bands between phases (alternately shaded) and a line at each phase,
/// within the view; the focus span shaded too when this is the whole run.
fn bands<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    fig: &Figure,
    view: TimeRange,
    (y_top, zoomed): (f64, bool),
) -> Result<()> {
    for (i, (_, t)) in fig.phases.iter().enumerate() {
        let next = fig.phases.get(i + 1).map_or(fig.end_s, |p| p.1);
        let (a, b) = (t.max(view.from), next.min(view.to));
        if i % 2 == 1 && a < b {
            let shade = RGBColor(0, 0, 0).mix(0.06).filled();
            chart
                .draw_series([Rectangle::new([(a, 0.0), (b, y_top)], shade)])
                .map_err(err)?;
        }
        if view.contains(*t) {
            chart
                .draw_series([PathElement::new(vec![(*t, 0.0), (*t, y_top)], PHASE_LINE)])
                .map_err(err)?;
        }
    }
    if let Some((from, to)) = fig.focus.filter(|_| !zoomed) {
        let frame = FOCUS.stroke_width(2);
        chart
            .draw_series([
                Rectangle::new([(from, 0.0), (to, y_top)], FOCUS.mix(0.08).filled()),
                Rectangle::new([(from, 0.0), (to, y_top)], frame),
            ])
            .map_err(err)?;
    }
    Ok(())
}

fn memory_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
    view: TimeRange,
    zoomed: bool,
) -> Result<()> {
    let (w, h) = area.dim_in_pixel();
    let plot_w = f64::from(w.saturating_sub(LEFT + Y_LABELS + RIGHT).max(1));
    let max = if zoomed {
        fig.memory_max_in(view.from, view.to)
    } else {
        fig.memory_max()
    };
    let data_top = max.max(1.0) * 1.05;
    let labels = super::labels::top_labels(area, fig, view, zoomed, (plot_w, data_top));
    let rows = labels.iter().map(|l| l.row + 1).max().unwrap_or(0);
    let plot_h = f64::from(h.saturating_sub(10).max(1));
    let headroom = f64::from(rows * LABEL_ROW + 6).min(plot_h / 2.0);
    let y_top = data_top * plot_h / (plot_h - headroom);
    let mut chart = ChartBuilder::on(area)
        .margin_top(10)
        .margin_right(RIGHT)
        .margin_left(LEFT)
        .y_label_area_size(Y_LABELS)
        .build_cartesian_2d(view.from..view.to, 0.0..y_top)
        .map_err(err)?;
    bands(&mut chart, fig, view, (y_top, zoomed))?;
    chart
        .configure_mesh()
        .y_desc("memory (MiB)")
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&|v| format!("{v:.0}"))
        .max_light_lines(1)
        .light_line_style(RGBColor(245, 245, 245))
        .draw()
        .map_err(err)?;
    series(&mut chart, fig, view, (plot_w, data_top))?;
    let plotting = chart.plotting_area().strip_coord_spec();
    for label in labels {
        let style = font(12).color(&label.color);
        plotting
            .draw_text(&label.text, &style, (label.x, 3 + label.row * LABEL_ROW))
            .map_err(err)?;
    }
    Ok(())
}

/// The part of a series from `view.from` to `view.to`, cut where it
/// crosses either edge (plotters draws what is outside a chart's range).
pub fn clip(points: &[(f64, f64)], view: TimeRange) -> Vec<(f64, f64)> {
    let at = |a: (f64, f64), b: (f64, f64), x: f64| {
        let f = if b.0 > a.0 {
            (x - a.0) / (b.0 - a.0)
        } else {
            0.0
        };
        (x, a.1 + f * (b.1 - a.1))
    };
    let mut out = Vec::new();
    for (i, &p) in points.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| points[j]);
        if let Some(q) = prev.filter(|q| q.0 < view.from && p.0 > view.from) {
            out.push(at(q, p, view.from));
        }
        if view.contains(p.0) {
            out.push(p);
        }
        if let Some(q) = prev.filter(|q| q.0 < view.to && p.0 > view.to) {
            out.push(at(q, p, view.to));
        }
    }
    out
}

/// The data of a memory panel: GOMEMLIMIT, the Go view, the window
/// envelope, RSS, VmHWM and the peak.
fn series<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    fig: &Figure,
    view: TimeRange,
    (plot_w, data_top): (f64, f64),
) -> Result<()> {
    if let Some(limit) = fig.memory_limit {
        limit_line(chart, view, limit)?;
    }
    go_markers(chart, fig, view, data_top)?;
    let (rss_color, _) = style_of(Role::Rss);
    window_envelope(chart, fig, view, plot_w)?;
    let rss = downsample::min_max(&clip(&fig.rss, view), view.from, view.to, plot_w as usize);
    chart
        .draw_series(LineSeries::new(rss, rss_color.stroke_width(2)))
        .map_err(err)?;
    let hwm = fig
        .hwm
        .iter()
        .filter(|p| view.contains(p.0))
        .map(|p| TriangleMarker::new(*p, 6, PEAK.stroke_width(2)));
    chart.draw_series(hwm).map_err(err)?;
    if let Some(peak) = fig.peak.filter(|p| view.contains(p.0)) {
        chart
            .draw_series([Circle::new(peak, 5, PEAK.filled())])
            .map_err(err)?;
    }
    Ok(())
}

/// The memory limit (GOMEMLIMIT) as a dashed line.
fn limit_line<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    view: TimeRange,
    limit: f64,
) -> Result<()> {
    let line = DashedLineSeries::new(
        [(view.from, limit), (view.to, limit)],
        8,
        5,
        PEAK.stroke_width(2),
    );
    // Its value is in the legend: beside the line, at the top of the
    // scale, it met the labels' rows or the RSS line under it.
    chart.draw_series(line).map_err(err)?;
    Ok(())
}

/// The Go view's series: a marker where each was read.
fn go_markers<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    fig: &Figure,
    view: TimeRange,
    data_top: f64,
) -> Result<()> {
    // The Go view is measured at phases only: a marker where it was read,
    // neither held as a step until the next phase (that looked as if RSS
    // fell while the heap was still full) nor joined by a line (that drew a
    // heap nobody measured between phases).
    // Earlier series get larger markers, so one a later series covers shows.
    for (i, steps) in fig.steps.iter().enumerate() {
        let (color, dashed) = style_of(steps.role);
        let size = (fig.steps.len() - i).clamp(3, 6) as i32;
        // The heap goal may be far above what is resident: drawn at the top
        // of the data, never setting the scale (its value is in a label).
        let points = steps.points.iter().filter(|p| view.contains(p.0));
        let dots = points.map(|p| {
            let p = (p.0, p.1.min(data_top));
            if dashed {
                Circle::new(p, size, color.stroke_width(2))
            } else {
                Circle::new(p, size, color.filled())
            }
        });
        chart.draw_series(dots).map_err(err)?;
    }
    Ok(())
}

/// The window envelope under RSS, when the run has windows.
fn window_envelope<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    fig: &Figure,
    view: TimeRange,
    plot_w: f64,
) -> Result<()> {
    if fig.window.is_empty() {
        return Ok(());
    }
    // The window envelope: each window's peak held back to the previous
    // sample (the span it covers), shaded down to the axis under RSS.
    let thin = downsample::min_max(
        &clip(&fig.window, view),
        view.from,
        view.to,
        plot_w as usize,
    );
    let mut steps = Vec::with_capacity(2 * thin.len());
    for (i, p) in thin.iter().enumerate() {
        let from = if i == 0 { p.0 } else { thin[i - 1].0 };
        steps.extend([(from, p.1), *p]);
    }
    chart
        .draw_series(AreaSeries::new(
            steps.iter().copied(),
            0.0,
            WINDOW.mix(0.35).filled(),
        ))
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(steps, WINDOW.stroke_width(1)))
        .map_err(err)?;
    Ok(())
}

fn vm_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, fig: &Figure) -> Result<()> {
    let max = fig.vm_size.iter().map(|p| p.1).fold(1.0, f64::max);
    let y_top = max * 1.1;
    let mut chart = ChartBuilder::on(area)
        .margin_right(RIGHT)
        .margin_left(LEFT)
        .margin_bottom(4)
        .x_label_area_size(AXIS)
        .y_label_area_size(Y_LABELS)
        .build_cartesian_2d(fig.start_s..fig.end_s, 0.0..y_top)
        .map_err(err)?;
    let whole = TimeRange {
        from: fig.start_s,
        to: fig.end_s,
    };
    bands(&mut chart, fig, whole, (y_top, false))?;
    chart
        .configure_mesh()
        .x_desc(if fig.start_s > 0.0 {
            format!(
                "seconds since spawn (from {:.1} s: the start of the program `go run` built)",
                fig.start_s
            )
        } else {
            "seconds since spawn".to_string()
        })
        .y_desc("VmSize (MiB)")
        .y_labels(4)
        .y_label_formatter(&|v| format!("{v:.0}"))
        .max_light_lines(1)
        .light_line_style(RGBColor(245, 245, 245))
        .draw()
        .map_err(err)?;
    let (w, _) = area.dim_in_pixel();
    let vm = downsample::min_max(&fig.vm_size, fig.start_s, fig.end_s, w as usize);
    chart
        .draw_series(LineSeries::new(vm, VM_SIZE.stroke_width(2)))
        .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clipped_series_is_cut_where_it_crosses_the_view() {
        let points = [(0.0, 0.0), (1.0, 10.0), (2.0, 20.0), (3.0, 30.0)];
        let view = TimeRange { from: 0.5, to: 2.5 };
        assert_eq!(
            clip(&points, view),
            [(0.5, 5.0), (1.0, 10.0), (2.0, 20.0), (2.5, 25.0)]
        );
        assert_eq!(clip(&points, TimeRange { from: 5.0, to: 6.0 }), []);
    }
}
