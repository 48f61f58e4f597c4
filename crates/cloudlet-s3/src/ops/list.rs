//! ListObjects (v1) and ListObjectsV2: prefix, delimiter and CommonPrefixes, marker /
//! start-after / continuation-token, max-keys, `encoding-type=url`, fetch-owner; each
//! object's checksum algorithm and type. [`limit`] reads the page sizes and numeric
//! markers of every listing (ListObjectVersions, ListMultipartUploads and ListParts too),
//! [`encoding_type`] the encoding of all but ListParts.

use base64::Engine;
use cloudlet_core::RequestContext;
use cloudlet_core::Response;
use cloudlet_core::xml::XmlWriter;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::{XMLNS, iso8601, xml_response};
use crate::S3;
use crate::auth::arn;
use crate::error::{S3Error, S3Result, invalid_argument};
use crate::protocol::Query;
use crate::state::{self, Object};

/// What `encoding-type=url` leaves alone.
const URL_SAFE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// One page of a listing.
#[derive(Debug, Default)]
pub struct Page {
    pub contents: Vec<(String, Object)>,
    pub prefixes: Vec<String>,
    pub truncated: bool,
    /// The last key or common prefix returned.
    pub last: Option<String>,
}

/// Lists keys of `bucket` after `after` (exclusive), grouping by `delimiter`. Once a common
/// prefix is listed (or holds `after`) the scan seeks past its keys: listing the top of a
/// bucket costs its top-level entries, not every key below them.
pub fn page(
    s3: &S3,
    bucket: &str,
    prefix: &str,
    delimiter: &str,
    after: &str,
    max: usize,
) -> S3Result<Page> {
    use state::Step;
    let mut p = Page::default();
    let mut count = 0usize;
    s3.store.read(|txn| {
        state::scan_object_keys(txn, bucket, prefix, after, |key, stored| {
            let group = match delimiter.is_empty() {
                true => None,
                false => key[prefix.len()..]
                    .find(delimiter)
                    .map(|i| &key[..prefix.len() + i + delimiter.len()]),
            };
            let name = group.unwrap_or(key);
            let skip = || match group {
                Some(g) => Step::SkipPrefix(g.to_string()),
                None => Step::Next,
            };
            if name <= after || p.last.as_deref() == Some(name) {
                return Ok(skip());
            }
            if count == max {
                // `max-keys=0` returns nothing, and nothing to resume from, as S3 has it.
                p.truncated = max > 0;
                return Ok(Step::Stop);
            }
            count += 1;
            p.last = Some(name.to_string());
            match group {
                Some(cp) => p.prefixes.push(cp.to_string()),
                None => p.contents.push((key.to_string(), stored.decode()?)),
            }
            Ok(skip())
        })
    })?;
    Ok(p)
}

/// How a listing refuses a negative page size or marker (`max-keys`, `max-uploads`,
/// `max-parts`, `part-number-marker`): S3 words it differently per operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Negative {
    /// `Argument {name} must be an integer between 0 and 2147483647`, named `name`.
    Range(&'static str),
    /// ListObjectVersions: `max-keys cannot be negative`, named `maxKeys`.
    VersionsMaxKeys,
}

/// An integer listing parameter as S3 reads it: absent or empty is `default`; otherwise a
/// 32-bit integer (anything else, or a value past 2147483647, is "not an integer"), never
/// negative, and at most `cap`.
pub fn limit(
    q: &Query,
    param: &'static str,
    default: u32,
    cap: u32,
    negative: Negative,
) -> S3Result<u32> {
    let v = match q.get(param) {
        None | Some("") => return Ok(default),
        Some(v) => v,
    };
    match v.parse::<i32>() {
        Ok(n) if n >= 0 => Ok((n as u32).min(cap)),
        Ok(_) => Err(match negative {
            Negative::Range(name) => invalid_argument(
                format!("Argument {name} must be an integer between 0 and 2147483647"),
                name,
                v,
            ),
            Negative::VersionsMaxKeys => {
                invalid_argument("max-keys cannot be negative", "maxKeys", v)
            }
        }),
        Err(_) => Err(invalid_argument(
            format!("Provided {param} not an integer or within integer range"),
            param,
            v,
        )),
    }
}

/// `max-keys` of ListObjects and ListObjectsV2: 1000 by default and at most.
pub fn max_keys(q: &Query) -> S3Result<usize> {
    limit(q, "max-keys", 1000, 1000, Negative::Range("maxKeys")).map(|n| n as usize)
}

/// The opaque `NextContinuationToken` of a page that ended at `last`.
fn continuation_token(last: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(last)
}

/// Where a `continuation-token` resumes: after the key or common prefix it was issued for.
fn continuation_start(token: &str) -> S3Result<String> {
    base64::engine::general_purpose::STANDARD
        .decode(token)
        .ok()
        .filter(|_| !token.is_empty())
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| S3Error::InvalidContinuationToken(token.to_string()))
}

/// `encoding-type`: only `url` exists.
pub fn encoding_type(q: &Query) -> S3Result<Option<&'static str>> {
    match q.get("encoding-type") {
        None => Ok(None),
        Some("url") => Ok(Some("url")),
        Some(other) => Err(invalid_argument(
            "Invalid Encoding Method specified in Request",
            "encoding-type",
            other,
        )),
    }
}

/// A key or prefix as `encoding-type=url` shows it.
pub fn url_encode(s: &str) -> String {
    utf8_percent_encode(s, URL_SAFE).to_string()
}

/// `ChecksumAlgorithm` and `ChecksumType` of a listed object that has a checksum.
pub fn checksum_elements(x: &mut XmlWriter, obj: &Object) {
    if let Some((a, _, kind)) = crate::checksum::stored(&obj.headers) {
        x.elem("ChecksumAlgorithm", a.name())
            .elem("ChecksumType", kind);
    }
}

pub fn list(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    q: &Query,
    h: &http::HeaderMap,
    v2: bool,
) -> S3Result<Response> {
    let b = s3.bucket(bucket)?;
    let restore_status = super::restore::status_requested(h);
    let prefix = q.get("prefix").unwrap_or("");
    let delimiter = q.get("delimiter").unwrap_or("");
    let extra = [
        ("s3:prefix", prefix.to_string()),
        ("s3:delimiter", delimiter.to_string()),
        (
            "s3:max-keys",
            q.get("max-keys").unwrap_or("1000").to_string(),
        ),
    ];
    let action = "s3:ListBucket";
    s3.require(ctx, &b, action, &arn(bucket, None), &extra, Some(action))?;
    let encoding = encoding_type(q)?;
    let enc = |s: &str| match encoding {
        Some(_) => url_encode(s),
        None => s.to_string(),
    };
    let max = max_keys(q)?;
    let token = q.get("continuation-token");
    // A continuation token wins over `start-after` (which S3 then does not echo).
    let start_after = q.get("start-after").filter(|_| token.is_none());
    let after = if v2 {
        match token {
            Some(t) => continuation_start(t)?,
            None => start_after.unwrap_or("").to_string(),
        }
    } else {
        q.get("marker").unwrap_or("").to_string()
    };
    let p = page(s3, bucket, prefix, delimiter, &after, max)?;
    let owners = super::acl::Owners::new(s3, &b);
    let fetch_owner = !v2 || q.get("fetch-owner") == Some("true");

    let mut x = XmlWriter::new();
    x.open_ns("ListBucketResult", XMLNS)
        .elem("Name", bucket)
        .elem("Prefix", &enc(prefix));
    if v2 {
        if let Some(t) = token {
            x.elem("ContinuationToken", t);
        }
        if let Some(s) = start_after {
            x.elem("StartAfter", &enc(s));
        }
        x.elem(
            "KeyCount",
            &(p.contents.len() + p.prefixes.len()).to_string(),
        );
    } else {
        x.elem("Marker", &enc(q.get("marker").unwrap_or("")));
        if p.truncated
            && !delimiter.is_empty()
            && let Some(last) = &p.last
        {
            x.elem("NextMarker", &enc(last));
        }
    }
    x.elem("MaxKeys", &max.to_string());
    if !delimiter.is_empty() {
        x.elem("Delimiter", &enc(delimiter));
    }
    if let Some(e) = encoding {
        x.elem("EncodingType", e);
    }
    x.elem("IsTruncated", if p.truncated { "true" } else { "false" });
    if v2
        && p.truncated
        && let Some(last) = &p.last
    {
        x.elem("NextContinuationToken", &continuation_token(last));
    }
    for (key, obj) in &p.contents {
        x.open("Contents")
            .elem("Key", &enc(key))
            .elem("LastModified", &iso8601(obj.last_modified))
            .elem("ETag", &format!("\"{}\"", obj.etag));
        checksum_elements(&mut x, obj);
        x.elem("Size", &obj.size.to_string());
        if fetch_owner {
            x.open("Owner")
                .elem("ID", &owners.of_object(key, obj))
                .close();
        }
        x.elem("StorageClass", crate::storage_class::of(&obj.headers));
        if restore_status {
            super::restore::status_element(&mut x, &obj.headers);
        }
        x.close();
    }
    for cp in &p.prefixes {
        x.open("CommonPrefixes").elem("Prefix", &enc(cp)).close();
    }
    Ok(xml_response(x.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err_of(r: S3Result<u32>) -> Result<u32, (String, String, String)> {
        r.map_err(|e| match e {
            S3Error::InvalidArgument {
                message,
                name,
                value,
            } => (message, name, value),
            other => panic!("{other:?}"),
        })
    }

    #[test]
    fn limits() {
        let not_int = |v: &str| {
            Err((
                "Provided max-keys not an integer or within integer range".to_string(),
                "max-keys".to_string(),
                v.to_string(),
            ))
        };
        let negative = |v: &str| {
            Err((
                "Argument maxKeys must be an integer between 0 and 2147483647".to_string(),
                "maxKeys".to_string(),
                v.to_string(),
            ))
        };
        let cases = [
            (None, Ok(1000)),
            (Some(""), Ok(1000)),
            (Some("0"), Ok(0)),
            (Some("7"), Ok(7)),
            (Some("007"), Ok(7)),
            (Some("-0"), Ok(0)),
            (Some("1000"), Ok(1000)),
            (Some("1001"), Ok(1000)),
            (Some("2147483647"), Ok(1000)),
            (Some("2147483648"), not_int("2147483648")),
            (Some("-1"), negative("-1")),
            (Some("-2147483648"), negative("-2147483648")),
            (Some("-2147483649"), not_int("-2147483649")),
            (Some("abc"), not_int("abc")),
            (Some(" 5"), not_int(" 5")),
            (Some("1.5"), not_int("1.5")),
        ];
        for (value, want) in cases {
            let q = Query(
                value
                    .map(|v| vec![("max-keys".to_string(), v.to_string())])
                    .unwrap_or_default(),
            );
            let got = err_of(limit(
                &q,
                "max-keys",
                1000,
                1000,
                Negative::Range("maxKeys"),
            ));
            assert_eq!(got, want, "{value:?}");
        }
        let q = Query(vec![("max-keys".into(), "-3".into())]);
        assert_eq!(
            err_of(limit(&q, "max-keys", 1000, 1000, Negative::VersionsMaxKeys)),
            Err((
                "max-keys cannot be negative".into(),
                "maxKeys".into(),
                "-3".into()
            ))
        );
    }

    #[test]
    fn continuation_tokens() {
        for last in ["a", "dir/", "é 😀+%"] {
            assert_eq!(
                continuation_start(&continuation_token(last))
                    .ok()
                    .as_deref(),
                Some(last)
            );
        }
        for bad in ["", "!!!", "_-_-"] {
            assert!(matches!(
                continuation_start(bad),
                Err(S3Error::InvalidContinuationToken(t)) if t == bad
            ));
        }
    }
}
