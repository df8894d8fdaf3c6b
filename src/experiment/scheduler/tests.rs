//! The scheduler on a fake run (no Go): results come back in (lane,
//! experiment) order whatever order they finish in, the sink hears every
//! run, and a raised stop flag ends the wait.

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use super::*;
use crate::experiment::schedule::Timing;
use crate::toolchain::GoVersion;

const FILE: &str = r#"title = "t"
article = "new"
fixture = "idle"
repeats = 2
timing = "TIMING"

[[claim]]
id = "ID"
says = "s"
check = ["os.rss@started <= 8MiB"]
"#;

fn experiment(name: &str, timing: &str) -> Experiment {
    let text = FILE.replace("TIMING", timing).replace("ID", name);
    let path = std::path::PathBuf::from(format!("{name}.toml"));
    crate::experiment::parse(&path, &text, &["idle".to_string()]).expect("the test file parses")
}

fn toolchain(name: &str) -> Toolchain {
    Toolchain {
        version: GoVersion::parse(name).expect("a Go version"),
        go: format!("/nowhere/{name}/bin/go").into(),
    }
}

/// Runs nothing: reports each row's runs as starting and returns an empty
/// result, the later experiments sooner (so they finish out of order).
struct FakeRunner;

impl Runner for FakeRunner {
    fn run(
        &self,
        exp: &Experiment,
        toolchain: &Toolchain,
        progress: &mut dyn FnMut(Progress) -> Heard,
    ) -> ExperimentResult {
        let wait = match exp.name.as_str() {
            "a" => 60,
            "b" => 30,
            _ => 0,
        };
        std::thread::sleep(Duration::from_millis(wait));
        for cell in &exp.cells {
            for done in 0..exp.repeats as usize {
                let _ = progress(Progress::Run {
                    experiment: &exp.name,
                    settings: cell.label(),
                    done,
                    total: exp.repeats as usize,
                });
            }
        }
        ExperimentResult {
            experiment: exp.name.clone(),
            title: exp.title.clone(),
            article: exp.article.clone(),
            fixture: exp.fixture.clone(),
            go_version: toolchain.version.name(),
            go_line: String::new(),
            repeats: exp.repeats,
            cells: Vec::new(),
            error: None,
        }
    }
}

#[derive(Default)]
struct Told(Mutex<Vec<String>>);

impl Sink for Told {
    type Drawn = ();
    fn run_starting(&self, go: &str, experiment: &str, settings: &str) {
        if let Ok(mut heard) = self.0.lock() {
            heard.push(format!("{go}{experiment} [{settings}]"));
        }
    }
    fn observed(&self, _: &str, _: usize, _: &Analyzed) -> Option<()> {
        None
    }
}

fn lanes(gos: &[&str]) -> Vec<ToolchainLane> {
    gos.iter()
        .map(|g| ToolchainLane::new(toolchain(g), None, &[]))
        .collect()
}

#[test]
fn results_come_back_in_lane_and_experiment_order() {
    let experiments = [
        experiment("a", "independent"),
        experiment("b", "independent"),
        experiment("c", "sensitive"),
    ];
    assert_eq!(experiments[0].timing, Timing::Independent);
    let mut lanes = lanes(&["go1.21.13", "go1.26.8"]);
    let sink = Told::default();
    let stop = AtomicBool::new(false);
    let batch = run(
        &mut lanes,
        &experiments,
        &FakeRunner,
        &sink,
        &(4, 2).into(),
        &stop,
        |_, _| panic!("not interrupted"),
    );
    assert!(batch.warnings.is_empty() && batch.drawn.is_empty());
    for (lane, go) in lanes.iter().zip(["go1.21.13", "go1.26.8"]) {
        let names: Vec<_> = lane.results.iter().map(|r| r.experiment.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert!(lane.results.iter().all(|r| r.go_version == go));
    }
    let heard = sink.0.into_inner().expect("the sink");
    // 3 experiments × 1 row × 2 repeats × 2 lanes, each named with its Go.
    assert_eq!(heard.len(), 12, "{heard:?}");
    assert!(
        heard.contains(&"go1.26.8 c [defaults]".to_string()),
        "{heard:?}"
    );
    assert!(close(&mut lanes, false).is_empty());
}

#[test]
fn one_lane_names_no_go_version() {
    let experiments = [experiment("c", "sensitive")];
    let mut lanes = lanes(&["go1.26.8"]);
    let sink = Told::default();
    let stop = AtomicBool::new(false);
    run(
        &mut lanes,
        &experiments,
        &FakeRunner,
        &sink,
        &(1, 1).into(),
        &stop,
        |_, _| panic!("not interrupted"),
    );
    let heard = sink.0.into_inner().expect("the sink");
    assert_eq!(heard, ["c [defaults]", "c [defaults]"]);
}

#[test]
fn a_raised_stop_flag_hands_what_finished_to_the_caller() {
    let experiments = [experiment("a", "independent"), experiment("c", "sensitive")];
    let mut lanes = lanes(&["go1.26.8"]);
    let stop = AtomicBool::new(true);
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run(
            &mut lanes,
            &experiments,
            &FakeRunner,
            &Told::default(),
            &(1, 1).into(),
            &stop,
            |lanes, _| panic!("interrupted with {} results", lanes[0].results.len()),
        )
    }));
    let why = caught.expect_err("the interrupt handler ran");
    let why = why.downcast_ref::<String>().expect("a message");
    assert!(why.starts_with("interrupted with "), "{why}");
}
