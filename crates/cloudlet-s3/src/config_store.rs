//! The `s3.bucket_config` table: one record per bucket configuration document (CORS,
//! lifecycle, encryption, ownership controls, ACLs, …), keyed `{bucket}\0{name}`, so the
//! documents stay out of the bucket record and one bucket's documents form a contiguous
//! range that DeleteBucket removes at once. Object ACLs live here too, keyed
//! `{bucket}\0acl\0{key}`, and the id-keyed configurations (analytics, inventory, metrics,
//! Intelligent-Tiering), keyed `{bucket}\0{kind}\0{id}`.

use cloudlet_store::redb::{ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};
use cloudlet_store::{StoreError, record};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub const BUCKET_CONFIG: TableDefinition<&str, &[u8]> = TableDefinition::new("s3.bucket_config");

pub fn key(bucket: &str, name: &str) -> String {
    format!("{bucket}\0{name}")
}

/// The key of an object's ACL.
pub fn object_acl_key(object: &str) -> String {
    format!("acl\0{object}")
}

pub fn get<T: DeserializeOwned>(
    txn: &ReadTransaction,
    bucket: &str,
    name: &str,
) -> Result<Option<T>, StoreError> {
    let table = match txn.open_table(BUCKET_CONFIG) {
        Ok(t) => t,
        Err(cloudlet_store::redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    match table.get(key(bucket, name).as_str())? {
        Some(v) => Ok(Some(record::decode(v.value())?)),
        None => Ok(None),
    }
}

pub fn put<T: Serialize>(
    txn: &WriteTransaction,
    bucket: &str,
    name: &str,
    value: &T,
) -> Result<(), StoreError> {
    let mut t = txn.open_table(BUCKET_CONFIG)?;
    t.insert(key(bucket, name).as_str(), record::encode(value).as_slice())?;
    Ok(())
}

pub fn remove(txn: &WriteTransaction, bucket: &str, name: &str) -> Result<(), StoreError> {
    let mut t = txn.open_table(BUCKET_CONFIG)?;
    t.remove(key(bucket, name).as_str())?;
    Ok(())
}

/// The documents of `bucket` whose names start with `prefix`, in name order, as (the
/// rest of the name, document) — the id-keyed configurations, named `{kind}\0{id}`.
pub fn list<T: DeserializeOwned>(
    txn: &ReadTransaction,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<(String, T)>, StoreError> {
    let table = match txn.open_table(BUCKET_CONFIG) {
        Ok(t) => t,
        Err(cloudlet_store::redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let start = key(bucket, prefix);
    let mut out = Vec::new();
    for item in table.range(start.as_str()..)? {
        let (k, v) = item?;
        let Some(rest) = k.value().strip_prefix(start.as_str()) else {
            break;
        };
        out.push((rest.to_string(), record::decode(v.value())?));
    }
    Ok(out)
}

/// Within a change: whether document `name` of `bucket` exists.
pub fn exists(txn: &WriteTransaction, bucket: &str, name: &str) -> Result<bool, StoreError> {
    let t = txn.open_table(BUCKET_CONFIG)?;
    Ok(t.get(key(bucket, name).as_str())?.is_some())
}

/// Within a change: whether document `name` of `bucket` exists, and how many documents
/// of `bucket` have names starting with `prefix`.
pub fn exists_and_count(
    txn: &WriteTransaction,
    bucket: &str,
    name: &str,
    prefix: &str,
) -> Result<(bool, usize), StoreError> {
    let t = txn.open_table(BUCKET_CONFIG)?;
    let exists = t.get(key(bucket, name).as_str())?.is_some();
    let start = key(bucket, prefix);
    let mut n = 0;
    for item in t.range(start.as_str()..)? {
        if !item?.0.value().starts_with(start.as_str()) {
            break;
        }
        n += 1;
    }
    Ok((exists, n))
}

/// Removes every document of `bucket` (DeleteBucket).
pub fn remove_all(txn: &WriteTransaction, bucket: &str) -> Result<(), StoreError> {
    let mut t = txn.open_table(BUCKET_CONFIG)?;
    let (start, end) = (format!("{bucket}\0"), format!("{bucket}\u{1}"));
    let keys: Vec<String> = t
        .range(start.as_str()..end.as_str())?
        .map(|i| i.map(|(k, _)| k.value().to_string()))
        .collect::<Result<_, _>>()?;
    for k in keys {
        t.remove(k.as_str())?;
    }
    Ok(())
}
