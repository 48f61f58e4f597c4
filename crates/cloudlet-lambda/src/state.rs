//! Lambda's table in the store: one versioned record per function, keyed by
//! `account\0region\0name`, holding its configuration, its code blob and its resource
//! policy. Knows record layouts, not the wire format.

use std::collections::BTreeMap;

use cloudlet_core::{AccountId, Region};
use cloudlet_store::redb::{ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};
use cloudlet_store::{StoreError, record};
use serde::{Deserialize, Serialize};

pub const FUNCTIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("lambda_functions");

/// A function as stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FunctionRec {
    /// Random hex id naming the function's code directories (never the user's name).
    pub id: String,
    pub name: String,
    pub arn: String,
    pub runtime: String,
    pub role: String,
    pub handler: String,
    pub description: String,
    pub timeout: u64,
    pub memory_size: u64,
    pub environment: Option<BTreeMap<String, String>>,
    pub architectures: Vec<String>,
    pub code_sha256: String,
    pub code_size: u64,
    /// The blob holding the zip.
    pub blob: String,
    pub revision_id: String,
    /// Bumped on every code or configuration change: instances of an older generation are
    /// retired.
    pub generation: u64,
    pub last_modified: String,
    /// Resource-policy statements (AddPermission), as AWS returns them.
    #[serde(default)]
    pub policy: Vec<serde_json::Value>,
}

/// `account\0region\0name`.
pub fn key(account: &AccountId, region: &Region, name: &str) -> String {
    format!("{account}\0{region}\0{name}")
}

pub fn get(txn: &ReadTransaction, key: &str) -> Result<Option<FunctionRec>, StoreError> {
    let Ok(t) = txn.open_table(FUNCTIONS) else {
        return Ok(None);
    };
    t.get(key)?.map(|v| record::decode(v.value())).transpose()
}

pub fn get_w(txn: &WriteTransaction, key: &str) -> Result<Option<FunctionRec>, StoreError> {
    let t = txn.open_table(FUNCTIONS)?;
    let v = t.get(key)?.map(|v| record::decode(v.value())).transpose()?;
    Ok(v)
}

pub fn put(txn: &WriteTransaction, key: &str, rec: &FunctionRec) -> Result<(), StoreError> {
    let mut t = txn.open_table(FUNCTIONS)?;
    t.insert(key, record::encode(rec).as_slice())?;
    Ok(())
}

pub fn delete(txn: &WriteTransaction, key: &str) -> Result<(), StoreError> {
    let mut t = txn.open_table(FUNCTIONS)?;
    t.remove(key)?;
    Ok(())
}

/// The functions of one account and region, by name.
pub fn list(
    txn: &ReadTransaction,
    account: &AccountId,
    region: &Region,
) -> Result<Vec<FunctionRec>, StoreError> {
    let Ok(t) = txn.open_table(FUNCTIONS) else {
        return Ok(Vec::new());
    };
    let prefix = format!("{account}\0{region}\0");
    let mut out = Vec::new();
    for item in t.range(prefix.as_str()..)? {
        let (k, v) = item?;
        if !k.value().starts_with(&prefix) {
            break;
        }
        out.push(record::decode(v.value())?);
    }
    Ok(out)
}

/// Every function of every account and region.
pub fn all(txn: &ReadTransaction) -> Result<Vec<FunctionRec>, StoreError> {
    let Ok(t) = txn.open_table(FUNCTIONS) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in t.iter()? {
        out.push(record::decode(item?.1.value())?);
    }
    Ok(out)
}

/// AWS's `LastModified` format: `2024-01-31T12:34:56.789+0000`.
pub fn timestamp_now() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let (y, mo, da, h, mi, s) = civil(d.as_secs() as i64);
    format!(
        "{y:04}-{mo:02}-{da:02}T{h:02}:{mi:02}:{s:02}.{:03}+0000",
        d.subsec_millis()
    )
}

/// ISO 8601 with milliseconds and `Z`, as the timeout message and log lines use.
pub fn iso_now() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let (y, mo, da, h, mi, s) = civil(d.as_secs() as i64);
    format!(
        "{y:04}-{mo:02}-{da:02}T{h:02}:{mi:02}:{s:02}.{:03}Z",
        d.subsec_millis()
    )
}

/// `YYYY/MM/DD` of today (log stream names).
pub fn date_path() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs() as i64;
    let (y, mo, da, ..) = civil(secs);
    format!("{y:04}/{mo:02}/{da:02}")
}

/// Seconds since the epoch → (year, month, day, hour, minute, second), UTC.
pub fn civil(secs: i64) -> (i64, u32, u32, u32, u32, u32) {
    let (y, m, d, h, mi, s) = cloudlet_core::time::civil(secs);
    // Each part but the year is below 60.
    let small = |v: i64| v as u32;
    (y, small(m), small(d), small(h), small(mi), small(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        let cases = [
            (0, (1970, 1, 1, 0, 0, 0)),
            (951_782_400, (2000, 2, 29, 0, 0, 0)),
            (1_735_689_599, (2024, 12, 31, 23, 59, 59)),
        ];
        for (secs, want) in cases {
            assert_eq!(civil(secs), want, "{secs}");
        }
    }
}
