//! The bundle folders of other versions leave a `--cache` folder once a new
//! bundle is unpacked and they have gone unused for a week; the one in use
//! is touched each time, so it stays.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const DAY: Duration = Duration::from_secs(24 * 3600);

fn fixtures(cache: &Path) {
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .args(["fixtures", "--cache"])
        .arg(cache)
        .env_remove("GOMEMLAB_FIXTURES")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

/// A bundle-like folder last used `age` ago.
fn aged(dir: &Path, age: Duration) {
    std::fs::create_dir_all(dir.join("go-fixtures/idle")).unwrap();
    std::fs::write(dir.join("go-fixtures/idle/main.go"), "package main\n").unwrap();
    set_mtime(dir, SystemTime::now() - age);
}

fn set_mtime(dir: &Path, t: SystemTime) {
    std::fs::File::open(dir).unwrap().set_modified(t).unwrap();
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_new_bundle_sweeps_old_unused_ones_and_keeps_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let bundles = cache.join("bundle");
    aged(&bundles.join("0.0.1-0000000000000000"), 8 * DAY);
    aged(&bundles.join(".unpack-killed"), 30 * DAY);
    aged(&bundles.join("0.0.2-1111111111111111"), DAY);

    fixtures(&cache);
    let left = names(&bundles);
    assert_eq!(left.len(), 2, "{left:?}");
    assert_eq!(left[0], "0.0.2-1111111111111111", "{left:?}");
    let current: PathBuf = bundles.join(&left[1]);
    assert!(
        current.join("go-fixtures/idle/main.go").is_file(),
        "{left:?}"
    );

    // Used again a week later: touched, not swept, not unpacked again;
    // without a new unpack nothing else is swept.
    set_mtime(&current, SystemTime::now() - 8 * DAY);
    aged(&bundles.join("0.0.3-2222222222222222"), 8 * DAY);
    fixtures(&cache);
    let age = SystemTime::now()
        .duration_since(std::fs::metadata(&current).unwrap().modified().unwrap())
        .unwrap();
    assert!(age < DAY, "not touched: {age:?}");
    assert_eq!(names(&bundles).len(), 3, "{:?}", names(&bundles));

    // Its own folder gone (another version swept it): unpacked again, and
    // the new unpack sweeps the old one.
    std::fs::remove_dir_all(&current).unwrap();
    fixtures(&cache);
    assert_eq!(names(&bundles), left);
}
