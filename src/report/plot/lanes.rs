//! The strip under a memory panel: a row of ticks per kind of event (GC
//! cycles, scavenger lines, madvise and munmap calls), named on the left;
//! under the phase-focused panel, with that panel's time axis.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::draw::{AXIS, LANE, Result, TimeRange, err, font, lane_color};
use super::model::Figure;

/// Draws one row of ticks per lane over `view`; the names go in the first
/// `left` pixels. With `axis`, the time axis under them, so named.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
    view: TimeRange,
    (left, right): (u32, u32),
    axis: Option<&str>,
) -> Result<()> {
    let n = fig.lanes.len() as f64;
    let mut chart = ChartBuilder::on(area)
        .margin_right(right)
        .margin_left(super::draw::LEFT)
        .margin_top(3)
        .margin_bottom(if axis.is_some() { 4 } else { 3 })
        .x_label_area_size(if axis.is_some() { AXIS } else { 0 })
        .y_label_area_size(left - super::draw::LEFT)
        .build_cartesian_2d(view.from..view.to, 0.0..n.max(1.0))
        .map_err(err)?;
    for (i, lane) in fig.lanes.iter().enumerate() {
        let color = lane_color(&lane.name);
        let y = n - i as f64;
        let inside = lane
            .ticks
            .iter()
            .filter(|t| (view.from..=view.to).contains(*t));
        let marks = inside
            .map(|t| PathElement::new(vec![(*t, y - 0.85), (*t, y - 0.15)], color.stroke_width(1)));
        chart.draw_series(marks).map_err(err)?;
        let label = format!("{} ({})", lane.name, lane.ticks.len());
        let mid = 3 + (i as i32) * LANE as i32 + LANE as i32 / 2;
        let style = font(11).pos(Pos::new(HPos::Right, VPos::Center));
        area.draw_text(&label, &style.color(&color), (left as i32 - 6, mid))
            .map_err(err)?;
    }
    let mut mesh = chart.configure_mesh();
    mesh.disable_mesh().disable_y_axis();
    match axis {
        Some(desc) => mesh
            .x_desc(desc)
            .x_label_style(font(12))
            .axis_desc_style(font(12))
            .draw()
            .map_err(err),
        None => mesh.disable_x_axis().draw().map_err(err),
    }
}
