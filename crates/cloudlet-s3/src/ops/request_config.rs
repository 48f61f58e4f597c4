//! Applies bucket configuration to ordinary requests, around their execution: before — a
//! write specifying SSE-C is refused where the bucket blocks SSE-C, the
//! ACL headers of CreateBucket/PutObject/CopyObject are checked against Object Ownership
//! and Block Public Access, and the object's server-side encryption is decided (a
//! customer key (SSE-C), else the request header or the bucket default) and put on the
//! request so it is stored with the object;
//! after — a new bucket's ACL and ownership are stored, and the
//! `x-amz-server-side-encryption*` and `x-amz-expiration` headers are added to the response.
//! An object write's ACL is not stored here: the operation takes it
//! ([`Pending::take_object_acl`]) and writes it in the object's or upload's own record.

use cloudlet_core::{RequestContext, Response};
use http::{HeaderMap, HeaderName, HeaderValue};

use super::{acl, lifecycle, set_header, settings};
use crate::S3;
use crate::acl::Acl;
use crate::error::S3Result;
use crate::protocol::Op;
use crate::protocol::Query;
use crate::{mpstate, sse_c, state};

/// The encryption headers among an object's (or upload's) stored headers.
fn stored_encryption(headers: &[(String, String)]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(k, _)| k.starts_with("x-amz-server-side-encryption"))
        .cloned()
        .collect()
}

/// What `before` decided, for `after`.
#[derive(Default)]
pub struct Pending {
    acl: Option<Acl>,
    ownership: Option<String>,
    encryption: Vec<(String, String)>,
}

impl Pending {
    /// The ACL an object write (PutObject, CopyObject, CreateMultipartUpload) is to store
    /// with what it writes.
    pub fn take_object_acl(&mut self, op: Op) -> Option<Acl> {
        match op {
            Op::PutObject | Op::CopyObject | Op::CreateMultipartUpload => self.acl.take(),
            _ => None,
        }
    }
}

pub fn before(
    s3: &S3,
    ctx: &RequestContext,
    op: Op,
    bucket: &str,
    h: &mut HeaderMap,
) -> S3Result<Pending> {
    let mut p = Pending::default();
    match op {
        Op::CreateBucket => {
            (p.ownership, p.acl) = acl::check_create(ctx, h)?;
        }
        Op::PutObject | Op::CopyObject | Op::CreateMultipartUpload => {
            settings::refuse_blocked_sse_c(s3, bucket, h)?;
            // Read once for both checks; the operation itself reports a missing bucket.
            let b = s3.bucket(bucket).ok();
            p.acl = acl::check_object_write(s3, ctx, b.as_ref(), h)?;
            // A customer key replaces the bucket's default encryption.
            if let Some(key) = sse_c::parse(h)? {
                p.encryption = key.headers();
            } else if let Some(b) = &b {
                p.encryption = settings::object_encryption(s3, b, h)?;
                for (k, v) in &p.encryption {
                    if let (Ok(name), Ok(value)) = (
                        HeaderName::from_bytes(k.as_bytes()),
                        HeaderValue::from_str(v),
                    ) {
                        h.insert(name, value);
                    }
                }
            }
        }
        Op::UploadPart | Op::UploadPartCopy => settings::refuse_blocked_sse_c(s3, bucket, h)?,
        _ => {}
    }
    Ok(p)
}

pub async fn after(
    s3: &S3,
    op: Op,
    bucket: &str,
    key: &str,
    query: &Query,
    p: Pending,
    r: &mut Response,
) -> S3Result<()> {
    if op == Op::CreateBucket {
        return acl::apply_create(s3, bucket, p.ownership, p.acl).await;
    }
    let mut encryption = p.encryption;
    if matches!(op, Op::UploadPart | Op::UploadPartCopy) && r.status().is_success() {
        // Parts report the encryption of the upload they belong to.
        let id = query.get("uploadId").unwrap_or("");
        if let Ok(Some(u)) = s3.store.read(|txn| mpstate::get_upload(txn, bucket, id)) {
            encryption = stored_encryption(&u.headers);
        }
    }
    if matches!(op, Op::CreateMultipartUpload | Op::ListParts) && r.status().is_success() {
        let initiated = match op {
            Op::ListParts => {
                let id = query.get("uploadId").unwrap_or("");
                s3.store
                    .read(|txn| mpstate::get_upload(txn, bucket, id))
                    .ok()
                    .flatten()
                    .map(|u| u.initiated)
            }
            _ => Some(super::now_ms()),
        };
        if let Some((date, rule)) =
            initiated.and_then(|at| lifecycle::abort_headers(s3, bucket, key, at))
        {
            set_header(r, "x-amz-abort-date", &date);
            set_header(r, "x-amz-abort-rule-id", &rule);
        }
    }
    if op == Op::CompleteMultipartUpload
        && r.status().is_success()
        && let Ok(Some(obj)) = s3.store.read(|txn| state::get_object(txn, bucket, key))
    {
        // CompleteMultipartUpload does not answer with the customer key's headers.
        encryption = stored_encryption(&obj.headers);
        encryption.retain(|(k, _)| !k.contains("-customer-"));
    }
    for (k, v) in &encryption {
        if let Ok(name) = HeaderName::from_bytes(k.as_bytes())
            && let Ok(value) = HeaderValue::from_str(v)
        {
            r.headers_mut().insert(name, value);
        }
    }
    if !matches!(
        op,
        Op::PutObject
            | Op::CopyObject
            | Op::GetObject
            | Op::HeadObject
            | Op::CompleteMultipartUpload
    ) || !r.status().is_success()
    {
        return Ok(());
    }
    // Most buckets have no lifecycle: look for one before reading the object again.
    let Some(config) = lifecycle::configuration(s3, bucket) else {
        return Ok(());
    };
    let Ok(Some(obj)) = s3.store.read(|txn| state::get_object(txn, bucket, key)) else {
        return Ok(());
    };
    if let Some(v) = lifecycle::expiration_header(s3, &config, key, &obj) {
        set_header(r, "x-amz-expiration", &v);
    }
    Ok(())
}
