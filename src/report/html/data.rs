//! The data of one run's interactive plot, as JSON for the page's script:
//! the samples (t, RSS, window peak, VmSize) thinned to [`COLUMNS`] time
//! columns, the phases with the Go view at each, the heap goal clipped as
//! the static plot clips it, GOMEMLIMIT, and the event lanes (GC cycles,
//! scavenger lines, traced madvise and munmap calls) as ticks.

use serde::Serialize;

use crate::report::plot::{self, Figure, Role};
use crate::report::series;
use crate::timeline::Timeline;

/// Time columns the page keeps of a long run: each keeps the first, last,
/// lowest and highest RSS and the highest window peak (at most five samples),
/// so a one-sample spike survives and a short run is kept whole.
pub const COLUMNS: usize = 1500;

const MIB: f64 = (1u64 << 20) as f64;

/// One plot's data (the page's `<script type="application/json">`).
#[derive(Debug, Serialize)]
pub struct PlotData {
    pub title: String,
    /// The sampler's interval as set (`1ms`).
    pub interval: String,
    pub start: f64,
    pub end: f64,
    /// Samples in the run, and kept for the page.
    pub samples: usize,
    pub kept: usize,
    /// Seconds since spawn, and MiB.
    pub t: Vec<f64>,
    pub rss: Vec<f64>,
    /// Each sample's window peak; empty when the run had no windows.
    pub peak: Vec<f64>,
    pub vm: Vec<f64>,
    pub phases: Vec<PhaseLine>,
    /// The Go view (and LazyFree, VmHWM) as markers at phases.
    pub markers: Vec<Markers>,
    /// The memory scale's top (MiB): the heap goal above it is drawn there.
    pub clip: f64,
    /// GOMEMLIMIT in MiB, when the run set it.
    pub limit: Option<f64>,
    /// The static plot's lanes, in its order: a row of ticks each.
    pub lanes: Vec<LaneTicks>,
    /// `[from, to]`: the span of the static plot's phase-focused panel,
    /// where the phases crowd (a button zooms to it).
    pub focus: Option<(f64, f64)>,
}

/// One kind of event, as ticks on a row of its own.
#[derive(Debug, Serialize)]
pub struct LaneTicks {
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
    /// When each was seen (seconds since spawn).
    pub ticks: Vec<f64>,
}

#[derive(Debug, Serialize)]
pub struct PhaseLine {
    pub name: String,
    pub t: f64,
}

/// A value known at each phase that has it.
#[derive(Debug, Serialize)]
pub struct Markers {
    pub label: &'static str,
    /// `#rrggbb`.
    pub color: String,
    pub dash: bool,
    /// `[t, MiB]`.
    pub points: Vec<(f64, f64)>,
}

/// `v` to `digits` decimals (divided last, so it prints short: 0.143496).
fn round(v: f64, digits: i32) -> f64 {
    let k = 10f64.powi(digits);
    (v * k).round() / k
}

/// MiB to 1 KiB (a page is 4 KiB).
fn mib(bytes: u64) -> f64 {
    round(bytes as f64 / MIB, 3)
}

fn hex(role: Role) -> String {
    rgb(plot::style_of(role).0)
}

fn rgb(c: plotters::style::RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// The indexes of the samples kept: per column the first, last, lowest and
/// highest RSS and the highest window peak, in time order.
fn kept(samples: &[(u64, u64, u64)], start_ns: u64, end_ns: u64) -> Vec<usize> {
    if samples.len() <= COLUMNS * 3 {
        return (0..samples.len()).collect();
    }
    let width = (end_ns.saturating_sub(start_ns) / COLUMNS as u64).max(1);
    let column = |t: u64| (t.saturating_sub(start_ns) / width).min(COLUMNS as u64 - 1);
    let mut out = Vec::new();
    let mut i = 0;
    while i < samples.len() {
        let col = column(samples[i].0);
        let first = i;
        let (mut low, mut high, mut top) = (i, i, i);
        while i < samples.len() && column(samples[i].0) == col {
            let s = samples[i];
            if s.1 < samples[low].1 {
                low = i;
            }
            if s.1 > samples[high].1 {
                high = i;
            }
            if s.2 > samples[top].2 {
                top = i;
            }
            i += 1;
        }
        let mut picks = [first, low, high, top, i - 1];
        picks.sort_unstable();
        for p in picks {
            if out.last() != Some(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// The interactive plot's data of one run.
pub fn data(timeline: &Timeline) -> PlotData {
    let fig: Figure = plot::figure(timeline);
    let all: Vec<(u64, u64, u64, u64)> = series::samples(timeline)
        .map(|s| {
            (
                s.t_ns,
                s.rss_bytes,
                s.peak_bytes.max(s.rss_bytes),
                s.vm_size_bytes,
            )
        })
        .collect();
    let triples: Vec<(u64, u64, u64)> = all.iter().map(|s| (s.0, s.1, s.2)).collect();
    let start_ns = (fig.start_s * 1e9) as u64;
    let end_ns = (fig.end_s * 1e9) as u64;
    let keep: Vec<&(u64, u64, u64, u64)> = kept(&triples, start_ns, end_ns)
        .into_iter()
        .map(|i| &all[i])
        .filter(|s| s.0 >= start_ns)
        .collect();
    // Samples to 10 µs (the sampler's interval is 1 ms or more); phases to
    // 1 µs, their markers the same instants.
    let secs = |t_ns: u64| round(t_ns as f64 / 1e9, 5);
    let windowed = timeline.sampler.windowed;
    let mut markers: Vec<Markers> = fig
        .steps
        .iter()
        .map(|s| Markers {
            label: s.role.label(),
            color: hex(s.role),
            dash: plot::style_of(s.role).1,
            points: s
                .points
                .iter()
                .map(|p| (round(p.0, 6), round(p.1, 3)))
                .collect(),
        })
        .collect();
    markers.push(Markers {
        label: "VmHWM",
        color: "#d62728".into(),
        dash: false,
        points: fig
            .hwm
            .iter()
            .map(|p| (round(p.0, 6), round(p.1, 3)))
            .collect(),
    });
    PlotData {
        title: fig.title.clone(),
        interval: fig.sample_interval.clone(),
        start: round(fig.start_s, 6),
        end: round(fig.end_s, 6),
        samples: all.len(),
        kept: keep.len(),
        t: keep.iter().map(|s| secs(s.0)).collect(),
        rss: keep.iter().map(|s| mib(s.1)).collect(),
        peak: if windowed {
            keep.iter().map(|s| mib(s.2)).collect()
        } else {
            Vec::new()
        },
        // VmSize to 0.1 MiB: it moves by mappings, MiB at least.
        vm: keep.iter().map(|s| round(s.3 as f64 / MIB, 1)).collect(),
        phases: fig
            .phases
            .iter()
            .map(|(name, t)| PhaseLine {
                name: name.clone(),
                t: round(*t, 6),
            })
            .collect(),
        markers,
        clip: round(fig.memory_max() * 1.05, 3).max(1.0),
        limit: fig.memory_limit,
        lanes: fig
            .lanes
            .iter()
            .map(|l| LaneTicks {
                name: l.name.clone(),
                color: rgb(plot::lane_color(&l.name)),
                ticks: l.ticks.iter().map(|t| round(*t, 6)).collect(),
            })
            .collect(),
        focus: fig.focus.map(|(from, to)| (round(from, 6), round(to, 6))),
    }
}

/// The data as JSON safe inside `<script type="application/json">` (no `<`).
pub fn json(timeline: &Timeline) -> Result<String, String> {
    let text = serde_json::to_string(&data(timeline)).map_err(|e| e.to_string())?;
    Ok(text.replace('<', "\\u003c"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::series::recorded;

    #[test]
    fn the_data_has_the_samples_phases_and_go_view_at_phases() {
        let tl = recorded();
        let d = data(&tl);
        assert_eq!(d.samples, tl.samples.len());
        assert_eq!(d.t.len(), d.kept);
        assert_eq!(d.rss.len(), d.kept);
        assert_eq!(d.vm.len(), d.kept);
        let names: Vec<&str> = d.phases.iter().map(|p| p.name.as_str()).collect();
        let want: Vec<&str> = tl.phases.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, want);
        let alloc = d
            .markers
            .iter()
            .find(|m| m.label == "HeapAlloc")
            .expect("HeapAlloc");
        let freed = tl.phase("freed").expect("freed");
        let at = alloc
            .points
            .iter()
            .find(|p| (p.0 - freed.t_ns as f64 / 1e9).abs() < 1e-6)
            .expect("a marker at freed");
        assert!((at.1 - freed.go.heap_alloc_bytes as f64 / MIB).abs() < 6e-4);
        let top = tl
            .samples
            .iter()
            .map(|s| s.rss_bytes)
            .max()
            .expect("samples");
        assert!(d.clip >= top as f64 / MIB);
        // The lanes of the static plot, tick for tick.
        let fig = plot::figure(&tl);
        let lanes: Vec<(&str, usize)> = d
            .lanes
            .iter()
            .map(|l| (l.name.as_str(), l.ticks.len()))
            .collect();
        let want: Vec<(&str, usize)> = fig
            .lanes
            .iter()
            .map(|l| (l.name.as_str(), l.ticks.len()))
            .collect();
        assert_eq!(lanes, want);
        assert_eq!(lanes[0], ("GC", 8));
        assert_eq!(d.lanes[0].color, "#d62728");
        // The crowded phases' span, as the static plot zooms to it.
        let (from, to) = fig.focus.expect("the recorded run has a focus");
        let got = d.focus.expect("a focus");
        assert!((got.0 - from).abs() < 1e-6 && (got.1 - to).abs() < 1e-6);
    }

    #[test]
    fn a_long_run_is_thinned_and_keeps_its_spike() {
        let start = 0;
        let mut samples: Vec<(u64, u64, u64)> =
            (0..100_000u64).map(|i| (i * 1_000_000, 100, 100)).collect();
        samples[54_321].1 = 900;
        samples[77_777].2 = 999;
        let keep = kept(&samples, start, 100_000 * 1_000_000);
        assert!(keep.len() <= COLUMNS * 5, "{}", keep.len());
        assert!(keep.contains(&54_321) && keep.contains(&77_777));
        assert!(keep.windows(2).all(|w| w[0] < w[1]), "in time order");
        let short: Vec<(u64, u64, u64)> = samples[..1000].to_vec();
        assert_eq!(kept(&short, start, 1_000_000_000).len(), 1000);
    }

    #[test]
    fn a_timeline_always_gives_the_same_data() {
        let tl = recorded();
        assert_eq!(json(&tl), json(&tl.clone()));
    }

    #[test]
    fn no_less_than_sign_is_left_in_the_json() {
        let mut tl = recorded();
        tl.phases[0].name = "</script><b>".into();
        let text = json(&tl).expect("json");
        assert!(!text.contains('<'));
        let back: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(back["phases"][0]["name"], "</script><b>");
    }
}
