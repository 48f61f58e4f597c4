//! Receiving object bodies: streams a request body into a new blob as it arrives
//! (`aws-chunked` decoded; MD5, the declared [`checksum`](crate::checksum) — or S3's
//! default CRC64NVME — and a hex
//! `x-amz-content-sha256` computed on the way and checked, as are Content-MD5 and the
//! length), copies stored blobs into new ones, and commits object records (deleting the
//! blob an overwrite replaced). Used by PutObject, UploadPart, CopyObject and multipart
//! completion. The checks made before a body is read are in `precheck`.

use bytes::Bytes;
use cloudlet_core::Body;
use cloudlet_core::body::ChunkSignatureMismatch;
use cloudlet_store::{BlobId, BlobWriter};
use http::HeaderMap;
use http_body_util::BodyExt;
use md5::{Digest, Md5};
use tokio::io::AsyncReadExt;

use crate::S3;
use crate::checksum::{self, Algorithm, Hasher};
use crate::chunked::Dechunker;
use crate::error::{Digested, S3Error, S3Result};
use crate::precheck::{
    Integrity, check_body_end, check_declared, check_not_longer, is_aws_chunked,
};
use crate::state::{self, Object};

/// Representation headers stored with an object and returned on GET/HEAD.
pub const STORED_HEADERS: &[&str] = &[
    "content-disposition",
    "content-language",
    "cache-control",
    "expires",
    "x-amz-website-redirect-location",
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-bucket-key-enabled",
];

/// Checksum headers stored and echoed (each verified on upload).
pub const CHECKSUMS: &[&str] = &[
    "x-amz-checksum-crc32",
    "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme",
    "x-amz-checksum-sha1",
    "x-amz-checksum-sha256",
    "x-amz-checksum-sha512",
    "x-amz-checksum-type",
];

pub fn hv<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

pub(crate) fn encodings(h: &HeaderMap) -> Vec<String> {
    hv(h, "content-encoding")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect()
}

/// Content-Encoding (without `aws-chunked`) and the other stored representation headers.
pub fn representation_headers(h: &HeaderMap) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let enc: Vec<String> = encodings(h)
        .into_iter()
        .filter(|e| !e.eq_ignore_ascii_case("aws-chunked"))
        .collect();
    if !enc.is_empty() {
        out.push(("content-encoding".into(), enc.join(",")));
    }
    for name in STORED_HEADERS {
        // Kept as sent, UTF-8 included (a `filename` in Content-Disposition).
        if let Some(v) = h
            .get(*name)
            .and_then(|v| std::str::from_utf8(v.as_bytes()).ok())
        {
            out.push((name.to_string(), v.to_string()));
        }
    }
    out
}

/// `x-amz-meta-*` headers, prefix removed; the values of a name sent more than once joined
/// with commas, as S3 joins them. A value with non-ASCII bytes is kept RFC 2047-encoded
/// (`=?UTF-8?B?…?=`), the form S3 returns it in.
pub fn user_metadata(h: &HeaderMap) -> Vec<(String, String)> {
    h.keys()
        .filter_map(|k| {
            let name = k.as_str().strip_prefix("x-amz-meta-")?;
            let values: Vec<&[u8]> = h.get_all(k).iter().map(|v| v.as_bytes()).collect();
            Some((name.to_string(), mail_safe(&values.join(&b","[..]))))
        })
        .collect()
}

/// A header value as S3 returns user metadata: ASCII as it is, anything else as one RFC 2047
/// encoded word of its UTF-8 (bytes that are not UTF-8 replaced).
pub fn mail_safe(value: &[u8]) -> String {
    match std::str::from_utf8(value) {
        Ok(text) if text.is_ascii() => text.to_string(),
        _ => {
            use base64::Engine;
            let text = String::from_utf8_lossy(value);
            let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
            format!("=?UTF-8?B?{b64}?=")
        }
    }
}

/// A body stored as a blob.
pub struct Received {
    pub blob: BlobId,
    pub size: u64,
    pub md5: [u8; 16],
    /// The checksum the client declared (header or trailer), verified, or the one computed
    /// for a multipart upload, or else S3's default CRC64NVME, with `x-amz-checksum-type`;
    /// names lowercase.
    pub checksums: Vec<(String, String)>,
    /// Whether `checksums` holds the default CRC64NVME rather than one that was asked for.
    pub defaulted: bool,
    /// The body's CRC64NVME, when computed (as its checksum or besides it).
    pub crc64nvme: Option<String>,
}

impl Received {
    pub fn etag(&self) -> String {
        cloudlet_core::ids::hex(&self.md5)
    }
}

/// Bytes gathered before they are hashed and written together.
const BATCH: usize = 1024 * 1024;
/// Batches at least this large are hashed on a blocking thread while they are written (MD5
/// costs milliseconds per MiB, too long to hold a runtime worker); smaller ones inline.
const OFFLOAD: usize = 128 * 1024;

/// The digests of an incoming body: its MD5 (the ETag), the checksum declared or due, and
/// the SHA-256 a signed `x-amz-content-sha256` promises.
struct Digests {
    md5: Md5,
    checksum: Hasher,
    /// A CRC64NVME besides `checksum` (a part of an upload with no checksum algorithm).
    crc64: Option<Hasher>,
    sha256: Option<sha2::Sha256>,
}

impl Digests {
    fn update(&mut self, bytes: &[u8]) {
        self.md5.update(bytes);
        self.checksum.update(bytes);
        if let Some(c) = &mut self.crc64 {
            c.update(bytes);
        }
        if let Some(c) = &mut self.sha256 {
            c.update(bytes);
        }
    }
}

/// Hashes `batch` and appends it to `writer`, the two overlapping for a large batch.
async fn absorb(writer: &mut BlobWriter, mut d: Digests, batch: Vec<Bytes>) -> S3Result<Digests> {
    let len: usize = batch.iter().map(Bytes::len).sum();
    if len < OFFLOAD {
        for b in &batch {
            d.update(b);
            writer.write(b).await?;
        }
        return Ok(d);
    }
    let shared = batch.clone();
    let hashing = tokio::task::spawn_blocking(move || {
        for b in &shared {
            d.update(b);
        }
        d
    });
    let mut written = Ok(());
    for b in &batch {
        written = writer.write(b).await;
        if written.is_err() {
            break;
        }
    }
    let d = hashing.await.map_err(|e| S3Error::Body(e.to_string()))?;
    written?;
    Ok(d)
}

/// Streams `body` into a new blob, checking what the headers promise; a body that declares
/// no checksum gets S3's default, CRC64NVME.
pub async fn receive(s3: &S3, h: &HeaderMap, body: Body) -> S3Result<Received> {
    receive_computing(s3, h, body, None, false).await
}

/// [`receive`], computing `also` instead of the default when the request declares no
/// checksum (the parts of a multipart upload created with a checksum algorithm), and the
/// CRC64NVME besides any other checksum when `crc64_too` (the parts of one created without).
pub async fn receive_computing(
    s3: &S3,
    h: &HeaderMap,
    mut body: Body,
    also: Option<Algorithm>,
    crc64_too: bool,
) -> S3Result<Received> {
    let Integrity {
        md5: expected_md5,
        declared,
    } = Integrity::of(h)?;
    let requested = declared.as_ref().map(|d| d.algorithm).or(also);
    let algorithm = requested.unwrap_or(Algorithm::Crc64Nvme);
    let crc64_too = crc64_too && algorithm != Algorithm::Crc64Nvme;
    let content_sha256 = hv(h, "x-amz-content-sha256")
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase);
    let chunked = is_aws_chunked(h);
    let declared_len = crate::precheck::declared_length(h);

    let mut writer = s3.store.blobs().create().await?;
    if let Some(len) = declared_len {
        writer.reserve(len);
    }
    let mut digests = Digests {
        md5: Md5::new(),
        checksum: Hasher::new(algorithm),
        crc64: crc64_too.then(|| Hasher::new(Algorithm::Crc64Nvme)),
        sha256: content_sha256.as_ref().map(|_| sha2::Sha256::new()),
    };
    let mut dechunker = chunked.then(Dechunker::new);
    let mut batch: Vec<Bytes> = Vec::new();
    let mut batched = 0usize;
    let mut received = 0u64;
    let streamed: S3Result<Digests> = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| {
                if e.downcast_ref::<ChunkSignatureMismatch>().is_some() {
                    S3Error::ChunkSignatureMismatch
                } else {
                    S3Error::Body(e.to_string())
                }
            })?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            let bytes = match &mut dechunker {
                Some(d) => {
                    let mut decoded = Vec::new();
                    d.feed(&data, &mut decoded)?;
                    Bytes::from(decoded)
                }
                None => data,
            };
            // A body longer than declared is refused at once, before more of it is stored:
            // none grows past its declared length (for a PutObject at most 5 GiB).
            received += bytes.len() as u64;
            check_not_longer(declared_len, received)?;
            batched += bytes.len();
            batch.push(bytes);
            if batched >= BATCH {
                digests = absorb(&mut writer, digests, std::mem::take(&mut batch)).await?;
                batched = 0;
            }
        }
        if let Some(d) = &dechunker {
            d.finish()?;
        }
        absorb(&mut writer, digests, batch).await
    }
    .await;
    let digests = match streamed {
        Ok(d) => d,
        Err(e) => {
            writer.abort().await;
            return Err(e);
        }
    };
    let size = writer.len();
    let digest: [u8; 16] = digests.md5.finalize().into();
    let trailers = dechunker.map(|d| d.trailers).unwrap_or_default();
    let computed = checksum::b64(&digests.checksum.finish());
    let extra_crc64 = digests.crc64.map(|c| checksum::b64(&c.finish()));
    let sha256 = digests
        .sha256
        .map(|c| cloudlet_core::ids::hex(&c.finalize()));
    let check = (|| {
        check_body_end(h, declared.as_ref(), size, &trailers)?;
        if let Some(sent) = expected_md5.filter(|m| *m != digest) {
            return Err(S3Error::BadDigest {
                sent,
                computed: digest,
                of: Digested::Object,
            });
        }
        if let (Some(given), Some(ours)) = (&content_sha256, &sha256)
            && given != ours
        {
            return Err(S3Error::ContentSha256Mismatch {
                client: given.clone(),
                computed: ours.clone(),
            });
        }
        if let Some(d) = &declared {
            check_declared(d, &trailers, &computed)?;
        }
        Ok(())
    })();
    let crc64nvme = match algorithm {
        Algorithm::Crc64Nvme => Some(computed.clone()),
        _ => extra_crc64,
    };
    let checksums = vec![
        (algorithm.header().to_string(), computed),
        ("x-amz-checksum-type".to_string(), "FULL_OBJECT".to_string()),
    ];
    if let Err(e) = check {
        writer.abort().await;
        return Err(e);
    }
    Ok(Received {
        blob: writer.commit().await?,
        size,
        md5: digest,
        checksums,
        defaulted: requested.is_none(),
        crc64nvme,
    })
}

/// Appends `len` bytes of blob `id` from `start` to `writer`, feeding `md5` and, if given,
/// a checksum `hasher`.
pub async fn copy_blob_hashing(
    s3: &S3,
    writer: &mut BlobWriter,
    id: &BlobId,
    start: u64,
    len: u64,
    md5: &mut Md5,
    mut hasher: Option<&mut Hasher>,
) -> S3Result<()> {
    use tokio::io::AsyncSeekExt;
    if let Some(part) = s3.store.blobs().in_memory(id, start, len) {
        let part = part?;
        md5.update(&part);
        if let Some(h) = hasher {
            h.update(&part);
        }
        return Ok(writer.write(&part).await?);
    }
    let mut file = s3.store.blobs().open_blob(id).await?;
    if start > 0 {
        file.seek(std::io::SeekFrom::Start(start))
            .await
            .map_err(|e| S3Error::Store(e.into()))?;
    }
    let mut left = len;
    let mut buf = vec![0u8; 256 * 1024];
    while left > 0 {
        let want = left.min(buf.len() as u64) as usize;
        let n = file
            .read(&mut buf[..want])
            .await
            .map_err(|e| S3Error::Store(e.into()))?;
        if n == 0 {
            return Err(S3Error::Body("blob shorter than its record".into()));
        }
        md5.update(&buf[..n]);
        if let Some(h) = hasher.as_deref_mut() {
            h.update(&buf[..n]);
        }
        writer.write(&buf[..n]).await?;
        left -= n as u64;
    }
    Ok(())
}

/// Feeds the first `len` bytes of blob `id` to `hasher`, reading in large blocks on a
/// blocking thread; returns the hasher.
pub async fn hash_blob(s3: &S3, id: &BlobId, len: u64, mut hasher: Hasher) -> S3Result<Hasher> {
    if let Some(part) = s3.store.blobs().in_memory(id, 0, len) {
        hasher.update(&part?);
        return Ok(hasher);
    }
    let path = s3.store.blobs().path(id);
    tokio::task::spawn_blocking(move || -> S3Result<Hasher> {
        use std::io::Read;
        let file = std::fs::File::open(path).map_err(|e| S3Error::Store(e.into()))?;
        let mut file = file.take(len);
        let mut buf = vec![0u8; 1024 * 1024];
        let mut seen = 0u64;
        loop {
            let n = file.read(&mut buf).map_err(|e| S3Error::Store(e.into()))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            seen += n as u64;
        }
        if seen != len {
            return Err(S3Error::Body("blob shorter than its record".into()));
        }
        Ok(hasher)
    })
    .await
    .map_err(|e| S3Error::Body(e.to_string()))?
}

/// Stores `obj` as `bucket/key` durably (a new version in a versioned bucket), then deletes
/// the blobs no version refers to any more; returns the version id, if any. On failure the
/// new blob is deleted.
pub async fn commit_object(
    s3: &S3,
    bucket: &str,
    key: &str,
    obj: Object,
) -> S3Result<Option<String>> {
    commit_object_if(s3, bucket, key, obj, WriteCondition::None).await
}

/// A conditional write's precondition on the key's current object (`If-None-Match: *`,
/// `If-Match: "etag"`), checked in the same transaction as the write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteCondition {
    None,
    /// `If-None-Match: *`: only if the key has no current object. `vacated` on a completion
    /// whose key had an object when the upload began: if there is none, it was deleted
    /// since — a conflict (409).
    Absent {
        vacated: bool,
    },
    /// `If-Match`: only if the current object has this ETag; on a completion (`since` the
    /// upload's initiation, in ms) also only if it is older than the upload: one written
    /// since conflicts (409).
    Matches {
        etag: String,
        since: Option<u64>,
    },
}

/// S3's `additionalMessage` for a conditional write header it does not take in that form.
const NOT_ACCEPTED_IF_MATCH: &str =
    "We don't accept the provided value of If-Match header for this API";
const NOT_ACCEPTED_IF_NONE_MATCH: &str =
    "We don't accept the provided value of If-None-Match header for this API";

impl WriteCondition {
    /// The precondition of a write's headers. S3 takes `If-None-Match` only as `*`, `If-Match`
    /// only as an ETag (not `*`), and never both: each is 501 NotImplemented naming the header.
    pub fn from_headers(h: &http::HeaderMap) -> S3Result<WriteCondition> {
        let get = |n: &str| {
            h.get(n)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_string())
        };
        let refuse = |header, detail| {
            Err(S3Error::NotImplementedHeader {
                header,
                detail: Some(detail),
            })
        };
        match (get("if-none-match"), get("if-match")) {
            (Some(_), Some(_)) => refuse(
                "If-Match,If-None-Match",
                "Multiple conditional request headers present in the request",
            ),
            (Some(m), None) if m == "*" => Ok(WriteCondition::Absent { vacated: false }),
            (Some(_), None) => refuse("If-None-Match", NOT_ACCEPTED_IF_NONE_MATCH),
            (None, Some(m)) if m == "*" => refuse("If-Match", NOT_ACCEPTED_IF_MATCH),
            (None, Some(m)) => Ok(WriteCondition::Matches {
                etag: m.trim_matches('"').to_string(),
                since: None,
            }),
            (None, None) => Ok(WriteCondition::None),
        }
    }

    /// This condition for the completion of an upload initiated at `initiated` (ms), when
    /// the key had an object then (`replaces`): a change of the key since conflicts, with
    /// 409 ConditionalRequestConflict — for `If-Match` a write, even of the same ETag; for
    /// `If-None-Match` the deletion of that object.
    pub(crate) fn since(self, initiated: u64, replaces: bool) -> WriteCondition {
        match self {
            WriteCondition::Matches { etag, .. } => WriteCondition::Matches {
                etag,
                since: Some(initiated),
            },
            WriteCondition::Absent { .. } => WriteCondition::Absent { vacated: replaces },
            WriteCondition::None => WriteCondition::None,
        }
    }

    /// Checks the condition against the key's current object now, before the work of a write
    /// whose commit checks it again atomically (a copy, a completion).
    pub(crate) fn check_early(&self, s3: &S3, bucket: &str, key: &str) -> S3Result<()> {
        if *self == WriteCondition::None {
            return Ok(());
        }
        let current = s3.store.read(|txn| state::get_object(txn, bucket, key))?;
        self.check(current.as_ref(), key)
    }

    pub(crate) fn check(&self, current: Option<&Object>, key: &str) -> S3Result<()> {
        let conflict = |condition| {
            Err(S3Error::ConditionalRequestConflict {
                condition,
                key: key.to_string(),
            })
        };
        match (self, current) {
            (WriteCondition::None, _) => Ok(()),
            (WriteCondition::Absent { .. }, Some(_)) => {
                Err(S3Error::PreconditionFailed("If-None-Match"))
            }
            (WriteCondition::Absent { vacated: true }, None) => conflict("If-None-Match"),
            (WriteCondition::Absent { vacated: false }, None) => Ok(()),
            (WriteCondition::Matches { .. }, None) => Err(S3Error::NoSuchKey(key.to_string())),
            (WriteCondition::Matches { etag, .. }, Some(o)) if *etag != o.etag => {
                Err(S3Error::PreconditionFailed("If-Match"))
            }
            (WriteCondition::Matches { since: Some(t), .. }, Some(o)) if o.last_modified > *t => {
                conflict("If-Match")
            }
            (WriteCondition::Matches { .. }, Some(_)) => Ok(()),
        }
    }
}

#[cfg(test)]
mod condition_tests {
    use super::*;

    #[test]
    fn write_conditions_from_headers() {
        let absent = WriteCondition::Absent { vacated: false };
        let matches = WriteCondition::Matches {
            etag: "abc".into(),
            since: None,
        };
        type Case<'a> = (&'a [(&'a str, &'a str)], Result<WriteCondition, &'a str>);
        let cases: &[Case] = &[
            (&[], Ok(WriteCondition::None)),
            (&[("if-none-match", "*")], Ok(absent.clone())),
            (&[("if-none-match", " * ")], Ok(absent)),
            (&[("if-none-match", "\"abc\"")], Err("If-None-Match")),
            (&[("if-none-match", "\"*\"")], Err("If-None-Match")),
            (&[("if-match", "\"abc\"")], Ok(matches.clone())),
            (&[("if-match", "abc")], Ok(matches.clone())),
            (&[("if-match", "*")], Err("If-Match")),
            (
                &[("if-match", "x"), ("if-none-match", "*")],
                Err("If-Match,If-None-Match"),
            ),
            (
                &[("if-match", "*"), ("if-none-match", "x")],
                Err("If-Match,If-None-Match"),
            ),
        ];
        for (headers, expected) in cases {
            let got = WriteCondition::from_headers(&crate::test_headers(headers));
            match (got, expected) {
                (Ok(c), Ok(e)) => assert_eq!(c, *e, "{headers:?}"),
                (Err(S3Error::NotImplementedHeader { header, .. }), Err(e)) => {
                    assert_eq!(header, *e, "{headers:?}")
                }
                (got, _) => panic!("{headers:?}: {got:?}"),
            }
        }
    }
}

/// [`commit_object`] when `cond` holds for the key's current object, atomically.
pub async fn commit_object_if(
    s3: &S3,
    bucket: &str,
    key: &str,
    obj: Object,
    cond: WriteCondition,
) -> S3Result<Option<String>> {
    commit_object_with(s3, bucket, key, obj, cond, |_| Ok(Vec::new())).await
}

/// [`commit_object_if`], with `also` run in the same write after the object is stored; the
/// blobs it returns are freed once the write is durable. A failure of `also` stores nothing.
pub async fn commit_object_with(
    s3: &S3,
    bucket: &str,
    key: &str,
    obj: Object,
    cond: WriteCondition,
    mut also: impl FnMut(&cloudlet_store::redb::WriteTransaction) -> S3Result<Vec<String>>
    + Send
    + 'static,
) -> S3Result<Option<String>> {
    let (bname, kname, new_blob) = (bucket.to_string(), key.to_string(), obj.blob.clone());
    let now = crate::ops::now_ms();
    let written = s3
        .store
        .write(move |txn| {
            let b = state::load_bucket(txn, &bname)?
                .ok_or_else(|| S3Error::NoSuchBucket(bname.clone()))?;
            if cond != WriteCondition::None {
                let current = state::load_object(txn, &bname, &kname)?;
                cond.check(current.as_ref(), &kname)?;
            }
            let mut w = crate::versions::store_object(txn, &b, &kname, obj.clone(), now)?;
            w.freed.extend(also(txn)?);
            Ok::<_, S3Error>(w)
        })
        .await;
    match written {
        Ok(w) => {
            s3.store.blobs().delete_named(&w.freed).await;
            Ok(w.version_id)
        }
        Err(e) => {
            if let Some(id) = BlobId::parse(&new_blob) {
                s3.store.blobs().delete(&id).await;
            }
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_values() {
        let cases: [(&[u8], &str); 5] = [
            (b"plain value", "plain value"),
            (b"", ""),
            ("ünï".as_bytes(), "=?UTF-8?B?w7xuw68=?="),
            (b"=?UTF-8?B?w7xuw68=?=", "=?UTF-8?B?w7xuw68=?="),
            (b"\xfc", "=?UTF-8?B?77+9?="),
        ];
        for (sent, stored) in cases {
            assert_eq!(mail_safe(sent), stored, "{sent:?}");
        }
        let h = crate::test_headers(&[
            ("x-amz-meta-a", "1"),
            ("x-amz-meta-a", "2"),
            ("content-type", "text/plain"),
        ]);
        assert_eq!(
            user_metadata(&h),
            vec![("a".to_string(), "1,2".to_string())]
        );
    }
}
