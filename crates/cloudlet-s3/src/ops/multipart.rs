//! Multipart uploads: Create, UploadPart, UploadPartCopy, Complete (part order, ETags,
//! the 5 MiB minimum, `"md5-of-md5s-N"`), Abort, ListParts, ListMultipartUploads. Every
//! part of an SSE-C upload carries the upload's key. Parts are streamed into blobs; completion joins them into one blob with a kernel-side copy
//! (constant memory, no bytes through the process; a full-object CRC is combined from the
//! parts' CRCs — for an upload without a checksum algorithm, S3's default CRC64NVME from the
//! CRC64NVME each part keeps for it). The object keeps its parts' sizes and checksums for
//! GetObjectAttributes. A completion's `Location` is the object's URL as the request
//! addressed it (its Host, virtual-hosted or path-style), the key percent-encoded. A
//! completion retried after it succeeded is answered again (S3 answers it 200); one with
//! `x-amz-mp-object-size` is refused unless the parts add up to it. A part, uploaded or
//! copied, is at most 5 GiB.

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{HostLabel, Request, RequestContext, Response};
use cloudlet_store::BlobId;
use http::StatusCode;
use md5::{Digest, Md5};

use super::{XMLNS, canonical_id, empty, iso8601, now_ms, set_header, xml_response};
use crate::S3;
use crate::auth::arn;
use crate::checksum::{self, Hasher};
use crate::error::{S3Error, S3Result, invalid_argument};
use crate::mpstate::{self, Part, Upload};
use crate::precheck::{
    LockedWrite, check_metadata_size, check_redirect_location, metadata_headers, require_for_lock,
    require_put_length,
};
use crate::protocol::Query;
use crate::sse_c;
use crate::state::{Bucket, Object, PartSummary};
use crate::tagging::tags_header;
use crate::upload::{
    WriteCondition, commit_object_with, copy_blob_hashing, hash_blob, hv, receive_computing,
    representation_headers, user_metadata,
};
use crate::versions::VersionMeta;

/// Smallest part (except the last) S3 accepts.
const MIN_PART: u64 = 5 * 1024 * 1024;

/// Loads the bucket and checks the caller may write `key` into it.
fn check_write(s3: &S3, ctx: &RequestContext, bucket: &str, key: &str) -> S3Result<Bucket> {
    check_upload_access(s3, ctx, bucket, key, "s3:PutObject")
}

/// The bucket, if `ctx` may do `action` on an upload of `key`: by policy, or as a grantee of
/// the bucket ACL's WRITE (who may initiate uploads, and list their parts: S3 lets
/// initiators).
fn check_upload_access(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    action: &str,
) -> S3Result<Bucket> {
    let b = s3.bucket(bucket)?;
    s3.require(
        ctx,
        &b,
        action,
        &arn(bucket, Some(key)),
        &[],
        Some("s3:PutObject"),
    )?;
    Ok(b)
}

fn upload_id(q: &Query) -> String {
    q.get("uploadId").unwrap_or("").to_string()
}

fn load_upload(s3: &S3, bucket: &str, key: &str, id: &str) -> S3Result<Upload> {
    s3.store
        .read(|txn| mpstate::get_upload(txn, bucket, id))?
        .filter(|u| u.key == key)
        .ok_or_else(|| S3Error::NoSuchUpload(id.to_string()))
}

/// The `partNumber` of a request (UploadPart, GET/HEAD of a part): 1 to 10,000.
pub(crate) fn part_number(q: &Query) -> S3Result<u32> {
    let raw = q.get("partNumber").unwrap_or("");
    raw.parse::<u32>()
        .ok()
        .filter(|n| (1..=10_000).contains(n))
        .ok_or_else(|| {
            invalid_argument(
                "Part number must be an integer between 1 and 10000, inclusive",
                "partNumber",
                raw,
            )
        })
}

pub async fn create(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    mut req: Request,
) -> S3Result<Response> {
    crate::precheck::check_key_length(key)?;
    let b = check_write(s3, ctx, bucket, key)?;
    let acl = super::object::requested_acl(req.extensions_mut());
    let h = req.headers();
    check_metadata_size(metadata_headers(h))?;
    check_redirect_location(h)?;
    let spec = checksum::upload_spec(h)?;
    let lock = crate::lock::from_headers(h, now_ms())?;
    crate::lock::require_configured(b.versioning.object_lock.as_ref(), &lock)?;
    let mut headers = representation_headers(h);
    headers.extend(sse_c::parse(h)?.iter().flat_map(|k| k.headers()));
    headers.extend(crate::storage_class::requested(h)?);
    let id = super::list_uploads::new_upload_id();
    let mut upload = Upload {
        bucket: bucket.to_string(),
        key: key.to_string(),
        id: id.clone(),
        initiated: now_ms(),
        owner: ctx.account.to_string(),
        content_type: hv(h, "content-type").map(str::to_string),
        metadata: user_metadata(h),
        headers,
        tags: tags_header(h)?,
        checksum: spec.map(|(a, _)| a),
        checksum_type: spec.map(|(_, t)| t.to_string()),
        lock,
        acl,
        replaces_object: false,
    };
    s3.store
        .write(move |txn| {
            upload.replaces_object = crate::state::object_exists(txn, &upload.bucket, &upload.key)?;
            Ok::<_, S3Error>(mpstate::put_upload(txn, &upload)?)
        })
        .await?;
    let mut x = XmlWriter::new();
    x.open_ns("InitiateMultipartUploadResult", XMLNS)
        .elem("Bucket", bucket)
        .elem("Key", key)
        .elem("UploadId", &id);
    let mut r = xml_response(x.finish());
    if let Some((a, t)) = spec {
        set_header(&mut r, "x-amz-checksum-algorithm", a.name());
        set_header(&mut r, "x-amz-checksum-type", t);
    }
    Ok(r)
}

/// Records a part whose body is already a blob; returns the response ETag.
async fn record_part(s3: &S3, bucket: &str, id: &str, part: Part) -> S3Result<()> {
    let (b, i, p) = (bucket.to_string(), id.to_string(), part.clone());
    let written = s3
        .store
        .write(move |txn| {
            if !mpstate::upload_exists(txn, &b, &i)? {
                return Err(S3Error::NoSuchUpload(i.clone()));
            }
            Ok(mpstate::put_part(txn, &b, &i, &p)?)
        })
        .await;
    match written {
        Ok(old) => {
            s3.store.blobs().delete_named(old.map(|o| o.blob)).await;
            Ok(())
        }
        Err(e) => {
            if let Some(blob) = BlobId::parse(&part.blob) {
                s3.store.blobs().delete(&blob).await;
            }
            Err(e)
        }
    }
}

pub async fn upload_part(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
    req: Request,
) -> S3Result<Response> {
    // A part is at most 5 GiB, refused before a byte of it is read.
    require_put_length(req.headers())?;
    let b = check_write(s3, ctx, bucket, key)?;
    let number = part_number(q)?;
    let id = upload_id(q);
    let upload = load_upload(s3, bucket, key, &id)?;
    let (parts, body) = req.into_parts();
    let bucket_lock = b.versioning.object_lock.as_ref();
    require_for_lock(&parts.headers, LockedWrite::Part, bucket_lock, &upload.lock)?;
    sse_c::check_part(&upload.headers, sse_c::parse(&parts.headers)?.as_ref())?;
    checksum::check_part_algorithm(
        upload.checksum,
        upload.checksum_type.as_deref(),
        checksum::declared(&parts.headers)?.as_ref(),
    )?;
    let default = upload.checksum.is_none();
    let got = receive_computing(s3, &parts.headers, body, upload.checksum, default).await?;
    let etag = got.etag();
    let part = Part {
        number,
        blob: got.blob.as_str().to_string(),
        size: got.size,
        etag: etag.clone(),
        last_modified: now_ms(),
        // The default CRC64NVME is not the part's own checksum (ListParts does not show it).
        checksum: got
            .checksums
            .iter()
            .filter(|_| !got.defaulted)
            .find_map(|(k, v)| checksum::Algorithm::from_header(k).map(|a| (a, v.clone()))),
        crc64nvme: got.crc64nvme.clone().filter(|_| default),
    };
    record_part(s3, bucket, &id, part).await?;
    let mut r = empty(StatusCode::OK);
    set_header(&mut r, "etag", &format!("\"{etag}\""));
    for (k, v) in got
        .checksums
        .iter()
        .filter(|(k, _)| k != "x-amz-checksum-type")
    {
        if let Ok(name) = http::HeaderName::from_bytes(k.as_bytes())
            && let Ok(val) = http::HeaderValue::from_str(v)
        {
            r.headers_mut().insert(name, val);
        }
    }
    Ok(r)
}

pub async fn upload_part_copy(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
    req: Request,
) -> S3Result<Response> {
    check_write(s3, ctx, bucket, key)?;
    let number = part_number(q)?;
    let id = upload_id(q);
    let upload = load_upload(s3, bucket, key, &id)?;
    let h = req.headers();
    sse_c::check_part(&upload.headers, sse_c::parse(h)?.as_ref())?;
    let (src_bucket, src_key) = super::copy::copy_source(h)?;
    let src_version = super::copy::copy_source_version(h)?;
    let src = super::versioning::load_source(s3, ctx, &src_bucket, &src_key, src_version.as_ref())?;
    sse_c::check_read(&src.headers, sse_c::parse_copy_source(h)?.as_ref())?;
    super::copy::copy_conditions(h, &src)?;
    let (start, len) = copy_range(hv(h, "x-amz-copy-source-range"), src.size)?;
    let src_blob =
        BlobId::parse(&src.blob).ok_or_else(|| S3Error::Body("corrupt object record".into()))?;
    let mut writer = s3.store.blobs().create().await?;
    let mut md5 = Md5::new();
    // A part of an upload without a checksum algorithm gets the CRC64NVME its object's
    // default checksum is combined from.
    let mut hasher = Hasher::new(upload.checksum.unwrap_or(checksum::Algorithm::Crc64Nvme));
    let copied = copy_blob_hashing(
        s3,
        &mut writer,
        &src_blob,
        start,
        len,
        &mut md5,
        Some(&mut hasher),
    )
    .await;
    if let Err(e) = copied {
        writer.abort().await;
        return Err(e);
    }
    let blob = writer.commit().await?;
    let etag = cloudlet_core::ids::hex(&md5.finalize());
    let sum = checksum::b64(&hasher.finish());
    let part_checksum = upload.checksum.map(|a| (a, sum.clone()));
    let modified = now_ms();
    record_part(
        s3,
        bucket,
        &id,
        Part {
            number,
            blob: blob.as_str().to_string(),
            size: len,
            etag: etag.clone(),
            last_modified: modified,
            checksum: part_checksum.clone(),
            crc64nvme: upload.checksum.is_none().then(|| sum.clone()),
        },
    )
    .await?;
    let mut x = XmlWriter::new();
    x.open_ns("CopyPartResult", XMLNS)
        .elem("LastModified", &iso8601(modified))
        .elem("ETag", &format!("\"{etag}\""));
    let (a, v) = part_checksum.unwrap_or((checksum::Algorithm::Crc64Nvme, sum));
    x.elem(a.element(), &v);
    let mut r = xml_response(x.finish());
    // A null source version is not named, as CopyObject does not.
    if let Some(v) = src.version.id.as_deref().filter(|v| *v != "null") {
        set_header(&mut r, "x-amz-copy-source-version-id", v);
    }
    Ok(r)
}

/// The bytes of a source of `size` bytes an UploadPartCopy copies (`start`, `len`):
/// `x-amz-copy-source-range: bytes=first-last` (inclusive), or the whole source. A range
/// not of that form is `InvalidArgument`, one outside the source `InvalidArgument` naming
/// its size, and a part over 5 GiB `InvalidRequest`, in S3's words.
fn copy_range(range: Option<&str>, size: u64) -> S3Result<(u64, u64)> {
    let (start, len) = match range {
        None => (0, size),
        Some(r) => {
            let invalid = |message: String| S3Error::InvalidArgument {
                message,
                name: "x-amz-copy-source-range".into(),
                value: r.to_string(),
            };
            let syntax = || {
                invalid(
                    "The x-amz-copy-source-range value must be of the form bytes=first-last \
                     where first and last are the zero-based offsets of the first and last \
                     bytes to copy"
                        .into(),
                )
            };
            let digits = |s: &str| {
                (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| s.parse::<u64>().ok())
                    .flatten()
            };
            let (a, b) = r
                .trim()
                .strip_prefix("bytes=")
                .and_then(|s| s.split_once('-'))
                .and_then(|(a, b)| Some((digits(a)?, digits(b)?)))
                .ok_or_else(syntax)?;
            if a > b || b >= size {
                return Err(invalid(format!(
                    "Range specified is not valid for source object of size: {size}"
                )));
            }
            (a, b - a + 1)
        }
    };
    super::copy::check_source_size(len)?;
    Ok((start, len))
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| s.get(2 * i..2 * i + 2))
        .filter_map(|b| u8::from_str_radix(b, 16).ok())
        .collect()
}

/// The new object's URL as S3 answers a completion: on the Host the request was sent to,
/// addressed as the request addressed the bucket (virtual-hosted, or path-style), the key
/// percent-encoded, `/` included.
fn completed_location(
    endpoint: &str,
    host: Option<&str>,
    virtual_hosted: bool,
    bucket: &str,
    key: &str,
) -> String {
    let (scheme, host) = super::post::scheme_and_host(endpoint, host);
    let key = super::post::encode_key(key);
    if virtual_hosted {
        format!("{scheme}://{host}/{key}")
    } else {
        format!("{scheme}://{host}/{bucket}/{key}")
    }
}

pub async fn complete(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
    req: Request,
) -> S3Result<Response> {
    check_write(s3, ctx, bucket, key)?;
    let id = upload_id(q);
    let location = completed_location(
        &ctx.endpoint,
        hv(req.headers(), "host"),
        req.extensions().get::<HostLabel>().is_some(),
        bucket,
        key,
    );
    let upload = match load_upload(s3, bucket, key, &id) {
        Err(S3Error::NoSuchUpload(_)) => return completed_again(s3, bucket, key, &id, &location),
        other => other?,
    };
    // The customer key is optional here; one that is given must be the upload's.
    if let Some(k) = sse_c::parse(req.headers())? {
        sse_c::check_part(&upload.headers, Some(&k))?;
    }
    // A conditional completion (`If-None-Match: *`, `If-Match`) is refused before the parts
    // are joined when it already fails, and checked again atomically with the write; the
    // upload stays, as on S3, so that it can be completed or aborted later. Either conflicts
    // (409) with a change of the key since the upload began: `If-Match` with a write,
    // `If-None-Match` with the deletion of the object the key had then.
    let cond = WriteCondition::from_headers(req.headers())?
        .since(upload.initiated, upload.replaces_object);
    cond.check_early(s3, bucket, key)?;
    let algo = upload.checksum;
    let kind = upload.checksum_type.clone().unwrap_or_default();
    let full_object_given = algo.and_then(|a| hv(req.headers(), a.header()).map(str::to_string));
    check_checksum_mode(req.headers(), upload.checksum_type.as_deref())?;
    let expected_size = mpu_object_size(req.headers())?;
    let root = super::completion_body(req).await?;
    if root.name != "CompleteMultipartUpload" {
        return Err(S3Error::MalformedXml);
    }
    let mut wanted = Vec::new();
    for p in root.children_named("Part") {
        let raw = p.child_text("PartNumber").unwrap_or("").trim();
        let n = raw.parse::<i64>().map_err(|_| S3Error::MalformedXml)?;
        if n < 1 {
            return Err(invalid_argument(
                "PartNumber must be >= 1",
                "PartNumber",
                raw,
            ));
        }
        // A number past 10,000 names no part: `InvalidPart` below.
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        let etag = p
            .child_text("ETag")
            .unwrap_or("")
            .trim_matches('"')
            .to_string();
        let sum = algo.and_then(|a| p.child_text(a.element()).map(|v| v.trim().to_string()));
        wanted.push((n, etag, sum));
    }
    if wanted.is_empty() {
        return Err(S3Error::MalformedXml);
    }
    if wanted.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(S3Error::InvalidPartOrder(id));
    }
    // The parts and the upload read together: a completion racing this one may have taken
    // the upload (and its parts) since it was loaded, and is then this one's answer too.
    let (still_open, stored) = s3.store.read(|txn| {
        let open = mpstate::get_upload(txn, bucket, &id)?.is_some();
        Ok::<_, S3Error>((open, mpstate::list_parts(txn, bucket, &id)?))
    })?;
    if !still_open {
        return completed_again(s3, bucket, key, &id, &location);
    }
    let mut chosen: Vec<&Part> = Vec::new();
    for (n, etag, sum) in &wanted {
        let stored_sum = |p: &Part| p.checksum.as_ref().map(|(_, v)| v.clone());
        match stored.iter().find(|p| p.number == *n) {
            Some(p) if p.etag == *etag && (sum.is_none() || *sum == stored_sum(p)) => {
                if sum.is_none() && kind == "COMPOSITE" {
                    return Err(S3Error::InvalidRequest(format!(
                        "The upload was created using a {} checksum. The complete request must \
                         include the checksum for each part. It was missing for part {n} in the \
                         request.",
                        algo.map(|a| a.lowercase()).unwrap_or_default()
                    )));
                }
                chosen.push(p)
            }
            _ => {
                return Err(S3Error::InvalidPart {
                    upload: id,
                    part: *n,
                    etag: etag.clone(),
                });
            }
        }
    }
    if let Some(small) = chosen
        .iter()
        .take(chosen.len().saturating_sub(1))
        .find(|p| p.size < MIN_PART)
    {
        return Err(S3Error::EntityTooSmall {
            part: small.number,
            size: small.size,
            etag: small.etag.clone(),
        });
    }
    let total: u64 = chosen.iter().map(|p| p.size).sum();
    if let Some(e) = expected_size.filter(|e| *e != total) {
        return Err(S3Error::InvalidRequest(format!(
            "The provided 'x-amz-mp-object-size' header value {e} does not match what was \
             computed: {total}"
        )));
    }
    // An upload without a checksum algorithm gets S3's default full-object CRC64NVME.
    let (object_algo, kind) = match algo {
        Some(a) => (a, kind),
        None => (checksum::Algorithm::Crc64Nvme, "FULL_OBJECT".to_string()),
    };
    let part_sum = |p: &Part| match algo {
        Some(a) => p
            .checksum
            .as_ref()
            .filter(|(pa, _)| *pa == a)
            .map(|(_, v)| v.clone()),
        None => p.crc64nvme.clone(),
    };
    // A full-object CRC is combined from the parts' CRCs (read only if one is missing), a
    // composite checksum made of them: both known, and checked, before any byte is joined.
    let known = if kind == "FULL_OBJECT" {
        let sums: Option<Vec<(String, u64)>> = chosen
            .iter()
            .map(|p| part_sum(p).map(|v| (v, p.size)))
            .collect();
        sums.and_then(|s| {
            let refs: Vec<(&str, u64)> = s.iter().map(|(v, n)| (v.as_str(), *n)).collect();
            checksum::combine_full(object_algo, &refs)
        })
    } else {
        let sums: Option<Vec<String>> = chosen.iter().map(|p| part_sum(p)).collect();
        sums.and_then(|s| {
            let refs: Vec<&str> = s.iter().map(String::as_str).collect();
            checksum::composite(object_algo, &refs)
        })
    };
    // The object's checksum against the one the request names: a full-object one must be
    // it; a composite one (with its `-N` or without) must be the one the parts make, and
    // S3 names the algorithm in lower case here.
    let verify = |object_sum: Option<&str>| match (algo, &full_object_given) {
        (Some(a), Some(given)) if kind == "FULL_OBJECT" && object_sum != Some(given.trim()) => {
            Err(S3Error::ChecksumMismatch(a.name()))
        }
        (Some(a), Some(given))
            if kind == "COMPOSITE" && !checksum::same_composite(object_sum, given) =>
        {
            Err(S3Error::ChecksumMismatch(a.lowercase()))
        }
        _ => Ok(()),
    };
    let mut full = (kind == "FULL_OBJECT" && known.is_none()).then(|| Hasher::new(object_algo));
    if full.is_none() {
        verify(known.as_deref())?;
    }
    // The object is the parts joined by the kernel: no byte of a part file passes through
    // this process unless a full-object checksum has to be computed over them.
    let mut writer = s3.store.blobs().create().await?;
    let mut of_parts = Md5::new();
    for p in &chosen {
        of_parts.update(unhex(&p.etag));
        let joined: S3Result<()> = async {
            let blob =
                BlobId::parse(&p.blob).ok_or_else(|| S3Error::Body("corrupt part".into()))?;
            writer.append_blob(&blob, 0, p.size).await?;
            if let Some(h) = full.take() {
                full = Some(hash_blob(s3, &blob, p.size, h).await?);
            }
            Ok(())
        }
        .await;
        if let Err(e) = joined {
            writer.abort().await;
            return Err(e);
        }
    }
    let object_sum = match full {
        Some(h) => {
            let sum = checksum::b64(&h.finish());
            if let Err(e) = verify(Some(&sum)) {
                writer.abort().await;
                return Err(e);
            }
            Some(sum)
        }
        None => known,
    };
    let size = writer.len();
    let blob = writer.commit().await?;
    let etag = format!(
        "{}-{}",
        cloudlet_core::ids::hex(&of_parts.finalize()),
        chosen.len()
    );
    let mut headers = upload.headers.clone();
    if let Some(v) = &object_sum {
        headers.push((object_algo.header().to_string(), v.clone()));
        headers.push(("x-amz-checksum-type".to_string(), kind.clone()));
    }
    let parts = chosen
        .iter()
        .map(|p| PartSummary {
            number: p.number,
            size: p.size,
            checksum: part_sum(p),
        })
        .collect();
    let obj = Object {
        blob: blob.as_str().to_string(),
        size,
        etag: etag.clone(),
        content_type: upload.content_type.clone(),
        last_modified: now_ms(),
        metadata: upload.metadata.clone(),
        headers,
        tags: upload.tags.clone(),
        version: VersionMeta::locked(upload.lock),
        parts,
        acl: super::acl::upload_acl(s3, bucket, &upload)?.map(Box::new),
    };
    // The object is stored and the upload removed in one write, which fails if another
    // completion or an abort took the upload first; the upload is remembered as the key's
    // last completed one.
    let (b, k, i, legacy) = (
        bucket.to_string(),
        key.to_string(),
        id.clone(),
        s3.legacy_acls,
    );
    let done = mpstate::Completed {
        upload: id.clone(),
        blob: obj.blob.clone(),
    };
    let committed = commit_object_with(s3, bucket, key, obj, cond, move |txn| {
        let parts =
            remove_upload(txn, legacy, &b, &i)?.ok_or_else(|| S3Error::NoSuchUpload(i.clone()))?;
        mpstate::put_completed(txn, &b, &k, &done)?;
        Ok(parts.into_iter().map(|p| p.blob).collect())
    })
    .await;
    let version = match committed {
        // Another completion of this upload won the race: its answer is this one's too.
        Err(S3Error::NoSuchUpload(_)) => return completed_again(s3, bucket, key, &id, &location),
        other => other?,
    };
    let sum = object_sum
        .as_deref()
        .map(|v| (object_algo, v, kind.as_str()));
    Ok(completion_response(
        &location,
        bucket,
        key,
        &etag,
        sum,
        version.as_deref(),
    ))
}

fn completion_response(
    location: &str,
    bucket: &str,
    key: &str,
    etag: &str,
    sum: Option<(checksum::Algorithm, &str, &str)>,
    version: Option<&str>,
) -> Response {
    let mut x = XmlWriter::new();
    x.open_ns("CompleteMultipartUploadResult", XMLNS)
        .elem("Location", location)
        .elem("Bucket", bucket)
        .elem("Key", key)
        .elem("ETag", &format!("\"{etag}\""));
    if let Some((a, v, kind)) = sum {
        x.elem(a.element(), v).elem("ChecksumType", kind);
    }
    let mut r = xml_response(x.finish());
    if let Some(v) = version {
        set_header(&mut r, "x-amz-version-id", v);
    }
    r
}

/// A completion of an upload that is gone: S3 answers a retried completion of the upload
/// that made the key's current object as it answered the first; anything else is
/// `NoSuchUpload`.
fn completed_again(
    s3: &S3,
    bucket: &str,
    key: &str,
    id: &str,
    location: &str,
) -> S3Result<Response> {
    let current = s3.store.read(|txn| {
        let Some(done) = mpstate::get_completed(txn, bucket, key)?.filter(|c| c.upload == id)
        else {
            return Ok(None);
        };
        Ok::<_, cloudlet_store::StoreError>(
            crate::state::get_object(txn, bucket, key)?.filter(|o| o.blob == done.blob),
        )
    })?;
    let o = current.ok_or_else(|| S3Error::NoSuchUpload(id.to_string()))?;
    let sum = checksum::stored(&o.headers);
    Ok(completion_response(
        location,
        bucket,
        key,
        &o.etag,
        sum,
        o.version.id.as_deref(),
    ))
}

/// A completion's `x-amz-checksum-type`, when given, must be the upload's.
fn check_checksum_mode(h: &http::HeaderMap, upload: Option<&str>) -> S3Result<()> {
    match (hv(h, "x-amz-checksum-type"), upload) {
        (Some(given), Some(t)) if !given.trim().eq_ignore_ascii_case(t) => {
            Err(S3Error::InvalidRequest(format!(
                "The upload was created using the {t} checksum mode. The complete request must \
                 use the same checksum mode."
            )))
        }
        _ => Ok(()),
    }
}

/// `x-amz-mp-object-size`: the size the client expects the completed object to have.
fn mpu_object_size(h: &http::HeaderMap) -> S3Result<Option<u64>> {
    let Some(raw) = h.get("x-amz-mp-object-size") else {
        return Ok(None);
    };
    let raw = String::from_utf8_lossy(raw.as_bytes());
    match raw.trim().parse::<i64>() {
        Ok(n) if n < 0 => Err(S3Error::InvalidRequest(format!(
            "Value for x-amz-mp-object-size header is less than zero: '{n}'"
        ))),
        Ok(n) => Ok(Some(n as u64)),
        Err(_) => Err(S3Error::InvalidRequest(format!(
            "Value for x-amz-mp-object-size header is invalid: '{raw}'"
        ))),
    }
}

pub async fn abort(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
) -> S3Result<Response> {
    check_write(s3, ctx, bucket, key)?;
    let id = upload_id(q);
    load_upload(s3, bucket, key, &id)?;
    let (b, i, legacy) = (bucket.to_string(), id.clone(), s3.legacy_acls);
    let removed = s3
        .store
        .write(move |txn| Ok::<_, S3Error>(remove_upload(txn, legacy, &b, &i)?))
        .await?
        .ok_or(S3Error::NoSuchUpload(id))?;
    s3.store
        .blobs()
        .delete_named(removed.into_iter().map(|p| p.blob))
        .await;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// Removes an upload's record and parts (returned), and — in a store that may hold them —
/// the ACL an earlier cloudlet kept for it apart.
fn remove_upload(
    txn: &cloudlet_store::redb::WriteTransaction,
    legacy_acls: bool,
    bucket: &str,
    id: &str,
) -> Result<Option<Vec<mpstate::Part>>, cloudlet_store::StoreError> {
    if legacy_acls {
        crate::config_store::remove(txn, bucket, &super::acl::legacy_upload_acl_key(id))?;
    }
    mpstate::remove_upload(txn, bucket, id)
}

pub(crate) fn owner(x: &mut XmlWriter, tag: &'static str, account: &str) {
    x.open(tag).elem("ID", &canonical_id(account)).close();
}

pub fn list_parts(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
) -> S3Result<Response> {
    check_upload_access(s3, ctx, bucket, key, "s3:ListMultipartUploadParts")?;
    let id = upload_id(q);
    use super::list::{Negative, limit};
    let marker = limit(
        q,
        "part-number-marker",
        0,
        u32::MAX,
        Negative::Range("part-number-marker"),
    )?;
    let max = limit(q, "max-parts", 1000, 1000, Negative::Range("max-parts"))? as usize;
    let upload = load_upload(s3, bucket, key, &id)?;
    let parts = s3.store.read(|txn| mpstate::list_parts(txn, bucket, &id))?;
    let after: Vec<&Part> = parts.iter().filter(|p| p.number > marker).collect();
    let page = &after[..after.len().min(max)];
    let truncated = after.len() > page.len();
    let mut x = XmlWriter::new();
    x.open_ns("ListPartsResult", XMLNS)
        .elem("Bucket", bucket)
        .elem("Key", key)
        .elem("UploadId", &id)
        .elem("PartNumberMarker", &marker.to_string());
    // S3 always gives it: the last part listed, 0 when none is.
    let next = page.last().map_or(0, |p| p.number);
    x.elem("NextPartNumberMarker", &next.to_string());
    x.elem("MaxParts", &max.to_string())
        .elem("IsTruncated", if truncated { "true" } else { "false" });
    for p in page {
        x.open("Part")
            .elem("PartNumber", &p.number.to_string())
            .elem("LastModified", &iso8601(p.last_modified))
            .elem("ETag", &format!("\"{}\"", p.etag))
            .elem("Size", &p.size.to_string());
        if let Some((a, v)) = &p.checksum {
            x.elem(a.element(), v);
        }
        x.close();
    }
    owner(&mut x, "Initiator", &upload.owner);
    owner(&mut x, "Owner", &upload.owner);
    x.elem("StorageClass", crate::storage_class::of(&upload.headers));
    if let (Some(a), Some(t)) = (upload.checksum, &upload.checksum_type) {
        x.elem("ChecksumAlgorithm", a.name())
            .elem("ChecksumType", t);
    }
    Ok(xml_response(x.finish()))
}

#[cfg(test)]
mod tests {
    use super::{completed_location, copy_range, mpu_object_size};
    use crate::precheck::MAX_PUT;
    use cloudlet_core::AwsError;

    /// An expected outcome: the value, or the error's code and message.
    type Want<T> = Result<T, (&'static str, &'static str)>;
    type Range = Option<&'static str>;
    type Span = Want<(u64, u64)>;

    fn outcome<T>(r: crate::error::S3Result<T>) -> Result<T, (String, String)> {
        r.map_err(|e| {
            let e = AwsError::from(e);
            (e.code.to_string(), e.message.to_string())
        })
    }

    #[test]
    fn copy_ranges() {
        const SYNTAX: &str = "The x-amz-copy-source-range value must be of the form \
            bytes=first-last where first and last are the zero-based offsets of the first and \
            last bytes to copy";
        let bounds = "Range specified is not valid for source object of size: 10";
        let cases: &[(Range, Span)] = &[
            (None, Ok((0, 10))),
            (Some("bytes=0-9"), Ok((0, 10))),
            (Some("bytes=3-3"), Ok((3, 1))),
            (Some(" bytes=2-5 "), Ok((2, 4))),
            (Some("bytes=0-10"), Err(("InvalidArgument", bounds))),
            (Some("bytes=10-10"), Err(("InvalidArgument", bounds))),
            (Some("bytes=5-2"), Err(("InvalidArgument", bounds))),
            (Some("0-5"), Err(("InvalidArgument", SYNTAX))),
            (Some("bytes=0"), Err(("InvalidArgument", SYNTAX))),
            (Some("bytes=-5"), Err(("InvalidArgument", SYNTAX))),
            (Some("bytes=5-"), Err(("InvalidArgument", SYNTAX))),
            (Some("bytes=+1-5"), Err(("InvalidArgument", SYNTAX))),
            (Some("bytes=0-2,4-5"), Err(("InvalidArgument", SYNTAX))),
            (Some("bytes=a-b"), Err(("InvalidArgument", SYNTAX))),
            (
                Some("bytes=0-99999999999999999999"),
                Err(("InvalidArgument", SYNTAX)),
            ),
        ];
        for (range, want) in cases {
            let want = want.map_err(|(c, m)| (c.to_string(), m.to_string()));
            assert_eq!(outcome(copy_range(*range, 10)), want, "{range:?}");
        }
        let big = "The specified copy source is larger than the maximum allowable size for a \
            copy source: 5368709120";
        let over = format!("bytes=0-{MAX_PUT}");
        let cases: &[(Option<&str>, u64, Span)] = &[
            (None, MAX_PUT, Ok((0, MAX_PUT))),
            (None, MAX_PUT + 1, Err(("InvalidRequest", big))),
            (Some(&over), MAX_PUT + 1, Err(("InvalidRequest", big))),
            (Some("bytes=1-5368709120"), MAX_PUT + 1, Ok((1, MAX_PUT))),
        ];
        for (range, size, want) in cases {
            let want = want.map_err(|(c, m)| (c.to_string(), m.to_string()));
            assert_eq!(outcome(copy_range(*range, *size)), want, "{range:?} {size}");
        }
    }

    #[test]
    fn object_sizes() {
        let cases: &[(Range, Want<Option<u64>>)] = &[
            (None, Ok(None)),
            (Some("0"), Ok(Some(0))),
            (Some("5242881"), Ok(Some(5242881))),
            (
                Some("-1"),
                Err((
                    "InvalidRequest",
                    "Value for x-amz-mp-object-size header is less than zero: '-1'",
                )),
            ),
            (
                Some("size"),
                Err((
                    "InvalidRequest",
                    "Value for x-amz-mp-object-size header is invalid: 'size'",
                )),
            ),
            (
                Some(""),
                Err((
                    "InvalidRequest",
                    "Value for x-amz-mp-object-size header is invalid: ''",
                )),
            ),
        ];
        for (value, want) in cases {
            let h = match value {
                Some(v) => crate::test_headers(&[("x-amz-mp-object-size", v)]),
                None => crate::test_headers(&[]),
            };
            let want = want.map_err(|(c, m)| (c.to_string(), m.to_string()));
            assert_eq!(outcome(mpu_object_size(&h)), want, "{value:?}");
        }
    }

    #[test]
    fn completed_locations() {
        let e = "http://127.0.0.1:4566";
        let cases = [
            (
                Some("127.0.0.1:4566"),
                false,
                "k",
                "http://127.0.0.1:4566/b/k",
            ),
            (
                None,
                false,
                "a/b c+d.txt",
                "http://127.0.0.1:4566/b/a%2Fb%20c%2Bd.txt",
            ),
            (
                Some("b.localhost:4566"),
                true,
                "dir/f",
                "http://b.localhost:4566/dir%2Ff",
            ),
            (
                Some("b.s3.localhost:4566"),
                true,
                "é",
                "http://b.s3.localhost:4566/%C3%A9",
            ),
            (Some(" "), false, "k", "http://127.0.0.1:4566/b/k"),
        ];
        for (host, virtual_hosted, key, want) in cases {
            assert_eq!(
                completed_location(e, host, virtual_hosted, "b", key),
                want,
                "{host:?} {key}"
            );
        }
    }
}
