//! The legend beside the plot: one row per series and marker shown.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::draw::{FOCUS, PEAK, PHASE_LINE, Result, VM_SIZE, WINDOW, err, font, style_of};
use super::model::{Figure, Role};

pub fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, fig: &Figure) -> Result<()> {
    let text = font(12).pos(Pos::new(HPos::Left, VPos::Center));
    let mut y = 20;
    let mut row = |draw: &dyn Fn(i32) -> Result<()>, label: &str| -> Result<()> {
        draw(y)?;
        area.draw_text(label, &text, (38, y)).map_err(err)?;
        y += 20;
        Ok(())
    };
    let line = |color: RGBColor| {
        move |y: i32| {
            area.draw(&PathElement::new(
                vec![(8, y), (32, y)],
                color.stroke_width(2),
            ))
            .map_err(err)
        }
    };
    let dashed = |color: RGBColor| {
        move |y: i32| {
            let style = color.stroke_width(2);
            area.draw(&DashedPathElement::new(vec![(8, y), (32, y)], 5, 3, style))
                .map_err(err)
        }
    };
    let rss = format!("RSS (sampled every {})", fig.sample_interval);
    row(&line(style_of(Role::Rss).0), &rss)?;
    if !fig.window.is_empty() {
        let shade = |y: i32| {
            area.draw(&Rectangle::new(
                [(8, y - 7), (32, y + 7)],
                WINDOW.mix(0.35).filled(),
            ))
            .map_err(err)?;
            area.draw(&PathElement::new(vec![(8, y - 7), (32, y - 7)], WINDOW))
                .map_err(err)
        };
        row(&shade, "window peak: highest RSS")?;
        row(&|_| Ok(()), "between two samples")?;
    }
    for steps in &fig.steps {
        let (color, is_dashed) = style_of(steps.role);
        if is_dashed {
            row(&dashed(color), steps.role.label())?;
        } else {
            row(&line(color), steps.role.label())?;
        }
    }
    row(&line(VM_SIZE), "VmSize (lower panel)")?;
    let peak = |y: i32| {
        area.draw(&Circle::new((20, y), 5, PEAK.filled()))
            .map_err(err)
    };
    row(&peak, "peak RSS")?;
    let hwm = |y: i32| {
        area.draw(&TriangleMarker::new((20, y), 6, PEAK.stroke_width(2)))
            .map_err(err)
    };
    row(&hwm, "VmHWM at phase (peak")?;
    row(&|_| Ok(()), "since the previous phase)")?;
    if let Some(limit) = fig.memory_limit {
        row(&dashed(PEAK), &format!("GOMEMLIMIT {limit:.0} MiB"))?;
    }
    let band = |y: i32| {
        let shade = RGBColor(0, 0, 0).mix(0.06).filled();
        area.draw(&Rectangle::new([(8, y - 7), (32, y + 7)], shade))
            .map_err(err)?;
        area.draw(&PathElement::new(vec![(8, y - 7), (8, y + 7)], PHASE_LINE))
            .map_err(err)
    };
    row(&band, "phase band: name to next")?;
    if fig.focus.is_some() {
        let frame = |y: i32| {
            area.draw(&Rectangle::new(
                [(8, y - 7), (32, y + 7)],
                FOCUS.mix(0.08).filled(),
            ))
            .map_err(err)?;
            area.draw(&Rectangle::new(
                [(8, y - 7), (32, y + 7)],
                FOCUS.stroke_width(2),
            ))
            .map_err(err)
        };
        row(&frame, "the phases, zoomed below")?;
    }
    Ok(())
}
