//! The smaller bucket settings, each a typed document in `s3.bucket_config`: default
//! encryption (SSE-S3 unless configured, as on AWS since January 2023) and the encryption
//! headers objects get from it, request payment, transfer acceleration and server access
//! logging (stored; no logs are written).

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{Request, RequestContext, Response};
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::xml_body;
use super::{XMLNS, empty, xml_response};
use crate::S3;
use crate::config_error::ConfigError;
use crate::error::{S3Error, S3Result};
use crate::upload::hv;
use crate::xml::Element;

fn bool_text(v: bool) -> &'static str {
    if v { "true" } else { "false" }
}

// ---- Default encryption ----

const ALGORITHMS: &[&str] = &["AES256", "aws:kms", "aws:kms:dsse"];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encryption {
    pub algorithm: String,
    pub kms_key: Option<String>,
    pub bucket_key: bool,
}

impl Default for Encryption {
    fn default() -> Encryption {
        Encryption {
            algorithm: "AES256".into(),
            kms_key: None,
            bucket_key: false,
        }
    }
}

impl Encryption {
    pub fn from_xml(root: &Element) -> S3Result<Encryption> {
        if root.name != "ServerSideEncryptionConfiguration" {
            return Err(S3Error::MalformedXml);
        }
        let rules: Vec<&Element> = root.children_named("Rule").collect();
        let [rule] = rules.as_slice() else {
            return Err(S3Error::MalformedXml);
        };
        let by_default = rule
            .child("ApplyServerSideEncryptionByDefault")
            .ok_or(S3Error::MalformedXml)?;
        let algorithm = by_default
            .child_text("SSEAlgorithm")
            .filter(|a| ALGORITHMS.contains(a))
            .ok_or(S3Error::MalformedXml)?;
        let kms_key = by_default
            .child_text("KMSMasterKeyID")
            .filter(|k| !k.is_empty());
        if algorithm == "AES256" && kms_key.is_some() {
            return Err(ConfigError::KmsKeyNotApplicable.into());
        }
        let bucket_key = match rule.child_text("BucketKeyEnabled") {
            None | Some("false") => false,
            Some("true") => true,
            Some(_) => return Err(S3Error::MalformedXml),
        };
        Ok(Encryption {
            algorithm: algorithm.to_string(),
            kms_key: kms_key.map(str::to_string),
            bucket_key,
        })
    }

    pub fn to_xml(&self) -> String {
        let mut x = XmlWriter::new();
        x.open_ns("ServerSideEncryptionConfiguration", XMLNS)
            .open("Rule")
            .open("ApplyServerSideEncryptionByDefault")
            .elem("SSEAlgorithm", &self.algorithm)
            .opt("KMSMasterKeyID", self.kms_key.as_deref())
            .close()
            .elem("BucketKeyEnabled", bool_text(self.bucket_key));
        x.finish()
    }
}

const ENCRYPTION: &str = "encryption";

pub async fn put_encryption(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutEncryptionConfiguration")?;
    let config = Encryption::from_xml(&xml_body(req).await?)?;
    s3.store_config(bucket, ENCRYPTION, Some(config)).await?;
    Ok(empty(StatusCode::OK))
}

pub fn get_encryption(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:GetEncryptionConfiguration")?;
    let config: Encryption = s3.config(bucket, ENCRYPTION)?.unwrap_or_default();
    Ok(xml_response(config.to_xml()))
}

pub async fn delete_encryption(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutEncryptionConfiguration")?;
    s3.store_config::<Encryption>(bucket, ENCRYPTION, None)
        .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// The encryption headers a new object of `bucket` is stored and answered with: the
/// request's `x-amz-server-side-encryption` (checked), else the bucket default.
pub fn object_encryption(s3: &S3, bucket: &str, h: &HeaderMap) -> S3Result<Vec<(String, String)>> {
    let b = s3.bucket(bucket)?;
    let default: Encryption = s3.config(bucket, ENCRYPTION)?.unwrap_or_default();
    let requested = hv(h, "x-amz-server-side-encryption");
    let (algorithm, key, bucket_key) = match requested {
        Some(a) if !ALGORITHMS.contains(&a) => {
            return Err(ConfigError::InvalidEncryptionAlgorithm(a.to_string()).into());
        }
        Some(a) => (
            a.to_string(),
            hv(h, "x-amz-server-side-encryption-aws-kms-key-id")
                .map(str::to_string)
                .or_else(|| default.kms_key.clone().filter(|_| a == default.algorithm)),
            hv(h, "x-amz-server-side-encryption-bucket-key-enabled")
                .map_or(default.bucket_key, |v| v.eq_ignore_ascii_case("true")),
        ),
        None => (default.algorithm, default.kms_key, default.bucket_key),
    };
    let mut out = vec![(
        "x-amz-server-side-encryption".to_string(),
        algorithm.clone(),
    )];
    if algorithm.starts_with("aws:kms") {
        let key = key_arn(key.as_deref(), &b.region, &b.owner);
        out.push(("x-amz-server-side-encryption-aws-kms-key-id".into(), key));
        if bucket_key {
            out.push((
                "x-amz-server-side-encryption-bucket-key-enabled".into(),
                "true".into(),
            ));
        }
    }
    Ok(out)
}

/// The ARN objects report for a KMS key: a key id or alias is qualified with the bucket's
/// region and account; no key at all means the account's AWS managed `aws/s3` key, whose
/// id is derived from the account and region so it stays the same.
pub fn key_arn(key: Option<&str>, region: &str, account: &str) -> String {
    match key {
        Some(k) if k.starts_with("arn:") => k.to_string(),
        Some(k) if k.starts_with("alias/") => format!("arn:aws:kms:{region}:{account}:{k}"),
        Some(k) => format!("arn:aws:kms:{region}:{account}:key/{k}"),
        None => {
            use sha2::Digest;
            let h = cloudlet_core::ids::hex(&sha2::Sha256::digest(format!(
                "aws/s3:{account}:{region}"
            )));
            format!(
                "arn:aws:kms:{region}:{account}:key/{}-{}-{}-{}-{}",
                &h[0..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..32]
            )
        }
    }
}

/// The `x-amz-server-side-encryption*` headers of a request (as [`object_encryption`] set
/// them), to be stored with an object.
pub fn encryption_headers(h: &HeaderMap) -> Vec<(String, String)> {
    h.iter()
        .filter(|(k, _)| k.as_str().starts_with("x-amz-server-side-encryption"))
        .filter(|(k, _)| !k.as_str().contains("customer"))
        .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
        .collect()
}

// ---- Request payment, transfer acceleration ----

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Setting(String);

/// Parses `<{root}><{field}>value</{field}></{root}>` where value is one of `allowed`.
fn one_field(root: &Element, name: &str, field: &str, allowed: &[&str]) -> S3Result<String> {
    if root.name != name {
        return Err(S3Error::MalformedXml);
    }
    root.child_text(field)
        .filter(|v| allowed.contains(v))
        .map(str::to_string)
        .ok_or(S3Error::MalformedXml)
}

pub async fn put_request_payment(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutBucketRequestPayment")?;
    let root = xml_body(req).await?;
    let payer = one_field(
        &root,
        "RequestPaymentConfiguration",
        "Payer",
        &["Requester", "BucketOwner"],
    )?;
    s3.store_config(bucket, "requestPayment", Some(Setting(payer)))
        .await?;
    Ok(empty(StatusCode::OK))
}

pub fn get_request_payment(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:GetBucketRequestPayment")?;
    let payer: Option<Setting> = s3.config(bucket, "requestPayment")?;
    let mut x = XmlWriter::new();
    x.open_ns("RequestPaymentConfiguration", XMLNS).elem(
        "Payer",
        payer.as_ref().map_or("BucketOwner", |p| p.0.as_str()),
    );
    Ok(xml_response(x.finish()))
}

pub async fn put_accelerate(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutAccelerateConfiguration")?;
    let root = xml_body(req).await?;
    let status = one_field(
        &root,
        "AccelerateConfiguration",
        "Status",
        &["Enabled", "Suspended"],
    )?;
    if bucket.contains('.') {
        return Err(S3Error::InvalidRequest(
            "S3 Transfer Acceleration is not supported for buckets with periods (.) in their names"
                .into(),
        ));
    }
    s3.store_config(bucket, "accelerate", Some(Setting(status)))
        .await?;
    Ok(empty(StatusCode::OK))
}

pub fn get_accelerate(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:GetAccelerateConfiguration")?;
    let status: Option<Setting> = s3.config(bucket, "accelerate")?;
    let mut x = XmlWriter::new();
    x.open_ns("AccelerateConfiguration", XMLNS)
        .opt("Status", status.as_ref().map(|s| s.0.as_str()));
    Ok(xml_response(x.finish()))
}

// ---- Server access logging ----

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logging {
    pub target_bucket: String,
    pub target_prefix: String,
    /// `None` = SimplePrefix when given, `Some(source)` = PartitionedPrefix.
    pub key_format: Option<KeyFormat>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyFormat {
    Simple,
    Partitioned(Option<String>),
}

pub async fn put_logging(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    let b = s3.bucket_for(ctx, bucket, "s3:PutBucketLogging")?;
    let root = xml_body(req).await?;
    if root.name != "BucketLoggingStatus" {
        return Err(S3Error::MalformedXml);
    }
    let Some(enabled) = root.child("LoggingEnabled") else {
        s3.store_config::<Logging>(bucket, "logging", None).await?;
        return Ok(empty(StatusCode::OK));
    };
    let target = enabled
        .child_text("TargetBucket")
        .ok_or(S3Error::MalformedXml)?
        .to_string();
    let prefix = enabled
        .child("TargetPrefix")
        .map(|p| p.text.clone())
        .ok_or(S3Error::MalformedXml)?;
    let key_format = match enabled.child("TargetObjectKeyFormat") {
        None => None,
        Some(f) if f.child("SimplePrefix").is_some() => Some(KeyFormat::Simple),
        Some(f) => match f.child("PartitionedPrefix") {
            Some(p) => Some(KeyFormat::Partitioned(
                p.child_text("PartitionDateSource").map(str::to_string),
            )),
            None => return Err(S3Error::MalformedXml),
        },
    };
    match s3.bucket(&target) {
        Ok(t) if t.owner == b.owner => {
            if t.region != b.region {
                return Err(ConfigError::CrossLocationLoggingProhibited(t.region).into());
            }
        }
        _ => return Err(ConfigError::InvalidTargetBucketForLogging(target).into()),
    }
    let config = Logging {
        target_bucket: target,
        target_prefix: prefix,
        key_format,
    };
    s3.store_config(bucket, "logging", Some(config)).await?;
    Ok(empty(StatusCode::OK))
}

pub fn get_logging(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:GetBucketLogging")?;
    let config: Option<Logging> = s3.config(bucket, "logging")?;
    let mut x = XmlWriter::new();
    x.open_ns("BucketLoggingStatus", XMLNS);
    if let Some(c) = config {
        x.open("LoggingEnabled")
            .elem("TargetBucket", &c.target_bucket)
            .elem("TargetPrefix", &c.target_prefix);
        match &c.key_format {
            None => {}
            Some(KeyFormat::Simple) => {
                x.open("TargetObjectKeyFormat")
                    .open("SimplePrefix")
                    .close()
                    .close();
            }
            Some(KeyFormat::Partitioned(source)) => {
                x.open("TargetObjectKeyFormat")
                    .open("PartitionedPrefix")
                    .opt("PartitionDateSource", source.as_deref())
                    .close()
                    .close();
            }
        }
        x.close();
    }
    Ok(xml_response(x.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(doc: &str) -> Element {
        crate::xml::parse(doc).unwrap()
    }

    #[test]
    fn encryption_documents() {
        let kms = Encryption::from_xml(&root(
            "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>k1</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>",
        ))
        .unwrap();
        assert_eq!(kms.kms_key.as_deref(), Some("k1"));
        assert!(kms.bucket_key);
        assert_eq!(Encryption::from_xml(&root(&kms.to_xml())).unwrap(), kms);
        let bad = [
            "<ServerSideEncryptionConfiguration/>",
            "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>DES</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>",
            "<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>",
            "<Other/>",
        ];
        for doc in bad {
            assert!(Encryption::from_xml(&root(doc)).is_err(), "{doc}");
        }
    }
}
