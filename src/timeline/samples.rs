//! The fast-tier series, kept compact: every sample is four varint-encoded
//! differences from the previous one (time in µs; RSS, VmSize and the window
//! peak in KiB), so a steady process costs about 5 bytes a sample in memory
//! (an hour at 1 kHz is about 18 MB instead of 115 MB of `Sample` structs).
//!
//! In JSON the series is four columns of the same differences, each a string
//! of space-separated integers (the first value absolute): compact even when
//! the timeline is pretty-printed, and a cumulative sum gives the series back.
//! `peak_kib` is the highest RSS since the previous sample (the kernel's
//! VmHWM, reset by the sampler after each read); timelines written before it
//! existed load with the sampled RSS as each window's peak.

use std::fmt;

use integer_encoding::VarInt;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

/// One fast-tier reading: RSS and VmSize at `t_ns`, and the highest RSS
/// since the previous sample (the window peak, never below `rss_bytes`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    pub t_ns: u64,
    pub rss_bytes: u64,
    pub vm_size_bytes: u64,
    /// Absent in timelines older than the window: read as `rss_bytes`.
    #[serde(default)]
    pub peak_bytes: u64,
}

/// Stored columns: time, RSS, VmSize, window peak.
const COLUMNS: usize = 4;

/// The fast-tier samples of a run, in time order. Times are stored to the
/// microsecond and sizes to the KiB (statm counts whole pages, so sizes are exact).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Wire")]
pub struct Samples {
    /// Per sample: zigzag varints of Δt_us, Δrss_kib, Δvm_size_kib, Δpeak_kib.
    bytes: Vec<u8>,
    len: usize,
    /// The last sample pushed, in stored units (µs, KiB, KiB, KiB).
    last: [u64; COLUMNS],
}

impl Samples {
    /// An empty series with room for `bytes` of encoded samples.
    pub fn with_capacity(bytes: usize) -> Samples {
        Samples {
            bytes: Vec::with_capacity(bytes),
            ..Samples::default()
        }
    }

    /// Appends a sample (times should not go backwards; sizes may). A peak
    /// below the sample's RSS (e.g. unknown: 0) is stored as the RSS.
    pub fn push(&mut self, s: Sample) {
        self.push_units([
            s.t_ns / 1000,
            s.rss_bytes / 1024,
            s.vm_size_bytes / 1024,
            s.peak_bytes.max(s.rss_bytes) / 1024,
        ]);
    }

    fn push_units(&mut self, now: [u64; COLUMNS]) {
        let mut buf = [0u8; 10];
        for (last, value) in self.last.iter_mut().zip(now) {
            let delta = value.wrapping_sub(*last) as i64;
            let n = delta.encode_var(&mut buf);
            self.bytes.extend_from_slice(&buf[..n]);
            *last = value;
        }
        self.len += 1;
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes the encoded series takes in memory.
    pub fn encoded_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// Every sample, decoded, in time order.
    pub fn iter(&self) -> impl Iterator<Item = Sample> + '_ {
        let mut acc = [0u64; COLUMNS];
        self.deltas().map(move |d| {
            for (a, d) in acc.iter_mut().zip(d) {
                *a = a.wrapping_add(d as u64);
            }
            from_units(acc)
        })
    }

    pub fn first(&self) -> Option<Sample> {
        self.iter().next()
    }

    /// The last sample (kept, not decoded).
    pub fn last(&self) -> Option<Sample> {
        (self.len > 0).then(|| from_units(self.last))
    }

    /// The highest window peak of the samples taken in `(after_ns, upto_ns]`
    /// (None if there is none).
    pub fn peak_between(&self, after_ns: u64, upto_ns: u64) -> Option<u64> {
        self.iter()
            .skip_while(|s| s.t_ns <= after_ns)
            .take_while(|s| s.t_ns <= upto_ns)
            .map(|s| s.peak_bytes)
            .max()
    }

    /// The stored differences, four per sample.
    fn deltas(&self) -> impl Iterator<Item = [i64; COLUMNS]> + '_ {
        let mut rest = self.bytes.as_slice();
        std::iter::from_fn(move || {
            let mut out = [0i64; COLUMNS];
            for v in &mut out {
                let (d, n) = i64::decode_var(rest)?;
                *v = d;
                rest = &rest[n..];
            }
            Some(out)
        })
    }
}

/// A sample from stored units (µs, KiB, KiB, KiB).
fn from_units(u: [u64; COLUMNS]) -> Sample {
    Sample {
        t_ns: u[0] * 1000,
        rss_bytes: u[1] * 1024,
        vm_size_bytes: u[2] * 1024,
        peak_bytes: u[3] * 1024,
    }
}

impl FromIterator<Sample> for Samples {
    fn from_iter<I: IntoIterator<Item = Sample>>(iter: I) -> Samples {
        let mut samples = Samples::default();
        iter.into_iter().for_each(|s| samples.push(s));
        samples
    }
}

/// What `samples` may be in a timeline file: the compact columns, or the
/// array of `{t_ns, rss_bytes, vm_size_bytes}` that timelines kept before
/// the columns (so older results folders still load).
#[derive(Deserialize)]
#[serde(untagged)]
enum Wire {
    Columns(Columns),
    Rows(Vec<Sample>),
}

impl TryFrom<Wire> for Samples {
    type Error = String;

    fn try_from(w: Wire) -> Result<Samples, String> {
        match w {
            Wire::Columns(c) => Samples::try_from(c),
            Wire::Rows(rows) => Ok(rows.into_iter().collect()),
        }
    }
}

/// The JSON form: a count and one string of differences per column
/// (`peak_kib` absent before the window existed).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Columns {
    count: usize,
    t_us: String,
    rss_kib: String,
    vm_size_kib: String,
    #[serde(default)]
    peak_kib: Option<String>,
}

/// Writes one column's differences while serializing, without building the string.
struct Column<'a>(&'a Samples, usize);

impl fmt::Display for Column<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.deltas().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}", d[self.1])?;
        }
        Ok(())
    }
}

struct ColumnField<'a>(&'a Samples, usize);

impl Serialize for ColumnField<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&Column(self.0, self.1))
    }
}

impl Serialize for Samples {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Samples", 5)?;
        s.serialize_field("count", &self.len)?;
        s.serialize_field("t_us", &ColumnField(self, 0))?;
        s.serialize_field("rss_kib", &ColumnField(self, 1))?;
        s.serialize_field("vm_size_kib", &ColumnField(self, 2))?;
        s.serialize_field("peak_kib", &ColumnField(self, 3))?;
        s.end()
    }
}

impl TryFrom<Columns> for Samples {
    type Error = String;

    fn try_from(c: Columns) -> Result<Samples, String> {
        const NAMES: [&str; COLUMNS] = ["t_us", "rss_kib", "vm_size_kib", "peak_kib"];
        let has_peak = c.peak_kib.is_some();
        let peak = c.peak_kib.as_deref().unwrap_or("");
        let mut columns =
            [c.t_us.as_str(), &c.rss_kib, &c.vm_size_kib, peak].map(|t| t.split_ascii_whitespace());
        let wanted = if has_peak { COLUMNS } else { COLUMNS - 1 };
        let mut samples = Samples::default();
        let mut acc = [0u64; COLUMNS];
        loop {
            let mut ended = 0;
            for (k, a) in acc.iter_mut().enumerate().take(wanted) {
                match columns[k].next() {
                    Some(v) => {
                        let d: i64 = v
                            .parse()
                            .map_err(|e| format!("samples.{}: {e}", NAMES[k]))?;
                        *a = a.wrapping_add(d as u64);
                    }
                    None => ended += 1,
                }
            }
            if !has_peak {
                // Before the window: the sampled RSS is the best peak known.
                acc[3] = acc[1];
            }
            match ended {
                0 => samples.push_units(acc),
                n if n == wanted && samples.len == c.count => return Ok(samples),
                _ => {
                    return Err(format!(
                        "samples columns {} do not all hold count = {} values",
                        NAMES[..wanted].join(", "),
                        c.count
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series() -> Vec<Sample> {
        // Shaped like a spike: up 150 MiB, back down, VmSize jumping both ways.
        let mut out = Vec::new();
        for i in 0..2000u64 {
            let spike = if (500..520).contains(&i) {
                150 << 20
            } else {
                0
            };
            let rss_bytes = (3 << 20) + spike + (i % 3) * 4096;
            out.push(Sample {
                t_ns: i * 1_000_000 + (i % 7) * 1000,
                rss_bytes,
                vm_size_bytes: (1200 << 20) + if i % 100 < 50 { 64 << 20 } else { 0 },
                // A window seeing a spike the poll missed, now and then.
                peak_bytes: rss_bytes + if i % 400 == 7 { 80 << 20 } else { 0 },
            });
        }
        out
    }

    #[test]
    fn decodes_what_was_pushed() {
        let want = series();
        let samples: Samples = want.iter().copied().collect();
        assert_eq!(samples.len(), want.len());
        assert_eq!(samples.iter().collect::<Vec<_>>(), want);
        assert_eq!(samples.first(), want.first().copied());
        assert_eq!(samples.last(), want.last().copied());
        // A steady 1 kHz series is a few bytes a sample, far under the 24 of `Sample`.
        assert!(
            samples.encoded_bytes() < 6 * want.len(),
            "{} bytes",
            samples.encoded_bytes()
        );
    }

    #[test]
    fn round_trips_through_json() {
        let samples: Samples = series().into_iter().collect();
        let json = serde_json::to_string_pretty(&samples).unwrap();
        assert!(json.lines().count() < 10, "one line per column");
        assert!(json.contains("\"rss_kib\": \"3072 "));
        assert_eq!(serde_json::from_str::<Samples>(&json).unwrap(), samples);
        let empty = serde_json::to_string(&Samples::default()).unwrap();
        assert_eq!(
            empty,
            r#"{"count":0,"t_us":"","rss_kib":"","vm_size_kib":"","peak_kib":""}"#
        );
        assert!(serde_json::from_str::<Samples>(&empty).unwrap().is_empty());
    }

    #[test]
    fn a_timeline_from_before_the_window_loads_with_rss_as_peak() {
        let old = r#"{"count":2,"t_us":"0 1000","rss_kib":"4 8","vm_size_kib":"8 0"}"#;
        let samples: Samples = serde_json::from_str(old).unwrap();
        let peaks: Vec<u64> = samples.iter().map(|s| s.peak_bytes).collect();
        assert_eq!(peaks, [4 << 10, 12 << 10]);
        let rows = r#"[{"t_ns":0,"rss_bytes":4096,"vm_size_bytes":8192}]"#;
        let samples: Samples = serde_json::from_str(rows).unwrap();
        assert_eq!(samples.last().unwrap().peak_bytes, 4096);
    }

    #[test]
    fn the_peak_between_two_times_is_the_highest_window_in_them() {
        let samples: Samples = series().into_iter().collect();
        // Sample 407 (t = 407 ms + 1 µs) holds a window 80 MiB over its RSS.
        let at = 407_000_000 + 1000;
        let over = samples.peak_between(at - 1, at).unwrap();
        assert_eq!(over, (3 << 20) + (407 % 3) * 4096 + (80 << 20));
        assert_eq!(
            samples.peak_between(at, at + 50_000_000),
            Some((3 << 20) + 2 * 4096)
        );
        assert_eq!(samples.peak_between(u64::MAX - 1, u64::MAX), None);
    }

    #[test]
    fn a_column_of_the_wrong_length_is_an_error() {
        let bad = r#"{"count":2,"t_us":"0 1000","rss_kib":"4","vm_size_kib":"8 0"}"#;
        let err = serde_json::from_str::<Samples>(bad)
            .unwrap_err()
            .to_string();
        assert!(err.contains("do not all hold count = 2 values"), "{err}");
    }
}
