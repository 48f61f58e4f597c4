//! Receiving object bodies: streams a request body into a new blob as it arrives
//! (`aws-chunked` decoded, MD5 and CRC32 computed on the way, Content-MD5, length and CRC32
//! checked), copies stored blobs into new ones, and commits object records (deleting the
//! blob an overwrite replaced). Used by PutObject, UploadPart, CopyObject and multipart
//! completion.

use base64::Engine;
use cloudlet_core::Body;
use cloudlet_store::{BlobId, BlobWriter};
use http::HeaderMap;
use http_body_util::BodyExt;
use md5::{Digest, Md5};
use tokio::io::AsyncReadExt;

use crate::S3;
use crate::chunked::Dechunker;
use crate::error::{S3Error, S3Result};
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

/// Checksum headers stored and echoed (only CRC32 is verified).
pub const CHECKSUMS: &[&str] = &[
    "x-amz-checksum-crc32",
    "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme",
    "x-amz-checksum-sha1",
    "x-amz-checksum-sha256",
];

pub fn hv<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

fn encodings(h: &HeaderMap) -> Vec<String> {
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
        if let Some(v) = hv(h, name) {
            out.push((name.to_string(), v.to_string()));
        }
    }
    out
}

/// `x-amz-meta-*` headers, prefix removed.
pub fn user_metadata(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .filter_map(|(k, v)| {
            let name = k.as_str().strip_prefix("x-amz-meta-")?;
            Some((name.to_string(), v.to_str().ok()?.to_string()))
        })
        .collect()
}

/// A body stored as a blob.
pub struct Received {
    pub blob: BlobId,
    pub size: u64,
    pub md5: [u8; 16],
    /// Checksums the client sent (headers or trailers), names lowercase.
    pub checksums: Vec<(String, String)>,
}

impl Received {
    pub fn etag(&self) -> String {
        cloudlet_core::ids::hex(&self.md5)
    }
}

/// Streams `body` into a new blob, checking what the headers promise.
pub async fn receive(s3: &S3, h: &HeaderMap, mut body: Body) -> S3Result<Received> {
    let chunked = encodings(h)
        .iter()
        .any(|e| e.eq_ignore_ascii_case("aws-chunked"))
        || hv(h, "x-amz-content-sha256").is_some_and(|v| v.starts_with("STREAMING-"));
    let expected_md5 = match hv(h, "content-md5") {
        Some(v) => {
            let d = base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .map_err(|_| S3Error::InvalidDigest)?;
            if d.len() != 16 {
                return Err(S3Error::InvalidDigest);
            }
            Some(d)
        }
        None => None,
    };
    let declared_len = if chunked {
        hv(h, "x-amz-decoded-content-length")
    } else {
        hv(h, "content-length")
    }
    .and_then(|v| v.trim().parse::<u64>().ok());

    let mut writer = s3.store.blobs().create().await?;
    let mut md5 = Md5::new();
    let mut crc = crc32fast::Hasher::new();
    let mut dechunker = chunked.then(Dechunker::new);
    let mut scratch = Vec::new();
    let streamed: S3Result<()> = async {
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| S3Error::Body(e.to_string()))?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            let bytes: &[u8] = match &mut dechunker {
                Some(d) => {
                    scratch.clear();
                    d.feed(&data, &mut scratch)
                        .map_err(|e| S3Error::InvalidRequest(e.to_string()))?;
                    &scratch
                }
                None => &data,
            };
            md5.update(bytes);
            crc.update(bytes);
            writer.write(bytes).await?;
        }
        if let Some(d) = &dechunker {
            d.finish()
                .map_err(|e| S3Error::InvalidRequest(e.to_string()))?;
        }
        Ok(())
    }
    .await;
    let size = writer.len();
    let digest: [u8; 16] = md5.finalize().into();
    let crc32 = base64::engine::general_purpose::STANDARD.encode(crc.finalize().to_be_bytes());
    let trailers = dechunker.map(|d| d.trailers).unwrap_or_default();
    let mut checksums = Vec::new();
    for name in CHECKSUMS {
        let given = hv(h, name).map(str::to_string).or_else(|| {
            trailers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        });
        if let Some(v) = given {
            checksums.push((name.to_string(), v));
        }
    }
    let check = streamed.and_then(|()| {
        if declared_len.is_some_and(|n| n != size) {
            return Err(S3Error::IncompleteBody);
        }
        if expected_md5.as_deref().is_some_and(|m| m != digest) {
            return Err(S3Error::BadDigest);
        }
        if checksums
            .iter()
            .any(|(k, v)| k == "x-amz-checksum-crc32" && *v != crc32)
        {
            return Err(S3Error::ChecksumMismatch("CRC32"));
        }
        Ok(())
    });
    if let Err(e) = check {
        writer.abort().await;
        return Err(e);
    }
    Ok(Received {
        blob: writer.commit().await?,
        size,
        md5: digest,
        checksums,
    })
}

/// Appends `len` bytes of blob `id` from `start` to `writer`, feeding `md5`.
pub async fn copy_blob(
    s3: &S3,
    writer: &mut BlobWriter,
    id: &BlobId,
    start: u64,
    len: u64,
    md5: &mut Md5,
) -> S3Result<()> {
    use tokio::io::AsyncSeekExt;
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
        writer.write(&buf[..n]).await?;
        left -= n as u64;
    }
    Ok(())
}

/// Stores `obj` as `bucket/key` durably, then deletes the blob it replaced. On failure the
/// new blob is deleted.
pub async fn commit_object(s3: &S3, bucket: &str, key: &str, obj: Object) -> S3Result<()> {
    let (bname, kname, rec) = (bucket.to_string(), key.to_string(), obj.clone());
    let written = s3
        .store
        .write(move |txn| {
            if state::load_bucket(txn, &bname)?.is_none() {
                return Err(S3Error::NoSuchBucket(bname.clone()));
            }
            Ok(state::put_object(txn, &bname, &kname, &rec)?)
        })
        .await;
    match written {
        Ok(old) => {
            if let Some(old) = old.and_then(|o| BlobId::parse(&o.blob))
                && old.as_str() != obj.blob
            {
                s3.store.blobs().delete(&old).await;
            }
            Ok(())
        }
        Err(e) => {
            if let Some(id) = BlobId::parse(&obj.blob) {
                s3.store.blobs().delete(&id).await;
            }
            Err(e)
        }
    }
}
