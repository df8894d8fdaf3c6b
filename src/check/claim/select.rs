//! Evaluates queries over a run's record lists (`count(syscalls.munmap where
//! in heap_arena)`): selects the records, projects the field, folds them.

use serde_json::{Map, Value as Json};

use super::eval;
use crate::check::expr::{Cond, Query, Unit, Value};
use crate::check::query::{self, Collection};
use crate::timeline::Timeline;

/// A condition with its right-hand side evaluated (it does not depend on the record).
enum Ready {
    Number {
        field: String,
        op: String,
        rhs: f64,
    },
    Text {
        field: String,
        op: String,
        rhs: String,
    },
    In(Vec<(u64, u64)>),
}

/// `func(query)` on one timeline.
pub fn eval_query(func: &str, q: &Query, t: &Timeline) -> Result<Value, String> {
    if q.collection.is_syscalls() && t.trace.is_none() {
        return Err(
            "the run's syscalls were not traced: set `trace-syscalls = true` in the experiment"
                .into(),
        );
    }
    let filter = q
        .filter
        .iter()
        .map(|all| {
            all.iter()
                .map(|c| ready(c, t))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let selected: Vec<Map<String, Json>> = q
        .collection
        .records(t)
        .into_iter()
        .filter(|r| filter.is_empty() || filter.iter().any(|all| all.iter().all(|c| matches(c, r))))
        .collect();
    if func == "count" && q.field.is_none() {
        return Ok(Value {
            v: selected.len() as f64,
            unit: Unit::Count,
        });
    }
    let field = q.field.as_deref().unwrap_or("");
    let values: Vec<f64> = selected
        .iter()
        .filter_map(|r| number(r.get(field)))
        .collect();
    let unit = unit_of(q.collection, field);
    let v = match func {
        "count" => {
            return Ok(Value {
                v: values.len() as f64,
                unit: Unit::Count,
            });
        }
        "sum" => values.iter().fold(0.0, |a, b| a + b),
        "max" => values.iter().copied().fold(f64::NAN, f64::max),
        "min" => values.iter().copied().fold(f64::NAN, f64::min),
        "first" => values.first().copied().unwrap_or(f64::NAN),
        "drop" => super::largest_drop(values.iter().copied()),
        _ => values.last().copied().unwrap_or(f64::NAN),
    };
    Ok(Value { v, unit })
}

fn ready(c: &Cond, t: &Timeline) -> Result<Ready, String> {
    Ok(match c {
        Cond::Number { field, op, rhs } => Ready::Number {
            field: field.clone(),
            op: op.clone(),
            rhs: eval(rhs, t, None)?.v,
        },
        Cond::Text { field, op, rhs } => Ready::Text {
            field: field.clone(),
            op: op.clone(),
            rhs: rhs.clone(),
        },
        Cond::In(class) => {
            if t.phases.iter().all(|p| p.maps.is_none()) {
                return Err(format!(
                    "`in {}` needs the mappings: set `maps = true` in the experiment",
                    class.name()
                ));
            }
            Ready::In(query::class_ranges(t, *class))
        }
    })
}

fn matches(c: &Ready, r: &Map<String, Json>) -> bool {
    match c {
        Ready::Number { field, op, rhs } => {
            let Some(v) = number(r.get(field)) else {
                return false;
            };
            match op.as_str() {
                "==" => same(v, *rhs),
                "!=" => !same(v, *rhs),
                "<=" => v <= *rhs,
                ">=" => v >= *rhs,
                "<" => v < *rhs,
                _ => v > *rhs,
            }
        }
        Ready::Text { field, op, rhs } => {
            let Some(v) = r.get(field).and_then(Json::as_str) else {
                return false;
            };
            match op.as_str() {
                "==" => v == rhs,
                "!=" => v != rhs,
                _ => v.split('|').any(|part| part == rhs),
            }
        }
        Ready::In(ranges) => query::touched(r).is_some_and(|range| query::overlaps(range, ranges)),
    }
}

/// Equal as the check language's `==` is (sizes and addresses are integers
/// held in f64: exact below 2^53).
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= f64::EPSILON * a.abs().max(1.0)
}

/// A record's field as a number: numbers as they are, flags as 1 / 0.
fn number(v: Option<&Json>) -> Option<f64> {
    match v? {
        Json::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        other => other.as_f64(),
    }
}

/// Sizes (`len`, `*_bytes`) are bytes, `*_ns` times, `addr` and `result`
/// addresses, anything else a count.
fn unit_of(c: Collection, field: &str) -> Unit {
    if c.is_syscalls() && field == "len" {
        Unit::Bytes
    } else if c.is_syscalls() && (field == "addr" || field == "result") {
        Unit::Address
    } else {
        crate::check::expr::unit_of(field)
    }
}
