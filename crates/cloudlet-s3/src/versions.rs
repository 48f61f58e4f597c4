//! Object versions in the store. `s3.objects` stays the *current* view (one point read for
//! GET, ListObjects unchanged); `s3.versions` holds every version and delete marker of a
//! versioned bucket, keyed `bucket "/" escaped(key) 00 00 inverted-sequence`, so one key's
//! versions are a contiguous range, newest first, and a bucket's listing is a range scan.
//!
//! Invariant: a bucket whose versioning was never set has no rows here; once set, every
//! `s3.objects` row is also the newest row of its key here (the same record). Enabling
//! versioning turns existing objects into `null` versions in the same transaction.
//!
//! A version id is 24 bytes — 8 random ones (the salt), 8 that seal the id (derived from the
//! other 16), then the big-endian sequence masked with the salt — in URL-safe base64 (32
//! characters): opaque to clients, yet a lookup by id is a point read. `null` is the null
//! version. A request naming an unsealed id that no row has is `InvalidArgument`, as S3
//! answers an id it did not issue; ids issued before the seal (fully random middle bytes)
//! still find their rows.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cloudlet_store::redb::{ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};
use cloudlet_store::{StoreError, record};
use serde::{Deserialize, Serialize};

use crate::error::{S3Error, S3Result, invalid_argument};
use crate::lock::{self, DefaultRetention, VersionLock};
use crate::state::{self, Bucket, OBJECTS, Object, Step};

pub const VERSIONS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("s3.versions");

/// A bucket's versioning state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Enabled,
    Suspended,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Enabled => "Enabled",
            Status::Suspended => "Suspended",
        }
    }
}

/// Object Lock on a bucket: enabled, with an optional default rule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectLock {
    pub rule: Option<DefaultRetention>,
}

/// Versioning and Object Lock settings of a bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketVersioning {
    /// `None`: never set (GetBucketVersioning shows an empty configuration).
    pub status: Option<Status>,
    /// `Disabled` once a request named it (it is then shown).
    pub mfa_delete: Option<String>,
    pub object_lock: Option<ObjectLock>,
}

impl BucketVersioning {
    pub fn is_unset(&self) -> bool {
        *self == BucketVersioning::default()
    }
    /// What CreateBucket sets: `x-amz-bucket-object-lock-enabled: true` enables Object
    /// Lock, and with it versioning.
    pub fn from_create_headers(h: &http::HeaderMap) -> BucketVersioning {
        let lock = h
            .get("x-amz-bucket-object-lock-enabled")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if lock {
            BucketVersioning {
                status: Some(Status::Enabled),
                mfa_delete: None,
                object_lock: Some(ObjectLock::default()),
            }
        } else {
            BucketVersioning::default()
        }
    }
}

/// Version fields of an object record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionMeta {
    /// `None` in a bucket whose versioning was never set; `"null"` for the null version.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub lock: VersionLock,
}

impl VersionMeta {
    /// A new object's fields: no id yet (the write assigns it), the lock it asked for.
    pub fn locked(lock: VersionLock) -> VersionMeta {
        VersionMeta { id: None, lock }
    }
    pub fn is_unset(&self) -> bool {
        self.id.is_none() && self.lock.is_unset()
    }
}

/// One row of `s3.versions`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Entry {
    Object(Object),
    DeleteMarker {
        version_id: String,
        last_modified: u64,
        /// Canonical id of the account that created the marker, when that is not the bucket
        /// owner and ACLs were enabled (listings show it as the marker's owner).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owner: Option<String>,
    },
}

impl Entry {
    pub fn version_id(&self) -> &str {
        match self {
            Entry::Object(o) => o.version.id.as_deref().unwrap_or("null"),
            Entry::DeleteMarker { version_id, .. } => version_id,
        }
    }
}

/// A `versionId` a request names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VersionRef {
    Null,
    Id { seq: u64, id: String },
}

impl VersionRef {
    /// `None` when `s` is not a version id S3 could have issued.
    pub fn parse(s: &str) -> Option<VersionRef> {
        if s == "null" {
            return Some(VersionRef::Null);
        }
        let bytes = URL_SAFE_NO_PAD.decode(s).ok()?;
        let salt: [u8; 8] = bytes.get(..8)?.try_into().ok()?;
        let masked: [u8; 8] = bytes.get(16..)?.try_into().ok()?;
        (bytes.len() == 24 && s.len() == 32).then(|| VersionRef::Id {
            seq: u64::from_be_bytes(masked) ^ u64::from_be_bytes(salt),
            id: s.to_string(),
        })
    }
    /// Parses a request's `versionId`, refusing ids S3 never issues as S3 does.
    pub fn from_param(s: &str) -> S3Result<VersionRef> {
        if s.is_empty() {
            return Err(invalid_argument(
                "Version id cannot be the empty string",
                "versionId",
                "",
            ));
        }
        VersionRef::parse(s).ok_or_else(|| invalid_version_id(s))
    }
    pub fn as_str(&self) -> &str {
        match self {
            VersionRef::Null => "null",
            VersionRef::Id { id, .. } => id,
        }
    }
}

pub fn invalid_version_id(s: &str) -> S3Error {
    invalid_argument("Invalid version id specified", "versionId", s)
}

/// splitmix64's finaliser: a cheap, well-mixing permutation of 64 bits.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The middle 8 bytes of an id with this salt and masked sequence.
fn seal(salt: u64, masked: u64) -> u64 {
    mix(salt ^ mix(masked ^ 0x7665_7273_696f_6e73))
}

fn new_version_id(seq: u64) -> String {
    let mut random = cloudlet_core::ids::random_bytes::<8>();
    // Never a leading `-` or `_` (the top six bits 62 or 63): `--version-id -…` would read as
    // an option to the AWS CLI and most shells' tools.
    if random[0] >= 248 {
        random[0] -= 128;
    }
    let salt = u64::from_be_bytes(random);
    let masked = seq ^ salt;
    let mut bytes = [0u8; 24];
    bytes[..8].copy_from_slice(&random);
    bytes[8..16].copy_from_slice(&seal(salt, masked).to_be_bytes());
    bytes[16..].copy_from_slice(&masked.to_be_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `v` is `null` or an id as cloudlet issues them now (its seal holds). An id
/// without one was issued before the seal — or never: only a lookup tells.
pub fn sealed(v: &VersionRef) -> bool {
    let VersionRef::Id { id, .. } = v else {
        return true;
    };
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(id) else {
        return false;
    };
    let word = |i: usize| {
        bytes
            .get(i..i + 8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_be_bytes)
    };
    matches!((word(0), word(8), word(16)), (Some(salt), Some(check), Some(masked)) if seal(salt, masked) == check)
}

/// What a request naming `v` is told when no row has it: `NoSuchVersion` for an id
/// cloudlet issued, `InvalidArgument` for one it did not.
pub fn no_such_version(key: &str, v: &VersionRef) -> S3Error {
    if sealed(v) {
        S3Error::NoSuchVersion {
            key: key.to_string(),
            version: v.as_str().to_string(),
        }
    } else {
        invalid_version_id(v.as_str())
    }
}

// --- Row keys -------------------------------------------------------------------------

fn push_escaped(out: &mut Vec<u8>, s: &str) {
    for &b in s.as_bytes() {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
}

/// `bucket/` + escaped `key` without its terminator: where listing from `key` starts.
pub fn scan_start(bucket: &str, key: &str) -> Vec<u8> {
    let mut out = format!("{bucket}/").into_bytes();
    push_escaped(&mut out, key);
    out
}

/// Everything of `bucket` lies in `bucket/` ..< `bucket0`.
fn bucket_end(bucket: &str) -> Vec<u8> {
    format!("{bucket}0").into_bytes()
}

/// The first row key of `key` (its newest possible version); all its rows share it as prefix.
fn key_prefix(bucket: &str, key: &str) -> Vec<u8> {
    let mut out = scan_start(bucket, key);
    out.extend_from_slice(&[0, 0]);
    out
}

fn row_key(bucket: &str, key: &str, seq: u64) -> Vec<u8> {
    let mut out = key_prefix(bucket, key);
    out.extend_from_slice(&(u64::MAX - seq).to_be_bytes());
    out
}

/// Splits a row key (without its `bucket/`) into the object key and sequence.
fn split_row(rest: &[u8]) -> Option<(String, u64)> {
    let mut key = Vec::new();
    let mut i = 0;
    loop {
        match (rest.get(i)?, rest.get(i + 1)) {
            (0, Some(0)) => break,
            (0, Some(0xFF)) => {
                key.push(0);
                i += 2;
            }
            (&b, _) => {
                key.push(b);
                i += 1;
            }
        }
    }
    let inv: [u8; 8] = rest.get(i + 2..)?.try_into().ok()?;
    Some((
        String::from_utf8(key).ok()?,
        u64::MAX - u64::from_be_bytes(inv),
    ))
}

// --- Reads ----------------------------------------------------------------------------

fn decode_row(v: &[u8]) -> Result<Entry, StoreError> {
    record::decode(v)
}

/// The newest row of `key`.
fn newest(
    t: &impl ReadableTable<&'static [u8], &'static [u8]>,
    bucket: &str,
    key: &str,
) -> Result<Option<(u64, Entry)>, StoreError> {
    let start = key_prefix(bucket, key);
    let mut end = start.clone();
    end.extend_from_slice(&[0xFF; 9]);
    match t.range(start.as_slice()..end.as_slice())?.next() {
        Some(item) => {
            let (k, v) = item?;
            let seq = u64::MAX
                - u64::from_be_bytes(
                    k.value()[start.len()..]
                        .try_into()
                        .map_err(|_| StoreError::Format("version row key".into()))?,
                );
            Ok(Some((seq, decode_row(v.value())?)))
        }
        None => Ok(None),
    }
}

/// The row `version` names, if it exists.
fn find(
    t: &impl ReadableTable<&'static [u8], &'static [u8]>,
    bucket: &str,
    key: &str,
    version: &VersionRef,
) -> Result<Option<(u64, Entry)>, StoreError> {
    match version {
        VersionRef::Id { seq, id } => match t.get(row_key(bucket, key, *seq).as_slice())? {
            Some(v) => {
                let e = decode_row(v.value())?;
                Ok((e.version_id() == id).then_some((*seq, e)))
            }
            None => Ok(None),
        },
        VersionRef::Null => {
            let start = key_prefix(bucket, key);
            let mut end = start.clone();
            end.extend_from_slice(&[0xFF; 9]);
            for item in t.range(start.as_slice()..end.as_slice())? {
                let (k, v) = item?;
                let e = decode_row(v.value())?;
                if e.version_id() == "null" {
                    let (_, seq) = split_row(&k.value()[bucket.len() + 1..])
                        .ok_or_else(|| StoreError::Format("version row key".into()))?;
                    return Ok(Some((seq, e)));
                }
            }
            Ok(None)
        }
    }
}

macro_rules! read_table {
    ($txn:expr, $empty:expr) => {
        match $txn.open_table(VERSIONS) {
            Ok(t) => t,
            Err(cloudlet_store::redb::TableError::TableDoesNotExist(_)) => return Ok($empty),
            Err(e) => return Err(e.into()),
        }
    };
}

/// The entry `version` names. In a bucket whose versioning was never set, the object
/// itself is the null version.
pub fn read_version(
    txn: &ReadTransaction,
    bucket: &str,
    key: &str,
    version: &VersionRef,
) -> Result<Option<Entry>, StoreError> {
    let found = {
        let t = match txn.open_table(VERSIONS) {
            Ok(t) => Some(t),
            Err(cloudlet_store::redb::TableError::TableDoesNotExist(_)) => None,
            Err(e) => return Err(e.into()),
        };
        match t {
            Some(t) => find(&t, bucket, key, version)?,
            None => None,
        }
    };
    if let Some((_, e)) = found {
        return Ok(Some(e));
    }
    if *version == VersionRef::Null
        && let Some(o) = state::get_object(txn, bucket, key)?
        && o.version.id.is_none()
    {
        return Ok(Some(Entry::Object(o)));
    }
    Ok(None)
}

/// The newest entry of `key` (what GET shows, or the delete marker hiding it).
pub fn read_latest(
    txn: &ReadTransaction,
    bucket: &str,
    key: &str,
) -> Result<Option<Entry>, StoreError> {
    let t = read_table!(txn, None);
    Ok(newest(&t, bucket, key)?.map(|(_, e)| e))
}

/// Visits `bucket`'s rows from object key `from` on, in key order and newest first within a
/// key, until `visit` returns false.
pub fn scan(
    txn: &ReadTransaction,
    bucket: &str,
    from: &str,
    mut visit: impl FnMut(&str, u64, Entry) -> bool,
) -> Result<(), StoreError> {
    scan_keys(txn, bucket, from, |key, seq, entry| {
        match visit(key, seq, entry) {
            true => Step::Next,
            false => Step::Stop,
        }
    })
}

/// [`scan`] for listings: `visit` can skip the rest of a common prefix with a seek (as
/// [`state::scan_object_keys`] does).
pub fn scan_keys(
    txn: &ReadTransaction,
    bucket: &str,
    from: &str,
    mut visit: impl FnMut(&str, u64, Entry) -> Step,
) -> Result<(), StoreError> {
    let t = read_table!(txn, ());
    let (mut start, end) = (scan_start(bucket, from), bucket_end(bucket));
    'seek: loop {
        for item in t.range(start.as_slice()..end.as_slice())? {
            let (k, v) = item?;
            let row = k.value();
            let (key, seq) = split_row(&row[bucket.len() + 1..])
                .ok_or_else(|| StoreError::Format("version row key".into()))?;
            match visit(&key, seq, decode_row(v.value())?) {
                Step::Next => {}
                Step::Stop => break,
                Step::SkipPrefix(p) => {
                    let past = scan_start(bucket, &state::past_prefix(&p));
                    if past.as_slice() > row {
                        start = past;
                        continue 'seek;
                    }
                }
            }
        }
        return Ok(());
    }
}

// --- Writes ---------------------------------------------------------------------------

/// Whether any version or delete marker of `bucket` remains.
pub fn bucket_has_versions(txn: &WriteTransaction, bucket: &str) -> Result<bool, StoreError> {
    let t = txn.open_table(VERSIONS)?;
    let (start, end) = (scan_start(bucket, ""), bucket_end(bucket));
    Ok(t.range(start.as_slice()..end.as_slice())?.next().is_some())
}

/// Turns every object of a bucket whose versioning was never set into its null version.
pub fn adopt_existing(txn: &WriteTransaction, bucket: &str) -> Result<(), StoreError> {
    let mut objects: Vec<(String, Object)> = Vec::new();
    {
        let t = txn.open_table(OBJECTS)?;
        let (start, end) = (format!("{bucket}/"), format!("{bucket}0"));
        for item in t.range(start.as_str()..end.as_str())? {
            let (k, v) = item?;
            let key = k.value()[bucket.len() + 1..].to_string();
            objects.push((key, record::decode(v.value())?));
        }
    }
    let mut versions = txn.open_table(VERSIONS)?;
    let mut current = txn.open_table(OBJECTS)?;
    for (key, mut obj) in objects {
        obj.version.id = Some("null".into());
        let row = record::encode(&Entry::Object(obj.clone()));
        versions.insert(row_key(bucket, &key, 1).as_slice(), row.as_slice())?;
        current.insert(
            state::object_key(bucket, &key).as_str(),
            record::encode(&obj).as_slice(),
        )?;
    }
    Ok(())
}

/// What a write did: the version id it created (if the bucket is versioned) and the blobs
/// no version refers to any more.
#[derive(Debug, Default)]
pub struct Written {
    pub version_id: Option<String>,
    pub freed: Vec<String>,
}

/// Removes the null version of `key`, if any; returns its blob.
fn remove_null(
    t: &mut cloudlet_store::redb::Table<&'static [u8], &'static [u8]>,
    bucket: &str,
    key: &str,
) -> Result<Option<String>, StoreError> {
    let Some((seq, e)) = find(t, bucket, key, &VersionRef::Null)? else {
        return Ok(None);
    };
    t.remove(row_key(bucket, key, seq).as_slice())?;
    Ok(match e {
        Entry::Object(o) => Some(o.blob),
        Entry::DeleteMarker { .. } => None,
    })
}

/// Appends `entry` as the newest row of `key`: a fresh id when versioning is enabled, or
/// the null version (replacing the old one) when suspended. Returns the id and freed blobs.
fn append(
    txn: &WriteTransaction,
    status: Status,
    bucket: &str,
    key: &str,
    mut entry: Entry,
) -> Result<(Entry, Written), StoreError> {
    let mut t = txn.open_table(VERSIONS)?;
    let mut freed = Vec::new();
    if status == Status::Suspended {
        freed.extend(remove_null(&mut t, bucket, key)?);
    }
    let seq = newest(&t, bucket, key)?.map_or(1, |(s, _)| s + 1);
    let id = match status {
        Status::Enabled => new_version_id(seq),
        Status::Suspended => "null".to_string(),
    };
    match &mut entry {
        Entry::Object(o) => o.version.id = Some(id.clone()),
        Entry::DeleteMarker { version_id, .. } => version_id.clone_from(&id),
    }
    t.insert(
        row_key(bucket, key, seq).as_slice(),
        record::encode(&entry).as_slice(),
    )?;
    Ok((
        entry,
        Written {
            version_id: Some(id),
            freed,
        },
    ))
}

/// Stores `obj` as the new current object of `key` (PutObject, CopyObject, multipart
/// completion), applying the bucket's Object Lock rules. The id returned is the one the
/// response names.
pub fn store_object(
    txn: &WriteTransaction,
    bucket: &Bucket,
    key: &str,
    mut obj: Object,
    now: u64,
) -> S3Result<Written> {
    match &bucket.versioning.object_lock {
        Some(cfg) => {
            if obj.version.lock.retention.is_none()
                && let Some(rule) = &cfg.rule
            {
                obj.version.lock.retention = Some(rule.applied_at(now));
            }
        }
        None if !obj.version.lock.is_unset() => return Err(lock::missing_configuration()),
        None => {}
    }
    let Some(status) = bucket.versioning.status else {
        let old = state::put_object(txn, &bucket.name, key, &obj)?;
        return Ok(Written {
            version_id: None,
            freed: old
                .map(|o| o.blob)
                .filter(|b| *b != obj.blob)
                .into_iter()
                .collect(),
        });
    };
    let (entry, mut written) = append(txn, status, &bucket.name, key, Entry::Object(obj))?;
    if let Entry::Object(o) = entry {
        state::put_object(txn, &bucket.name, key, &o)?;
    }
    // S3 answers a write into a suspended bucket without `x-amz-version-id`, though GET
    // and listings then show the version as `null`.
    if status == Status::Suspended {
        written.version_id = None;
    }
    Ok(written)
}

/// What a delete did.
#[derive(Debug, Default)]
pub struct Deleted {
    /// The version the request named, echoed back.
    pub version_id: Option<String>,
    /// Whether the version removed, or the row created, is a delete marker.
    pub delete_marker: bool,
    /// The id of the delete marker created (DELETE without `versionId`).
    pub marker_version_id: Option<String>,
    pub freed: Vec<String>,
    /// DELETE with `versionId`: no row (nor, for `null`, unversioned object) had it.
    pub missing: bool,
}

/// DeleteObject without `versionId`: removes the object in an unversioned bucket, otherwise
/// hides it behind a new delete marker owned by `owner` (a canonical id; `None`: the bucket
/// owner).
pub fn delete_current(
    txn: &WriteTransaction,
    bucket: &Bucket,
    key: &str,
    now: u64,
    owner: Option<&str>,
) -> Result<Deleted, StoreError> {
    let Some(status) = bucket.versioning.status else {
        let old = state::delete_object(txn, &bucket.name, key)?;
        return Ok(Deleted {
            freed: old.map(|o| o.blob).into_iter().collect(),
            ..Deleted::default()
        });
    };
    let marker = Entry::DeleteMarker {
        version_id: String::new(),
        last_modified: now,
        owner: owner.map(str::to_string),
    };
    let (_, written) = append(txn, status, &bucket.name, key, marker)?;
    state::delete_object(txn, &bucket.name, key)?;
    Ok(Deleted {
        version_id: None,
        delete_marker: true,
        marker_version_id: written.version_id,
        freed: written.freed,
        missing: false,
    })
}

/// DeleteObject with `versionId`: removes that version (or delete marker) for good, unless
/// Object Lock protects it; the next newest becomes current. Deleting a version that does
/// not exist succeeds, as on S3.
pub fn delete_version(
    txn: &WriteTransaction,
    bucket: &Bucket,
    key: &str,
    version: &VersionRef,
    bypass: bool,
    now: u64,
) -> S3Result<Deleted> {
    let name = bucket.name.as_str();
    let mut done = Deleted {
        version_id: Some(version.as_str().to_string()),
        ..Deleted::default()
    };
    let mut t = txn.open_table(VERSIONS).map_err(StoreError::from)?;
    let Some((seq, entry)) = find(&t, name, key, version)? else {
        drop(t);
        if *version == VersionRef::Null
            && state::load_object(txn, name, key)?.is_some_and(|o| o.version.id.is_none())
        {
            done.freed
                .extend(state::delete_object(txn, name, key)?.map(|o| o.blob));
        } else {
            done.missing = true;
        }
        return Ok(done);
    };
    match &entry {
        Entry::Object(o) => {
            if !lock::may_delete(&o.version.lock, bypass, now) {
                return Err(lock::protected());
            }
            done.freed.push(o.blob.clone());
        }
        Entry::DeleteMarker { .. } => done.delete_marker = true,
    }
    let was_latest = newest(&t, name, key)?.is_some_and(|(s, _)| s == seq);
    t.remove(row_key(name, key, seq).as_slice())
        .map_err(StoreError::from)?;
    if was_latest {
        let next = newest(&t, name, key)?;
        drop(t);
        match next {
            Some((_, Entry::Object(o))) => {
                state::put_object(txn, name, key, &o)?;
            }
            _ => {
                state::delete_object(txn, name, key)?;
            }
        }
    }
    Ok(done)
}

/// Changes one version's record in place (tags, retention, legal hold, ACL, storage class,
/// restore record, encryption: `set_storage_class`, RestoreObject, UpdateObjectEncryption):
/// the current object when `version` is `None`. Keeps `s3.objects` and `s3.versions` in
/// step; returns the version's id. A delete marker — named, or the key's newest entry —
/// answers 405 `MethodNotAllowed` for a `method` request, as on S3.
pub fn update_object(
    txn: &WriteTransaction,
    bucket: &str,
    key: &str,
    version: Option<&VersionRef>,
    method: &'static str,
    change: &mut dyn FnMut(&mut Object) -> S3Result<()>,
) -> S3Result<Option<String>> {
    let mut t = txn.open_table(VERSIONS).map_err(StoreError::from)?;
    let target = match version {
        None => newest(&t, bucket, key)?,
        Some(v) => find(&t, bucket, key, v)?,
    };
    match target {
        Some((_, Entry::DeleteMarker { .. })) => Err(S3Error::MethodNotAllowed {
            method: method.to_string(),
            resource: "DeleteMarker",
        }),
        Some((seq, Entry::Object(mut o))) => {
            change(&mut o)?;
            let latest = newest(&t, bucket, key)?.is_some_and(|(s, _)| s == seq);
            t.insert(
                row_key(bucket, key, seq).as_slice(),
                record::encode(&Entry::Object(o.clone())).as_slice(),
            )
            .map_err(StoreError::from)?;
            drop(t);
            if latest {
                state::put_object(txn, bucket, key, &o)?;
            }
            Ok(o.version.id)
        }
        None => {
            drop(t);
            // Objects of a bucket whose versioning was never set have no rows: the object
            // is the null version.
            let current = state::load_object(txn, bucket, key)?.filter(|o| {
                o.version.id.is_none() && version.is_none_or(|v| *v == VersionRef::Null)
            });
            match current {
                Some(mut o) => {
                    change(&mut o)?;
                    state::put_object(txn, bucket, key, &o)?;
                    Ok(None)
                }
                None => Err(match version {
                    Some(v) => no_such_version(key, v),
                    None => S3Error::NoSuchKey(key.to_string()),
                }),
            }
        }
    }
}

/// Moves one version of `key` (the current object when `version` is `None`) to storage
/// class `class`, as a lifecycle transition does: only the class among its stored headers
/// changes (ETag, Last-Modified, metadata, tags, ACL and lock stay), in its `s3.versions`
/// row and, when it is current, in `s3.objects` too.
pub fn set_storage_class(
    txn: &WriteTransaction,
    bucket: &str,
    key: &str,
    version: Option<&VersionRef>,
    class: &str,
) -> S3Result<()> {
    update_object(txn, bucket, key, version, "PUT", &mut |o| {
        crate::storage_class::set(&mut o.headers, class);
        Ok(())
    })
    .map(|_| ())
}

/// Every row of `key`, newest first, with its sequence: what a write re-reads before it
/// removes or transitions versions it chose from an earlier scan (the lifecycle sweeper).
pub fn key_rows(
    txn: &WriteTransaction,
    bucket: &str,
    key: &str,
) -> Result<Vec<(u64, Entry)>, StoreError> {
    let t = txn.open_table(VERSIONS)?;
    let start = key_prefix(bucket, key);
    let mut end = start.clone();
    end.extend_from_slice(&[0xFF; 9]);
    let mut rows = Vec::new();
    for item in t.range(start.as_slice()..end.as_slice())? {
        let (k, v) = item?;
        let (_, seq) = split_row(&k.value()[bucket.len() + 1..])
            .ok_or_else(|| StoreError::Format("version row key".into()))?;
        rows.push((seq, decode_row(v.value())?));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_keys_round_trip_and_sort() {
        let keys = ["", "a", "a\0", "a\0b", "a\u{1}", "a/b", "ab", "b", "é"];
        let mut rows: Vec<(Vec<u8>, &str, u64)> = Vec::new();
        for k in keys {
            for seq in [1, 2, 300] {
                rows.push((row_key("bkt", k, seq), k, seq));
            }
        }
        for (row, k, seq) in &rows {
            assert_eq!(
                split_row(&row["bkt/".len()..]),
                Some((k.to_string(), *seq)),
                "{k:?}"
            );
            assert!(row.starts_with(&key_prefix("bkt", k)));
            assert!(row.as_slice() >= scan_start("bkt", k).as_slice());
            assert!(row.as_slice() < bucket_end("bkt").as_slice());
        }
        // Sorted rows list keys in byte order, and each key's versions newest first.
        let mut sorted = rows.clone();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let got: Vec<(&str, u64)> = sorted.iter().map(|(_, k, s)| (*k, *s)).collect();
        let mut want: Vec<(&str, u64)> = rows.iter().map(|(_, k, s)| (*k, *s)).collect();
        want.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()).then(b.1.cmp(&a.1)));
        assert_eq!(got, want);
        assert_eq!(split_row(b"a\0"), None);
        assert_eq!(split_row(b"a\0\0\0"), None);
    }

    #[test]
    fn version_ids() {
        for seq in [1, 42, 1 << 40, u64::MAX - 1] {
            let id = new_version_id(seq);
            assert_eq!(id.len(), 32);
            assert_eq!(
                VersionRef::parse(&id),
                Some(VersionRef::Id {
                    seq,
                    id: id.clone()
                })
            );
        }
        assert_ne!(new_version_id(1)[..8], new_version_id(1)[..8]);
        // Issued ids are sealed; changing any character breaks the seal.
        let id = new_version_id(99);
        let v = VersionRef::parse(&id).unwrap();
        assert!(sealed(&v) && sealed(&VersionRef::Null));
        for i in 0..id.len() {
            let mut chars: Vec<char> = id.chars().collect();
            chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
            let changed: String = chars.into_iter().collect();
            if let Some(t) = VersionRef::parse(&changed) {
                assert!(!sealed(&t), "{changed}");
            }
        }
        // An id of the earlier, unsealed form still parses (its row is found by sequence).
        let legacy = VersionRef::parse("AAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAB").unwrap();
        assert!(!sealed(&legacy));
        for _ in 0..2000 {
            let id = new_version_id(7);
            assert!(!id.starts_with(['-', '_']), "{id}");
            assert_eq!(VersionRef::parse(&id).map(|v| v.as_str().len()), Some(32));
        }
        let cases = [
            ("null", Some(VersionRef::Null)),
            ("Null", None),
            ("", None),
            ("abc", None),
            ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", None),
            ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", None),
            ("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+", None),
            // Salt 1 (byte 7), masked sequence 1 (byte 23): sequence 0.
            (
                "AAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAB",
                Some(VersionRef::Id {
                    seq: 0,
                    id: "AAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAB".into(),
                }),
            ),
        ];
        for (s, want) in cases {
            assert_eq!(VersionRef::parse(s), want, "{s}");
        }
    }
}
