//! Makes plotters' SVG smaller without changing what is drawn: runs of
//! strokes of one style (a dashed line is hundreds of `<polyline>`s, a mesh
//! dozens of `<line>`s) become one `<path>` (translucent ones only where
//! they cannot overlap), points a straight stroke passes through are
//! dropped (plotters' coordinates are whole pixels, so this is exact),
//! default attributes go and font sizes lose their fifteen decimals.
//! Anything not recognised is kept as written.

use std::fmt::Write as _;

/// An element plotters wrote on one line: its tag, attributes and ending.
struct Element<'a> {
    tag: &'a str,
    attrs: Vec<(&'a str, &'a str)>,
    close: &'a str,
}

impl<'a> Element<'a> {
    /// `<tag name="value" .../>` (or `...>` for text); `None` otherwise.
    fn parse(line: &'a str) -> Option<Element<'a>> {
        let rest = line.strip_prefix('<')?;
        let end = rest.find(' ')?;
        let (tag, mut rest) = rest.split_at(end);
        let mut attrs = Vec::new();
        loop {
            rest = rest.trim_start();
            if rest == "/>" || rest == ">" {
                return Some(Element {
                    tag,
                    attrs,
                    close: rest,
                });
            }
            let (name, after) = rest.split_once("=\"")?;
            let (value, after) = after.split_once('"')?;
            attrs.push((name, value));
            rest = after;
        }
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.attrs.iter().find(|a| a.0 == name).map(|a| a.1)
    }

    /// The stroke style and the pixel points of an unfilled `<polyline>` or
    /// `<line>` with nothing else set.
    fn stroke(&self) -> Option<(Style<'a>, Vec<(i32, i32)>)> {
        let geometry: &[&str] = match self.tag {
            "polyline" => &["points", "fill"],
            "line" => &["x1", "y1", "x2", "y2"],
            _ => return None,
        };
        let style_names = ["opacity", "stroke", "stroke-width"];
        let known = |n: &&str| geometry.contains(n) || style_names.contains(n);
        if !self.attrs.iter().map(|a| &a.0).all(known) {
            return None;
        }
        if self.get("fill").is_some_and(|f| f != "none") {
            return None;
        }
        let style = Style {
            opacity: self.get("opacity").unwrap_or("1"),
            stroke: self.get("stroke")?,
            width: self.get("stroke-width")?,
        };
        let int = |s: &str| s.parse::<i32>().ok();
        let points = if self.tag == "line" {
            let at = |n| self.get(n).and_then(int);
            vec![(at("x1")?, at("y1")?), (at("x2")?, at("y2")?)]
        } else {
            let pairs = self.get("points")?.split_whitespace();
            let point = |p: &str| {
                p.split_once(',')
                    .and_then(|(x, y)| Some((int(x)?, int(y)?)))
            };
            pairs.map(point).collect::<Option<Vec<_>>>()?
        };
        Some((style, points))
    }

    /// The element without what changes nothing: `opacity="1"` (the
    /// default), a stroke width with no stroke, the font family the root sets.
    fn write_short(&self, out: &mut String) {
        let no_stroke = self.get("stroke") == Some("none");
        let _ = write!(out, "<{}", self.tag);
        for (name, value) in &self.attrs {
            let skip = match *name {
                "opacity" => *value == "1",
                "stroke-width" => no_stroke,
                "font-family" => *value == FONT,
                "font-size" => {
                    let short = value.parse::<f64>().map(|v| format!("{v:.2}"));
                    let short = short.as_deref().unwrap_or(value);
                    let short = short.trim_end_matches('0').trim_end_matches('.');
                    let _ = write!(out, " font-size=\"{short}\"");
                    true
                }
                _ => false,
            };
            if !skip {
                let _ = write!(out, " {name}=\"{value}\"");
            }
        }
        if self.tag == "svg" {
            let _ = write!(out, " font-family=\"{FONT}\"");
        }
        out.push_str(self.close);
        out.push('\n');
    }
}

/// The family every text of a plot is in, set once on the root.
const FONT: &str = "sans-serif";

/// How a stroke is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Style<'a> {
    opacity: &'a str,
    stroke: &'a str,
    width: &'a str,
}

/// The points of a polyline without those it passes straight through:
/// repeats, and points between two others on one line in one direction.
pub fn straight(points: &[(i32, i32)]) -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = Vec::with_capacity(points.len());
    for &p in points {
        if out.last() == Some(&p) {
            continue;
        }
        if let [.., a, b] = out[..] {
            let (u, v) = ((b.0 - a.0, b.1 - a.1), (p.0 - b.0, p.1 - b.1));
            let cross = i64::from(u.0) * i64::from(v.1) - i64::from(u.1) * i64::from(v.0);
            let dot = i64::from(u.0) * i64::from(v.0) + i64::from(u.1) * i64::from(v.1);
            if cross == 0 && dot > 0 {
                out.pop();
            }
        }
        out.push(p);
    }
    out
}

/// A run of strokes of one style, as the `d` of one path.
struct Run<'a> {
    style: Style<'a>,
    d: String,
    /// For a translucent style, where overlaps would darken: the run is of
    /// vertical (`true`) or horizontal segments, at these distinct x (or y).
    parallel: Option<(bool, Vec<i32>)>,
}

impl<'a> Run<'a> {
    fn new(style: Style<'a>, points: &[(i32, i32)]) -> Option<Run<'a>> {
        let mut run = Run {
            style,
            d: String::new(),
            parallel: None,
        };
        if style.opacity != "1" {
            run.parallel = Some((axis(points)?.0, Vec::new()));
        }
        run.add(style, points).then_some(run)
    }

    /// Adds the stroke if it is of this run's style and, translucent, does
    /// not overlap another; `false` (nothing added) otherwise.
    fn add(&mut self, style: Style<'a>, points: &[(i32, i32)]) -> bool {
        if style != self.style {
            return false;
        }
        if let Some((vertical, at)) = &mut self.parallel {
            match axis(points) {
                Some((v, c)) if v == *vertical && !at.contains(&c) => at.push(c),
                _ => return false,
            }
        }
        // The first point absolute, each next one relative to the last.
        for (i, &(x, y)) in points.iter().enumerate() {
            let _ = match i.checked_sub(1).map(|j| (x - points[j].0, y - points[j].1)) {
                None => write!(self.d, "M{x} {y}"),
                Some((dx, 0)) => write!(self.d, "h{dx}"),
                Some((0, dy)) => write!(self.d, "v{dy}"),
                Some((dx, dy)) => write!(self.d, "l{dx} {dy}"),
            };
        }
        true
    }

    fn write(self, out: &mut String) {
        let Style {
            opacity,
            stroke,
            width,
        } = self.style;
        let opacity = if opacity == "1" {
            String::new()
        } else {
            format!(r#" opacity="{opacity}""#)
        };
        let _ = writeln!(
            out,
            r#"<path fill="none"{opacity} stroke="{stroke}" stroke-width="{width}" d="{}"/>"#,
            self.d
        );
    }
}

/// A single vertical (`true`, with its x) or horizontal (`false`, its y) segment.
fn axis(points: &[(i32, i32)]) -> Option<(bool, i32)> {
    match points {
        [a, b] if a.0 == b.0 => Some((true, a.0)),
        [a, b] if a.1 == b.1 => Some((false, a.1)),
        _ => None,
    }
}

/// The same picture as `svg`, in fewer bytes.
pub fn compact(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len() / 2);
    let mut run: Option<Run> = None;
    for line in svg.lines() {
        let element = Element::parse(line);
        if let Some((style, points)) = element.as_ref().and_then(Element::stroke) {
            let points = straight(&points);
            if run.as_mut().is_some_and(|r| r.add(style, &points)) {
                continue;
            }
            if let Some(r) = run.take() {
                r.write(&mut out);
            }
            run = Run::new(style, &points);
            if run.is_some() {
                continue;
            }
        }
        if let Some(r) = run.take() {
            r.write(&mut out);
        }
        match element {
            Some(e) => e.write_short(&mut out),
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    if let Some(r) = run {
        r.write(&mut out);
    }
    out
}

#[cfg(test)]
mod tests;
