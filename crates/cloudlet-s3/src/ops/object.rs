//! Objects: PutObject (its length, metadata size and redirect location checked first, then
//! streamed into a blob as it arrives, `aws-chunked` decoded, MD5 and the checksum computed
//! on the way), GetObject/HeadObject (streamed from the blob, ranges,
//! conditional requests, `response-*` overrides, the SSE-C key checked). DeleteObject
//! lives in `versioning`.

use cloudlet_core::{Principal, Request, RequestContext, Response};
use http::{HeaderMap, StatusCode};

use super::{empty, http_date, now_ms, set_header};
use crate::S3;
use crate::auth::arn;
use crate::error::{S3Error, S3Result, invalid_argument};
use crate::precheck::{
    LockedWrite, check_metadata_size, check_redirect_location, metadata_headers, require_for_lock,
    require_put_length,
};
use crate::protocol::Query;
use crate::state::{self, Object};
use crate::tagging::tags_header;
use crate::upload::{
    CHECKSUMS, WriteCondition, commit_object_if, hv, receive, representation_headers, user_metadata,
};
use crate::versions::VersionMeta;

pub async fn put(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    req: Request,
) -> S3Result<Response> {
    require_put_length(req.headers())?;
    crate::precheck::check_key_length(key)?;
    let b = s3.bucket(bucket)?;
    let (mut parts, incoming) = req.into_parts();
    let h = &parts.headers;
    if !s3.object_write_allowed(ctx, &b, &arn(bucket, Some(key)), h)
        && !super::acl::bucket_acl_allows(s3, ctx, &b, "s3:PutObject")
    {
        return Err(s3.object_write_denied(ctx, &b, &arn(bucket, Some(key)), h));
    }
    check_metadata_size(metadata_headers(h))?;
    check_redirect_location(h)?;
    let cond = WriteCondition::from_headers(h)?;
    let customer = crate::sse_c::parse(h)?;
    let class = crate::storage_class::requested(h)?;
    // Everything the headers ask for is checked before the body is stored.
    let tags = tags_header(h)?;
    let lock = crate::lock::from_headers(h, now_ms())?;
    let bucket_lock = b.versioning.object_lock.as_ref();
    require_for_lock(h, LockedWrite::Object, bucket_lock, &lock)?;
    let got = receive(s3, h, incoming).await?;
    let etag = got.etag();
    let mut headers = representation_headers(h);
    headers.extend(customer.iter().flat_map(|k| k.headers()));
    headers.extend(got.checksums.iter().cloned());
    headers.extend(class);
    let obj = Object {
        blob: got.blob.as_str().to_string(),
        size: got.size,
        etag: etag.clone(),
        content_type: hv(h, "content-type").map(str::to_string),
        last_modified: now_ms(),
        metadata: user_metadata(h),
        headers,
        tags,
        version: VersionMeta::locked(lock),
        parts: Vec::new(),
        acl: requested_acl(&mut parts.extensions).map(Box::new),
    };
    let version = commit_object_if(s3, bucket, key, obj, cond).await?;
    let mut r = empty(StatusCode::OK);
    set_header(&mut r, "etag", &format!("\"{etag}\""));
    if let Some(v) = version {
        set_header(&mut r, "x-amz-version-id", &v);
    }
    for (k, v) in &got.checksums {
        if let Some(name) = CHECKSUMS.iter().find(|c| *c == k) {
            set_header(&mut r, name, v);
        }
    }
    Ok(r)
}

/// The ACL an object write asked for (see `acl::RequestedAcl`), taken out of the request.
pub(crate) fn requested_acl(ext: &mut http::Extensions) -> Option<crate::acl::Acl> {
    ext.remove::<super::acl::RequestedAcl>().map(|a| a.0)
}

/// Parses `bytes=a-b`, `bytes=a-`, `bytes=-n` into an inclusive range; `None` when the
/// header is not a single byte range, or a suffix of an empty object (S3 then serves the
/// whole object), `Err` when it is unsatisfiable.
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
    // Positions are plain decimal digits (`+1` is none); one past u64 is past any end.
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()))
            .then(|| s.parse::<u64>().unwrap_or(u64::MAX))
    };
    let range = match (number(a), number(b)) {
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
        (None, Some(0)) if a.is_empty() => return Err(()),
        // The last bytes of an empty object are all of it: S3 answers 200.
        (None, Some(_)) if a.is_empty() && size == 0 => return Ok(None),
        (None, Some(n)) if a.is_empty() => (size - n.min(size), size - 1),
        _ => return Ok(None),
    };
    Ok(Some(range))
}

/// The inclusive byte range of part `n` of `obj`, and the number of parts of a multipart
/// object. An object uploaded in one piece is its own part 1, served whole (as a range, as
/// S3 does); a part the object does not have is `InvalidPartNumber`.
fn part_range(obj: &Object, n: u32) -> S3Result<(u64, u64, Option<usize>)> {
    let unsatisfiable = |count| S3Error::InvalidPartNumber {
        requested: n,
        count,
    };
    if obj.parts.is_empty() {
        return match n {
            1 if obj.size > 0 => Ok((0, obj.size - 1, None)),
            _ => Err(unsatisfiable(1)),
        };
    }
    let count = obj.parts.len();
    let index = (n as usize)
        .checked_sub(1)
        .filter(|i| *i < count)
        .ok_or(unsatisfiable(count))?;
    let start: u64 = obj.parts[..index].iter().map(|p| p.size).sum();
    match obj.parts[index].size {
        0 => Err(unsatisfiable(count)),
        size => Ok((start, start + size - 1, Some(count))),
    }
}

/// The recorded checksum of the part of `obj` that starts at byte `start`.
fn part_checksum(obj: &Object, start: u64) -> Option<String> {
    let mut at = 0;
    obj.parts.iter().find_map(|p| {
        let here = at;
        at += p.size;
        (here == start).then(|| p.checksum.clone()).flatten()
    })
}

pub(crate) fn etag_matches(list: &str, etag: &str) -> bool {
    list.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/").trim_matches('"') == etag)
}

/// The date of a conditional header, if it is one (a value that is not an HTTP date is
/// ignored, as on S3).
pub(crate) fn condition_date(h: &HeaderMap, name: &str) -> Option<u64> {
    hv(h, name).and_then(cloudlet_core::time::parse_http_date)
}

/// An `If-Modified-Since` date, unless it is later than `now` (seconds): S3 then ignores it,
/// as RFC 7232 says.
pub(crate) fn modified_since(h: &HeaderMap, name: &str, now: u64) -> Option<u64> {
    condition_date(h, name).filter(|t| *t <= now)
}

/// Conditional request headers: `Ok(Some(304))`, `Err(412)`, or `Ok(None)` to proceed.
/// RFC 7232's order: `If-Match`, else `If-Unmodified-Since`; then `If-None-Match`, else
/// `If-Modified-Since` (`now` in seconds).
fn preconditions(h: &HeaderMap, obj: &Object, now: u64) -> S3Result<Option<StatusCode>> {
    let modified = obj.last_modified / 1000;
    let if_match = hv(h, "if-match");
    if let Some(m) = if_match
        && !etag_matches(m, &obj.etag)
    {
        return Err(S3Error::PreconditionFailed("If-Match"));
    }
    if if_match.is_none()
        && let Some(t) = condition_date(h, "if-unmodified-since")
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
        && let Some(t) = modified_since(h, "if-modified-since", now)
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
        Some(o) if super::acl::object_allows(s3, ctx, &b, key, &o, "s3:GetObject") => Ok(o),
        Some(o) => {
            let resource = arn(bucket, Some(key));
            Err(s3.denied(ctx, Some(&b), "s3:GetObject", &resource, &o.tags, &[]))
        }
        None if s3.allowed(ctx, &b, "s3:ListBucket", &arn(bucket, None), &[]) => {
            Err(S3Error::NoSuchKey(key.to_string()))
        }
        // A caller refused the read itself hears so; one refused only the listing learns
        // nothing of the key.
        None => Err(s3.denied(
            ctx,
            Some(&b),
            "s3:GetObject",
            &arn(bucket, Some(key)),
            &[],
            &[],
        )),
    }
}

/// The response for a GET or HEAD of `obj`. An SSE-C object is served only to the key it
/// was stored with (its headers then echo the key's algorithm and MD5).
pub async fn serve(
    s3: &S3,
    obj: &Object,
    req_headers: &HeaderMap,
    query: &Query,
    head: bool,
) -> S3Result<Response> {
    let customer = crate::sse_c::parse_read(req_headers)?;
    crate::sse_c::check_read(&obj.headers, customer.as_ref())?;
    let mut base = empty(StatusCode::OK);
    set_header(&mut base, "etag", &format!("\"{}\"", obj.etag));
    set_header(&mut base, "last-modified", &http_date(obj.last_modified));
    if let Some(status) = preconditions(req_headers, obj, now_ms() / 1000)? {
        *base.status_mut() = status;
        return Ok(base);
    }
    if !head {
        crate::storage_class::check_readable(&obj.headers, now_ms())?;
    }
    let part = match query.get("partNumber") {
        Some(_) if req_headers.contains_key("range") => {
            return Err(S3Error::InvalidRequest(
                "Cannot specify both Range header and partNumber query parameter".into(),
            ));
        }
        Some(_) => Some(part_range(obj, super::multipart::part_number(query)?)?),
        None => None,
    };
    let range = match (hv(req_headers, "range"), part) {
        (_, Some((a, b, _))) => Some((a, b)),
        (Some(r), None) => parse_range(r, obj.size).map_err(|()| S3Error::InvalidRange {
            range: r.to_string(),
            size: obj.size,
        })?,
        (None, None) => None,
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
        let body = match s3.store.blobs().in_memory(&id, start, len) {
            Some(bytes) => crate::filebody::full(bytes?),
            None => {
                let path = s3.store.blobs().path(&id);
                crate::filebody::stream(&s3.maps, path, obj.size, start, len)
                    .await
                    .map_err(|e| S3Error::Store(e.into()))?
            }
        };
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
    if let Some((_, _, Some(count))) = part {
        set_header(&mut r, "x-amz-mp-parts-count", &count.to_string());
    }
    if !obj.tags.is_empty() {
        set_header(&mut r, "x-amz-tagging-count", &obj.tags.len().to_string());
    }
    super::versioning::version_headers(&mut r, obj);
    set_header(
        &mut r,
        "content-type",
        obj.content_type.as_deref().unwrap_or("binary/octet-stream"),
    );
    let checksum_mode =
        hv(req_headers, "x-amz-checksum-mode").is_some_and(|m| m.eq_ignore_ascii_case("ENABLED"));
    // The checksum of one part of a multipart object: the part's own for a composite
    // checksum; the object's when a full-object checksum covers just that part.
    let part_sum = match (part, crate::checksum::stored(&obj.headers)) {
        (Some((a, _, Some(_))), Some((algo, _, "COMPOSITE"))) if checksum_mode => {
            part_checksum(obj, a).map(|v| (algo, v))
        }
        _ => None,
    };
    let whole_sum = checksum_mode
        && match part {
            None => range.is_none(),
            Some((_, _, None)) => true,
            Some((_, _, Some(count))) => count == 1 && part_sum.is_none(),
        };
    if let Some((algo, v)) = part_sum {
        set_header(&mut r, algo.header(), &v);
        set_header(&mut r, "x-amz-checksum-type", "COMPOSITE");
    }
    for (k, v) in &obj.headers {
        // Whole-object checksums are returned only on request, and not for a range (but
        // for a part that is the whole object).
        if k.starts_with("x-amz-checksum-") && !whole_sum {
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
    for (param, name) in RESPONSE_OVERRIDES {
        if let Some(v) = query.get(param) {
            set_header(&mut r, name, v);
        }
    }
    Ok(r)
}

/// The `response-*` query parameters of GetObject and HeadObject, and the headers they set.
const RESPONSE_OVERRIDES: [(&str, &str); 6] = [
    ("response-content-type", "content-type"),
    ("response-content-language", "content-language"),
    ("response-expires", "expires"),
    ("response-cache-control", "cache-control"),
    ("response-content-disposition", "content-disposition"),
    ("response-content-encoding", "content-encoding"),
];

/// Only signed requests (headers or a presigned URL) may override response headers.
pub fn check_overrides(ctx: &RequestContext, query: &Query) -> S3Result<()> {
    if matches!(ctx.principal, Principal::Anonymous)
        && RESPONSE_OVERRIDES.iter().any(|(p, _)| query.has(p))
    {
        return Err(S3Error::InvalidRequest(
            "Request specific response headers cannot be used for anonymous GET requests.".into(),
        ));
    }
    Ok(())
}

/// A GET or HEAD may not name a server-side encryption (an object's encryption is chosen
/// when it is written; SSE-C keys have headers of their own): S3 answers 400.
pub fn refuse_encryption_header(h: &HeaderMap) -> S3Result<()> {
    match h.get("x-amz-server-side-encryption") {
        Some(v) => Err(invalid_argument(
            "x-amz-server-side-encryption header is not supported for this operation.",
            "x-amz-server-side-encryption",
            String::from_utf8_lossy(v.as_bytes()),
        )),
        None => Ok(()),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_preconditions() {
        // The object was last modified at 1000 s (Thu, 01 Jan 1970 00:16:40 GMT); now is 2000 s.
        let obj = Object {
            blob: String::new(),
            size: 1,
            etag: "abc".into(),
            content_type: None,
            last_modified: 1_000_000,
            metadata: Vec::new(),
            headers: Vec::new(),
            tags: Vec::new(),
            version: Default::default(),
            parts: Vec::new(),
            acl: None,
        };
        const BEFORE: &str = "Thu, 01 Jan 1970 00:16:39 GMT";
        const AT: &str = "Thu, 01 Jan 1970 00:16:40 GMT";
        const FUTURE: &str = "Thu, 01 Jan 1970 00:33:21 GMT";
        let not_modified = Ok(Some(StatusCode::NOT_MODIFIED));
        type Case<'a> = (
            &'a [(&'a str, &'a str)],
            Result<Option<StatusCode>, &'a str>,
        );
        let cases: &[Case] = &[
            (&[], Ok(None)),
            (&[("if-match", "\"abc\"")], Ok(None)),
            (&[("if-match", "abc")], Ok(None)),
            (&[("if-match", "*")], Ok(None)),
            (&[("if-match", "\"x\", \"abc\"")], Ok(None)),
            (&[("if-match", "\"x\"")], Err("If-Match")),
            (
                &[("if-unmodified-since", BEFORE)],
                Err("If-Unmodified-Since"),
            ),
            (&[("if-unmodified-since", AT)], Ok(None)),
            (&[("if-unmodified-since", "not a date")], Ok(None)),
            // If-Match holding overrules If-Unmodified-Since.
            (
                &[("if-match", "abc"), ("if-unmodified-since", BEFORE)],
                Ok(None),
            ),
            (
                &[("if-match", "x"), ("if-unmodified-since", BEFORE)],
                Err("If-Match"),
            ),
            (&[("if-none-match", "\"abc\"")], not_modified),
            (&[("if-none-match", "*")], not_modified),
            (&[("if-none-match", "W/\"abc\"")], not_modified),
            (&[("if-none-match", "\"x\"")], Ok(None)),
            (&[("if-modified-since", AT)], not_modified),
            (&[("if-modified-since", BEFORE)], Ok(None)),
            // A date later than now is ignored.
            (&[("if-modified-since", FUTURE)], Ok(None)),
            (&[("if-modified-since", "garbage")], Ok(None)),
            // If-None-Match failing decides; if it holds, If-Modified-Since is not asked.
            (
                &[("if-none-match", "abc"), ("if-modified-since", BEFORE)],
                not_modified,
            ),
            (
                &[("if-none-match", "x"), ("if-modified-since", AT)],
                Ok(None),
            ),
            // A failed If-Match or If-Unmodified-Since comes before a 304.
            (
                &[("if-match", "x"), ("if-none-match", "abc")],
                Err("If-Match"),
            ),
            (
                &[("if-unmodified-since", BEFORE), ("if-none-match", "abc")],
                Err("If-Unmodified-Since"),
            ),
        ];
        for (headers, expected) in cases {
            let got = preconditions(&crate::test_headers(headers), &obj, 2000);
            match (got, expected) {
                (Ok(g), Ok(e)) => assert_eq!(g, *e, "{headers:?}"),
                (Err(S3Error::PreconditionFailed(c)), Err(e)) => assert_eq!(c, *e, "{headers:?}"),
                (got, _) => panic!("{headers:?}: {got:?}"),
            }
        }
    }

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
            ("bytes=+1-2", 10, Ok(None)),
            ("bytes=1-+2", 10, Ok(None)),
            ("bytes=-+2", 10, Ok(None)),
            ("bytes=0--1", 10, Ok(None)),
            ("bytes=-", 10, Ok(None)),
            ("bytes=", 10, Ok(None)),
            ("bytes=9-9", 10, Ok(Some((9, 9)))),
            ("bytes=00-01", 10, Ok(Some((0, 1)))),
            ("bytes=0-99999999999999999999999", 10, Ok(Some((0, 9)))),
            ("bytes=99999999999999999999999-", 10, Err(())),
            ("bytes=0-", 0, Err(())),
            ("bytes=-5", 0, Ok(None)),
            ("bytes=-0", 0, Err(())),
            ("bytes=0-0", 0, Err(())),
            ("bytes=0-0", 1, Ok(Some((0, 0)))),
            ("bytes=-1", 1, Ok(Some((0, 0)))),
        ];
        for (h, size, expected) in cases {
            assert_eq!(parse_range(h, *size), *expected, "{h}");
        }
    }
}
