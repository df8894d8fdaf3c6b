//! An installed gomemlab: no source tree, a fresh HOME, run from `/`. The
//! bundled fixtures and experiments come out of the binary into the cache
//! (`$XDG_CACHE_HOME/gomemlab`), and builds go there too.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::path::Path;
use std::process::{Command, Output};

/// `gomemlab ARGS` from `/` with HOME and XDG_CACHE_HOME in `home`; named
/// toolchains still come from the machine's toolchain cache (no download).
fn installed(home: &Path, args: &[&str]) -> Output {
    Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .args(args)
        .current_dir("/")
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("GOMEMLAB_TOOLCHAINS", gomemlab::toolchain::toolchains_dir())
        .env_remove("GOMEMLAB_CACHE")
        // Go's compile cache shared with the rest of the suite: a fresh one
        // would compile the standard library again in every test.
        .env("GOCACHE", shared_gocache())
        .env_remove("GOMEMLAB_FIXTURES")
        .env_remove("GOMEMLAB_EXPERIMENTS")
        .output()
        .unwrap()
}

#[test]
fn an_installed_binary_runs_from_root_with_a_fresh_home() {
    let home = tempfile::tempdir().unwrap();
    let fixtures = common::stdout_of_success(&installed(home.path(), &["fixtures"]));
    assert!(
        fixtures.contains("idle") && fixtures.contains("bigbytes"),
        "{fixtures}"
    );

    let run = common::stdout_of_success(&installed(
        home.path(),
        &["run", "idle", "--", "-hold", "50ms"],
    ));
    assert!(run.contains("started"), "{run}");

    // One small experiment of the user's, in a folder of its own.
    let exps = tempfile::tempdir().unwrap();
    let body = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/idle.toml"),
    )
    .unwrap();
    std::fs::write(
        exps.path().join("idle.toml"),
        body.replace("repeats = 3", "repeats = 1"),
    )
    .unwrap();
    let exps_dir = exps.path().to_str().unwrap();
    let verdicts = common::stdout_of_success(&installed(
        home.path(),
        &["reproduce", "--experiments", exps_dir],
    ));
    assert!(verdicts.contains("idle-rss-small"), "{verdicts}");

    // Everything went into the cache: the unpacked bundle and the build.
    let cache = home.path().join("cache/gomemlab");
    let bundles: Vec<_> = std::fs::read_dir(cache.join("bundle"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(bundles.len(), 1, "{bundles:?}");
    assert!(bundles[0].join("go-fixtures/idle/main.go").is_file());
    assert!(bundles[0].join("experiments/idle.toml").is_file());
    // `fixtures` names the probe's unpacked copy, for a go.mod's replace line.
    let probe = bundles[0].join("go-fixtures/probe");
    assert!(probe.join("probe.go").is_file());
    assert!(
        fixtures.contains(&format!(
            "replace gomemlab.dev/probe => {}\n",
            probe.display()
        )),
        "{fixtures}"
    );
    let bins = std::fs::read_dir(cache.join("fixtures/bin"))
        .unwrap()
        .count();
    assert_eq!(bins, 1, "one idle binary, shared by run and reproduce");
}

#[test]
fn the_cache_option_moves_every_cache() {
    let home = tempfile::tempdir().unwrap();
    let elsewhere = home.path().join("elsewhere");
    let out = installed(
        home.path(),
        &["fixtures", "--cache", elsewhere.to_str().unwrap()],
    );
    common::stdout_of_success(&out);
    assert!(elsewhere.join("bundle").is_dir());
    assert!(!home.path().join("cache/gomemlab").exists());
}

/// The Go compile cache the other tests build the fixtures with.
fn shared_gocache() -> std::path::PathBuf {
    gomemlab::fixture::Fixtures::bundled()
        .expect("the bundled fixtures")
        .go_cache_dir
}
