//! Object Ownership and ACLs as AWS treats them today: ownership controls default to
//! BucketOwnerEnforced, under which ACLs are disabled (only owner-only ACLs are accepted,
//! anything else is `AccessControlListNotSupported`); with ObjectWriter or
//! BucketOwnerPreferred ACLs are stored, public ones refused while BlockPublicAcls is on
//! and disregarded while IgnorePublicAcls is on. While ACLs are enabled their grants are
//! honoured next to the bucket policy: READ on an object (GetObject), READ on the bucket
//! (ListBucket), READ_ACP/WRITE_ACP (Get/Put…Acl), for everyone, every AWS user or a
//! canonical user. Object ACLs are keyed to the object's blob, so an overwrite or delete
//! retires them without touching the object record; the ACL of a multipart upload waits
//! under its upload id until completion.

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{Principal, Request, RequestContext, Response};
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::xml_body;
use super::{XMLNS, canonical_id, empty, small_body, xml_response};
use crate::S3;
use crate::acl::Acl;
use crate::auth::arn;
use crate::config_error::ConfigError;
use crate::config_store::object_acl_key;
use crate::error::{S3Error, S3Result};
use crate::state::{self, Bucket, Object};

const OWNERSHIP: &str = "ownershipControls";
const ACL: &str = "acl";
const SETTINGS: &[&str] = &[
    "BucketOwnerEnforced",
    "BucketOwnerPreferred",
    "ObjectWriter",
];

/// The stored ownership controls: `None` after DeleteBucketOwnershipControls (a bucket
/// never configured has no record and means BucketOwnerEnforced).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct OwnershipControls(Option<String>);

/// An object's ACL and the blob it belongs to.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct ObjectAcl {
    blob: String,
    acl: Acl,
}

/// The ownership setting in force (`None`: controls deleted, ACLs enabled as ObjectWriter).
fn ownership(s3: &S3, bucket: &str) -> S3Result<Option<String>> {
    let stored: Option<OwnershipControls> = s3.config(bucket, OWNERSHIP)?;
    Ok(match stored {
        None => Some("BucketOwnerEnforced".into()),
        Some(OwnershipControls(v)) => v,
    })
}

fn enforced(s3: &S3, bucket: &str) -> S3Result<bool> {
    Ok(ownership(s3, bucket)?.as_deref() == Some("BucketOwnerEnforced"))
}

pub async fn put_ownership(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    let b = s3.bucket_for(ctx, bucket, "s3:PutBucketOwnershipControls")?;
    let root = xml_body(req).await?;
    if root.name != "OwnershipControls" {
        return Err(S3Error::MalformedXml);
    }
    let rules: Vec<_> = root.children_named("Rule").collect();
    let [rule] = rules.as_slice() else {
        return Err(S3Error::MalformedXml);
    };
    let setting = rule
        .child_text("ObjectOwnership")
        .filter(|s| SETTINGS.contains(s))
        .ok_or(S3Error::MalformedXml)?
        .to_string();
    // ACLs cannot be disabled while the bucket ACL still grants access to others.
    let acl: Option<Acl> = s3.config(bucket, ACL)?;
    if setting == "BucketOwnerEnforced"
        && acl.is_some_and(|a| !a.owner_only(&canonical_id(&b.owner)))
    {
        return Err(ConfigError::InvalidBucketAclWithObjectOwnership.into());
    }
    s3.store_config(bucket, OWNERSHIP, Some(OwnershipControls(Some(setting))))
        .await?;
    Ok(empty(StatusCode::OK))
}

pub fn get_ownership(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:GetBucketOwnershipControls")?;
    let setting = ownership(s3, bucket)?
        .ok_or_else(|| ConfigError::OwnershipControlsNotFound(bucket.to_string()))?;
    let mut x = XmlWriter::new();
    x.open_ns("OwnershipControls", XMLNS)
        .open("Rule")
        .elem("ObjectOwnership", &setting);
    Ok(xml_response(x.finish()))
}

pub async fn delete_ownership(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutBucketOwnershipControls")?;
    s3.store_config(bucket, OWNERSHIP, Some(OwnershipControls(None)))
        .await?;
    Ok(empty(StatusCode::NO_CONTENT))
}

/// Checks an ACL being set on `bucket` or one of its objects against Object Ownership and
/// Block Public Access.
fn admit(s3: &S3, b: &Bucket, acl: &Acl) -> S3Result<()> {
    if enforced(s3, &b.name)? && !acl.owner_only(&canonical_id(&b.owner)) {
        return Err(ConfigError::AclNotSupported.into());
    }
    if acl.is_public() && b.bpa().block_public_acls {
        return Err(S3Error::AccessDenied);
    }
    Ok(())
}

/// The ACL of a Put…Acl request: its headers or its `AccessControlPolicy` body, not both
/// and not neither.
async fn requested_acl(b: &Bucket, owner: Option<&str>, req: Request) -> S3Result<Acl> {
    let owner = owner.map_or_else(|| canonical_id(&b.owner), str::to_string);
    let from_headers = Acl::from_headers(req.headers(), &owner)?;
    let body = small_body(req).await?;
    let text = std::str::from_utf8(&body).map_err(|_| ConfigError::MalformedAcl)?;
    match from_headers {
        Some(_) if !text.trim().is_empty() => Err(ConfigError::UnexpectedContent.into()),
        Some(acl) => Ok(acl),
        None if text.trim().is_empty() => Err(ConfigError::MissingAclHeader.into()),
        None => {
            let root = crate::xml::parse(text).ok_or(ConfigError::MalformedAcl)?;
            Acl::from_xml(&root, &owner)
        }
    }
}

pub async fn put_bucket_acl(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    let b = s3.bucket_for(ctx, bucket, "s3:PutBucketAcl")?;
    let acl = requested_acl(&b, None, req).await?;
    admit(s3, &b, &acl)?;
    s3.store_config(bucket, ACL, Some(acl)).await?;
    Ok(empty(StatusCode::OK))
}

pub fn get_bucket_acl(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    let b = s3.bucket_for(ctx, bucket, "s3:GetBucketAcl")?;
    let owner = canonical_id(&b.owner);
    let acl: Acl = s3
        .config(bucket, ACL)?
        .unwrap_or_else(|| Acl::private(&owner));
    Ok(xml_response(acl.to_xml(&owner)))
}

fn existing_object(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    action: &str,
) -> S3Result<(Bucket, Object)> {
    let b = s3.bucket(bucket)?;
    let obj = s3.store.read(|txn| state::get_object(txn, bucket, key))?;
    let permitted = match &obj {
        Some(o) => object_allows(s3, ctx, &b, key, o, action),
        None => s3.allowed_on_object(ctx, &b, action, &arn(bucket, Some(key)), None),
    };
    if !permitted {
        return Err(S3Error::AccessDenied);
    }
    let obj = obj.ok_or_else(|| S3Error::NoSuchKey(key.to_string()))?;
    Ok((b, obj))
}

/// The ACL in force on an object: its own when it belongs to the current blob.
fn object_acl(s3: &S3, bucket: &str, key: &str, obj: &Object) -> S3Result<Option<Acl>> {
    let stored: Option<ObjectAcl> = s3.config(bucket, &object_acl_key(key))?;
    Ok(stored.filter(|a| a.blob == obj.blob).map(|a| a.acl))
}

pub async fn put_object_acl(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    req: Request,
) -> S3Result<Response> {
    let (b, obj) = existing_object(s3, ctx, bucket, key, "s3:PutObjectAcl")?;
    // The object keeps its owner; canned ACLs are that owner's.
    let owner = object_acl(s3, bucket, key, &obj)?.and_then(|a| a.owner);
    let mut acl = requested_acl(&b, owner.as_deref(), req).await?;
    admit(s3, &b, &acl)?;
    acl.owner = owner;
    store_object_acl(s3, bucket, key, &obj.blob, acl).await?;
    Ok(empty(StatusCode::OK))
}

pub fn get_object_acl(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
) -> S3Result<Response> {
    let (b, obj) = existing_object(s3, ctx, bucket, key, "s3:GetObjectAcl")?;
    let owner = canonical_id(&b.owner);
    let acl = object_acl(s3, bucket, key, &obj)?.unwrap_or_else(|| Acl::private(&owner));
    Ok(xml_response(
        acl.to_xml(acl.owner.as_deref().unwrap_or(&owner)),
    ))
}

pub async fn store_object_acl(
    s3: &S3,
    bucket: &str,
    key: &str,
    blob: &str,
    acl: Acl,
) -> S3Result<()> {
    let value = ObjectAcl {
        blob: blob.to_string(),
        acl,
    };
    s3.store_config(bucket, &object_acl_key(key), Some(value))
        .await
}

/// The ACL an object write (PutObject, CopyObject, CreateMultipartUpload, POST) asks for,
/// checked before the body is read; `Some` when it must be stored with the new object.
///
/// While ACLs are enabled, an object another account writes is that account's, as S3 has
/// it: its ACL names the writer as owner (canned ACLs are the writer's, with
/// `bucket-owner-read` / `bucket-owner-full-control` granting the bucket owner), except
/// that under BucketOwnerPreferred `bucket-owner-full-control` hands it to the bucket owner.
pub fn check_object_write(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    h: &HeaderMap,
) -> S3Result<Option<Acl>> {
    let Ok(b) = s3.bucket(bucket) else {
        return Ok(None);
    };
    let bucket_owner = canonical_id(&b.owner);
    if let Some(acl) = Acl::from_headers(h, &bucket_owner)? {
        admit(s3, &b, &acl)?;
    } else if ctx.account.as_str().is_empty() || ctx.account.as_str() == b.owner {
        // The common case — the owner writing without ACL headers — reads no configuration.
        return Ok(None);
    }
    let ownership = ownership(s3, bucket)?;
    if ownership.as_deref() == Some("BucketOwnerEnforced") {
        return Ok(None);
    }
    let canned = h.get("x-amz-acl").and_then(|v| v.to_str().ok());
    let writer = (!ctx.account.as_str().is_empty() && ctx.account.as_str() != b.owner)
        .then(|| canonical_id(ctx.account.as_str()))
        .filter(|_| {
            !(ownership.as_deref() == Some("BucketOwnerPreferred")
                && canned == Some("bucket-owner-full-control"))
        });
    let Some(writer) = writer else {
        return Acl::from_headers(h, &bucket_owner);
    };
    let mut acl = Acl::from_headers(h, &writer)?.unwrap_or_else(|| Acl::private(&writer));
    match canned {
        Some("bucket-owner-read") => acl.grant_user(&bucket_owner, "READ"),
        Some("bucket-owner-full-control") => acl.grant_user(&bucket_owner, "FULL_CONTROL"),
        _ => {}
    }
    acl.owner = Some(writer);
    Ok(Some(acl))
}

/// What CreateBucket's `x-amz-object-ownership` and ACL headers ask for, checked before
/// the bucket exists: (ownership to store, ACL to store).
pub fn check_create(
    ctx: &RequestContext,
    h: &HeaderMap,
) -> S3Result<(Option<String>, Option<Acl>)> {
    let ownership = match h
        .get("x-amz-object-ownership")
        .and_then(|v| v.to_str().ok())
    {
        None => None,
        Some(v) if SETTINGS.contains(&v) => Some(v.to_string()),
        Some(v) => return Err(ConfigError::InvalidObjectOwnershipHeader(v.to_string()).into()),
    };
    let owner = canonical_id(ctx.account.as_str());
    let Some(acl) = Acl::from_headers(h, &owner)? else {
        return Ok((ownership, None));
    };
    let is_enforced = ownership
        .as_deref()
        .is_none_or(|o| o == "BucketOwnerEnforced");
    if is_enforced && !acl.owner_only(&owner) {
        return Err(ConfigError::InvalidBucketAclWithObjectOwnership.into());
    }
    // New buckets start with every Block Public Access setting on.
    if acl.is_public() {
        return Err(ConfigError::InvalidBucketAclWithBlockPublicAccess.into());
    }
    Ok((ownership, (!is_enforced).then_some(acl)))
}

/// Stores what [`check_create`] admitted once the bucket exists.
pub async fn apply_create(
    s3: &S3,
    bucket: &str,
    ownership: Option<String>,
    acl: Option<Acl>,
) -> S3Result<()> {
    if let Some(o) = ownership {
        s3.store_config(bucket, OWNERSHIP, Some(OwnershipControls(Some(o))))
            .await?;
    }
    if let Some(a) = acl {
        s3.store_config(bucket, ACL, Some(a)).await?;
    }
    Ok(())
}

/// The ACL permission an S3 action needs on a bucket (`bucket`) or an object.
fn permission_for(action: &str, bucket: bool) -> Option<&'static str> {
    Some(match (action, bucket) {
        ("s3:ListBucket" | "s3:ListBucketVersions" | "s3:ListBucketMultipartUploads", true) => {
            "READ"
        }
        ("s3:GetBucketAcl", true) | ("s3:GetObjectAcl", false) => "READ_ACP",
        ("s3:PutBucketAcl", true) | ("s3:PutObjectAcl", false) => "WRITE_ACP",
        ("s3:GetObject" | "s3:GetObjectVersion", false) => "READ",
        ("s3:GetObjectVersionAcl", false) => "READ_ACP",
        ("s3:PutObjectVersionAcl", false) => "WRITE_ACP",
        // WRITE on a bucket lets the grantee create, overwrite and delete its objects.
        (
            "s3:PutObject"
            | "s3:DeleteObject"
            | "s3:DeleteObjectVersion"
            | "s3:AbortMultipartUpload",
            true,
        ) => "WRITE",
        _ => return None,
    })
}

/// Whether `acl` lets the caller of `ctx` perform `action` on the bucket (`key` None) or an
/// object: only while ACLs are enabled (not BucketOwnerEnforced), never against an explicit
/// deny of the bucket policy, with public grants void under IgnorePublicAcls; IAM users and
/// role sessions need their identity policies for grants to their account.
fn acl_permits(
    s3: &S3,
    ctx: &RequestContext,
    b: &Bucket,
    acl: &Acl,
    action: &str,
    key: Option<&str>,
) -> bool {
    let Some(permission) = permission_for(action, key.is_none()) else {
        return false;
    };
    if enforced(s3, &b.name).unwrap_or(true)
        || s3.explicitly_denied(ctx, b, action, &arn(&b.name, key))
    {
        return false;
    }
    // A grant to an account reaches its IAM users and role sessions only through their
    // identity policies; without them they count as nobody in particular.
    let requester = match &ctx.principal {
        Principal::Anonymous => None,
        _ if !s3.identity_allows(ctx, action, &arn(&b.name, key)) => None,
        p => p.account().map(|a| canonical_id(a.as_str())),
    };
    acl.permits(
        requester.as_deref(),
        permission,
        !b.bpa().ignore_public_acls,
    )
}

/// Whether the bucket's ACL lets the caller perform `action` on the bucket.
pub fn bucket_acl_allows(s3: &S3, ctx: &RequestContext, b: &Bucket, action: &str) -> bool {
    permission_for(action, true).is_some()
        && matches!(s3.config::<Acl>(&b.name, ACL), Ok(Some(acl)) if acl_permits(s3, ctx, b, &acl, action, None))
}

/// Whether an object's ACL lets the caller perform `action` on it.
pub fn object_acl_allows(
    s3: &S3,
    ctx: &RequestContext,
    b: &Bucket,
    key: &str,
    obj: &Object,
    action: &str,
) -> bool {
    permission_for(action, false).is_some()
        && matches!(object_acl(s3, &b.name, key, obj), Ok(Some(acl)) if acl_permits(s3, ctx, b, &acl, action, Some(key)))
}

/// Whether the caller may perform `action` on `obj`: by the policies (the bucket owner's
/// implicit ownership, its bucket policy, identity policies) or by the object's ACL.
///
/// An object another account owns — written while ACLs were enabled, and not handed over —
/// is governed by its ACL alone for what ACLs govern (reading it and its ACL, writing its
/// ACL): the bucket owner's ownership and bucket policy grant nothing on it, as S3 has it,
/// though an explicit deny still applies. Once ACLs are disabled the bucket owner owns every
/// object again.
pub fn object_allows(
    s3: &S3,
    ctx: &RequestContext,
    b: &Bucket,
    key: &str,
    obj: &Object,
    action: &str,
) -> bool {
    let governed = permission_for(action, false).is_some();
    let acl = if governed {
        object_acl(s3, &b.name, key, obj).ok().flatten()
    } else {
        None
    };
    let foreign = acl
        .as_ref()
        .and_then(|a| a.owner.as_deref())
        .is_some_and(|o| o != canonical_id(&b.owner))
        && !enforced(s3, &b.name).unwrap_or(true);
    if !foreign && s3.allowed_on_object(ctx, b, action, &arn(&b.name, Some(key)), Some(obj)) {
        return true;
    }
    acl.is_some_and(|acl| acl_permits(s3, ctx, b, &acl, action, Some(key)))
}

/// The key under which the ACL asked for by CreateMultipartUpload waits for completion.
pub fn upload_acl_key(upload_id: &str) -> String {
    format!("uploadacl\0{upload_id}")
}

/// Keeps the ACL of a new multipart upload until it completes.
pub async fn hold_upload_acl(s3: &S3, bucket: &str, upload_id: &str, acl: Acl) -> S3Result<()> {
    s3.store_config(bucket, &upload_acl_key(upload_id), Some(acl))
        .await
}

/// Applies (on completion) or drops (on abort, `blob` None) the ACL an upload waits with.
pub async fn release_upload_acl(
    s3: &S3,
    bucket: &str,
    key: &str,
    upload_id: &str,
    blob: Option<&str>,
) -> S3Result<()> {
    let name = upload_acl_key(upload_id);
    let Some(acl) = s3.config::<Acl>(bucket, &name)? else {
        return Ok(());
    };
    if let Some(blob) = blob {
        store_object_acl(s3, bucket, key, blob, acl).await?;
    }
    s3.store_config::<Acl>(bucket, &name, None).await
}
