//! `run --plot FILE`: one run's memory over time as an SVG or PNG image.
//!
//! The PNG text is drawn with DejaVu Sans, embedded in the binary
//! (`assets/fonts/`, Bitstream Vera licence), so no system font is needed.

mod compact;
mod downsample;
mod draw;
mod focus;
mod labels;
mod lanes;
mod legend;
mod model;
#[cfg(test)]
mod watch_axis;

use std::path::Path;
use std::sync::OnceLock;

use plotters::prelude::*;

use crate::timeline::Timeline;

pub use draw::{lane_color, style_of};
pub use model::{Figure, Role, Steps, figure, title};

const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The image formats a plot can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Svg,
    Png,
}

/// Why a plot could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("cannot plot to `{0}`: the file name must end in .svg or .png")]
    Extension(String),
    #[error("the plot could not be drawn: {0}")]
    Draw(String),
}

impl Format {
    /// The format named by a file's extension (`.svg`, `.png`).
    pub fn from_path(path: &Path) -> Result<Format, PlotError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("svg") => Ok(Format::Svg),
            Some("png") => Ok(Format::Png),
            _ => Err(PlotError::Extension(path.display().to_string())),
        }
    }

    /// A `--plot FILE` flag, if given, with the format its extension names.
    pub fn of_flag(path: Option<&Path>) -> Result<Option<(&Path, Format)>, PlotError> {
        path.map(|p| Ok((p, Format::from_path(p)?))).transpose()
    }
}

pub(super) fn register_font() -> Result<(), PlotError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(PlotError::Draw("the embedded font did not load".into()))
    }
}

/// The plot of one run, as the bytes of an SVG or PNG file.
pub fn render(timeline: &Timeline, format: Format) -> Result<Vec<u8>, PlotError> {
    register_font()?;
    let fig = figure(timeline);
    let size = draw::size(&fig);
    match format {
        Format::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
                draw::draw(&root, &fig).map_err(PlotError::Draw)?;
                root.present().map_err(|e| PlotError::Draw(e.to_string()))?;
            }
            Ok(compact::compact(&svg).into_bytes())
        }
        Format::Png => {
            let mut rgb = vec![0u8; (size.0 * size.1 * 3) as usize];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
                draw::draw(&root, &fig).map_err(PlotError::Draw)?;
                root.present().map_err(|e| PlotError::Draw(e.to_string()))?;
            }
            encode_png(&rgb, size).map_err(|e| PlotError::Draw(e.to_string()))
        }
    }
}

fn encode_png(rgb: &[u8], (width, height): (u32, u32)) -> Result<Vec<u8>, png::EncodingError> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::series::recorded;

    #[test]
    fn the_format_comes_from_the_extension() {
        assert_eq!(
            Format::from_path(Path::new("a/b.svg")).ok(),
            Some(Format::Svg)
        );
        assert_eq!(
            Format::from_path(Path::new("b.PNG")).ok(),
            Some(Format::Png)
        );
        let err = Format::from_path(Path::new("plot.pdf"))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("cannot plot to `plot.pdf`: the file name must end in .svg or .png")
        );
        assert!(Format::from_path(Path::new("plot")).is_err());
    }

    #[test]
    fn the_svg_names_the_run_its_phases_and_lanes() {
        let tl = recorded();
        let svg = String::from_utf8(render(&tl, Format::Svg).expect("an svg")).expect("utf-8");
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("bigbytes · go1.26.8"));
        // plotters writes each text element's content on a line of its own.
        for text in [
            "allocated",
            "freed",
            "GC (8)",
            "madvise (123)",
            "memory (MiB)",
        ] {
            let found = svg.lines().any(|line| line.trim() == text);
            assert!(found, "no text `{text}` in the svg");
        }
    }

    #[test]
    fn a_timeline_always_draws_the_same_bytes() {
        // Drawn from a copy, so that nothing kept between draws (the font,
        // a cache) could make them differ.
        let tl = recorded();
        for format in [Format::Svg, Format::Png] {
            let a = render(&tl, format).expect("a plot");
            let b = render(&tl.clone(), format).expect("a plot");
            assert!(a == b, "{format:?}: two draws of one timeline differ");
        }
    }

    #[test]
    fn the_png_is_a_whole_image_with_ink_on_it() {
        let png = render(&recorded(), Format::Png).expect("a png");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().expect("a png header");
        let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
        let info = reader.next_frame(&mut pixels).expect("one frame");
        let fig = figure(&recorded());
        assert!(fig.focus.is_some(), "the recorded run's phases are zoomed");
        assert_eq!((info.width, info.height), draw::size(&fig));
        assert!(info.height > draw::HEIGHT);
        let blue = pixels.chunks(3).filter(|p| p == &[31, 119, 180]).count();
        assert!(blue > 500, "the RSS line is drawn: {blue} blue pixels");
        let white = pixels.chunks(3).filter(|p| p == &[255, 255, 255]).count();
        assert!(white < pixels.len() / 3, "not blank");
    }
}
