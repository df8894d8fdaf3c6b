//! Heap profiles at chosen phases, with real Go processes: the probe writes
//! them, the harness sums them, and `go tool pprof` opens the artifacts.

#![allow(clippy::unwrap_used)] // test code: a panic is the failure report

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use gomemlab::fixture::{Fixtures, HEAP_PROFILE_TAG};
use gomemlab::run::observe::observe;
use gomemlab::run::{HeapProfiles, RunError, RunSpec};

fn profiled_spec(dir: &Path, phases: &[&str], args: &[&str]) -> RunSpec {
    RunSpec {
        args: args.iter().map(|a| a.to_string()).collect(),
        timeout: Duration::from_secs(60),
        heap_profiles: Some(HeapProfiles {
            phases: phases.iter().map(|p| p.to_string()).collect(),
            dir: dir.to_path_buf(),
        }),
        ..RunSpec::default()
    }
}

#[test]
fn bigbytes_profiles_show_a_gigabyte_allocated_and_nothing_in_use_after_gc() {
    let dir = tempfile::tempdir().unwrap();
    let spec = profiled_spec(dir.path(), &["allocated", "collected"], &[]);
    let built = Fixtures::bundled()
        .expect("bundled fixtures")
        .build_tagged("bigbytes", common::toolchain(), &spec.build_tags())
        .unwrap();
    let timeline = observe(&built, common::toolchain(), &spec).unwrap();

    assert_eq!(timeline.fixture.build_tags, [HEAP_PROFILE_TAG]);
    assert_eq!(timeline.settings.heap_profile, ["allocated", "collected"]);
    for name in ["start", "freed"] {
        assert!(
            timeline.phase(name).unwrap().heap_profile.is_none(),
            "{name}"
        );
    }
    // `allocated` has a profile too, but it is as of the last GC the ten
    // allocations triggered, so its numbers depend on the pacer: only its
    // presence is checked.
    assert!(timeline.phase("allocated").unwrap().heap_profile.is_some());

    // bigbytes ran runtime.GC() just before `collected`: the profile is up to
    // date, every slice is dropped, ten of 100 MB were allocated.
    let collected = timeline.phase("collected").unwrap();
    let profile = collected.heap_profile.as_ref().unwrap();
    eprintln!(
        "{}: collected: inuse {} B / {} objects, alloc {} B / {} objects, rate {} (TotalAlloc {})",
        timeline.toolchain.version,
        profile.inuse_space_bytes,
        profile.inuse_objects,
        profile.alloc_space_bytes,
        profile.alloc_objects,
        profile.sample_rate_bytes,
        collected.go.total_alloc_bytes
    );
    assert_eq!(profile.sample_rate_bytes, 512 * 1024, "Go's default rate");
    assert!(profile.alloc_space_bytes >= 1_000_000_000, "{profile:?}");
    assert!(profile.alloc_objects >= 10, "{profile:?}");
    assert!(
        profile.inuse_space_bytes < profile.alloc_space_bytes / 100,
        "{profile:?}"
    );
    // The profile's estimate and the runtime's exact count agree on the
    // total allocated (TotalAlloc also counts the small allocations the
    // profile mostly does not sample).
    let total = collected.go.total_alloc_bytes as f64;
    let ratio = profile.alloc_space_bytes as f64 / total;
    assert!(
        (0.9..=1.1).contains(&ratio),
        "alloc_space/TotalAlloc {ratio}"
    );

    // The artifact is where the record says, whole, and `go tool pprof` opens it.
    let path = Path::new(&profile.path);
    assert_eq!(path, dir.path().join("003-collected.pb.gz"));
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["002-allocated.pb.gz", "003-collected.pb.gz"],
        "temp files left behind?"
    );
    let out = Command::new(&common::toolchain().go)
        .args(["tool", "pprof", "-top", "-sample_index=alloc_space"])
        .arg(path)
        .output()
        .unwrap();
    let stdout = common::stdout_of_success(&out);
    assert!(stdout.contains("main.bigBytes"), "{stdout}");
}

#[test]
fn a_plain_build_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let spec = profiled_spec(&dir.path().join("never"), &["start"], &[]);
    let err = observe(&common::built("hello"), common::toolchain(), &spec).unwrap_err();
    assert!(matches!(err, RunError::NotProfilable { .. }), "{err}");
    assert!(err.to_string().contains(HEAP_PROFILE_TAG), "{err}");
    assert!(!dir.path().join("never").exists());
}

#[test]
fn all_profiles_every_phase_and_plain_runs_stay_unprofiled() {
    let dir = tempfile::tempdir().unwrap();
    let spec = profiled_spec(dir.path(), &[HeapProfiles::ALL], &["-count", "2"]);
    let built = Fixtures::bundled()
        .expect("bundled fixtures")
        .build_tagged("bigbytes", common::toolchain(), &spec.build_tags())
        .unwrap();
    let plain = common::built("bigbytes");
    assert_ne!(built.binary, plain.binary, "profiling is its own binary");
    let timeline = observe(&built, common::toolchain(), &spec).unwrap();
    // Every phase the fixture reported; the exit snapshot has no Go side.
    assert_eq!(timeline.phases.len(), 5);
    for p in timeline.phases.iter().filter(|p| !p.is_exit()) {
        let profile = p.heap_profile.as_ref().unwrap();
        let file = Path::new(&profile.path).file_name().unwrap();
        assert_eq!(
            file.to_string_lossy(),
            format!("{:03}-{}.pb.gz", p.seq, p.name)
        );
    }
    // The plain binary has memory profiling off: nothing is ever profiled.
    let untagged = common::observe_fixture("bigbytes", &[], &["-count", "2"]);
    assert!(untagged.fixture.build_tags.is_empty());
    assert!(untagged.phases.iter().all(|p| p.heap_profile.is_none()));
}
