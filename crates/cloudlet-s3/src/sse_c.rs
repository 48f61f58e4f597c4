//! Server-side encryption with customer-provided keys (SSE-C), pure: the three
//! `x-amz-server-side-encryption-customer-*` headers (or their `x-amz-copy-source-…`
//! twins) parsed and checked in S3's order, and the rules deciding whether a request's key
//! opens a stored object or continues a multipart upload. Only the key's MD5 is ever kept;
//! the key itself is dropped once its MD5 has been checked.

use base64::Engine;
use http::HeaderMap;
use md5::{Digest, Md5};

/// The one algorithm SSE-C accepts.
pub const AES256: &str = "AES256";

/// Stored (and answered) header names, lowercase as stored headers are.
pub const ALGORITHM_HEADER: &str = "x-amz-server-side-encryption-customer-algorithm";
pub const KEY_MD5_HEADER: &str = "x-amz-server-side-encryption-customer-key-md5";

const REQUEST_PREFIX: &str = "x-amz-server-side-encryption-customer-";
const COPY_SOURCE_PREFIX: &str = "x-amz-copy-source-server-side-encryption-customer-";

/// A validated customer key, reduced to what may be kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomerKey {
    /// Always [`AES256`].
    pub algorithm: &'static str,
    /// Base64 MD5 of the key, as the client sent it (and S3 computed it).
    pub key_md5: String,
}

impl CustomerKey {
    /// The headers stored with an object or upload, and echoed in answers.
    pub fn headers(&self) -> Vec<(String, String)> {
        vec![
            (ALGORITHM_HEADER.to_string(), self.algorithm.to_string()),
            (KEY_MD5_HEADER.to_string(), self.key_md5.clone()),
        ]
    }
}

/// Whether a key is given to write data (its length is checked: S3 refuses to encrypt with
/// a key that is not 256 bits) or to read data (a key of another length simply does not
/// open the object).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Write,
    Read,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SseCError {
    #[error("SSE-C together with x-amz-server-side-encryption {0}")]
    IncompatibleWithSse(String),
    #[error("SSE-C key without algorithm")]
    MissingAlgorithm,
    #[error("SSE-C algorithm {0} is not AES256")]
    InvalidAlgorithm(String),
    #[error("SSE-C algorithm without key")]
    MissingKey,
    #[error("SSE-C key is not a 256-bit base64 key")]
    InvalidKey,
    #[error("SSE-C key without its MD5")]
    MissingKeyMd5,
    #[error("SSE-C key MD5 mismatch")]
    KeyMd5Mismatch,
    #[error("object is SSE-C encrypted and no key was given")]
    KeyRequired,
    #[error("SSE-C key does not open the object")]
    WrongKey,
    #[error("SSE-C key given for an object without SSE-C")]
    NotApplicable,
    #[error("part request without the upload's SSE-C parameters")]
    PartParametersRequired,
    #[error("part request with other SSE-C parameters than the upload's")]
    PartParametersMismatch,
}

fn header<'a>(h: &'a HeaderMap, prefix: &str, name: &str) -> Option<&'a str> {
    h.get(format!("{prefix}{name}").as_str())
        .map(|v| v.to_str().unwrap_or(""))
}

fn checked(
    h: &HeaderMap,
    prefix: &str,
    purpose: Purpose,
) -> Result<Option<CustomerKey>, SseCError> {
    let algorithm = header(h, prefix, "algorithm");
    let key = header(h, prefix, "key");
    let md5 = header(h, prefix, "key-md5");
    if algorithm.is_none() && key.is_none() && md5.is_none() {
        return Ok(None);
    }
    if prefix == REQUEST_PREFIX
        && let Some(sse) = h.get("x-amz-server-side-encryption")
    {
        return Err(SseCError::IncompatibleWithSse(
            sse.to_str().unwrap_or("").to_string(),
        ));
    }
    let Some(algorithm) = algorithm else {
        return Err(SseCError::MissingAlgorithm);
    };
    let Some(key) = key else {
        return Err(SseCError::MissingKey);
    };
    if algorithm != AES256 {
        return Err(SseCError::InvalidAlgorithm(algorithm.to_string()));
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let raw = b64.decode(key.trim()).map_err(|_| SseCError::InvalidKey)?;
    if purpose == Purpose::Write && raw.len() != 32 {
        return Err(SseCError::InvalidKey);
    }
    let Some(md5) = md5 else {
        return Err(SseCError::MissingKeyMd5);
    };
    let computed = Md5::digest(&raw);
    if b64.decode(md5.trim()).ok().as_deref() != Some(computed.as_slice()) {
        return Err(SseCError::KeyMd5Mismatch);
    }
    Ok(Some(CustomerKey {
        algorithm: AES256,
        key_md5: b64.encode(computed),
    }))
}

/// Whether a request that writes data specifies SSE-C: any of the three customer-key
/// headers, well-formed or not (a copy source's keys are the source's, not the write's).
pub fn specified(h: &HeaderMap) -> bool {
    ["algorithm", "key", "key-md5"]
        .iter()
        .any(|name| header(h, REQUEST_PREFIX, name).is_some())
}

/// The SSE-C key of a request that writes data (PutObject, CreateMultipartUpload,
/// UploadPart, the destination of a copy, a POST form's fields as headers): `None` when
/// no SSE-C header is present.
pub fn parse(h: &HeaderMap) -> Result<Option<CustomerKey>, SseCError> {
    checked(h, REQUEST_PREFIX, Purpose::Write)
}

/// The SSE-C key a GET or HEAD offers for the object it reads.
pub fn parse_read(h: &HeaderMap) -> Result<Option<CustomerKey>, SseCError> {
    checked(h, REQUEST_PREFIX, Purpose::Read)
}

/// The `x-amz-copy-source-server-side-encryption-customer-*` key offered for a copy's
/// source.
pub fn parse_copy_source(h: &HeaderMap) -> Result<Option<CustomerKey>, SseCError> {
    checked(h, COPY_SOURCE_PREFIX, Purpose::Read)
}

/// The key MD5 an object or upload was stored with, if it uses SSE-C.
pub fn stored_key_md5(headers: &[(String, String)]) -> Option<&str> {
    headers
        .iter()
        .find(|(k, _)| k == KEY_MD5_HEADER)
        .map(|(_, v)| v.as_str())
}

/// Whether `given` opens data stored with `stored` headers.
pub fn check_read(
    stored: &[(String, String)],
    given: Option<&CustomerKey>,
) -> Result<(), SseCError> {
    match (stored_key_md5(stored), given) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(SseCError::NotApplicable),
        (Some(_), None) => Err(SseCError::KeyRequired),
        (Some(m), Some(k)) if m == k.key_md5 => Ok(()),
        (Some(_), Some(_)) => Err(SseCError::WrongKey),
    }
}

/// Whether a part request's key continues an upload stored with `stored` headers.
pub fn check_part(
    stored: &[(String, String)],
    given: Option<&CustomerKey>,
) -> Result<(), SseCError> {
    match (stored_key_md5(stored), given) {
        (None, None) => Ok(()),
        (Some(m), Some(k)) if m == k.key_md5 => Ok(()),
        (Some(_), Some(_)) => Err(SseCError::PartParametersMismatch),
        _ => Err(SseCError::PartParametersRequired),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8; 32] = b"0123456789abcdef0123456789abcdef";

    fn b64(b: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(b)
    }

    fn md5_b64(b: &[u8]) -> String {
        b64(&Md5::digest(b))
    }

    fn headers(prefix: &str, pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            let name = if k.starts_with("x-amz-") {
                k.to_string()
            } else {
                format!("{prefix}{k}")
            };
            h.insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn request_headers() {
        let key = b64(KEY);
        let md5 = md5_b64(KEY);
        let short = b64(&KEY[..16]);
        let short_md5 = md5_b64(&KEY[..16]);
        let ok = Ok(Some(CustomerKey {
            algorithm: AES256,
            key_md5: md5.clone(),
        }));
        type Case<'a> = (
            &'a [(&'a str, &'a str)],
            Result<Option<CustomerKey>, SseCError>,
        );
        let cases: &[Case] = &[
            (&[], Ok(None)),
            (&[("x-amz-server-side-encryption", "AES256")], Ok(None)),
            (
                &[("algorithm", "AES256"), ("key", &key), ("key-md5", &md5)],
                ok.clone(),
            ),
            (
                &[
                    ("algorithm", "AES256"),
                    ("key", &key),
                    ("key-md5", &md5),
                    ("x-amz-server-side-encryption", "aws:kms"),
                ],
                Err(SseCError::IncompatibleWithSse("aws:kms".into())),
            ),
            // The conflict is reported before a bad algorithm.
            (
                &[
                    ("algorithm", "KMS"),
                    ("key", &key),
                    ("x-amz-server-side-encryption", "AES256"),
                ],
                Err(SseCError::IncompatibleWithSse("AES256".into())),
            ),
            (
                &[("key", &key), ("key-md5", &md5)],
                Err(SseCError::MissingAlgorithm),
            ),
            (&[("key-md5", &md5)], Err(SseCError::MissingAlgorithm)),
            (
                &[("algorithm", "AES256"), ("key-md5", &md5)],
                Err(SseCError::MissingKey),
            ),
            (&[("algorithm", "AES256")], Err(SseCError::MissingKey)),
            (
                &[("algorithm", "aes256"), ("key", &key), ("key-md5", &md5)],
                Err(SseCError::InvalidAlgorithm("aes256".into())),
            ),
            (
                &[("algorithm", "KMS"), ("key", "!!"), ("key-md5", "x")],
                Err(SseCError::InvalidAlgorithm("KMS".into())),
            ),
            (
                &[
                    ("algorithm", "AES256"),
                    ("key", "not base64!"),
                    ("key-md5", &md5),
                ],
                Err(SseCError::InvalidKey),
            ),
            (
                &[
                    ("algorithm", "AES256"),
                    ("key", &short),
                    ("key-md5", &short_md5),
                ],
                Err(SseCError::InvalidKey),
            ),
            // A short key is refused before its missing MD5.
            (
                &[("algorithm", "AES256"), ("key", &short)],
                Err(SseCError::InvalidKey),
            ),
            (
                &[("algorithm", "AES256"), ("key", &key)],
                Err(SseCError::MissingKeyMd5),
            ),
            (
                &[
                    ("algorithm", "AES256"),
                    ("key", &key),
                    ("key-md5", &short_md5),
                ],
                Err(SseCError::KeyMd5Mismatch),
            ),
            (
                &[("algorithm", "AES256"), ("key", &key), ("key-md5", "%%%")],
                Err(SseCError::KeyMd5Mismatch),
            ),
        ];
        for (pairs, expected) in cases {
            let h = headers(REQUEST_PREFIX, pairs);
            assert_eq!(parse(&h), *expected, "{pairs:?}");
        }
    }

    #[test]
    fn specified_by_any_customer_header() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);
        let cases: &[Case] = &[
            (REQUEST_PREFIX, &[], false),
            (
                REQUEST_PREFIX,
                &[("x-amz-server-side-encryption", "AES256")],
                false,
            ),
            (REQUEST_PREFIX, &[("algorithm", "AES256")], true),
            (REQUEST_PREFIX, &[("key", "not even base64")], true),
            (REQUEST_PREFIX, &[("key-md5", "x")], true),
            (
                COPY_SOURCE_PREFIX,
                &[("algorithm", "AES256"), ("key", "k")],
                false,
            ),
        ];
        for (prefix, pairs, want) in cases {
            assert_eq!(
                specified(&headers(prefix, pairs)),
                *want,
                "{prefix} {pairs:?}"
            );
        }
    }

    #[test]
    fn read_and_copy_source_headers() {
        let key = b64(KEY);
        let md5 = md5_b64(KEY);
        let long = b64(&[KEY.as_slice(), KEY.as_slice()].concat());
        let long_md5 = md5_b64(&[KEY.as_slice(), KEY.as_slice()].concat());
        let some = |m: &str| {
            Ok(Some(CustomerKey {
                algorithm: AES256,
                key_md5: m.to_string(),
            }))
        };
        // To read, a key of another length is no error: it just does not match.
        let h = headers(
            REQUEST_PREFIX,
            &[
                ("algorithm", "AES256"),
                ("key", &long),
                ("key-md5", &long_md5),
            ],
        );
        assert_eq!(parse_read(&h), some(&long_md5));
        assert_eq!(parse(&h), Err(SseCError::InvalidKey));
        // Copy-source headers are their own set; the SSE header does not conflict with them.
        let h = headers(
            COPY_SOURCE_PREFIX,
            &[
                ("algorithm", "AES256"),
                ("key", &key),
                ("key-md5", &md5),
                ("x-amz-server-side-encryption", "AES256"),
            ],
        );
        assert_eq!(parse_copy_source(&h), some(&md5));
        assert_eq!(parse(&h), Ok(None));
        let h = headers(COPY_SOURCE_PREFIX, &[("algorithm", "KMS"), ("key", &key)]);
        assert_eq!(
            parse_copy_source(&h),
            Err(SseCError::InvalidAlgorithm("KMS".into()))
        );
    }

    #[test]
    fn access_rules() {
        let key = |m: &str| CustomerKey {
            algorithm: AES256,
            key_md5: m.to_string(),
        };
        let plain: Vec<(String, String)> =
            vec![("x-amz-server-side-encryption".into(), "AES256".into())];
        let sealed = key("m1").headers();
        let (k1, k2) = (key("m1"), key("m2"));
        type Case<'a> = (
            &'a [(String, String)],
            Option<&'a CustomerKey>,
            Result<(), SseCError>,
            Result<(), SseCError>,
        );
        let cases: &[Case] = &[
            (&plain, None, Ok(()), Ok(())),
            (
                &plain,
                Some(&k1),
                Err(SseCError::NotApplicable),
                Err(SseCError::PartParametersRequired),
            ),
            (
                &sealed,
                None,
                Err(SseCError::KeyRequired),
                Err(SseCError::PartParametersRequired),
            ),
            (&sealed, Some(&k1), Ok(()), Ok(())),
            (
                &sealed,
                Some(&k2),
                Err(SseCError::WrongKey),
                Err(SseCError::PartParametersMismatch),
            ),
        ];
        for (stored, given, read, part) in cases {
            assert_eq!(check_read(stored, *given), *read, "{stored:?} {given:?}");
            assert_eq!(check_part(stored, *given), *part, "{stored:?} {given:?}");
        }
    }
}
