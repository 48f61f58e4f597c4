//! SigV4 signature verification for strict mode (`--strict-auth`): rebuilds the canonical
//! request exactly as the AWS SDKs do (S3 signs the path as sent; every other service signs
//! it URI-encoded once more), derives the signing key from the caller's secret and compares
//! signatures. Pure: the caller supplies the secret, the payload hash and the clock.
//!
//! For `aws-chunked` uploads only the seed signature (over the headers) is checked.

use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Why a signature was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigError {
    /// The `Authorization` header or presigned query is not a well-formed SigV4 signature.
    Malformed(String),
    /// A presigned URL past its `X-Amz-Expires`.
    Expired,
    /// The signature does not match (wrong secret, altered request).
    Mismatch,
    /// Temporary credentials used without (or with another) session token.
    BadToken,
}

/// What a request's signature claims.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub access_key: String,
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
    /// `X-Amz-Date` (`20260101T000000Z`).
    pub amz_date: String,
    /// Presigned URLs: seconds of validity.
    pub expires: Option<u64>,
    pub presigned: bool,
}

fn parse_scope(scope: &str) -> Result<(String, String, String, String), SigError> {
    let parts: Vec<&str> = scope.split('/').collect();
    match parts.as_slice() {
        [key, date, region, service, "aws4_request"] => Ok((
            key.to_string(),
            date.to_string(),
            region.to_string(),
            service.to_string(),
        )),
        _ => Err(SigError::Malformed(format!(
            "invalid credential scope {scope}"
        ))),
    }
}

/// Reads the signature from the `Authorization` header or the presigned query.
pub fn parse(headers: &HeaderMap, query: &[(String, String)]) -> Result<Signature, SigError> {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    if let Some(auth) = header("authorization") {
        let rest = auth
            .strip_prefix("AWS4-HMAC-SHA256")
            .ok_or_else(|| SigError::Malformed("unsupported authorization type".into()))?;
        let (mut cred, mut signed, mut sig) = (None, None, None);
        for part in rest.split(',') {
            let part = part.trim();
            if let Some(v) = part.strip_prefix("Credential=") {
                cred = Some(v);
            } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
                signed = Some(v);
            } else if let Some(v) = part.strip_prefix("Signature=") {
                sig = Some(v);
            }
        }
        let (cred, signed, sig) = match (cred, signed, sig) {
            (Some(c), Some(h), Some(s)) => (c, h, s),
            _ => {
                return Err(SigError::Malformed(
                    "incomplete Authorization header".into(),
                ));
            }
        };
        let (access_key, date, region, service) = parse_scope(cred)?;
        let amz_date = header("x-amz-date")
            .ok_or_else(|| SigError::Malformed("missing X-Amz-Date".into()))?
            .to_string();
        return Ok(Signature {
            access_key,
            date,
            region,
            service,
            signed_headers: signed.split(';').map(str::to_string).collect(),
            signature: sig.to_string(),
            amz_date,
            expires: None,
            presigned: false,
        });
    }
    let q = |n: &str| query.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let cred = q("X-Amz-Credential").ok_or_else(|| SigError::Malformed("not signed".into()))?;
    if q("X-Amz-Algorithm") != Some("AWS4-HMAC-SHA256") {
        return Err(SigError::Malformed("unsupported X-Amz-Algorithm".into()));
    }
    let (access_key, date, region, service) = parse_scope(cred)?;
    let field = |n: &str| {
        q(n).map(str::to_string)
            .ok_or_else(|| SigError::Malformed(format!("missing {n}")))
    };
    let expires = field("X-Amz-Expires")?
        .parse::<u64>()
        .map_err(|_| SigError::Malformed("X-Amz-Expires is not a number".into()))?;
    Ok(Signature {
        access_key,
        date,
        region,
        service,
        signed_headers: field("X-Amz-SignedHeaders")?
            .split(';')
            .map(str::to_string)
            .collect(),
        signature: field("X-Amz-Signature")?,
        amz_date: field("X-Amz-Date")?,
        expires: Some(expires),
        presigned: true,
    })
}

/// AWS's UriEncode: unreserved characters stay, everything else is `%XX`; `/` is kept when
/// `keep_slash`.
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b'/' if keep_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Splits a raw query string into decoded pairs.
pub fn query_pairs(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (dec(k), dec(v))
        })
        .collect()
}

/// The canonical request of SigV4.
pub fn canonical_request(
    method: &str,
    raw_path: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
    sig: &Signature,
    payload_hash: &str,
) -> String {
    let path = if raw_path.is_empty() { "/" } else { raw_path };
    let canonical_uri = if sig.service == "s3" {
        path.to_string()
    } else {
        uri_encode(path, true)
    };
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| !(sig.presigned && k == "X-Amz-Signature"))
        .map(|(k, v)| (uri_encode(k, false), uri_encode(v, false)))
        .collect();
    pairs.sort();
    let canonical_query: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut canonical_headers = String::new();
    for name in &sig.signed_headers {
        let values: Vec<String> = headers
            .get_all(name.as_str())
            .iter()
            .map(|v| {
                String::from_utf8_lossy(v.as_bytes())
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        canonical_headers.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    format!(
        "{method}\n{canonical_uri}\n{}\n{canonical_headers}\n{}\n{payload_hash}",
        canonical_query.join("&"),
        sig.signed_headers.join(";")
    )
}

fn hmac(key: &[u8], data: &str) -> Vec<u8> {
    #[allow(clippy::expect_used)]
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    m.update(data.as_bytes());
    m.finalize().into_bytes().to_vec()
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    cloudlet_core::ids::hex(&Sha256::digest(bytes))
}

/// The signature SigV4 computes for a canonical request.
pub fn compute(secret: &str, sig: &Signature, canonical: &str) -> String {
    let scope = format!("{}/{}/{}/aws4_request", sig.date, sig.region, sig.service);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
        sig.amz_date,
        sha256_hex(canonical.as_bytes())
    );
    let k = hmac(format!("AWS4{secret}").as_bytes(), &sig.date);
    let k = hmac(&k, &sig.region);
    let k = hmac(&k, &sig.service);
    let k = hmac(&k, "aws4_request");
    cloudlet_core::ids::hex(&hmac(&k, &string_to_sign))
}

/// Seconds since the epoch of an `X-Amz-Date`.
pub fn amz_date_seconds(d: &str) -> Option<u64> {
    if d.len() != 16 || &d[8..9] != "T" || !d.ends_with('Z') {
        return None;
    }
    let n = |r: std::ops::Range<usize>| d.get(r)?.parse::<u64>().ok();
    let (y, mo, da, h, mi, s) = (
        n(0..4)?,
        n(4..6)?,
        n(6..8)?,
        n(9..11)?,
        n(11..13)?,
        n(13..15)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let (y, mo) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * mo + 2) / 5 + da - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + s)
}

/// Checks a request's signature against `secret` (and its session token, if any).
pub fn check(
    sig: &Signature,
    canonical: &str,
    secret: &str,
    session_token: Option<&str>,
    presented_token: Option<&str>,
    now: u64,
) -> Result<(), SigError> {
    if let Some(expected) = session_token
        && presented_token != Some(expected)
    {
        return Err(SigError::BadToken);
    }
    let want = compute(secret, sig, canonical);
    // Constant-time comparison.
    let same = want.len() == sig.signature.len()
        && want
            .bytes()
            .zip(sig.signature.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return Err(SigError::Mismatch);
    }
    if let Some(expires) = sig.expires {
        let start = amz_date_seconds(&sig.amz_date)
            .ok_or_else(|| SigError::Malformed("invalid X-Amz-Date".into()))?;
        if now > start + expires {
            return Err(SigError::Expired);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the AWS SigV4 documentation ("GET object" of the S3 SigV4 examples).
    #[test]
    fn aws_documented_s3_example() {
        let mut headers = HeaderMap::new();
        headers.insert("host", "examplebucket.s3.amazonaws.com".parse().unwrap());
        headers.insert("range", "bytes=0-9".parse().unwrap());
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        headers.insert("x-amz-content-sha256", empty.parse().unwrap());
        headers.insert("x-amz-date", "20130524T000000Z".parse().unwrap());
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
                .parse()
                .unwrap(),
        );
        let sig = parse(&headers, &[]).unwrap();
        let canonical = canonical_request("GET", "/test.txt", &[], &headers, &sig, empty);
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        assert_eq!(check(&sig, &canonical, secret, None, None, 0), Ok(()));
        assert_eq!(
            check(&sig, &canonical, "wrong", None, None, 0),
            Err(SigError::Mismatch)
        );
        let tampered = canonical_request("GET", "/other.txt", &[], &headers, &sig, empty);
        assert_eq!(
            check(&sig, &tampered, secret, None, None, 0),
            Err(SigError::Mismatch)
        );
    }

    /// The presigned-URL example of the same documentation.
    #[test]
    fn aws_documented_presigned_example() {
        let mut headers = HeaderMap::new();
        headers.insert("host", "examplebucket.s3.amazonaws.com".parse().unwrap());
        let query = query_pairs(
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
        );
        let sig = parse(&headers, &query).unwrap();
        let canonical = canonical_request(
            "GET",
            "/test.txt",
            &query,
            &headers,
            &sig,
            "UNSIGNED-PAYLOAD",
        );
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let issued = amz_date_seconds("20130524T000000Z").unwrap();
        assert_eq!(
            check(&sig, &canonical, secret, None, None, issued + 10),
            Ok(())
        );
        assert_eq!(
            check(&sig, &canonical, secret, None, None, issued + 86_401),
            Err(SigError::Expired)
        );
    }

    #[test]
    fn session_tokens_must_match() {
        let sig = Signature {
            access_key: "ASIA".into(),
            date: "20260101".into(),
            region: "us-east-1".into(),
            service: "sts".into(),
            signed_headers: vec!["host".into()],
            signature: String::new(),
            amz_date: "20260101T000000Z".into(),
            expires: None,
            presigned: false,
        };
        let cases = [
            (None, Err(SigError::BadToken)),
            (Some("other"), Err(SigError::BadToken)),
        ];
        for (presented, want) in cases {
            assert_eq!(check(&sig, "", "s", Some("tok"), presented, 0), want);
        }
    }

    #[test]
    fn uri_encoding_and_dates() {
        let cases = [
            ("a b/c~d", true, "a%20b/c~d"),
            ("a/b", false, "a%2Fb"),
            ("%2F", true, "%252F"),
            ("ü", true, "%C3%BC"),
        ];
        for (input, keep, want) in cases {
            assert_eq!(uri_encode(input, keep), want, "{input}");
        }
        assert_eq!(amz_date_seconds("19700101T000000Z"), Some(0));
        assert_eq!(amz_date_seconds("20130524T000000Z"), Some(1_369_353_600));
        assert_eq!(amz_date_seconds("2013-05-24"), None);
    }
}
