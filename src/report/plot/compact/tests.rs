//! The compacted SVG draws the same strokes and elements as plotters' own.

use std::collections::{BTreeMap, BTreeSet};

use plotters::prelude::*;

use super::*;
use crate::report::plot::{draw, figure, register_font};
use crate::report::series::recorded;

/// plotters' SVG of the recorded run, before compacting.
fn plotters_svg() -> String {
    register_font().expect("the font");
    let fig = figure(&recorded());
    let mut svg = String::new();
    {
        let size = draw::size(&fig);
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw::draw(&root, &fig).expect("drawn");
        root.present().expect("presented");
    }
    svg
}

/// The whole pixels a segment passes through exactly (its lattice points).
fn lattice(a: (i32, i32), b: (i32, i32)) -> Vec<(i32, i32)> {
    fn gcd(a: i32, b: i32) -> i32 {
        if b == 0 { a.abs() } else { gcd(b, a % b) }
    }
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let n = gcd(dx, dy).max(1);
    (0..=n)
        .map(|i| (a.0 + dx / n * i, a.1 + dy / n * i))
        .collect()
}

/// Per `(opacity, stroke, width)`, the pixels its strokes pass through.
type Strokes = BTreeMap<(String, String, String), BTreeSet<(i32, i32)>>;

/// An element other than a stroke, without what `compact` may drop.
type Other = (String, Vec<(String, String)>);

fn add(strokes: &mut Strokes, style: Style, points: &[(i32, i32)]) {
    let key = (
        style.opacity.into(),
        style.stroke.into(),
        style.width.into(),
    );
    let set = strokes.entry(key).or_default();
    set.extend(points.first());
    for w in points.windows(2) {
        set.extend(lattice(w[0], w[1]));
    }
}

fn other(e: &Element) -> Other {
    let no_stroke = e.get("stroke") == Some("none");
    let attrs = e.attrs.iter().filter_map(|&(n, v)| match n {
        "opacity" if v == "1" => None,
        "stroke-width" if no_stroke => None,
        "font-family" => None,
        "font-size" => Some((n.into(), format!("{:.1}", v.parse::<f64>().unwrap()))),
        _ => Some((n.into(), v.into())),
    });
    (e.tag.into(), attrs.collect())
}

/// The points of one `M x y` subpath with relative `h`, `v` and `l` steps.
fn path_points(sub: &str) -> Vec<(i32, i32)> {
    let mut points = Vec::new();
    let mut at = (0, 0);
    let commands = sub.split_inclusive(['h', 'v', 'l']);
    let mut op = 'M';
    for part in commands {
        let (args, next) = match part.chars().last() {
            Some(c @ ('h' | 'v' | 'l')) => (&part[..part.len() - 1], c),
            _ => (part, ' '),
        };
        let n: Vec<i32> = args.split(' ').map(|v| v.parse().unwrap()).collect();
        at = match (op, &n[..]) {
            ('M', [x, y]) => (*x, *y),
            ('h', [dx]) => (at.0 + dx, at.1),
            ('v', [dy]) => (at.0, at.1 + dy),
            ('l', [dx, dy]) => (at.0 + dx, at.1 + dy),
            _ => panic!("{op} {args} in {sub}"),
        };
        points.push(at);
        op = next;
    }
    points
}

/// The strokes drawn, and every other element and line in order.
fn drawn(svg: &str) -> (Strokes, Vec<Other>) {
    let mut strokes = Strokes::new();
    let mut rest = Vec::new();
    for line in svg.lines() {
        let Some(element) = Element::parse(line) else {
            rest.push((line.into(), vec![]));
            continue;
        };
        if let Some((style, points)) = element.stroke() {
            add(&mut strokes, style, &points);
        } else if element.tag == "path" {
            let style = Style {
                opacity: element.get("opacity").unwrap_or("1"),
                stroke: element.get("stroke").unwrap(),
                width: element.get("stroke-width").unwrap(),
            };
            for sub in element.get("d").unwrap().split('M').skip(1) {
                add(&mut strokes, style, &path_points(sub));
            }
        } else {
            rest.push(other(&element));
        }
    }
    (strokes, rest)
}

#[test]
fn the_compact_svg_draws_the_same_in_far_fewer_bytes() {
    let raw = plotters_svg();
    let small = compact(&raw);
    assert_eq!(drawn(&small), drawn(&raw));
    assert!(
        small.len() * 2 < raw.len(),
        "{} bytes from {}",
        small.len(),
        raw.len()
    );
    assert!(
        small.starts_with("<svg ")
            && small
                .lines()
                .next()
                .unwrap()
                .contains("font-family=\"sans-serif\"")
    );
    assert!(small.contains("font-size=\"14.52\""), "{small}");
    assert!(!raw.contains("<path") && small.contains("<path"));
    assert!(
        small.contains("<path fill=\"none\" opacity=\"0.2\""),
        "the mesh is merged"
    );
}

#[test]
fn points_a_stroke_passes_straight_through_are_dropped() {
    let points = [
        (0, 0),
        (0, 0),
        (1, 0),
        (2, 0),
        (2, 5),
        (2, 9),
        (2, 3),
        (4, 5),
        (6, 7),
    ];
    assert_eq!(straight(&points), [(0, 0), (2, 0), (2, 9), (2, 3), (6, 7)]);
}

fn line(opacity: &str, (x1, y1, x2, y2): (i32, i32, i32, i32)) -> String {
    format!(
        "<line opacity=\"{opacity}\" stroke=\"#000000\" stroke-width=\"1\" x1=\"{x1}\" y1=\"{y1}\" x2=\"{x2}\" y2=\"{y2}\"/>\n"
    )
}

#[test]
fn translucent_strokes_merge_only_where_they_cannot_overlap() {
    let lines = [
        (1, 0, 1, 9),
        (3, 0, 3, 9),
        (0, 4, 9, 4),
        (0, 6, 9, 6),
        (0, 6, 5, 6),
    ];
    let svg: String = lines.iter().map(|l| line("0.2", *l)).collect();
    let small = compact(&svg);
    let paths: Vec<&str> = small
        .lines()
        .map(|l| l.split(" d=").nth(1).unwrap_or(l))
        .collect();
    assert_eq!(
        paths,
        ["\"M1 0v9M3 0v9\"/>", "\"M0 4h9M0 6h9\"/>", "\"M0 6h5\"/>"]
    );
    let opaque: String = lines.iter().map(|l| line("1", *l)).collect();
    assert_eq!(compact(&opaque).lines().count(), 1);
}

#[test]
fn strokes_with_other_attributes_are_kept_as_written() {
    let svg = "<polyline fill=\"none\" opacity=\"0.5\" stroke=\"#000000\" stroke-width=\"1\" points=\"0,0 1,1 2,1 \"/>\n\
        <polyline fill=\"none\" opacity=\"1\" stroke=\"#000000\" stroke-width=\"1\" points=\"0,0 1.5,1 \"/>\n\
        <line opacity=\"1\" stroke=\"#000000\" stroke-width=\"1\" x1=\"0\" y1=\"0\" x2=\"3\" y2=\"0\" transform=\"x\"/>\n";
    let want = svg.replace(" opacity=\"1\"", "");
    assert_eq!(compact(svg), want);
}
