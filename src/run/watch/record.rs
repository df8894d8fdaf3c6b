//! What a watch gathers while it runs, kept bounded: phases (each with the OS
//! view at its line), the slow tier at a low rate, and the runtime's GC and
//! scavenger events (at most [`MAX_EVENTS`]; the rest counted).

use std::time::Instant;

use crate::measure::events;
use crate::measure::os_view;
use crate::timeline::Event;
use crate::timeline::{OsView, Phase, SlowReading, WatchInfo};

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
}

impl WatchRecord {
    /// Reads the slow tier of `pid`, timing it.
    fn read_os(&mut self, pid: i32) -> Option<OsView> {
        let started = Instant::now();
        let os = os_view::read(pid).ok();
        self.info.slow_read_ns += started.elapsed().as_nanos() as u64;
        self.info.slow_reads += 1;
        os
    }

    /// A phase starts at `t_ns`: the OS view of `pid` now, then the peak
    /// (VmHWM) reset so the next phase's peak covers only its own span.
    pub fn phase(&mut self, pid: Option<i32>, t_ns: u64, name: String) {
        if self.phases.len() >= MAX_PHASES {
            self.info.phases_not_kept += 1;
            return;
        }
        let Some(os) = pid.and_then(|pid| self.read_os(pid)) else {
            self.info.phases_missed += 1;
            return;
        };
        if let Some(pid) = pid {
            let _ = os_view::reset_peak(pid);
        }
        self.phases.push(Phase {
            name,
            seq: self.phases.len() as u64,
            t_ns,
            os,
            go: Default::default(),
            metrics: Default::default(),
            maps: None,
            heap_profile: None,
        });
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
        r.phase(Some(std::process::id() as i32), 5, "one".into());
        r.phase(None, 6, "two".into());
        assert_eq!(r.phases.len(), 1);
        assert!(r.phases[0].os.rss_bytes > 0);
        assert_eq!(r.info.phases_missed, 1);
        assert_eq!(r.info.slow_reads, 1);
    }
}
