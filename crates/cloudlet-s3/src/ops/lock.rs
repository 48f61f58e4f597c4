//! Object Lock operations: Get/PutObjectLockConfiguration on buckets, and
//! Get/PutObjectRetention and Get/PutObjectLegalHold on object versions. The rules
//! themselves (what may change, what protects a version) are in `crate::lock`.

use cloudlet_core::{Request, RequestContext, Response};
use http::StatusCode;

use super::versioning::version_param;
use super::{empty, now_ms, xml_response};
use crate::S3;
use crate::auth::arn;
use crate::error::{S3Error, S3Result};
use crate::lock;
use crate::protocol::Query;
use crate::state::{Bucket, Object};
use crate::versions::{self, ObjectLock, Status, VersionRef};

pub fn get_configuration(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    let b = s3.bucket_for(ctx, bucket, "s3:GetBucketObjectLockConfiguration")?;
    let cfg = b
        .versioning
        .object_lock
        .ok_or_else(|| S3Error::ObjectLockConfigurationNotFound(bucket.to_string()))?;
    Ok(xml_response(lock::configuration_xml(cfg.rule.as_ref())))
}

pub async fn put_configuration(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutBucketObjectLockConfiguration")?;
    let root = super::xml_body(req).await?;
    let rule = lock::parse_configuration(&root)?;
    s3.update_bucket(bucket, move |b| {
        // Object Lock can be turned on for an existing bucket only once it is versioned.
        if b.versioning.object_lock.is_none() && b.versioning.status != Some(Status::Enabled) {
            return Err(S3Error::InvalidBucketState(
                "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
            ));
        }
        b.versioning.object_lock = Some(ObjectLock { rule });
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::OK))
}

/// Loads a lock-enabled bucket and checks the caller may perform `action` on `key`.
fn lock_bucket(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    action: &str,
) -> S3Result<Bucket> {
    let b = s3.bucket(bucket)?;
    s3.require(ctx, &b, action, &arn(bucket, Some(key)), &[], None)?;
    if b.versioning.object_lock.is_none() {
        return Err(lock::missing_configuration());
    }
    Ok(b)
}

/// The current object, or the version `versionId` names.
fn load(s3: &S3, bucket: &str, key: &str, q: &Query) -> S3Result<Object> {
    let version = version_param(q)?;
    super::versioning::load_object(s3, bucket, key, version.as_ref(), "GET")
}

/// Changes the lock of one version in one durable transaction.
async fn update_lock(
    s3: &S3,
    bucket: &str,
    key: &str,
    version: Option<VersionRef>,
    change: impl FnMut(&mut lock::VersionLock) -> S3Result<()> + Send + Clone + 'static,
) -> S3Result<()> {
    let (b, k) = (bucket.to_string(), key.to_string());
    s3.store
        .write(move |txn| {
            let mut change = change.clone();
            versions::update_object(txn, &b, &k, version.as_ref(), "PUT", &mut |o| {
                change(&mut o.version.lock)
            })
        })
        .await?;
    Ok(())
}

pub fn get_retention(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
) -> S3Result<Response> {
    lock_bucket(s3, ctx, bucket, key, "s3:GetObjectRetention")?;
    let obj = load(s3, bucket, key, q)?;
    let r = obj
        .version
        .lock
        .retention
        .ok_or(S3Error::NoSuchObjectLockConfiguration)?;
    Ok(xml_response(lock::retention_xml(&r)))
}

pub async fn put_retention(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
    req: Request,
) -> S3Result<Response> {
    let bypass_requested = lock::bypass_requested(req.headers());
    // The retention asked for is a condition key; a malformed body is reported only to a
    // caller who may set retention at all.
    let root = super::xml_body(req).await;
    let mut ctx = ctx.clone();
    if let Ok(r) = &root {
        ctx.condition_keys.extend(crate::auth::retention_keys(
            r.child_text("Mode"),
            r.child_text("RetainUntilDate"),
            now_ms() / 1000,
        ));
    }
    let ctx = &ctx;
    let b = lock_bucket(s3, ctx, bucket, key, "s3:PutObjectRetention")?;
    let version = version_param(q)?;
    let bypass = bypass_requested
        && s3.allowed(
            ctx,
            &b,
            "s3:BypassGovernanceRetention",
            &arn(bucket, Some(key)),
            &[],
        );
    let root = root?;
    let now = now_ms();
    let new = lock::parse_retention(&root, now)?;
    update_lock(s3, bucket, key, version, move |l| {
        if !lock::may_change_retention(l.retention.as_ref(), new.as_ref(), bypass, now) {
            return Err(S3Error::AccessDenied);
        }
        l.retention = new;
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::OK))
}

pub fn get_legal_hold(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
) -> S3Result<Response> {
    lock_bucket(s3, ctx, bucket, key, "s3:GetObjectLegalHold")?;
    let obj = load(s3, bucket, key, q)?;
    let on = obj
        .version
        .lock
        .legal_hold
        .ok_or(S3Error::NoSuchObjectLockConfiguration)?;
    Ok(xml_response(lock::legal_hold_xml(on)))
}

pub async fn put_legal_hold(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
    req: Request,
) -> S3Result<Response> {
    let root = super::xml_body(req).await;
    let mut ctx = ctx.clone();
    if let Some(status) = root.as_ref().ok().and_then(|r| r.child_text("Status")) {
        ctx.condition_keys
            .push(("s3:object-lock-legal-hold".into(), vec![status.to_string()]));
    }
    lock_bucket(s3, &ctx, bucket, key, "s3:PutObjectLegalHold")?;
    let version = version_param(q)?;
    let root = root?;
    let on = lock::parse_legal_hold(&root)?;
    update_lock(s3, bucket, key, version, move |l| {
        l.legal_hold = Some(on);
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::OK))
}
