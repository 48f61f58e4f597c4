//! Versioning: Put/GetBucketVersioning (never suspended under Object Lock or a replication
//! configuration) and the version-aware object operations — GET/HEAD
//! with `versionId` (and S3's delete-marker answers), DeleteObject (delete markers, removing
//! a version for good, Object Lock, `If-Match`), loading a copy source by version. Storage
//! rules live in `versions`.

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{Request, RequestContext, Response};
use cloudlet_store::redb::WriteTransaction;
use http::StatusCode;

use super::{XMLNS, empty, http_date, iso8601, now_ms, set_header, small_body};
use crate::S3;
use crate::auth::arn;
use crate::error::{S3Error, S3Result};
use crate::lock;
use crate::protocol::Query;
use crate::state::{self, Object};
use crate::upload::hv;
use crate::versions::{self, Entry, Status, VersionRef};

/// `x-amz-version-id` and the `x-amz-object-lock-*` headers of a GET/HEAD response.
pub fn version_headers(r: &mut Response, obj: &Object) {
    if let Some(v) = &obj.version.id {
        set_header(r, "x-amz-version-id", v);
    }
    let l = &obj.version.lock;
    if let Some(ret) = &l.retention {
        set_header(r, "x-amz-object-lock-mode", ret.mode.as_str());
        set_header(
            r,
            "x-amz-object-lock-retain-until-date",
            &iso8601(ret.until),
        );
    }
    if let Some(on) = l.legal_hold {
        set_header(
            r,
            "x-amz-object-lock-legal-hold",
            if on { "ON" } else { "OFF" },
        );
    }
}

pub(crate) fn version_param(q: &Query) -> S3Result<Option<VersionRef>> {
    q.get("versionId").map(VersionRef::from_param).transpose()
}

/// The bucket and the `versionId` of a request on one object, once the caller may do
/// `action` — or `version_action` when a version is named, as S3 asks for — with the
/// object's tags as `s3:ExistingObjectTag/…` and `extra` (the request's own tags).
pub(crate) fn authorize_object(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
    (action, version_action): (&str, &str),
) -> S3Result<(state::Bucket, Option<VersionRef>)> {
    let b = s3.bucket(bucket)?;
    let version = version_param(q)?;
    let action = if version.is_some() {
        version_action
    } else {
        action
    };
    // The object is read for its tags only when a policy will look at them.
    let existing = if crate::auth::evaluates_policies(ctx, &b) {
        match &version {
            None => s3.store.read(|txn| state::get_object(txn, bucket, key))?,
            Some(v) => load_version(s3, bucket, key, v, "GET").ok(),
        }
    } else {
        None
    };
    if !s3.allowed_on_object(ctx, &b, action, &arn(bucket, Some(key)), existing.as_ref())
        && !super::acl::bucket_acl_allows(s3, ctx, &b, action)
    {
        let tags = existing.as_ref().map_or(&[][..], |o| o.tags.as_slice());
        return Err(s3.denied(ctx, Some(&b), action, &arn(bucket, Some(key)), tags, &[]));
    }
    Ok((b, version))
}

/// The current object (`version` None) or the version named, as [`load_version`] loads it
/// for a `method` request.
pub(crate) fn load_object(
    s3: &S3,
    bucket: &str,
    key: &str,
    version: Option<&VersionRef>,
    method: &'static str,
) -> S3Result<Object> {
    match version {
        Some(v) => load_version(s3, bucket, key, v, method),
        None => s3
            .store
            .read(|txn| state::get_object(txn, bucket, key))?
            .ok_or_else(|| S3Error::NoSuchKey(key.to_string())),
    }
}

/// As [`load_object`], for the operations S3 refuses on a key whose current version is a
/// delete marker with 405 `MethodNotAllowed` (the tagging operations, PutObjectAcl) rather
/// than `NoSuchKey` (GET/HEAD, GetObjectAcl). The versions are read only when the current
/// view has no object.
pub(crate) fn load_object_refusing_markers(
    s3: &S3,
    bucket: &str,
    key: &str,
    version: Option<&VersionRef>,
    method: &'static str,
) -> S3Result<Object> {
    match load_object(s3, bucket, key, version, method) {
        Err(S3Error::NoSuchKey(k)) => match s3
            .store
            .read(|txn| versions::read_latest(txn, bucket, key))?
        {
            Some(Entry::DeleteMarker { .. }) => Err(S3Error::MethodNotAllowed {
                method: method.to_string(),
                resource: "DeleteMarker",
            }),
            _ => Err(S3Error::NoSuchKey(k)),
        },
        other => other,
    }
}

/// Changes `obj`, as loaded and checked, in one durable write: the version changed is the
/// one checked, even if the key was overwritten meanwhile, and an unversioned object must
/// still be the one checked (else `NoSuchKey`).
pub(crate) async fn update_loaded(
    s3: &S3,
    bucket: &str,
    key: &str,
    obj: &Object,
    mut change: impl FnMut(&mut Object) -> S3Result<()> + Send + 'static,
) -> S3Result<()> {
    let version = obj.version.id.as_deref().and_then(VersionRef::parse);
    let (b, k, blob) = (bucket.to_string(), key.to_string(), obj.blob.clone());
    s3.store
        .write(move |txn| {
            versions::update_object(txn, &b, &k, version.as_ref(), "PUT", &mut |o| {
                if o.blob != blob {
                    return Err(S3Error::NoSuchKey(k.clone()));
                }
                change(o)
            })
        })
        .await?;
    Ok(())
}

/// A version's record; a delete marker answers 405 as S3 does.
pub fn load_version(
    s3: &S3,
    bucket: &str,
    key: &str,
    version: &VersionRef,
    method: &'static str,
) -> S3Result<Object> {
    match s3
        .store
        .read(|txn| versions::read_version(txn, bucket, key, version))?
    {
        Some(Entry::Object(o)) => Ok(o),
        Some(Entry::DeleteMarker {
            version_id,
            last_modified,
            ..
        }) => Err(S3Error::WithHeaders {
            error: Box::new(S3Error::MethodNotAllowed {
                method: method.to_string(),
                resource: "DeleteMarker",
            }),
            headers: vec![
                ("x-amz-delete-marker", "true".into()),
                ("x-amz-version-id", version_id),
                ("last-modified", http_date(last_modified)),
                ("allow", "DELETE".into()),
            ],
        }),
        None => Err(versions::no_such_version(key, version)),
    }
}

/// GetObject/HeadObject: the current object, or the version `versionId` names. A key whose
/// newest entry is a delete marker is `NoSuchKey` with `x-amz-delete-marker: true`.
pub async fn get(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
    req: Request,
    head: bool,
) -> S3Result<Response> {
    crate::precheck::check_key_length(key)?;
    super::object::check_overrides(ctx, q)?;
    super::object::refuse_encryption_header(req.headers())?;
    let Some(raw) = q.get("versionId") else {
        return match super::object::get(s3, ctx, bucket, key, q, req, head).await {
            Err(S3Error::NoSuchKey(k)) => {
                match s3
                    .store
                    .read(|txn| versions::read_latest(txn, bucket, key))?
                {
                    Some(Entry::DeleteMarker { version_id, .. }) => Err(S3Error::WithHeaders {
                        error: Box::new(S3Error::NoSuchKey(k)),
                        headers: vec![
                            ("x-amz-delete-marker", "true".into()),
                            ("x-amz-version-id", version_id),
                        ],
                    }),
                    _ => Err(S3Error::NoSuchKey(k)),
                }
            }
            other => other,
        };
    };
    let b = s3.bucket(bucket)?;
    let version = VersionRef::from_param(raw)?;
    let method = if head { "HEAD" } else { "GET" };
    let obj = load_version(s3, bucket, key, &version, method);
    require_version_read(s3, ctx, &b, key, obj.as_ref().ok())?;
    let obj = obj?;
    super::object::serve(s3, &obj, req.headers(), q, head).await
}

/// `Ok` when the caller may read a version (`None`: a delete marker or no such version),
/// else the refusal.
fn require_version_read(
    s3: &S3,
    ctx: &RequestContext,
    b: &state::Bucket,
    key: &str,
    obj: Option<&Object>,
) -> S3Result<()> {
    let action = "s3:GetObjectVersion";
    let resource = arn(&b.name, Some(key));
    let readable = match obj {
        Some(o) => super::acl::object_allows(s3, ctx, b, key, o, action),
        None => s3.allowed_on_object(ctx, b, action, &resource, None),
    };
    if readable {
        return Ok(());
    }
    let tags = obj.map_or(&[][..], |o| o.tags.as_slice());
    Err(s3.denied(ctx, Some(b), action, &resource, tags, &[]))
}

/// The source of CopyObject/UploadPartCopy: the current object, or a version.
pub fn load_source(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    version: Option<&VersionRef>,
) -> S3Result<Object> {
    let src = match version {
        None => super::object::load_readable(s3, ctx, bucket, key)?,
        Some(v) => {
            let b = s3.bucket(bucket)?;
            let loaded = load_version(s3, bucket, key, v, "GET");
            require_version_read(s3, ctx, &b, key, loaded.as_ref().ok())?;
            match loaded {
                Err(S3Error::WithHeaders { .. }) => return Err(S3Error::InvalidRequest(
                    "The source of a copy request may not specifically refer to a delete marker by version id.".into(),
                )),
                other => other?,
            }
        }
    };
    crate::storage_class::check_copy_source(&src.headers, now_ms())?;
    Ok(src)
}

/// Whether the caller asked to bypass GOVERNANCE retention and may.
pub fn bypass(s3: &S3, ctx: &RequestContext, b: &state::Bucket, key: &str, req: &Request) -> bool {
    lock::bypass_requested(req.headers())
        && s3.allowed(
            ctx,
            b,
            "s3:BypassGovernanceRetention",
            &arn(&b.name, Some(key)),
            &[],
        )
}

/// A conditional delete with an ETag (not `*`) also needs `s3:GetObject`, as on S3.
pub(crate) fn authorize_delete_condition(
    s3: &S3,
    ctx: &RequestContext,
    b: &state::Bucket,
    key: &str,
    if_match: &str,
) -> S3Result<()> {
    let resource = arn(&b.name, Some(key));
    if if_match.trim() != "*" && !s3.allowed(ctx, b, "s3:GetObject", &resource, &[]) {
        return Err(s3.denied(ctx, Some(b), "s3:GetObject", &resource, &[], &[]));
    }
    Ok(())
}

/// `If-Match` on DeleteObject(s), checked in the delete's own transaction: the key's current
/// version must be an object (`NoSuchKey` when absent or a delete marker) and, unless the
/// condition is `*`, carry that ETag (`PreconditionFailed`). Whatever version the request
/// names, the condition is on the current one, as on S3.
pub(crate) fn delete_condition(
    txn: &WriteTransaction,
    bucket: &str,
    key: &str,
    if_match: &str,
) -> S3Result<()> {
    match state::load_object(txn, bucket, key)? {
        None => Err(S3Error::NoSuchKey(key.to_string())),
        Some(o) if !super::object::etag_matches(if_match, &o.etag) => {
            Err(S3Error::PreconditionFailed("If-Match"))
        }
        Some(_) => Ok(()),
    }
}

/// DeleteObject's `x-amz-if-match-last-modified-time` and `x-amz-if-match-size` are for
/// directory buckets: a general purpose bucket refuses them (501, naming the first).
pub(crate) fn refuse_directory_conditions(h: &http::HeaderMap) -> S3Result<()> {
    match ["x-amz-if-match-last-modified-time", "x-amz-if-match-size"]
        .into_iter()
        .find(|n| h.contains_key(*n))
    {
        Some(header) => Err(S3Error::NotImplementedHeader {
            header,
            detail: None,
        }),
        None => Ok(()),
    }
}

/// DeleteObject: removes the object (unversioned bucket), adds a delete marker (versioned),
/// or removes the version `versionId` names for good.
pub async fn delete_object(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    q: &Query,
    req: Request,
) -> S3Result<Response> {
    refuse_directory_conditions(req.headers())?;
    let actions = ("s3:DeleteObject", "s3:DeleteObjectVersion");
    let (b, version) = authorize_object(s3, ctx, bucket, key, q, actions)?;
    let bypass = bypass(s3, ctx, &b, key, &req);
    let marker_owner = match version {
        None => super::acl::marker_owner(s3, ctx, &b)?,
        Some(_) => None,
    };
    let if_match = hv(req.headers(), "if-match").map(str::to_string);
    if let Some(m) = &if_match {
        authorize_delete_condition(s3, ctx, &b, key, m)?;
    }
    let (bname, kname, now) = (bucket.to_string(), key.to_string(), now_ms());
    let done = s3
        .store
        .write(move |txn| {
            let b = state::load_bucket(txn, &bname)?
                .ok_or_else(|| S3Error::NoSuchBucket(bname.clone()))?;
            if let Some(m) = &if_match {
                delete_condition(txn, &bname, &kname, m)?;
            }
            match &version {
                None => Ok(versions::delete_current(
                    txn,
                    &b,
                    &kname,
                    now,
                    marker_owner.as_deref(),
                )?),
                Some(v) => {
                    let done = versions::delete_version(txn, &b, &kname, v, bypass, now)?;
                    // Deleting a version that does not exist succeeds, unless the id is
                    // not one S3 could have issued.
                    if done.missing && !versions::sealed(v) {
                        return Err(versions::invalid_version_id(v.as_str()));
                    }
                    Ok(done)
                }
            }
        })
        .await?;
    s3.store.blobs().delete_named(&done.freed).await;
    let mut r = empty(StatusCode::NO_CONTENT);
    if done.delete_marker {
        set_header(&mut r, "x-amz-delete-marker", "true");
    }
    if let Some(v) = done.marker_version_id.or(done.version_id) {
        set_header(&mut r, "x-amz-version-id", &v);
    }
    Ok(r)
}

pub fn get_versioning(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    let b = s3.bucket_for(ctx, bucket, "s3:GetBucketVersioning")?;
    let mut x = XmlWriter::new();
    x.open_ns("VersioningConfiguration", XMLNS);
    if let Some(s) = b.versioning.status {
        x.elem("Status", s.as_str());
    }
    if let Some(m) = &b.versioning.mfa_delete {
        x.elem("MfaDelete", m);
    }
    Ok(super::xml_response(x.finish()))
}

/// The body of PutBucketVersioning: the new status and whether `MfaDelete` was named (it
/// must then be `Disabled`; `Enabled` needs an MFA device cloudlet lacks). Values outside
/// the schema are `MalformedXML`; a document without `Status` — a bucket never goes back
/// to unversioned — is `IllegalVersioningConfigurationException`, as on S3.
pub fn parse_versioning(text: &str, mfa_header: bool) -> S3Result<(Status, bool)> {
    let root = crate::xml::parse(text).ok_or(S3Error::MalformedXml)?;
    if root.name != "VersioningConfiguration" {
        return Err(S3Error::MalformedXml);
    }
    let status = match root.child_text("Status") {
        None => None,
        Some("Enabled") => Some(Status::Enabled),
        Some("Suspended") => Some(Status::Suspended),
        Some(_) => return Err(S3Error::MalformedXml),
    };
    let mfa = match root.child_text("MfaDelete") {
        None => None,
        Some(m @ ("Enabled" | "Disabled")) => Some(m == "Enabled"),
        Some(_) => return Err(S3Error::MalformedXml),
    };
    let status = status.ok_or(S3Error::IllegalVersioningConfiguration)?;
    match mfa {
        Some(true) if mfa_header => Err(S3Error::NotImplemented),
        // S3 refuses MFA Delete changes that are not MFA-authenticated.
        Some(true) => Err(S3Error::AccessDeniedBecause(
            "Mfa Authentication must be used for this request",
        )),
        named => Ok((status, named.is_some())),
    }
}

pub async fn put_versioning(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    req: Request,
) -> S3Result<Response> {
    s3.bucket_for(ctx, bucket, "s3:PutBucketVersioning")?;
    let mfa_header = req.headers().contains_key("x-amz-mfa");
    let body = small_body(req).await?;
    let text = std::str::from_utf8(&body).map_err(|_| S3Error::MalformedXml)?;
    let (status, mfa) = parse_versioning(text, mfa_header)?;
    let name = bucket.to_string();
    s3.store
        .write(move |txn| {
            let mut b = state::load_bucket(txn, &name)?
                .ok_or_else(|| S3Error::NoSuchBucket(name.clone()))?;
            if b.versioning.object_lock.is_some() && status == Status::Suspended {
                return Err(S3Error::InvalidBucketState(
                    "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
                ));
            }
            if status == Status::Suspended && super::replication::present(txn, &name)? {
                return Err(S3Error::InvalidBucketState(
                    "A replication configuration is present on this bucket, so you cannot change the versioning state. To change the versioning state, first delete the replication configuration.",
                ));
            }
            if b.versioning.status.is_none() {
                versions::adopt_existing(txn, &name)?;
            }
            b.versioning.status = Some(status);
            if mfa {
                b.versioning.mfa_delete = Some("Disabled".into());
            }
            state::put_bucket(txn, &b)?;
            Ok(())
        })
        .await?;
    Ok(empty(StatusCode::OK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioning_documents() {
        let doc = |status: &str, mfa: &str| {
            format!(
                "<VersioningConfiguration xmlns=\"{XMLNS}\">{status}{mfa}</VersioningConfiguration>"
            )
        };
        let cases: Vec<(String, bool, &str)> = vec![
            (
                doc("<Status>Enabled</Status>", ""),
                false,
                "Ok((Enabled, false))",
            ),
            (
                doc("<Status>Suspended</Status>", ""),
                false,
                "Ok((Suspended, false))",
            ),
            (
                doc(
                    "<Status>Enabled</Status>",
                    "<MfaDelete>Disabled</MfaDelete>",
                ),
                false,
                "Ok((Enabled, true))",
            ),
            (doc("", ""), false, "Err(IllegalVersioningConfiguration)"),
            (
                doc("", "<MfaDelete>Disabled</MfaDelete>"),
                false,
                "Err(IllegalVersioningConfiguration)",
            ),
            (
                doc("", "<MfaDelete>Never</MfaDelete>"),
                false,
                "Err(MalformedXml)",
            ),
            (doc("<Status></Status>", ""), false, "Err(MalformedXml)"),
            (
                doc("<Status>enabled</Status>", ""),
                false,
                "Err(MalformedXml)",
            ),
            (
                doc("<Status>Disabled</Status>", ""),
                false,
                "Err(MalformedXml)",
            ),
            (
                doc("<Status>Enabled</Status>", "<MfaDelete>Maybe</MfaDelete>"),
                false,
                "Err(MalformedXml)",
            ),
            (
                doc("<Status>Enabled</Status>", "<MfaDelete>Enabled</MfaDelete>"),
                false,
                "Err(AccessDeniedBecause(\"Mfa Authentication must be used for this request\"))",
            ),
            (
                doc("<Status>Enabled</Status>", "<MfaDelete>Enabled</MfaDelete>"),
                true,
                "Err(NotImplemented)",
            ),
            (
                "<Versioning><Status>Enabled</Status></Versioning>".into(),
                false,
                "Err(MalformedXml)",
            ),
            (
                "<VersioningConfiguration>".into(),
                false,
                "Err(MalformedXml)",
            ),
            (String::new(), false, "Err(MalformedXml)"),
        ];
        for (text, mfa, want) in cases {
            assert_eq!(
                format!("{:?}", parse_versioning(&text, mfa)),
                want,
                "{text}"
            );
        }
    }
}
