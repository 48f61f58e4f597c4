//! The Logs tables in the store: log groups, log streams and events, keyed by account,
//! region and names joined with NUL (names never contain NUL; the protocol refuses it).
//! Event keys end with a sortable position (timestamp, then ingestion sequence), so a
//! stream's events come out of a range scan in timestamp order.
//!
//! This module knows the record layouts, not the wire format.

use cloudlet_core::{AccountId, Region};
use cloudlet_store::StoreError;
use cloudlet_store::record;
use cloudlet_store::redb::{ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};

pub const GROUPS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("logs_groups");
pub const STREAMS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("logs_streams");
pub const EVENTS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("logs_events");

/// A log group.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GroupRec {
    pub creation_time: i64,
    #[serde(default)]
    pub retention_days: Option<i64>,
}

/// A log stream and what it has seen.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct StreamRec {
    pub creation_time: i64,
    pub first_event: Option<i64>,
    pub last_event: Option<i64>,
    pub last_ingestion: Option<i64>,
    pub stored_bytes: u64,
    pub puts: u64,
}

/// One stored event (its timestamp lives in the key).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EventRec {
    pub message: String,
    pub ingestion_time: i64,
}

/// An event read back with its place.
#[derive(Clone, Debug)]
pub struct Event {
    pub stream: String,
    pub timestamp: i64,
    pub pos: u128,
    pub rec: EventRec,
}

/// `account\0region\0`.
pub fn scope(account: &AccountId, region: &Region) -> Vec<u8> {
    let mut k = Vec::new();
    k.extend_from_slice(account.as_str().as_bytes());
    k.push(0);
    k.extend_from_slice(region.as_str().as_bytes());
    k.push(0);
    k
}

pub fn group_key(scope: &[u8], group: &str) -> Vec<u8> {
    let mut k = scope.to_vec();
    k.extend_from_slice(group.as_bytes());
    k
}

/// `scope group\0`: the prefix of the group's streams and events.
pub fn group_prefix(scope: &[u8], group: &str) -> Vec<u8> {
    let mut k = group_key(scope, group);
    k.push(0);
    k
}

pub fn stream_key(scope: &[u8], group: &str, stream: &str) -> Vec<u8> {
    let mut k = group_prefix(scope, group);
    k.extend_from_slice(stream.as_bytes());
    k
}

/// `scope group\0stream\0`: the prefix of the stream's events.
pub fn events_prefix(scope: &[u8], group: &str, stream: &str) -> Vec<u8> {
    let mut k = stream_key(scope, group, stream);
    k.push(0);
    k
}

/// The sortable position of an event: timestamp (sign-flipped) then sequence.
pub fn position(timestamp: i64, seq: u64) -> u128 {
    let ts = (timestamp as u64) ^ (1 << 63);
    (u128::from(ts) << 64) | u128::from(seq)
}

pub fn timestamp_of(pos: u128) -> i64 {
    (((pos >> 64) as u64) ^ (1 << 63)) as i64
}

/// A raw key and value.
type KeyValue = (Vec<u8>, Vec<u8>);

/// Keys from `prefix` onwards that start with it.
fn prefixed<T: ReadableTable<&'static [u8], &'static [u8]>>(
    table: &T,
    prefix: &[u8],
) -> Result<Vec<KeyValue>, StoreError> {
    let mut out = Vec::new();
    for item in table.range(prefix..)? {
        let (k, v) = item?;
        if !k.value().starts_with(prefix) {
            break;
        }
        out.push((k.value().to_vec(), v.value().to_vec()));
    }
    Ok(out)
}

pub fn get_group(txn: &ReadTransaction, key: &[u8]) -> Result<Option<GroupRec>, StoreError> {
    let Ok(t) = txn.open_table(GROUPS) else {
        return Ok(None);
    };
    t.get(key)?.map(|v| record::decode(v.value())).transpose()
}

/// Groups of one account and region whose name starts with `name_prefix`, by name.
pub fn list_groups(
    txn: &ReadTransaction,
    scope: &[u8],
    name_prefix: &str,
) -> Result<Vec<(String, GroupRec)>, StoreError> {
    let Ok(t) = txn.open_table(GROUPS) else {
        return Ok(Vec::new());
    };
    let mut prefix = scope.to_vec();
    prefix.extend_from_slice(name_prefix.as_bytes());
    prefixed(&t, &prefix)?
        .into_iter()
        .map(|(k, v)| {
            let name =
                String::from_utf8_lossy(k.get(scope.len()..).unwrap_or_default()).into_owned();
            Ok((name, record::decode(&v)?))
        })
        .collect()
}

pub fn get_stream(txn: &ReadTransaction, key: &[u8]) -> Result<Option<StreamRec>, StoreError> {
    let Ok(t) = txn.open_table(STREAMS) else {
        return Ok(None);
    };
    t.get(key)?.map(|v| record::decode(v.value())).transpose()
}

/// Streams of a group whose name starts with `name_prefix`, by name.
pub fn list_streams(
    txn: &ReadTransaction,
    group_prefix: &[u8],
    name_prefix: &str,
) -> Result<Vec<(String, StreamRec)>, StoreError> {
    let Ok(t) = txn.open_table(STREAMS) else {
        return Ok(Vec::new());
    };
    let mut prefix = group_prefix.to_vec();
    prefix.extend_from_slice(name_prefix.as_bytes());
    prefixed(&t, &prefix)?
        .into_iter()
        .map(|(k, v)| {
            let name = String::from_utf8_lossy(k.get(group_prefix.len()..).unwrap_or_default())
                .into_owned();
            Ok((name, record::decode(&v)?))
        })
        .collect()
}

/// All events of one stream in position order.
pub fn stream_events(
    txn: &ReadTransaction,
    prefix: &[u8],
    stream: &str,
) -> Result<Vec<Event>, StoreError> {
    let Ok(t) = txn.open_table(EVENTS) else {
        return Ok(Vec::new());
    };
    prefixed(&t, prefix)?
        .into_iter()
        .map(|(k, v)| {
            let mut pos_bytes = [0u8; 16];
            if let Some(tail) = k.get(prefix.len()..)
                && tail.len() == 16
            {
                pos_bytes.copy_from_slice(tail);
            }
            let pos = u128::from_be_bytes(pos_bytes);
            Ok(Event {
                stream: stream.to_string(),
                timestamp: timestamp_of(pos),
                pos,
                rec: record::decode(&v)?,
            })
        })
        .collect()
}

pub fn put_group(txn: &WriteTransaction, key: &[u8], rec: &GroupRec) -> Result<(), StoreError> {
    let mut t = txn.open_table(GROUPS)?;
    t.insert(key, record::encode(rec).as_slice())?;
    Ok(())
}

pub fn put_stream(txn: &WriteTransaction, key: &[u8], rec: &StreamRec) -> Result<(), StoreError> {
    let mut t = txn.open_table(STREAMS)?;
    t.insert(key, record::encode(rec).as_slice())?;
    Ok(())
}

pub fn write_group(txn: &WriteTransaction, key: &[u8]) -> Result<Option<GroupRec>, StoreError> {
    let t = txn.open_table(GROUPS)?;
    let v = t.get(key)?.map(|v| record::decode(v.value())).transpose()?;
    Ok(v)
}

pub fn write_stream(txn: &WriteTransaction, key: &[u8]) -> Result<Option<StreamRec>, StoreError> {
    let t = txn.open_table(STREAMS)?;
    let v = t.get(key)?.map(|v| record::decode(v.value())).transpose()?;
    Ok(v)
}

pub fn put_event(
    txn: &WriteTransaction,
    prefix: &[u8],
    pos: u128,
    rec: &EventRec,
) -> Result<(), StoreError> {
    let mut t = txn.open_table(EVENTS)?;
    let mut k = prefix.to_vec();
    k.extend_from_slice(&pos.to_be_bytes());
    t.insert(k.as_slice(), record::encode(rec).as_slice())?;
    Ok(())
}

/// Removes every key starting with `prefix` from `table`.
pub fn delete_prefixed(
    txn: &WriteTransaction,
    table: TableDefinition<&[u8], &[u8]>,
    prefix: &[u8],
) -> Result<(), StoreError> {
    let mut t = txn.open_table(table)?;
    let keys: Vec<Vec<u8>> = prefixed(&t, prefix)?.into_iter().map(|(k, _)| k).collect();
    for k in keys {
        t.remove(k.as_slice())?;
    }
    Ok(())
}

pub fn delete_key(
    txn: &WriteTransaction,
    table: TableDefinition<&[u8], &[u8]>,
    key: &[u8],
) -> Result<(), StoreError> {
    let mut t = txn.open_table(table)?;
    t.remove(key)?;
    Ok(())
}
