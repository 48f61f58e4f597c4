//! CopyObject: the `x-amz-copy-source` header (with `?versionId=`), copy-source conditions,
//! the metadata and tagging directives (replaced metadata checked against S3's 2 KB; a
//! website redirect location is never copied, only taken from the request), the SSE-C keys
//! of source and destination, the copy's checksum (kept from the source or computed), and
//! the refusals to copy an object onto itself unchanged or a source over 5 GiB.

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{Request, RequestContext, Response};
use cloudlet_store::BlobId;
use http::HeaderMap;
use md5::{Digest, Md5};
use percent_encoding::percent_decode_str;

use super::object::{condition_date, modified_since};
use super::{XMLNS, iso8601, now_ms, set_header, xml_response};
use crate::S3;
use crate::auth::arn;
use crate::checksum::{self, Algorithm, Hasher};
use crate::error::{S3Error, S3Result, invalid_argument};
use crate::precheck::{check_metadata_size, check_redirect_location, metadata_headers};
use crate::state::Object;
use crate::storage_class;
use crate::tagging::tags_header;
use crate::upload::{
    WriteCondition, commit_object_if, copy_blob_hashing, hash_blob, hv, representation_headers,
    user_metadata,
};
use crate::versions::{VersionMeta, VersionRef};

const REDIRECT: &str = "x-amz-website-redirect-location";

/// `bucket/key` (URL-encoded, optional leading slash and `?versionId=`).
pub fn copy_source(h: &HeaderMap) -> S3Result<(String, String)> {
    let raw = hv(h, "x-amz-copy-source").unwrap_or("");
    let invalid = || invalid_argument("Invalid copy source object key", "x-amz-copy-source", raw);
    let path = raw.split('?').next().unwrap_or("");
    let path = path.strip_prefix('/').unwrap_or(path);
    let decoded = percent_decode_str(path)
        .decode_utf8()
        .map_err(|_| invalid())?;
    let (b, k) = decoded.split_once('/').ok_or_else(invalid)?;
    if b.is_empty() || k.is_empty() {
        return Err(invalid());
    }
    Ok((b.to_string(), k.to_string()))
}

/// The `?versionId=` of `x-amz-copy-source`, if any.
pub fn copy_source_version(h: &HeaderMap) -> S3Result<Option<VersionRef>> {
    let raw = hv(h, "x-amz-copy-source").unwrap_or("");
    let Some((_, query)) = raw.split_once('?') else {
        return Ok(None);
    };
    let query = crate::protocol::Query::parse(Some(query));
    query
        .get("versionId")
        .map(VersionRef::from_param)
        .transpose()
}

/// `x-amz-copy-source-if-*`: any failure is 412 PreconditionFailed, named in S3's order —
/// `if-match`, else `if-unmodified-since`; then `if-none-match`, then `if-modified-since`
/// (ignored when later than now).
pub fn copy_conditions(h: &HeaderMap, src: &Object) -> S3Result<()> {
    let tag_in = |list: &str| {
        list.split(',')
            .map(|t| t.trim().trim_matches('"'))
            .any(|t| t == "*" || t == src.etag)
    };
    let modified = src.last_modified / 1000;
    let if_match = hv(h, "x-amz-copy-source-if-match");
    if let Some(m) = if_match
        && !tag_in(m)
    {
        return Err(S3Error::PreconditionFailed("x-amz-copy-source-If-Match"));
    }
    if if_match.is_none()
        && let Some(t) = condition_date(h, "x-amz-copy-source-if-unmodified-since")
        && modified > t
    {
        return Err(S3Error::PreconditionFailed(
            "x-amz-copy-source-If-Unmodified-Since",
        ));
    }
    if let Some(m) = hv(h, "x-amz-copy-source-if-none-match")
        && tag_in(m)
    {
        return Err(S3Error::PreconditionFailed(
            "x-amz-copy-source-If-None-Match",
        ));
    }
    if let Some(t) = modified_since(h, "x-amz-copy-source-if-modified-since", now_ms() / 1000)
        && modified <= t
    {
        return Err(S3Error::PreconditionFailed(
            "x-amz-copy-source-If-Modified-Since",
        ));
    }
    Ok(())
}

/// `x-amz-metadata-directive` / `x-amz-tagging-directive`: whether it says `REPLACE`
/// (`COPY` when absent); anything else is refused in S3's words (`what`: "metadata",
/// "tagging").
fn directive(h: &HeaderMap, name: &'static str, what: &str) -> S3Result<bool> {
    match h.get(name).map(|v| v.as_bytes()) {
        None | Some(b"COPY") => Ok(false),
        Some(b"REPLACE") => Ok(true),
        Some(other) => Err(invalid_argument(
            format!("Unknown {what} directive."),
            name,
            String::from_utf8_lossy(other).into_owned(),
        )),
    }
}

/// CopyObject copies at most 5 GiB (a bigger object is copied in parts, UploadPartCopy).
pub(crate) fn check_source_size(size: u64) -> S3Result<()> {
    match size > crate::precheck::MAX_PUT {
        true => Err(S3Error::InvalidRequest(format!(
            "The specified copy source is larger than the maximum allowable size for a copy source: {}",
            crate::precheck::MAX_PUT
        ))),
        false => Ok(()),
    }
}

/// The checksum a copy gets.
enum CopySum {
    /// The source's full-object checksum, kept.
    Keep(Algorithm, String),
    /// Computed over the copied bytes.
    Compute(Hasher),
}

/// The checksum a copy of `src` gets: the source's full-object one, or the one
/// `x-amz-checksum-algorithm` asks for, the source's algorithm when its checksum is
/// composite (a copy is one part), else S3's default CRC64NVME — computed.
fn copy_checksum(h: &HeaderMap, src: &Object) -> S3Result<CopySum> {
    let wanted = checksum::requested_algorithm(h)?;
    let source = checksum::stored(&src.headers);
    let algorithm = match (wanted, source) {
        (_, Some((a, v, "FULL_OBJECT"))) if wanted.is_none_or(|w| w == a) => {
            return Ok(CopySum::Keep(a, v.to_string()));
        }
        (Some(w), _) => w,
        (None, Some((a, _, _))) => a,
        (None, None) => Algorithm::Crc64Nvme,
    };
    Ok(CopySum::Compute(Hasher::new(algorithm)))
}

pub async fn copy_object(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    mut req: Request,
) -> S3Result<Response> {
    crate::precheck::check_key_length(key)?;
    let acl = super::object::requested_acl(req.extensions_mut());
    let h = req.headers();
    let (src_bucket, src_key) = copy_source(h)?;
    let src_version = copy_source_version(h)?;
    let dest = s3.bucket(bucket)?;
    let src = super::versioning::load_source(s3, ctx, &src_bucket, &src_key, src_version.as_ref())?;
    let put = "s3:PutObject";
    s3.require(ctx, &dest, put, &arn(bucket, Some(key)), &[], Some(put))?;
    // The destination's `If-None-Match: *` / `If-Match`, refused before the bytes are copied
    // when it already fails, and checked again atomically with the write.
    let cond = WriteCondition::from_headers(h)?;
    cond.check_early(s3, bucket, key)?;
    let source_key = crate::sse_c::parse_copy_source(h)?;
    crate::sse_c::check_read(&src.headers, source_key.as_ref())?;
    let customer = crate::sse_c::parse(h)?;
    let class = storage_class::requested(h)?;
    copy_conditions(h, &src)?;
    check_source_size(src.size)?;
    let replace_meta = directive(h, "x-amz-metadata-directive", "metadata")?;
    let replace_tags = directive(h, "x-amz-tagging-directive", "tagging")?;
    if replace_meta {
        check_metadata_size(metadata_headers(h))?;
    }
    check_redirect_location(h)?;
    if src_bucket == bucket
        && src_key == key
        && src_version.is_none()
        && !replace_meta
        && hv(h, "x-amz-website-redirect-location").is_none()
        && hv(h, "x-amz-storage-class").is_none()
        && customer.is_none()
        && source_key.is_none()
        && hv(h, "x-amz-checksum-algorithm").is_none()
    {
        return Err(S3Error::InvalidRequest(
            "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.".into(),
        ));
    }
    // Everything the headers ask for is checked before the bytes are copied.
    let tags = if replace_tags {
        tags_header(h)?
    } else {
        src.tags.clone()
    };
    let lock = crate::lock::from_headers(h, now_ms())?;
    crate::lock::require_configured(dest.versioning.object_lock.as_ref(), &lock)?;
    let (keep_sum, mut hasher) = match copy_checksum(h, &src)? {
        CopySum::Keep(a, v) => (Some((a, v)), None),
        CopySum::Compute(hasher) => (None, Some(hasher)),
    };
    let src_blob =
        BlobId::parse(&src.blob).ok_or_else(|| S3Error::Body("corrupt object record".into()))?;
    let mut writer = s3.store.blobs().create().await?;
    // A single-part source's ETag is the MD5 of its bytes, which the copy shares: the kernel
    // copies them. A multipart source's copy gets the MD5 of its content, so it is read.
    let plain_md5 = src.etag.len() == 32 && src.etag.bytes().all(|b| b.is_ascii_hexdigit());
    let copied = if plain_md5 {
        let joined = writer.append_blob(&src_blob, 0, src.size).await;
        match (joined, hasher.take()) {
            (Err(e), _) => Err(S3Error::from(e)),
            (Ok(()), Some(h)) => hash_blob(s3, &src_blob, src.size, h)
                .await
                .map(|h| hasher = Some(h)),
            (Ok(()), None) => Ok(()),
        }
        .map(|()| src.etag.clone())
    } else {
        let mut md5 = Md5::new();
        copy_blob_hashing(
            s3,
            &mut writer,
            &src_blob,
            0,
            src.size,
            &mut md5,
            hasher.as_mut(),
        )
        .await
        .map(|()| cloudlet_core::ids::hex(&md5.finalize()))
    };
    let etag = match copied {
        Ok(etag) => etag,
        Err(e) => {
            writer.abort().await;
            return Err(e);
        }
    };
    let blob = writer.commit().await?;
    let (content_type, metadata, mut headers) = if replace_meta {
        (
            hv(h, "content-type").map(str::to_string),
            user_metadata(h),
            representation_headers(h),
        )
    } else {
        (
            src.content_type.clone(),
            src.metadata.clone(),
            src.headers
                .iter()
                .filter(|(k, _)| !k.starts_with("x-amz-checksum-"))
                // The copy is encrypted as the request (or the target bucket) says.
                .filter(|(k, _)| !k.starts_with("x-amz-server-side-encryption"))
                // …and stored in the class it names (STANDARD unless told), not restored.
                .filter(|(k, _)| k != storage_class::HEADER && k != storage_class::RESTORE)
                // A redirect location is never copied; the request may give one.
                .filter(|(k, _)| k != REDIRECT)
                .cloned()
                .chain(hv(h, REDIRECT).map(|v| (REDIRECT.to_string(), v.to_string())))
                .chain(super::settings::encryption_headers(h))
                .collect(),
        )
    };
    // The copy is sealed with the destination's customer key, if one is given.
    headers.extend(customer.iter().flat_map(|k| k.headers()));
    headers.extend(class);
    let sum = match (keep_sum, hasher) {
        (Some(kept), _) => Some(kept),
        (None, Some(h)) => Some((h.algorithm(), checksum::b64(&h.finish()))),
        (None, None) => None,
    };
    if let Some((a, v)) = &sum {
        headers.extend(checksum::full_object_headers(*a, v.clone()));
    }
    let modified = now_ms();
    let obj = Object {
        blob: blob.as_str().to_string(),
        size: src.size,
        etag: etag.clone(),
        content_type,
        last_modified: modified,
        metadata,
        headers,
        tags,
        version: VersionMeta::locked(lock),
        parts: Vec::new(),
        acl: acl.map(Box::new),
    };
    let version = commit_object_if(s3, bucket, key, obj, cond).await?;
    let mut x = XmlWriter::new();
    x.open_ns("CopyObjectResult", XMLNS)
        .elem("LastModified", &iso8601(modified))
        .elem("ETag", &format!("\"{etag}\""));
    if let Some((a, v)) = &sum {
        x.elem("ChecksumType", "FULL_OBJECT").elem(a.element(), v);
    }
    let mut r = xml_response(x.finish());
    // As S3 answers: a null source version goes unnamed, and a copy into a suspended
    // bucket — unlike PutObject there — names the null version it wrote.
    if let Some(v) = src.version.id.as_deref().filter(|v| *v != "null") {
        set_header(&mut r, "x-amz-copy-source-version-id", v);
    }
    let suspended = dest.versioning.status == Some(crate::versions::Status::Suspended);
    if let Some(v) = version.or_else(|| suspended.then(|| "null".to_string())) {
        set_header(&mut r, "x-amz-version-id", &v);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_sizes() {
        let max = crate::precheck::MAX_PUT;
        for (size, ok) in [(0, true), (max, true), (max + 1, false), (u64::MAX, false)] {
            let got = check_source_size(size).map_err(|e| cloudlet_core::AwsError::from(e).message);
            match ok {
                true => assert!(got.is_ok(), "{size}"),
                false => assert_eq!(
                    got.unwrap_err(),
                    "The specified copy source is larger than the maximum allowable size for a copy source: 5368709120"
                ),
            }
        }
    }

    #[test]
    fn directives() {
        let cases = [
            (None, Ok(false)),
            (Some("COPY"), Ok(false)),
            (Some("REPLACE"), Ok(true)),
            (Some("replace"), Err("Unknown metadata directive.")),
            (Some(""), Err("Unknown metadata directive.")),
        ];
        for (value, want) in cases {
            let h = crate::test_headers(
                &value
                    .map(|v| vec![("x-amz-metadata-directive", v)])
                    .unwrap_or_default(),
            );
            let got = directive(&h, "x-amz-metadata-directive", "metadata")
                .map_err(|e| cloudlet_core::AwsError::from(e).message);
            assert_eq!(got, want.map_err(Into::into), "{value:?}");
        }
    }
}
