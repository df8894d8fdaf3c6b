//! How long each experiment took last time, per Go version: the hint that
//! lets the scheduler start the longest units first (so no long unit starts
//! last and runs alone). Kept in the cache as `durations.json`, a map from
//! `<go version>/<experiment>` to seconds. Only a hint: a missing, unreadable
//! or foreign file reads as empty (the units then go in name order), and a
//! file that cannot be written is left as it was.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Files larger than this are not read (the file is ours and small: about
/// 50 bytes an entry).
const MAX_BYTES: u64 = 1 << 20;

/// The durations seen, and where they are kept.
#[derive(Debug, Default)]
pub struct Durations {
    path: Option<PathBuf>,
    seconds: BTreeMap<String, f64>,
}

impl Durations {
    /// The durations kept at `path` (empty when there are none or the file
    /// is not one of ours).
    pub fn load(path: &Path) -> Durations {
        let seconds = std::fs::File::open(path)
            .ok()
            .filter(|f| {
                f.metadata()
                    .is_ok_and(|m| m.is_file() && m.len() <= MAX_BYTES)
            })
            .and_then(|f| serde_json::from_reader::<_, BTreeMap<String, f64>>(f).ok())
            .unwrap_or_default()
            .into_iter()
            .filter(|(_, s)| s.is_finite() && *s >= 0.0)
            .collect();
        Durations {
            path: Some(path.to_path_buf()),
            seconds,
        }
    }

    /// Where `reproduce` keeps them: `durations.json` in the cache root.
    pub fn default_path() -> PathBuf {
        crate::toolchain::cache_root::cache_root().join("durations.json")
    }

    /// How long `experiment` took on `go` last time.
    pub fn expected(&self, go: &str, experiment: &str) -> Option<Duration> {
        self.seconds
            .get(&key(go, experiment))
            .map(|s| Duration::from_secs_f64(*s))
    }

    /// Notes how long `experiment` took on `go` this time.
    pub fn record(&mut self, go: &str, experiment: &str, took: Duration) {
        self.seconds.insert(key(go, experiment), took.as_secs_f64());
    }

    /// Writes them back whole (through a temporary file beside it) or not at
    /// all; nothing to do when they were not loaded from a file.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut file = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer_pretty(&mut file, &self.seconds)?;
        file.write_all(b"\n")?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    }
}

fn key(go: &str, experiment: &str) -> String {
    format!("{go}/{experiment}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip_and_a_foreign_file_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache").join("durations.json");
        let mut d = Durations::load(&path);
        assert_eq!(d.expected("go1.26.8", "gogc"), None);
        d.record("go1.26.8", "gogc", Duration::from_millis(12_800));
        d.save().unwrap();
        let again = Durations::load(&path);
        assert_eq!(
            again.expected("go1.26.8", "gogc"),
            Some(Duration::from_millis(12_800))
        );
        assert_eq!(again.expected("go1.21.13", "gogc"), None);
        for foreign in ["not json", "[1, 2]", r#"{"go1.26.8/gogc": -3}"#] {
            std::fs::write(&path, foreign).unwrap();
            assert_eq!(Durations::load(&path).expected("go1.26.8", "gogc"), None);
        }
        // A folder where the file should be: nothing read, nothing written.
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        let d = Durations::load(&path);
        assert_eq!(d.expected("go1.26.8", "gogc"), None);
        assert!(d.save().is_err());
        assert!(path.is_dir());
    }
}
