//! Classification tests on `/proc/PID/maps` text captured from the idle and
//! bigbytes fixtures (held alive by hand) on each installed Go version.

use super::*;

const BIN: &str = "/work/wt-events/target/gomemlab/bin";

// idle -hold 3s, go1.26.8: heap arena at a random address (0x15b610000000).
const IDLE_GO126: &str = "\
00400000-004ce000 r-xp 00000000 fe:00 10013364                           /work/wt-events/target/gomemlab/bin/idle-go1.26.8-5b07991a649ae24e
004ce000-005d5000 r--p 000ce000 fe:00 10013364                           /work/wt-events/target/gomemlab/bin/idle-go1.26.8-5b07991a649ae24e
005d5000-005e4000 rw-p 001d5000 fe:00 10013364                           /work/wt-events/target/gomemlab/bin/idle-go1.26.8-5b07991a649ae24e
005e4000-0061b000 rw-p 00000000 00:00 0 
15b610000000-15b610400000 rw-p 00000000 00:00 0 
15b610400000-15b614000000 ---p 00000000 00:00 0 
7f8436f20000-7f8437100000 rw-p 00000000 00:00 0 
7f8437100000-7f8439200000 rw-p 00000000 00:00 0 
7f8439200000-7f844bd6c000 ---p 00000000 00:00 0 
7f844bd6c000-7f844bd6d000 rw-p 00000000 00:00 0 
7f844bd6d000-7f846bd6c000 ---p 00000000 00:00 0 
7f846bd6c000-7f846bd6d000 rw-p 00000000 00:00 0 
7f846bd6d000-7f847b76d000 ---p 00000000 00:00 0 
7f847b76d000-7f847b76e000 rw-p 00000000 00:00 0 
7f847b76e000-7f847d6ad000 ---p 00000000 00:00 0 
7f847d6ad000-7f847d6ae000 rw-p 00000000 00:00 0 
7f847d6ae000-7f847da00000 ---p 00000000 00:00 0 
7f847da2b000-7f847da5d000 rw-p 00000000 00:00 0 
7f847da5d000-7f847daf2000 ---p 00000000 00:00 0 
7f847daf2000-7f847daf3000 rw-p 00000000 00:00 0 
7f847daf3000-7f847db5d000 ---p 00000000 00:00 0 
7f847db5d000-7f847dbbd000 rw-p 00000000 00:00 0 
7f847dbbd000-7f847dbc1000 r--p 00000000 00:00 0                          [vvar]
7f847dbc1000-7f847dbc3000 r--p 00000000 00:00 0                          [vvar_vclock]
7f847dbc3000-7f847dbc5000 r-xp 00000000 00:00 0                          [vdso]
7ffdc2774000-7ffdc2795000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
";

// idle -hold 3s, go1.21.13: heap arena at 0xc000000000.
const IDLE_GO121: &str = "\
00400000-004a4000 r-xp 00000000 fe:00 10012127                           /work/wt-events/target/gomemlab/bin/idle-go1.21.13-267b3e5e54e84432
004a4000-00568000 r--p 000a4000 fe:00 10012127                           /work/wt-events/target/gomemlab/bin/idle-go1.21.13-267b3e5e54e84432
00568000-00576000 rw-p 00168000 fe:00 10012127                           /work/wt-events/target/gomemlab/bin/idle-go1.21.13-267b3e5e54e84432
00576000-005a9000 rw-p 00000000 00:00 0 
c000000000-c000400000 rw-p 00000000 00:00 0 
c000400000-c004000000 ---p 00000000 00:00 0 
7f7e69f00000-7f7e6c000000 rw-p 00000000 00:00 0 
7f7e6c000000-7f7e7c180000 ---p 00000000 00:00 0 
7f7e7c180000-7f7e7c181000 rw-p 00000000 00:00 0 
7f7e7c181000-7f7e9c180000 ---p 00000000 00:00 0 
7f7e9c180000-7f7e9c181000 rw-p 00000000 00:00 0 
7f7e9c181000-7f7eae030000 ---p 00000000 00:00 0 
7f7eae030000-7f7eae031000 rw-p 00000000 00:00 0 
7f7eae031000-7f7eb0406000 ---p 00000000 00:00 0 
7f7eb0406000-7f7eb0407000 rw-p 00000000 00:00 0 
7f7eb0407000-7f7eb0800000 ---p 00000000 00:00 0 
7f7eb0828000-7f7eb09dd000 rw-p 00000000 00:00 0 
7f7eb09dd000-7f7eb0a5d000 ---p 00000000 00:00 0 
7f7eb0a5d000-7f7eb0a5e000 rw-p 00000000 00:00 0 
7f7eb0a5e000-7f7eb0add000 ---p 00000000 00:00 0 
7f7eb0add000-7f7eb0b3d000 rw-p 00000000 00:00 0 
7f7eb0b3d000-7f7eb0b41000 r--p 00000000 00:00 0                          [vvar]
7f7eb0b41000-7f7eb0b43000 r--p 00000000 00:00 0                          [vvar_vclock]
7f7eb0b43000-7f7eb0b45000 r-xp 00000000 00:00 0                          [vdso]
7ffcafb1f000-7ffcafb40000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
";

// idle -hold 3s, go1.19.8.
const IDLE_GO119: &str = "\
00400000-004a8000 r-xp 00000000 fe:00 10012278                           /work/wt-events/target/gomemlab/bin/idle-go1.19.8-5d958264e40f9bce
004a8000-0055e000 r--p 000a8000 fe:00 10012278                           /work/wt-events/target/gomemlab/bin/idle-go1.19.8-5d958264e40f9bce
0055e000-00579000 rw-p 0015e000 fe:00 10012278                           /work/wt-events/target/gomemlab/bin/idle-go1.19.8-5d958264e40f9bce
00579000-005ad000 rw-p 00000000 00:00 0 
c000000000-c000400000 rw-p 00000000 00:00 0 
c000400000-c004000000 ---p 00000000 00:00 0 
7f9aec5af000-7f9aee800000 rw-p 00000000 00:00 0 
7f9aee800000-7f9aeec00000 rw-p 00000000 00:00 0 
7f9aeec00000-7f9aeec07000 rw-p 00000000 00:00 0 
7f9aeec07000-7f9aff180000 ---p 00000000 00:00 0 
7f9aff180000-7f9aff181000 rw-p 00000000 00:00 0 
7f9aff181000-7f9b11030000 ---p 00000000 00:00 0 
7f9b11030000-7f9b11031000 rw-p 00000000 00:00 0 
7f9b11031000-7f9b13406000 ---p 00000000 00:00 0 
7f9b13406000-7f9b13407000 rw-p 00000000 00:00 0 
7f9b13407000-7f9b13800000 ---p 00000000 00:00 0 
7f9b13823000-7f9b13943000 rw-p 00000000 00:00 0 
7f9b13943000-7f9b139c3000 ---p 00000000 00:00 0 
7f9b139c3000-7f9b139c4000 rw-p 00000000 00:00 0 
7f9b139c4000-7f9b13a43000 ---p 00000000 00:00 0 
7f9b13a43000-7f9b13aa3000 rw-p 00000000 00:00 0 
7f9b13aa3000-7f9b13aa7000 r--p 00000000 00:00 0                          [vvar]
7f9b13aa7000-7f9b13aa9000 r--p 00000000 00:00 0                          [vvar_vclock]
7f9b13aa9000-7f9b13aab000 r-xp 00000000 00:00 0                          [vdso]
7ffd67381000-7ffd673a2000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
";

// bigbytes -count 3 -keep, go1.26.8: five arenas, the mapped part starting
// 20 MiB into the first one (randomizeHeapBase's offset).
const BIGBYTES_GO126: &str = "\
00400000-004cf000 r-xp 00000000 fe:00 9996494                            /work/wt-events/target/gomemlab/bin/bigbytes-go1.26.8-4a8e9720935b565b
004cf000-005d7000 r--p 000cf000 fe:00 9996494                            /work/wt-events/target/gomemlab/bin/bigbytes-go1.26.8-4a8e9720935b565b
005d7000-005e6000 rw-p 001d7000 fe:00 9996494                            /work/wt-events/target/gomemlab/bin/bigbytes-go1.26.8-4a8e9720935b565b
005e6000-0061d000 rw-p 00000000 00:00 0 
2fea28000000-2fea29400000 ---p 00000000 00:00 0 
2fea29400000-2fea3b800000 rw-p 00000000 00:00 0 
2fea3b800000-2fea3c000000 ---p 00000000 00:00 0 
7fe984688000-7fe984900000 rw-p 00000000 00:00 0 
7fe984900000-7fe986a00000 rw-p 00000000 00:00 0 
7fe986a00000-7fe99c9d4000 ---p 00000000 00:00 0 
7fe99c9d4000-7fe99c9d5000 rw-p 00000000 00:00 0 
7fe99c9d5000-7fe9bc9d4000 ---p 00000000 00:00 0 
7fe9bc9d4000-7fe9bc9d5000 rw-p 00000000 00:00 0 
7fe9bc9d5000-7fe9c95fa000 ---p 00000000 00:00 0 
7fe9c95fa000-7fe9c95fb000 rw-p 00000000 00:00 0 
7fe9c95fb000-7fe9caf7f000 ---p 00000000 00:00 0 
7fe9caf7f000-7fe9caf80000 rw-p 00000000 00:00 0 
7fe9caf80000-7fe9cb200000 ---p 00000000 00:00 0 
7fe9cb200000-7fe9cb284000 rw-p 00000000 00:00 0 
7fe9cb284000-7fe9cb333000 ---p 00000000 00:00 0 
7fe9cb333000-7fe9cb334000 rw-p 00000000 00:00 0 
7fe9cb334000-7fe9cb384000 ---p 00000000 00:00 0 
7fe9cb384000-7fe9cb3e4000 rw-p 00000000 00:00 0 
7fe9cb3e4000-7fe9cb3e8000 r--p 00000000 00:00 0                          [vvar]
7fe9cb3e8000-7fe9cb3ea000 r--p 00000000 00:00 0                          [vvar_vclock]
7fe9cb3ea000-7fe9cb3ec000 r-xp 00000000 00:00 0                          [vdso]
7ffd9242c000-7ffd9244d000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
";

// bigbytes -count 3 -keep, go1.19.8: the mapped arena split into several VMAs
// (huge-page advice changes their flags).
const BIGBYTES_GO119: &str = "\
00400000-004a9000 r-xp 00000000 fe:00 9996545                            /work/wt-events/target/gomemlab/bin/bigbytes-go1.19.8-38e79732fbe1655c
004a9000-0055f000 r--p 000a9000 fe:00 9996545                            /work/wt-events/target/gomemlab/bin/bigbytes-go1.19.8-38e79732fbe1655c
0055f000-0057a000 rw-p 0015f000 fe:00 9996545                            /work/wt-events/target/gomemlab/bin/bigbytes-go1.19.8-38e79732fbe1655c
0057a000-005ae000 rw-p 00000000 00:00 0 
c000000000-c000200000 rw-p 00000000 00:00 0 
c000200000-c006000000 rw-p 00000000 00:00 0 
c006000000-c006200000 rw-p 00000000 00:00 0 
c006200000-c00be00000 rw-p 00000000 00:00 0 
c00be00000-c00c000000 rw-p 00000000 00:00 0 
c00c000000-c011e00000 rw-p 00000000 00:00 0 
c011e00000-c012400000 rw-p 00000000 00:00 0 
c012400000-c014000000 ---p 00000000 00:00 0 
7f624934b000-7f624be00000 rw-p 00000000 00:00 0 
7f624be00000-7f624c200000 rw-p 00000000 00:00 0 
7f624c200000-7f624c207000 rw-p 00000000 00:00 0 
7f624c207000-7f625c780000 ---p 00000000 00:00 0 
7f625c780000-7f625c781000 rw-p 00000000 00:00 0 
7f625c781000-7f626e630000 ---p 00000000 00:00 0 
7f626e630000-7f626e631000 rw-p 00000000 00:00 0 
7f626e631000-7f6270a06000 ---p 00000000 00:00 0 
7f6270a06000-7f6270a07000 rw-p 00000000 00:00 0 
7f6270a07000-7f6270e00000 ---p 00000000 00:00 0 
7f6270e08000-7f6270fa8000 rw-p 00000000 00:00 0 
7f6270fa8000-7f6271028000 ---p 00000000 00:00 0 
7f6271028000-7f6271029000 rw-p 00000000 00:00 0 
7f6271029000-7f62710a8000 ---p 00000000 00:00 0 
7f62710a8000-7f6271108000 rw-p 00000000 00:00 0 
7f6271108000-7f627110c000 r--p 00000000 00:00 0                          [vvar]
7f627110c000-7f627110e000 r--p 00000000 00:00 0                          [vvar_vclock]
7f627110e000-7f6271110000 r-xp 00000000 00:00 0                          [vdso]
7ffe6c994000-7ffe6c9b5000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]
";

// idle, go1.26.8, /proc/PID/smaps: the text, data, bss and arena entries, trimmed to
// the fields read here.
const SMAPS_GO126: &str = "\
00400000-004ce000 r-xp 00000000 fe:00 10013364                           /work/wt-events/target/gomemlab/bin/idle-go1.26.8-5b07991a649ae24e
Size:                824 kB
Rss:                 824 kB
LazyFree:              0 kB
VmFlags: rd ex mr mw me 
005d5000-005e4000 rw-p 001d5000 fe:00 10013364                           /work/wt-events/target/gomemlab/bin/idle-go1.26.8-5b07991a649ae24e
Size:                 60 kB
Rss:                  60 kB
LazyFree:              0 kB
VmFlags: rd wr mr mw me ac 
005e4000-0061b000 rw-p 00000000 00:00 0 
Size:                220 kB
Rss:                  76 kB
LazyFree:              0 kB
VmFlags: rd wr mr mw me ac 
15b610000000-15b610400000 rw-p 00000000 00:00 0 
Size:               4096 kB
Rss:                 540 kB
LazyFree:              0 kB
VmFlags: rd wr mr mw me ac 
15b610400000-15b614000000 ---p 00000000 00:00 0 
Size:              61440 kB
Rss:                   0 kB
LazyFree:              0 kB
VmFlags: mr mw me 
";

fn inventory(text: &str, binary: &str) -> MapsInventory {
    parse(text, &format!("{BIN}/{binary}")).unwrap()
}

fn count(inv: &MapsInventory, class: MapClass) -> usize {
    inv.of_class(class).count()
}

fn size(inv: &MapsInventory, class: MapClass) -> u64 {
    inv.of_class(class).map(|m| m.size_bytes).sum()
}

const MIB: u64 = 1 << 20;

#[test]
fn idle_on_every_version_has_the_articles_layout() {
    for (text, binary, arena) in [
        (
            IDLE_GO126,
            "idle-go1.26.8-5b07991a649ae24e",
            0x15b6_1000_0000,
        ),
        (
            IDLE_GO121,
            "idle-go1.21.13-267b3e5e54e84432",
            0xc0_0000_0000,
        ),
        (IDLE_GO119, "idle-go1.19.8-5d958264e40f9bce", 0xc0_0000_0000),
    ] {
        let inv = inventory(text, binary);
        assert_eq!(inv.mappings.len(), text.lines().count(), "{binary}");
        for class in [
            MapClass::Text,
            MapClass::Rodata,
            MapClass::Data,
            MapClass::Bss,
        ] {
            assert_eq!(count(&inv, class), 1, "{binary} {class:?}");
        }
        // One 64 MiB arena: 4 MiB mapped at its start, the rest reserved.
        let heap: Vec<&Mapping> = inv.of_class(MapClass::HeapArena).collect();
        assert_eq!(heap.len(), 1, "{binary}");
        assert_eq!(
            (heap[0].start, heap[0].size_bytes),
            (arena, 4 * MIB),
            "{binary}"
        );
        assert_eq!(size(&inv, MapClass::HeapReserved), 60 * MIB, "{binary}");
        assert_eq!(count(&inv, MapClass::Stack), 1, "{binary}");
        // vvar, vvar_vclock, vdso, vsyscall.
        assert_eq!(count(&inv, MapClass::Kernel), 4, "{binary}");
        assert_eq!(
            count(&inv, MapClass::Other) + count(&inv, MapClass::OtherFile),
            0
        );
        // The runtime's own mappings: the 32 MiB L2 arena map among them.
        assert!(size(&inv, MapClass::RuntimeOffHeap) >= 32 * MIB, "{binary}");
        assert!(size(&inv, MapClass::Reserved) > 256 * MIB, "{binary}");
        // Every mapping is classified once: the summary adds up.
        let total: u64 = inv.summary().iter().map(|s| s.size_bytes).sum();
        assert_eq!(
            total,
            inv.mappings.iter().map(|m| m.size_bytes).sum::<u64>()
        );
    }
}

#[test]
fn arenas_with_an_offset_or_split_into_several_mappings() {
    let inv = inventory(BIGBYTES_GO126, "bigbytes-go1.26.8-4a8e9720935b565b");
    assert_eq!(count(&inv, MapClass::HeapArena), 1);
    assert_eq!(size(&inv, MapClass::HeapArena), 292 * MIB);
    assert_eq!(count(&inv, MapClass::HeapReserved), 2);
    assert_eq!(size(&inv, MapClass::HeapReserved), 28 * MIB);
    let first = inv.of_class(MapClass::HeapReserved).next().unwrap();
    assert_eq!(first.start % HEAP_ARENA_BYTES, 0);

    let inv = inventory(BIGBYTES_GO119, "bigbytes-go1.19.8-38e79732fbe1655c");
    assert_eq!(count(&inv, MapClass::HeapArena), 7);
    assert_eq!(size(&inv, MapClass::HeapArena), 292 * MIB);
    assert_eq!(size(&inv, MapClass::HeapReserved), 28 * MIB);
}

#[test]
fn smaps_gives_rss_per_mapping() {
    let inv = inventory(SMAPS_GO126, "idle-go1.26.8-5b07991a649ae24e");
    let classes: Vec<MapClass> = inv.mappings.iter().map(|m| m.class).collect();
    assert_eq!(
        classes,
        [
            MapClass::Text,
            MapClass::Data,
            MapClass::Bss,
            MapClass::HeapArena,
            MapClass::HeapReserved
        ]
    );
    let rss: Vec<u64> = inv.mappings.iter().map(|m| m.rss_bytes >> 10).collect();
    assert_eq!(rss, [824, 60, 76, 540, 0]);
    let heap = inv.summary()[3];
    assert_eq!(
        (heap.class, heap.count, heap.rss_bytes),
        (MapClass::HeapArena, 1, 540 << 10)
    );
    assert_eq!(inv.mappings[0].perms, "r-xp");
    assert!(
        inv.mappings[0]
            .pathname
            .ends_with("idle-go1.26.8-5b07991a649ae24e")
    );
    assert_eq!(inv.mappings[2].pathname, "");
}

#[test]
fn go_names_win_over_the_alignment_rule() {
    // Shapes from Go 1.25+ on a kernel with CONFIG_ANON_VMA_NAME (not this
    // one): setVMAName prefixes "Go: " to sysAlloc/sysReserve/sysMap names.
    let text = "\
c000000000-c000400000 rw-p 00000000 00:00 0                          [anon: Go: heap]
c000400000-c004000000 ---p 00000000 00:00 0                          [anon: Go: heap reservation]
7f0004000000-7f0008000000 ---p 00000000 00:00 0                      [anon: Go: page summary]
7f0008000000-7f0008040000 rw-p 00000000 00:00 0                      [anon: Go: immortal metadata]
7f0009000000-7f0009010000 rw-p 00000000 00:00 0                      [anon: Go: OS thread stack]
7f000a000000-7f000a001000 rw-p 00000000 00:00 0                      [heap]
";
    let inv = parse(text, "/bin/none").unwrap();
    let classes: Vec<MapClass> = inv.mappings.iter().map(|m| m.class).collect();
    assert_eq!(
        classes,
        [
            MapClass::HeapArena,
            MapClass::HeapReserved,
            MapClass::Reserved,
            MapClass::RuntimeOffHeap,
            MapClass::Stack,
            MapClass::Other,
        ]
    );
    assert_eq!(inv.mappings[0].pathname, "[anon: Go: heap]");
}

#[test]
fn an_unaligned_run_is_not_an_arena() {
    // 64 MiB aligned at the start but the run goes on past the boundary.
    let text = "\
c000000000-c004000000 rw-p 00000000 00:00 0 
c004000000-c004001000 ---p 00000000 00:00 0 
";
    let inv = parse(text, "/bin/none").unwrap();
    assert_eq!(count(&inv, MapClass::HeapArena), 0);
    assert_eq!(count(&inv, MapClass::RuntimeOffHeap), 1);
    assert_eq!(count(&inv, MapClass::Reserved), 1);
}

#[test]
fn classes_serialize_in_snake_case() {
    for class in MapClass::ALL {
        let json = serde_json::to_value(class).unwrap();
        assert_eq!(json.as_str(), Some(class.name()));
    }
    let inv = inventory(IDLE_GO121, "idle-go1.21.13-267b3e5e54e84432");
    let back: MapsInventory = serde_json::from_str(&serde_json::to_string(&inv).unwrap()).unwrap();
    assert_eq!(back, inv);
}

#[test]
fn a_torn_listing_is_not_whole() {
    // Recorded from go1.19.13's storm fixture at `collected` (the scavenger
    // merged heap mappings while smaps was being listed): the second range
    // starts inside the first.
    let torn = "\
c000000000-c002800000 rw-p 00000000 00:00 0 
c002600000-c002c00000 rw-p 00000000 00:00 0 
c002c00000-c004000000 ---p 00000000 00:00 0 
";
    let whole = "\
c000000000-c002600000 rw-p 00000000 00:00 0 
c002600000-c002c00000 rw-p 00000000 00:00 0 
c002c00000-c004000000 ---p 00000000 00:00 0 
";
    let listing = |text: &str| MemoryMaps::from_buf_read(text.as_bytes()).unwrap();
    assert!(!is_whole(&listing(torn)));
    assert!(is_whole(&listing(whole)));
}
