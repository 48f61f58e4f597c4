//! Multipart uploads in the store: one record per upload (`"{bucket}/{upload_id}"`) and one
//! per uploaded part (`"{bucket}/{upload_id}/{part:05}"`, so parts sort by number). Part
//! bodies are blobs until completion concatenates them. The last upload completed into a
//! key is remembered (`"{bucket}/{key}"`: the upload id and the object's blob) so that a
//! retried completion of it is answered again, as S3 does; one record per key at most.

use cloudlet_store::redb::{ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};
use cloudlet_store::{StoreError, record};
use serde::{Deserialize, Serialize};

use crate::acl::Acl;
use crate::checksum::Algorithm;
use crate::lock::VersionLock;

pub const UPLOADS: TableDefinition<&str, &[u8]> = TableDefinition::new("s3.uploads");
pub const PARTS: TableDefinition<&str, &[u8]> = TableDefinition::new("s3.parts");
pub const COMPLETED: TableDefinition<&str, &[u8]> = TableDefinition::new("s3.completed");

/// The upload last completed into a key and the blob of the object it made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Completed {
    pub upload: String,
    pub blob: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Upload {
    pub bucket: String,
    pub key: String,
    pub id: String,
    pub initiated: u64,
    pub owner: String,
    pub content_type: Option<String>,
    pub metadata: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub tags: Vec<(String, String)>,
    /// `x-amz-checksum-algorithm` of CreateMultipartUpload.
    #[serde(default)]
    pub checksum: Option<Algorithm>,
    /// `COMPOSITE` or `FULL_OBJECT` when `checksum` is set.
    #[serde(default)]
    pub checksum_type: Option<String>,
    /// The Object Lock the completed object gets (`x-amz-object-lock-*` at creation).
    #[serde(default)]
    pub lock: VersionLock,
    /// The ACL the completed object gets (CreateMultipartUpload's ACL headers, as
    /// `ops::acl::check_object_write` admitted them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<Acl>,
    /// Whether the key had a current object when the upload began: a completion with
    /// `If-None-Match: *` that finds none then conflicts (it was deleted meanwhile).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replaces_object: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Part {
    pub number: u32,
    pub blob: String,
    pub size: u64,
    pub etag: String,
    pub last_modified: u64,
    /// The part's verified checksum.
    #[serde(default)]
    pub checksum: Option<(Algorithm, String)>,
    /// The part's CRC64NVME when the upload has no checksum algorithm: the completed object
    /// gets S3's default full-object CRC64NVME, combined from these.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crc64nvme: Option<String>,
}

fn upload_key(bucket: &str, id: &str) -> String {
    format!("{bucket}/{id}")
}

fn part_key(bucket: &str, id: &str, n: u32) -> String {
    format!("{bucket}/{id}/{n:05}")
}

macro_rules! open_read {
    ($txn:expr, $def:expr, $empty:expr) => {
        match $txn.open_table($def) {
            Ok(t) => t,
            Err(cloudlet_store::redb::TableError::TableDoesNotExist(_)) => return Ok($empty),
            Err(e) => return Err(e.into()),
        }
    };
}

pub fn get_upload(
    txn: &ReadTransaction,
    bucket: &str,
    id: &str,
) -> Result<Option<Upload>, StoreError> {
    let t = open_read!(txn, UPLOADS, None);
    match t.get(upload_key(bucket, id).as_str())? {
        Some(v) => Ok(Some(record::decode(v.value())?)),
        None => Ok(None),
    }
}

/// Uploads in progress in `bucket`, ordered by upload id.
pub fn list_uploads(txn: &ReadTransaction, bucket: &str) -> Result<Vec<Upload>, StoreError> {
    let t = open_read!(txn, UPLOADS, Vec::new());
    let (start, end) = (format!("{bucket}/"), format!("{bucket}0"));
    let mut out = Vec::new();
    for item in t.range(start.as_str()..end.as_str())? {
        let (_, v) = item?;
        out.push(record::decode(v.value())?);
    }
    Ok(out)
}

/// Parts of an upload in part-number order.
pub fn list_parts(txn: &ReadTransaction, bucket: &str, id: &str) -> Result<Vec<Part>, StoreError> {
    let t = open_read!(txn, PARTS, Vec::new());
    let (start, end) = (format!("{bucket}/{id}/"), format!("{bucket}/{id}0"));
    let mut out = Vec::new();
    for item in t.range(start.as_str()..end.as_str())? {
        let (_, v) = item?;
        out.push(record::decode(v.value())?);
    }
    Ok(out)
}

pub fn put_upload(txn: &WriteTransaction, u: &Upload) -> Result<(), StoreError> {
    let mut t = txn.open_table(UPLOADS)?;
    t.insert(
        upload_key(&u.bucket, &u.id).as_str(),
        record::encode(u).as_slice(),
    )?;
    Ok(())
}

pub fn upload_exists(txn: &WriteTransaction, bucket: &str, id: &str) -> Result<bool, StoreError> {
    let t = txn.open_table(UPLOADS)?;
    Ok(t.get(upload_key(bucket, id).as_str())?.is_some())
}

/// Stores a part; returns the part it replaced.
pub fn put_part(
    txn: &WriteTransaction,
    bucket: &str,
    id: &str,
    p: &Part,
) -> Result<Option<Part>, StoreError> {
    let mut t = txn.open_table(PARTS)?;
    let old = t.insert(
        part_key(bucket, id, p.number).as_str(),
        record::encode(p).as_slice(),
    )?;
    match old {
        Some(v) => Ok(Some(record::decode(v.value())?)),
        None => Ok(None),
    }
}

/// Removes an upload and its parts; returns the removed parts (for blob clean-up), or
/// `None` when the upload does not exist.
pub fn remove_upload(
    txn: &WriteTransaction,
    bucket: &str,
    id: &str,
) -> Result<Option<Vec<Part>>, StoreError> {
    let mut uploads = txn.open_table(UPLOADS)?;
    if uploads.remove(upload_key(bucket, id).as_str())?.is_none() {
        return Ok(None);
    }
    let mut parts = txn.open_table(PARTS)?;
    let (start, end) = (format!("{bucket}/{id}/"), format!("{bucket}/{id}0"));
    let mut removed = Vec::new();
    let keys: Vec<String> = parts
        .range(start.as_str()..end.as_str())?
        .map(|i| i.map(|(k, _)| k.value().to_string()))
        .collect::<Result<_, _>>()?;
    for k in keys {
        if let Some(v) = parts.remove(k.as_str())? {
            removed.push(record::decode(v.value())?);
        }
    }
    Ok(Some(removed))
}

/// Records that upload `c.upload` made the object `bucket/key` (replacing the key's earlier
/// record).
pub fn put_completed(
    txn: &WriteTransaction,
    bucket: &str,
    key: &str,
    c: &Completed,
) -> Result<(), StoreError> {
    let mut t = txn.open_table(COMPLETED)?;
    t.insert(
        upload_key(bucket, key).as_str(),
        record::encode(c).as_slice(),
    )?;
    Ok(())
}

/// The upload last completed into `bucket/key`, if remembered.
pub fn get_completed(
    txn: &ReadTransaction,
    bucket: &str,
    key: &str,
) -> Result<Option<Completed>, StoreError> {
    let t = open_read!(txn, COMPLETED, None);
    match t.get(upload_key(bucket, key).as_str())? {
        Some(v) => Ok(Some(record::decode(v.value())?)),
        None => Ok(None),
    }
}

/// Removes every upload in progress in `bucket` and its parts (a deleted bucket takes its
/// uploads with it, as on S3); returns the removed parts (for blob clean-up).
pub fn remove_bucket_uploads(
    txn: &WriteTransaction,
    bucket: &str,
) -> Result<Vec<Part>, StoreError> {
    let ids: Vec<String> = {
        let uploads = txn.open_table(UPLOADS)?;
        let (start, end) = (format!("{bucket}/"), format!("{bucket}0"));
        uploads
            .range(start.as_str()..end.as_str())?
            .map(|i| i.map(|(k, _)| k.value()[start.len()..].to_string()))
            .collect::<Result<_, _>>()?
    };
    let mut removed = Vec::new();
    for id in ids {
        removed.extend(remove_upload(txn, bucket, &id)?.unwrap_or_default());
    }
    let mut completed = txn.open_table(COMPLETED)?;
    let (start, end) = (format!("{bucket}/"), format!("{bucket}0"));
    completed.retain_in(start.as_str()..end.as_str(), |_, _| false)?;
    Ok(removed)
}
