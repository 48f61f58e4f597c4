//! Put/Get/DeleteBucketLifecycleConfiguration, and the `x-amz-expiration` header S3 puts
//! on responses about an object that an enabled rule will expire.

use cloudlet_core::{Request, RequestContext, Response};
use http::StatusCode;

use super::{empty, http_date, set_header, xml_response};
use crate::S3;
use crate::config_error::ConfigError;
use crate::error::{S3Error, S3Result};
use crate::lifecycle::LifecycleConfiguration;
use crate::state::Object;
use crate::upload::hv;

pub const NAME: &str = "lifecycle";
const MIN_SIZE_HEADER: &str = "x-amz-transition-default-minimum-object-size";
const MIN_SIZES: &[&str] = &["all_storage_classes_128K", "varies_by_storage_class"];

/// An ID for a rule sent without one (S3 makes up a random one).
fn new_rule_id() -> String {
    use base64::Engine;
    let raw = cloudlet_core::ids::hex(&cloudlet_core::ids::random_bytes::<18>());
    base64::engine::general_purpose::STANDARD.encode(raw)
}

pub async fn put(s3: &S3, ctx: &RequestContext, bucket: &str, req: Request) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutLifecycleConfiguration")?;
    let minimum = hv(req.headers(), MIN_SIZE_HEADER)
        .unwrap_or(MIN_SIZES[0])
        .to_string();
    if !MIN_SIZES.contains(&minimum.as_str()) {
        return Err(S3Error::InvalidRequest(format!(
            "Invalid TransitionDefaultMinimumObjectSize found: {minimum}"
        )));
    }
    let root = super::required_xml_body(req).await?;
    let mut config = LifecycleConfiguration::from_xml(&root, &mut new_rule_id)?;
    config.transition_minimum = Some(minimum.clone());
    s3.store_config(bucket, NAME, Some(config)).await?;
    let mut r = empty(StatusCode::OK);
    set_header(&mut r, MIN_SIZE_HEADER, &minimum);
    Ok(r)
}

pub fn get(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:GetLifecycleConfiguration")?;
    let config: LifecycleConfiguration = s3
        .config(bucket, NAME)?
        .ok_or_else(|| ConfigError::NoSuchLifecycleConfiguration(bucket.to_string()))?;
    let mut r = xml_response(config.to_xml());
    let minimum = config.transition_minimum.as_deref().unwrap_or(MIN_SIZES[0]);
    set_header(&mut r, MIN_SIZE_HEADER, minimum);
    Ok(r)
}

pub async fn delete(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutLifecycleConfiguration")?;
    s3.store_config::<LifecycleConfiguration>(bucket, NAME, None)
        .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// The bucket's lifecycle configuration, if it has one (a store error counts as none: the
/// headers built from it are informational).
pub fn configuration(s3: &S3, bucket: &str) -> Option<LifecycleConfiguration> {
    s3.config(bucket, NAME).ok()?
}

/// `expiry-date="…", rule-id="…"` for an object an enabled rule of `config` expires.
pub fn expiration_header(
    s3: &S3,
    config: &LifecycleConfiguration,
    key: &str,
    obj: &Object,
) -> Option<String> {
    let (at, rule) = config.expiry(
        key,
        obj.last_modified,
        obj.size,
        &obj.tags,
        s3.lifecycle.day_ms,
    )?;
    Some(format!(
        "expiry-date=\"{}\", rule-id=\"{}\"",
        header_date(at)?,
        rule.replace('"', "\\\"")
    ))
}

/// `x-amz-abort-date` and `x-amz-abort-rule-id` for a multipart upload an enabled rule
/// will abort.
pub fn abort_headers(s3: &S3, bucket: &str, key: &str, initiated: u64) -> Option<(String, String)> {
    let config = configuration(s3, bucket)?;
    let (at, rule) = config.abort_at(key, initiated, s3.lifecycle.day_ms)?;
    Some((header_date(at)?, rule.to_string()))
}

/// An HTTP date, for dates HTTP can write (before the year 10000; a rule may name more
/// days than that).
fn header_date(ms: u64) -> Option<String> {
    const YEAR_10000_MS: u64 = 253_402_300_800_000;
    (ms < YEAR_10000_MS).then(|| http_date(ms))
}
