//! Bucket configuration: bucket policy (validated by [`crate::bucket_policy`], refused when
//! public while BlockPublicPolicy is on), Block Public Access, and the website configuration.

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{Request, RequestContext, Response, body};
use http::{HeaderValue, StatusCode, header};

use super::{XMLNS, empty, small_body, xml_response};
use crate::S3;
use crate::error::{S3Error, S3Result};
use crate::state::PublicAccessBlock;
use crate::website::Website;

/// Largest bucket policy S3 accepts, whitespace between JSON tokens not counted.
const MAX_POLICY: usize = 20 * 1024;

/// The bucket whose policy the caller reads or changes: the caller needs the permission
/// (else 403) and must belong to the bucket owner's account (else 405, as S3 answers a
/// permitted caller of another account).
fn policy_bucket(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    action: &str,
    method: &str,
) -> S3Result<crate::state::Bucket> {
    let b = s3.bucket_for(ctx, bucket, action)?;
    if ctx.principal.account().map(|a| a.as_str()) != Some(b.owner.as_str()) {
        return Err(S3Error::MethodNotAllowed {
            method: method.to_string(),
            resource: "BUCKET",
        });
    }
    Ok(b)
}

pub async fn put_policy(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    let b = policy_bucket(s3, ctx, bucket, "s3:PutBucketPolicy", "PUT")?;
    let bytes = small_body(req).await?;
    if crate::bucket_policy::significant_len(&bytes) > MAX_POLICY {
        return Err(S3Error::MalformedPolicy(
            "Policies cannot exceed 20 KB in size".into(),
        ));
    }
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|_| S3Error::MalformedPolicy("This policy contains invalid Json".into()))?;
    let policy = crate::bucket_policy::validate(&text, bucket)?;
    if b.bpa().block_public_policy && policy.is_public() {
        return Err(S3Error::PublicPolicyBlocked {
            caller: ctx.principal.arn(),
            bucket: bucket.to_string(),
        });
    }
    let caller = ctx.principal.arn();
    let name = bucket.to_string();
    s3.update_bucket(bucket, move |b| {
        // BPA may have been turned on meanwhile.
        if b.bpa().block_public_policy && policy.is_public() {
            return Err(S3Error::PublicPolicyBlocked {
                caller: caller.clone(),
                bucket: name.clone(),
            });
        }
        b.policy = Some(text.clone());
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

pub fn get_policy(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    let b = policy_bucket(s3, ctx, bucket, "s3:GetBucketPolicy", "GET")?;
    let policy = b
        .policy
        .ok_or_else(|| S3Error::NoSuchBucketPolicy(bucket.to_string()))?;
    let mut r = Response::new(body::full(policy));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(r)
}

pub async fn delete_policy(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    policy_bucket(s3, ctx, bucket, "s3:DeleteBucketPolicy", "DELETE")?;
    s3.update_bucket(bucket, |b| {
        b.policy = None;
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

fn parse_bool(e: &crate::xml::Element, name: &str) -> S3Result<bool> {
    match e.child_text(name) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(S3Error::MalformedXml),
    }
}

pub async fn put_public_access_block(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutBucketPublicAccessBlock")?;
    let root = super::xml_body(req).await?;
    if root.name != "PublicAccessBlockConfiguration" {
        return Err(S3Error::MalformedXml);
    }
    let cfg = PublicAccessBlock {
        block_public_acls: parse_bool(&root, "BlockPublicAcls")?,
        ignore_public_acls: parse_bool(&root, "IgnorePublicAcls")?,
        block_public_policy: parse_bool(&root, "BlockPublicPolicy")?,
        restrict_public_buckets: parse_bool(&root, "RestrictPublicBuckets")?,
    };
    s3.update_bucket(bucket, move |b| {
        b.public_access_block = Some(cfg);
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::OK))
}

pub fn get_public_access_block(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    let b = s3.bucket_for(ctx, bucket, "s3:GetBucketPublicAccessBlock")?;
    let c = b
        .public_access_block
        .ok_or_else(|| S3Error::NoSuchPublicAccessBlockConfiguration(bucket.to_string()))?;
    let s = |v: bool| if v { "true" } else { "false" };
    let mut x = XmlWriter::new();
    x.open_ns("PublicAccessBlockConfiguration", XMLNS)
        .elem("BlockPublicAcls", s(c.block_public_acls))
        .elem("IgnorePublicAcls", s(c.ignore_public_acls))
        .elem("BlockPublicPolicy", s(c.block_public_policy))
        .elem("RestrictPublicBuckets", s(c.restrict_public_buckets));
    Ok(xml_response(x.finish()))
}

pub async fn delete_public_access_block(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutBucketPublicAccessBlock")?;
    s3.update_bucket(bucket, |b| {
        b.public_access_block = None;
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

pub async fn put_website(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutBucketWebsite")?;
    let root = super::xml_body(req).await?;
    let website = Website::from_xml(&root)?;
    s3.update_bucket(bucket, move |b| {
        b.website = Some(website.clone());
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::OK))
}

pub fn get_website(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    let b = s3.bucket_for(ctx, bucket, "s3:GetBucketWebsite")?;
    let w = b
        .website
        .ok_or_else(|| S3Error::NoSuchWebsiteConfiguration(bucket.to_string()))?;
    Ok(xml_response(w.to_xml()))
}

pub async fn delete_website(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:DeleteBucketWebsite")?;
    s3.update_bucket(bucket, |b| {
        b.website = None;
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}
