//! Objects: PutObject (streamed into a blob as it arrives, `aws-chunked` decoded, MD5 and
//! CRC32 computed on the way), GetObject/HeadObject (streamed from the blob, ranges,
//! conditional requests, `response-*` overrides) and DeleteObject.

use base64::Engine;
use cloudlet_core::{Request, RequestContext, Response};
use http::{HeaderMap, StatusCode};
use http_body_util::BodyExt;
use md5::{Digest, Md5};

use super::{empty, http_date, now_ms, set_header};
use crate::S3;
use crate::auth::{allowed, arn};
use crate::chunked::Dechunker;
use crate::error::{S3Error, S3Result};
use crate::protocol::Query;
use crate::state::{self, Object};

/// Representation headers stored with an object and returned on GET/HEAD.
const STORED_HEADERS: &[&str] = &[
    "content-disposition",
    "content-language",
    "cache-control",
    "expires",
    "x-amz-website-redirect-location",
];

/// Checksum headers stored and echoed (only CRC32 is verified).
const CHECKSUMS: &[&str] = &[
    "x-amz-checksum-crc32",
    "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme",
    "x-amz-checksum-sha1",
    "x-amz-checksum-sha256",
];

fn hv<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

pub async fn put(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    req: Request,
) -> S3Result<Response> {
    if key.len() > 1024 {
        return Err(S3Error::KeyTooLong);
    }
    let b = s3.bucket(bucket)?;
    if !allowed(ctx, &b, "s3:PutObject", &arn(bucket, Some(key)), &[]) {
        return Err(S3Error::AccessDenied);
    }
    let (parts, mut incoming) = req.into_parts();
    let h = &parts.headers;
    let encodings: Vec<&str> = hv(h, "content-encoding")
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let chunked = encodings
        .iter()
        .any(|e| e.eq_ignore_ascii_case("aws-chunked"))
        || hv(h, "x-amz-content-sha256").is_some_and(|v| v.starts_with("STREAMING-"));
    let content_encoding: Vec<&str> = encodings
        .into_iter()
        .filter(|e| !e.eq_ignore_ascii_case("aws-chunked"))
        .collect();
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
        while let Some(frame) = incoming.frame().await {
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
    let check = streamed.and_then(|()| {
        if declared_len.is_some_and(|n| n != size) {
            return Err(S3Error::IncompleteBody);
        }
        let digest = md5.clone().finalize();
        if expected_md5
            .as_deref()
            .is_some_and(|m| m != digest.as_slice())
        {
            return Err(S3Error::BadDigest);
        }
        Ok(())
    });
    if let Err(e) = check {
        writer.abort().await;
        return Err(e);
    }
    let etag = cloudlet_core::ids::hex(&md5.finalize());
    let crc32 = base64::engine::general_purpose::STANDARD.encode(crc.finalize().to_be_bytes());

    let mut headers: Vec<(String, String)> = Vec::new();
    if !content_encoding.is_empty() {
        headers.push(("content-encoding".into(), content_encoding.join(",")));
    }
    for name in STORED_HEADERS {
        if let Some(v) = hv(h, name) {
            headers.push((name.to_string(), v.to_string()));
        }
    }
    let trailers = dechunker.map(|d| d.trailers).unwrap_or_default();
    for name in CHECKSUMS {
        let given = hv(h, name).map(str::to_string).or_else(|| {
            trailers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        });
        if let Some(v) = given {
            if *name == "x-amz-checksum-crc32" && v != crc32 {
                writer.abort().await;
                return Err(S3Error::ChecksumMismatch("CRC32"));
            }
            headers.push((name.to_string(), v));
        }
    }
    let metadata = h
        .iter()
        .filter_map(|(k, v)| {
            let name = k.as_str().strip_prefix("x-amz-meta-")?;
            Some((name.to_string(), v.to_str().ok()?.to_string()))
        })
        .collect();
    let blob = writer.commit().await?;
    let obj = Object {
        blob: blob.as_str().to_string(),
        size,
        etag: etag.clone(),
        content_type: hv(h, "content-type").map(str::to_string),
        last_modified: now_ms(),
        metadata,
        headers,
    };
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
    let old = match written {
        Ok(old) => old,
        Err(e) => {
            s3.store.blobs().delete(&blob).await;
            return Err(e);
        }
    };
    if let Some(old) = old.and_then(|o| cloudlet_store::BlobId::parse(&o.blob)) {
        s3.store.blobs().delete(&old).await;
    }
    let mut r = empty(StatusCode::OK);
    set_header(&mut r, "etag", &format!("\"{etag}\""));
    for (k, v) in &obj.headers {
        if let Some(name) = CHECKSUMS.iter().find(|c| *c == k) {
            set_header(&mut r, name, v);
        }
    }
    Ok(r)
}

/// Parses `bytes=a-b`, `bytes=a-`, `bytes=-n` into an inclusive range; `None` when the
/// header is not a single byte range (S3 then serves the whole object), `Err` when it is
/// unsatisfiable.
pub fn parse_range(header: &str, size: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.parse::<u64>().ok(), b.parse::<u64>().ok()) {
        (Some(start), Some(end)) if start <= end => {
            if start >= size {
                return Err(());
            }
            (start, end.min(size - 1))
        }
        (Some(_), Some(_)) => return Ok(None),
        (Some(start), None) if b.is_empty() => {
            if start >= size {
                return Err(());
            }
            (start, size - 1)
        }
        (None, Some(n)) if a.is_empty() => {
            if n == 0 || size == 0 {
                return Err(());
            }
            (size - n.min(size), size - 1)
        }
        _ => return Ok(None),
    };
    Ok(Some(range))
}

fn etag_matches(list: &str, etag: &str) -> bool {
    list.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/").trim_matches('"') == etag)
}

fn parse_http_date(v: &str) -> Option<u64> {
    httpdate::parse_http_date(v.trim())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs())
}

/// Conditional request headers: `Ok(Some(304))`, `Err(412)`, or `Ok(None)` to proceed.
fn preconditions(h: &HeaderMap, obj: &Object) -> S3Result<Option<StatusCode>> {
    let modified = obj.last_modified / 1000;
    let if_match = hv(h, "if-match");
    if let Some(m) = if_match
        && !etag_matches(m, &obj.etag)
    {
        return Err(S3Error::PreconditionFailed("If-Match"));
    }
    if if_match.is_none()
        && let Some(t) = hv(h, "if-unmodified-since").and_then(parse_http_date)
        && modified > t
    {
        return Err(S3Error::PreconditionFailed("If-Unmodified-Since"));
    }
    let if_none = hv(h, "if-none-match");
    if let Some(m) = if_none
        && etag_matches(m, &obj.etag)
    {
        return Ok(Some(StatusCode::NOT_MODIFIED));
    }
    if if_none.is_none()
        && let Some(t) = hv(h, "if-modified-since").and_then(parse_http_date)
        && modified <= t
    {
        return Ok(Some(StatusCode::NOT_MODIFIED));
    }
    Ok(None)
}

/// Reads an object's record, applying S3's rule that a caller without `s3:ListBucket`
/// learns nothing: a missing key is then `AccessDenied`, not `NoSuchKey`.
pub fn load_readable(s3: &S3, ctx: &RequestContext, bucket: &str, key: &str) -> S3Result<Object> {
    let b = s3.bucket(bucket)?;
    let obj = s3.store.read(|txn| state::get_object(txn, bucket, key))?;
    match obj {
        Some(o) if allowed(ctx, &b, "s3:GetObject", &arn(bucket, Some(key)), &[]) => Ok(o),
        Some(_) => Err(S3Error::AccessDenied),
        None if allowed(ctx, &b, "s3:ListBucket", &arn(bucket, None), &[]) => {
            Err(S3Error::NoSuchKey(key.to_string()))
        }
        None => Err(S3Error::AccessDenied),
    }
}

/// The response for a GET or HEAD of `obj`.
pub async fn serve(
    s3: &S3,
    obj: &Object,
    req_headers: &HeaderMap,
    query: &Query,
    head: bool,
) -> S3Result<Response> {
    let mut base = empty(StatusCode::OK);
    set_header(&mut base, "etag", &format!("\"{}\"", obj.etag));
    set_header(&mut base, "last-modified", &http_date(obj.last_modified));
    if let Some(status) = preconditions(req_headers, obj)? {
        *base.status_mut() = status;
        return Ok(base);
    }
    let range = match hv(req_headers, "range") {
        Some(r) => parse_range(r, obj.size).map_err(|()| S3Error::InvalidRange {
            range: r.to_string(),
            size: obj.size,
        })?,
        None => None,
    };
    let (start, len) = match range {
        Some((a, b)) => (a, b - a + 1),
        None => (0, obj.size),
    };
    let mut r = if head || len == 0 {
        let mut r = empty(StatusCode::OK);
        *r.headers_mut() = base.headers().clone();
        r
    } else {
        let id = cloudlet_store::BlobId::parse(&obj.blob)
            .ok_or_else(|| S3Error::Body("corrupt object record".into()))?;
        let file = s3.store.blobs().open_blob(&id).await?;
        let body = crate::filebody::stream(file, start, len)
            .await
            .map_err(|e| S3Error::Store(e.into()))?;
        let mut r = Response::new(body);
        *r.headers_mut() = base.headers().clone();
        r
    };
    if let Some((a, b)) = range {
        *r.status_mut() = StatusCode::PARTIAL_CONTENT;
        set_header(
            &mut r,
            "content-range",
            &format!("bytes {a}-{b}/{}", obj.size),
        );
    }
    set_header(&mut r, "content-length", &len.to_string());
    set_header(&mut r, "accept-ranges", "bytes");
    set_header(
        &mut r,
        "content-type",
        obj.content_type.as_deref().unwrap_or("binary/octet-stream"),
    );
    for (k, v) in &obj.headers {
        // Whole-object checksums are returned only on request, and never for a range.
        if k.starts_with("x-amz-checksum-")
            && (range.is_some()
                || !hv(req_headers, "x-amz-checksum-mode")
                    .is_some_and(|m| m.eq_ignore_ascii_case("ENABLED")))
        {
            continue;
        }
        if let Ok(name) = http::HeaderName::from_bytes(k.as_bytes())
            && let Ok(val) = http::HeaderValue::from_str(v)
        {
            r.headers_mut().insert(name, val);
        }
    }
    for (k, v) in &obj.metadata {
        if let Ok(name) = http::HeaderName::from_bytes(format!("x-amz-meta-{k}").as_bytes())
            && let Ok(val) = http::HeaderValue::from_str(v)
        {
            r.headers_mut().insert(name, val);
        }
    }
    if !head {
        for (param, name) in [
            ("response-content-type", "content-type"),
            ("response-content-language", "content-language"),
            ("response-expires", "expires"),
            ("response-cache-control", "cache-control"),
            ("response-content-disposition", "content-disposition"),
            ("response-content-encoding", "content-encoding"),
        ] {
            if let Some(v) = query.get(param) {
                set_header(&mut r, name, v);
            }
        }
    }
    Ok(r)
}

pub async fn get(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    query: &Query,
    req: Request,
    head: bool,
) -> S3Result<Response> {
    let obj = load_readable(s3, ctx, bucket, key)?;
    match serve(s3, &obj, req.headers(), query, head).await {
        // The object was replaced between reading its record and opening its blob.
        Err(S3Error::Store(_)) => {
            let obj = load_readable(s3, ctx, bucket, key)?;
            serve(s3, &obj, req.headers(), query, head).await
        }
        other => other,
    }
}

pub async fn delete(s3: &S3, ctx: &RequestContext, bucket: &str, key: &str) -> S3Result<Response> {
    let b = s3.bucket(bucket)?;
    if !allowed(ctx, &b, "s3:DeleteObject", &arn(bucket, Some(key)), &[]) {
        return Err(S3Error::AccessDenied);
    }
    let (bname, kname) = (bucket.to_string(), key.to_string());
    let old = s3
        .store
        .write(move |txn| Ok::<_, S3Error>(state::delete_object(txn, &bname, &kname)?))
        .await?;
    if let Some(id) = old.and_then(|o| cloudlet_store::BlobId::parse(&o.blob)) {
        s3.store.blobs().delete(&id).await;
    }
    Ok(empty(StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        type Case<'a> = (&'a str, u64, Result<Option<(u64, u64)>, ()>);
        let cases: &[Case] = &[
            ("bytes=0-4", 10, Ok(Some((0, 4)))),
            ("bytes=5-", 10, Ok(Some((5, 9)))),
            ("bytes=-3", 10, Ok(Some((7, 9)))),
            ("bytes=-30", 10, Ok(Some((0, 9)))),
            ("bytes=8-100", 10, Ok(Some((8, 9)))),
            ("bytes=10-", 10, Err(())),
            ("bytes=10-12", 10, Err(())),
            ("bytes=-0", 10, Err(())),
            ("bytes=5-2", 10, Ok(None)),
            ("bytes=0-1,3-4", 10, Ok(None)),
            ("items=0-1", 10, Ok(None)),
            ("bytes=x-1", 10, Ok(None)),
        ];
        for (h, size, expected) in cases {
            assert_eq!(parse_range(h, *size), *expected, "{h}");
        }
    }
}
