//! Settings that change the build (`GOEXPERIMENT`, the go.mod go line): each
//! is its own cached binary, reaches `go build`, and a build the toolchain
//! cannot make is `NotApplicable` with the reason, not a failure.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::process::Command;

use common::toolchain;
use gomemlab::fixture::{BuildError, BuildOptions, Fixtures};

/// The bundled fixtures with a private binary cache (Go's compile cache shared).
fn private_cache() -> (tempfile::TempDir, Fixtures) {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Fixtures {
        cache_dir: dir.path().join("cache"),
        ..Fixtures::bundled().expect("the bundled fixtures")
    };
    (dir, fixtures)
}

/// What `go version -m` says the binary was built with.
fn build_info(binary: &std::path::Path) -> String {
    let out = Command::new(&toolchain().go)
        .args(["version", "-m"])
        .arg(binary)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_goexperiment_is_its_own_cached_binary_built_with_it() {
    let (_dir, fixtures) = private_cache();
    let plain = fixtures.build("idle", toolchain()).unwrap();
    // fieldtrack is an experiment every supported toolchain knows.
    let options = BuildOptions {
        goexperiment: Some("fieldtrack".into()),
        ..BuildOptions::default()
    };
    let first = fixtures.build_with("idle", toolchain(), &options).unwrap();
    assert!(first.fresh);
    assert_ne!(first.key, plain.key);
    assert_ne!(first.binary, plain.binary);
    assert_eq!(first.goexperiment.as_deref(), Some("fieldtrack"));
    let info = build_info(&first.binary);
    assert!(info.contains("GOEXPERIMENT=fieldtrack"), "{info}");
    assert!(!build_info(&plain.binary).contains("GOEXPERIMENT=fieldtrack"));
    let again = fixtures.build_with("idle", toolchain(), &options).unwrap();
    assert!(!again.fresh, "the same GOEXPERIMENT built twice");
    assert_eq!(again.binary, first.binary);
}

#[test]
fn an_unknown_goexperiment_is_not_applicable_with_the_reason() {
    let (dir, fixtures) = private_cache();
    let options = BuildOptions {
        goexperiment: Some("gomemlabnosuchexperiment".into()),
        ..BuildOptions::default()
    };
    match fixtures.build_with("idle", toolchain(), &options) {
        Err(BuildError::NotApplicable { reason }) => {
            assert!(
                reason.contains("GOEXPERIMENT=gomemlabnosuchexperiment"),
                "{reason}"
            );
            assert!(
                reason.contains(&toolchain().version.minor_name()),
                "{reason}"
            );
        }
        other => panic!("expected NotApplicable, got {other:?}"),
    }
    // Nothing half-built is left in the cache.
    let bins: Vec<_> = std::fs::read_dir(dir.path().join("cache/bin"))
        .unwrap()
        .filter_map(Result::ok)
        .collect();
    assert!(bins.is_empty(), "{bins:?}");
}

#[test]
fn the_go_line_is_keyed_and_a_newer_one_is_not_applicable() {
    let (_dir, fixtures) = private_cache();
    let v = toolchain().version;
    let own = fixtures.build("idle", toolchain()).unwrap();
    assert_eq!(own.go_line, format!("{}.{}", v.major, v.minor));
    let older = BuildOptions {
        go_line: Some(format!("1.{}", v.minor - 1)),
        ..BuildOptions::default()
    };
    let built = fixtures.build_with("idle", toolchain(), &older).unwrap();
    assert_eq!(built.go_line, format!("1.{}", v.minor - 1));
    assert_ne!(built.key, own.key);
    // Go 1.19 and 1.20 build a go line up to 1.21 and refuse 1.22.
    let newer = BuildOptions {
        go_line: Some(format!("1.{}", (v.minor + 1).max(22))),
        ..BuildOptions::default()
    };
    match fixtures.build_with("idle", toolchain(), &newer) {
        Err(BuildError::NotApplicable { reason }) => {
            assert!(reason.contains("newer than"), "{reason}")
        }
        other => panic!("expected NotApplicable, got {other:?}"),
    }
}

/// A Go program of the user's: its own module, go 1.19, no probe.
fn own_program() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("go.mod"),
        "module example.com/own\n\ngo 1.19\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("main.go"),
        "package main\n\nfunc main() { println(\"own\") }\n",
    )
    .unwrap();
    dir
}

#[test]
fn a_program_by_path_takes_a_rows_goexperiment_and_go_line() {
    let (_dir, fixtures) = private_cache();
    let prog = own_program();
    let v = toolchain().version;
    let (plain, plain_info) = fixtures.build_path(prog.path(), toolchain(), &[]).unwrap();
    assert_eq!(plain_info.go_line, "1.19");
    let options = BuildOptions {
        goexperiment: Some("fieldtrack".into()),
        go_line: Some(format!("1.{}", v.minor)),
        ..BuildOptions::default()
    };
    let (built, info) = fixtures
        .build_path_with(prog.path(), toolchain(), &options)
        .unwrap();
    assert_ne!(built.key, plain.key);
    assert_eq!(built.goexperiment.as_deref(), Some("fieldtrack"));
    assert_eq!(info.go_line, format!("1.{}", v.minor));
    assert!(build_info(&built.binary).contains("GOEXPERIMENT=fieldtrack"));
    assert!(!build_info(&plain.binary).contains("GOEXPERIMENT=fieldtrack"));
    // The go line sets the GODEBUG defaults (Go 1.21+ reports them): a go
    // 1.19 module keeps panic(nil) as it was, one raised to today's does not.
    if v.minor >= 21 {
        let old = plain_info.default_godebug.unwrap_or_default();
        let new = info.default_godebug.unwrap_or_default();
        assert!(old.contains("panicnil=1"), "{old}");
        assert!(!new.contains("panicnil=1"), "{new}");
    }
}

#[test]
fn a_program_by_path_refuses_a_lower_go_line_and_an_unknown_experiment() {
    let (_dir, fixtures) = private_cache();
    let prog = own_program();
    std::fs::write(
        prog.path().join("go.mod"),
        format!(
            "module example.com/own\n\ngo 1.{}\n",
            toolchain().version.minor
        ),
    )
    .unwrap();
    let lower = BuildOptions {
        go_line: Some("1.18".into()),
        ..BuildOptions::default()
    };
    let unknown = BuildOptions {
        goexperiment: Some("gomemlabnosuchexperiment".into()),
        ..BuildOptions::default()
    };
    for (options, says) in [
        (
            lower,
            "a workspace can raise a module's go line, not lower it",
        ),
        (
            unknown,
            "does not know GOEXPERIMENT=gomemlabnosuchexperiment",
        ),
    ] {
        match fixtures.build_path_with(prog.path(), toolchain(), &options) {
            Err(BuildError::NotApplicable { reason }) => {
                assert!(reason.contains(says), "{reason}")
            }
            other => panic!("expected NotApplicable, got {other:?}"),
        }
    }
}
