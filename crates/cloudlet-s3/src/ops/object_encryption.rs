//! UpdateObjectEncryption (`PUT /{bucket}/{key}?encryption`): an object's (or, with
//! `versionId`, a version's) server-side encryption becomes SSE-KMS with the key the
//! `ObjectEncryption` document names. Nothing is encrypted in cloudlet, so the change is
//! the version's stored `x-amz-server-side-encryption*` headers alone; its ETag, checksums,
//! Last-Modified, storage class, metadata, tags, ACL and lock stay. A record without an
//! encryption header (written before objects got the SSE-S3 default) counts as SSE-S3, so
//! S3's "unencrypted source" refusal never arises; SSE-C and DSSE-KMS sources are refused.
//! The key ARN is checked against the model's pattern only (no key is looked up), and its
//! account must be the bucket owner's.

use cloudlet_core::{Request, RequestContext, Response};
use http::StatusCode;

use super::versioning::{load_object, update_loaded, version_param};
use super::{empty, now_ms, required_xml_body};
use crate::S3;
use crate::auth::arn;
use crate::error::{S3Error, S3Result};
use crate::protocol::Query;
use crate::state::Object;

use crate::xml::Element;

/// Why S3 refuses an UpdateObjectEncryption (messages in `error.rs`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncryptionUpdateError {
    #[error("the request is not signed with SigV4")]
    SignatureV4Required,
    #[error("no SSE-KMS encryption type requested")]
    InvalidType,
    #[error("DSSE-KMS or SSE-C requested")]
    UnsupportedType,
    #[error("no KMS key ARN")]
    MissingKeyArn,
    #[error("malformed KMS key ARN")]
    InvalidKeyArn,
    #[error("BucketKeyEnabled is not true or false")]
    InvalidBucketKey,
    #[error("the KMS key belongs to another account than the bucket's")]
    ForeignKey,
    #[error("the object is encrypted with DSSE-KMS or SSE-C")]
    UnsupportedSource,
    #[error("the object is protected by Object Lock")]
    Locked,
}

/// What a valid `ObjectEncryption` document asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requested {
    pub key_arn: String,
    pub bucket_key: bool,
}

/// The element names other encryption types would take in the union.
const UNSUPPORTED_TYPES: &[&str] = &["DSSE-KMS", "DSSEKMS", "SSE-C", "SSEC"];

/// Parses the `ObjectEncryption` document; pure.
pub fn parse(root: &Element) -> Result<Requested, S3Error> {
    if root.name != "ObjectEncryption" {
        return Err(S3Error::MalformedXml);
    }
    let kms = match root.children.as_slice() {
        [one] if one.name == "SSE-KMS" => one,
        [_, _, ..] if root.child("SSE-KMS").is_some() => return Err(S3Error::MalformedXml),
        others
            if others
                .iter()
                .any(|c| UNSUPPORTED_TYPES.contains(&c.name.as_str())) =>
        {
            return Err(EncryptionUpdateError::UnsupportedType.into());
        }
        _ => return Err(EncryptionUpdateError::InvalidType.into()),
    };
    let key_arn = match kms.child_text("KMSKeyArn") {
        None | Some("") => return Err(EncryptionUpdateError::MissingKeyArn.into()),
        Some(k) if key_account(k).is_none() => {
            return Err(EncryptionUpdateError::InvalidKeyArn.into());
        }
        Some(k) => k.to_string(),
    };
    let bucket_key = match kms.child_text("BucketKeyEnabled") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(EncryptionUpdateError::InvalidBucketKey.into()),
    };
    Ok(Requested {
        key_arn,
        bucket_key,
    })
}

/// The account of a KMS key ARN of the model's shape
/// (`arn:aws[a-zA-Z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-zA-Z0-9-]+`, 20 to 2048
/// characters); `None` for anything else (aliases and bare key ids included).
pub fn key_account(arn: &str) -> Option<&str> {
    if !(20..=2048).contains(&arn.len()) {
        return None;
    }
    let mut parts = arn.splitn(6, ':');
    let (scheme, partition, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let id = resource.strip_prefix("key/")?;
    let ok = scheme == "arn"
        && partition
            .strip_prefix("aws")
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        && service == "kms"
        && !region.is_empty()
        && region
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && account.len() == 12
        && account.chars().all(|c| c.is_ascii_digit())
        && !id.is_empty()
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    ok.then_some(account)
}

/// Whether a version stored with `headers` may have its encryption changed: SSE-S3 (or
/// no header) and SSE-KMS may; SSE-C and DSSE-KMS may not.
fn supported_source(headers: &[(String, String)]) -> bool {
    crate::sse_c::stored_key_md5(headers).is_none()
        && !headers
            .iter()
            .any(|(k, v)| k == "x-amz-server-side-encryption" && v == "aws:kms:dsse")
}

/// `headers` with their encryption replaced by SSE-KMS under `r`'s key.
fn reencrypted(headers: &mut Vec<(String, String)>, r: &Requested) {
    headers.retain(|(k, _)| !k.starts_with("x-amz-server-side-encryption"));
    headers.push(("x-amz-server-side-encryption".into(), "aws:kms".into()));
    headers.push((
        "x-amz-server-side-encryption-aws-kms-key-id".into(),
        r.key_arn.clone(),
    ));
    if r.bucket_key {
        headers.push((
            "x-amz-server-side-encryption-bucket-key-enabled".into(),
            "true".into(),
        ));
    }
}

/// Whether `obj` is under an unexpired retention (either mode) or a legal hold: what no
/// deletion could remove without a bypass.
fn locked(obj: &Object, now: u64) -> bool {
    !crate::lock::may_delete(&obj.version.lock, false, now)
}

pub async fn update_object_encryption(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
    req: Request,
) -> S3Result<Response> {
    let sigv2 = ctx
        .condition_keys
        .iter()
        .any(|(k, v)| k == "s3:signatureversion" && v.iter().any(|v| v == "AWS"));
    if sigv2 {
        return Err(EncryptionUpdateError::SignatureV4Required.into());
    }
    let b = s3.bucket(bucket)?;
    let version = version_param(q)?;
    let obj = load_object(s3, bucket, key, version.as_ref(), "PUT");
    let resource = arn(bucket, Some(key));
    let tags = obj.as_ref().map_or(&[][..], |o| o.tags.as_slice());
    if let Some(refused) = ["s3:UpdateObjectEncryption", "s3:PutObject"]
        .into_iter()
        .find(|action| !s3.allowed_on_object(ctx, &b, action, &resource, obj.as_ref().ok()))
    {
        return Err(s3.denied(ctx, Some(&b), refused, &resource, tags, &[]));
    }
    let obj = obj?;
    let requested = parse(&required_xml_body(req).await?)?;
    if key_account(&requested.key_arn) != Some(b.owner.as_str()) {
        return Err(EncryptionUpdateError::ForeignKey.into());
    }
    if !supported_source(&obj.headers) {
        return Err(EncryptionUpdateError::UnsupportedSource.into());
    }
    if locked(&obj, now_ms()) {
        return Err(EncryptionUpdateError::Locked.into());
    }
    update_loaded(s3, bucket, key, &obj, move |o| {
        if !supported_source(&o.headers) {
            return Err(EncryptionUpdateError::UnsupportedSource.into());
        }
        if locked(o, now_ms()) {
            return Err(EncryptionUpdateError::Locked.into());
        }
        reencrypted(&mut o.headers, &requested);
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::OK))
}

#[cfg(test)]
mod tests {
    use super::*;
    use EncryptionUpdateError::*;

    const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn documents() {
        let kms = |inner: &str| {
            format!(
                "<ObjectEncryption xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">{inner}</ObjectEncryption>"
            )
        };
        let with_key = |extra: &str| {
            kms(&format!(
                "<SSE-KMS><KMSKeyArn>{ARN}</KMSKeyArn>{extra}</SSE-KMS>"
            ))
        };
        let ok = |bucket_key| {
            Ok(Requested {
                key_arn: ARN.into(),
                bucket_key,
            })
        };
        let cases: Vec<(String, Result<Requested, String>)> = vec![
            (with_key(""), ok(false)),
            (
                with_key("<BucketKeyEnabled>true</BucketKeyEnabled>"),
                ok(true),
            ),
            (
                with_key("<BucketKeyEnabled>false</BucketKeyEnabled>"),
                ok(false),
            ),
            (
                with_key("<BucketKeyEnabled>yes</BucketKeyEnabled>"),
                Err(format!("{:?}", InvalidBucketKey)),
            ),
            (kms(""), Err(format!("{InvalidType:?}"))),
            (kms("<SSE-S3/>"), Err(format!("{InvalidType:?}"))),
            (kms("<SSEKMS/>"), Err(format!("{InvalidType:?}"))),
            (kms("<DSSE-KMS/>"), Err(format!("{UnsupportedType:?}"))),
            (kms("<SSE-C/>"), Err(format!("{UnsupportedType:?}"))),
            (kms("<SSE-KMS/>"), Err(format!("{MissingKeyArn:?}"))),
            (
                kms("<SSE-KMS><KMSKeyArn> </KMSKeyArn></SSE-KMS>"),
                Err(format!("{MissingKeyArn:?}")),
            ),
            (
                kms("<SSE-KMS><KMSKeyArn>alias/mine</KMSKeyArn></SSE-KMS>"),
                Err(format!("{InvalidKeyArn:?}")),
            ),
            (
                kms(&format!(
                    "<SSE-KMS><KMSKeyArn>{ARN}</KMSKeyArn></SSE-KMS><SSE-C/>"
                )),
                Err("MalformedXml".into()),
            ),
            (
                "<Encryption><SSE-KMS/></Encryption>".into(),
                Err("MalformedXml".into()),
            ),
        ];
        for (doc, expected) in cases {
            let root = crate::xml::parse(&doc).unwrap();
            let got = parse(&root).map_err(|e| match e {
                S3Error::EncryptionUpdate(e) => format!("{e:?}"),
                S3Error::MalformedXml => "MalformedXml".into(),
                other => format!("{other:?}"),
            });
            assert_eq!(got, expected, "{doc}");
        }
    }

    #[test]
    fn key_arns() {
        let long = format!(
            "arn:aws:kms:us-east-1:111122223333:key/{}",
            "a".repeat(2048)
        );
        let cases: &[(&str, Option<&str>)] = &[
            (ARN, Some("111122223333")),
            (
                "arn:aws-cn:kms:cn-north-1:111122223333:key/k1",
                Some("111122223333"),
            ),
            (
                "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/k",
                Some("111122223333"),
            ),
            ("arn:aws:kms:us-east-1:111122223333:alias/mine", None),
            ("arn:aws:kms:us-east-1:11112222333:key/abcd", None),
            ("arn:aws:kms:us-east-1:1111222233334:key/abcd", None),
            ("arn:aws:kms::111122223333:key/abcd", None),
            ("arn:aws:kms:US-EAST-1:111122223333:key/abcd", None),
            ("arn:aws:s3:us-east-1:111122223333:key/abcd", None),
            ("arn:azure:kms:us-east-1:111122223333:key/abcd", None),
            ("arn:aws:kms:us-east-1:111122223333:key/", None),
            ("arn:aws:kms:us-east-1:111122223333:key/a_b", None),
            ("arn:aws:kms:us-east-1:111122223333:key/a:b", None),
            ("1234abcd-12ab-34cd-56ef-1234567890ab", None),
            ("arn:aws:kms:a:1:key/", None),
            (&long, None),
        ];
        for (arn, account) in cases {
            assert_eq!(key_account(arn), *account, "{arn}");
        }
    }

    #[test]
    fn sources_and_effect() {
        let h = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(supported_source(&[]));
        assert!(supported_source(&h(&[(
            "x-amz-server-side-encryption",
            "AES256"
        )])));
        assert!(supported_source(&h(&[(
            "x-amz-server-side-encryption",
            "aws:kms"
        )])));
        assert!(!supported_source(&h(&[(
            "x-amz-server-side-encryption",
            "aws:kms:dsse"
        )])));
        assert!(!supported_source(&h(&[(
            crate::sse_c::KEY_MD5_HEADER,
            "m"
        )])));

        let mut headers = h(&[
            ("cache-control", "no-cache"),
            ("x-amz-server-side-encryption", "aws:kms"),
            ("x-amz-server-side-encryption-aws-kms-key-id", "old"),
            ("x-amz-server-side-encryption-bucket-key-enabled", "true"),
            ("x-amz-checksum-crc64nvme", "c"),
        ]);
        let r = Requested {
            key_arn: ARN.into(),
            bucket_key: false,
        };
        reencrypted(&mut headers, &r);
        assert_eq!(
            headers,
            h(&[
                ("cache-control", "no-cache"),
                ("x-amz-checksum-crc64nvme", "c"),
                ("x-amz-server-side-encryption", "aws:kms"),
                ("x-amz-server-side-encryption-aws-kms-key-id", ARN),
            ])
        );
    }
}
