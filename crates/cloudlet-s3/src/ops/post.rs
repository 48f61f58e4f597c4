//! POST Object: browser-based uploads (`POST /{bucket}` with `multipart/form-data`). The
//! form's fields come first — `key` (with `${filename}`), the base64 `policy`, its signature
//! (SigV4 `x-amz-*` or SigV2 `AWSAccessKeyId`/`signature`), the fields that stand for
//! PutObject's headers (`Content-Type`, `Cache-Control`, `x-amz-meta-*`, `acl`, encryption,
//! Object Lock, checksums, storage class, …), `tagging` (a `Tagging` document),
//! `success_action_status`/`success_action_redirect`, `Content-MD5` — then the `file`,
//! which streams into a blob. The edge says who signed the form ([`FormAuth`]); the policy
//! says what it may upload ([`crate::postpolicy`]); the bucket policy decides as for
//! PutObject. The fields are checked, and the bucket configuration is applied
//! ([`request_config`]), as PutObject's headers are — all before the file is read.

use cloudlet_core::traits::{FormAuth, FormSignature};
use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{HostLabel, Principal, Request, RequestContext, Response};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use md5::{Digest, Md5};

use super::{empty, now_ms, request_config, set_header, xml_response};
use crate::S3;
use crate::auth::arn;
use crate::checksum::{self, Algorithm, Hasher};
use crate::error::{Digested, S3Error, S3Result, invalid_argument};
use crate::formdata::{self, FormError, FormReader, Item};
use crate::postpolicy::{self, PolicyError};
use crate::precheck::{check_metadata_size, check_redirect_location, content_md5};
use crate::protocol::{Op, Query};
use crate::state::Object;
use crate::tagging;
use crate::upload::{CHECKSUMS, commit_object, hv, representation_headers, user_metadata};
use crate::versions::VersionMeta;

fn form_error(e: FormError) -> S3Error {
    match e {
        FormError::Malformed(_) => S3Error::MalformedPost,
        FormError::FieldsTooLarge => S3Error::MaxPostPreDataLengthExceeded,
        FormError::Body(m) => S3Error::Body(m),
    }
}

fn missing_field(name: &str) -> S3Error {
    invalid_argument(
        format!(
            "Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the fields."
        ),
        name,
        "",
    )
}

fn policy_error(e: PolicyError) -> S3Error {
    match e {
        PolicyError::Invalid(m) => S3Error::InvalidPolicyDocument(m),
        PolicyError::Denied(m) => S3Error::PolicyDenied(m),
    }
}

type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Who signed the form: its signature checked by the edge, or anonymous when unsigned.
fn signer(auth: Option<&FormAuth>, fields: &Fields) -> S3Result<Principal> {
    let need = |name: &str| {
        field(fields, name)
            .map(str::to_string)
            .ok_or_else(|| missing_field(name))
    };
    let signature = if let Some(algorithm) = field(fields, "x-amz-algorithm") {
        if algorithm != "AWS4-HMAC-SHA256" {
            return Err(invalid_argument(
                "Invalid algorithm. Only AWS4-HMAC-SHA256 is supported.",
                "x-amz-algorithm",
                algorithm,
            ));
        }
        FormSignature::V4 {
            credential: need("x-amz-credential")?,
            amz_date: need("x-amz-date")?,
            signature: need("x-amz-signature")?,
        }
    } else if let Some(key) = field(fields, "awsaccesskeyid") {
        FormSignature::V2 {
            access_key: key.to_string(),
            signature: need("signature")?,
        }
    } else {
        return Ok(Principal::Anonymous);
    };
    let policy = need("policy")?;
    let Some(auth) = auth else {
        return Ok(Principal::Anonymous);
    };
    auth.0
        .authenticate(&signature, &policy, field(fields, "x-amz-security-token"))
        .map_err(S3Error::Aws)
}

/// Form fields that stand for the PutObject header of the same name.
const HEADER_FIELDS: &[&str] = &[
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "content-md5",
    "content-type",
    "expires",
    "x-amz-storage-class",
    "x-amz-website-redirect-location",
    "x-amz-server-side-encryption",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-context",
    "x-amz-server-side-encryption-bucket-key-enabled",
    "x-amz-object-lock-mode",
    "x-amz-object-lock-retain-until-date",
    "x-amz-object-lock-legal-hold",
    "x-amz-checksum-crc32",
    "x-amz-checksum-crc32c",
    "x-amz-checksum-crc64nvme",
    "x-amz-checksum-sha1",
    "x-amz-checksum-sha256",
    "x-amz-checksum-sha512",
];

/// SSE-C's fields. They are handed on as PutObject's headers, so that `request_config::before`
/// validates them (a customer key replaces the bucket default) and the key's MD5 is stored
/// with the object as PutObject stores it.
const SSE_C_FIELDS: &[&str] = &[
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-server-side-encryption-customer-key",
    "x-amz-server-side-encryption-customer-key-md5",
];

/// The headers a PutObject of the same object would carry: the fields named like its
/// headers, `x-amz-meta-*`, and `acl` as `x-amz-acl`. Other fields (the policy, the
/// signature, `tagging`, success actions, …) are the form's own.
fn put_headers(fields: &Fields) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in fields {
        let name = match k.as_str() {
            "acl" => "x-amz-acl",
            n if HEADER_FIELDS.contains(&n)
                || SSE_C_FIELDS.contains(&n)
                || n.starts_with("x-amz-meta-") =>
            {
                n
            }
            _ => continue,
        };
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            h.append(name, value);
        }
    }
    h
}

/// The checksum of the file: the `x-amz-checksum-*` value given (checked as PutObject
/// checks its header) or, with only `x-amz-checksum-algorithm`, one to compute and store.
fn checksum_spec(fields: &Fields, h: &HeaderMap) -> S3Result<Option<(Algorithm, Option<String>)>> {
    let declared = checksum::declared(h)?;
    let named = match field(fields, "x-amz-checksum-algorithm") {
        Some(name) => Some(Algorithm::parse(name).ok_or_else(|| {
            S3Error::InvalidRequest(
                "Checksum algorithm provided is unsupported. Please try again with any of the \
                 valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]"
                    .into(),
            )
        })?),
        None => None,
    };
    Ok(match (declared, named) {
        // A value for another algorithm than the one named cannot match it.
        (Some(d), Some(a)) if d.algorithm != a => return Err(S3Error::ChecksumMismatch(a.name())),
        (Some(d), _) => Some((d.algorithm, d.value)),
        (None, Some(a)) => Some((a, None)),
        (None, None) => None,
    })
}

/// The `tagging` field: a `Tagging` document, checked as PutObjectTagging checks it.
fn form_tags(fields: &Fields) -> S3Result<Vec<(String, String)>> {
    match field(fields, "tagging") {
        Some(doc) => {
            let root = crate::xml::parse(doc).ok_or(S3Error::MalformedXml)?;
            tagging::from_xml(&root, 10)
        }
        None => Ok(Vec::new()),
    }
}

/// The condition keys of a form upload: the request's own (`aws:UserAgent`, …), those
/// PutObject's headers give (`h`, the fields that stand for them), the form's tags, and
/// `s3:authType` `POST` with the signature's version when it is signed.
fn form_condition_keys(
    request: &[(String, Vec<String>)],
    fields: &Fields,
    h: &http::HeaderMap,
) -> Vec<(String, Vec<String>)> {
    let mut keys: Vec<(String, Vec<String>)> = request
        .iter()
        .filter(|(k, _)| k.starts_with("aws:"))
        .cloned()
        .collect();
    keys.extend(crate::auth::request_keys(
        crate::protocol::Op::PostObject,
        h,
        &crate::protocol::Query::default(),
    ));
    if let Ok(tags) = form_tags(fields)
        && field(fields, "tagging").is_some()
    {
        keys.extend(crate::auth::request_tag_keys(&tags));
    }
    let version = if field(fields, "x-amz-algorithm").is_some() {
        Some("AWS4-HMAC-SHA256")
    } else if field(fields, "awsaccesskeyid").is_some() {
        Some("AWS")
    } else {
        None
    };
    if let Some(v) = version {
        keys.push(("s3:authType".into(), vec!["POST".into()]));
        keys.push(("s3:signatureversion".into(), vec![v.into()]));
    }
    keys
}

/// What stays unencoded in a key's URL: RFC 3986's unreserved characters (S3 encodes even
/// the `/` of a key in a POST's `Location`).
const KEY_IN_URL: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub(super) fn encode_key(key: &str) -> String {
    percent_encoding::utf8_percent_encode(key, KEY_IN_URL).to_string()
}

/// A Host split into its name and its `:port` (empty when none).
fn split_port(host: &str) -> (&str, &str) {
    match host.rfind(':') {
        Some(i)
            if !host.ends_with(']')
                && i + 1 < host.len()
                && host[i + 1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            (&host[..i], &host[i..])
        }
        _ => (host, ""),
    }
}

/// The scheme of cloudlet's endpoint and the host a request was sent to (the endpoint's own
/// when the request named none), for the URLs S3 answers with.
pub(crate) fn scheme_and_host<'a>(endpoint: &'a str, host: Option<&'a str>) -> (&'a str, &'a str) {
    let (scheme, authority) = endpoint.split_once("://").unwrap_or(("http", endpoint));
    let host = host
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| authority.trim_end_matches('/'));
    (scheme, host)
}

/// The new object's URL as S3 answers a POST: virtual-hosted
/// (`https://{bucket}.s3.{region}.amazonaws.com/{key}`), on the host the form was posted to
/// — that host itself when it already names the bucket, `{bucket}.` before an S3 endpoint
/// (`s3.…`), and `{bucket}.s3.localhost` with the same port for an address or another name.
fn location(
    endpoint: &str,
    host: Option<&str>,
    virtual_hosted: bool,
    bucket: &str,
    key: &str,
) -> String {
    let (scheme, host) = scheme_and_host(endpoint, host);
    let host = if virtual_hosted {
        host.to_string()
    } else {
        let (name, port) = split_port(host);
        if name.starts_with("s3.") || name.starts_with("s3-") {
            format!("{bucket}.{host}")
        } else {
            format!("{bucket}.s3.localhost{port}")
        }
    };
    format!("{scheme}://{host}/{}", encode_key(key))
}

pub async fn post_object(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    let b = s3.bucket(bucket)?;
    let (parts, body) = req.into_parts();
    let boundary = hv(&parts.headers, "content-type")
        .and_then(formdata::boundary)
        .ok_or(S3Error::PreconditionFailed(
            "Bucket POST must be of the enclosure-type multipart/form-data",
        ))?;
    let mut form = FormReader::new(body, &boundary);
    let mut fields: Fields = Vec::new();
    let filename = loop {
        match form.next().await.map_err(form_error)? {
            Item::Field { name, value } => fields.push((name.to_ascii_lowercase(), value)),
            Item::File { filename, .. } => break filename,
            Item::End => {
                return Err(invalid_argument(
                    "POST requires exactly one file upload per request.",
                    "file",
                    "0",
                ));
            }
        }
    };
    let template = field(&fields, "key").ok_or_else(|| missing_field("key"))?;
    // Browsers send a bare name; some send a path. Only the last segment is the filename.
    let base = filename.rsplit(['/', '\\']).next().unwrap_or("");
    let key = template.replace("${filename}", base);
    if key.is_empty() {
        return Err(invalid_argument(
            "User key must have a length greater than 0.",
            "key",
            "",
        ));
    }
    crate::precheck::check_key_length(&key)?;

    let principal = signer(parts.extensions.get::<FormAuth>(), &fields)?;
    let mut caller = ctx.clone();
    caller.account = principal.account().cloned().unwrap_or_default();
    caller.principal = principal;
    let mut caller = s3.with_identity(caller);
    let policy = match field(&fields, "policy") {
        Some(p) => Some(postpolicy::parse(p).map_err(policy_error)?),
        None => None,
    };
    if let Some(p) = &policy {
        // The bucket is the one addressed, whatever a `bucket` field of the form says.
        let mut checked = vec![("bucket".to_string(), bucket.to_string())];
        checked.extend(
            fields
                .iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("bucket"))
                .cloned(),
        );
        let now = now_ms() / 1000;
        p.check(&checked, now).map_err(policy_error)?;
    }
    // Everything the fields ask for is checked before the file is read.
    let mut h = put_headers(&fields);
    caller.condition_keys = form_condition_keys(&ctx.condition_keys, &fields, &h);
    let resource = arn(bucket, Some(&key));
    let by_policy = s3.object_write_allowed(&caller, &b, &resource, &h)
        && (field(&fields, "tagging").is_none()
            || s3.allowed(&caller, &b, "s3:PutObjectTagging", &resource, &[]));
    if !by_policy && !super::acl::bucket_acl_allows(s3, &caller, &b, "s3:PutObject") {
        return Err(match field(&fields, "tagging") {
            Some(_) if s3.object_write_allowed(&caller, &b, &resource, &h) => s3.denied(
                &caller,
                Some(&b),
                "s3:PutObjectTagging",
                &resource,
                &[],
                &[],
            ),
            _ => s3.object_write_denied(&caller, &b, &resource, &h),
        });
    }
    // The fields' own bytes count, whether or not they can be headers.
    check_metadata_size(
        fields
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("x-amz-meta-")?, v.as_bytes()))),
    )?;
    check_redirect_location(&h)?;
    let expected_md5 = content_md5(&h)?;
    let checksum = checksum_spec(&fields, &h)?;
    let tags = form_tags(&fields)?;
    let lock = crate::lock::from_headers(&h, now_ms())?;
    crate::lock::require_configured(b.versioning.object_lock.as_ref(), &lock)?;
    let storage_class = crate::storage_class::requested(&h)?;
    // The ACL (Object Ownership, Block Public Access) and the encryption (the `x-amz-server-
    // side-encryption*` fields or the bucket default, put on `h`), as for PutObject.
    let mut pending = request_config::before(s3, &caller, Op::PutObject, bucket, &mut h)?;
    let acl = pending.take_object_acl(Op::PutObject);

    let range = policy.as_ref().and_then(|p| p.length_range());
    let mut writer = s3.store.blobs().create().await?;
    let mut md5 = Md5::new();
    // The declared checksum, or S3's default CRC64NVME of objects uploaded without one.
    let mut hasher = Hasher::new(checksum.as_ref().map_or(Algorithm::Crc64Nvme, |(a, _)| *a));
    let mut size: u64 = 0;
    let streamed: S3Result<()> = async {
        while let Some(chunk) = form.file_chunk().await.map_err(form_error)? {
            size += chunk.len() as u64;
            if range.is_some_and(|(_, max)| size > max) {
                continue; // Counted for the error, never stored.
            }
            md5.update(&chunk);
            hasher.update(&chunk);
            writer.write(&chunk).await?;
        }
        match range {
            Some((_, max)) if size > max => Err(S3Error::EntityTooLarge { size, max }),
            Some((min, _)) if size < min => Err(S3Error::EntityTooSmallForPolicy { size, min }),
            _ => Ok(()),
        }
    }
    .await;
    let digest: [u8; 16] = md5.finalize().into();
    let computed = checksum::b64(&hasher.finish());
    let mut checksums = Vec::new();
    let streamed = streamed
        .and_then(|()| match &expected_md5 {
            Some(want) if *want != digest => Err(S3Error::BadDigest {
                sent: *want,
                computed: digest,
                of: Digested::Object,
            }),
            _ => Ok(()),
        })
        .and_then(|()| match &checksum {
            Some((a, Some(given))) if *given != computed => {
                Err(S3Error::ChecksumMismatch(a.name()))
            }
            Some((a, _)) => {
                checksums.extend(checksum::full_object_headers(*a, computed.clone()));
                Ok(())
            }
            None => {
                checksums.extend(checksum::full_object_headers(
                    Algorithm::Crc64Nvme,
                    computed.clone(),
                ));
                Ok(())
            }
        });
    if let Err(e) = streamed {
        writer.abort().await;
        return Err(e);
    }
    let blob = writer.commit().await?;
    let etag = cloudlet_core::ids::hex(&digest);
    let mut headers = representation_headers(&h);
    headers.extend(crate::sse_c::parse(&h)?.iter().flat_map(|k| k.headers()));
    headers.extend(checksums.iter().cloned());
    headers.extend(storage_class);
    let obj = Object {
        blob: blob.as_str().to_string(),
        size,
        etag: etag.clone(),
        content_type: hv(&h, "content-type").map(str::to_string),
        last_modified: now_ms(),
        metadata: user_metadata(&h),
        headers,
        tags,
        version: VersionMeta::locked(lock),
        parts: Vec::new(),
        acl: acl.map(Box::new),
    };
    let version = commit_object(s3, bucket, &key, obj).await?;

    let location = location(
        &ctx.endpoint,
        hv(&parts.headers, "host"),
        parts.extensions.get::<HostLabel>().is_some(),
        bucket,
        &key,
    );
    let redirect = field(&fields, "success_action_redirect")
        .or_else(|| field(&fields, "redirect"))
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    let mut r = if let Some(url) = redirect {
        let q = encode_key;
        let sep = if url.contains('?') { '&' } else { '?' };
        let mut r = empty(StatusCode::SEE_OTHER);
        set_header(
            &mut r,
            "location",
            &format!(
                "{url}{sep}bucket={}&key={}&etag={}",
                q(bucket),
                q(&key),
                q(&format!("\"{etag}\""))
            ),
        );
        r
    } else {
        match field(&fields, "success_action_status") {
            Some("200") => empty(StatusCode::OK),
            Some("201") => {
                let mut x = XmlWriter::new();
                x.open("PostResponse")
                    .elem("Location", &location)
                    .elem("Bucket", bucket)
                    .elem("Key", &key)
                    .elem("ETag", &format!("\"{etag}\""));
                let mut r = xml_response(x.finish());
                *r.status_mut() = StatusCode::CREATED;
                r
            }
            _ => empty(StatusCode::NO_CONTENT),
        }
    };
    set_header(&mut r, "etag", &format!("\"{etag}\""));
    if let Some(v) = version {
        set_header(&mut r, "x-amz-version-id", &v);
    }
    for (k, v) in &checksums {
        if let Some(name) = CHECKSUMS.iter().find(|c| *c == k) {
            set_header(&mut r, name, v);
        }
    }
    if redirect.is_none() {
        set_header(&mut r, "location", &location);
    }
    // The encryption and expiration headers answered.
    request_config::after(
        s3,
        Op::PutObject,
        bucket,
        &key,
        &Query::default(),
        pending,
        &mut r,
    )
    .await?;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_checksum_header_is_a_form_field() {
        for a in crate::checksum::Algorithm::ALL {
            assert!(HEADER_FIELDS.contains(&a.header()), "{}", a.header());
        }
    }

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn locations() {
        let cases = [
            // Path-style to an address or a plain name: the bucket's `s3.localhost` host.
            (
                "http://127.0.0.1:4566",
                Some("127.0.0.1:4566"),
                false,
                "up/a b.txt",
                "http://b.s3.localhost:4566/up%2Fa%20b.txt",
            ),
            (
                "http://127.0.0.1:4566",
                Some("localhost:9000"),
                false,
                "k",
                "http://b.s3.localhost:9000/k",
            ),
            (
                "http://127.0.0.1:4566",
                Some("[::1]:4566"),
                false,
                "k",
                "http://b.s3.localhost:4566/k",
            ),
            (
                "http://127.0.0.1:4566",
                None,
                false,
                "k",
                "http://b.s3.localhost:4566/k",
            ),
            (
                "http://localhost",
                Some("localhost"),
                false,
                "k",
                "http://b.s3.localhost/k",
            ),
            // Path-style to an S3 endpoint: the bucket goes before it.
            (
                "http://127.0.0.1:4566",
                Some("s3.us-west-2.amazonaws.com"),
                false,
                "k~1",
                "http://b.s3.us-west-2.amazonaws.com/k~1",
            ),
            (
                "https://127.0.0.1:4566",
                Some("s3.localhost:4566"),
                false,
                "é",
                "https://b.s3.localhost:4566/%C3%A9",
            ),
            // Virtual-hosted: the host as sent.
            (
                "http://127.0.0.1:4566",
                Some("b.s3.localhost:4566"),
                true,
                "a/b",
                "http://b.s3.localhost:4566/a%2Fb",
            ),
            (
                "http://127.0.0.1:4566",
                Some("b.s3.amazonaws.com"),
                true,
                "k",
                "http://b.s3.amazonaws.com/k",
            ),
        ];
        for (endpoint, host, virtual_hosted, key, want) in cases {
            assert_eq!(
                location(endpoint, host, virtual_hosted, "b", key),
                want,
                "{host:?}"
            );
        }
    }

    #[test]
    fn fields_become_put_headers() {
        let h = put_headers(&fields(&[
            ("acl", "public-read"),
            ("content-type", "text/plain"),
            ("x-amz-meta-a", "1"),
            ("x-amz-storage-class", "GLACIER"),
            ("x-amz-checksum-crc32", "AAAAAA=="),
            ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
            // The form's own fields are no headers.
            ("policy", "e30="),
            ("tagging", "<Tagging/>"),
            ("x-amz-grant-read", "uri=x"),
            ("x-amz-checksum-algorithm", "CRC32"),
            ("key", "k"),
        ]));
        let mut names: Vec<&str> = h.keys().map(|k| k.as_str()).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "content-type",
                "x-amz-acl",
                "x-amz-checksum-crc32",
                "x-amz-meta-a",
                "x-amz-server-side-encryption-customer-algorithm",
                "x-amz-storage-class",
            ]
        );
        assert_eq!(hv(&h, "x-amz-acl"), Some("public-read"));
    }

    #[test]
    fn checksum_fields() {
        type Case<'a> = (
            Vec<(&'a str, &'a str)>,
            Result<Option<(Algorithm, Option<&'a str>)>, &'a str>,
        );
        let crc = "NhCmhg==";
        let cases: Vec<Case> = vec![
            (vec![], Ok(None)),
            (
                vec![("x-amz-checksum-algorithm", "sha256")],
                Ok(Some((Algorithm::Sha256, None))),
            ),
            (
                vec![("x-amz-checksum-crc32", crc)],
                Ok(Some((Algorithm::Crc32, Some(crc)))),
            ),
            (
                vec![
                    ("x-amz-checksum-algorithm", "CRC32"),
                    ("x-amz-checksum-crc32", crc),
                ],
                Ok(Some((Algorithm::Crc32, Some(crc)))),
            ),
            (
                vec![
                    ("x-amz-checksum-algorithm", "SHA1"),
                    ("x-amz-checksum-crc32", crc),
                ],
                Err("BadDigest"),
            ),
            (
                vec![("x-amz-checksum-algorithm", "MD5")],
                Err("InvalidRequest"),
            ),
            (vec![("x-amz-checksum-crc32", "zz")], Err("InvalidRequest")),
            (
                vec![("x-amz-checksum-crc32", crc), ("x-amz-checksum-sha1", "x")],
                Err("InvalidRequest"),
            ),
        ];
        for (pairs, want) in cases {
            let f = fields(&pairs);
            let got = checksum_spec(&f, &put_headers(&f))
                .map_err(|e| cloudlet_core::AwsError::from(e).code.to_string());
            let want = want
                .map(|o| o.map(|(a, v)| (a, v.map(str::to_string))))
                .map_err(str::to_string);
            assert_eq!(got, want, "{pairs:?}");
        }
    }

    #[test]
    fn tagging_field() {
        let doc = "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>";
        assert_eq!(
            form_tags(&fields(&[("tagging", doc)])).unwrap(),
            vec![("a".to_string(), "1".to_string())]
        );
        assert!(form_tags(&fields(&[])).unwrap().is_empty());
        for (doc, code) in [
            ("not xml", "MalformedXML"),
            ("<Tags/>", "MalformedXML"),
            (
                "<Tagging><TagSet><Tag><Key>a</Key></Tag><Tag><Key>a</Key></Tag></TagSet></Tagging>",
                "InvalidTag",
            ),
        ] {
            let e = form_tags(&fields(&[("tagging", doc)])).unwrap_err();
            assert_eq!(cloudlet_core::AwsError::from(e).code, code, "{doc}");
        }
    }
}
