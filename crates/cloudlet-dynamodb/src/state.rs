//! DynamoDB's redb tables and their records: table metadata keyed by account, region and
//! name; items keyed by table id + order-preserving key bytes; per-table item statistics.
//!
//! Everything persisted goes through `cloudlet_store::record`. This module knows storage,
//! not the wire protocol.

use cloudlet_store::record;
use cloudlet_store::redb::{
    ReadTransaction, ReadableTable, Table, TableDefinition, TableError, WriteTransaction,
};
use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::DdbError;
use crate::value::{AttrValue, Item, item_size};

const TABLES: TableDefinition<&str, &[u8]> = TableDefinition::new("dynamodb_tables");
const ITEMS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("dynamodb_items");
const STATS: TableDefinition<&str, (u64, u64)> = TableDefinition::new("dynamodb_stats");
const TABLE_IDS: TableDefinition<&str, ()> = TableDefinition::new("dynamodb_table_ids");

/// A key attribute: name and scalar type (`S`, `N` or `B`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct KeyAttr {
    pub name: String,
    pub ty: String,
}

/// A secondary index.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct IndexMeta {
    pub name: String,
    pub hash_key: KeyAttr,
    pub range_key: Option<KeyAttr>,
    pub projection_type: String,
    pub non_key_attributes: Vec<String>,
    pub read_capacity: i64,
    pub write_capacity: i64,
}

/// A table's definition.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TableMeta {
    pub name: String,
    pub id: String,
    pub arn: String,
    pub created: f64,
    pub hash_key: KeyAttr,
    pub range_key: Option<KeyAttr>,
    pub attribute_definitions: Vec<KeyAttr>,
    pub billing_mode: String,
    pub read_capacity: i64,
    pub write_capacity: i64,
    pub billing_changed: Option<f64>,
    pub gsis: Vec<IndexMeta>,
    pub lsis: Vec<IndexMeta>,
    pub stream_view_type: Option<String>,
    pub stream_label: Option<String>,
    pub ttl_attribute: Option<String>,
    pub tags: Vec<(String, String)>,
    pub deletion_protection: bool,
    pub table_class: Option<String>,
}

fn table_key(account: &str, region: &str, name: &str) -> String {
    format!("{account}/{region}/{name}")
}

fn missing_ok<T>(r: Result<T, TableError>) -> Result<Option<T>, DdbError> {
    match r {
        Ok(t) => Ok(Some(t)),
        Err(TableError::TableDoesNotExist(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Reads a table definition.
pub fn get_table(
    txn: &ReadTransaction,
    account: &str,
    region: &str,
    name: &str,
) -> Result<Option<TableMeta>, DdbError> {
    let Some(t) = missing_ok(txn.open_table(TABLES))? else {
        return Ok(None);
    };
    let key = table_key(account, region, name);
    match t.get(key.as_str())? {
        Some(v) => Ok(Some(decode_meta(&key, v.value())?)),
        None => Ok(None),
    }
}

/// Table definitions decoded lately, by table key, with the record they were decoded from:
/// every item operation reads its table's definition, and the same bytes always decode to
/// the same definition, so a hit only costs comparing the stored record.
static META_CACHE: Mutex<Option<MetaCache>> = Mutex::new(None);

/// Table key → (stored record, its decoded definition).
type MetaCache = HashMap<String, (Vec<u8>, TableMeta)>;

/// How many definitions the cache keeps before it starts over.
const META_CACHE_MAX: usize = 256;

fn decode_meta(key: &str, bytes: &[u8]) -> Result<TableMeta, DdbError> {
    let mut cache = META_CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let map = cache.get_or_insert_with(HashMap::new);
    if let Some((b, m)) = map.get(key)
        && b.as_slice() == bytes
    {
        return Ok(m.clone());
    }
    let meta: TableMeta = record::decode(bytes)?;
    if map.len() >= META_CACHE_MAX {
        map.clear();
    }
    map.insert(key.to_string(), (bytes.to_vec(), meta.clone()));
    Ok(meta)
}

/// Reads a table definition inside a write transaction.
pub fn get_table_w(
    txn: &WriteTransaction,
    account: &str,
    region: &str,
    name: &str,
) -> Result<Option<TableMeta>, DdbError> {
    let t = txn.open_table(TABLES)?;
    match t.get(table_key(account, region, name).as_str())? {
        Some(v) => Ok(Some(record::decode(v.value())?)),
        None => Ok(None),
    }
}

/// Writes (creates or replaces) a table definition.
pub fn put_table(
    txn: &WriteTransaction,
    account: &str,
    region: &str,
    meta: &TableMeta,
) -> Result<(), DdbError> {
    let mut t = txn.open_table(TABLES)?;
    t.insert(
        table_key(account, region, &meta.name).as_str(),
        record::encode(meta).as_slice(),
    )?;
    txn.open_table(TABLE_IDS)?.insert(meta.id.as_str(), ())?;
    Ok(())
}

/// Fails with "Requested resource not found" unless the table with this id still exists
/// (checked inside item writes, so a write never outlives its table).
pub fn check_table_id(txn: &WriteTransaction, id: &str) -> Result<(), DdbError> {
    match txn.open_table(TABLE_IDS)?.get(id)? {
        Some(_) => Ok(()),
        None => Err(DdbError::not_found()),
    }
}

/// Removes a table definition, its items and statistics.
pub fn delete_table(
    txn: &WriteTransaction,
    account: &str,
    region: &str,
    meta: &TableMeta,
) -> Result<(), DdbError> {
    txn.open_table(TABLES)?
        .remove(table_key(account, region, &meta.name).as_str())?;
    let start = meta.id.as_bytes().to_vec();
    let end = crate::keys::prefix_end(&start);
    txn.open_table(ITEMS)?
        .retain_in(start.as_slice()..end.as_slice(), |_, _| false)?;
    txn.open_table(STATS)?.remove(meta.id.as_str())?;
    txn.open_table(TABLE_IDS)?.remove(meta.id.as_str())?;
    crate::index::clear(txn, &meta.id)?;
    Ok(())
}

/// The names of the tables of one account and region, sorted.
pub fn list_tables(
    txn: &ReadTransaction,
    account: &str,
    region: &str,
) -> Result<Vec<String>, DdbError> {
    let Some(t) = missing_ok(txn.open_table(TABLES))? else {
        return Ok(Vec::new());
    };
    let prefix = format!("{account}/{region}/");
    let end = String::from_utf8_lossy(&crate::keys::prefix_end(prefix.as_bytes())).into_owned();
    let mut out = Vec::new();
    for e in t.range(prefix.as_str()..end.as_str())? {
        let (k, _) = e?;
        if let Some(name) = k.value().strip_prefix(&prefix) {
            out.push(name.to_string());
        }
    }
    Ok(out)
}

/// All table definitions (for the TTL sweeper).
pub fn all_tables(txn: &ReadTransaction) -> Result<Vec<(String, String, TableMeta)>, DdbError> {
    let Some(t) = missing_ok(txn.open_table(TABLES))? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for e in t.iter()? {
        let (k, v) = e?;
        let mut parts = k.value().splitn(3, '/');
        if let (Some(a), Some(r)) = (parts.next(), parts.next()) {
            out.push((a.to_string(), r.to_string(), record::decode(v.value())?));
        }
    }
    Ok(out)
}

/// Item count and total size of a table.
pub fn stats(txn: &ReadTransaction, id: &str) -> Result<(u64, u64), DdbError> {
    let Some(t) = missing_ok(txn.open_table(STATS))? else {
        return Ok((0, 0));
    };
    Ok(t.get(id)?.map(|v| v.value()).unwrap_or((0, 0)))
}

/// Item count and total size of a table, inside a write transaction.
pub fn stats_w(txn: &WriteTransaction, id: &str) -> Result<(u64, u64), DdbError> {
    Ok(txn
        .open_table(STATS)?
        .get(id)?
        .map(|v| v.value())
        .unwrap_or((0, 0)))
}

/// Every item of a table (for index rebuilds).
pub fn all_items_w(txn: &WriteTransaction, id: &str) -> Result<Vec<Item>, DdbError> {
    let t = txn.open_table(ITEMS)?;
    let start = id.as_bytes().to_vec();
    let end = crate::keys::prefix_end(&start);
    let mut out = Vec::new();
    for e in t.range(start.as_slice()..end.as_slice())? {
        let (_, v) = e?;
        out.push(decode_item(v.value())?);
    }
    Ok(out)
}

fn decode_item(bytes: &[u8]) -> Result<Item, DdbError> {
    Ok(crate::codec::decode_item(bytes)?)
}

/// Reads one item by storage key.
pub fn get_item(txn: &ReadTransaction, key: &[u8]) -> Result<Option<Item>, DdbError> {
    let Some(t) = missing_ok(txn.open_table(ITEMS))? else {
        return Ok(None);
    };
    match t.get(key)? {
        Some(v) => Ok(Some(decode_item(v.value())?)),
        None => Ok(None),
    }
}

/// Reads one item by storage key inside a write transaction.
pub fn get_item_w(txn: &WriteTransaction, key: &[u8]) -> Result<Option<Item>, DdbError> {
    ItemWriter::open(txn)?.get(key)
}

/// Item reads and writes of one write transaction with the items table opened once and the
/// tables' statistics changes summed up, written by [`ItemWriter::finish`] (a batch of writes
/// then costs one statistics update per table, not one per item).
pub struct ItemWriter<'t> {
    items: Table<'t, &'static [u8], &'static [u8]>,
    /// Table id → (item count change, size change).
    deltas: Vec<(String, i64, i64)>,
}

impl<'t> ItemWriter<'t> {
    pub fn open(txn: &'t WriteTransaction) -> Result<ItemWriter<'t>, DdbError> {
        Ok(ItemWriter {
            items: txn.open_table(ITEMS)?,
            deltas: Vec::new(),
        })
    }

    /// Reads one item by storage key.
    pub fn get(&self, key: &[u8]) -> Result<Option<Item>, DdbError> {
        match self.items.get(key)? {
            Some(v) => Ok(Some(decode_item(v.value())?)),
            None => Ok(None),
        }
    }

    fn bump(&mut self, table_id: &str, dcount: i64, dsize: i64) {
        match self.deltas.iter_mut().find(|(id, _, _)| id == table_id) {
            Some((_, c, s)) => {
                *c += dcount;
                *s += dsize;
            }
            None => self.deltas.push((table_id.to_string(), dcount, dsize)),
        }
    }

    /// Writes an item over `old` (the item currently stored under `key`, already read).
    pub fn put(
        &mut self,
        table_id: &str,
        key: &[u8],
        item: &Item,
        old: Option<&Item>,
    ) -> Result<(), DdbError> {
        self.items
            .insert(key, crate::codec::encode_item(item).as_slice())?;
        let old_size = old.map(item_size).unwrap_or(0) as i64;
        self.bump(
            table_id,
            if old.is_some() { 0 } else { 1 },
            item_size(item) as i64 - old_size,
        );
        Ok(())
    }

    /// Deletes an item, returning it.
    pub fn delete(&mut self, table_id: &str, key: &[u8]) -> Result<Option<Item>, DdbError> {
        let old = match self.items.remove(key)? {
            Some(v) => Some(decode_item(v.value())?),
            None => None,
        };
        if let Some(o) = &old {
            self.bump(table_id, -1, -(item_size(o) as i64));
        }
        Ok(old)
    }

    /// Closes the items table and applies the statistics changes.
    pub fn finish(self, txn: &WriteTransaction) -> Result<(), DdbError> {
        drop(self.items);
        for (id, dcount, dsize) in &self.deltas {
            if *dcount != 0 || *dsize != 0 {
                bump_stats(txn, id, *dcount, *dsize)?;
            }
        }
        Ok(())
    }
}

fn bump_stats(txn: &WriteTransaction, id: &str, dcount: i64, dsize: i64) -> Result<(), DdbError> {
    let mut t = txn.open_table(STATS)?;
    let (c, s) = t.get(id)?.map(|v| v.value()).unwrap_or((0, 0));
    let c = (c as i64 + dcount).max(0) as u64;
    let s = (s as i64 + dsize).max(0) as u64;
    t.insert(id, (c, s))?;
    Ok(())
}

/// Writes an item over `old` (the item currently stored under `key`, already read).
pub fn put_item(
    txn: &WriteTransaction,
    table_id: &str,
    key: &[u8],
    item: &Item,
    old: Option<&Item>,
) -> Result<(), DdbError> {
    let mut w = ItemWriter::open(txn)?;
    w.put(table_id, key, item, old)?;
    w.finish(txn)
}

/// Deletes an item, returning it.
pub fn delete_item(
    txn: &WriteTransaction,
    table_id: &str,
    key: &[u8],
) -> Result<Option<Item>, DdbError> {
    let mut w = ItemWriter::open(txn)?;
    let old = w.delete(table_id, key)?;
    w.finish(txn)?;
    Ok(old)
}

/// Visits items with storage keys in `[start, end)` (or reversed), stopping when `f`
/// returns false. `f` gets the storage key and the item.
pub fn scan_range(
    txn: &ReadTransaction,
    start: &[u8],
    end: &[u8],
    reverse: bool,
    mut f: impl FnMut(&[u8], Item) -> Result<bool, DdbError>,
) -> Result<(), DdbError> {
    let Some(t) = missing_ok(txn.open_table(ITEMS))? else {
        return Ok(());
    };
    if start >= end {
        return Ok(());
    }
    let range = t.range(start..end)?;
    let mut visit = |e: Result<_, cloudlet_store::redb::StorageError>| -> Result<bool, DdbError> {
        let (k, v): (
            cloudlet_store::redb::AccessGuard<&[u8]>,
            cloudlet_store::redb::AccessGuard<&[u8]>,
        ) = e?;
        f(k.value(), decode_item(v.value())?)
    };
    if reverse {
        for e in range.rev() {
            if !visit(e)? {
                break;
            }
        }
    } else {
        for e in range {
            if !visit(e)? {
                break;
            }
        }
    }
    Ok(())
}

/// A key attribute's value in an item, if present with the right type.
pub fn key_value<'a>(item: &'a Item, k: &KeyAttr) -> Option<&'a AttrValue> {
    item.get(&k.name).filter(|v| v.type_name() == k.ty)
}
