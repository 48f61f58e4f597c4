//! POST Object: browser-based uploads (`POST /{bucket}` with `multipart/form-data`). The
//! form's fields come first — `key` (with `${filename}`), the base64 `policy`, its signature
//! (SigV4 `x-amz-*` or SigV2 `AWSAccessKeyId`/`signature`), `Content-Type`, `x-amz-meta-*`,
//! `success_action_status`/`success_action_redirect`, `Content-MD5` — then the `file`,
//! which streams into a blob. The edge says who signed the form ([`FormAuth`]); the policy says what it may
//! upload ([`crate::postpolicy`]); the bucket policy decides as for PutObject.

use base64::Engine;
use cloudlet_core::traits::{FormAuth, FormSignature};
use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{Principal, Request, RequestContext, Response};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use md5::{Digest, Md5};

use super::{empty, now_ms, set_header, xml_response};
use crate::S3;
use crate::auth::{allowed, arn};
use crate::error::{S3Error, S3Result};
use crate::formdata::{self, FormError, FormReader, Item};
use crate::postpolicy::{self, PolicyError};
use crate::state::Object;
use crate::upload::{commit_object, hv, representation_headers, user_metadata};
use crate::versions::VersionMeta;

fn form_error(e: FormError) -> S3Error {
    match e {
        FormError::Malformed(_) => S3Error::MalformedPost,
        FormError::FieldsTooLarge => S3Error::MaxPostPreDataLengthExceeded,
        FormError::Body(m) => S3Error::Body(m),
    }
}

fn missing_field(name: &str) -> S3Error {
    S3Error::InvalidArgument {
        message: format!(
            "Bucket POST must contain a field named '{name}'.  If it is specified, please check the order of the fields."
        ),
        name: name.to_string(),
        value: String::new(),
    }
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
            return Err(S3Error::InvalidArgument {
                message: "Invalid algorithm. Only AWS4-HMAC-SHA256 is supported.".into(),
                name: "x-amz-algorithm".into(),
                value: algorithm.to_string(),
            });
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

/// The stored representation headers and metadata named by form fields.
fn object_headers(fields: &Fields) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in fields {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            h.append(name, value);
        }
    }
    h
}

/// What stays unencoded in a key's URL: RFC 3986's unreserved characters and `/`.
const KEY_IN_URL: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

fn encode_key(key: &str) -> String {
    percent_encoding::utf8_percent_encode(key, KEY_IN_URL).to_string()
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
                return Err(S3Error::InvalidArgument {
                    message: "POST requires exactly one file upload per request.".into(),
                    name: "file".into(),
                    value: "0".into(),
                });
            }
        }
    };
    let template = field(&fields, "key").ok_or_else(|| missing_field("key"))?;
    // Browsers send a bare name; some send a path. Only the last segment is the filename.
    let base = filename.rsplit(['/', '\\']).next().unwrap_or("");
    let key = template.replace("${filename}", base);
    if key.is_empty() {
        return Err(S3Error::InvalidArgument {
            message: "User key must have a length greater than 0.".into(),
            name: "key".into(),
            value: String::new(),
        });
    }
    if key.len() > 1024 {
        return Err(S3Error::KeyTooLong);
    }

    let principal = signer(parts.extensions.get::<FormAuth>(), &fields)?;
    let mut caller = ctx.clone();
    caller.account = principal.account().cloned().unwrap_or_default();
    caller.principal = principal;
    let caller = s3.with_identity(caller);
    let policy = match field(&fields, "policy") {
        Some(p) => Some(postpolicy::parse(p).map_err(policy_error)?),
        None => None,
    };
    if let Some(p) = &policy {
        let mut checked = fields.clone();
        checked.push(("bucket".into(), bucket.to_string()));
        let now = now_ms() / 1000;
        p.check(&checked, now).map_err(policy_error)?;
    }
    if !allowed(&caller, &b, "s3:PutObject", &arn(bucket, Some(&key)), &[]) {
        return Err(S3Error::AccessDenied);
    }

    let expected_md5 = match field(&fields, "content-md5") {
        Some(v) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .ok()
                .filter(|d| d.len() == 16)
                .ok_or(S3Error::InvalidDigest)?,
        ),
        None => None,
    };
    let range = policy.as_ref().and_then(|p| p.length_range());
    let mut writer = s3.store.blobs().create().await?;
    let mut md5 = Md5::new();
    // S3's default checksum of objects uploaded without one.
    let mut crc64 = crate::checksum::Hasher::new(crate::checksum::Algorithm::Crc64Nvme);
    let mut size: u64 = 0;
    let streamed: S3Result<()> = async {
        while let Some(chunk) = form.file_chunk().await.map_err(form_error)? {
            size += chunk.len() as u64;
            if range.is_some_and(|(_, max)| size > max) {
                continue; // Counted for the error, never stored.
            }
            md5.update(&chunk);
            crc64.update(&chunk);
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
    let streamed = streamed.and_then(|()| match &expected_md5 {
        Some(want) if want.as_slice() != digest => Err(S3Error::BadDigest),
        _ => Ok(()),
    });
    if let Err(e) = streamed {
        writer.abort().await;
        return Err(e);
    }
    let blob = writer.commit().await?;
    let etag = cloudlet_core::ids::hex(&digest);
    let headers = object_headers(&fields);
    let obj = Object {
        blob: blob.as_str().to_string(),
        size,
        etag: etag.clone(),
        content_type: field(&fields, "content-type").map(str::to_string),
        last_modified: now_ms(),
        metadata: user_metadata(&headers),
        headers: representation_headers(&headers)
            .into_iter()
            .chain(crate::checksum::default_headers(&crc64.finish()))
            .collect(),
        tags: Vec::new(),
        version: VersionMeta::default(),
        parts: Vec::new(),
    };
    let version = commit_object(s3, bucket, &key, obj).await?;

    let location = format!("{}/{bucket}/{}", ctx.endpoint, encode_key(&key));
    let redirect = field(&fields, "success_action_redirect")
        .or_else(|| field(&fields, "redirect"))
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"));
    let mut r = if let Some(url) = redirect {
        let q = |s: &str| {
            percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
        };
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
    if redirect.is_none() {
        set_header(&mut r, "location", &location);
    }
    Ok(r)
}
