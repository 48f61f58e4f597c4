//! Object Ownership and ACLs as AWS treats them today: ownership controls default to
//! BucketOwnerEnforced, under which ACLs are disabled (only owner-only ACLs are accepted,
//! anything else is `AccessControlListNotSupported`); with ObjectWriter or
//! BucketOwnerPreferred ACLs are stored, public ones refused while BlockPublicAcls is on
//! and disregarded while IgnorePublicAcls is on. While ACLs are enabled their grants are
//! honoured next to the bucket policy: READ on an object (GetObject), READ on the bucket
//! (ListBucket), READ_ACP/WRITE_ACP (Get/Put…Acl), for everyone, every AWS user or a
//! canonical user. An object another account owns answers to its ACL alone for what ACLs
//! govern (see [`object_allows`]). An object's ACL (and owner) lives in its own record — each version's in
//! that version's — written in the same change as the object, so it goes with it; the ACL
//! of a multipart upload waits in the upload's record until completion. Records of an
//! earlier cloudlet, which kept object ACLs apart, are still read (see [`object_acl`]).

use std::borrow::Cow;
use std::cell::OnceCell;

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{Principal, Request, RequestContext, Response};
use http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};

use super::versioning::{load_object, load_object_refusing_markers, update_loaded, version_param};
use super::xml_body;
use super::{XMLNS, canonical_id, empty, small_body, xml_response};
use crate::S3;
use crate::acl::Acl;
use crate::auth::arn;
use crate::config_error::ConfigError;
use crate::error::{S3Error, S3Result};
use crate::mpstate::Upload;
use crate::protocol::Query;
use crate::state::{Bucket, Object};

const OWNERSHIP: &str = "ownershipControls";
pub(crate) const ACL: &str = "acl";
const SETTINGS: &[&str] = &[
    "BucketOwnerEnforced",
    "BucketOwnerPreferred",
    "ObjectWriter",
];

/// The stored ownership controls: `None` after DeleteBucketOwnershipControls (a bucket
/// never configured has no record and means BucketOwnerEnforced).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct OwnershipControls(Option<String>);

/// An object's ACL as an earlier cloudlet kept it, apart from the object, tied to the blob
/// it belonged to.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct LegacyObjectAcl {
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

pub(crate) fn enforced(s3: &S3, bucket: &str) -> S3Result<bool> {
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
    admit_as(enforced(s3, &b.name)?, b, acl)
}

/// [`admit`], with ACLs disabled (`enforced`) or not as already read.
fn admit_as(enforced: bool, b: &Bucket, acl: &Acl) -> S3Result<()> {
    if enforced && !acl.owner_only(&canonical_id(&b.owner)) {
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

/// The object (or, with `versionId`, the version) a Get/PutObjectAcl names, once the caller
/// may perform `action` on it (`s3:Get/PutObjectVersionAcl` when a version is named). A
/// delete marker answers 405, as on S3.
fn existing_object(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
    (action, version_action, method): (&str, &str, &'static str),
) -> S3Result<(Bucket, Object)> {
    let b = s3.bucket(bucket)?;
    let version = version_param(q)?;
    // A key hidden by a delete marker: GetObjectAcl says NoSuchKey, PutObjectAcl 405.
    let obj = match method {
        "PUT" => load_object_refusing_markers(s3, bucket, key, version.as_ref(), method),
        _ => load_object(s3, bucket, key, version.as_ref(), method),
    };
    let action = if version.is_some() {
        version_action
    } else {
        action
    };
    let permitted = match &obj {
        Ok(o) => object_allows(s3, ctx, &b, key, o, action),
        Err(_) => s3.allowed_on_object(ctx, &b, action, &arn(bucket, Some(key)), None),
    };
    if !permitted {
        let tags = obj.as_ref().map_or(&[][..], |o| o.tags.as_slice());
        return Err(s3.denied(ctx, Some(&b), action, &arn(bucket, Some(key)), tags, &[]));
    }
    Ok((b, obj?))
}

/// The ACL in force on an object or version: the one in its record, or — for a record
/// written before ACLs lived in the object, only while such records may exist — the legacy
/// `{bucket}\0acl\0{key}` record when it belongs to this object's blob. A failed read of
/// that record is an error, never "no ACL" (which would make a foreign object the bucket
/// owner's).
pub(crate) fn object_acl<'a>(
    s3: &S3,
    bucket: &str,
    key: &str,
    obj: &'a Object,
) -> S3Result<Option<Cow<'a, Acl>>> {
    if let Some(acl) = &obj.acl {
        return Ok(Some(Cow::Borrowed(acl.as_ref())));
    }
    if !s3.legacy_acls {
        return Ok(None);
    }
    let stored: Option<LegacyObjectAcl> = s3.config(bucket, &legacy_object_acl_key(key))?;
    Ok(stored
        .filter(|a| a.blob == obj.blob)
        .map(|a| Cow::Owned(a.acl)))
}

pub async fn put_object_acl(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
    req: Request,
) -> S3Result<Response> {
    let actions = ("s3:PutObjectAcl", "s3:PutObjectVersionAcl", "PUT");
    let (b, obj) = existing_object(s3, ctx, bucket, key, q, actions)?;
    // The object keeps its owner; canned ACLs are that owner's. While ACLs are disabled
    // the bucket owner owns every object, whoever wrote it.
    let owner = if enforced(s3, bucket)? {
        None
    } else {
        object_acl(s3, bucket, key, &obj)?.and_then(|a| a.owner.clone())
    };
    let mut acl = requested_acl(&b, owner.as_deref(), req).await?;
    admit(s3, &b, &acl)?;
    acl.owner = owner;
    update_loaded(s3, bucket, key, &obj, move |o| {
        o.acl = Some(Box::new(acl.clone()));
        Ok(())
    })
    .await?;
    Ok(empty(StatusCode::OK))
}

/// GetObjectAcl: the object's ACL; while ACLs are disabled, every object is the bucket
/// owner's, with full control, as S3 answers then.
pub fn get_object_acl(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
) -> S3Result<Response> {
    let actions = ("s3:GetObjectAcl", "s3:GetObjectVersionAcl", "GET");
    let (b, obj) = existing_object(s3, ctx, bucket, key, q, actions)?;
    let owner = canonical_id(&b.owner);
    let acl = match enforced(s3, bucket)? {
        false => object_acl(s3, bucket, key, &obj)?.map(Cow::into_owned),
        true => None,
    }
    .unwrap_or_else(|| Acl::private(&owner));
    Ok(xml_response(
        acl.to_xml(acl.owner.as_deref().unwrap_or(&owner)),
    ))
}

/// The ACL an object write asks for, as [`check_object_write`] admitted it, handed to the
/// operation in the request's extensions so that it is stored in the object's (or upload's)
/// own record, in the same write.
#[derive(Clone, Debug)]
pub struct RequestedAcl(pub Acl);

/// The owners listings show: an object's (or delete marker's) own owner while ACLs are
/// enabled, else the bucket owner. The ownership setting is read once, and only when some
/// entry has an owner of its own (or, in a store with legacy ACL records, no ACL of its own).
pub(crate) struct Owners<'a> {
    s3: &'a S3,
    bucket: &'a str,
    bucket_owner: String,
    enforced: OnceCell<bool>,
}

impl<'a> Owners<'a> {
    pub fn new(s3: &'a S3, b: &'a Bucket) -> Owners<'a> {
        Owners {
            s3,
            bucket: &b.name,
            bucket_owner: canonical_id(&b.owner),
            enforced: OnceCell::new(),
        }
    }

    /// The canonical id to show for an entry owned by `own` (`None`: the bucket owner).
    pub fn show<'b>(&'b self, own: Option<&'b str>) -> &'b str {
        match own {
            Some(o) if o != self.bucket_owner && !*self.enforced() => o,
            _ => &self.bucket_owner,
        }
    }

    /// The canonical id to show as `obj`'s owner. A legacy ACL record is read only while
    /// ACLs are enabled (else the bucket owner is shown anyway); one that cannot be read
    /// shows the bucket owner (a listing names owners, it grants nothing).
    pub fn of_object(&self, key: &str, obj: &Object) -> String {
        if obj.acl.is_none() && self.s3.legacy_acls && *self.enforced() {
            return self.bucket_owner.clone();
        }
        let acl = object_acl(self.s3, self.bucket, key, obj).ok().flatten();
        self.show(acl.as_ref().and_then(|a| a.owner.as_deref()))
            .to_string()
    }

    /// Whether ACLs are disabled, read once (unreadable: disabled, as S3's default).
    fn enforced(&self) -> &bool {
        self.enforced
            .get_or_init(|| enforced(self.s3, self.bucket).unwrap_or(true))
    }
}

/// The owner a delete marker the caller of `ctx` creates in `b` gets: the caller's account
/// when it is not the bucket owner and ACLs are enabled (`None`: the bucket owner).
pub fn marker_owner(s3: &S3, ctx: &RequestContext, b: &Bucket) -> S3Result<Option<String>> {
    let account = ctx.account.as_str();
    if account.is_empty() || account == b.owner || b.versioning.status.is_none() {
        return Ok(None);
    }
    Ok((!enforced(s3, &b.name)?).then(|| canonical_id(account)))
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
    b: Option<&Bucket>,
    h: &HeaderMap,
) -> S3Result<Option<Acl>> {
    let Some(b) = b else {
        return Ok(None);
    };
    let bucket = b.name.as_str();
    let bucket_owner = canonical_id(&b.owner);
    let parsed = Acl::from_headers(h, &bucket_owner)?;
    if parsed.is_none() && (ctx.account.as_str().is_empty() || ctx.account.as_str() == b.owner) {
        // The common case — the owner writing without ACL headers — reads no configuration.
        return Ok(None);
    }
    let ownership = ownership(s3, bucket)?;
    let enforced = ownership.as_deref() == Some("BucketOwnerEnforced");
    if let Some(acl) = &parsed {
        admit_as(enforced, b, acl)?;
    }
    if enforced {
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
        return Ok(parsed);
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
        && matches!(object_acl(s3, &b.name, key, obj),
            Ok(Some(acl)) if acl_permits(s3, ctx, b, &acl, action, Some(key)))
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
        // An ACL that cannot be read might be another account's: nothing is allowed.
        let Ok(acl) = object_acl(s3, &b.name, key, obj) else {
            return false;
        };
        acl
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

/// The key under which an earlier cloudlet kept the ACL CreateMultipartUpload asked for,
/// until completion (the upload's record holds it now).
pub fn legacy_upload_acl_key(upload_id: &str) -> String {
    format!("uploadacl\0{upload_id}")
}

/// The ACL a multipart upload completes with: its record's, or one an earlier cloudlet
/// kept for it apart.
pub fn upload_acl(s3: &S3, bucket: &str, upload: &Upload) -> S3Result<Option<Acl>> {
    if upload.acl.is_some() || !s3.legacy_acls {
        return Ok(upload.acl.clone());
    }
    s3.config(bucket, &legacy_upload_acl_key(&upload.id))
}

/// The key of an object's ACL as an earlier cloudlet kept it, apart from the object.
fn legacy_object_acl_key(object: &str) -> String {
    format!("acl\0{object}")
}

/// Whether the store holds ACLs kept apart from their objects or uploads by an earlier
/// cloudlet (`{bucket}\0acl\0{key}`, `{bucket}\0uploadacl\0{id}`). Asked once, at startup:
/// nothing writes such records any more, so a store without them never needs to look.
pub fn legacy_acls_exist(store: &cloudlet_store::Store) -> bool {
    store
        .read(|txn| {
            crate::config_store::any_name(txn, |name| {
                name.starts_with("acl\0") || name.starts_with("uploadacl\0")
            })
        })
        // Unreadable: look, to be safe.
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use cloudlet_store::Store;

    use super::*;
    use crate::acl::{Grant, Grantee};
    use crate::{config_store, state};

    fn object(blob: &str) -> Object {
        Object {
            blob: blob.into(),
            size: 1,
            etag: "e".into(),
            content_type: None,
            last_modified: 0,
            metadata: Vec::new(),
            headers: Vec::new(),
            tags: Vec::new(),
            version: Default::default(),
            parts: Vec::new(),
            acl: None,
        }
    }

    fn upload(id: &str) -> Upload {
        Upload {
            bucket: "b".into(),
            key: "up".into(),
            id: id.into(),
            initiated: 0,
            owner: "111111111111".into(),
            content_type: None,
            metadata: Vec::new(),
            headers: Vec::new(),
            tags: Vec::new(),
            checksum: None,
            checksum_type: None,
            lock: Default::default(),
            acl: None,
            replaces_object: false,
        }
    }

    fn owned_by(owner: &str) -> Acl {
        Acl {
            grants: vec![Grant {
                grantee: Grantee::User(owner.into()),
                permission: "FULL_CONTROL".into(),
            }],
            owner: Some(owner.into()),
        }
    }

    /// A store as an earlier cloudlet left it: ACLs apart from their objects and uploads.
    fn legacy_store(other: &str) -> Store {
        let store = Store::ephemeral().unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let other = other.to_string();
        rt.block_on(store.write(move |txn| {
            state::put_bucket(
                txn,
                &Bucket {
                    name: "b".into(),
                    owner: "000000000000".into(),
                    region: "us-east-1".into(),
                    created: 0,
                    policy: None,
                    public_access_block: None,
                    website: None,
                    tags: None,
                    versioning: Default::default(),
                    legacy_location: None,
                },
            )?;
            let ownership = OwnershipControls(Some("ObjectWriter".into()));
            config_store::put(txn, "b", OWNERSHIP, &ownership)?;
            for (key, blob, acl_blob) in
                [("theirs", "blob1", "blob1"), ("replaced", "blob3", "blob2")]
            {
                state::put_object(txn, "b", key, &object(blob))?;
                let legacy = LegacyObjectAcl {
                    blob: acl_blob.into(),
                    acl: owned_by(&other),
                };
                config_store::put(txn, "b", &legacy_object_acl_key(key), &legacy)?;
            }
            state::put_object(txn, "b", "plain", &object("blob4"))?;
            crate::mpstate::put_upload(txn, &upload("u1"))?;
            config_store::put(txn, "b", &legacy_upload_acl_key("u1"), &owned_by(&other))?;
            Ok::<_, S3Error>(())
        }))
        .unwrap();
        store
    }

    #[test]
    fn acls_kept_apart_by_an_earlier_cloudlet_are_still_read() {
        let other = canonical_id("111111111111");
        let s3 = S3::new(legacy_store(&other));
        assert!(s3.legacy_acls);
        let b = s3.bucket("b").unwrap();
        let load = |key: &str| {
            s3.store
                .read(|txn| state::get_object(txn, "b", key))
                .unwrap()
                .unwrap()
        };
        let owners = Owners::new(&s3, &b);
        let cases = [
            // (key, the owner its ACL names, the owner listings show)
            ("theirs", Some(other.clone()), other.clone()),
            // The legacy record belongs to the blob the object had before.
            ("replaced", None, canonical_id("000000000000")),
            ("plain", None, canonical_id("000000000000")),
        ];
        for (key, acl_owner, listed) in cases {
            let obj = load(key);
            let acl = object_acl(&s3, "b", key, &obj).unwrap();
            assert_eq!(acl.and_then(|a| a.owner.clone()), acl_owner, "{key}");
            assert_eq!(owners.of_object(key, &obj), listed, "{key}");
        }
        // The object's own ACL wins over a legacy one.
        let mut obj = load("theirs");
        obj.acl = Some(Box::new(Acl::private("x")));
        let own = object_acl(&s3, "b", "theirs", &obj).unwrap().unwrap();
        assert_eq!(own.owner, None);
        // An upload waiting with a legacy ACL completes with it.
        let waiting = upload_acl(&s3, "b", &upload("u1")).unwrap();
        assert_eq!(waiting.and_then(|a| a.owner), Some(other.clone()));
        assert_eq!(upload_acl(&s3, "b", &upload("u2")).unwrap(), None);
    }

    #[test]
    fn a_store_without_legacy_acls_never_looks_for_them() {
        let s3 = S3::new(Store::ephemeral().unwrap());
        assert!(!s3.legacy_acls);
        let store = legacy_store(&canonical_id("111111111111"));
        assert!(legacy_acls_exist(&store));
    }
}
