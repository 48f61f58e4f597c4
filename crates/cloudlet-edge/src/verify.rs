//! SigV4 signature verification for strict mode (`--strict-auth`): reads the signature from
//! the `Authorization` header or a presigned query, rebuilds the canonical request exactly
//! as the AWS SDKs do, derives the signing key from the caller's secret and compares.
//! Pure: the caller supplies the secret, the payload hash and the clock.
//!
//! The canonical URI is where services differ: S3 signs the path as sent (the SDKs encode
//! each key byte once), every other service signs the sent path URI-encoded once more.
//! Header-signed requests must be dated within 15 minutes of the server's clock; presigned
//! ones are valid from `X-Amz-Date` for `X-Amz-Expires` seconds (at most a week). For
//! `aws-chunked` uploads this checks the seed signature (over the headers); `chunks` checks
//! the chunks'.

use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::clock;

type HmacSha256 = Hmac<Sha256>;

/// How far a header-signed request's date may be from the server's clock.
pub const MAX_SKEW_SECS: u64 = 15 * 60;
/// The longest validity of a presigned URL (`X-Amz-Expires`): seven days.
pub const MAX_EXPIRES_SECS: u64 = 604_800;

/// The payload hashes S3 accepts besides a hex SHA-256.
pub const PAYLOAD_LITERALS: &[&str] = &[
    "UNSIGNED-PAYLOAD",
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
    "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
];

/// What S3 says when a signature does not match, so a client can compare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub access_key: String,
    pub string_to_sign: String,
    pub canonical_request: String,
    pub provided: String,
}

/// Why a signature was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigError {
    /// The `Authorization` header is not a well-formed signature.
    Malformed(String),
    /// The presigned-URL parameters are missing or invalid.
    BadQuery(String),
    /// A presigned URL past its validity. `x_amz_expires` is SigV4's validity in seconds.
    Expired {
        x_amz_expires: Option<u64>,
        expires_at: u64,
        now: u64,
    },
    /// A presigned URL dated more than 15 minutes ahead of the server's clock.
    NotYetValid {
        start: u64,
        expires_at: u64,
        now: u64,
    },
    /// A header-signed request dated more than 15 minutes from now.
    Skewed { request_time: String, now: u64 },
    /// The signature does not match (wrong secret, altered request).
    Mismatch(Box<Mismatch>),
    /// Temporary credentials without (or with another) session token, or a token sent
    /// with long-term credentials.
    BadToken { presented: bool },
    /// A request S3 refuses as `InvalidArgument` (an unsupported authorization scheme).
    InvalidArgument(String),
    /// `InvalidArgument` naming the argument at fault (`ArgumentName`, `ArgumentValue`):
    /// an unsupported `Authorization` scheme, or two authentication mechanisms at once.
    Argument {
        message: &'static str,
        name: &'static str,
        value: String,
    },
    /// A header-signed request whose `X-Amz-Date` (or `Date`) is not a date.
    InvalidDate { request_time: String, now: u64 },
    /// Temporary credentials whose session has ended; the token as presented.
    ExpiredToken(String),
    /// S3 refuses `x-amz-*` headers the signature does not cover.
    HeadersNotSigned(Vec<String>),
    /// S3 requires `x-amz-content-sha256` on header-signed SigV4 requests.
    MissingContentSha256,
    /// `x-amz-content-sha256` is neither a hex SHA-256 nor one of [`PAYLOAD_LITERALS`].
    InvalidContentSha256,
}

/// What a request's SigV4 signature claims.
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

fn parse_scope(scope: &str, malformed: fn(String) -> SigError) -> Result<[String; 4], SigError> {
    let parts: Vec<&str> = scope.split('/').collect();
    match parts.as_slice() {
        [key, date, _, _, _] if !key.is_empty() && !is_scope_date(date) => Err(malformed(format!(
            "incorrect date format \"{date}\". This date in the credential must be in the format \"yyyyMMdd\"."
        ))),
        [key, _, _, _, terminal] if !key.is_empty() && *terminal != "aws4_request" => Err(malformed(
            format!("incorrect terminal \"{terminal}\". This endpoint uses \"aws4_request\"."),
        )),
        [key, date, region, service, _] if !key.is_empty() => Ok([
            key.to_string(),
            date.to_string(),
            region.to_string(),
            service.to_string(),
        ]),
        _ => Err(malformed("the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".".to_string())),
    }
}

/// A scope's `yyyyMMdd`: eight digits, a month and a day that can be.
fn is_scope_date(d: &str) -> bool {
    let n = |r: std::ops::Range<usize>| d.get(r).and_then(|p| p.parse::<u32>().ok());
    d.len() == 8
        && d.bytes().all(|b| b.is_ascii_digit())
        && n(4..6).is_some_and(|m| (1..=12).contains(&m))
        && n(6..8).is_some_and(|day| (1..=31).contains(&day))
}

const QUERY_REQUIRED: &str = "Query-string authentication version 4 requires the X-Amz-Algorithm, \
     X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires \
     parameters.";

/// Reads the SigV4 signature from the `Authorization` header or the presigned query;
/// `None` when the request carries no SigV4 signature.
pub fn parse(
    headers: &HeaderMap,
    query: &[(String, String)],
) -> Option<Result<Signature, SigError>> {
    let header = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
    if let Some(auth) = header("authorization") {
        let rest = auth.strip_prefix("AWS4-HMAC-SHA256 ")?;
        // Without `X-Amz-Date`, the `Date` header dates the request; the string to sign then
        // carries it in the `X-Amz-Date` form.
        let date = header("x-amz-date").map(str::to_string).or_else(|| {
            header("date")
                .and_then(cloudlet_core::time::parse_http_date)
                .map(clock::amz_date)
        });
        return Some(parse_header(rest, date.as_deref()));
    }
    let q = |n: &str| query.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    q("X-Amz-Credential").or(q("X-Amz-Algorithm"))?;
    Some(parse_query(q))
}

fn parse_header(rest: &str, amz_date: Option<&str>) -> Result<Signature, SigError> {
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
    let missing = |what: &str| {
        SigError::Malformed(format!(
            "Authorization header requires '{what}' parameter. Authorization={}",
            rest.trim()
        ))
    };
    let cred = cred.ok_or_else(|| missing("Credential"))?;
    let signed = signed.ok_or_else(|| missing("SignedHeaders"))?;
    let sig = sig.ok_or_else(|| missing("Signature"))?;
    let [access_key, date, region, service] = parse_scope(cred, SigError::Malformed)?;
    let amz_date = amz_date
        .ok_or_else(|| {
            SigError::Malformed(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                    .into(),
            )
        })?
        .to_string();
    // The scope's day must be the request's (checked when the date is one at all).
    if amz_date.len() == 16 && amz_date.get(..8) != Some(date.as_str()) {
        return Err(SigError::Malformed(
            "Invalid credential date. Date is not the same as X-Amz-Date.".into(),
        ));
    }
    Ok(Signature {
        access_key,
        date,
        region,
        service,
        signed_headers: signed.split(';').map(str::to_string).collect(),
        signature: sig.to_string(),
        amz_date,
        expires: None,
        presigned: false,
    })
}

fn parse_query<'a>(q: impl Fn(&str) -> Option<&'a str>) -> Result<Signature, SigError> {
    let field = |n: &str| {
        q(n).map(str::to_string)
            .ok_or_else(|| SigError::BadQuery(QUERY_REQUIRED.into()))
    };
    let algorithm = field("X-Amz-Algorithm")?;
    let cred = field("X-Amz-Credential")?;
    let signature = field("X-Amz-Signature")?;
    let amz_date = field("X-Amz-Date")?;
    let signed_headers = field("X-Amz-SignedHeaders")?;
    let expires = field("X-Amz-Expires")?;
    if algorithm != "AWS4-HMAC-SHA256" {
        return Err(SigError::BadQuery(
            "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"".into(),
        ));
    }
    let expires = match expires.parse::<i64>() {
        Ok(n) if n < 0 => {
            return Err(SigError::BadQuery(
                "X-Amz-Expires must be non-negative".into(),
            ));
        }
        Ok(n) if n as u64 > MAX_EXPIRES_SECS => {
            return Err(SigError::BadQuery(
                "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds"
                    .into(),
            ));
        }
        Ok(n) => n as u64,
        Err(_) => {
            return Err(SigError::BadQuery(
                "X-Amz-Expires should be a number".into(),
            ));
        }
    };
    if clock::amz_date_seconds(&amz_date).is_none() {
        return Err(SigError::BadQuery(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"".to_string(),
        ));
    }
    let [access_key, date, region, service] = parse_scope(&cred, |m| {
        SigError::BadQuery(format!("Error parsing the X-Amz-Credential parameter; {m}"))
    })?;
    Ok(Signature {
        access_key,
        date,
        region,
        service,
        signed_headers: signed_headers.split(';').map(str::to_string).collect(),
        signature,
        amz_date,
        expires: Some(expires),
        presigned: true,
    })
}

/// AWS's UriEncode: unreserved characters stay, everything else is `%XX`; `/` is kept when
/// `keep_slash`.
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    uri_encode_bytes(s.as_bytes(), keep_slash)
}

fn uri_encode_bytes(s: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s {
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

/// The canonical URIs a signer may have used for `raw_path`: S3's path as sent (and, for
/// clients that left characters such as `!` or `'` unencoded, its strict re-encoding);
/// for other services the sent path encoded once more.
pub fn canonical_uris(raw_path: &str, service: &str) -> Vec<String> {
    let path = if raw_path.is_empty() { "/" } else { raw_path };
    if service != "s3" {
        return vec![uri_encode(path, true)];
    }
    let decoded: Vec<u8> = percent_encoding::percent_decode_str(path).collect();
    let strict = uri_encode_bytes(&decoded, true);
    if strict == path {
        vec![strict]
    } else {
        vec![path.to_string(), strict]
    }
}

/// The canonical request of SigV4 for one canonical URI.
pub fn canonical_request(
    method: &str,
    canonical_uri: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
    sig: &Signature,
    payload_hash: &str,
) -> String {
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

/// SigV4's string to sign for a canonical request.
pub fn string_to_sign(sig: &Signature, canonical: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256\n{}\n{}/{}/{}/aws4_request\n{}",
        sig.amz_date,
        sig.date,
        sig.region,
        sig.service,
        sha256_hex(canonical.as_bytes())
    )
}

/// The signing key SigV4 derives from `secret` for one scope.
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k = hmac(format!("AWS4{secret}").as_bytes(), date);
    let k = hmac(&k, region);
    let k = hmac(&k, service);
    hmac(&k, "aws4_request")
}

/// The hex HMAC of `string_to_sign` with the key derived from `secret` for the scope.
pub fn sign(secret: &str, date: &str, region: &str, service: &str, string_to_sign: &str) -> String {
    let k = signing_key(secret, date, region, service);
    cloudlet_core::ids::hex(&hmac(&k, string_to_sign))
}

/// The signature SigV4 computes for a canonical request.
pub fn compute(secret: &str, sig: &Signature, canonical: &str) -> String {
    sign(
        secret,
        &sig.date,
        &sig.region,
        &sig.service,
        &string_to_sign(sig, canonical),
    )
}

/// Compares two signatures in constant time.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Checks the request's date against the clock: presigned URLs must not have expired,
/// header-signed requests must be dated within [`MAX_SKEW_SECS`] of `now`.
pub fn check_time(sig: &Signature, now: u64) -> Result<(), SigError> {
    let Some(start) = clock::amz_date_seconds(&sig.amz_date) else {
        return Err(if sig.presigned {
            SigError::BadQuery("X-Amz-Date must be in the ISO8601 Long Format".into())
        } else {
            SigError::InvalidDate {
                request_time: sig.amz_date.clone(),
                now,
            }
        });
    };
    match sig.expires {
        Some(expires) if start > now + MAX_SKEW_SECS => Err(SigError::NotYetValid {
            start,
            expires_at: start + expires,
            now,
        }),
        Some(expires) if now > start + expires => Err(SigError::Expired {
            x_amz_expires: Some(expires),
            expires_at: start + expires,
            now,
        }),
        Some(_) => Ok(()),
        None if start.abs_diff(now) > MAX_SKEW_SECS => Err(SigError::Skewed {
            request_time: sig.amz_date.clone(),
            now,
        }),
        None => Ok(()),
    }
}

/// Checks a request's signature against `secret` for any of its `canonicals` (see
/// [`canonical_uris`]), then its session token.
pub fn check(
    sig: &Signature,
    canonicals: &[String],
    secret: &str,
    session_token: Option<&str>,
    presented_token: Option<&str>,
    now: u64,
) -> Result<(), SigError> {
    check_time(sig, now)?;
    if !canonicals
        .iter()
        .any(|c| same(&compute(secret, sig, c), &sig.signature))
    {
        let canonical = canonicals.first().cloned().unwrap_or_default();
        return Err(SigError::Mismatch(Box::new(Mismatch {
            access_key: sig.access_key.clone(),
            string_to_sign: string_to_sign(sig, &canonical),
            canonical_request: canonical,
            provided: sig.signature.clone(),
        })));
    }
    if session_token != presented_token {
        return Err(SigError::BadToken {
            presented: presented_token.is_some(),
        });
    }
    Ok(())
}

/// The `x-amz-*` headers of a request its signature does not cover (S3 refuses them).
pub fn unsigned_amz_headers(headers: &HeaderMap, sig: &Signature) -> Vec<String> {
    let mut names: Vec<String> = headers
        .keys()
        .map(|k| k.as_str())
        .filter(|k| k.starts_with("x-amz-") && !sig.signed_headers.iter().any(|s| s == k))
        .map(str::to_string)
        .collect();
    names.dedup();
    names
}

/// Whether `hash` is a valid `x-amz-content-sha256` value.
pub fn valid_payload_hash(hash: &str) -> bool {
    PAYLOAD_LITERALS.contains(&hash)
        || (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
