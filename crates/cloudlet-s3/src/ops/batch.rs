//! DeleteObjects (the multi-object delete) and object/bucket tagging operations.

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{Request, RequestContext, Response};
use cloudlet_store::BlobId;
use http::StatusCode;

use super::{XMLNS, empty, small_body, xml_response};
use crate::S3;
use crate::auth::{allowed, arn};
use crate::error::{S3Error, S3Result};
use crate::state;
use crate::tagging;

pub async fn delete_objects(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    let b = s3.bucket(bucket)?;
    let body = small_body(req).await?;
    let text = std::str::from_utf8(&body).map_err(|_| S3Error::MalformedXml)?;
    let root = crate::xml::parse(text).ok_or(S3Error::MalformedXml)?;
    if root.name != "Delete" {
        return Err(S3Error::MalformedXml);
    }
    let quiet = root.child_text("Quiet") == Some("true");
    let keys: Vec<String> = root
        .children_named("Object")
        .map(|o| o.child("Key").map(|k| k.text.clone()))
        .collect::<Option<_>>()
        .ok_or(S3Error::MalformedXml)?;
    if keys.is_empty() || keys.len() > 1000 {
        return Err(S3Error::MalformedXml);
    }
    let (mut ok, mut denied) = (Vec::new(), Vec::new());
    for k in keys {
        if allowed(ctx, &b, "s3:DeleteObject", &arn(bucket, Some(&k)), &[]) {
            ok.push(k);
        } else {
            denied.push(k);
        }
    }
    let (bname, del) = (bucket.to_string(), ok.clone());
    let removed = s3
        .store
        .write(move |txn| {
            let mut blobs = Vec::new();
            for k in &del {
                if let Some(o) = state::delete_object(txn, &bname, k)? {
                    blobs.push(o.blob);
                }
            }
            Ok::<_, S3Error>(blobs)
        })
        .await?;
    for blob in removed {
        if let Some(id) = BlobId::parse(&blob) {
            s3.store.blobs().delete(&id).await;
        }
    }
    let mut x = XmlWriter::new();
    x.open_ns("DeleteResult", XMLNS);
    if !quiet {
        for k in &ok {
            x.open("Deleted").elem("Key", k).close();
        }
    }
    for k in &denied {
        x.open("Error")
            .elem("Key", k)
            .elem("Code", "AccessDenied")
            .elem("Message", "Access Denied")
            .close();
    }
    Ok(xml_response(x.finish()))
}

async fn read_tags(req: Request, max: usize) -> S3Result<Vec<(String, String)>> {
    let body = small_body(req).await?;
    let text = std::str::from_utf8(&body).map_err(|_| S3Error::MalformedXml)?;
    let root = crate::xml::parse(text).ok_or(S3Error::MalformedXml)?;
    tagging::from_xml(&root, max)
}

/// Replaces an object's tags (`None` = delete them).
async fn set_object_tags(
    s3: &S3,
    bucket: &str,
    key: &str,
    tags: Vec<(String, String)>,
) -> S3Result<()> {
    let (b, k) = (bucket.to_string(), key.to_string());
    s3.store
        .write(move |txn| {
            let mut obj =
                state::load_object(txn, &b, &k)?.ok_or_else(|| S3Error::NoSuchKey(k.clone()))?;
            obj.tags = tags.clone();
            state::put_object(txn, &b, &k, &obj)?;
            Ok(())
        })
        .await
}

pub async fn put_object_tagging(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    req: Request,
) -> S3Result<Response> {
    let b = s3.bucket(bucket)?;
    if !allowed(ctx, &b, "s3:PutObjectTagging", &arn(bucket, Some(key)), &[]) {
        return Err(S3Error::AccessDenied);
    }
    let tags = read_tags(req, 10).await?;
    set_object_tags(s3, bucket, key, tags).await?;
    Ok(empty(StatusCode::OK))
}

pub fn get_object_tagging(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
) -> S3Result<Response> {
    let b = s3.bucket(bucket)?;
    if !allowed(ctx, &b, "s3:GetObjectTagging", &arn(bucket, Some(key)), &[]) {
        return Err(S3Error::AccessDenied);
    }
    let obj = s3
        .store
        .read(|txn| state::get_object(txn, bucket, key))?
        .ok_or_else(|| S3Error::NoSuchKey(key.to_string()))?;
    Ok(xml_response(tagging::to_xml(&obj.tags)))
}

pub async fn delete_object_tagging(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
) -> S3Result<Response> {
    let b = s3.bucket(bucket)?;
    if !allowed(
        ctx,
        &b,
        "s3:DeleteObjectTagging",
        &arn(bucket, Some(key)),
        &[],
    ) {
        return Err(S3Error::AccessDenied);
    }
    set_object_tags(s3, bucket, key, Vec::new()).await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

pub async fn put_bucket_tagging(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutBucketTagging")?;
    let tags = read_tags(req, 50).await?;
    s3.update_bucket(bucket, move |b| {
        b.tags = Some(tags.clone());
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

pub fn get_bucket_tagging(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    let b = s3.bucket_for(ctx, bucket, "s3:GetBucketTagging")?;
    let tags = b
        .tags
        .ok_or_else(|| S3Error::NoSuchTagSet(bucket.to_string()))?;
    Ok(xml_response(tagging::to_xml(&tags)))
}

pub async fn delete_bucket_tagging(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutBucketTagging")?;
    s3.update_bucket(bucket, |b| {
        b.tags = None;
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}
