//! `run --plot`, `--perfetto` and `--csv` on a real run: the files are there,
//! whole, and say what the run did (the trace: its counters, slices,
//! syscall instants and named tracks).

mod common;

use common::gomemlab;

#[test]
fn a_run_writes_its_plot_trace_and_csv_files() {
    let dir = tempfile::tempdir().unwrap();
    let (svg, png, trace, csv) = (
        dir.path().join("run.svg"),
        dir.path().join("run.png"),
        dir.path().join("run.trace.json"),
        dir.path().join("csv"),
    );
    let out = gomemlab()
        .args([
            "run",
            "bigbytes",
            "--trace-syscalls",
            "--env",
            "GODEBUG=gctrace=1",
        ])
        .arg("--out")
        .arg(dir.path())
        .arg("--plot")
        .arg(&svg)
        .arg("--perfetto")
        .arg(&trace)
        .arg("--csv")
        .arg(&csv)
        .args(["--", "-count", "3", "-size", "20000000"])
        .output()
        .unwrap();
    common::stdout_of_success(&out);
    let timeline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("timeline.json")).unwrap())
            .unwrap();
    let phases: Vec<&str> = timeline["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    // Phases with a Go view (the exit snapshot is the OS's alone).
    let with_go = timeline["phases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p.get("go").is_some_and(|g| !g.is_null()))
        .count();
    let samples = timeline["samples"]["count"].as_u64().unwrap() as usize;
    let gcs = timeline["events"].as_array().map_or(0, |e| e.len());
    assert!(gcs >= 1, "gctrace=1 gives GC events");

    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    for name in &phases {
        assert!(
            svg.lines().any(|l| l.trim() == *name),
            "phase {name} is labelled"
        );
    }

    let trace: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&trace).unwrap()).unwrap();
    let events = trace["traceEvents"].as_array().unwrap();
    let count = |ph: &str, name: &str| {
        let hits = events.iter().filter(|e| e["ph"] == ph);
        hits.filter(|e| e["name"].as_str().unwrap().starts_with(name))
            .count()
    };
    // Counters: the fast series at every sample, the Go view at every phase.
    assert_eq!(count("C", "RSS"), samples);
    assert_eq!(count("C", "VmSize"), samples);
    for name in [
        "HeapAlloc",
        "HeapInuse",
        "HeapSys - HeapReleased",
        "heap goal",
    ] {
        assert_eq!(count("C", name), with_go, "counter {name}");
    }
    // The OS side's counter at every phase, the exit snapshot too.
    assert_eq!(count("C", "LazyFree"), phases.len(), "counter LazyFree");
    // Slices: each phase, each GC cycle; instants: each traced syscall.
    assert_eq!(count("X", "GC "), gcs);
    for name in &phases {
        assert_eq!(count("X", name), 1, "phase {name} is a slice");
    }
    let syscalls = timeline["syscalls"].as_array().unwrap();
    assert!(
        syscalls.len() >= 10,
        "--trace-syscalls traced the mmap calls"
    );
    let instants: Vec<&serde_json::Value> = events.iter().filter(|e| e["ph"] == "i").collect();
    assert_eq!(instants.len(), syscalls.len());
    assert!(count("i", "madvise") >= 1, "bigbytes frees with madvise");
    assert!(count("i", "mmap") >= 1);
    // Named tracks: the process, the phase and GC rows, each syscall thread.
    let names: Vec<(u64, &str)> = events
        .iter()
        .filter(|e| e["ph"] == "M" && e["name"] == "thread_name")
        .map(|e| {
            (
                e["tid"].as_u64().unwrap(),
                e["args"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    let track = |tid: &serde_json::Value| names.iter().find(|n| Some(n.0) == tid.as_u64());
    for (kind, want) in [("X", "phases"), ("X", "GC cycles")] {
        let on = events.iter().filter(|e| e["ph"] == kind);
        let named = on.filter(|e| track(&e["tid"]).is_some_and(|t| t.1 == want));
        assert!(
            named.count() >= 1,
            "slices on a track named {want}: {names:?}"
        );
    }
    for i in &instants {
        assert!(track(&i["tid"]).is_some(), "{i} is on a named thread");
    }
    let process = events
        .iter()
        .find(|e| e["ph"] == "M" && e["name"] == "process_name")
        .unwrap();
    assert!(
        process["args"]["name"]
            .as_str()
            .unwrap()
            .starts_with("bigbytes")
    );

    let samples_csv = std::fs::read_to_string(csv.join("samples.csv")).unwrap();
    assert_eq!(samples_csv.lines().count(), samples + 1);
    let phases_csv = std::fs::read_to_string(csv.join("phases.csv")).unwrap();
    let rows: Vec<&str> = phases_csv.lines().skip(1).collect();
    assert_eq!(rows.len(), phases.len());
    for (row, name) in rows.iter().zip(&phases) {
        assert!(row.starts_with(&format!("{name},")), "{row}");
    }

    // PNG: a second run, to the other format.
    let out = gomemlab()
        .args(["run", "idle", "--plot"])
        .arg(&png)
        .args(["--", "-hold", "50ms"])
        .output()
        .unwrap();
    common::stdout_of_success(&out);
    let png = std::fs::read(&png).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG file");
}

#[test]
fn a_plot_file_of_another_kind_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = gomemlab()
        .args(["run", "bigbytes", "--plot"])
        .arg(dir.path().join("run.pdf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: cannot plot to `") && stderr.contains(".svg or .png"));
    assert!(out.stdout.is_empty(), "no run");
}
