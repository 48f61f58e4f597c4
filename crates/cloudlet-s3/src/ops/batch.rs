//! DeleteObjects (the multi-object delete, with `VersionId`s, `ETag` conditions and Object
//! Lock; its body must come with `Content-MD5` or a checksum) and object/bucket tagging
//! operations (object tags per version).

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{AwsError, Request, RequestContext, Response};
use http::StatusCode;

use super::versioning::authorize_object;
use super::{XMLNS, empty, now_ms, set_header, xml_response};
use crate::S3;
use crate::auth::arn;
use crate::error::{S3Error, S3Result};
use crate::protocol::Query;
use crate::state;
use crate::tagging;
use crate::versions::{self, Deleted, VersionRef};

/// One `<Object>` of a DeleteObjects request, and what became of it.
struct Target {
    key: String,
    version_id: Option<String>,
    /// `<ETag>`: delete only if the current version has it (`If-Match`).
    etag: Option<String>,
    /// Per-key failures are reported in the result, not as the response.
    outcome: Result<Deleted, AwsError>,
}

fn pending() -> Result<Deleted, AwsError> {
    Ok(Deleted::default())
}

pub async fn delete_objects(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    let b = s3.bucket(bucket)?;
    let bypass_requested = crate::lock::bypass_requested(req.headers());
    let root = super::required_xml_body(req).await?;
    if root.name != "Delete" {
        return Err(S3Error::MalformedXml);
    }
    let quiet = root.child_text("Quiet") == Some("true");
    let mut targets: Vec<Target> = root
        .children_named("Object")
        .map(|o| {
            o.child("Key").map(|k| Target {
                key: k.text.clone(),
                version_id: o.child_text("VersionId").map(str::to_string),
                etag: o.child_text("ETag").map(str::to_string),
                outcome: pending(),
            })
        })
        .collect::<Option<_>>()
        .ok_or(S3Error::MalformedXml)?;
    if targets.is_empty() || targets.len() > 1000 {
        return Err(S3Error::MalformedXml);
    }
    // What to do for each target — the version, and whether GOVERNANCE retention is
    // bypassed; `None` = refused before touching the store.
    let mut plan: Vec<Option<(Option<VersionRef>, bool)>> = Vec::new();
    for t in &mut targets {
        let action = if t.version_id.is_some() {
            "s3:DeleteObjectVersion"
        } else {
            "s3:DeleteObject"
        };
        let version = t.version_id.as_deref().map(VersionRef::parse);
        let resource = arn(bucket, Some(&t.key));
        let condition = t.etag.as_deref().map_or(Ok(()), |m| {
            super::versioning::authorize_delete_condition(s3, ctx, &b, &t.key, m)
        });
        let extra: Vec<(&str, String)> = t
            .version_id
            .iter()
            .map(|v| ("s3:VersionId", v.clone()))
            .collect();
        let permitted = s3.allowed(ctx, &b, action, &resource, &extra)
            || super::acl::bucket_acl_allows(s3, ctx, &b, action);
        if !permitted || condition.is_err() {
            t.outcome = Err(S3Error::AccessDenied.into());
            plan.push(None);
        } else if let Some(None) = version {
            // A version id that cannot be one is reported as no such version (DeleteObject
            // answers InvalidArgument instead).
            t.outcome = Err(S3Error::NoSuchVersion {
                key: t.key.clone(),
                version: t.version_id.clone().unwrap_or_default(),
            }
            .into());
            plan.push(None);
        } else {
            let bypass = bypass_requested
                && s3.allowed(ctx, &b, "s3:BypassGovernanceRetention", &resource, &[]);
            plan.push(Some((version.flatten(), bypass)));
        }
    }
    let (bname, keys) = (
        bucket.to_string(),
        targets
            .iter()
            .map(|t| (t.key.clone(), t.etag.clone()))
            .collect::<Vec<_>>(),
    );
    let now = now_ms();
    let marker_owner = super::acl::marker_owner(s3, ctx, &b)?;
    let outcomes = s3
        .store
        .write(move |txn| {
            let b = state::load_bucket(txn, &bname)?
                .ok_or_else(|| S3Error::NoSuchBucket(bname.clone()))?;
            let mut out = Vec::new();
            for ((key, etag), step) in keys.iter().zip(&plan) {
                let Some((version, bypass)) = step else {
                    out.push(None);
                    continue;
                };
                let condition = etag.as_deref().map_or(Ok(()), |m| {
                    super::versioning::delete_condition(txn, &bname, key, m)
                });
                let done = match (condition, version) {
                    (Err(e), _) => Err(e),
                    (Ok(()), None) => {
                        versions::delete_current(txn, &b, key, now, marker_owner.as_deref())
                            .map_err(S3Error::from)
                    }
                    (Ok(()), Some(v)) => versions::delete_version(txn, &b, key, v, *bypass, now)
                        .and_then(|d| match d.missing && !versions::sealed(v) {
                            // An id S3 could not have issued, as for an unparsable one.
                            true => Err(S3Error::NoSuchVersion {
                                key: key.clone(),
                                version: v.as_str().to_string(),
                            }),
                            false => Ok(d),
                        }),
                };
                match done {
                    Err(S3Error::Store(e)) => return Err(S3Error::Store(e)),
                    other => out.push(Some(other.map_err(AwsError::from))),
                }
            }
            Ok::<_, S3Error>(out)
        })
        .await?;
    for (t, outcome) in targets.iter_mut().zip(outcomes) {
        if let Some(o) = outcome {
            t.outcome = o;
        }
    }
    for t in &targets {
        if let Ok(d) = &t.outcome {
            s3.store.blobs().delete_named(&d.freed).await;
        }
    }
    let mut x = XmlWriter::new();
    x.open_ns("DeleteResult", XMLNS);
    // Deleted entries first, then errors.
    for t in targets.iter().filter(|t| t.outcome.is_ok()) {
        match &t.outcome {
            Ok(_) if quiet => {}
            Ok(d) => {
                x.open("Deleted").elem("Key", &t.key);
                if let Some(v) = &t.version_id {
                    x.elem("VersionId", v);
                }
                if d.delete_marker {
                    x.elem("DeleteMarker", "true");
                    if let Some(m) = d.marker_version_id.as_ref().or(t.version_id.as_ref()) {
                        x.elem("DeleteMarkerVersionId", m);
                    }
                }
                x.close();
            }
            Err(_) => {}
        }
    }
    for t in &targets {
        match &t.outcome {
            Ok(_) => {}
            Err(aws) => {
                x.open("Error").elem("Key", &t.key);
                if let Some(v) = &t.version_id {
                    x.elem("VersionId", v);
                }
                x.elem("Code", &aws.code)
                    .elem("Message", &aws.message)
                    .close();
            }
        }
    }
    Ok(xml_response(x.finish()))
}

/// The `versionId` a request names, parsed.
/// Replaces the tags of the current object or of one version; returns its version id.
async fn set_object_tags(
    s3: &S3,
    bucket: &str,
    key: &str,
    version: Option<VersionRef>,
    method: &'static str,
    tags: Vec<(String, String)>,
) -> S3Result<Option<String>> {
    let (b, k) = (bucket.to_string(), key.to_string());
    s3.store
        .write(move |txn| {
            versions::update_object(txn, &b, &k, version.as_ref(), method, &mut |obj| {
                obj.tags = tags.clone();
                Ok(())
            })
        })
        .await
}

fn with_version(mut r: Response, version: Option<String>) -> Response {
    if let Some(v) = version {
        set_header(&mut r, "x-amz-version-id", &v);
    }
    r
}

pub async fn put_object_tagging(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
    req: Request,
) -> S3Result<Response> {
    let actions = ("s3:PutObjectTagging", "s3:PutObjectVersionTagging");
    // The tags asked for are condition keys; a malformed document is reported only to a
    // caller who may tag at all.
    // PutObjectTagging needs no integrity header, unlike PutBucketTagging.
    let tags = super::xml_body(req)
        .await
        .and_then(|root| tagging::from_xml(&root, 10));
    let mut ctx = ctx.clone();
    if let Ok(t) = &tags {
        ctx.condition_keys.extend(crate::auth::request_tag_keys(t));
    }
    let (_, version) = authorize_object(s3, &ctx, bucket, key, q, actions)?;
    let tags = tags?;
    let id = set_object_tags(s3, bucket, key, version, "PUT", tags).await?;
    Ok(with_version(empty(StatusCode::OK), id))
}

pub fn get_object_tagging(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
) -> S3Result<Response> {
    let actions = ("s3:GetObjectTagging", "s3:GetObjectVersionTagging");
    let (_, version) = authorize_object(s3, ctx, bucket, key, q, actions)?;
    let obj =
        super::versioning::load_object_refusing_markers(s3, bucket, key, version.as_ref(), "GET")?;
    // S3 answers an object's tags in key order, whatever order they were given in.
    let mut tags = obj.tags.clone();
    tags.sort();
    let r = xml_response(tagging::to_xml(&tags));
    Ok(with_version(r, obj.version.id))
}

pub async fn delete_object_tagging(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
) -> S3Result<Response> {
    let actions = ("s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging");
    let (_, version) = authorize_object(s3, ctx, bucket, key, q, actions)?;
    let id = set_object_tags(s3, bucket, key, version, "DELETE", Vec::new()).await?;
    Ok(with_version(empty(StatusCode::NO_CONTENT), id))
}

pub async fn put_bucket_tagging(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutBucketTagging")?;
    let root = super::required_xml_body(req).await?;
    let tags = tagging::from_xml(&root, crate::tagging::BUCKET_MAX)?;
    // The set replaces the old one whole; an empty one leaves the bucket without a set, so
    // GetBucketTagging answers NoSuchTagSet as after DeleteBucketTagging.
    let tags = (!tags.is_empty()).then_some(tags);
    s3.update_bucket(bucket, move |b| {
        b.tags = tags.clone();
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
