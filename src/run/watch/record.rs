//! What a watch gathers while it runs, kept bounded: phases (each with the OS
//! view at its line), the slow tier at a low rate, and the runtime's GC and
//! scavenger events (at most [`MAX_EVENTS`]; the rest counted).

use std::time::Instant;

use super::WatchSpec;
use crate::measure::events;
use crate::measure::os_view;
use crate::measure::sampler::SamplerHandle;
use crate::run::exit_phase::{self, EXIT_PHASE};
use crate::timeline::Event;
use crate::timeline::{
    Exit, FixtureInfo, OsView, Phase, PhaseReads, Sample, Samples, Settings, SlowReading, Taken,
    ToolchainInfo, WatchInfo,
};

/// GC and scavenger events kept at most (about 200 bytes each in memory:
/// 4 MB). A program collecting 5 times a second for an hour makes 18,000.
pub const MAX_EVENTS: usize = 20_000;
/// Phases kept at most (each costs a slow-tier read of a few ms; a program
/// printing a matching line every few ms would outrun the reads).
pub const MAX_PHASES: usize = 10_000;
/// Slow-tier readings kept at most: a day at one a second (72 bytes each).
pub const MAX_SLOW: usize = 86_400;

/// The watch's growing record.
#[derive(Debug, Default)]
pub struct WatchRecord {
    pub phases: Vec<Phase>,
    pub events: Vec<Event>,
    pub unparsed_trace_lines: u64,
    pub stderr_trace_lines: u64,
    pub info: WatchInfo,
    /// The snapshot at exit, until [`WatchRecord::settle`] makes it the last phase.
    pub exit: Option<(u64, OsView)>,
}

impl WatchRecord {
    /// Reads the slow tier of `pid`, timing it.
    fn read_os(&mut self, pid: i32) -> Option<OsView> {
        let started = Instant::now();
        // Watch reports show LazyFree: read smaps_rollup too.
        let os = os_view::read(pid, true, &mut PhaseReads::default()).ok();
        self.info.slow_read_ns += started.elapsed().as_nanos() as u64;
        self.info.slow_reads += 1;
        os
    }

    /// A phase starts at `t_ns`: the OS view of `pid` now, and as its peak
    /// the fast tier's windows since the previous phase (the sampler owns
    /// the VmHWM reset; without a sampler the peak is VmHWM since exec).
    pub fn phase(
        &mut self,
        pid: Option<i32>,
        window: Option<&SamplerHandle>,
        t_ns: u64,
        name: String,
    ) {
        if self.phases.len() >= MAX_PHASES {
            self.info.phases_not_kept += 1;
            return;
        }
        let Some(mut os) = pid.and_then(|pid| self.read_os(pid)) else {
            self.info.phases_missed += 1;
            return;
        };
        if let Some(window) = window {
            os.hwm_bytes = window.take_phase_window().peak_bytes.max(os.rss_bytes);
        }
        self.push(t_ns, name, os, Taken::Clock);
    }

    /// A phase read while its line's writer was stopped at the write.
    pub fn stopped(&mut self, t_ns: u64, name: String, os: OsView) {
        if self.phases.len() >= MAX_PHASES {
            self.info.phases_not_kept += 1;
            return;
        }
        self.info.slow_reads += 1;
        self.push(t_ns, name, os, Taken::Write);
    }

    /// A phase whose line was not stopped at its write (the fallback): the
    /// slow tier of `pid` read now, late; RSS, VmSize and the peak are set
    /// from the fast tier at the line by [`WatchRecord::settle`]. Kept even when
    /// the process is gone (then nothing is read late).
    pub fn line(&mut self, pid: Option<i32>, t_ns: u64, now_ns: u64, name: String) {
        if self.phases.len() >= MAX_PHASES {
            self.info.phases_not_kept += 1;
            return;
        }
        // Its peak comes from the fast tier's windows (`settle`): the
        // sampler owns the VmHWM reset.
        let read = pid.and_then(|pid| self.read_os(pid));
        let late_ns = if read.is_some() {
            now_ns.saturating_sub(t_ns)
        } else {
            0
        };
        let taken = Taken::Line {
            sample_t_ns: 0,
            late_ns,
        };
        self.push(t_ns, name, read.unwrap_or_default(), taken);
    }

    /// The snapshot at exit (the last exit_group of the program wins).
    pub fn exit(&mut self, t_ns: u64, os: OsView) {
        self.info.slow_reads += 1;
        self.exit = Some((t_ns, os));
    }

    fn push(&mut self, t_ns: u64, name: String, os: OsView, taken: Taken) {
        self.phases.push(Phase {
            name,
            seq: 0,
            t_ns,
            os,
            go: Default::default(),
            metrics: Default::default(),
            maps: None,
            heap_profile: None,
            taken,
        });
    }

    /// Once the fast tier is complete: phases in time order, numbered, the
    /// fallback rows given the sample at their line, every peak at least
    /// the highest sample since the previous phase, and the exit phase last.
    pub fn settle(&mut self, samples: &Samples) {
        self.phases.sort_by_key(|p| p.t_ns);
        let all: Vec<Sample> = samples.iter().collect();
        let mut from = 0u64;
        for p in &mut self.phases {
            let upto = all.partition_point(|s| s.t_ns <= p.t_ns);
            if let Taken::Line { sample_t_ns, .. } = &mut p.taken {
                if let Some(s) = upto.checked_sub(1).map(|i| all[i]) {
                    *sample_t_ns = s.t_ns;
                    p.os.rss_bytes = s.rss_bytes;
                    p.os.vm_size_bytes = s.vm_size_bytes;
                }
            }
            let window = all[..upto].iter().filter(|s| s.t_ns > from);
            let highest = window
                .map(|s| s.peak_bytes.max(s.rss_bytes))
                .max()
                .unwrap_or(0);
            p.os.hwm_bytes = p.os.hwm_bytes.max(highest).max(p.os.rss_bytes);
            from = p.t_ns;
        }
        if let Some((t_ns, os)) = self.exit.take() {
            self.push(t_ns, EXIT_PHASE.into(), os, Taken::Exit);
        }
        for (i, p) in self.phases.iter_mut().enumerate() {
            p.seq = i as u64;
        }
    }

    /// One reading on the low-rate schedule.
    pub fn slow(&mut self, pid: i32, t_ns: u64) {
        if let Some(os) = self.read_os(pid) {
            if self.info.slow.len() < MAX_SLOW {
                self.info.slow.push(SlowReading { t_ns, os });
            }
        }
    }

    /// A runtime trace line from stderr.
    pub fn trace(&mut self, t_ns: u64, text: &str) {
        self.stderr_trace_lines += 1;
        let parsed = events::parse_lines([(t_ns, text)]);
        self.unparsed_trace_lines += parsed.unparsed;
        for event in parsed.events {
            if self.events.len() < MAX_EVENTS {
                self.events.push(event);
            } else {
                self.info.events_not_kept += 1;
            }
        }
    }
}

/// Why the record has no exit phase (none when it has one).
pub(super) fn no_exit_phase(rec: &WatchRecord, exit: &Exit) -> Option<String> {
    match (rec.phases.last(), exit) {
        (Some(p), _) if p.taken == Taken::Exit => None,
        (_, Exit::Signal(signal)) => Some(exit_phase::killed(*signal)),
        _ => Some(match &rec.info.stops_refused {
            Some(why) => format!("no snapshot at exit: {why}"),
            None => "the program never called exit_group".into(),
        }),
    }
}

/// What was watched: the toolchain (if any), the program and the settings,
/// as recorded.
pub(super) fn what_watched(
    spec: &WatchSpec,
    rec: &WatchRecord,
) -> (ToolchainInfo, FixtureInfo, Settings) {
    let program = std::path::Path::new(&spec.command[0])
        .file_name()
        .map_or(spec.command[0].clone(), |n| {
            n.to_string_lossy().into_owned()
        });
    let toolchain = spec.toolchain.clone().unwrap_or(ToolchainInfo {
        go: String::new(),
        version: String::new(),
        go_line: String::new(),
        goexperiment: None,
    });
    let fixture = FixtureInfo {
        name: program,
        args: spec.command[1..].to_vec(),
        binary: rec.info.target_exe.clone().unwrap_or_default(),
        build_key: String::new(),
        build_tags: vec![],
    };
    let settings = Settings {
        env: spec.env.clone(),
        timeout_ms: spec.duration.map_or(0, |d| d.as_millis() as u64),
        sample_interval_us: spec.interval.as_micros() as u64,
        heap_profile: vec![],
    };
    (toolchain, fixture, settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_parsed_and_bounded() {
        let mut r = WatchRecord::default();
        // A go1.26.8 gctrace line.
        let line = "gc 3 @0.051s 4%: 0.011+1.2+0.004 ms clock, 0.022+0.3/0.9/0+0.009 ms cpu, 4->4->1 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P";
        for _ in 0..MAX_EVENTS + 5 {
            r.trace(1, line);
        }
        r.trace(2, "gc 4 @nonsense");
        assert_eq!(r.events.len(), MAX_EVENTS);
        assert_eq!(r.info.events_not_kept, 5);
        assert_eq!(r.unparsed_trace_lines, 1);
        assert!(matches!(&r.events[0], Event::Gc(e) if e.cycle == 3));
    }

    #[test]
    fn a_phase_of_a_live_process_has_its_os_view_and_a_gone_one_is_counted() {
        let mut r = WatchRecord::default();
        r.phase(Some(std::process::id() as i32), None, 5, "one".into());
        r.phase(None, None, 6, "two".into());
        assert_eq!(r.phases.len(), 1);
        assert!(r.phases[0].os.rss_bytes > 0);
        assert_eq!(r.info.phases_missed, 1);
        assert_eq!(r.info.slow_reads, 1);
    }
}
