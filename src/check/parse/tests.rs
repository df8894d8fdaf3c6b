//! Parser tests: the tree, the spans, the dimension rules, the limits, and
//! the round trip through `Display` (a property test).

use proptest::prelude::*;

use super::*;
use crate::check::ast::{CmpOp, Cond, Dim, Lit, Suffix, TextOp};
use crate::check::schema::records::SyscallField;
use crate::check::schema::{GoField, MapClass, OsField, RecordField, Syscall};

fn at(path: Path, phase: Option<&str>) -> Expr {
    let when = phase.map_or(When::EveryPhase, |p| When::Phase(p.into()));
    Expr::At { path, when }
}

fn err(text: &str) -> ParseError {
    parse_check(text).unwrap_err()
}

/// The column (1-based) and width the error's caret points at.
fn caret_of(text: &str) -> (usize, usize, String) {
    let e = err(text);
    (e.span.start + 1, e.span.end - e.span.start, e.message)
}

#[test]
fn a_phase_comparison_with_precedence() {
    let c = parse_check("os.rss@freed <= 0.10 * os.rss@allocated + 1MiB").unwrap();
    assert_eq!(c.dim, Dim::Bytes);
    let Test::Compare { lhs, op, rhs } = c.test else {
        panic!()
    };
    assert_eq!(lhs, at(Path::Os(OsField::RssBytes), Some("freed")));
    assert_eq!(op, CmpOp::Le);
    let Expr::Bin(ArithOp::Add, mul, mib) = rhs else {
        panic!("{rhs:?}")
    };
    assert!(matches!(*mul, Expr::Bin(ArithOp::Mul, _, _)));
    assert_eq!(
        *mib,
        Expr::Lit(Lit {
            mantissa: 1.0,
            suffix: Suffix::MiB
        })
    );
}

#[test]
fn phases_functions_and_monotone_checks() {
    let Expr::Bin(ArithOp::Sub, a, _) = parse_record("go.heap_sys@grown-2 - go.heap_sys@grown-1")
        .unwrap()
        .expr
    else {
        panic!()
    };
    assert_eq!(*a, at(Path::Go(GoField::HeapSysBytes), Some("grown-2")));
    let c = parse_check("nondecreasing(samples.vm_size)").unwrap();
    assert_eq!((c.kind(), c.dim), (CheckKind::Nondecreasing, Dim::Bytes));
    assert_eq!(
        parse_check("nonincreasing(maps.heap_arena.rss)")
            .unwrap()
            .kind(),
        CheckKind::Nonincreasing
    );
    assert_eq!(
        parse_check("max(samples.rss) >= 2 * go.heap_alloc@live")
            .unwrap()
            .dim,
        Dim::Bytes
    );
    assert_eq!(
        parse_record("t@wait-3 - t@collected").unwrap().dim,
        Dim::Duration
    );
    assert_eq!(parse_check("go.num_gc != 0").unwrap().dim, Dim::Count);
    assert_eq!(
        parse_check("go.heap_released <= go.heap_idle").unwrap().dim,
        Dim::Bytes
    );
    assert_eq!(parse_record("os.rss@a / os.rss@b").unwrap().dim, Dim::Ratio);
}

#[test]
fn errors_name_what_is_valid() {
    let e = err("os.rsss@freed <= 1").message;
    assert!(
        e.contains("unknown metric `os.rsss`") && e.contains("lazy_free"),
        "{e}"
    );
    assert!(err("os.rss@freed").message.contains("comparison"));
    assert!(err("os.rss@ <= 1").message.contains("phase name"));
    assert!(err("heap <= 1").message.contains("not a metric"));
    assert!(err("os.rss <= 3furlongs").message.contains("unknown unit"));
    assert!(err("samples.rss@x <= 1").message.contains("series"));
    assert!(err("samples.rss <= 1").message.contains("series"));
    assert!(err("os.rss <= 1 )").message.contains("end of the check"));
    assert!(err("t <= 1s").message.contains("t@<phase>"));
    assert!(
        err("max(os.rss@x) <= 1")
            .message
            .contains("leave out @phase")
    );
    assert!(err("max(1) <= 1").message.contains("a series"));
    assert!(
        err("1 <= nondecreasing(os.rss)")
            .message
            .contains("whole check")
    );
    let e = parse_record("go.num_gc").unwrap_err();
    assert!(
        e.message.contains("needs @phase") && e.span == Span::new(0, 9),
        "{e:?}"
    );
    let e = err("maps.heap_arenas.size@x <= 1").message;
    assert!(
        e.contains("heap_arena") && e.contains("runtime_off_heap"),
        "{e}"
    );
    assert!(
        err("maps.heap_arena.sizes@x <= 1")
            .message
            .contains("count, named, rss, size")
    );
    let e = err("maps.heap_arena@x <= 1").message;
    assert!(e.contains("not a number") && e.contains("rss"), "{e}");
    let e = err("ledger.heap_arena.rss@x <= 1").message;
    assert!(e.contains("resident") && e.contains("runtime"), "{e}");
}

#[test]
fn spans_point_at_the_bad_token() {
    assert_eq!(caret_of("os.rss@freed <= os.rsss@freed").0, 17);
    let (col, width, _) = caret_of("os.rss@freed <= 3furlongs");
    assert_eq!((col, width), (18, 8));
    let (col, width, m) = caret_of("os.rss@started <= 5s");
    assert_eq!((col, width), (16, 2));
    assert!(
        m.contains("`os.rss@started` is bytes") && m.contains("`5s` is a duration"),
        "{m}"
    );
    let (col, _, m) = caret_of("os.rss@a + t@b > 0");
    assert_eq!(col, 10);
    assert!(m.contains("adding"), "{m}");
    assert_eq!(caret_of("os.rss@a <= (1").0, 15);
}

#[test]
fn dimensions_are_checked_when_loading() {
    for bad in [
        "os.rss@started <= 5s",
        "go.num_gc@x == os.rss@x",
        "os.rss@a * os.rss@b <= 1",
        "1 / os.rss@a <= 1",
        "os.rss@a / t@a <= 1",
        "count(syscalls.mmap where len == 5s) == 0",
        "count(events.gc where cycle <= go.heap_alloc@x) == 0",
        "sum(syscalls.mmap.addr) == 0",
        "os.rss@x <= 10%",
    ] {
        assert!(parse_check(bad).is_err(), "{bad} should not load");
    }
    for good in [
        "go.total_alloc@allocated >= 1000000000",
        "first(syscalls.mmap.result where prot == 'PROT_NONE') == 0xc000000000",
        "first(syscalls.mmap.addr) + 4KiB != 0",
        "count(syscalls.mmap) * 4KiB <= os.rss@x",
        "sum(syscalls.madvise.len) / count(syscalls.madvise) <= 2MiB",
        "os.rss@a / os.rss@b >= 50%",
        "t@b - t@a <= 5s",
    ] {
        assert!(parse_check(good).is_ok(), "{good}: {:?}", parse_check(good));
    }
}

#[test]
fn deep_nesting_and_long_checks_are_errors_not_crashes() {
    let deep = format!("{}1{} <= 1", "(".repeat(20_000), ")".repeat(20_000));
    assert!(err(&deep).message.contains("at most"));
    let deep = format!("{}1 <= 1", "(".repeat(200));
    let e = err(&deep);
    assert!(e.message.contains("nested more than 64"), "{e:?}");
    assert_eq!(e.span, Span::new(64, 65));
    assert!(
        err(&format!("{}1 <= 1", "-".repeat(100)))
            .message
            .contains("nested")
    );
    assert!(
        err(&format!("{}1{} <= 1", "(-".repeat(40), ")".repeat(40)))
            .message
            .contains("nested")
    );
    let long = format!("1{} <= 1", " + 1".repeat(600));
    assert!(err(&long).message.contains("tokens"));
}

#[test]
fn queries_parse_into_collections_fields_and_conditions() {
    let e = parse_record("count(syscalls.mmap where len == 32MiB and prot == \"PROT_READ|PROT_WRITE\" or in heap_arena)").unwrap();
    assert_eq!(e.dim, Dim::Count);
    let Expr::Call(Func::Count, arg) = e.expr else {
        panic!()
    };
    let Arg::Query(q) = *arg else { panic!() };
    assert_eq!(q.collection, Collection::Syscalls(Some(Syscall::Mmap)));
    assert_eq!(q.field, None);
    assert_eq!((q.filter.len(), q.filter[0].len()), (2, 2));
    assert_eq!(
        q.filter[0][1],
        Cond::Text {
            field: RecordField::Syscall(SyscallField::Prot),
            op: TextOp::Eq,
            rhs: "PROT_READ|PROT_WRITE".into()
        }
    );
    assert_eq!(q.filter[1], vec![Cond::In(MapClass::HeapArena)]);
    let e = parse_record("last(events.gc.heap_live where cycle <= go.num_gc@live)").unwrap();
    assert_eq!(e.dim, Dim::Bytes);
    assert!(parse_record("count(events.gc where forced == true)").is_ok());
    assert!(parse_check("first(syscalls.mmap.len where prot != 'PROT_NONE') == 1").is_ok());
}

#[test]
fn query_errors_name_what_is_valid() {
    let rec = |t: &str| parse_record(t).unwrap_err().message;
    let e = rec("count(syscalls.mmapp)");
    assert!(
        e.contains("syscalls.munmap") && e.contains("events.gc"),
        "{e}"
    );
    let e = rec("count(syscalls.mmap where lenn == 1)");
    assert!(
        e.contains("unknown field `lenn`") && e.contains("prot"),
        "{e}"
    );
    assert!(rec("count(syscalls.mmap where prot == 3)").contains("quoted string"));
    assert!(rec("count(syscalls.mmap where len has 'x')").contains("words"));
    assert!(rec("count(syscalls where in heap)").contains("heap_arena, heap_reserved"));
    assert!(rec("count(events.gc where in heap_arena)").contains("syscalls only"));
    assert!(rec("sum(syscalls.madvise)").contains("needs a field"));
    assert!(rec("syscalls.mmap.len").contains("list of records"));
    assert!(rec("count(syscalls.mmap where)").contains("a condition"));
    assert!(rec("count(events.gc where cycle <= go.num_gc)").contains("needs @phase"));
}

#[test]
fn needs_name_the_switches_a_check_reads() {
    use crate::check::schema::Need;
    let c = parse_check("count(syscalls.munmap where in heap_arena) == maps.heap_arena.count@x")
        .unwrap();
    assert_eq!(c.needs(), vec![Need::TraceSyscalls, Need::Maps]);
    assert_eq!(
        parse_check("count(events.gc) >= go.num_gc@x")
            .unwrap()
            .needs(),
        vec![Need::Gctrace]
    );
    assert_eq!(
        parse_check("profile.inuse_space@x <= ledger.limit@x")
            .unwrap()
            .needs(),
        vec![Need::HeapProfile, Need::Maps]
    );
}

/// Checks built from pieces that each parse, for the round-trip property.
fn check_text() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(vec![
        "os.rss@freed",
        "go.heap_alloc@live",
        "os.vm_size",
        "maps.heap_arena.size@x",
        "ledger.unexplained@started",
        "max(samples.rss)",
        "drop(os.rss)",
        "sum(syscalls.madvise.len where advice == 'MADV_FREE' or in heap_arena and len > 4KiB)",
        "first(syscalls.mmap.len where index == count(syscalls.munmap) + 1)",
        "(0.5 * 3MiB)",
        "1_024B",
        "2.5GiB",
        "10%",
        "0x1f",
    ])
    .prop_map(String::from);
    let expr = leaf.prop_recursive(4, 16, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                inner.clone(),
                prop::sample::select(vec!["+", "-", "*", "/"])
            )
                .prop_map(|(a, b, op)| format!("({a} {op} {b})")),
            inner.prop_map(|a| format!("-{a}")),
        ]
    });
    (
        expr.clone(),
        prop::sample::select(vec!["<=", ">=", "==", "!=", "<", ">"]),
        expr,
    )
        .prop_map(|(a, op, b)| format!("{a} {op} {b}"))
}

#[test]
fn printing_adds_only_the_parentheses_the_tree_needs() {
    for text in [
        "a@x - (b@x - c@x) * 2 / -(1 + 2) <= 1",
        "--1 - -1 >= (1 - 1) - 1",
    ] {
        let text = text
            .replace("a@x", "os.rss@x")
            .replace("b@x", "go.sys@x")
            .replace("c@x", "os.hwm@x");
        let c = parse_check(&text).unwrap();
        assert_eq!(
            c.to_string().replace("_bytes", ""),
            text.replace(" >= (1 - 1) - 1", " >= 1 - 1 - 1")
        );
        assert_eq!(parse_check(&c.to_string()), Ok(c));
    }
    // A long flat chain stays flat: printing never nests past the limits.
    let chain = format!("1{} <= 1", " + 1".repeat(300));
    let c = parse_check(&chain).unwrap();
    assert_eq!(c.to_string(), chain);
}

proptest! {
    #[test]
    fn a_printed_check_parses_to_the_same_tree(text in check_text()) {
        // Random pieces often mix dimensions: those must be errors, never panics.
        if let Ok(check) = parse_check(&text) {
            let printed = check.to_string();
            let again = parse_check(&printed);
            prop_assert_eq!(again.as_ref(), Ok(&check), "{} printed as {}", text, printed);
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "[a-z_.@0-9()+*/<=>!' -]{0,60}") {
        let _ = parse_check(&text);
        let _ = parse_record(&text);
    }
}
