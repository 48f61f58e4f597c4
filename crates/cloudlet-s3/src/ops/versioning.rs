//! Versioning: Put/GetBucketVersioning, ListObjectVersions, and the version-aware object
//! operations — GET/HEAD with `versionId` (and S3's delete-marker answers), DeleteObject
//! (delete markers, removing a version for good, Object Lock), loading a copy source by
//! version. Storage rules live in `versions`.

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{Request, RequestContext, Response};
use cloudlet_store::BlobId;
use http::StatusCode;

use super::list::{encoding_type, max_keys, url_encode};
use super::{XMLNS, canonical_id, empty, http_date, iso8601, now_ms, set_header, small_body};
use crate::S3;
use crate::auth::{allowed, arn};
use crate::error::{S3Error, S3Result};
use crate::lock;
use crate::protocol::Query;
use crate::state::{self, Object};
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

fn version_param(q: &Query) -> S3Result<Option<VersionRef>> {
    q.get("versionId").map(VersionRef::from_param).transpose()
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
        None => Err(S3Error::NoSuchVersion {
            key: key.to_string(),
            version: version.as_str().to_string(),
        }),
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
    if !q.has("versionId") {
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
    }
    let b = s3.bucket(bucket)?;
    let version = version_param(q)?.ok_or(S3Error::NotImplemented)?;
    if !allowed(ctx, &b, "s3:GetObjectVersion", &arn(bucket, Some(key)), &[]) {
        return Err(S3Error::AccessDenied);
    }
    let method = if head { "HEAD" } else { "GET" };
    let obj = load_version(s3, bucket, key, &version, method)?;
    super::object::serve(s3, &obj, req.headers(), q, head).await
}

/// The source of CopyObject/UploadPartCopy: the current object, or a version.
pub fn load_source(
    s3: &S3,
    ctx: &RequestContext,
    bucket: &str,
    key: &str,
    version: Option<&VersionRef>,
) -> S3Result<Object> {
    let Some(v) = version else {
        return super::object::load_readable(s3, ctx, bucket, key);
    };
    let b = s3.bucket(bucket)?;
    if !allowed(ctx, &b, "s3:GetObjectVersion", &arn(bucket, Some(key)), &[]) {
        return Err(S3Error::AccessDenied);
    }
    match load_version(s3, bucket, key, v, "GET") {
        Err(S3Error::WithHeaders { .. }) => Err(S3Error::InvalidRequest(
            "The source of a copy request may not specifically refer to a delete marker by version id.".into(),
        )),
        other => other,
    }
}

/// Whether the caller asked to bypass GOVERNANCE retention and may.
pub fn bypass(ctx: &RequestContext, b: &state::Bucket, key: &str, req: &Request) -> bool {
    lock::bypass_requested(req.headers())
        && allowed(
            ctx,
            b,
            "s3:BypassGovernanceRetention",
            &arn(&b.name, Some(key)),
            &[],
        )
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
    let b = s3.bucket(bucket)?;
    let version = version_param(q)?;
    let action = match version {
        Some(_) => "s3:DeleteObjectVersion",
        None => "s3:DeleteObject",
    };
    if !allowed(ctx, &b, action, &arn(bucket, Some(key)), &[]) {
        return Err(S3Error::AccessDenied);
    }
    let bypass = bypass(ctx, &b, key, &req);
    let (bname, kname, now) = (bucket.to_string(), key.to_string(), now_ms());
    let done = s3
        .store
        .write(move |txn| {
            let b = state::load_bucket(txn, &bname)?
                .ok_or_else(|| S3Error::NoSuchBucket(bname.clone()))?;
            match &version {
                None => Ok(versions::delete_current(txn, &b, &kname, now)?),
                Some(v) => versions::delete_version(txn, &b, &kname, v, bypass, now),
            }
        })
        .await?;
    for blob in done.freed.iter().filter_map(|b| BlobId::parse(b)) {
        s3.store.blobs().delete(&blob).await;
    }
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

/// The body of PutBucketVersioning: the new status (if any) and whether `MfaDelete` was
/// named (it must then be `Disabled`; `Enabled` needs an MFA device cloudlet lacks).
pub fn parse_versioning(text: &str, mfa_header: bool) -> S3Result<(Option<Status>, bool)> {
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
        None => false,
        Some("Disabled") => true,
        Some("Enabled") if mfa_header => return Err(S3Error::NotImplemented),
        // S3 refuses MFA Delete changes that are not MFA-authenticated.
        Some("Enabled") => {
            return Err(S3Error::AccessDeniedBecause(
                "Mfa Authentication must be used for this request",
            ));
        }
        Some(_) => return Err(S3Error::MalformedXml),
    };
    Ok((status, mfa))
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
            if b.versioning.object_lock.is_some() && status == Some(Status::Suspended) {
                return Err(S3Error::InvalidBucketState(
                    "An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.",
                ));
            }
            if let Some(s) = status {
                if b.versioning.status.is_none() {
                    versions::adopt_existing(txn, &name)?;
                }
                b.versioning.status = Some(s);
            }
            if mfa {
                b.versioning.mfa_delete = Some("Disabled".into());
            }
            state::put_bucket(txn, &b)?;
            Ok(())
        })
        .await?;
    Ok(empty(StatusCode::OK))
}

/// One entry of a ListObjectVersions page.
enum Item {
    Version {
        key: String,
        latest: bool,
        obj: Box<Object>,
    },
    Marker {
        key: String,
        latest: bool,
        id: String,
        modified: u64,
    },
    Prefix(String),
}

/// A page of ListObjectVersions.
#[derive(Default)]
struct Page {
    items: Vec<Item>,
    truncated: bool,
    /// The key (or common prefix) and version id of the last entry returned.
    next: Option<(String, Option<String>)>,
}

struct Listing<'a> {
    prefix: &'a str,
    delimiter: &'a str,
    key_marker: &'a str,
    version_marker: Option<&'a VersionRef>,
    max: usize,
}

impl Listing<'_> {
    /// Pages through a stream of `(key, entry)`, keys ascending and newest first.
    fn collect(
        &self,
        scan: impl FnOnce(&mut dyn FnMut(&str, Entry) -> bool) -> S3Result<()>,
    ) -> S3Result<Page> {
        let mut p = Page::default();
        let mut prev_key: Option<String> = None;
        let mut passed_marker = false;
        scan(&mut |key: &str, entry: Entry| {
            if !key.starts_with(self.prefix) {
                return key < self.prefix;
            }
            let latest = prev_key.as_deref() != Some(key);
            if latest {
                prev_key = Some(key.to_string());
            }
            let group = if self.delimiter.is_empty() {
                None
            } else {
                key[self.prefix.len()..]
                    .find(self.delimiter)
                    .map(|i| key[..self.prefix.len() + i + self.delimiter.len()].to_string())
            };
            let name = group.as_deref().unwrap_or(key);
            if name < self.key_marker {
                return true;
            }
            if name == self.key_marker {
                match (self.version_marker, &group) {
                    (Some(m), None) if !passed_marker => {
                        passed_marker = entry.version_id() == m.as_str();
                        return true;
                    }
                    (Some(_), None) => {}
                    _ => return true,
                }
            }
            if group.is_some() && p.next.as_ref().is_some_and(|(n, _)| n == name) {
                return true;
            }
            if p.items.len() == self.max {
                p.truncated = true;
                return false;
            }
            let item = match (group, entry) {
                (Some(cp), _) => {
                    p.next = Some((cp.clone(), None));
                    Item::Prefix(cp)
                }
                (None, Entry::Object(obj)) => {
                    p.next = Some((key.to_string(), obj.version.id.clone()));
                    Item::Version {
                        key: key.to_string(),
                        latest,
                        obj: Box::new(obj),
                    }
                }
                (
                    None,
                    Entry::DeleteMarker {
                        version_id,
                        last_modified,
                    },
                ) => {
                    p.next = Some((key.to_string(), Some(version_id.clone())));
                    Item::Marker {
                        key: key.to_string(),
                        latest,
                        id: version_id,
                        modified: last_modified,
                    }
                }
            };
            p.items.push(item);
            true
        })?;
        // `max-keys=0` returns nothing, and nothing to resume from.
        if p.items.is_empty() {
            p.truncated = false;
        }
        if !p.truncated {
            p.next = None;
        }
        Ok(p)
    }
}

pub fn list_versions(s3: &S3, ctx: &RequestContext, bucket: &str, q: &Query) -> S3Result<Response> {
    let b = s3.bucket(bucket)?;
    let prefix = q.get("prefix").unwrap_or("");
    let delimiter = q.get("delimiter").unwrap_or("");
    let extra = [
        ("s3:prefix", prefix.to_string()),
        ("s3:delimiter", delimiter.to_string()),
        (
            "s3:max-keys",
            q.get("max-keys").unwrap_or("1000").to_string(),
        ),
    ];
    if !allowed(ctx, &b, "s3:ListBucketVersions", &arn(bucket, None), &extra) {
        return Err(S3Error::AccessDenied);
    }
    let encoding = encoding_type(q)?;
    let enc = |s: &str| match encoding {
        Some(_) => url_encode(s),
        None => s.to_string(),
    };
    let max = max_keys(q)?;
    let key_marker = q.get("key-marker").unwrap_or("");
    let raw_version_marker = q.get("version-id-marker").filter(|v| !v.is_empty());
    let version_marker = match raw_version_marker {
        Some(v) if key_marker.is_empty() => {
            return Err(S3Error::InvalidArgument {
                message: "A version-id marker cannot be specified without a key marker.".into(),
                name: "version-id-marker".into(),
                value: v.to_string(),
            });
        }
        Some(v) => Some(
            VersionRef::parse(v).ok_or_else(|| S3Error::InvalidArgument {
                message: "Invalid version id specified".into(),
                name: "version-id-marker".into(),
                value: v.to_string(),
            })?,
        ),
        None => None,
    };
    let listing = Listing {
        prefix,
        delimiter,
        key_marker,
        version_marker: version_marker.as_ref(),
        max,
    };
    let from = if key_marker > prefix {
        key_marker
    } else {
        prefix
    };
    let p = listing.collect(|visit| {
        s3.store.read(|txn| {
            if b.versioning.status.is_some() {
                versions::scan(txn, bucket, from, |k, _, e| visit(k, e))
            } else {
                // Never versioned: every object is its key's only (null) version.
                state::scan_objects(txn, bucket, prefix, from, |k, mut o| {
                    o.version.id = Some("null".into());
                    visit(k, Entry::Object(o))
                })
            }
        })?;
        Ok(())
    })?;

    let owner = canonical_id(&b.owner);
    let mut x = XmlWriter::new();
    x.open_ns("ListVersionsResult", XMLNS)
        .elem("Name", bucket)
        .elem("Prefix", &enc(prefix))
        .elem("KeyMarker", &enc(key_marker))
        .elem("VersionIdMarker", raw_version_marker.unwrap_or(""));
    if let Some((k, v)) = &p.next {
        x.elem("NextKeyMarker", &enc(k));
        if let Some(v) = v {
            x.elem("NextVersionIdMarker", v);
        }
    }
    x.elem("MaxKeys", &max.to_string());
    if !delimiter.is_empty() {
        x.elem("Delimiter", &enc(delimiter));
    }
    if let Some(e) = encoding {
        x.elem("EncodingType", e);
    }
    x.elem("IsTruncated", if p.truncated { "true" } else { "false" });
    let owner_xml = |x: &mut XmlWriter| {
        x.open("Owner")
            .elem("ID", &owner)
            .elem("DisplayName", "cloudlet")
            .close();
    };
    let flag = |b: bool| if b { "true" } else { "false" };
    for item in &p.items {
        match item {
            Item::Version { key, latest, obj } => {
                x.open("Version")
                    .elem("Key", &enc(key))
                    .elem("VersionId", obj.version.id.as_deref().unwrap_or("null"))
                    .elem("IsLatest", flag(*latest))
                    .elem("LastModified", &iso8601(obj.last_modified))
                    .elem("ETag", &format!("\"{}\"", obj.etag))
                    .elem("Size", &obj.size.to_string())
                    .elem("StorageClass", "STANDARD");
                owner_xml(&mut x);
                x.close();
            }
            Item::Marker {
                key,
                latest,
                id,
                modified,
            } => {
                x.open("DeleteMarker")
                    .elem("Key", &enc(key))
                    .elem("VersionId", id)
                    .elem("IsLatest", flag(*latest))
                    .elem("LastModified", &iso8601(*modified));
                owner_xml(&mut x);
                x.close();
            }
            Item::Prefix(_) => {}
        }
    }
    for item in &p.items {
        if let Item::Prefix(cp) = item {
            x.open("CommonPrefixes").elem("Prefix", &enc(cp)).close();
        }
    }
    Ok(super::xml_response(x.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(id: &str) -> Entry {
        Entry::Object(Object {
            blob: String::new(),
            size: 0,
            etag: String::new(),
            content_type: None,
            last_modified: 0,
            metadata: Vec::new(),
            headers: Vec::new(),
            tags: Vec::new(),
            version: crate::versions::VersionMeta {
                id: Some(id.to_string()),
                lock: Default::default(),
            },
        })
    }

    /// Pages a fixed stream; renders entries as `key:id` (`*` = latest) or `cp:prefix`.
    fn page(
        prefix: &str,
        delimiter: &str,
        key_marker: &str,
        version_marker: Option<&str>,
        max: usize,
    ) -> String {
        let rows: Vec<(&str, Entry)> = vec![
            ("a", object("a3")),
            ("a", object("a2")),
            ("a", object("a1")),
            (
                "b",
                Entry::DeleteMarker {
                    version_id: "bm".into(),
                    last_modified: 0,
                },
            ),
            ("b", object("null")),
            ("c/x", object("x1")),
            ("c/y", object("y1")),
            ("d", object("d1")),
        ];
        let marker = version_marker.map(|v| match v {
            "null" => VersionRef::Null,
            id => VersionRef::Id {
                seq: 0,
                id: id.to_string(),
            },
        });
        let listing = Listing {
            prefix,
            delimiter,
            key_marker,
            version_marker: marker.as_ref(),
            max,
        };
        let from = if key_marker > prefix {
            key_marker
        } else {
            prefix
        };
        let p = listing
            .collect(|visit| {
                for (k, e) in rows.into_iter().filter(|(k, _)| *k >= from) {
                    if !visit(k, e) {
                        break;
                    }
                }
                Ok(())
            })
            .unwrap();
        let mut out: Vec<String> = p
            .items
            .iter()
            .map(|i| match i {
                Item::Version { key, latest, obj } => format!(
                    "{key}:{}{}",
                    obj.version.id.as_deref().unwrap_or(""),
                    if *latest { "*" } else { "" }
                ),
                Item::Marker {
                    key, latest, id, ..
                } => {
                    format!("{key}:{id}{}", if *latest { "*" } else { "" })
                }
                Item::Prefix(cp) => format!("cp:{cp}"),
            })
            .collect();
        if let Some((k, v)) = p.next {
            out.push(format!("next={k},{}", v.unwrap_or_default()));
        }
        out.join(" ")
    }

    #[test]
    fn listing_pages() {
        let cases = [
            (
                ("", "", "", None, 1000),
                "a:a3* a:a2 a:a1 b:bm* b:null c/x:x1* c/y:y1* d:d1*",
            ),
            (("", "", "", None, 2), "a:a3* a:a2 next=a,a2"),
            (("", "", "a", Some("a2"), 2), "a:a1 b:bm* next=b,bm"),
            (
                ("", "", "b", Some("bm"), 1000),
                "b:null c/x:x1* c/y:y1* d:d1*",
            ),
            (("", "", "a", Some("null"), 2), "b:bm* b:null next=b,null"),
            (
                ("", "", "a", None, 1000),
                "b:bm* b:null c/x:x1* c/y:y1* d:d1*",
            ),
            (
                ("", "/", "", None, 1000),
                "a:a3* a:a2 a:a1 b:bm* b:null cp:c/ d:d1*",
            ),
            (("", "/", "b", Some("null"), 1), "cp:c/ next=c/,"),
            (("", "/", "c/", None, 1000), "d:d1*"),
            (("", "/", "c/x", Some("x1"), 1000), "d:d1*"),
            (("c/", "/", "", None, 1000), "c/x:x1* c/y:y1*"),
            (("c/", "", "c/x", None, 1000), "c/y:y1*"),
            (("b", "", "", None, 1), "b:bm* next=b,bm"),
            (("z", "", "", None, 1000), ""),
            (("", "", "", None, 0), ""),
        ];
        for ((prefix, delimiter, km, vm, max), want) in cases {
            assert_eq!(
                page(prefix, delimiter, km, vm, max),
                want,
                "prefix={prefix:?} delimiter={delimiter:?} key-marker={km:?} version-id-marker={vm:?} max={max}"
            );
        }
    }

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
                "Ok((Some(Enabled), false))",
            ),
            (
                doc("<Status>Suspended</Status>", ""),
                false,
                "Ok((Some(Suspended), false))",
            ),
            (
                doc(
                    "<Status>Enabled</Status>",
                    "<MfaDelete>Disabled</MfaDelete>",
                ),
                false,
                "Ok((Some(Enabled), true))",
            ),
            (doc("", ""), false, "Ok((None, false))"),
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
