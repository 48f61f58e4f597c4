//! Executing S3 operations against the store, and the response helpers they share.
//! `attributes` (GetObjectAttributes), `bucket` (create/delete/head/list buckets/location),
//! `config` (policy, Block Public Access, website), `object` (put/get/head/delete), `list`
//! (ListObjects v1/v2), `copy` (CopyObject), `multipart`, `batch` (DeleteObjects, tagging),
//! `post` (POST Object), `object_encryption` (UpdateObjectEncryption), `versioning` (bucket versioning, version-aware GET/HEAD/DELETE),
//! `list_versions` (ListObjectVersions), `list_uploads` (ListMultipartUploads), `lock` (Object Lock), `restore` (RestoreObject);
//! the configuration
//! sub-resources: `subresource` (dispatch), `cors`, `lifecycle`, `acl` (ownership, ACLs),
//! `notification`, `settings` (encryption, payment, …), `replication`, `id_configs`
//! (analytics, inventory, metrics, Intelligent-Tiering), `policy_status`, and
//! `request_config` (their effect on ordinary requests).

pub mod acl;
pub mod attributes;
pub mod batch;
pub mod bucket;
pub mod config;
pub mod copy;
pub mod cors;
pub mod id_configs;
pub mod lifecycle;
pub mod list;
pub mod list_uploads;
pub mod list_versions;
pub mod lock;
pub mod multipart;
pub mod notification;
pub mod object;
pub mod object_encryption;
pub mod policy_status;
pub mod post;
pub mod replication;
pub mod request_config;
pub mod restore;
pub mod settings;
pub mod subresource;
pub mod versioning;

use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use cloudlet_core::{Request, RequestContext, Response, body};
use http::{HeaderValue, StatusCode, header};

use crate::S3;
use crate::error::{S3Error, S3Result};
use crate::precheck::{Integrity, checked_small_body, content_md5};
use crate::state::{self, Bucket};

/// The S3 XML namespace.
pub const XMLNS: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// Largest configuration document (XML or policy JSON) read into memory.
pub const MAX_CONFIG_BODY: usize = 1 << 20;

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// `2024-01-02T03:04:05.000Z`.
pub fn iso8601(ms: u64) -> String {
    let secs = ms / 1000;
    let (y, m, d, h, mi, s) = cloudlet_core::time::civil(secs as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z",
        ms % 1000
    )
}

/// RFC 1123 (`Wed, 21 Oct 2015 07:28:00 GMT`).
pub fn http_date(ms: u64) -> String {
    httpdate::fmt_http_date(UNIX_EPOCH + std::time::Duration::from_millis(ms / 1000 * 1000))
}

/// The 64-hex-digit canonical user id S3 shows for an account.
pub fn canonical_id(account: &str) -> String {
    use sha2::Digest;
    cloudlet_core::ids::hex(&sha2::Sha256::digest(format!(
        "cloudlet-canonical-user:{account}"
    )))
}

pub fn xml_response(xml: String) -> Response {
    let mut r = Response::new(body::full(Bytes::from(xml)));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    r
}

pub fn empty(status: StatusCode) -> Response {
    let mut r = Response::new(body::empty());
    *r.status_mut() = status;
    r
}

pub fn set_header(r: &mut Response, name: &'static str, value: &str) {
    if let Ok(v) = HeaderValue::from_str(value) {
        r.headers_mut().insert(name, v);
    }
}

/// Reads a small request body (configuration documents), checked as PutObject checks an
/// object's: `Content-MD5` and a declared checksum (header, or trailer of an `aws-chunked`
/// body) must match it, or nothing is stored.
pub async fn small_body(req: Request) -> S3Result<Bytes> {
    let integrity = Integrity::of(req.headers())?;
    read_checked(req, integrity).await
}

/// CompleteMultipartUpload's document: its `x-amz-checksum-*` headers are the finished
/// object's, so only `Content-MD5` is checked against the document itself.
pub async fn completion_body(req: Request) -> S3Result<crate::xml::Element> {
    let integrity = Integrity {
        md5: content_md5(req.headers())?,
        declared: None,
    };
    parse_xml(&read_checked(req, integrity).await?)
}

async fn read_checked(req: Request, integrity: Integrity) -> S3Result<Bytes> {
    let (parts, incoming) = req.into_parts();
    let raw = body::collect(incoming, MAX_CONFIG_BODY)
        .await
        .map_err(|e| S3Error::Body(e.to_string()))?;
    checked_small_body(&parts.headers, &integrity, raw)
}

/// Reads an XML request document into its root element (`MalformedXML` otherwise).
pub async fn xml_body(req: Request) -> S3Result<crate::xml::Element> {
    parse_xml(&small_body(req).await?)
}

/// [`xml_body`] for a document S3 requires `Content-MD5` or a checksum (header or trailer)
/// of (DeleteObjects, PutBucketCors, PutBucketLifecycleConfiguration, PutBucketTagging):
/// refused without one before the body is read.
pub async fn required_xml_body(req: Request) -> S3Result<crate::xml::Element> {
    let integrity = Integrity::required(req.headers())?;
    parse_xml(&read_checked(req, integrity).await?)
}

fn parse_xml(bytes: &[u8]) -> S3Result<crate::xml::Element> {
    let text = std::str::from_utf8(bytes).map_err(|_| S3Error::MalformedXml)?;
    crate::xml::parse(text).ok_or(S3Error::MalformedXml)
}

impl S3 {
    /// Loads a bucket or fails with `NoSuchBucket`.
    pub(crate) fn bucket(&self, name: &str) -> S3Result<Bucket> {
        self.store
            .read(|txn| state::get_bucket(txn, name))?
            .ok_or_else(|| S3Error::NoSuchBucket(name.to_string()))
    }

    /// Loads a bucket and checks the caller may perform `action` on it.
    pub(crate) fn bucket_for(
        &self,
        ctx: &RequestContext,
        name: &str,
        action: &str,
    ) -> S3Result<Bucket> {
        let b = self.bucket(name)?;
        self.require(
            ctx,
            &b,
            action,
            &crate::auth::arn(name, None),
            &[],
            Some(action),
        )?;
        Ok(b)
    }

    /// Applies `change` to a bucket's record in one durable transaction.
    pub(crate) async fn update_bucket(
        &self,
        name: &str,
        change: impl Fn(&mut Bucket) -> S3Result<()> + Send + 'static,
    ) -> S3Result<()> {
        let name = name.to_string();
        self.store
            .write(move |txn| {
                let mut b = state::load_bucket(txn, &name)?
                    .ok_or_else(|| S3Error::NoSuchBucket(name.clone()))?;
                change(&mut b)?;
                state::put_bucket(txn, &b)?;
                Ok(())
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let cases = [
            (
                0,
                "1970-01-01T00:00:00.000Z",
                "Thu, 01 Jan 1970 00:00:00 GMT",
            ),
            (
                1_709_164_800_123,
                "2024-02-29T00:00:00.123Z",
                "Thu, 29 Feb 2024 00:00:00 GMT",
            ),
            (
                1_764_064_800_999,
                "2025-11-25T10:00:00.999Z",
                "Tue, 25 Nov 2025 10:00:00 GMT",
            ),
        ];
        for (ms, iso, http) in cases {
            assert_eq!(iso8601(ms), iso);
            assert_eq!(http_date(ms), http);
        }
    }
}
