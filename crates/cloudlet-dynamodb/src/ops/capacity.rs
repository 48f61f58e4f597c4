//! ReturnConsumedCapacity and ReturnItemCollectionMetrics: what an operation consumed on
//! the table and on each index it touched, rendered in DynamoDB's `ConsumedCapacity`
//! shapes (TOTAL: the table name and totals; INDEXES: also `Table`,
//! `GlobalSecondaryIndexes` and `LocalSecondaryIndexes`), and the `ItemCollectionMetrics`
//! of writes to tables with local secondary indexes.
//!
//! The units follow the Developer Guide: a write is one unit per started KB of the item,
//! on the table and on every index whose entry it writes ("two writes when an index key
//! changes": the old entry is deleted and the new one put); a read is one unit per started
//! 4 KB, half for eventually consistent reads; transactions cost twice as much.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::error::DdbError;
use crate::index;
use crate::protocol::Body;
use crate::state::TableMeta;
use crate::value::{Item, item_size};

/// What ReturnConsumedCapacity asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    None,
    Total,
    Indexes,
}

/// Reads ReturnConsumedCapacity (NONE when absent).
pub fn mode(body: &Body) -> Result<Mode, DdbError> {
    match body.opt_str("ReturnConsumedCapacity")?.as_deref() {
        None | Some("NONE") => Ok(Mode::None),
        Some("TOTAL") => Ok(Mode::Total),
        Some("INDEXES") => Ok(Mode::Indexes),
        Some(other) => Err(DdbError::validation(format!(
            "1 validation error detected: Value '{other}' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"
        ))),
    }
}

/// Capacity consumed on one table and its indexes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Usage {
    pub write: bool,
    pub table: f64,
    pub gsis: BTreeMap<String, f64>,
    pub lsis: BTreeMap<String, f64>,
}

/// Write capacity units for an item of `size` bytes.
pub fn write_units(size: usize) -> f64 {
    size.div_ceil(1024).max(1) as f64
}

/// Read capacity units for `size` bytes.
pub fn read_units(size: usize, consistent: bool) -> f64 {
    let u = size.div_ceil(4096).max(1) as f64;
    if consistent { u } else { u / 2.0 }
}

impl Usage {
    /// A read of `units` from the table itself.
    pub fn table_read(units: f64) -> Usage {
        Usage {
            table: units,
            ..Usage::default()
        }
    }

    /// A read of `units` from index `name` (global or local).
    pub fn index_read(name: &str, global: bool, units: f64) -> Usage {
        let mut u = Usage::default();
        let m = if global { &mut u.gsis } else { &mut u.lsis };
        m.insert(name.to_string(), units);
        u
    }

    /// The writes of replacing `old` by `new` (either may be absent) on the table and its
    /// indexes. "The item size that matters is the larger of the two."
    pub fn item_write(meta: &TableMeta, old: Option<&Item>, new: Option<&Item>) -> Usage {
        let size_of = |i: Option<&Item>| i.map(item_size).unwrap_or(0);
        let size = size_of(old).max(size_of(new));
        let mut u = Usage {
            write: true,
            table: write_units(size),
            ..Usage::default()
        };
        for (global, ix) in meta
            .gsis
            .iter()
            .map(|i| (true, i))
            .chain(meta.lsis.iter().map(|i| (false, i)))
        {
            let old_key = old.and_then(|o| index::entry_key(meta, ix, o));
            let new_key = new.and_then(|n| index::entry_key(meta, ix, n));
            let units = match (&old_key, &new_key) {
                (None, None) => continue,
                (Some(a), Some(b)) if a != b => {
                    let o = old.map(|i| item_size(&index::projected(meta, ix, i)));
                    let n = new.map(|i| item_size(&index::projected(meta, ix, i)));
                    write_units(o.unwrap_or(0)) + write_units(n.unwrap_or(0))
                }
                _ => {
                    let projected = |i: Option<&Item>| {
                        i.map(|i| item_size(&index::projected(meta, ix, i)))
                            .unwrap_or(0)
                    };
                    write_units(projected(old).max(projected(new)))
                }
            };
            let m = if global { &mut u.gsis } else { &mut u.lsis };
            m.insert(ix.name.clone(), units);
        }
        u
    }

    /// Adds `other` (of the same table) to `self`.
    pub fn add(&mut self, other: &Usage) {
        self.write |= other.write;
        self.table += other.table;
        for (k, v) in &other.gsis {
            *self.gsis.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &other.lsis {
            *self.lsis.entry(k.clone()).or_default() += v;
        }
    }

    /// The same usage, `factor` times (transactions consume twice).
    pub fn times(mut self, factor: f64) -> Usage {
        self.table *= factor;
        self.gsis.values_mut().for_each(|v| *v *= factor);
        self.lsis.values_mut().for_each(|v| *v *= factor);
        self
    }

    fn total(&self) -> f64 {
        self.table + self.gsis.values().sum::<f64>() + self.lsis.values().sum::<f64>()
    }

    fn capacity(&self, units: f64) -> Value {
        let kind = if self.write {
            "WriteCapacityUnits"
        } else {
            "ReadCapacityUnits"
        };
        json!({ kind: units, "CapacityUnits": units })
    }

    /// The `ConsumedCapacity` object for table `name`, if one was asked for.
    pub fn render(&self, mode: Mode, name: &str) -> Option<Value> {
        if mode == Mode::None {
            return None;
        }
        let mut out = Map::new();
        out.insert("TableName".into(), json!(name));
        let Value::Object(totals) = self.capacity(self.total()) else {
            return None;
        };
        out.extend(totals);
        if mode == Mode::Indexes {
            if self.table > 0.0 || (self.gsis.is_empty() && self.lsis.is_empty()) {
                out.insert("Table".into(), self.capacity(self.table));
            }
            for (member, m) in [
                ("GlobalSecondaryIndexes", &self.gsis),
                ("LocalSecondaryIndexes", &self.lsis),
            ] {
                if !m.is_empty() {
                    let ixs: Map<String, Value> = m
                        .iter()
                        .map(|(k, v)| (k.clone(), self.capacity(*v)))
                        .collect();
                    out.insert(member.into(), Value::Object(ixs));
                }
            }
        }
        Some(Value::Object(out))
    }
}

/// Renders the usage of several tables as the array batch and transaction responses
/// carry.
pub fn render_all(mode: Mode, usages: &BTreeMap<String, Usage>) -> Option<Value> {
    if mode == Mode::None {
        return None;
    }
    Some(Value::Array(
        usages
            .iter()
            .filter_map(|(n, u)| u.render(mode, n))
            .collect(),
    ))
}

/// Whether ReturnItemCollectionMetrics asked for SIZE.
pub fn wants_metrics(body: &Body) -> Result<bool, DdbError> {
    match body.opt_str("ReturnItemCollectionMetrics")?.as_deref() {
        None | Some("NONE") => Ok(false),
        Some("SIZE") => Ok(true),
        Some(other) => Err(DdbError::validation(format!(
            "1 validation error detected: Value '{other}' at 'returnItemCollectionMetrics' failed to satisfy constraint: Member must satisfy enum value set: [SIZE, NONE]"
        ))),
    }
}

/// The `ItemCollectionMetrics` of a write of `item` (its key is enough): only tables with
/// local secondary indexes have item collections.
pub fn item_collection(meta: &TableMeta, item: &Item) -> Option<Value> {
    if meta.lsis.is_empty() {
        return None;
    }
    let hash = item.get(&meta.hash_key.name)?;
    Some(json!({
        "ItemCollectionKey": {meta.hash_key.name.clone(): hash.to_json()},
        "SizeEstimateRangeGB": [0.0, 1.0]
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let mut u = Usage {
            write: true,
            table: 1.0,
            ..Usage::default()
        };
        u.gsis.insert("g".into(), 2.0);
        assert_eq!(u.render(Mode::None, "t"), None);
        assert_eq!(
            u.render(Mode::Total, "t"),
            Some(json!({"TableName": "t", "CapacityUnits": 3.0, "WriteCapacityUnits": 3.0}))
        );
        assert_eq!(
            u.render(Mode::Indexes, "t"),
            Some(json!({
                "TableName": "t", "CapacityUnits": 3.0, "WriteCapacityUnits": 3.0,
                "Table": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0},
                "GlobalSecondaryIndexes": {"g": {"CapacityUnits": 2.0, "WriteCapacityUnits": 2.0}}
            }))
        );
        let r = Usage::table_read(0.5).times(2.0);
        assert_eq!(
            r.render(Mode::Indexes, "t"),
            Some(json!({
                "TableName": "t", "CapacityUnits": 1.0, "ReadCapacityUnits": 1.0,
                "Table": {"CapacityUnits": 1.0, "ReadCapacityUnits": 1.0}
            }))
        );
        assert_eq!(read_units(4097, true), 2.0);
        assert_eq!(read_units(1, false), 0.5);
        assert_eq!(write_units(1025), 2.0);
        assert_eq!(write_units(0), 1.0);
    }
}
