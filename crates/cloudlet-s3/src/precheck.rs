//! The checks S3 makes of a request before its body is read or stored: a declared length
//! (at most 5 GiB for PutObject), the key's 1024 bytes, user metadata within 2 KB, the
//! website redirect location, and the integrity headers ([`Integrity`]: `Content-MD5` and a
//! declared checksum) that small request documents are checked against whole.

use base64::Engine;
use bytes::Bytes;
use http::HeaderMap;
use md5::{Digest, Md5};

use crate::checksum::{self, Declared, Hasher};
use crate::chunked::Dechunker;
use crate::error::{Digested, S3Error, S3Result};
use crate::lock::VersionLock;
use crate::upload::{encodings, hv};
use crate::versions::ObjectLock;

/// S3's limit on an object's user-defined metadata, in bytes.
pub const MAX_METADATA: usize = 2048;

/// S3's limit on an object key: 1024 bytes of UTF-8.
pub const MAX_KEY: usize = 1024;

/// Refuses a key longer than [`MAX_KEY`] bytes (`KeyTooLongError`, with its size).
pub fn check_key_length(key: &str) -> S3Result<()> {
    match key.len() {
        size if size > MAX_KEY => Err(S3Error::KeyTooLong { size }),
        _ => Ok(()),
    }
}

/// The size S3 counts for user-defined metadata, `(name, value)` pairs with the
/// `x-amz-meta-` prefix removed: the UTF-8 bytes of each name and value, a name sent more
/// than once counted once and its values joined with commas.
pub fn metadata_size<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> usize {
    let mut seen = std::collections::HashSet::new();
    pairs
        .into_iter()
        .map(|(name, value)| {
            value.len()
                + if seen.insert(name) {
                    name.len()
                } else {
                    1 // the comma
                }
        })
        .sum()
}

/// Refuses user-defined metadata over [`MAX_METADATA`] (`x-amz-meta-*` headers, or the
/// form fields standing for them).
pub fn check_metadata_size<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> S3Result<()> {
    match metadata_size(pairs) {
        size if size > MAX_METADATA => Err(S3Error::MetadataTooLarge { size }),
        _ => Ok(()),
    }
}

/// The `x-amz-meta-*` headers of `h` as [`metadata_size`] counts them.
pub fn metadata_headers(h: &HeaderMap) -> impl Iterator<Item = (&str, &[u8])> {
    h.iter().filter_map(|(k, v)| {
        let name = k.as_str().strip_prefix("x-amz-meta-")?;
        Some((name, v.as_bytes()))
    })
}

/// Longest `x-amz-website-redirect-location` S3 stores.
const MAX_REDIRECT: usize = 2048;

/// `x-amz-website-redirect-location`, if given, is a path (`/…`) or an `http://` or
/// `https://` URL of at most 2 KB.
pub fn check_redirect_location(h: &HeaderMap) -> S3Result<()> {
    let Some(v) = h.get("x-amz-website-redirect-location") else {
        return Ok(());
    };
    let v = String::from_utf8_lossy(v.as_bytes());
    if !["/", "http://", "https://"]
        .iter()
        .any(|p| v.starts_with(p))
    {
        return Err(S3Error::InvalidRedirectLocation);
    }
    if v.chars().count() > MAX_REDIRECT {
        return Err(S3Error::RedirectLocationTooLong);
    }
    Ok(())
}

/// Whether the body is `aws-chunked` (by its encoding or its `x-amz-content-sha256`).
pub fn is_aws_chunked(h: &HeaderMap) -> bool {
    encodings(h)
        .iter()
        .any(|e| e.eq_ignore_ascii_case("aws-chunked"))
        || hv(h, "x-amz-content-sha256").is_some_and(|v| v.starts_with("STREAMING-"))
}

/// The length a body declares: `x-amz-decoded-content-length` for an `aws-chunked` body,
/// `Content-Length` for any other.
pub fn declared_length(h: &HeaderMap) -> Option<u64> {
    let v = match is_aws_chunked(h) {
        true => hv(h, "x-amz-decoded-content-length"),
        false => hv(h, "content-length"),
    };
    v.and_then(|v| v.trim().parse::<u64>().ok())
}

/// The largest object a single PutObject may store: 5 GiB.
pub const MAX_PUT: u64 = 5 << 30;

/// The declared length ([`declared_length`]) of a PutObject or UploadPart: S3 refuses a body
/// of unknown length (HTTP chunked transfer coding) with `MissingContentLength`, and one over
/// [`MAX_PUT`] with `EntityTooLarge`, before reading a byte.
pub fn require_put_length(h: &HeaderMap) -> S3Result<()> {
    match declared_length(h) {
        None => Err(S3Error::MissingContentLength),
        Some(size) if size > MAX_PUT => Err(S3Error::EntityTooLarge { size, max: MAX_PUT }),
        Some(_) => Ok(()),
    }
}

/// The `Content-MD5` header: base64 of 16 bytes, or `InvalidDigest`.
pub fn content_md5(h: &HeaderMap) -> S3Result<Option<[u8; 16]>> {
    match h.get("content-md5") {
        Some(v) => std::str::from_utf8(v.as_bytes())
            .ok()
            .and_then(|v| {
                base64::engine::general_purpose::STANDARD
                    .decode(v.trim())
                    .ok()
            })
            .and_then(|d| <[u8; 16]>::try_from(d).ok())
            .map(Some)
            .ok_or_else(|| S3Error::InvalidDigest(String::from_utf8_lossy(v.as_bytes()).into())),
        None => Ok(None),
    }
}

/// What a request's headers promise about its body, read before the body: the
/// `Content-MD5` and the declared checksum (a header, or an `aws-chunked` trailer).
pub struct Integrity {
    pub md5: Option<[u8; 16]>,
    pub declared: Option<Declared>,
}

impl Integrity {
    /// Parses the headers, refusing a `Content-MD5` that is not base64 of 16 bytes and the
    /// checksum headers S3 refuses.
    pub fn of(h: &HeaderMap) -> S3Result<Integrity> {
        Ok(Integrity {
            md5: content_md5(h)?,
            declared: checksum::declared(h)?,
        })
    }

    /// Whether the request carries any integrity header at all.
    pub fn is_given(&self) -> bool {
        self.md5.is_some() || self.declared.is_some()
    }

    /// Like [`Integrity::of`], but a request without any integrity header is refused, as S3
    /// refuses DeleteObjects and a few bucket configurations.
    pub fn required(h: &HeaderMap) -> S3Result<Integrity> {
        let integrity = Integrity::of(h)?;
        match integrity.is_given() {
            true => Ok(integrity),
            false => Err(S3Error::ChecksumHeaderRequired),
        }
    }

    /// Checks the digests of a whole request document held in memory (with the trailers of
    /// its `aws-chunked` encoding), as [`receive`] checks a streamed body; [`check_body_end`]
    /// comes first.
    fn check(&self, bytes: &[u8], trailers: &[(String, String)]) -> S3Result<()> {
        if let Some(sent) = self.md5 {
            let computed = <[u8; 16]>::from(Md5::digest(bytes));
            if sent != computed {
                return Err(S3Error::BadDigest {
                    sent,
                    computed,
                    of: Digested::Document,
                });
            }
        }
        if let Some(d) = &self.declared {
            let mut hasher = Hasher::new(d.algorithm);
            hasher.update(bytes);
            check_declared(d, trailers, &checksum::b64(&hasher.finish()))?;
        }
        Ok(())
    }
}

/// The object writes S3 refuses without an integrity header under Object Lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockedWrite {
    /// PutObject.
    Object,
    /// UploadPart.
    Part,
}

/// S3 requires `Content-MD5` or a checksum (header or trailer) of an object write with
/// Object Lock parameters, on a bucket with Object Lock: a write asking for a retention or
/// a legal hold (for a part: its upload asked at creation), or any write when the bucket
/// has a default retention. `bucket` is the bucket's Object Lock, `lock` what the write
/// asks for.
pub fn require_for_lock(
    h: &HeaderMap,
    write: LockedWrite,
    bucket: Option<&ObjectLock>,
    lock: &VersionLock,
) -> S3Result<()> {
    crate::lock::require_configured(bucket, lock)?;
    let Some(bucket) = bucket else {
        return Ok(());
    };
    let sets_lock =
        lock.retention.is_some() || lock.legal_hold == Some(true) || bucket.rule.is_some();
    if sets_lock && !Integrity::of(h)?.is_given() {
        return Err(S3Error::LockChecksumRequired(write));
    }
    Ok(())
}

/// Checks the value a request declared for its checksum (header or trailer) against the
/// one computed over its body.
pub(crate) fn check_declared(
    d: &Declared,
    trailers: &[(String, String)],
    computed: &str,
) -> S3Result<()> {
    if checksum::trailer_value(d, trailers)? != computed {
        return Err(S3Error::ChecksumMismatch(d.algorithm.name()));
    }
    Ok(())
}

/// A `STREAMING-…-PAYLOAD-TRAILER` body (signed chunks and signed trailers) must end with a
/// checksum trailer: S3 finds one without it cut short (`IncompleteBody`). An unsigned one
/// may come without (and gets the default checksum).
pub fn check_signed_trailer(h: &HeaderMap, trailers: &[(String, String)]) -> S3Result<()> {
    let signed_trailer = hv(h, "x-amz-content-sha256")
        .is_some_and(|v| v.starts_with("STREAMING-AWS4-") && v.ends_with("-PAYLOAD-TRAILER"));
    match signed_trailer
        && !trailers
            .iter()
            .any(|(k, _)| k.starts_with("x-amz-checksum-"))
    {
        true => Err(S3Error::ChunkedBodyMalformed),
        false => Ok(()),
    }
}

/// A body of `provided` bytes so far, refused once it is longer than its headers declare
/// (`IncompleteBody`, with both counts): checked as it streams, so that no more is stored.
pub fn check_not_longer(declared: Option<u64>, provided: u64) -> S3Result<()> {
    match declared {
        Some(expected) if provided > expected => {
            Err(S3Error::LengthMismatch { expected, provided })
        }
        _ => Ok(()),
    }
}

/// The checks of a body that has arrived whole, of `size` bytes (decoded) and with its
/// `aws-chunked` trailers, made before its digests: its declared length
/// ([`declared_length`]), the checksum trailer a signed-trailer body must end with
/// ([`check_signed_trailer`]), and no checksum trailer but the declared one.
pub fn check_body_end(
    h: &HeaderMap,
    declared: Option<&Declared>,
    size: u64,
    trailers: &[(String, String)],
) -> S3Result<()> {
    if let Some(expected) = declared_length(h).filter(|n| *n != size) {
        return Err(S3Error::LengthMismatch {
            expected,
            provided: size,
        });
    }
    check_signed_trailer(h, trailers)?;
    checksum::check_trailer_names(declared, trailers)
}

/// A small body read whole (a configuration document): decoded if `aws-chunked`, then
/// checked as a streamed one is ([`check_body_end`], then [`Integrity`]).
pub fn checked_small_body(h: &HeaderMap, integrity: &Integrity, raw: Bytes) -> S3Result<Bytes> {
    let (bytes, trailers) = if is_aws_chunked(h) {
        let mut d = Dechunker::new();
        let mut decoded = Vec::new();
        d.feed(&raw, &mut decoded).and_then(|()| d.finish())?;
        (Bytes::from(decoded), d.trailers)
    } else {
        (raw, Vec::new())
    };
    check_body_end(
        h,
        integrity.declared.as_ref(),
        bytes.len() as u64,
        &trailers,
    )?;
    integrity.check(&bytes, &trailers)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checksum::Algorithm;

    use crate::test_headers as headers;

    fn code(r: S3Result<()>) -> Result<(), String> {
        r.map_err(|e| cloudlet_core::AwsError::from(e).code.to_string())
    }

    #[test]
    fn metadata_sizes() {
        let cases: &[(&[(&str, &str)], usize)] = &[
            (&[], 0),
            (&[("content-type", "text/plain")], 0),
            (&[("x-amz-meta-a", "1")], 2),
            (&[("x-amz-meta-ab", "xyz"), ("x-amz-meta-c", "")], 6),
            // A repeated name counts once; its values are joined with commas.
            (&[("x-amz-meta-a", "1"), ("x-amz-meta-a", "22")], 5),
        ];
        for (pairs, want) in cases {
            assert_eq!(
                metadata_size(metadata_headers(&headers(pairs))),
                *want,
                "{pairs:?}"
            );
        }
        // UTF-8 bytes, not characters.
        assert_eq!(metadata_size([("é", "ü".as_bytes())]), 4);
        let at = |n: usize| vec![("a", vec![b'v'; n])];
        let size = |p: &Vec<(&'static str, Vec<u8>)>| {
            code(check_metadata_size(
                p.iter().map(|(k, v)| (*k, v.as_slice())),
            ))
        };
        assert_eq!(size(&at(2047)), Ok(()));
        assert_eq!(size(&at(2048)), Err("MetadataTooLarge".into()));
    }

    #[test]
    fn joined_metadata() {
        let h = headers(&[
            ("x-amz-meta-a", "1"),
            ("x-amz-meta-b", "2"),
            ("x-amz-meta-a", "3"),
        ]);
        let mut got = crate::upload::user_metadata(&h);
        got.sort();
        assert_eq!(
            got,
            [("a".into(), "1,3".into()), ("b".into(), "2".into())] as [(String, String); 2]
        );
    }

    #[test]
    fn redirect_locations() {
        let long = |prefix: &str, n: usize| format!("{prefix}{}", "a".repeat(n - prefix.len()));
        let cases: Vec<(String, Result<(), &str>)> = vec![
            ("/a.html".into(), Ok(())),
            ("http://example.com".into(), Ok(())),
            ("https://example.com/x".into(), Ok(())),
            (long("/", 2048), Ok(())),
            (long("https://", 2049), Err("InvalidRedirectLocation")),
            ("a.html".into(), Err("InvalidRedirectLocation")),
            ("ftp://example.com".into(), Err("InvalidRedirectLocation")),
            ("".into(), Err("InvalidRedirectLocation")),
        ];
        for (v, want) in cases {
            let h = headers(&[("x-amz-website-redirect-location", &v)]);
            let want = want.map_err(str::to_string);
            assert_eq!(code(check_redirect_location(&h)), want, "{v}");
        }
        assert_eq!(code(check_redirect_location(&HeaderMap::new())), Ok(()));
        let too_long = headers(&[("x-amz-website-redirect-location", &long("/", 2049))]);
        assert!(matches!(
            check_redirect_location(&too_long),
            Err(S3Error::RedirectLocationTooLong)
        ));
    }

    #[test]
    fn put_lengths() {
        let max = MAX_PUT.to_string();
        let over = (MAX_PUT + 1).to_string();
        type Case<'a> = (&'a [(&'a str, &'a str)], Result<(), &'a str>);
        let cases: &[Case] = &[
            (&[("content-length", "0")], Ok(())),
            (&[("content-length", &max)], Ok(())),
            (&[("content-length", &over)], Err("EntityTooLarge")),
            (
                &[
                    ("content-encoding", "aws-chunked"),
                    ("x-amz-decoded-content-length", &over),
                ],
                Err("EntityTooLarge"),
            ),
            (&[], Err("MissingContentLength")),
        ];
        for (headers, want) in cases {
            let got = require_put_length(&crate::test_headers(headers))
                .map_err(|e| cloudlet_core::AwsError::from(e).code.to_string());
            assert_eq!(got, want.map_err(str::to_string), "{headers:?}");
        }
    }

    #[test]
    fn declared_lengths() {
        let chunked = [
            ("content-encoding", "aws-chunked"),
            ("content-length", "30"),
        ];
        let cases: &[(&[(&str, &str)], bool)] = &[
            (&[("content-length", "5")], true),
            (&[("content-length", "0")], true),
            (&[], false),
            (&[("transfer-encoding", "chunked")], false),
            (&chunked, false),
            (&[chunked[0], ("x-amz-decoded-content-length", "5")], true),
            (
                &[chunked[0], ("x-amz-decoded-content-length", "five")],
                false,
            ),
            (
                &[
                    ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                    ("content-length", "30"),
                ],
                false,
            ),
        ];
        for (pairs, ok) in cases {
            let want = if *ok {
                Ok(())
            } else {
                Err("MissingContentLength".to_string())
            };
            assert_eq!(code(require_put_length(&headers(pairs))), want, "{pairs:?}");
        }
    }

    #[test]
    fn bodies_longer_than_declared() {
        let cases: &[(Option<u64>, u64, Result<(), &str>)] = &[
            (None, u64::MAX, Ok(())),
            (Some(10), 0, Ok(())),
            (Some(10), 10, Ok(())),
            (Some(10), 11, Err("IncompleteBody")),
            (Some(0), 1, Err("IncompleteBody")),
        ];
        for (declared, provided, want) in cases {
            let want = want.map_err(str::to_string);
            assert_eq!(
                code(check_not_longer(*declared, *provided)),
                want,
                "{declared:?} {provided}"
            );
        }
    }

    #[test]
    fn signed_trailers_need_a_checksum_trailer() {
        let crc = vec![("x-amz-checksum-crc32".to_string(), "DUoRhQ==".to_string())];
        let signature = vec![("x-amz-trailer-signature".to_string(), "00".to_string())];
        type Case<'a> = (&'a str, &'a [(String, String)], Result<(), &'a str>);
        let cases: &[Case] = &[
            ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", &crc, Ok(())),
            (
                "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
                &signature,
                Err("IncompleteBody"),
            ),
            (
                "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
                &[],
                Err("IncompleteBody"),
            ),
            ("STREAMING-UNSIGNED-PAYLOAD-TRAILER", &[], Ok(())),
            ("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", &[], Ok(())),
        ];
        for (sha, trailers, want) in cases {
            let h = headers(&[("x-amz-content-sha256", sha)]);
            let want = want.map_err(str::to_string);
            assert_eq!(code(check_signed_trailer(&h, trailers)), want, "{sha}");
        }
    }

    #[test]
    fn small_body_integrity() {
        let body = b"<Tagging/>";
        let md5 = checksum::b64(&Md5::digest(body));
        let crc = {
            let mut h = Hasher::new(Algorithm::Crc32);
            h.update(body);
            checksum::b64(&h.finish())
        };
        let other_md5 = checksum::b64(&Md5::digest(b"other"));
        type Case<'a> = (Vec<(&'a str, &'a str)>, Result<(), &'a str>);
        let cases: Vec<Case> = vec![
            (vec![], Ok(())),
            (vec![("content-md5", &md5)], Ok(())),
            (vec![("content-md5", &other_md5)], Err("BadDigest")),
            (vec![("content-md5", "AAAA")], Err("InvalidDigest")),
            (vec![("content-md5", "%%%")], Err("InvalidDigest")),
            (vec![("x-amz-checksum-crc32", &crc)], Ok(())),
            (vec![("x-amz-checksum-crc32", "AAAAAA==")], Err("BadDigest")),
            (vec![("x-amz-checksum-crc32", "A")], Err("InvalidRequest")),
            (
                vec![("content-md5", &md5), ("x-amz-checksum-crc32", "AAAAAA==")],
                Err("BadDigest"),
            ),
        ];
        for (pairs, want) in cases {
            let h = headers(&pairs);
            let got = Integrity::of(&h)
                .and_then(|i| checked_small_body(&h, &i, Bytes::from_static(body)).map(|_| ()));
            assert_eq!(code(got), want.map_err(str::to_string), "{pairs:?}");
        }
        // An aws-chunked body is decoded, its trailer checked.
        let framed = |v: &str| {
            Bytes::from(format!(
                "a\r\n<Tagging/>\r\n0\r\nx-amz-checksum-crc32:{v}\r\n\r\n"
            ))
        };
        let h = headers(&[
            ("content-encoding", "aws-chunked"),
            ("x-amz-trailer", "x-amz-checksum-crc32"),
        ]);
        let i = Integrity::of(&h).unwrap();
        assert!(i.is_given());
        assert_eq!(checked_small_body(&h, &i, framed(&crc)).unwrap(), &body[..]);
        assert!(matches!(
            checked_small_body(&h, &i, framed("AAAAAA==")),
            Err(S3Error::ChecksumMismatch("CRC32"))
        ));
        assert!(!Integrity::of(&HeaderMap::new()).unwrap().is_given());
    }

    #[test]
    fn digest_errors_say_what_was_sent_and_received() {
        let extra = |e: S3Error| {
            let e = cloudlet_core::AwsError::from(e);
            let pairs: Vec<(String, String)> = e
                .extra
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect();
            (e.code.to_string(), e.message.clone(), pairs)
        };
        let h = headers(&[("content-md5", "XrY7u+Ae7tCTyyK7j1rNww==")]);
        let i = Integrity::of(&h).unwrap();
        let (code, message, pairs) = extra(i.check(b"", &[]).unwrap_err());
        assert_eq!(code, "BadDigest");
        assert_eq!(
            message,
            "The Content-MD5 you specified did not match what we received."
        );
        // A request document: both digests in base64.
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(
            pairs,
            [
                pair("CalculatedDigest", "1B2M2Y8AsgTpgAmY7PhCfg=="),
                pair("ExpectedDigest", "XrY7u+Ae7tCTyyK7j1rNww=="),
            ]
        );
        // An object's bytes: the expected digest in hex.
        let object = S3Error::BadDigest {
            sent: i.md5.unwrap(),
            computed: Md5::digest(b"").into(),
            of: Digested::Object,
        };
        assert_eq!(
            extra(object).2[1],
            pair("ExpectedDigest", "5eb63bbbe01eeed093cb22bb8f5acdc3")
        );
        let invalid = Integrity::of(&headers(&[("content-md5", "dummy")]))
            .err()
            .unwrap();
        let (code, message, pairs) = extra(invalid);
        assert_eq!(
            (code.as_str(), message.as_str()),
            (
                "InvalidDigest",
                "The Content-MD5 you specified was invalid."
            )
        );
        assert_eq!(pairs, [pair("Content-MD5", "dummy")]);
    }

    #[test]
    fn integrity_required_under_object_lock() {
        let retention = VersionLock {
            retention: Some(crate::lock::Retention {
                mode: crate::lock::Mode::Governance,
                until: u64::MAX,
            }),
            legal_hold: None,
        };
        let held = VersionLock {
            retention: None,
            legal_hold: Some(true),
        };
        let released = VersionLock {
            retention: None,
            legal_hold: Some(false),
        };
        let none = VersionLock::default();
        let enabled = ObjectLock { rule: None };
        let with_rule = ObjectLock {
            rule: Some(crate::lock::DefaultRetention {
                mode: crate::lock::Mode::Compliance,
                days: Some(1),
                years: None,
            }),
        };
        let md5 = checksum::b64(&Md5::digest(b""));
        let bare: &[(&str, &str)] = &[];
        let with_md5: &[(&str, &str)] = &[("content-md5", &md5)];
        let with_crc: &[(&str, &str)] = &[("x-amz-checksum-crc32", "AAAAAA==")];
        let with_trailer: &[(&str, &str)] = &[("x-amz-trailer", "x-amz-checksum-crc32c")];
        let sha256_only: &[(&str, &str)] = &[("x-amz-content-sha256", "UNSIGNED-PAYLOAD")];
        type Case<'a> = (
            &'a [(&'a str, &'a str)],
            Option<&'a ObjectLock>,
            &'a VersionLock,
            bool,
        );
        let cases: Vec<Case> = vec![
            // No Object Lock on the bucket, nothing asked for: nothing required.
            (bare, None, &none, true),
            // Object Lock without a default rule: only writes that ask for a lock.
            (bare, Some(&enabled), &none, true),
            (bare, Some(&enabled), &released, true),
            (bare, Some(&enabled), &retention, false),
            (bare, Some(&enabled), &held, false),
            (sha256_only, Some(&enabled), &retention, false),
            (with_md5, Some(&enabled), &retention, true),
            (with_crc, Some(&enabled), &held, true),
            (with_trailer, Some(&enabled), &retention, true),
            // A default retention: every write.
            (bare, Some(&with_rule), &none, false),
            (with_md5, Some(&with_rule), &none, true),
        ];
        for (i, (pairs, bucket, lock, ok)) in cases.into_iter().enumerate() {
            let h = headers(pairs);
            for write in [LockedWrite::Object, LockedWrite::Part] {
                let got = require_for_lock(&h, write, bucket, lock);
                match (ok, got) {
                    (true, Ok(())) => {}
                    (false, Err(S3Error::LockChecksumRequired(w))) if w == write => {}
                    (_, got) => panic!("case {i} {write:?}: {got:?}"),
                }
            }
        }
        // Lock parameters on a bucket without Object Lock are refused, whatever else is sent.
        for lock in [&retention, &held, &released] {
            for pairs in [bare, with_md5] {
                let got = require_for_lock(&headers(pairs), LockedWrite::Object, None, lock);
                let e = cloudlet_core::AwsError::from(got.expect_err("refused"));
                assert_eq!(
                    (e.code.as_ref(), e.message.as_str()),
                    (
                        "InvalidRequest",
                        "Bucket is missing Object Lock Configuration"
                    )
                );
            }
        }
        let message = |w| cloudlet_core::AwsError::from(S3Error::LockChecksumRequired(w)).message;
        assert_eq!(
            message(LockedWrite::Object),
            "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters"
        );
        assert_eq!(
            message(LockedWrite::Part),
            "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Part requests with Object Lock parameters"
        );
    }
}
