//! The strip under the memory panel: a row of ticks per kind of event (GC
//! cycles, scavenger lines, madvise and munmap calls), named on the left.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::draw::{LANE, Result, err, font, lane_color};
use super::model::Figure;

/// Draws one row of ticks per lane; the names go in the first `left` pixels.
pub fn draw<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure,
    left: u32,
    right: u32,
) -> Result<()> {
    let (names, ticks) = area.split_horizontally(left);
    let n = fig.lanes.len() as f64;
    let mut chart = ChartBuilder::on(&ticks)
        .margin_right(right)
        .margin_top(3)
        .margin_bottom(3)
        .build_cartesian_2d(fig.start_s..fig.end_s, 0.0..n)
        .map_err(err)?;
    let style = font(11).pos(Pos::new(HPos::Right, VPos::Center));
    for (i, lane) in fig.lanes.iter().enumerate() {
        let color = lane_color(&lane.name);
        let y = n - i as f64;
        let marks = lane
            .ticks
            .iter()
            .map(|t| PathElement::new(vec![(*t, y - 0.85), (*t, y - 0.15)], color.stroke_width(1)));
        chart.draw_series(marks).map_err(err)?;
        let label = format!("{} ({})", lane.name, lane.ticks.len());
        let mid = 3 + (i as i32) * LANE as i32 + LANE as i32 / 2;
        names
            .draw_text(&label, &style.color(&color), (left as i32 - 6, mid))
            .map_err(err)?;
    }
    chart
        .configure_mesh()
        .disable_mesh()
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&|_| String::new())
        .draw()
        .map_err(err)?;
    Ok(())
}
