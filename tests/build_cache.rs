//! The fixture build cache: one `go build` per (sources, toolchain, settings),
//! a rebuild when a source changes, and no race between parallel builders.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use common::toolchain;
use gomemlab::fixture::{BuildError, Fixtures};

/// A private copy of the bundled fixtures with its own cache.
fn private_fixtures() -> (tempfile::TempDir, Fixtures) {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("src");
    common::copy_dir(
        &Fixtures::bundled().expect("bundled fixtures").source_dir,
        &source,
    );
    let fixtures = Fixtures {
        source_dir: source,
        cache_dir: dir.path().join("cache"),
        // Go's compile cache is shared: only the fixture binary cache is under test.
        go_cache_dir: Fixtures::bundled().expect("bundled fixtures").go_cache_dir,
        build_timeout: gomemlab::fixture::BUILD_TIMEOUT,
    };
    (dir, fixtures)
}

#[test]
fn second_build_is_a_cache_hit_and_a_source_change_rebuilds() {
    let (_dir, fixtures) = private_fixtures();
    let first = fixtures.build("idle", toolchain()).unwrap();
    assert!(first.fresh && first.binary.is_file());
    let modified = std::fs::metadata(&first.binary)
        .unwrap()
        .modified()
        .unwrap();

    let second = fixtures.build("idle", toolchain()).unwrap();
    assert!(
        !second.fresh,
        "a second build with nothing changed ran go build"
    );
    assert_eq!(second.binary, first.binary);
    assert_eq!(
        std::fs::metadata(&second.binary)
            .unwrap()
            .modified()
            .unwrap(),
        modified
    );

    // A change in a shared package changes the key of every fixture using it.
    let probe = fixtures.source_dir.join("probe/probe.go");
    let text = std::fs::read_to_string(&probe).unwrap();
    std::fs::write(&probe, format!("{text}\n// changed\n")).unwrap();
    let third = fixtures.build("idle", toolchain()).unwrap();
    assert!(third.fresh);
    assert_ne!(third.key, first.key);
    assert_ne!(third.binary, first.binary);
}

#[test]
fn the_go_line_is_the_toolchains_own_minor_version() {
    let (_dir, fixtures) = private_fixtures();
    let built = fixtures.build("hello", toolchain()).unwrap();
    let v = toolchain().version;
    assert_eq!(built.go_line, format!("{}.{}", v.major, v.minor));
    // The go.mod in the sources is left as it is.
    let gomod = std::fs::read_to_string(fixtures.source_dir.join("go.mod")).unwrap();
    assert!(gomod.contains("go 1.19"));
}

#[test]
fn parallel_builds_of_one_fixture_agree() {
    let (_dir, fixtures) = private_fixtures();
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| s.spawn(|| fixtures.build("hello", toolchain())))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .collect()
    });
    assert!(results.windows(2).all(|w| w[0].binary == w[1].binary));
    let bin_dir = fixtures.cache_dir.join("bin");
    let leftovers: Vec<_> = std::fs::read_dir(&bin_dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers.len(), 1, "temp files left behind: {leftovers:?}");
}

#[test]
fn unknown_fixture_and_broken_source_are_clear_errors() {
    let (_dir, fixtures) = private_fixtures();
    let err = fixtures.build("nope", toolchain()).unwrap_err();
    assert!(matches!(err, BuildError::UnknownFixture { .. }));
    assert!(err.to_string().contains("bigbytes, churn"), "{err}");

    let main = fixtures.source_dir.join("hello/main.go");
    std::fs::write(&main, "package main\nfunc main() { undefined() }\n").unwrap();
    let err = fixtures
        .build("hello", toolchain())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("go build") && err.contains("undefined"),
        "{err}"
    );
    assert!(
        !fixtures.cache_dir.join("bin").exists()
            || std::fs::read_dir(fixtures.cache_dir.join("bin"))
                .unwrap()
                .next()
                .is_none()
    );
}
