//! `--html FILE` in a real browser: headless Chromium opens the page from
//! file://, takes a screenshot (not blank), logs no console message and
//! makes no request; a plot zooms to a phase and its tooltip reads the
//! phase's values. Negative pages prove each detector fires. Where
//! Chromium is not installed the tests print a skip line (and fail when
//! GOMEMLAB_REQUIRE_CHROMIUM is set, as .ci/run, which installs it, does).

mod common;

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use wait_timeout::ChildExt as _;

/// Chromium on PATH, or `None` after a skip line (a failure when required).
fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("chromium"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("GOMEMLAB_REQUIRE_CHROMIUM").is_none(),
            "chromium is not on PATH: .ci/run installs it (apt-get install chromium)"
        );
        eprintln!("skipped: chromium is not on PATH (apt-get install chromium)");
    }
    found
}

/// What the browser did with a page.
#[derive(Debug)]
struct Visit {
    /// Console messages (any level: the report logs none).
    console: Vec<String>,
    /// URLs the page asked the network for.
    requests: Vec<String>,
}

/// Opens `page` from disk in headless Chromium (with a screenshot to
/// `shot` if given), in a process group of its own killed at the end.
fn visit(chromium: &Path, page: &Path, shot: Option<&Path>) -> Visit {
    open(chromium, page, "", shot).0
}

/// Opens `page#hash` (the page's test hooks read the hash) and returns
/// what the browser did and, without a screenshot, the DOM after scripts.
fn open(chromium: &Path, page: &Path, hash: &str, shot: Option<&Path>) -> (Visit, String) {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let netlog = tmp.path().join("netlog.json");
    let mut cmd = Command::new(chromium);
    cmd.args([
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--enable-logging=stderr",
        "--v=0",
        // Any name lookup fails here: nothing leaves the machine.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--virtual-time-budget=3000",
        "--window-size=1280,2000",
    ])
    .arg(format!(
        "--user-data-dir={}",
        tmp.path().join("profile").display()
    ))
    .arg(format!("--log-net-log={}", netlog.display()));
    match shot {
        Some(png) => cmd.arg(format!("--screenshot={}", png.display())),
        None => cmd.arg("--dump-dom"),
    };
    let dom = tmp.path().join("dom.html");
    cmd.arg(format!("file://{}{hash}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::from(
            std::fs::File::create(&dom).expect("a dom file"),
        ))
        .stderr(Stdio::from(
            std::fs::File::create(tmp.path().join("stderr")).expect("a stderr file"),
        ))
        .process_group(0);
    let mut child = cmd.spawn().expect("chromium starts");
    let group = Pid::from_raw(child.id() as i32);
    let status = child
        .wait_timeout(Duration::from_secs(120))
        .expect("waiting for chromium");
    // Chromium leaves helpers (zygote, GPU, network service): end the group.
    let _ = killpg(group, Signal::SIGKILL);
    let _ = child.wait();
    assert!(status.is_some(), "chromium did not finish in 120 s");
    assert!(
        survivors(group).is_empty(),
        "chromium processes survive: {:?}",
        survivors(group)
    );
    let stderr = std::fs::read_to_string(tmp.path().join("stderr")).expect("stderr");
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(String::from)
        .collect();
    let visit = Visit {
        console,
        requests: requests(&netlog),
    };
    (visit, std::fs::read_to_string(dom).expect("the dom"))
}

/// Processes still in process group `group` (after a moment to die).
fn survivors(group: Pid) -> Vec<i32> {
    std::thread::sleep(Duration::from_millis(200));
    let pgid = group.as_raw().to_string();
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp ...: fields after the last `)`.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map_or(vec![], |(_, rest)| rest.split_whitespace().collect());
        if fields.get(2) == Some(&pgid.as_str()) && fields.first() != Some(&"Z") {
            out.push(entry.file_name().to_string_lossy().parse().unwrap_or(0));
        }
    }
    out
}

/// The URLs that pages opened from file:// asked for (the browser's own
/// background requests have another isolation key and are left out).
fn requests(netlog: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(netlog).expect("a net log");
    let log: serde_json::Value = serde_json::from_str(&text).expect("the net log is JSON");
    let events = log["events"].as_array().cloned().unwrap_or_default();
    let mut urls: Vec<String> = events
        .iter()
        .map(|e| &e["params"])
        .filter(|p| {
            p["network_isolation_key"]
                .as_str()
                .is_some_and(|k| k.starts_with("file://"))
        })
        .filter_map(|p| p["url"].as_str().map(String::from))
        .collect();
    urls.dedup();
    urls
}

fn write(dir: &Path, name: &str, html: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, html).expect("a page");
    path
}

#[test]
fn a_console_error_is_detected() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().expect("a temp dir");
    let page = write(
        dir.path(),
        "console.html",
        "<!DOCTYPE html><p>x</p><script>console.error('gomemlab-negative')</script>",
    );
    let visit = visit(&chromium, &page, None);
    assert!(
        visit
            .console
            .iter()
            .any(|l| l.contains("gomemlab-negative")),
        "{visit:?}"
    );
}

#[test]
fn a_network_request_is_detected() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().expect("a temp dir");
    let page = write(
        dir.path(),
        "request.html",
        "<!DOCTYPE html><p>x</p><img src=\"http://example.com/x.png\">",
    );
    let visit = visit(&chromium, &page, None);
    assert_eq!(visit.requests, ["http://example.com/x.png"], "{visit:?}");
    assert!(visit.console.is_empty(), "{visit:?}");
}

fn recorded() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/results-go1.26.8")
}

/// `gomemlab report DIRS... --html FILE`.
fn report_html(dirs: &[&Path], file: &Path) {
    let out = Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .arg("report")
        .args(dirs)
        .arg("--html")
        .arg(file)
        .output()
        .expect("gomemlab runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
}

/// Distinct colours, and the share of pixels that are not the background.
fn ink(png: &Path) -> (usize, f64) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png).expect("the screenshot"),
    ));
    let mut reader = decoder.read_info().expect("a png header");
    let mut pixels = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut pixels).expect("one frame");
    assert_eq!((info.width, info.height), (1280, 2000));
    let step = info.color_type.samples();
    let px: Vec<&[u8]> = pixels.chunks(step).map(|p| &p[..3]).collect();
    let mut colours: Vec<&[u8]> = px.clone();
    colours.sort_unstable();
    colours.dedup();
    let background = px[0];
    let inked = px.iter().filter(|p| **p != background).count();
    (colours.len(), inked as f64 / px.len() as f64)
}

#[test]
fn the_report_opens_from_disk_with_no_console_message_and_no_request() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().expect("a temp dir");
    let page = dir.path().join("report.html");
    report_html(&[&recorded()], &page);
    let shot = dir.path().join("report.png");
    let visit = visit(&chromium, &page, Some(&shot));
    assert!(visit.console.is_empty(), "{visit:?}");
    assert!(visit.requests.is_empty(), "{visit:?}");
    let (colours, inked) = ink(&shot);
    assert!(colours > 200, "{colours} colours: text, chips and plots");
    assert!(inked > 0.05, "{:.1}% of the page inked", inked * 100.0);
}

#[test]
fn the_matrix_report_opens_too() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().expect("a temp dir");
    // The recorded folder again, as if measured with another Go.
    let other = dir.path().join("go1.25.5");
    common::copy_dir(&recorded(), &other);
    let manifest = other.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(&manifest, text.replace("\"go1.26.8\"", "\"go1.25.5\"")).expect("manifest");
    let page = dir.path().join("matrix.html");
    report_html(&[&recorded(), &other], &page);
    let html = std::fs::read_to_string(&page).expect("the page");
    assert!(html.contains("Claims × versions"));
    assert_eq!(
        html.matches("<svg ").count(),
        4,
        "a plot per row and version"
    );
    let visit = visit(&chromium, &page, None);
    assert!(visit.console.is_empty(), "{visit:?}");
    assert!(visit.requests.is_empty(), "{visit:?}");
}

#[test]
fn reproduce_writes_the_page_without_keeping_runs() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let page = dir.path().join("reproduce.html");
    let out = Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .env("GOMEMLAB_GO", &common::toolchain().go)
        .args(["reproduce", "--only", "idle-rss-small", "--html"])
        .arg(&page)
        .output()
        .expect("gomemlab runs");
    common::stdout_of_success(&out);
    let html = std::fs::read_to_string(&page).expect("the page");
    assert!(html.contains("id=\"claim-idle-rss-small\""));
    assert_eq!(html.matches("<svg ").count(), 1, "the row's first repeat");
    assert!(html.contains("defaults · go1."));
    // Nothing else written beside it.
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
}

#[test]
fn html_into_a_missing_folder_is_refused_before_running() {
    let out = Command::new(assert_cmd::cargo::cargo_bin!("gomemlab"))
        .args(["report"])
        .arg(recorded())
        .args(["--html", "/no/such/dir/report.html"])
        .output()
        .expect("gomemlab runs");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: --html /no/such/dir/report.html: not a file in an existing folder"
        ),
        "{stderr}"
    );
}

/// What the page's `#test-zoom=PHASE` hook wrote: the time range after the
/// phase's button was clicked, and the tooltip's rows with the phase hovered.
fn test_read(dom: &str) -> serde_json::Value {
    let start = dom
        .find("<pre id=\"test-read\">")
        .expect("the test hook ran")
        + 20;
    let end = start + dom[start..].find("</pre>").expect("</pre>");
    let text = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: the hook wrote {text:?}"))
}

fn mib(tip: &serde_json::Value, row: &str) -> f64 {
    let text = tip[row]
        .as_str()
        .unwrap_or_else(|| panic!("no row {row}: {tip}"));
    let value = text.strip_suffix(" MiB").expect("MiB");
    value.parse().expect("a number")
}

#[test]
fn a_plot_zooms_to_a_phase_and_its_tooltip_reads_the_phase_values() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().expect("a temp dir");
    let page = dir.path().join("report.html");
    report_html(&[&recorded()], &page);
    let (visit, dom) = open(&chromium, &page, "#test-zoom=started", None);
    assert!(visit.console.is_empty(), "{visit:?}");
    assert!(visit.requests.is_empty(), "{visit:?}");
    let read = test_read(&dom);
    // The first plot with a `started` phase is hello's (repeat 1).
    let text = std::fs::read_to_string(recorded().join("hello/defaults/1/timeline.json"))
        .expect("the timeline");
    let timeline: serde_json::Value = serde_json::from_str(&text).expect("json");
    let phases = timeline["phases"].as_array().expect("phases");
    let started = phases
        .iter()
        .find(|p| p["name"] == "started")
        .expect("a started phase");
    let t = started["t_ns"].as_f64().expect("t_ns") / 1e9;
    let last = timeline["samples"]
        .as_array()
        .and_then(|s| s.last())
        .and_then(|s| s["t_ns"].as_f64())
        .map(|t| t / 1e9);
    // Zoomed: the phase is inside the range, which ends well before the run.
    let (min, max) = (read["min"].as_f64(), read["max"].as_f64());
    let (min, max) = (min.expect("min"), max.expect("max"));
    assert!(min < t && t < max, "{t} outside {min}..{max}: {read}");
    let end = last.expect("samples");
    assert!(max < end / 4.0, "not zoomed: {min}..{max} of a {end} s run");
    // The VmSize panel shares the time axis.
    assert_eq!(read["vmMin"].as_f64(), Some(min), "{read}");
    let tip = &read["tip"];
    assert!(
        tip["phase"]
            .as_str()
            .is_some_and(|p| p.starts_with("started (")),
        "{read}"
    );
    let mib_of = |bytes: &serde_json::Value| bytes.as_f64().expect("bytes") / 1048576.0;
    let heap_alloc = mib_of(&started["go"]["heap_alloc_bytes"]);
    assert!(
        (mib(tip, "HeapAlloc") - heap_alloc).abs() < 0.006,
        "{heap_alloc}: {read}"
    );
    let hwm = mib_of(&started["os"]["hwm_bytes"]);
    assert!((mib(tip, "VmHWM") - hwm).abs() < 0.006, "{hwm}: {read}");
}

#[test]
fn the_test_hook_says_when_no_plot_has_the_phase() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().expect("a temp dir");
    let page = dir.path().join("report.html");
    report_html(&[&recorded()], &page);
    let (visit, dom) = open(&chromium, &page, "#test-zoom=no-such-phase", None);
    assert!(visit.console.is_empty(), "{visit:?}");
    let read = test_read(&dom);
    assert_eq!(read["error"], "no plot has this phase", "{read}");
}

/// A GC cycle (gctrace) read at `t_ns`, as the timeline keeps it.
fn gc_event(t_ns: u64, cycle: u64) -> serde_json::Value {
    serde_json::json!({
        "kind": "gc", "t_ns": t_ns, "cycle": cycle, "at_ns": t_ns, "cpu_percent": 0,
        "sweep_term_ns": 0, "mark_ns": 0, "mark_term_ns": 0, "heap_start_bytes": 0,
        "heap_end_bytes": 0, "heap_live_bytes": 0, "goal_bytes": 0, "stacks_bytes": 0,
        "globals_bytes": 0, "procs": 2, "forced": false, "raw": format!("gc {cycle}"),
    })
}

/// A scavenger line (scavtrace) read at `t_ns`.
fn scav_event(t_ns: u64) -> serde_json::Value {
    serde_json::json!({
        "kind": "scav", "t_ns": t_ns, "released_bytes": 0, "heap_released_bytes": 0,
        "util_percent": 0, "forced": false, "controller_reset": false, "raw": "scav",
    })
}

#[test]
fn gc_cycles_and_scavenger_lines_are_ticks_on_rows_toggled_like_a_series() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().expect("a temp dir");
    // The recorded folder with GC cycles and scavenger lines in hello's
    // plotted run, one GC at `started`.
    let results = dir.path().join("results");
    common::copy_dir(&recorded(), &results);
    let path = results.join("hello/defaults/1/timeline.json");
    let text = std::fs::read_to_string(&path).expect("the timeline");
    let mut timeline: serde_json::Value = serde_json::from_str(&text).expect("json");
    let started = timeline["phases"][0]["t_ns"].as_u64().expect("started");
    let gcs = [5_000_000, started, 50_000_000, 100_000_000, 200_000_000];
    let scavs = [8_000_000, 150_000_000];
    let mut events: Vec<serde_json::Value> = (gcs.iter().zip(1..))
        .map(|(t, cycle)| gc_event(*t, cycle))
        .collect();
    events.extend(scavs.iter().map(|t| scav_event(*t)));
    timeline["events"] = events.into();
    std::fs::write(&path, timeline.to_string()).expect("the timeline");
    let page = dir.path().join("report.html");
    report_html(&[&results], &page);
    let (visit, dom) = open(&chromium, &page, "#test-zoom=started", None);
    assert!(visit.console.is_empty(), "{visit:?}");
    let read = test_read(&dom);
    let lanes = &read["lanes"];
    // The events panel shares the zoomed time axis, and lines up with the
    // memory panel's.
    assert_eq!(lanes["min"].as_f64(), read["min"].as_f64(), "{read}");
    assert_eq!(lanes["box"], lanes["memoryBox"], "{read}");
    let row_px = lanes["rowPx"].as_f64().expect("rowPx");
    assert!(row_px >= 16.0, "rows of {row_px} px: {read}");
    let (min, max) = (
        read["min"].as_f64().expect("min"),
        read["max"].as_f64().expect("max"),
    );
    let in_view = |ticks: &[u64]| {
        let t = ticks.iter().map(|t| *t as f64 / 1e9);
        t.filter(|t| (min..=max).contains(t)).count()
    };
    let row = |i: usize| {
        let l = &lanes["lanes"][i];
        (
            l["label"].as_str(),
            l["ticks"].as_u64(),
            l["inView"].as_u64(),
            l["shown"].as_bool(),
        )
    };
    let gc_in_view = Some(in_view(&gcs) as u64);
    assert_eq!(
        row(0),
        (Some("GC (5)"), Some(5), gc_in_view, Some(true)),
        "{read}"
    );
    let scav_in_view = Some(in_view(&scavs) as u64);
    assert_eq!(
        row(1),
        (Some("scavenger (2)"), Some(2), scav_in_view, Some(true)),
        "{read}"
    );
    assert!(
        gc_in_view > Some(0) && gc_in_view < Some(5),
        "zoomed: {read}"
    );
    // A click on GC in the legend hides it, another shows it again.
    assert_eq!(lanes["clicked"], "GC (5)", "{read}");
    assert_eq!(lanes["hiddenByClick"], true, "{read}");
    assert_eq!(lanes["shownAfter"], true, "{read}");
    // Hovered at `started`: the GC there is in the tooltip.
    let at = format!("{:.4} s", started as f64 / 1e9);
    assert_eq!(read["tip"]["GC"].as_str(), Some(at.as_str()), "{read}");
}
