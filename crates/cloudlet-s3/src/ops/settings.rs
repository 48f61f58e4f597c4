//! The smaller bucket settings, each a typed document in `s3.bucket_config`: default
//! encryption (SSE-S3 unless configured, as on AWS since January 2023), the encryption
//! headers objects get from it and the encryption types it blocks (SSE-C, refused on every
//! write that asks for it; unblocked unless configured, unlike AWS since April 2026), request payment, transfer acceleration and server access
//! logging (stored; no logs are written).

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{Request, RequestContext, Response};
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::xml_body;
use super::{XMLNS, empty, xml_response};
use crate::S3;
use crate::config_error::ConfigError;
use crate::error::{S3Error, S3Result, invalid_argument};
use crate::upload::hv;
use crate::xml::Element;

fn bool_text(v: bool) -> &'static str {
    if v { "true" } else { "false" }
}

// ---- Default encryption ----

const ALGORITHMS: &[&str] = &["AES256", "aws:kms", "aws:kms:dsse"];

/// The values of `BlockedEncryptionTypes/EncryptionType`.
const ENCRYPTION_TYPES: &[&str] = &["NONE", SSE_C];
const SSE_C: &str = "SSE-C";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encryption {
    pub algorithm: String,
    pub kms_key: Option<String>,
    pub bucket_key: bool,
    /// `BlockedEncryptionTypes` as given (`NONE` or `SSE-C`); empty when not given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<String>,
}

impl Default for Encryption {
    fn default() -> Encryption {
        Encryption {
            algorithm: "AES256".into(),
            kms_key: None,
            bucket_key: false,
            blocked: Vec::new(),
        }
    }
}

/// `BlockedEncryptionTypes`: one or more `EncryptionType`s of the model's enum, `NONE`
/// standing alone.
fn blocked_types(e: &Element) -> S3Result<Vec<String>> {
    let types: Vec<String> = e
        .children_named("EncryptionType")
        .map(|t| t.text.clone())
        .collect();
    let valid = types.iter().all(|t| ENCRYPTION_TYPES.contains(&t.as_str()));
    if types.is_empty() || !valid || (types.len() > 1 && types.iter().any(|t| t == "NONE")) {
        return Err(S3Error::MalformedXml);
    }
    Ok(types)
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
        let blocked = match rule.child("BlockedEncryptionTypes") {
            Some(e) => blocked_types(e)?,
            None => Vec::new(),
        };
        // A rule that only blocks encryption types keeps the default SSE-S3.
        let (algorithm, kms_key) = match rule.child("ApplyServerSideEncryptionByDefault") {
            Some(by_default) => (
                by_default
                    .child_text("SSEAlgorithm")
                    .filter(|a| ALGORITHMS.contains(a))
                    .ok_or(S3Error::MalformedXml)?,
                by_default
                    .child_text("KMSMasterKeyID")
                    .filter(|k| !k.is_empty()),
            ),
            None if !blocked.is_empty() => ("AES256", None),
            None => return Err(S3Error::MalformedXml),
        };
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
            blocked,
        })
    }

    /// Whether writes that specify SSE-C are refused.
    pub fn blocks_sse_c(&self) -> bool {
        self.blocked.iter().any(|t| t == SSE_C)
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
        if !self.blocked.is_empty() {
            x.open("BlockedEncryptionTypes");
            for t in &self.blocked {
                x.elem("EncryptionType", t);
            }
            x.close();
        }
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

/// Refuses a write that specifies SSE-C (its customer-key headers, before they are checked)
/// to a bucket whose encryption configuration blocks SSE-C; copy-source keys do not count.
pub fn refuse_blocked_sse_c(s3: &S3, bucket: &str, h: &HeaderMap) -> S3Result<()> {
    if !crate::sse_c::specified(h) {
        return Ok(());
    }
    let config: Option<Encryption> = s3.config(bucket, ENCRYPTION)?;
    match config {
        Some(c) if c.blocks_sse_c() => Err(S3Error::SseCBlocked),
        _ => Ok(()),
    }
}

/// The encryption headers a new object of `bucket` is stored and answered with: the
/// request's `x-amz-server-side-encryption` (checked), else the bucket default.
pub fn object_encryption(
    s3: &S3,
    b: &crate::state::Bucket,
    h: &HeaderMap,
) -> S3Result<Vec<(String, String)>> {
    let default: Encryption = s3.config(&b.name, ENCRYPTION)?.unwrap_or_default();
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
    // A KMS key names no encryption by itself: S3 wants the algorithm said too.
    if let Some(key) = hv(h, "x-amz-server-side-encryption-aws-kms-key-id")
        && !requested.is_some_and(|a| a.starts_with("aws:kms"))
    {
        return Err(invalid_argument(
            "Server Side Encryption with AWS KMS managed key requires HTTP header \
             x-amz-server-side-encryption : aws:kms",
            "x-amz-server-side-encryption-aws-kms-key-id",
            key,
        ));
    }
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

/// Whether the bucket's requesters pay (RequestPaymentConfiguration `Requester`).
pub fn requester_pays(s3: &S3, bucket: &str) -> S3Result<bool> {
    let payer: Option<Setting> = s3.config(bucket, "requestPayment")?;
    Ok(payer.is_some_and(|Setting(p)| p == "Requester"))
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

/// The values of `PartitionDateSource`.
const DATE_SOURCES: &[&str] = &["EventTime", "DeliveryTime"];

/// The values of a target grant's `Permission`.
const LOG_PERMISSIONS: &[&str] = &["FULL_CONTROL", "READ", "WRITE"];

/// `TargetGrants`: `Grant`s of a typed `Grantee` and a `Permission`, the grantees checked as
/// an ACL's are.
fn target_grants(e: &Element) -> S3Result<Vec<crate::acl::Grant>> {
    let malformed = || S3Error::MalformedXml;
    e.children
        .iter()
        .map(|g| match g.name == "Grant" {
            true => crate::acl::Grant::from_xml(g, LOG_PERMISSIONS, malformed),
            false => Err(malformed()),
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Logging {
    pub target_bucket: String,
    pub target_prefix: String,
    /// `TargetGrants`, kept to be given back (no logs are written).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_grants: Vec<crate::acl::Grant>,
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
                match p.child_text("PartitionDateSource") {
                    None => None,
                    Some(v) if DATE_SOURCES.contains(&v) => Some(v.to_string()),
                    Some(_) => return Err(S3Error::MalformedXml),
                },
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
        Ok(_) => return Err(ConfigError::LoggingTargetOfAnotherOwner(target).into()),
        Err(_) => return Err(ConfigError::InvalidTargetBucketForLogging(target).into()),
    }
    let target_grants = match enabled.child("TargetGrants") {
        None => Vec::new(),
        // Grants on log objects are ACLs, which a bucket owner enforced target does not
        // take.
        Some(_) if super::acl::enforced(s3, &target)? => {
            return Err(ConfigError::TargetGrantsNotAllowed.into());
        }
        Some(grants) => target_grants(grants)?,
    };
    let config = Logging {
        target_bucket: target,
        target_prefix: prefix,
        target_grants,
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
            .elem("TargetBucket", &c.target_bucket);
        if !c.target_grants.is_empty() {
            x.open("TargetGrants");
            for g in &c.target_grants {
                x.raw(&g.to_xml());
            }
            x.close();
        }
        x.elem("TargetPrefix", &c.target_prefix);
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

    #[test]
    fn logging_target_grants() {
        let grant = |grantee: &str, permission: &str| {
            format!(
                "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" {grantee}</Grantee><Permission>{permission}</Permission></Grant>"
            )
        };
        let group = r#"xsi:type="Group"><URI>http://acs.amazonaws.com/groups/s3/LogDelivery</URI>"#;
        // (grants, how many are taken; None: MalformedXML)
        let cases = [
            (grant(group, "WRITE"), Some(1)),
            (grant(group, "WRITE") + &grant(group, "READ"), Some(2)),
            (String::new(), Some(0)),
            (grant(group, "READ_ACP"), None),
            (grant(r#"xsi:type="Nobody"><URI>x</URI>"#, "READ"), None),
            (grant(r#"><URI>x</URI>"#, "READ"), None),
            ("<Other/>".to_string(), None),
        ];
        for (grants, want) in cases {
            let got = target_grants(&root(&format!("<TargetGrants>{grants}</TargetGrants>")));
            match (got, want) {
                (Ok(g), Some(n)) => assert_eq!(g.len(), n, "{grants}"),
                (Err(S3Error::MalformedXml), None) => {}
                (got, want) => panic!("{grants}: {got:?}, wanted {want:?}"),
            }
        }
    }

    #[test]
    fn blocked_encryption_types() {
        let doc = |by_default: &str, blocked: &str| {
            root(&format!(
                "<ServerSideEncryptionConfiguration><Rule>{by_default}{blocked}</Rule></ServerSideEncryptionConfiguration>"
            ))
        };
        let aes = "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>";
        let kms = "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm></ApplyServerSideEncryptionByDefault>";
        let types = |ts: &[&str]| {
            let inner: String = ts
                .iter()
                .map(|t| format!("<EncryptionType>{t}</EncryptionType>"))
                .collect();
            format!("<BlockedEncryptionTypes>{inner}</BlockedEncryptionTypes>")
        };
        // (document, Some((algorithm, blocked, blocks SSE-C)) or None for MalformedXML)
        type Case<'a> = (Element, Option<(&'a str, Vec<&'a str>, bool)>);
        let cases: Vec<Case> = vec![
            (doc(aes, ""), Some(("AES256", vec![], false))),
            (
                doc(aes, &types(&["SSE-C"])),
                Some(("AES256", vec!["SSE-C"], true)),
            ),
            (
                doc(kms, &types(&["NONE"])),
                Some(("aws:kms", vec!["NONE"], false)),
            ),
            (
                doc("", &types(&["SSE-C"])),
                Some(("AES256", vec!["SSE-C"], true)),
            ),
            (doc("", ""), None),
            (doc(aes, &types(&[])), None),
            (doc(aes, &types(&["SSE-KMS"])), None),
            (doc(aes, &types(&["sse-c"])), None),
            (doc(aes, &types(&["NONE", "SSE-C"])), None),
            (doc("", &types(&["bogus"])), None),
        ];
        for (root, want) in cases {
            let got = Encryption::from_xml(&root);
            match (got, want) {
                (Ok(e), Some((algorithm, blocked, blocks))) => {
                    assert_eq!(e.algorithm, algorithm);
                    assert_eq!(e.blocked, blocked);
                    assert_eq!(e.blocks_sse_c(), blocks);
                    let back = Encryption::from_xml(&crate::xml::parse(&e.to_xml()).unwrap());
                    assert_eq!(back.unwrap(), e);
                }
                (Err(S3Error::MalformedXml), None) => {}
                (got, want) => panic!("{got:?}, wanted {want:?}"),
            }
        }
        // Records stored before the field existed still read.
        let old: Encryption =
            serde_json::from_str(r#"{"algorithm":"AES256","kms_key":null,"bucket_key":false}"#)
                .unwrap();
        assert!(!old.blocks_sse_c());
    }
}
