//! Secondary indexes (GSI and LSI): one redb table of index entries keyed by
//! `{table id}/{index name}|` + index key + table key (order-preserving), each holding the
//! whole item; projections are applied when reading. Entries are maintained in the same
//! transaction as the item write, so indexes are always consistent.

use cloudlet_store::redb::{ReadTransaction, TableDefinition, TableError, WriteTransaction};

use crate::error::DdbError;
use crate::keys::{encode_component, prefix_end};
use crate::state::{self, IndexMeta, TableMeta, key_value};
use crate::value::Item;

const INDEX: TableDefinition<&[u8], &[u8]> = TableDefinition::new("dynamodb_index");

/// The storage-key prefix of one index.
pub fn index_prefix(table_id: &str, index: &str) -> String {
    format!("{table_id}/{index}|")
}

/// The index entry key of `item` in `ix`, or `None` if the item lacks the index keys
/// (sparse index).
pub fn entry_key(meta: &TableMeta, ix: &IndexMeta, item: &Item) -> Option<Vec<u8>> {
    let h = key_value(item, &ix.hash_key)?;
    let mut out = index_prefix(&meta.id, &ix.name).into_bytes();
    encode_component(h, &mut out);
    if let Some(r) = &ix.range_key {
        encode_component(key_value(item, r)?, &mut out);
    }
    encode_component(key_value(item, &meta.hash_key)?, &mut out);
    if let Some(r) = &meta.range_key {
        encode_component(key_value(item, r)?, &mut out);
    }
    Some(out)
}

/// Refuses index key attributes of the wrong type or empty, as DynamoDB does on writes.
pub fn check_item(meta: &TableMeta, item: &Item) -> Result<(), DdbError> {
    for ix in meta.gsis.iter().chain(&meta.lsis) {
        for k in std::iter::once(&ix.hash_key).chain(ix.range_key.as_ref()) {
            if let Some(v) = item.get(&k.name) {
                if v.type_name() != k.ty {
                    return Err(DdbError::invalid(format!(
                        "Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
                        k.name,
                        k.ty,
                        v.type_name(),
                        ix.name
                    )));
                }
                let empty = match v {
                    crate::value::AttrValue::S(s) => s.is_empty(),
                    crate::value::AttrValue::B(b) => b.is_empty(),
                    _ => false,
                };
                if empty {
                    return Err(DdbError::validation(format!(
                        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: {}, IndexKey: {}",
                        ix.name, k.name
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Updates every index of `meta` for an item changing from `old` to `new`.
pub fn maintain(
    txn: &WriteTransaction,
    meta: &TableMeta,
    old: Option<&Item>,
    new: Option<&Item>,
) -> Result<(), DdbError> {
    if meta.gsis.is_empty() && meta.lsis.is_empty() {
        return Ok(());
    }
    let mut t = txn.open_table(INDEX)?;
    for ix in meta.gsis.iter().chain(&meta.lsis) {
        let old_key = old.and_then(|o| entry_key(meta, ix, o));
        let new_key = new.and_then(|n| entry_key(meta, ix, n));
        if let Some(k) = &old_key
            && new_key.as_ref() != Some(k)
        {
            t.remove(k.as_slice())?;
        }
        if let (Some(k), Some(n)) = (&new_key, new) {
            t.insert(k.as_slice(), crate::codec::encode_item(n).as_slice())?;
        }
    }
    Ok(())
}

/// The attributes index `ix` projects of `item`.
pub fn projected(meta: &TableMeta, ix: &IndexMeta, item: &Item) -> Item {
    if ix.projection_type == "ALL" {
        return item.clone();
    }
    let mut keep: Vec<&str> = vec![meta.hash_key.name.as_str(), ix.hash_key.name.as_str()];
    keep.extend(meta.range_key.as_ref().map(|k| k.name.as_str()));
    keep.extend(ix.range_key.as_ref().map(|k| k.name.as_str()));
    if ix.projection_type == "INCLUDE" {
        keep.extend(ix.non_key_attributes.iter().map(String::as_str));
    }
    item.iter()
        .filter(|(k, _)| keep.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Removes every index entry of a table.
pub fn clear(txn: &WriteTransaction, table_id: &str) -> Result<(), DdbError> {
    let start = format!("{table_id}/").into_bytes();
    let end = prefix_end(&start);
    txn.open_table(INDEX)?
        .retain_in(start.as_slice()..end.as_slice(), |_, _| false)?;
    Ok(())
}

/// Rebuilds all index entries of a table from its items (after UpdateTable changed the
/// set of indexes).
pub fn rebuild_indexes(txn: &WriteTransaction, meta: &TableMeta) -> Result<(), DdbError> {
    clear(txn, &meta.id)?;
    if meta.gsis.is_empty() && meta.lsis.is_empty() {
        return Ok(());
    }
    let items = state::all_items_w(txn, &meta.id)?;
    for item in &items {
        maintain(txn, meta, None, Some(item))?;
    }
    Ok(())
}

/// Visits index entries with keys in `[start, end)` (or reversed) until `f` returns false.
pub fn scan_range(
    txn: &ReadTransaction,
    start: &[u8],
    end: &[u8],
    reverse: bool,
    mut f: impl FnMut(&[u8], Item) -> Result<bool, DdbError>,
) -> Result<(), DdbError> {
    let t = match txn.open_table(INDEX) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    if start >= end {
        return Ok(());
    }
    let range = t.range(start..end)?;
    let decode = |v: &[u8]| -> Result<Item, DdbError> { Ok(crate::codec::decode_item(v)?) };
    if reverse {
        for e in range.rev() {
            let (k, v) = e?;
            if !f(k.value(), decode(v.value())?)? {
                break;
            }
        }
    } else {
        for e in range {
            let (k, v) = e?;
            if !f(k.value(), decode(v.value())?)? {
                break;
            }
        }
    }
    Ok(())
}
