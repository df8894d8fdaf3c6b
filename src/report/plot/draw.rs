//! Draws a [`Figure`] with plotters on any backend: the memory panel (RSS,
//! the Go view as markers at phases, peaks, phase bands with names, GOMEMLIMIT), a strip
//! of event ticks, the VmSize panel, and a legend on the right.

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
const LEFT: u32 = 8;
const VM_PANEL: u32 = 150;
pub const LANE: u32 = 15;
const LABEL_ROW: i32 = 15;
pub const FONT: &str = "sans-serif";

pub const PEAK: RGBColor = RGBColor(214, 39, 40);
pub const VM_SIZE: RGBColor = RGBColor(140, 86, 75);
pub const PHASE_LINE: RGBColor = RGBColor(150, 150, 150);
/// The window envelope: RSS's blue, lighter.
pub const WINDOW: RGBColor = RGBColor(120, 175, 220);

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

/// Draws the figure on the whole of `root`.
pub fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, fig: &Figure) -> Result<()> {
    root.fill(&WHITE).map_err(err)?;
    let body = root.titled(&fig.title, font(18)).map_err(err)?;
    let (width, height) = body.dim_in_pixel();
    let (plots, legend) = body.split_horizontally(width.saturating_sub(LEGEND_WIDTH));
    // Without lanes, a gap keeps the two panels' axes apart.
    let lanes_px = LANE * fig.lanes.len() as u32 + 8;
    let memory_px = height.saturating_sub(VM_PANEL + lanes_px);
    let (memory, rest) = plots.split_vertically(memory_px);
    let (lanes, vm) = rest.split_vertically(lanes_px);
    memory_panel(&memory, fig)?;
    if !fig.lanes.is_empty() {
        super::lanes::draw(&lanes, fig, LEFT + Y_LABELS, RIGHT)?;
    }
    vm_panel(&vm, fig)?;
    super::legend::draw(&legend, fig)
}

/// Bands between phases (alternately shaded) and a line at each phase.
fn bands<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    fig: &Figure,
    y_top: f64,
) -> Result<()> {
    for (i, (_, t)) in fig.phases.iter().enumerate() {
        let next = fig.phases.get(i + 1).map_or(fig.end_s, |p| p.1);
        if i % 2 == 1 {
            let shade = RGBColor(0, 0, 0).mix(0.06).filled();
            chart
                .draw_series([Rectangle::new([(*t, 0.0), (next, y_top)], shade)])
                .map_err(err)?;
        }
        chart
            .draw_series([PathElement::new(vec![(*t, 0.0), (*t, y_top)], PHASE_LINE)])
            .map_err(err)?;
    }
    Ok(())
}

/// Rows for the phase names so none overlaps another: `(name, x_px, row)`.
fn label_rows<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
    x_px: impl Fn(f64) -> i32,
    width: i32,
) -> Vec<(String, i32, i32)> {
    let style = font(12);
    let mut ends: Vec<i32> = Vec::new();
    let mut out = Vec::new();
    for (name, t) in &fig.phases {
        let w = area
            .estimate_text_size(name, &style)
            .map_or(60, |s| s.0 as i32);
        // Right of its line, or left of it where it would leave the plot.
        let line = x_px(*t);
        let x = if line + 3 + w > width {
            line - 3 - w
        } else {
            line + 3
        };
        let row = match ends.iter().position(|end| x >= end + 6) {
            Some(r) => r,
            None => {
                ends.push(i32::MIN);
                ends.len() - 1
            }
        };
        ends[row] = x + w;
        out.push((name.clone(), x, row as i32));
    }
    out
}

fn memory_panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, fig: &Figure) -> Result<()> {
    let (w, h) = area.dim_in_pixel();
    let plot_w = f64::from(w.saturating_sub(LEFT + Y_LABELS + RIGHT).max(1));
    let x_px = |t: f64| ((t - fig.start_s) / fig.span_s() * plot_w) as i32;
    let labels = label_rows(area, fig, x_px, plot_w as i32);
    let rows = labels.iter().map(|l| l.2 + 1).max().unwrap_or(0);
    let plot_h = f64::from(h.saturating_sub(10).max(1));
    let headroom = f64::from(rows * LABEL_ROW + 6).min(plot_h / 2.0);
    let y_top = (fig.memory_max().max(1.0) * 1.05) * plot_h / (plot_h - headroom);
    let mut chart = ChartBuilder::on(area)
        .margin_top(10)
        .margin_right(RIGHT)
        .margin_left(LEFT)
        .y_label_area_size(Y_LABELS)
        .build_cartesian_2d(fig.start_s..fig.end_s, 0.0..y_top)
        .map_err(err)?;
    bands(&mut chart, fig, y_top)?;
    chart
        .configure_mesh()
        .y_desc("memory (MiB)")
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&|v| format!("{v:.0}"))
        .max_light_lines(1)
        .light_line_style(RGBColor(245, 245, 245))
        .draw()
        .map_err(err)?;
    if let Some(limit) = fig.memory_limit {
        limit_line(&mut chart, fig, limit)?;
    }
    go_markers(&mut chart, fig, y_top)?;
    let (rss_color, _) = style_of(Role::Rss);
    window_envelope(&mut chart, fig, plot_w)?;
    let rss = downsample::min_max(&fig.rss, fig.start_s, fig.end_s, plot_w as usize);
    chart
        .draw_series(LineSeries::new(rss, rss_color.stroke_width(2)))
        .map_err(err)?;
    let hwm = fig
        .hwm
        .iter()
        .map(|p| TriangleMarker::new(*p, 6, PEAK.stroke_width(2)));
    chart.draw_series(hwm).map_err(err)?;
    if let Some(peak) = fig.peak {
        peak_mark(&mut chart, fig, peak)?;
    }
    let plotting = chart.plotting_area().strip_coord_spec();
    let style = font(12).color(&BLACK);
    for (name, x, row) in labels {
        plotting
            .draw_text(&name, &style, (x, 3 + row * LABEL_ROW))
            .map_err(err)?;
    }
    Ok(())
}

/// The memory limit (GOMEMLIMIT) as a dashed line with its value.
fn limit_line<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    fig: &Figure,
    limit: f64,
) -> Result<()> {
    let line = DashedLineSeries::new(
        [(fig.start_s, limit), (fig.end_s, limit)],
        8,
        5,
        PEAK.stroke_width(2),
    );
    chart.draw_series(line).map_err(err)?;
    let style = font(12)
        .color(&PEAK)
        .pos(Pos::new(HPos::Left, VPos::Bottom));
    let text = format!("GOMEMLIMIT {limit:.0} MiB");
    chart
        .draw_series([Text::new(
            text,
            (fig.start_s + fig.span_s() * 0.005, limit),
            style,
        )])
        .map_err(err)?;
    Ok(())
}

/// The Go view's series: a marker where each was read.
fn go_markers<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    fig: &Figure,
    y_top: f64,
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
        // edge with its value, never setting the scale.
        let clip = |p: &(f64, f64)| (p.0, p.1.min(y_top));
        let points: Vec<(f64, f64)> = steps.points.iter().map(clip).collect();
        let dots = points.iter().map(|p| {
            if dashed {
                Circle::new(*p, size, color.stroke_width(2))
            } else {
                Circle::new(*p, size, color.filled())
            }
        });
        chart.draw_series(dots).map_err(err)?;
        let above = steps.points.iter().filter(|p| p.1 > y_top);
        if let Some(high) = above.map(|p| p.1).reduce(f64::max) {
            // Left, under the phase names' rows (they sit at the right
            // when phases come late, the usual case).
            let style = font(12).color(&color).pos(Pos::new(HPos::Left, VPos::Top));
            let text = format!("▲ {} up to {high:.0} MiB (off scale)", steps.role.label());
            let at = (fig.start_s + fig.span_s() * 0.02, y_top * 0.96);
            chart
                .draw_series([Text::new(text, at, style)])
                .map_err(err)?;
        }
    }
    Ok(())
}

/// The window envelope under RSS, when the run has windows.
fn window_envelope<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    fig: &Figure,
    plot_w: f64,
) -> Result<()> {
    if fig.window.is_empty() {
        return Ok(());
    }
    // The window envelope: each window's peak held back to the previous
    // sample (the span it covers), shaded down to the axis under RSS.
    let thin = downsample::min_max(&fig.window, fig.start_s, fig.end_s, plot_w as usize);
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

/// The peak RSS: a dot with its value and time beside it.
fn peak_mark<DB: DrawingBackend>(
    chart: &mut ChartContext<
        '_,
        DB,
        Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
    >,
    fig: &Figure,
    peak: (f64, f64),
) -> Result<()> {
    chart
        .draw_series([Circle::new(peak, 5, PEAK.filled())])
        .map_err(err)?;
    let right = peak.0 > fig.start_s + 0.6 * fig.span_s();
    let anchor = Pos::new(if right { HPos::Right } else { HPos::Left }, VPos::Bottom);
    let style = font(13).color(&PEAK).pos(anchor);
    let text = format!("peak {:.1} MiB at {:.2} s", peak.1, peak.0);
    let at = chart.backend_coord(&peak);
    let origin = chart.plotting_area().get_pixel_range();
    let dx = if right { -8 } else { 8 };
    chart
        .plotting_area()
        .strip_coord_spec()
        .draw_text(
            &text,
            &style,
            (at.0 - origin.0.start + dx, at.1 - origin.1.start - 9),
        )
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
        .x_label_area_size(36)
        .y_label_area_size(Y_LABELS)
        .build_cartesian_2d(fig.start_s..fig.end_s, 0.0..y_top)
        .map_err(err)?;
    bands(&mut chart, fig, y_top)?;
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
    use crate::report::plot::figure;
    use crate::report::series::recorded;

    #[test]
    fn phase_names_close_together_go_on_rows_where_none_overlaps() {
        super::super::register_font().expect("the font");
        let fig = figure(&recorded());
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let width = 700;
        let x_px = |t: f64| ((t - fig.start_s) / fig.span_s() * f64::from(width)) as i32;
        let labels = label_rows(&area, &fig, x_px, width);
        assert_eq!(labels.len(), fig.phases.len());
        let size = |name: &str| {
            area.estimate_text_size(name, &font(12))
                .map_or(0, |s| s.0 as i32)
        };
        for (i, a) in labels.iter().enumerate() {
            assert!(
                a.1 >= 0 && a.1 + size(&a.0) <= width,
                "{a:?} inside the plot"
            );
            for b in &labels[i + 1..] {
                let apart = a.1 + size(&a.0) <= b.1 || b.1 + size(&b.0) <= a.1;
                assert!(a.2 != b.2 || apart, "{a:?} and {b:?} overlap");
            }
        }
        // allocated, collected and freed are milliseconds apart in this run.
        assert!(labels.iter().map(|l| l.2).max() >= Some(1), "{labels:?}");
    }
}
