//! Primary keys: extracting and validating a table's key attributes from an item or a
//! `Key` parameter, and the order-preserving byte encoding that makes a partition a
//! contiguous, sort-key-ordered range of the items table.
//!
//! It knows the key schema of a table, nothing of storage or expressions.

use crate::error::DdbError;
use crate::state::{KeyAttr, TableMeta};
use crate::value::{AttrValue, Item};

/// Appends the order-preserving, self-delimiting encoding of a key value.
pub fn encode_component(v: &AttrValue, out: &mut Vec<u8>) {
    match v {
        AttrValue::N(n) => n.encode_key(out),
        AttrValue::S(s) => encode_bytes(s.as_bytes(), out),
        AttrValue::B(b) => encode_bytes(b, out),
        // Key attributes are always S, N or B (checked before encoding).
        _ => out.push(0),
    }
}

fn encode_bytes(b: &[u8], out: &mut Vec<u8>) {
    for &c in b {
        out.push(c);
        if c == 0 {
            out.push(0xff);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

/// The storage key of the item with this key in the table (or index) with id `prefix`.
pub fn storage_key(prefix: &str, hash: &AttrValue, range: Option<&AttrValue>) -> Vec<u8> {
    let mut out = Vec::with_capacity(prefix.len() + 32);
    out.extend_from_slice(prefix.as_bytes());
    encode_component(hash, &mut out);
    if let Some(r) = range {
        encode_component(r, &mut out);
    }
    out
}

/// The storage-key prefix of one partition.
pub fn partition_prefix(prefix: &str, hash: &AttrValue) -> Vec<u8> {
    storage_key(prefix, hash, None)
}

/// The smallest byte string greater than every string starting with `p`.
pub fn prefix_end(p: &[u8]) -> Vec<u8> {
    let mut e = p.to_vec();
    while let Some(last) = e.pop() {
        if last < 0xff {
            e.push(last + 1);
            return e;
        }
    }
    vec![0xff; p.len() + 1]
}

/// Checks a key attribute of an item being written (PutItem).
fn check_item_key_attr(item: &Item, k: &KeyAttr) -> Result<(), DdbError> {
    match item.get(&k.name) {
        None => Err(DdbError::invalid(format!(
            "Missing the key {} in the item",
            k.name
        ))),
        Some(v) if v.type_name() != k.ty => Err(DdbError::invalid(format!(
            "Type mismatch for key {} expected: {} actual: {}",
            k.name,
            k.ty,
            v.type_name()
        ))),
        Some(v) => check_key_value(&k.name, v, false),
    }
}

/// Refuses empty and oversized key values.
fn check_key_value(name: &str, v: &AttrValue, is_range: bool) -> Result<(), DdbError> {
    let len = match v {
        AttrValue::S(s) => s.len(),
        AttrValue::B(b) => b.len(),
        _ => return Ok(()),
    };
    if len == 0 {
        return Err(DdbError::validation(format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {} value. Key: {name}",
            if matches!(v, AttrValue::S(_)) {
                "string"
            } else {
                "binary"
            }
        )));
    }
    if !is_range && len > 2048 {
        return Err(DdbError::invalid(
            "Size of hashkey has exceeded the maximum size limit of2048 bytes",
        ));
    }
    if is_range && len > 1024 {
        return Err(DdbError::invalid(
            "Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
        ));
    }
    Ok(())
}

/// Validates the key attributes of a whole item and returns its storage key.
pub fn item_key(meta: &TableMeta, item: &Item) -> Result<Vec<u8>, DdbError> {
    check_item_key_attr(item, &meta.hash_key)?;
    if let Some(r) = &meta.range_key {
        check_item_key_attr(item, r)?;
    }
    let hash = item
        .get(&meta.hash_key.name)
        .ok_or_else(DdbError::key_schema_mismatch)?;
    if let Some(v) = item.get(&meta.hash_key.name) {
        check_key_value(&meta.hash_key.name, v, false)?;
    }
    let range = match &meta.range_key {
        Some(r) => {
            let v = item
                .get(&r.name)
                .ok_or_else(DdbError::key_schema_mismatch)?;
            check_key_value(&r.name, v, true)?;
            Some(v)
        }
        None => None,
    };
    Ok(storage_key(&meta.id, hash, range))
}

/// Validates a `Key` parameter (exactly the key attributes, right types) and returns its
/// storage key.
pub fn key_param(meta: &TableMeta, key: &Item) -> Result<Vec<u8>, DdbError> {
    let want = 1 + usize::from(meta.range_key.is_some());
    if key.len() != want {
        return Err(DdbError::key_schema_mismatch());
    }
    let get = |k: &KeyAttr, is_range: bool| -> Result<&AttrValue, DdbError> {
        let v = key.get(&k.name).ok_or_else(DdbError::key_schema_mismatch)?;
        if v.type_name() != k.ty {
            return Err(DdbError::key_schema_mismatch());
        }
        check_key_value(&k.name, v, is_range)?;
        Ok(v)
    };
    let hash = get(&meta.hash_key, false)?;
    let range = match &meta.range_key {
        Some(r) => Some(get(r, true)?),
        None => None,
    };
    Ok(storage_key(&meta.id, hash, range))
}

/// The key attributes of an item, as an item (for LastEvaluatedKey and Keys).
pub fn key_of(meta: &TableMeta, item: &Item) -> Item {
    let mut k = Item::new();
    for ka in std::iter::once(&meta.hash_key).chain(meta.range_key.as_ref()) {
        if let Some(v) = item.get(&ka.name) {
            k.insert(ka.name.clone(), v.clone());
        }
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::Number;

    fn enc(v: &AttrValue) -> Vec<u8> {
        let mut out = Vec::new();
        encode_component(v, &mut out);
        out
    }

    #[test]
    fn string_encoding_orders_bytewise_and_is_prefix_free() {
        let sorted = ["", "a", "a\0", "a\0b", "ab", "b", "é"];
        let encs: Vec<Vec<u8>> = sorted
            .iter()
            .map(|s| enc(&AttrValue::S(s.to_string())))
            .collect();
        for w in encs.windows(2) {
            assert!(w[0] < w[1]);
            assert!(!w[1].starts_with(&w[0]));
        }
        let n = |s: &str| AttrValue::N(Number::parse(s).unwrap());
        assert!(enc(&n("-3")) < enc(&n("2")));
        assert_eq!(prefix_end(&[1, 2, 0xff]), vec![1, 3]);
    }
}
