//! Tests of `select`: the range a record touches, and the drift test that
//! keeps the record-field tables equal to the serde names (and kinds) of
//! the event types they are read from.

#![allow(clippy::float_cmp)] // the values compared are small integers held in f64

use serde_json::{Map, Value as Json};

use super::*;
use crate::check::eval::read::tests::numbered;
use crate::check::schema::FieldKind;

fn syscall(name: Syscall, addr: u64, len: u64, result: Option<i64>) -> SyscallEvent {
    SyscallEvent {
        t_ns: 0,
        tid: 1,
        syscall: name,
        addr,
        len,
        prot: Some(String::new()),
        flags: Some(String::new()),
        advice: Some(String::new()),
        fd: Some(0),
        offset: Some(0),
        result,
        error: Some(String::new()),
    }
}

#[test]
fn overlap_and_touched_ranges() {
    assert!(overlaps((10, 20), &[(15, 30)]));
    assert!(!overlaps((10, 20), &[(20, 30)]));
    let mmap = syscall(Syscall::Mmap, 0, 8, Some(100));
    let rec = |s| ListRecord {
        index: 0,
        item: ListItem::Syscall(s),
    };
    assert_eq!(rec(&mmap).touched(), Some((100, 108)));
    let madvise = syscall(Syscall::Madvise, 0, 8, Some(100));
    assert_eq!(rec(&madvise).touched(), Some((0, 8)));
}

/// The fields of `c` are the keys of `m` (less `kind` and `raw`) plus
/// `index`; words are words and numbers numbers in both; each reads the
/// key's value from `item`.
fn agree(c: Collection, m: &Map<String, Json>, item: ListItem<'_>) {
    let rec = ListRecord { index: 7, item };
    let mut keys: Vec<&str> = m.keys().map(String::as_str).collect();
    keys.retain(|k| !["kind", "raw"].contains(k));
    keys.push("index");
    keys.sort_unstable();
    let mut names: Vec<&str> = c.fields().into_iter().map(RecordField::name).collect();
    names.sort_unstable();
    assert_eq!(names, keys, "the fields of {}", c.name());
    for f in c.fields() {
        let json = m.get(f.name()).cloned().unwrap_or(Json::from(7));
        match f.kind() {
            FieldKind::Text => assert_eq!(rec.text(f), json.as_str(), "{f:?}"),
            FieldKind::Number(_) => {
                let want = json.as_f64().or(json.as_bool().map(|_| 1.0));
                assert_eq!(rec.number(f), want, "{f:?} reads another field");
            }
        }
    }
}

#[test]
fn the_record_tables_are_the_models_serde_names() {
    let (m, s) = numbered(&syscall(Syscall::Mmap, 0, 0, Some(0)));
    agree(Collection::Syscalls(None), &m, ListItem::Syscall(&s));
    let gc = GcEvent {
        stacks_bytes: Some(0),
        globals_bytes: Some(0),
        ..GcEvent::default()
    };
    let (m, g) = numbered(&gc);
    agree(Collection::Gc, &m, ListItem::Gc(&g));
    let scav = ScavEvent {
        released_bg_bytes: Some(0),
        released_eager_bytes: Some(0),
        ..ScavEvent::default()
    };
    let (m, s) = numbered(&scav);
    agree(Collection::Scav, &m, ListItem::Scav(&s));
    let (m, e) = numbered(&Event::PeriodicGc { t_ns: 0 });
    let Event::PeriodicGc { t_ns } = e else {
        panic!("{e:?}")
    };
    agree(Collection::PeriodicGc, &m, ListItem::PeriodicGc { t_ns });
}
