//! `run --csv DIR`: `samples.csv` (one row per fast-tier sample) and
//! `phases.csv` (one row per phase, the OS and Go views).
//!
//! Columns come from the timeline's serde model: each row is a struct
//! serialized to JSON and flattened (`os.rss_bytes`, `go.heap_alloc_bytes`),
//! so a field added to the model is a column here with no second list.
//! Times are in seconds (`t_s`), sizes in bytes.

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::report::series;
use crate::timeline::{GoView, OsView, Timeline};

/// One phase as a `phases.csv` row.
#[derive(Serialize)]
struct PhaseRow<'a> {
    name: &'a str,
    seq: u64,
    t_ns: u64,
    os: &'a OsView,
    go: &'a GoView,
}

impl From<csv::Error> for CsvError {
    fn from(e: csv::Error) -> Self {
        CsvError::Csv(e)
    }
}

impl From<serde_json::Error> for CsvError {
    fn from(e: serde_json::Error) -> Self {
        CsvError::Json(e)
    }
}

/// Why a CSV file could not be made (the message says the cause; it is not
/// chained as well, so the CLI prints it once).
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("cannot write CSV: {0}")]
    Csv(csv::Error),
    #[error("cannot write CSV: {0}")]
    Json(serde_json::Error),
    #[error("cannot write CSV: a row has columns {got:?}, the header has {want:?}")]
    Columns { want: Vec<String>, got: Vec<String> },
}

/// A serialized row with its fields in declaration order (serde_json's own
/// `Value` sorts object keys).
enum Node {
    Cell(String),
    Object(Vec<(String, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a row")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Cell(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Cell(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Cell(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Cell(v.to_string()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Cell(v.to_string()))
            }
            fn visit_unit<E>(self) -> Result<Node, E> {
                Ok(Node::Cell(String::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut fields = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Node>()? {
                    fields.push((k, v));
                }
                Ok(Node::Object(fields))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// Flattens a row into `(column, cell)` pairs, nested objects joined with
/// `.`, `t_ns` turned into `t_s`.
fn flatten(prefix: &str, node: Node, out: &mut Vec<(String, String)>) {
    match node {
        Node::Cell(cell) => out.push((prefix.to_string(), cell)),
        Node::Object(fields) => {
            for (k, v) in fields {
                let k = if prefix.is_empty() {
                    k
                } else {
                    format!("{prefix}.{k}")
                };
                match (k.strip_suffix("t_ns"), v) {
                    (Some(stem), Node::Cell(ns)) => {
                        let s = ns.parse::<u64>().unwrap_or(0) as f64 / 1e9;
                        out.push((format!("{stem}t_s"), format!("{s:.6}")));
                    }
                    (_, v) => flatten(&k, v, out),
                }
            }
        }
    }
}

/// A CSV table of serializable rows, the header taken from the first row.
pub(crate) fn table<T: Serialize>(rows: impl IntoIterator<Item = T>) -> Result<String, CsvError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Option<Vec<String>> = None;
    for row in rows {
        let mut cells = Vec::new();
        let node: Node = serde_json::from_str(&serde_json::to_string(&row)?)?;
        flatten("", node, &mut cells);
        let (names, values): (Vec<String>, Vec<String>) = cells.into_iter().unzip();
        match &header {
            None => {
                writer.write_record(&names)?;
                header = Some(names);
            }
            Some(want) if *want != names => {
                return Err(CsvError::Columns {
                    want: want.clone(),
                    got: names,
                });
            }
            Some(_) => {}
        }
        writer.write_record(&values)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `samples.csv`: `t_s,rss_bytes,vm_size_bytes`, one row per sample.
pub fn samples_csv(timeline: &Timeline) -> Result<String, CsvError> {
    table(series::samples(timeline))
}

/// `phases.csv`: `name,seq,t_s,os.*,go.*`, one row per phase.
pub fn phases_csv(timeline: &Timeline) -> Result<String, CsvError> {
    table(timeline.phases.iter().map(|p| PhaseRow {
        name: &p.name,
        seq: p.seq,
        t_ns: p.t_ns,
        os: &p.os,
        go: &p.go,
    }))
}

/// Both files: `(file name, contents)`.
pub fn files(timeline: &Timeline) -> Result<Vec<(&'static str, String)>, CsvError> {
    Ok(vec![
        ("samples.csv", samples_csv(timeline)?),
        ("phases.csv", phases_csv(timeline)?),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::series::recorded;

    fn read(text: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader
            .headers()
            .expect("a header")
            .iter()
            .map(String::from)
            .collect();
        let rows = reader.records().collect::<Result<_, _>>().expect("rows");
        (header, rows)
    }

    #[test]
    fn samples_csv_has_one_row_per_sample_in_seconds_and_bytes() {
        let tl = recorded();
        let (header, rows) = read(&samples_csv(&tl).expect("csv"));
        assert_eq!(header, ["t_s", "rss_bytes", "vm_size_bytes"]);
        assert_eq!(rows.len(), tl.samples.len());
        for (row, sample) in rows.iter().zip(tl.samples.iter()) {
            let t: f64 = row[0].parse().expect("t_s");
            assert!((t - sample.t_ns as f64 / 1e9).abs() < 1e-6);
            assert_eq!(row[1], sample.rss_bytes.to_string());
            assert_eq!(row[2], sample.vm_size_bytes.to_string());
        }
    }

    #[test]
    fn phases_csv_has_every_field_of_both_views_in_model_order() {
        let tl = recorded();
        let (header, rows) = read(&phases_csv(&tl).expect("csv"));
        // The fields in declaration order: where each key sits in the struct's JSON text.
        let fields = |text: String, prefix: &str| -> Vec<String> {
            let view: serde_json::Value = serde_json::from_str(&text).expect("json");
            let keys: Vec<String> = view
                .as_object()
                .map_or(vec![], |m| m.keys().cloned().collect());
            let mut keys: Vec<(usize, String)> = keys
                .into_iter()
                .map(|k| (text.find(&format!("\"{k}\"")).unwrap_or(0), k))
                .collect();
            keys.sort();
            keys.into_iter()
                .map(|(_, k)| format!("{prefix}.{k}"))
                .collect()
        };
        let mut want = vec!["name".to_string(), "seq".into(), "t_s".into()];
        want.extend(fields(
            serde_json::to_string(&OsView::default()).expect("json"),
            "os",
        ));
        want.extend(fields(
            serde_json::to_string(&GoView::default()).expect("json"),
            "go",
        ));
        assert_eq!(header, want);
        assert_eq!(rows.len(), tl.phases.len());
        let column = |name: &str| header.iter().position(|h| h == name).expect(name);
        for (row, phase) in rows.iter().zip(&tl.phases) {
            assert_eq!(row[column("name")], phase.name);
            assert_eq!(
                row[column("os.lazy_free_bytes")],
                phase.os.lazy_free_bytes.to_string()
            );
            assert_eq!(
                row[column("go.heap_released_bytes")],
                phase.go.heap_released_bytes.to_string()
            );
        }
    }
}
