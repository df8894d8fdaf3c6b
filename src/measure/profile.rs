//! Reads the heap profiles fixtures write (gzipped `profile.proto`, what
//! `pprof.Lookup("heap").WriteTo(w, 0)` produces and `go tool pprof` opens)
//! and sums each sample type over all samples: inuse_space, inuse_objects,
//! alloc_space, alloc_objects.
//!
//! Go writes the values already scaled up from the sampled allocations
//! (`scaleHeapSample` in runtime/pprof/protomem.go divides each sample by its
//! probability of being sampled at `MemProfileRate`), so the sums are
//! estimates of real bytes and objects, not exact counts. They describe the
//! heap as of the last completed GC cycle before the profile was written.
//!
//! Only the few `Profile` fields needed are declared; prost skips the rest.

use std::io::Read;
use std::path::Path;

use flate2::read::GzDecoder;
use prost::Message;

use crate::timeline::HeapProfile;

/// The four sample types of a Go heap profile, as sums over all samples.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeapTotals {
    pub inuse_space_bytes: u64,
    pub inuse_objects: u64,
    pub alloc_space_bytes: u64,
    pub alloc_objects: u64,
    /// The sampling period: `runtime.MemProfileRate` when the profile was written.
    pub sample_rate_bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("failed to read heap profile {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("heap profile {path} is not a pprof profile: {detail}")]
    Parse { path: String, detail: String },
}

/// What is wrong with the bytes of a profile (the caller adds the path).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileParseError {
    #[error("gzip: {0}")]
    Gzip(String),
    #[error("protobuf: {0}")]
    Decode(String),
    #[error("string index {0} is outside the string table")]
    BadString(i64),
    #[error("no `{missing}` sample type (it has: {have}); is it a heap profile?")]
    MissingType { missing: &'static str, have: String },
    #[error("a sample has {got} values for {want} sample types")]
    ValueCount { got: usize, want: usize },
    #[error("the `{0}` values are negative or overflow")]
    BadSum(&'static str),
}

/// The sample types a heap profile must have, in [`HeapTotals`] order.
const TYPES: [&str; 4] = [
    "inuse_space",
    "inuse_objects",
    "alloc_space",
    "alloc_objects",
];

/// `perftools.profiles.Profile`, only the fields read here.
#[derive(Clone, PartialEq, Message)]
struct Profile {
    #[prost(message, repeated, tag = "1")]
    sample_type: Vec<ValueType>,
    #[prost(message, repeated, tag = "2")]
    sample: Vec<Sample>,
    #[prost(string, repeated, tag = "6")]
    string_table: Vec<String>,
    #[prost(int64, tag = "12")]
    period: i64,
}

#[derive(Clone, PartialEq, Message)]
struct ValueType {
    /// Index into the string table.
    #[prost(int64, tag = "1")]
    r#type: i64,
    #[prost(int64, tag = "2")]
    unit: i64,
}

#[derive(Clone, PartialEq, Message)]
struct Sample {
    #[prost(uint64, repeated, tag = "1")]
    location_id: Vec<u64>,
    #[prost(int64, repeated, tag = "2")]
    value: Vec<i64>,
}

/// Reads the profile at `path` into the record a phase keeps.
pub fn read(path: &Path) -> Result<HeapProfile, ProfileError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| ProfileError::Read {
        path: shown.clone(),
        error,
    })?;
    let totals = parse(&bytes).map_err(|e| ProfileError::Parse {
        path: shown.clone(),
        detail: e.to_string(),
    })?;
    Ok(HeapProfile {
        path: shown,
        sample_rate_bytes: totals.sample_rate_bytes,
        inuse_space_bytes: totals.inuse_space_bytes,
        inuse_objects: totals.inuse_objects,
        alloc_space_bytes: totals.alloc_space_bytes,
        alloc_objects: totals.alloc_objects,
    })
}

/// Sums a heap profile given as gzipped (what Go writes) or plain protobuf.
pub fn parse(bytes: &[u8]) -> Result<HeapTotals, ProfileParseError> {
    let raw;
    let proto = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| ProfileParseError::Gzip(e.to_string()))?;
        raw = out;
        raw.as_slice()
    } else {
        bytes
    };
    let profile = Profile::decode(proto).map_err(|e| ProfileParseError::Decode(e.to_string()))?;
    let string = |i: i64| {
        usize::try_from(i)
            .ok()
            .and_then(|i| profile.string_table.get(i))
            .map(String::as_str)
            .ok_or(ProfileParseError::BadString(i))
    };
    let names = profile
        .sample_type
        .iter()
        .map(|t| string(t.r#type))
        .collect::<Result<Vec<&str>, _>>()?;
    let mut sums = [0u64; 4];
    for (sum, wanted) in sums.iter_mut().zip(TYPES) {
        let Some(index) = names.iter().position(|n| *n == wanted) else {
            return Err(ProfileParseError::MissingType {
                missing: wanted,
                have: names.join(", "),
            });
        };
        let mut total: i64 = 0;
        for s in &profile.sample {
            if s.value.len() != names.len() {
                return Err(ProfileParseError::ValueCount {
                    got: s.value.len(),
                    want: names.len(),
                });
            }
            total = total
                .checked_add(s.value[index])
                .ok_or(ProfileParseError::BadSum(wanted))?;
        }
        *sum = u64::try_from(total).map_err(|_| ProfileParseError::BadSum(wanted))?;
    }
    let [
        inuse_space_bytes,
        inuse_objects,
        alloc_space_bytes,
        alloc_objects,
    ] = sums;
    Ok(HeapTotals {
        inuse_space_bytes,
        inuse_objects,
        alloc_space_bytes,
        alloc_objects,
        sample_rate_bytes: u64::try_from(profile.period).unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    /// A profile shaped like Go's: four sample types in Go's order, two
    /// samples, the period, and a string table starting with "".
    fn go_like(values: &[[i64; 4]]) -> Profile {
        let strings = [
            "",
            "alloc_objects",
            "count",
            "alloc_space",
            "bytes",
            "inuse_objects",
            "inuse_space",
        ];
        let vt = |t, u| ValueType { r#type: t, unit: u };
        Profile {
            sample_type: vec![vt(1, 2), vt(3, 4), vt(5, 2), vt(6, 4)],
            sample: values
                .iter()
                .enumerate()
                .map(|(i, v)| Sample {
                    location_id: vec![i as u64 + 1, 9],
                    value: v.to_vec(),
                })
                .collect(),
            string_table: strings.iter().map(|s| s.to_string()).collect(),
            period: 524_288,
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn sums_each_sample_type_by_name() {
        // Values in Go's order: alloc_objects, alloc_space, inuse_objects, inuse_space.
        let profile = go_like(&[[10, 1_000_000_000, 0, 0], [3, 4096, 1, 2048]]);
        let totals = parse(&gzip(&profile.encode_to_vec())).unwrap();
        assert_eq!(
            totals,
            HeapTotals {
                inuse_space_bytes: 2048,
                inuse_objects: 1,
                alloc_space_bytes: 1_000_004_096,
                alloc_objects: 13,
                sample_rate_bytes: 524_288,
            }
        );
        // Plain protobuf (what `go tool pprof -proto` writes) reads the same.
        assert_eq!(parse(&profile.encode_to_vec()).unwrap(), totals);
    }

    #[test]
    fn sums_a_profile_go_wrote() {
        // bigbytes (10 x 100 MB, only the newest kept) at phase `collected`,
        // go1.26.8. `go tool pprof -raw` shows two samples: the ten slices
        // (10 objects, 1000079360 bytes) and one sampled 24-byte slice header
        // scaled up to 21845 objects.
        let bytes = include_bytes!("../../tests/data/bigbytes-collected-go1.26.8.pb.gz");
        assert_eq!(
            parse(bytes).unwrap(),
            HeapTotals {
                inuse_space_bytes: 0,
                inuse_objects: 0,
                alloc_space_bytes: 1_000_079_360 + 524_300,
                alloc_objects: 10 + 21_845,
                sample_rate_bytes: 524_288,
            }
        );
    }

    #[test]
    fn an_empty_heap_profile_sums_to_zero() {
        let totals = parse(&gzip(&go_like(&[]).encode_to_vec())).unwrap();
        assert_eq!(totals.alloc_space_bytes, 0);
        assert_eq!(totals.inuse_objects, 0);
    }

    #[test]
    fn broken_or_foreign_profiles_are_errors_not_panics() {
        assert!(matches!(
            parse(&[0x1f, 0x8b, 1, 2, 3]),
            Err(ProfileParseError::Gzip(_))
        ));
        assert!(matches!(
            parse(&[0xff, 0xff, 0xff]),
            Err(ProfileParseError::Decode(_))
        ));

        let mut cpu = go_like(&[[1, 2, 3, 4]]);
        cpu.string_table[6] = "cpu".into();
        let err = parse(&cpu.encode_to_vec()).unwrap_err();
        assert!(
            err.to_string().contains("no `inuse_space` sample type")
                && err.to_string().contains("cpu"),
            "{err}"
        );

        let mut short = go_like(&[[1, 2, 3, 4]]);
        short.sample[0].value.pop();
        assert_eq!(
            parse(&short.encode_to_vec()).unwrap_err(),
            ProfileParseError::ValueCount { got: 3, want: 4 }
        );

        let mut bad_index = go_like(&[]);
        bad_index.sample_type[0].r#type = 99;
        assert_eq!(
            parse(&bad_index.encode_to_vec()).unwrap_err(),
            ProfileParseError::BadString(99)
        );

        let negative = go_like(&[[1, -5, 0, 0]]);
        assert_eq!(
            parse(&negative.encode_to_vec()).unwrap_err(),
            ProfileParseError::BadSum("alloc_space")
        );
    }

    #[test]
    fn a_missing_file_names_its_path() {
        let err = read(Path::new("/no/such/001-start.pb.gz")).unwrap_err();
        assert!(
            err.to_string().contains("/no/such/001-start.pb.gz"),
            "{err}"
        );
    }
}
