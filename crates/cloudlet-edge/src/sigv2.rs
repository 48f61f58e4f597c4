//! S3's legacy signature (SigV2, "HmacV1"), still used by presigned URLs of older SDKs
//! (`AWSAccessKeyId`, `Expires`, `Signature` in the query) and `Authorization: AWS
//! AKID:signature`: a base64 HMAC-SHA1 over the method, Content-MD5, Content-Type, the date
//! (the `Expires` second for presigned URLs), the `x-amz-*` headers and the resource —
//! `/bucket/key` plus the sub-resources S3 signs. Pure, like [`crate::verify`].

use base64::Engine;
use hmac::{Hmac, Mac};
use http::HeaderMap;

use crate::verify::SigError;

/// Query parameters that are part of the signed resource.
const SIGNED_SUBRESOURCES: &[&str] = &[
    "accelerate",
    "acl",
    "cors",
    "defaultObjectAcl",
    "delete",
    "inventory",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
];

/// What a SigV2 signature claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigV2 {
    pub access_key: String,
    pub signature: String,
    /// Presigned URLs: the second (since the epoch) they expire.
    pub expires: Option<u64>,
}

const QUERY_REQUIRED: &str =
    "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters";

/// The `AKID:signature` after `AWS ` in a SigV2 `Authorization` header, both trimmed and
/// neither empty; `None` when malformed. The one reading of that form, for [`parse`] and
/// for the routing credential ([`crate::sigv4::credential`]).
pub fn split_authorization(rest: &str) -> Option<(&str, &str)> {
    let (key, sig) = rest.split_once(':')?;
    let (key, sig) = (key.trim(), sig.trim());
    (!key.is_empty() && !sig.is_empty() && !sig.contains(':')).then_some((key, sig))
}

/// Reads a SigV2 signature from the `Authorization` header or the query; `None` when the
/// request carries none.
pub fn parse(headers: &HeaderMap, query: &[(String, String)]) -> Option<Result<SigV2, SigError>> {
    if let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
        let rest = auth.strip_prefix("AWS ")?;
        return Some(match split_authorization(rest) {
            Some((key, sig)) => Ok(SigV2 {
                access_key: key.to_string(),
                signature: sig.to_string(),
                expires: None,
            }),
            None => Err(SigError::Argument {
                message: "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
                name: "Authorization",
                value: auth.to_string(),
            }),
        });
    }
    let q = |n: &str| query.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let key = q("AWSAccessKeyId")?;
    let (Some(sig), Some(expires)) = (q("Signature"), q("Expires")) else {
        return Some(Err(SigError::BadQuery(QUERY_REQUIRED.into())));
    };
    let Ok(expires) = expires.parse::<u64>() else {
        return Some(Err(SigError::BadQuery(QUERY_REQUIRED.into())));
    };
    Some(Ok(SigV2 {
        access_key: key.to_string(),
        signature: sig.to_string(),
        expires: Some(expires),
    }))
}

/// Presigned URLs: refuses one past its `Expires`.
pub fn check_time(sig: &SigV2, now: u64) -> Result<(), SigError> {
    match sig.expires {
        Some(at) if now > at => Err(SigError::Expired {
            x_amz_expires: None,
            expires_at: at,
            now,
        }),
        _ => Ok(()),
    }
}

/// Header-signed requests: the `x-amz-date` (or else `Date`) header, an HTTP date, must be
/// within 15 minutes of `now`.
pub fn check_header_date(headers: &HeaderMap, now: u64) -> Result<(), SigError> {
    let sent = headers
        .get("x-amz-date")
        .or_else(|| headers.get("date"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    // The numeric zone of the documentation's examples is GMT too.
    let gmt = match sent.strip_suffix(" +0000") {
        Some(rest) => format!("{rest} GMT"),
        None => sent.to_string(),
    };
    let Some(at) = cloudlet_core::time::parse_http_date(&gmt) else {
        return Err(SigError::InvalidDate {
            request_time: sent.to_string(),
            now,
        });
    };
    if at.abs_diff(now) > crate::verify::MAX_SKEW_SECS {
        return Err(SigError::Skewed {
            request_time: sent.to_string(),
            now,
        });
    }
    Ok(())
}

/// The string SigV2 signs. `resource_path` is `/bucket/key` as sent (path-style) or
/// `/bucket` + the sent path (virtual-hosted style).
pub fn string_to_sign(
    method: &str,
    headers: &HeaderMap,
    query: &[(String, String)],
    resource_path: &str,
    sig: &SigV2,
) -> String {
    let header = |n: &str| {
        headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .trim()
            .to_string()
    };
    let date = match sig.expires {
        Some(e) => e.to_string(),
        None if headers.contains_key("x-amz-date") => String::new(),
        None => header("date"),
    };
    let mut amz: Vec<(String, String)> = Vec::new();
    let mut add = |name: &str, value: &str| {
        let value = value.trim();
        match amz.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => {
                v.push(',');
                v.push_str(value);
            }
            None => amz.push((name.to_string(), value.to_string())),
        }
    };
    for (k, v) in headers {
        if k.as_str().starts_with("x-amz-") {
            add(k.as_str(), &String::from_utf8_lossy(v.as_bytes()));
        }
    }
    if sig.expires.is_some() {
        // A presigned URL carries the signed x-amz-* headers in its query.
        for (k, v) in query {
            let k = k.to_ascii_lowercase();
            if k.starts_with("x-amz-") {
                add(&k, v);
            }
        }
    }
    amz.sort();
    let mut s = format!(
        "{method}\n{}\n{}\n{date}\n",
        header("content-md5"),
        header("content-type")
    );
    for (k, v) in &amz {
        s.push_str(&format!("{k}:{v}\n"));
    }
    s.push_str(resource_path);
    let mut sub: Vec<(&str, &str)> = query
        .iter()
        .filter(|(k, _)| SIGNED_SUBRESOURCES.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    sub.sort_by_key(|(k, _)| *k);
    for (i, (k, v)) in sub.iter().enumerate() {
        s.push(if i == 0 { '?' } else { '&' });
        s.push_str(k);
        if !v.is_empty() {
            s.push('=');
            s.push_str(v);
        }
    }
    s
}

/// The base64 HMAC-SHA1 of `string_to_sign` with `secret`.
pub fn sign(secret: &str, string_to_sign: &str) -> String {
    #[allow(clippy::expect_used)]
    let mut m = Hmac::<sha1::Sha1>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    m.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(m.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_header_form() {
        let cases = [
            ("test:c2ln", Some(("test", "c2ln"))),
            (" test : c2ln ", Some(("test", "c2ln"))),
            ("  :c2ln", None),
            ("test:", None),
            ("test: ", None),
            ("test:a:b", None),
            ("test", None),
        ];
        for (rest, want) in cases {
            assert_eq!(split_authorization(rest), want, "{rest:?}");
        }
    }

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    /// The examples of S3's "Signing and authenticating REST requests" (SigV2) page.
    #[test]
    fn aws_documented_examples() {
        type Case<'a> = (
            &'a str,
            &'a [(&'a str, &'a str)],
            &'a str,
            &'a str,
            &'a str,
            &'a str,
        );
        let cases: &[Case] = &[
            (
                "GET",
                &[("date", "Tue, 27 Mar 2007 19:36:42 +0000")],
                "",
                "/johnsmith/photos/puppy.jpg",
                "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg",
                "bWq2s1WEIj+Ydj0vQ697zp+IXMU=",
            ),
            (
                "PUT",
                &[
                    ("content-type", "image/jpeg"),
                    ("content-length", "94328"),
                    ("date", "Tue, 27 Mar 2007 21:15:45 +0000"),
                ],
                "",
                "/johnsmith/photos/puppy.jpg",
                "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg",
                "MyyxeRY7whkBe+bq8fHCL/2kKUg=",
            ),
            (
                "GET",
                &[("date", "Tue, 27 Mar 2007 19:42:41 +0000")],
                "prefix=photos&max-keys=50&marker=puppy",
                "/johnsmith/",
                "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/",
                "htDYFYduRNen8P9ZfE/s9SuKy0U=",
            ),
            (
                "GET",
                &[("date", "Tue, 27 Mar 2007 19:44:46 +0000")],
                "acl",
                "/johnsmith/",
                "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/johnsmith/?acl",
                "c2WLPFtWHVgbEmeEG93a4cG37dM=",
            ),
        ];
        for (method, hs, q, resource, want_sts, want_sig) in cases {
            let h = headers(hs);
            let query = crate::verify::query_pairs(q);
            let sig = SigV2 {
                access_key: "AKIAIOSFODNN7EXAMPLE".into(),
                signature: String::new(),
                expires: None,
            };
            let sts = string_to_sign(method, &h, &query, resource, &sig);
            assert_eq!(sts, *want_sts);
            assert_eq!(sign(SECRET, &sts), *want_sig, "{want_sts}");
        }
    }

    /// The query-string example of the same page.
    #[test]
    fn aws_documented_presigned_example() {
        let query = crate::verify::query_pairs(
            "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D",
        );
        let sig = parse(&HeaderMap::new(), &query).unwrap().unwrap();
        assert_eq!(sig.expires, Some(1_175_139_620));
        let sts = string_to_sign(
            "GET",
            &HeaderMap::new(),
            &query,
            "/johnsmith/photos/puppy.jpg",
            &sig,
        );
        assert_eq!(sts, "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg");
        assert_eq!(sign(SECRET, &sts), sig.signature);
        assert_eq!(check_time(&sig, 1_175_139_620), Ok(()));
        assert!(matches!(
            check_time(&sig, 1_175_139_621),
            Err(SigError::Expired {
                x_amz_expires: None,
                ..
            })
        ));
        let now = 1_175_000_000; // Tue, 27 Mar 2007 12:53:20 GMT
        for (date, amz, ok) in [
            ("Tue, 27 Mar 2007 12:53:20 GMT", None, Some(true)),
            ("Tue, 27 Mar 2007 12:53:20 +0000", None, Some(true)),
            ("Tue, 27 Mar 2007 13:08:21 GMT", None, Some(false)),
            (
                "Tue, 27 Mar 2007 13:08:21 GMT",
                Some("Tue, 27 Mar 2007 12:53:20 GMT"),
                Some(true),
            ),
            ("yesterday", None, None),
            ("", None, None),
        ] {
            let mut h = vec![("date", date)];
            h.extend(amz.map(|a| ("x-amz-date", a)));
            let got = check_header_date(&headers(&h), now);
            let want = match ok {
                Some(true) => Ok(()),
                Some(false) => Err(SigError::Skewed {
                    request_time: date.into(),
                    now,
                }),
                None => Err(SigError::InvalidDate {
                    request_time: date.into(),
                    now,
                }),
            };
            assert_eq!(got, want, "{date} {amz:?}");
        }
        let partial = crate::verify::query_pairs("AWSAccessKeyId=AK&Signature=x");
        assert_eq!(
            parse(&HeaderMap::new(), &partial),
            Some(Err(SigError::BadQuery(QUERY_REQUIRED.into())))
        );
    }
}
