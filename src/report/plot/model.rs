//! What a run's plot shows, taken from its timeline in plot units (seconds,
//! MiB) and independent of how it is drawn: the series, the phase bands, the
//! event lanes, the peaks and the memory limit.

use super::downsample::Thinner;
use crate::report::series;
use crate::timeline::Event;
use crate::timeline::{GoView, Phase, Syscall, Timeline};

const MIB: f64 = (1u64 << 20) as f64;
const SECOND: f64 = 1e9;
/// Columns a series is thinned to while read (more than any plot is wide).
const THIN_COLUMNS: usize = 4096;

/// Which line a series is, so the drawing picks its colour and legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Rss,
    HeapAlloc,
    HeapInuse,
    HeapRetained,
    HeapGoal,
    LazyFree,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Rss => "RSS",
            Role::HeapAlloc => "HeapAlloc",
            Role::HeapInuse => "HeapInuse",
            Role::HeapRetained => "HeapSys - HeapReleased",
            Role::HeapGoal => "heap goal",
            Role::LazyFree => "LazyFree (MADV_FREE)",
        }
    }
}

/// A value known at each phase (drawn as markers at the phases).
#[derive(Debug, Clone, PartialEq)]
pub struct Steps {
    pub role: Role,
    /// `(t_s, MiB)` at each phase that has the value.
    pub points: Vec<(f64, f64)>,
}

/// A row of ticks under the memory panel (GC cycles, syscalls).
#[derive(Debug, Clone, PartialEq)]
pub struct Lane {
    pub name: String,
    pub ticks: Vec<f64>,
}

/// Everything the plot shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub title: String,
    /// The sampler's interval as set (`1ms`), for the legend.
    pub sample_interval: String,
    /// The time axis starts here: 0, or for `watch -- go run` the program's
    /// start (seconds since spawn; the go command's build is left out).
    pub start_s: f64,
    /// The time axis ends here: the last sample or phase (seconds since spawn).
    pub end_s: f64,
    /// `(t_s, MiB)`: every sample, or for a long run the first, lowest,
    /// highest and last of each of 4096 time columns.
    pub rss: Vec<(f64, f64)>,
    /// `(t_s, MiB)`: each sample's window peak (the highest RSS since the
    /// previous sample), thinned like `rss`; empty when the run had no
    /// windows (drawn as an envelope over `rss`).
    pub window: Vec<(f64, f64)>,
    pub vm_size: Vec<(f64, f64)>,
    pub steps: Vec<Steps>,
    /// Phase name and instant, in order.
    pub phases: Vec<(String, f64)>,
    /// VmHWM at each phase: the peak RSS since the previous phase.
    pub hwm: Vec<(f64, f64)>,
    /// The highest RSS: the highest window peak, at the sample that closed
    /// its window (the highest sampled RSS without windows).
    pub peak: Option<(f64, f64)>,
    /// GOMEMLIMIT in MiB, when the run set it.
    pub memory_limit: Option<f64>,
    pub lanes: Vec<Lane>,
    /// The time span of the phase-focused panel, where the phases crowd
    /// into a small part of the run ([`super::focus`]).
    pub focus: Option<(f64, f64)>,
}

impl Figure {
    /// The time axis' length (seconds).
    pub fn span_s(&self) -> f64 {
        (self.end_s - self.start_s).max(1e-9)
    }

    /// The highest memory value the memory panel's scale must show (MiB):
    /// every series but the heap goal, which may be far above what is
    /// resident (it is drawn clipped at the top, with its value).
    pub fn memory_max(&self) -> f64 {
        self.memory_max_in(f64::NEG_INFINITY, f64::INFINITY)
    }

    /// [`Figure::memory_max`] of the points from `from` to `to` (seconds):
    /// the scale of a panel zoomed to them.
    pub fn memory_max_in(&self, from: f64, to: f64) -> f64 {
        let series = self.rss.iter().chain(&self.hwm).chain(&self.window);
        let steps = self
            .steps
            .iter()
            .filter(|s| s.role != Role::HeapGoal)
            .flat_map(|s| s.points.iter());
        series
            .chain(steps)
            .filter(|p| (from..=to).contains(&p.0))
            .map(|p| p.1)
            .chain(self.memory_limit)
            .fold(0.0, f64::max)
    }
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / MIB
}

fn secs(t_ns: u64) -> f64 {
    t_ns as f64 / SECOND
}

/// The phase's Go view; `None` for a phase of `watch` (no probe, no Go view).
fn go_view(phase: &Phase) -> Option<&GoView> {
    (phase.go != GoView::default()).then_some(&phase.go)
}

fn metric(phase: &Phase, name: &str) -> Option<f64> {
    phase.metrics.get(name).and_then(|n| n.as_f64())
}

/// The plot of one run.
pub fn figure(timeline: &Timeline) -> Figure {
    // Thinned while read, never collected whole: an hour at 1 kHz is 3.6
    // million samples; the drawing thins again to its pixel columns.
    let last_sample = timeline.samples.last().map_or(0, |s| s.t_ns);
    let last_phase = timeline.phases.iter().map(|p| p.t_ns).max().unwrap_or(0);
    // The last time the process was seen (exit may be reaped later).
    let end_ns = last_phase.max(last_sample).max(1);
    // `watch -- go run`: from the program's start (the build is no data).
    let start_ns = (timeline.watch.as_ref())
        .filter(|w| w.target_pid.is_some_and(|pid| pid != w.root_pid))
        .map_or(0, |w| w.target_t_ns.min(end_ns - 1));
    let mut rss = Thinner::new(secs(start_ns), secs(end_ns), THIN_COLUMNS);
    let mut vm_size = Thinner::new(secs(start_ns), secs(end_ns), THIN_COLUMNS);
    let mut window = Thinner::new(secs(start_ns), secs(end_ns), THIN_COLUMNS);
    let mut peak: Option<(f64, f64)> = None;
    for s in series::samples(timeline) {
        let point = (secs(s.t_ns), mib(s.rss_bytes));
        let top = (point.0, mib(s.peak_bytes.max(s.rss_bytes)));
        if peak.is_none_or(|p| top.1 > p.1) {
            peak = Some(top);
        }
        rss.push(point);
        window.push(top);
        vm_size.push((secs(s.t_ns), mib(s.vm_size_bytes)));
    }
    let (rss, vm_size) = (rss.finish(), vm_size.finish());
    let window = if timeline.sampler.windowed {
        window.finish()
    } else {
        Vec::new()
    };
    let at_phases = |role: Role, value: &dyn Fn(&Phase) -> Option<f64>| Steps {
        role,
        points: timeline
            .phases
            .iter()
            .filter_map(|p| Some((secs(p.t_ns), value(p)?)))
            .collect(),
    };
    // Drawn in this order: HeapInuse under HeapAlloc (often equal).
    let mut steps = vec![
        at_phases(Role::HeapRetained, &|p| {
            go_view(p)?;
            Some(mib(p
                .go
                .heap_sys_bytes
                .saturating_sub(p.go.heap_released_bytes)))
        }),
        at_phases(Role::HeapInuse, &|p| {
            Some(mib(go_view(p)?.heap_inuse_bytes))
        }),
        at_phases(Role::HeapAlloc, &|p| {
            Some(mib(go_view(p)?.heap_alloc_bytes))
        }),
        at_phases(Role::HeapGoal, &|p| {
            metric(p, "/gc/heap/goal:bytes").map(|b| b / MIB)
        }),
        at_phases(Role::LazyFree, &|p| p.os.lazy_free_bytes.map(mib)),
    ];
    steps.retain(|s| !s.points.is_empty());
    let memory_limit = memory_limit(timeline);
    let phases: Vec<(String, f64)> = timeline
        .phases
        .iter()
        .map(|p| (p.name.clone(), secs(p.t_ns)))
        .collect();
    let times: Vec<f64> = phases.iter().map(|p| p.1).collect();
    Figure {
        focus: super::focus::span(&times, secs(start_ns), secs(end_ns)),
        title: title(timeline),
        sample_interval: humantime::format_duration(std::time::Duration::from_micros(
            timeline.settings.sample_interval_us,
        ))
        .to_string(),
        start_s: secs(start_ns),
        end_s: secs(end_ns),
        rss,
        window,
        vm_size,
        steps,
        phases,
        hwm: timeline
            .phases
            .iter()
            .map(|p| (secs(p.t_ns), mib(p.os.hwm_bytes)))
            .collect(),
        peak,
        memory_limit,
        lanes: lanes(timeline),
    }
}

/// GOMEMLIMIT in MiB, when the run set it (and not to `off`).
fn memory_limit(timeline: &Timeline) -> Option<f64> {
    if timeline.settings.env.contains_key("GOMEMLIMIT") {
        // The last phase with the Go view (the `exit` phase has none).
        timeline
            .phases
            .iter()
            .rev()
            .find_map(|p| metric(p, "/gc/gomemlimit:bytes"))
            // `GOMEMLIMIT=off` reads as math.MaxInt64: no line.
            .filter(|b| *b < i64::MAX as f64)
            .map(|b| b / MIB)
    } else {
        None
    }
}

/// `fixture · go version · settings · args`: what a plot or trace is of.
pub fn title(timeline: &Timeline) -> String {
    let mut settings = crate::report::text::settings_pairs(timeline);
    if settings.is_empty() {
        settings.push("defaults".into());
    }
    // A watched command has no Go version of ours: its part is left out.
    [
        timeline.fixture.name.clone(),
        timeline.toolchain.version.clone(),
        settings.join(" "),
        timeline.fixture.args.join(" "),
    ]
    .into_iter()
    .filter(|part| !part.is_empty())
    .collect::<Vec<_>>()
    .join(" · ")
}

fn lanes(timeline: &Timeline) -> Vec<Lane> {
    let mut gc = Vec::new();
    let mut scav = Vec::new();
    for event in &timeline.events {
        match event {
            Event::Gc(e) => gc.push(secs(e.t_ns)),
            Event::PeriodicGc { t_ns } => gc.push(secs(*t_ns)),
            Event::Scav(e) => scav.push(secs(e.t_ns)),
        }
    }
    let calls = |which: Syscall| -> Vec<f64> {
        let ticks = timeline.syscalls.iter().filter(|c| c.syscall == which);
        ticks.map(|c| secs(c.t_ns)).collect()
    };
    let mut lanes = vec![
        Lane {
            name: "GC".into(),
            ticks: gc,
        },
        Lane {
            name: "scavenger".into(),
            ticks: scav,
        },
        Lane {
            name: "madvise".into(),
            ticks: calls(Syscall::Madvise),
        },
        Lane {
            name: "munmap".into(),
            ticks: calls(Syscall::Munmap),
        },
    ];
    lanes.retain(|l| !l.ticks.is_empty());
    lanes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::series::recorded;

    #[test]
    fn the_figure_has_every_sample_phase_and_event_of_the_run() {
        let tl = recorded();
        let fig = figure(&tl);
        assert_eq!(fig.rss.len(), tl.samples.len());
        assert_eq!(fig.vm_size.len(), tl.samples.len());
        let names: Vec<&str> = fig.phases.iter().map(|p| p.0.as_str()).collect();
        let want: Vec<&str> = tl.phases.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, want);
        let freed = tl.phase("freed").expect("a freed phase");
        let retained = fig.steps.iter().find(|s| s.role == Role::HeapRetained);
        let last = retained
            .and_then(|s| s.points.last())
            .expect("retained steps");
        let want = (freed.go.heap_sys_bytes - freed.go.heap_released_bytes) as f64 / MIB;
        assert!((last.1 - want).abs() < 1e-9);
        let goal = fig.steps.iter().find(|s| s.role == Role::HeapGoal);
        assert_eq!(goal.map(|s| s.points.len()), Some(tl.phases.len()));
        let gcs = tl
            .events
            .iter()
            .filter(|e| matches!(e, Event::Gc(_)))
            .count();
        let lane = |name: &str| {
            fig.lanes
                .iter()
                .find(|l| l.name == name)
                .map(|l| l.ticks.len())
        };
        assert_eq!(lane("GC"), Some(gcs));
        let madvise = tl.syscalls.iter().filter(|c| c.syscall == Syscall::Madvise);
        assert_eq!(lane("madvise"), Some(madvise.count()));
        assert_eq!(lane("munmap"), None, "no munmap in this run: no lane");
        let max = tl
            .samples
            .iter()
            .map(|s| s.rss_bytes)
            .max()
            .expect("samples");
        assert_eq!(fig.peak.map(|p| p.1), Some(max as f64 / MIB));
        assert!(fig.end_s >= fig.rss.last().map_or(0.0, |p| p.0));
        assert_eq!(fig.memory_limit, None);
        assert!(
            fig.title
                .starts_with("bigbytes · go1.26.8 · GODEBUG=madvdontneed=0,gctrace=1")
        );
    }

    #[test]
    fn a_watched_command_has_no_empty_go_version_in_its_title() {
        let mut tl = recorded();
        tl.toolchain.version.clear();
        tl.fixture.args.clear();
        let t = title(&tl);
        assert!(t.starts_with("bigbytes · GODEBUG="), "{t}");
        assert!(!t.contains("·  ·") && !t.ends_with(" · "), "{t}");
    }

    #[test]
    fn gomemlimit_is_drawn_only_when_the_run_set_it() {
        let mut tl = recorded();
        let limit = 250u64 << 20;
        for p in &mut tl.phases {
            p.metrics
                .insert("/gc/gomemlimit:bytes".into(), limit.into());
        }
        assert_eq!(figure(&tl).memory_limit, None);
        tl.settings.env.insert("GOMEMLIMIT".into(), "250MiB".into());
        assert_eq!(figure(&tl).memory_limit, Some(250.0));
        // An `exit` phase last, without the Go view: the limit stays.
        let mut exit = tl.phases.last().expect("phases").clone();
        exit.name = "exit".into();
        exit.metrics.clear();
        tl.phases.push(exit);
        assert_eq!(figure(&tl).memory_limit, Some(250.0));
        tl.phases.pop();
        let off = serde_json::Number::from(i64::MAX);
        for p in &mut tl.phases {
            p.metrics.insert("/gc/gomemlimit:bytes".into(), off.clone());
        }
        tl.settings.env.insert("GOMEMLIMIT".into(), "off".into());
        assert_eq!(figure(&tl).memory_limit, None);
    }
}
