//! Tests of `select`: address ranges a record touches, and the collections' fields.
use super::*;

#[test]
fn overlap_and_touched_ranges() {
    assert!(overlaps((10, 20), &[(15, 30)]));
    assert!(!overlaps((10, 20), &[(20, 30)]));
    let mut r = Map::new();
    r.insert("syscall".into(), "mmap".into());
    r.insert("addr".into(), 0.into());
    r.insert("len".into(), 8.into());
    r.insert("result".into(), 100.into());
    assert_eq!(touched(&r), Some((100, 108)));
    r.insert("syscall".into(), "madvise".into());
    assert_eq!(touched(&r), Some((0, 8)));
}

#[test]
fn names_fields_and_dimensions_come_from_the_model() {
    assert_eq!(
        Collection::parse("syscalls.munmap"),
        Some(Collection::Syscalls(Some(Syscall::Munmap)))
    );
    assert!(Collection::is_query("events.gc") && !Collection::is_query("eventsx"));
    let mmap = Collection::Syscalls(Some(Syscall::Mmap));
    assert_eq!(
        mmap.field("len").map(|f| f.1),
        Some(FieldKind::Number(Dim::Bytes))
    );
    assert_eq!(
        mmap.field("addr").map(|f| f.1),
        Some(FieldKind::Number(Dim::Address))
    );
    assert_eq!(mmap.field("prot").map(|f| f.1), Some(FieldKind::Text));
    assert_eq!(
        Collection::Gc.field("heap_live").map(|f| f.0),
        Some("heap_live_bytes".into())
    );
    assert_eq!(
        Collection::Gc.field("forced").map(|f| f.1),
        Some(FieldKind::Number(Dim::Count))
    );
}
