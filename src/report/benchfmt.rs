//! Kept runs in the Go benchmark format
//! (go.googlesource.com/proposal/+/master/design/14313-benchmark-format.md),
//! so that `benchstat` compares two toolchains or two settings: a line per
//! experiment × settings × phase × repeat (iteration count 1, so benchstat
//! sees one sample per repeat), key figures with their units.

use std::fmt::Write as _;

use crate::measure::machine::Machine;
use crate::timeline::{Phase, Timeline};

/// The key figures of a phase: (unit, value); LazyFree only where read.
fn figures(p: &Phase) -> Vec<(&'static str, u64)> {
    [
        ("rss-bytes", Some(p.os.rss_bytes)),
        ("peak-RSS-bytes", Some(p.os.hwm_bytes)),
        ("vm-size-bytes", Some(p.os.vm_size_bytes)),
        ("lazy-free-bytes", p.os.lazy_free_bytes),
        ("heap-alloc-bytes", Some(p.go.heap_alloc_bytes)),
        ("heap-sys-bytes", Some(p.go.heap_sys_bytes)),
        ("heap-released-bytes", Some(p.go.heap_released_bytes)),
    ]
    .into_iter()
    .filter_map(|(unit, v)| Some((unit, v?)))
    .collect()
}

/// The Go architecture name of this machine (`amd64`, `arm64`...).
fn goarch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        "powerpc64" => "ppc64le",
        other => other,
    }
}

/// A configuration value on one line (the format ends a value at the line's end).
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

/// The configuration lines of one results folder: Go version, OS, machine.
pub fn header(go_version: &str, machine: &Machine) -> String {
    format!(
        "goos: linux\ngoarch: {}\ngo: {}\nkernel: {}\nthp: {}\ncgroup: {}\ncpus: {}\n",
        goarch(),
        one_line(go_version),
        one_line(&machine.kernel),
        one_line(&machine.thp),
        one_line(&machine.cgroup),
        machine.cpus
    )
}

/// The `pkg:` line that starts an experiment's benchmarks.
pub fn pkg(experiment: &str) -> String {
    format!("pkg: gomemlab/{}\n", one_line(experiment))
}

/// A benchmark name part: no spaces (sub-benchmarks are split at `/`).
fn part(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_whitespace() || c == '/' {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// `Bigbytes` from `bigbytes`.
fn title(experiment: &str) -> String {
    let mut chars = experiment.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().chain(chars).collect::<String>()
    })
}

/// One line per phase of one run: `BenchmarkExp/settings/phase 1 <v> <unit>...`.
/// A phase name seen before in the run gets `#2`, `#3`... (one sample per
/// repeat and name).
pub fn run_lines(experiment: &str, settings: &str, timeline: &Timeline) -> String {
    let mut out = String::new();
    let mut seen: Vec<&str> = Vec::new();
    for p in &timeline.phases {
        let n = seen.iter().filter(|s| **s == p.name).count();
        seen.push(&p.name);
        let phase = if n == 0 {
            part(&p.name)
        } else {
            format!("{}#{}", part(&p.name), n + 1)
        };
        let _ = write!(
            out,
            "Benchmark{}/{}/{phase} 1",
            part(&title(experiment)),
            part(settings)
        );
        for (unit, v) in figures(p) {
            let _ = write!(out, " {v} {unit}");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_have_no_spaces_and_start_upper_case() {
        assert_eq!(title("bigbytes"), "Bigbytes");
        assert_eq!(part("GOGC=50 -mode a/b"), "GOGC=50_-mode_a_b");
    }
}
