//! S3's tables in the store and its persisted records: buckets (global namespace, with
//! owner, region and configuration) and object metadata (the bodies are blobs).
//! Every value goes through `record::encode`; object keys are `"{bucket}/{key}"`, so one
//! bucket's objects form a contiguous, key-ordered range. In a versioned bucket this table
//! is the current view; `versions` keeps every version.

use cloudlet_store::redb::{ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};
use cloudlet_store::{StoreError, record};
use serde::{Deserialize, Serialize};

use crate::acl::Acl;
use crate::versions::{BucketVersioning, VersionMeta};
use crate::website::Website;

pub const BUCKETS: TableDefinition<&str, &[u8]> = TableDefinition::new("s3.buckets");
pub const OBJECTS: TableDefinition<&str, &[u8]> = TableDefinition::new("s3.objects");

/// The four Block Public Access settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
}

impl PublicAccessBlock {
    /// What new buckets get (all on, as on AWS since April 2023).
    pub fn all_on() -> PublicAccessBlock {
        PublicAccessBlock {
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: true,
            restrict_public_buckets: true,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Bucket {
    pub name: String,
    pub owner: String,
    pub region: String,
    /// Milliseconds since the epoch.
    pub created: u64,
    pub policy: Option<String>,
    pub public_access_block: Option<PublicAccessBlock>,
    pub website: Option<Website>,
    #[serde(default)]
    pub tags: Option<Vec<(String, String)>>,
    #[serde(default, skip_serializing_if = "BucketVersioning::is_unset")]
    pub versioning: BucketVersioning,
    /// The `LocationConstraint` the bucket was created with when it is not its region's name
    /// (the legacy `EU`, for eu-west-1), which GetBucketLocation reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_location: Option<String>,
}

impl Bucket {
    /// The Block Public Access settings in force (none configured = all off).
    pub fn bpa(&self) -> PublicAccessBlock {
        self.public_access_block.unwrap_or_default()
    }
}

/// Metadata of one stored object.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Object {
    pub blob: String,
    pub size: u64,
    /// MD5 hex, without quotes.
    pub etag: String,
    pub content_type: Option<String>,
    /// Milliseconds since the epoch.
    pub last_modified: u64,
    /// `x-amz-meta-*` headers, names lowercased without the prefix.
    pub metadata: Vec<(String, String)>,
    /// Stored representation headers (Content-Encoding, Cache-Control, …), names lowercase.
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub tags: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "VersionMeta::is_unset")]
    pub version: VersionMeta,
    /// The parts of an object completed from a multipart upload, in order (empty for other
    /// objects and in records written before parts were kept).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartSummary>,
    /// The object's ACL, with its owner when another account owns it; `None` for an object
    /// written without one (private to the bucket owner) and in records written before ACLs
    /// lived in the object (`ops::acl::object_acl` then reads the legacy record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acl: Option<Box<Acl>>,
}

/// What GetObjectAttributes shows of one part of a completed multipart upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartSummary {
    pub number: u32,
    pub size: u64,
    /// The part's checksum in the object's algorithm (base64), when the object has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

pub fn object_key(bucket: &str, key: &str) -> String {
    format!("{bucket}/{key}")
}

pub fn get_bucket(txn: &ReadTransaction, name: &str) -> Result<Option<Bucket>, StoreError> {
    let table = match txn.open_table(BUCKETS) {
        Ok(t) => t,
        Err(cloudlet_store::redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    match table.get(name)? {
        Some(v) => Ok(Some(record::decode(v.value())?)),
        None => Ok(None),
    }
}

pub fn all_buckets(txn: &ReadTransaction) -> Result<Vec<Bucket>, StoreError> {
    let table = match txn.open_table(BUCKETS) {
        Ok(t) => t,
        Err(cloudlet_store::redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut out = Vec::new();
    for item in table.iter()? {
        let (_, v) = item?;
        out.push(record::decode(v.value())?);
    }
    Ok(out)
}

pub fn get_object(
    txn: &ReadTransaction,
    bucket: &str,
    key: &str,
) -> Result<Option<Object>, StoreError> {
    let table = match txn.open_table(OBJECTS) {
        Ok(t) => t,
        Err(cloudlet_store::redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    match table.get(object_key(bucket, key).as_str())? {
        Some(v) => Ok(Some(record::decode(v.value())?)),
        None => Ok(None),
    }
}

/// Visits objects of `bucket` whose key starts with `prefix` and is at least `from`, in key
/// order, until `visit` returns false.
pub fn scan_objects(
    txn: &ReadTransaction,
    bucket: &str,
    prefix: &str,
    from: &str,
    mut visit: impl FnMut(&str, Object) -> bool,
) -> Result<(), StoreError> {
    scan_object_keys(txn, bucket, prefix, from, |key, record| {
        Ok(match visit(key, record.decode()?) {
            true => Step::Next,
            false => Step::Stop,
        })
    })
}

/// What a key scan does after a key.
pub enum Step {
    Next,
    Stop,
    /// Goes on after every key that starts with this one (a common prefix, listed once).
    SkipPrefix(String),
}

/// A key that sorts after every key starting with `prefix`, except those whose next character
/// is the last one Unicode has (a scan visits those few one by one).
pub fn past_prefix(prefix: &str) -> String {
    format!("{prefix}{}", char::MAX)
}

/// An object's stored record, decoded only if asked.
pub struct Stored<'a>(&'a [u8]);

impl Stored<'_> {
    pub fn decode(&self) -> Result<Object, StoreError> {
        record::decode(self.0)
    }
}

/// [`scan_objects`] for listings: `visit` sees each key before its record is decoded, and
/// can skip the rest of a common prefix with a seek instead of visiting every key in it.
pub fn scan_object_keys(
    txn: &ReadTransaction,
    bucket: &str,
    prefix: &str,
    from: &str,
    mut visit: impl FnMut(&str, Stored<'_>) -> Result<Step, StoreError>,
) -> Result<(), StoreError> {
    let table = match txn.open_table(OBJECTS) {
        Ok(t) => t,
        Err(cloudlet_store::redb::TableError::TableDoesNotExist(_)) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let mut start = object_key(bucket, if from > prefix { from } else { prefix });
    let base = bucket.len() + 1;
    'seek: loop {
        for item in table.range(start.as_str()..)? {
            let (k, v) = item?;
            let full = k.value();
            let Some(key) = full.get(base..) else { break };
            if !full.starts_with(bucket) || full.as_bytes().get(bucket.len()) != Some(&b'/') {
                break;
            }
            if !key.starts_with(prefix) {
                break;
            }
            match visit(key, Stored(v.value()))? {
                Step::Next => {}
                Step::Stop => break,
                Step::SkipPrefix(p) => {
                    let past = object_key(bucket, &past_prefix(&p));
                    if past.as_str() > full {
                        start = past;
                        continue 'seek;
                    }
                }
            }
        }
        return Ok(());
    }
}

pub fn put_bucket(txn: &WriteTransaction, b: &Bucket) -> Result<(), StoreError> {
    let mut t = txn.open_table(BUCKETS)?;
    t.insert(b.name.as_str(), record::encode(b).as_slice())?;
    Ok(())
}

pub fn load_bucket(txn: &WriteTransaction, name: &str) -> Result<Option<Bucket>, StoreError> {
    let t = txn.open_table(BUCKETS)?;
    let v = t.get(name)?;
    match v {
        Some(v) => Ok(Some(record::decode(v.value())?)),
        None => Ok(None),
    }
}

pub fn delete_bucket_row(txn: &WriteTransaction, name: &str) -> Result<(), StoreError> {
    let mut t = txn.open_table(BUCKETS)?;
    t.remove(name)?;
    Ok(())
}

/// Whether `bucket` holds any object.
pub fn bucket_has_objects(txn: &WriteTransaction, bucket: &str) -> Result<bool, StoreError> {
    let t = txn.open_table(OBJECTS)?;
    let start = format!("{bucket}/");
    let end = format!("{bucket}0");
    Ok(t.range(start.as_str()..end.as_str())?.next().is_some())
}

/// Stores `obj` under `bucket/key`; returns the object it replaced.
pub fn put_object(
    txn: &WriteTransaction,
    bucket: &str,
    key: &str,
    obj: &Object,
) -> Result<Option<Object>, StoreError> {
    let mut t = txn.open_table(OBJECTS)?;
    let old = t.insert(
        object_key(bucket, key).as_str(),
        record::encode(obj).as_slice(),
    )?;
    match old {
        Some(v) => Ok(Some(record::decode(v.value())?)),
        None => Ok(None),
    }
}

/// Reads `bucket/key` inside a write transaction.
pub fn load_object(
    txn: &WriteTransaction,
    bucket: &str,
    key: &str,
) -> Result<Option<Object>, StoreError> {
    let t = txn.open_table(OBJECTS)?;
    let v = t.get(object_key(bucket, key).as_str())?;
    match v {
        Some(v) => Ok(Some(record::decode(v.value())?)),
        None => Ok(None),
    }
}

/// Whether `bucket/key` has a current object, inside a write transaction (its record not
/// decoded).
pub fn object_exists(txn: &WriteTransaction, bucket: &str, key: &str) -> Result<bool, StoreError> {
    let t = txn.open_table(OBJECTS)?;
    Ok(t.get(object_key(bucket, key).as_str())?.is_some())
}

/// Removes `bucket/key`; returns the object removed.
pub fn delete_object(
    txn: &WriteTransaction,
    bucket: &str,
    key: &str,
) -> Result<Option<Object>, StoreError> {
    let mut t = txn.open_table(OBJECTS)?;
    let old = t.remove(object_key(bucket, key).as_str())?;
    match old {
        Some(v) => Ok(Some(record::decode(v.value())?)),
        None => Ok(None),
    }
}
