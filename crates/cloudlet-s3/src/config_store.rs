//! The `s3.bucket_config` table: one record per bucket configuration document (CORS,
//! lifecycle, encryption, ownership controls, ACLs, …), keyed `{bucket}\0{name}`, so the
//! documents stay out of the bucket record and one bucket's documents form a contiguous
//! range that DeleteBucket removes at once. The id-keyed configurations (analytics,
//! inventory, metrics, Intelligent-Tiering) live here too, keyed `{bucket}\0{kind}\0{id}`,
//! and so may object and upload ACLs an earlier cloudlet kept apart from their records
//! (`{bucket}\0acl\0{key}`, `{bucket}\0uploadacl\0{id}`; only read now, see `ops::acl`).

use cloudlet_store::redb::{ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};
use cloudlet_store::{StoreError, record};
use serde::Serialize;
use serde::de::DeserializeOwned;

pub const BUCKET_CONFIG: TableDefinition<&str, &[u8]> = TableDefinition::new("s3.bucket_config");

pub fn key(bucket: &str, name: &str) -> String {
    format!("{bucket}\0{name}")
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

/// Whether any bucket has a document whose name satisfies `wanted` (a scan of the whole
/// table, for startup).
pub fn any_name(
    txn: &ReadTransaction,
    mut wanted: impl FnMut(&str) -> bool,
) -> Result<bool, StoreError> {
    let table = match txn.open_table(BUCKET_CONFIG) {
        Ok(t) => t,
        Err(cloudlet_store::redb::TableError::TableDoesNotExist(_)) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    for item in table.iter()? {
        let (k, _) = item?;
        if k.value()
            .split_once('\0')
            .is_some_and(|(_, name)| wanted(name))
        {
            return Ok(true);
        }
    }
    Ok(false)
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
