//! Tests of `file`.
use super::*;

const GOOD: &str = r#"title = "t"
article = "002"
fixture = "bigbytes"
repeats = 2

[[settings]]
GODEBUG = "madvdontneed=0"

[[settings]]
GOGC = 50
args = ["-count", "2"]

[[claim]]
id = "c-one"
says = "s"
when = { GODEBUG = "madvdontneed=0" }
check = ["os.rss@freed >= 0.9 * os.rss@allocated"]
"#;

fn fixtures() -> Vec<String> {
    vec!["bigbytes".into(), "idle".into()]
}

fn error(text: &str) -> String {
    parse(Path::new("x.toml"), text, &fixtures())
        .unwrap_err()
        .to_string()
}

#[test]
fn loads_cells_and_claims() {
    let e = parse(Path::new("dir/madv.toml"), GOOD, &fixtures()).unwrap();
    assert_eq!(e.name, "madv");
    assert_eq!(e.repeats, 2);
    assert_eq!(e.cells.len(), 2);
    assert_eq!(e.cells[1].label(), "GOGC=50 -count 2");
    assert!(e.cells[0].matches(&e.claims[0].when));
    assert!(!e.cells[1].matches(&e.claims[0].when));
    assert_eq!(e.claims[0].checks[0].line, 17);
}

#[test]
fn empty_when_value_means_unset() {
    let cell = Cell {
        env: BTreeMap::new(),
        args: vec![],
        extra_args: vec![],
        memory_max: None,
        build: Default::default(),
    };
    let when: BTreeMap<String, String> = [("GODEBUG".to_string(), String::new())].into();
    assert!(cell.matches(&when));
}

#[test]
fn errors_give_file_line_and_what_is_valid() {
    let e = error(&GOOD.replace("repeats = 2", "repeats = 2\ncolour = 3"));
    assert!(e.starts_with("x.toml:5:") && e.contains("colour"), "{e}");
    let e = error(&GOOD.replace("\"bigbytes\"", "\"bigbites\""));
    assert!(
        e.starts_with("x.toml:3:") && e.contains("bigbytes, idle"),
        "{e}"
    );
    let e = error(&GOOD.replace("\"002\"", "\"9\""));
    assert!(e.starts_with("x.toml:2:") && e.contains("000, 001"), "{e}");
    let e = error(&GOOD.replace("GOGC = 50", "GOFAST = 1"));
    assert!(
        e.starts_with("x.toml:9:") && e.contains("GOMEMLIMIT"),
        "{e}"
    );
    let e = error(&GOOD.replace("os.rss@freed >=", "os.rs@freed >="));
    assert!(
        e.starts_with("x.toml:17:") && e.contains("lazy_free"),
        "{e}"
    );
    let e = error(&GOOD.replace("madvdontneed=0\" }", "madvdontneed=2\" }"));
    assert!(e.contains("matches no settings row"), "{e}");
    let e = error(&GOOD.replace("repeats = 2", "repeats = 0"));
    assert!(e.contains("give 1 to 1000"), "{e}");
    let e = error("title = ");
    assert!(e.starts_with("x.toml:1:"), "{e}");
}

#[test]
fn timeout_repeats_and_max_rss_are_bounded() {
    let e = error(&GOOD.replace("repeats = 2", "repeats = 2\ntimeout = \"300000000000y\""));
    assert!(e.starts_with("x.toml:5: ") && e.contains("timeout"), "{e}");
    let e = error(&GOOD.replace("repeats = 2", "repeats = 2\ntimeout = \"0s\""));
    assert!(e.starts_with("x.toml:5: ") && e.contains("above 0"), "{e}");
    let e = error(&GOOD.replace("repeats = 2", "repeats = 2\ntimeout = \"25h\""));
    assert!(e.contains("at most 24h"), "{e}");
    let e = error(&GOOD.replace("repeats = 2", "repeats = 4294967295"));
    assert!(
        e.starts_with("x.toml:4: ") && e.contains("give 1 to 1000"),
        "{e}"
    );
    let e = error(&GOOD.replace("repeats = 2", "repeats = 2\nmax-rss = \"lots\""));
    assert!(e.starts_with("x.toml:5: ") && e.contains("8GiB"), "{e}");
    let ok = GOOD.replace(
        "repeats = 2",
        "repeats = 1000\nmax-rss = \"2GiB\"\ntimeout = \"24h\"",
    );
    let exp = parse(Path::new("x.toml"), &ok, &fixtures()).unwrap();
    assert_eq!((exp.repeats, exp.max_rss), (1000, Some(2 << 30)));
}

#[test]
fn when_keys_must_be_settings() {
    let e = error(&GOOD.replace("when = { GODEBUG", "when = { GOGCC = \"50\", GODEBUG"));
    assert!(e.starts_with("x.toml:14: "), "{e}");
    assert!(
        e.contains("`GOGCC` is not a setting") && e.contains("args, memory-max, GODEBUG, GOGC"),
        "{e}"
    );
    let ok = GOOD.replace(
        "when = { GODEBUG = \"madvdontneed=0\" }",
        "when = { args = \"-count 2\" }",
    );
    assert!(parse(Path::new("x.toml"), &ok, &fixtures()).is_ok());
}

#[test]
fn claim_ids_are_unique_and_both_places_are_named() {
    let second = "\n[[claim]]\nid = \"c-one\"\nsays = \"s\"\ncheck = [\"os.rss@freed >= 1\"]\n";
    let e = error(&format!("{GOOD}{second}"));
    assert!(
        e.starts_with("x.toml:20: ") && e.contains("already used at x.toml:14"),
        "{e}"
    );
    let a = parse(Path::new("a.toml"), GOOD, &fixtures()).unwrap();
    let b = parse(
        Path::new("b.toml"),
        &GOOD.replace("\n\n\n", "\n\n\n\n"),
        &fixtures(),
    )
    .unwrap();
    assert_eq!(a.claims[0].line, 14);
    let e = check_unique_ids(&[a.clone(), b]).unwrap_err().to_string();
    assert!(
        e.starts_with("b.toml:14: ") && e.contains("already used at a.toml:14"),
        "{e}"
    );
    assert!(check_unique_ids(&[a]).is_ok());
}

#[test]
fn deep_views_need_their_switch() {
    let traced = GOOD.replace(
        "os.rss@freed >= 0.9 * os.rss@allocated",
        "count(syscalls.munmap where in heap_arena) == 0",
    );
    let e = error(&traced);
    assert!(
        e.starts_with("x.toml:17:") && e.contains("trace-syscalls = true"),
        "{e}"
    );
    let e = error(&traced.replace("repeats = 2", "repeats = 2\ntrace-syscalls = true"));
    assert!(
        e.starts_with("x.toml:18:") && e.contains("maps = true"),
        "{e}"
    );
    let ok = traced.replace(
        "repeats = 2",
        "repeats = 2\ntrace-syscalls = true\nmaps = true",
    );
    let exp = parse(Path::new("x.toml"), &ok, &fixtures()).unwrap();
    assert!(exp.trace_syscalls && exp.maps);

    let exact = GOOD.replace(
        "check = [",
        "exact = [\"maps.heap_arena.size@freed\"]\ncheck = [",
    );
    let e = error(&exact);
    assert!(
        e.starts_with("x.toml:17:") && e.contains("maps = true"),
        "{e}"
    );
    let exp = parse(
        Path::new("x.toml"),
        &exact.replace("repeats = 2", "repeats = 2\nmaps = true"),
        &fixtures(),
    )
    .unwrap();
    assert_eq!(exp.claims[0].exacts.len(), 1);
}

#[test]
fn profile_and_ledger_views_need_their_switch_and_valid_names() {
    let profiled = GOOD.replace(
        "os.rss@freed >= 0.9 * os.rss@allocated",
        "profile.inuse_space@freed <= ledger.limit@freed",
    );
    let e = error(&profiled);
    assert!(
        e.starts_with("x.toml:17:") && e.contains("heap-profile = ["),
        "{e}"
    );
    let e = error(&profiled.replace("repeats = 2", "repeats = 2\nheap-profile = [\"freed\"]"));
    assert!(
        e.starts_with("x.toml:18:") && e.contains("maps = true"),
        "{e}"
    );
    let ok = profiled.replace(
        "repeats = 2",
        "repeats = 2\nheap-profile = [\"freed\"]\nmaps = true",
    );
    let exp = parse(Path::new("x.toml"), &ok, &fixtures()).unwrap();
    assert_eq!(exp.heap_profile, ["freed"]);
    let e = error(&ok.replace("profile.inuse_space@", "profile.inuse@"));
    assert!(
        e.contains("inuse_space") && e.contains("alloc_space"),
        "{e}"
    );
    let e = error(&ok.replace("ledger.limit@", "ledger.heap_arena.rss@"));
    assert!(e.contains("resident") && e.contains("runtime"), "{e}");
}

#[test]
fn memory_max_is_a_row_setting_apart_from_the_environment() {
    let text = GOOD.replace("GOGC = 50\n", "GOGC = 50\nmemory-max = \"256MiB\"\n");
    let e = parse(Path::new("x.toml"), &text, &fixtures()).unwrap();
    let cell = &e.cells[1];
    assert_eq!(cell.memory_max, Some(256 << 20));
    assert!(!cell.env.contains_key("memory-max"));
    assert_eq!(cell.label(), "GOGC=50 memory-max=256MiB -count 2");
    let when = |v: &str| BTreeMap::from([("memory-max".to_string(), v.to_string())]);
    assert!(cell.matches(&when("256MiB")) && cell.matches(&when("256 MiB")));
    assert!(!cell.matches(&when("")) && !cell.matches(&when("128MiB")));
    assert!(e.cells[0].matches(&when("")));
    let e = error(&GOOD.replace("GOGC = 50\n", "GOGC = 50\nmemory-max = \"lots\"\n"));
    assert!(e.contains("memory-max") && e.contains("512MiB"), "{e}");
}

#[test]
fn build_settings_rows_and_claim_conditions_load() {
    let text = r#"title = "t"
article = "new"
fixture = "idle"

[[settings]]
GOEXPERIMENT = "nogreenteagc"

[[settings]]
go-line = "1.22"

[[claim]]
id = "c"
says = "s"
go = ">=1.23 <1.27"
requires = ["thp=always|madvise", "anon_vma_names"]
when = { go-line = "1.22" }
check = ["go.num_gc@started >= 0"]
"#;
    let e = parse(Path::new("b.toml"), text, &fixtures()).unwrap();
    assert_eq!(
        e.cells[0].build.goexperiment.as_deref(),
        Some("nogreenteagc")
    );
    assert_eq!(e.cells[0].label(), "GOEXPERIMENT=nogreenteagc");
    assert_eq!(e.cells[1].label(), "go-line=1.22");
    assert!(!e.cells[0].matches(&e.claims[0].when));
    assert!(e.cells[1].matches(&e.claims[0].when));
    assert_eq!(e.claims[0].requires.len(), 2);
    let go = e.claims[0].go.as_ref().unwrap();
    let v = |s| crate::toolchain::GoVersion::parse(s).unwrap();
    assert!(go.contains(&v("go1.26.8")) && !go.contains(&v("go1.22.10")));

    let bad = |from: &str, to: &str| {
        parse(Path::new("b.toml"), &text.replace(from, to), &fixtures())
            .unwrap_err()
            .to_string()
    };
    let e = bad("go-line = \"1.22\"", "go-line = \"1.x\"");
    assert!(e.starts_with("b.toml:") && e.contains("go-line"), "{e}");
    let e = bad("\"nogreenteagc\"", "\"no green\"");
    assert!(e.contains("GOEXPERIMENT"), "{e}");
    let e = bad(">=1.23 <1.27", "1.23");
    assert!(e.contains("no bound"), "{e}");
    let e = bad("\"anon_vma_names\"", "\"colour\"");
    assert!(e.contains("unknown machine fact `colour`"), "{e}");
}

#[test]
fn timing_is_sensitive_unless_said_independent() {
    use crate::experiment::schedule::Timing;
    let e = parse(Path::new("x.toml"), GOOD, &fixtures()).unwrap();
    assert_eq!(e.timing, Timing::Sensitive);
    let text = format!("timing = \"independent\"\n{GOOD}");
    let e = parse(Path::new("x.toml"), &text, &fixtures()).unwrap();
    assert_eq!(e.timing, Timing::Independent);
    let bad = error(&format!("timing = \"fast\"\n{GOOD}"));
    assert!(bad.starts_with("x.toml:1: unknown variant `fast`"), "{bad}");
    assert!(
        bad.contains("`sensitive`") && bad.contains("`independent`"),
        "{bad}"
    );
}

#[test]
fn every_bundled_experiment_file_loads() {
    let fixtures = crate::fixture::Fixtures::bundled().unwrap().names();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments");
    for d in [dir.clone(), dir.join("slow")] {
        let loaded = crate::experiment::load_dir(&d, &fixtures).unwrap();
        assert!(!loaded.is_empty());
    }
}
