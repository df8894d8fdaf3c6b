//! The mapping inventory: every mapping of `/proc/PID/smaps` at a phase,
//! classified (binary text/rodata/data/bss, Go heap arena, runtime off-heap,
//! reservations, stacks, kernel pages) with its size, protection and RSS.
//!
//! How a Go heap arena is recognised, on every version: the runtime reserves
//! arenas as PROT_NONE in whole 64 MiB units aligned to 64 MiB
//! (`heapArenaBytes`, runtime/malloc.go `sysAlloc`), then maps the parts it
//! uses read-write. So a run of adjacent anonymous private `rw-p`/`---p`
//! mappings that starts and ends on a 64 MiB boundary is heap arena space.
//! The address does not help: arenas start at 0xc000000000 up to Go 1.25, at
//! a random address from Go 1.26 (`randomizeHeapBase`, which also offsets the
//! first mapped part inside the arena). Go 1.25+ also names its mappings
//! (`[anon: Go: heap]`, runtime/set_vma_name_linux.go) when the kernel has
//! CONFIG_ANON_VMA_NAME; names are used when present.
//!
//! With CGO_ENABLED=0 the runtime's threads run on stacks taken from the Go
//! heap, so `stack` is only the main thread's `[stack]` unless the kernel or
//! the runtime names others.

use procfs::FromBufRead;
use procfs::process::{MMapPath, MemoryMap, MemoryMaps, Process};

use crate::timeline::{HEAP_ARENA_BYTES, MapClass, Mapping, MapsInventory};

/// How many times [`read`] lists the mappings before it gives up on a
/// listing that keeps changing under it.
const LISTING_TRIES: u32 = 200;

/// Reads and classifies `/proc/PID/smaps` (takes the process's mmap lock
/// briefly; meant for phases, when the fixture waits).
///
/// The kernel lists smaps a few mappings at a time and lets go of the mmap
/// lock in between, while the fixture's other runtime threads go on. When
/// they merge mappings meanwhile (go1.19's scavenger, woken by the GC,
/// changes the heap's huge-page advice), the listing is torn: a range shows
/// up twice, the second copy overlapping the first (seen: `c000000000-
/// c002800000` then `c002600000-c002c00000`), and no run of mappings looks
/// like a heap arena. A torn listing is read again, after 1 ms.
pub fn read(pid: i32) -> Result<MapsInventory, procfs::ProcError> {
    let process = Process::new(pid)?;
    let exe = process.exe()?;
    for _ in 0..LISTING_TRIES {
        let maps = process.smaps()?;
        if is_whole(&maps) {
            return Ok(classify(&maps, &exe.to_string_lossy()));
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    Err(procfs::ProcError::Other(format!(
        "the mappings of process {pid} kept changing while /proc/{pid}/smaps was read ({LISTING_TRIES} tries)"
    )))
}

/// Whether a listing is one consistent picture: in address order, no
/// mapping overlapping the one before it.
pub fn is_whole(maps: &MemoryMaps) -> bool {
    let maps: Vec<&MemoryMap> = maps.iter().collect();
    maps.windows(2).all(|w| w[0].address.1 <= w[1].address.0)
}

/// Parses `/proc/PID/maps` or `/proc/PID/smaps` text and classifies it;
/// `exe` is the binary's path as `/proc/PID/exe` gives it.
pub fn parse(text: &str, exe: &str) -> Result<MapsInventory, procfs::ProcError> {
    let maps = MemoryMaps::from_buf_read(text.as_bytes())?;
    Ok(classify(&maps, exe))
}

/// Classifies parsed mappings (sorted by address, as the kernel lists them).
pub fn classify(maps: &MemoryMaps, exe: &str) -> MapsInventory {
    let maps: Vec<&MemoryMap> = maps.iter().collect();
    let mut classes: Vec<Option<MapClass>> = vec![None; maps.len()];

    // The binary, then its bss: the anonymous rw mapping where it ends.
    let is_exe = |m: &MemoryMap| matches!(&m.pathname, MMapPath::Path(p) if p.as_os_str() == exe);
    let binary_end = maps.iter().filter(|m| is_exe(m)).map(|m| m.address.1).max();
    for (i, m) in maps.iter().enumerate() {
        if is_exe(m) {
            classes[i] = Some(match perms(m).as_bytes() {
                [_, _, b'x', _] => MapClass::Text,
                [_, b'w', _, _] => MapClass::Data,
                _ => MapClass::Rodata,
            });
        } else if Some(m.address.0) == binary_end && anon_name(m).is_some() && perms(m) == "rw-p" {
            classes[i] = Some(MapClass::Bss);
        }
    }

    // Heap arenas: runs of adjacent arena-like mappings aligned to 64 MiB at both ends.
    // Unnamed (or Go-named heap) anonymous private mappings, rw or PROT_NONE.
    let candidate: Vec<bool> = maps
        .iter()
        .zip(&classes)
        .map(|(m, class)| {
            class.is_none()
                && matches!(anon_name(m), Some("" | "Go: heap" | "Go: heap reservation"))
                && matches!(perms(m).as_str(), "rw-p" | "---p")
        })
        .collect();
    let mut i = 0;
    while i < maps.len() {
        if !candidate[i] {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < maps.len() && candidate[j + 1] && maps[j + 1].address.0 == maps[j].address.1 {
            j += 1;
        }
        let (start, end) = (maps[i].address.0, maps[j].address.1);
        if start.is_multiple_of(HEAP_ARENA_BYTES) && end.is_multiple_of(HEAP_ARENA_BYTES) {
            for k in i..=j {
                classes[k] = Some(arena_part(maps[k]));
            }
        }
        i = j + 1;
    }

    let mappings = maps
        .iter()
        .zip(classes)
        .map(|(m, class)| mapping(m, class.unwrap_or_else(|| by_kind(m))))
        .collect();
    MapsInventory { mappings }
}

/// Mapped or reserved part of a heap arena.
fn arena_part(m: &MemoryMap) -> MapClass {
    if perms(m) == "---p" {
        MapClass::HeapReserved
    } else {
        MapClass::HeapArena
    }
}

/// The class of a mapping that is neither the binary nor in a heap arena run.
fn by_kind(m: &MemoryMap) -> MapClass {
    if let Some(name) = anon_name(m) {
        // Go 1.25+ names (runtime/mem_linux.go, malloc.go, os_linux.go).
        return match name.strip_prefix("Go: ") {
            Some("heap" | "heap reservation") => arena_part(m),
            Some("OS thread stack" | "goroutine stack (system)") => MapClass::Stack,
            _ if perms(m) == "---p" => MapClass::Reserved,
            _ => MapClass::RuntimeOffHeap,
        };
    }
    match &m.pathname {
        MMapPath::Stack | MMapPath::TStack(_) => MapClass::Stack,
        MMapPath::Vdso | MMapPath::Vvar | MMapPath::Vsyscall => MapClass::Kernel,
        // vvar_vclock (Linux 6.13+), and whatever the kernel adds next to vvar.
        MMapPath::Other(name) if name.starts_with("vvar") => MapClass::Kernel,
        MMapPath::Path(_) | MMapPath::Vsys(_) => MapClass::OtherFile,
        _ => MapClass::Other,
    }
}

/// `Some(name)` for an anonymous mapping (`""` when unnamed, `Go: heap` for
/// `[anon: Go: heap]`), `None` for anything file-backed or special.
fn anon_name(m: &MemoryMap) -> Option<&str> {
    match &m.pathname {
        MMapPath::Anonymous => Some(""),
        MMapPath::Other(name) => name.strip_prefix("anon:").map(str::trim),
        _ => None,
    }
}

fn perms(m: &MemoryMap) -> String {
    m.perms.as_str()
}

fn mapping(m: &MemoryMap, class: MapClass) -> Mapping {
    let field = |key: &str| m.extension.map.get(key).copied().unwrap_or(0);
    Mapping {
        start: m.address.0,
        end: m.address.1,
        size_bytes: m.address.1 - m.address.0,
        perms: perms(m),
        class,
        rss_bytes: field("Rss"),
        lazy_free_bytes: field("LazyFree"),
        pathname: path_text(&m.pathname),
    }
}

fn path_text(path: &MMapPath) -> String {
    match path {
        MMapPath::Path(p) => p.display().to_string(),
        MMapPath::Heap => "[heap]".into(),
        MMapPath::Stack => "[stack]".into(),
        MMapPath::TStack(tid) => format!("[stack:{tid}]"),
        MMapPath::Vdso => "[vdso]".into(),
        MMapPath::Vvar => "[vvar]".into(),
        MMapPath::Vsyscall => "[vsyscall]".into(),
        MMapPath::Rollup => "[rollup]".into(),
        MMapPath::Anonymous => String::new(),
        MMapPath::Vsys(key) => format!("/SYSV{key:08x}"),
        MMapPath::Other(name) => format!("[{name}]"),
    }
}

#[cfg(test)]
mod tests;
