//! The mapping inventory on real Go processes: the idle fixture's binary and
//! heap arena are found, the inventory adds up to the kernel's VmSize and
//! RSS, and the heap arena space matches the runtime's HeapSys + StackSys.

mod common;

use assert_cmd::Command;
use common::{built, observe_fixture, toolchain};
use gomemlab::run::RunSpec;
use gomemlab::run::observe::observe;
use gomemlab::timeline::{HEAP_ARENA_BYTES, MapClass, MapsInventory};
use gomemlab::timeline::{Phase, Timeline};
use predicates::prelude::*;

const MIB: u64 = 1 << 20;

fn size(maps: &MapsInventory, class: MapClass) -> u64 {
    maps.of_class(class).map(|m| m.size_bytes).sum()
}

fn maps_of(phase: &Phase) -> &MapsInventory {
    phase
        .maps
        .as_ref()
        .unwrap_or_else(|| panic!("no maps at {}", phase.name))
}

#[test]
fn idle_shows_its_binary_and_a_heap_arena() {
    let t = observe_with_maps("idle", &["-hold", "10ms"]);
    let phase = &t.phases[0];
    let maps = maps_of(phase);
    let binary = std::fs::canonicalize(built("idle").binary).unwrap();
    let text: Vec<_> = maps.of_class(MapClass::Text).collect();
    assert_eq!(text.len(), 1, "{maps:?}");
    assert_eq!(text[0].pathname, binary.display().to_string());
    assert!(text[0].rss_bytes > 0 && text[0].perms == "r-xp");
    assert_eq!(maps.of_class(MapClass::Bss).count(), 1);

    // Arena space comes in whole, aligned 64 MiB units.
    let arena_space = size(maps, MapClass::HeapArena) + size(maps, MapClass::HeapReserved);
    assert!(arena_space >= HEAP_ARENA_BYTES && arena_space.is_multiple_of(HEAP_ARENA_BYTES));
    let first = maps
        .of_class(MapClass::HeapArena)
        .next()
        .expect("a heap arena");
    // arena-at-c000: the fixed hint up to Go 1.25, a random base from 1.26.
    let fixed = first.start & !(HEAP_ARENA_BYTES - 1) == 0xc0_0000_0000;
    assert_eq!(fixed, toolchain().version.minor <= 25, "{first:?}");

    // The inventory covers the address space the kernel counts (VmSize leaves
    // out [vsyscall]) and the resident pages; the runtime may map a little
    // between the two reads, so allow some slack.
    let total: u64 = maps.mappings.iter().map(|m| m.size_bytes).sum();
    assert!(
        total.abs_diff(phase.os.vm_size_bytes) <= 4 * MIB,
        "{total} vs {:?}",
        phase.os
    );
    let rss: u64 = maps.mappings.iter().map(|m| m.rss_bytes).sum();
    assert!(
        rss.abs_diff(phase.os.rss_bytes) <= MIB,
        "{rss} vs {:?}",
        phase.os
    );
}

#[test]
fn heap_arena_space_is_what_the_runtime_calls_heap_and_stacks() {
    let t = observe_with_maps("bigbytes", &["-count", "3"]);
    for phase in t.phases.iter().filter(|p| !p.is_exit()) {
        let maps = maps_of(phase);
        // Goroutine stacks are carved from heap spans, so the mapped arena
        // space is HeapSys + StackSys (equal to the byte in every run seen, go1.19 to go1.26).
        let go = phase.go.heap_sys_bytes + phase.go.stack_sys_bytes;
        let mapped = size(maps, MapClass::HeapArena);
        assert!(
            mapped.abs_diff(go) <= 4 * MIB,
            "{}: heap arena mapped {mapped}, HeapSys + StackSys {go}",
            phase.name
        );
    }
    let allocated = maps_of(t.phase("allocated").unwrap());
    assert!(size(allocated, MapClass::HeapArena) >= 280 * MIB);
    let arena_rss: u64 = allocated
        .of_class(MapClass::HeapArena)
        .map(|m| m.rss_bytes)
        .sum();
    assert!(arena_rss >= 100 * MIB, "heap arena RSS {arena_rss}");
}

#[test]
fn without_the_switch_there_is_no_inventory() {
    let t = observe_fixture("idle", &[], &["-hold", "10ms"]);
    assert!(t.phases.iter().all(|p| p.maps.is_none()));
    let json = serde_json::to_value(&t).unwrap();
    assert!(json["phases"][0].get("maps").is_none());
}

#[test]
fn cli_prints_the_inventory_after_the_phase_table() {
    Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .env("GOMEMLAB_GO", &toolchain().go)
        .args(["run", "idle", "--maps", "--", "-hold", "10ms"])
        .assert()
        .success()
        .stdout(predicate::str::contains("mappings at started:"))
        .stdout(predicate::str::is_match(r"(?m)^\s+heap_arena\s+\d+\s").unwrap())
        .stdout(predicate::str::is_match(r"(?m)^\s+text\s+1\s").unwrap())
        .stdout(predicate::str::is_match(r"(?m)^\s+total\s").unwrap());
}

/// Runs a fixture with the inventory read at every phase.
fn observe_with_maps(name: &str, args: &[&str]) -> Timeline {
    let spec = RunSpec {
        args: args.iter().map(|a| a.to_string()).collect(),
        maps: true,
        ..Default::default()
    };
    observe(&built(name), toolchain(), &spec).unwrap_or_else(|e| panic!("running {name}: {e}"))
}
