//! Who may do what to a bucket, as AWS decides it. The account root of the bucket owner
//! always may (unless the bucket policy explicitly denies; even then it keeps
//! Get/Put/DeleteBucketPolicy); other roots and anonymous
//! callers only when the bucket policy allows it. IAM users and role sessions also need
//! their identity policies: within the owner's account either those or the bucket policy
//! must allow, across accounts both; an explicit deny in either wins. Block Public Access
//! (RestrictPublicBuckets) voids a public bucket policy for callers outside the owner's
//! account. Works on a loaded [`Bucket`] and the identity documents in the context; the
//! documents are parsed through the service's policy cache, the decision itself is pure.

use std::sync::Arc;

use cloudlet_core::{Principal, RequestContext};
use cloudlet_policy::{Accounts, Caller, Context, Decision, Policy, PolicyKind, Request};
use http::HeaderMap;
use percent_encoding::percent_decode_str;

use crate::S3;
use crate::error::{Denial, DenyReason, S3Error};
use crate::protocol::{Op, Query};
use crate::state::Bucket;
use crate::subresource::{Subresource, Verb};
use crate::upload::hv;

/// The ARN of a bucket, or of an object in it.
pub fn arn(bucket: &str, key: Option<&str>) -> String {
    match key {
        Some(k) => format!("arn:aws:s3:::{bucket}/{k}"),
        None => format!("arn:aws:s3:::{bucket}"),
    }
}

/// The condition keys that describe the caller, as AWS sets them: `aws:PrincipalType`,
/// `aws:userid` (the account for a root, the user's unique id, `{role id}:{session}` for a
/// role session, `anonymous`), `aws:username` (IAM users only), `aws:PrincipalArn` (a role
/// session's role, not the session) and `aws:PrincipalAccount`. `unique_id` is what IAM
/// knows of the user or role; without it `aws:userid` is left out.
fn principal_keys(principal: &Principal, unique_id: Option<&str>) -> Vec<(&'static str, String)> {
    let mut keys = Vec::new();
    let (kind, userid) = match principal {
        Principal::Anonymous => ("Anonymous", Some("anonymous".to_string())),
        Principal::Root { account } => ("Account", Some(account.to_string())),
        Principal::User { name, .. } => {
            keys.push(("aws:username", name.clone()));
            ("User", unique_id.map(str::to_string))
        }
        Principal::AssumedRole { session, .. } => {
            ("AssumedRole", unique_id.map(|id| format!("{id}:{session}")))
        }
    };
    keys.push(("aws:PrincipalType", kind.to_string()));
    if let Some(id) = userid {
        keys.push(("aws:userid", id));
    }
    if let Some(account) = principal.account() {
        keys.push(("aws:PrincipalAccount", account.to_string()));
    }
    let arn = match principal {
        Principal::Anonymous => None,
        Principal::AssumedRole { account, role, .. } => {
            Some(format!("arn:aws:iam::{account}:role/{role}"))
        }
        p => Some(p.arn()),
    };
    if let Some(arn) = arn {
        keys.push(("aws:PrincipalArn", arn));
    }
    keys
}

/// The condition keys of one decision: the principal's, the global keys of every request
/// (`aws:SourceIp`, `aws:CurrentTime`, `aws:EpochTime`, `aws:RequestedRegion`,
/// `aws:SecureTransport` — false, plain HTTP), those derived from the request
/// ([`request_keys`]), `s3:ResourceAccount` when a bucket is known, the object's tags as
/// `s3:ExistingObjectTag/<key>`, plus `extra`. `s3:TlsVersion` is never set: no TLS.
fn context(
    ctx: &RequestContext,
    owner: Option<&str>,
    existing_tags: &[(String, String)],
    extra: &[(&str, String)],
) -> Context {
    let mut context = Context::new();
    context.set("aws:SecureTransport", "false");
    for (k, v) in principal_keys(&ctx.principal, ctx.unique_id.as_deref()) {
        context.set(k, v);
    }
    for (k, v) in &ctx.principal_tags {
        context.set(&format!("aws:PrincipalTag/{k}"), v.clone());
    }
    if let Some(ip) = ctx.source_ip {
        context.set("aws:SourceIp", ip.to_string());
    }
    let now = crate::ops::now_ms() / 1000;
    let (y, m, d, h, mi, sec) = cloudlet_core::time::civil(now as i64);
    context.set(
        "aws:CurrentTime",
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{sec:02}Z"),
    );
    context.set("aws:EpochTime", now.to_string());
    context.set("aws:RequestedRegion", ctx.region.as_str());
    if let Some(owner) = owner {
        context.set("s3:ResourceAccount", owner);
    }
    for (k, vs) in &ctx.condition_keys {
        context.set_all(k, vs.clone());
    }
    for (k, v) in existing_tags {
        context.set(&format!("s3:ExistingObjectTag/{k}"), v.clone());
    }
    for (k, v) in extra {
        context.set(k, v.clone());
    }
    context
}

/// Operations that write an object's data (each authorised as `s3:PutObject`).
fn writes_object(op: Op) -> bool {
    matches!(
        op,
        Op::PutObject
            | Op::CopyObject
            | Op::CreateMultipartUpload
            | Op::UploadPart
            | Op::UploadPartCopy
            | Op::CompleteMultipartUpload
            | Op::PostObject
    )
}

/// Operations that create an object with its headers (ACL, encryption, class, lock, tags).
fn creates_object(op: Op) -> bool {
    matches!(
        op,
        Op::PutObject | Op::CopyObject | Op::CreateMultipartUpload | Op::PostObject
    )
}

/// Operations whose canned ACL and grant headers S3 offers as condition keys.
fn sets_acl(op: Op) -> bool {
    creates_object(op)
        || matches!(op, Op::PutObjectAcl | Op::CreateBucket)
        || matches!(op, Op::BucketConfig(c) if c.resource == Subresource::Acl && c.verb == Verb::Put)
}

/// The ACL headers that are condition keys (`s3:` + the header's name).
const ACL_HEADERS: &[&str] = &[
    "x-amz-acl",
    "x-amz-grant-read",
    "x-amz-grant-write",
    "x-amz-grant-read-acp",
    "x-amz-grant-write-acp",
    "x-amz-grant-full-control",
];

/// The object-creation headers that are condition keys as sent (`s3:` + the name; the lock
/// headers drop `x-amz-`).
const CREATE_HEADERS: &[(&str, &str)] = &[
    (
        "x-amz-server-side-encryption",
        "s3:x-amz-server-side-encryption",
    ),
    (
        "x-amz-server-side-encryption-aws-kms-key-id",
        "s3:x-amz-server-side-encryption-aws-kms-key-id",
    ),
    ("x-amz-storage-class", "s3:x-amz-storage-class"),
    (
        "x-amz-website-redirect-location",
        "s3:x-amz-website-redirect-location",
    ),
    ("x-amz-object-lock-mode", "s3:object-lock-mode"),
    (
        "x-amz-object-lock-retain-until-date",
        "s3:object-lock-retain-until-date",
    ),
    ("x-amz-object-lock-legal-hold", "s3:object-lock-legal-hold"),
];

/// How the request was authenticated (`s3:authType`) and with which signature
/// (`s3:signatureversion`): `REST-HEADER` for an `Authorization` header, `REST-QUERY-STRING`
/// for a presigned URL, `AWS` for SigV2 and `AWS4-HMAC-SHA256` for SigV4. Unsigned
/// requests have neither. (POST forms are `POST`, set where the form is read.)
fn auth_keys(h: &HeaderMap, q: &Query) -> Vec<(String, Vec<String>)> {
    let (kind, version) = if let Some(a) = hv(h, "authorization") {
        let version = if a.starts_with("AWS4-HMAC-SHA256") {
            Some("AWS4-HMAC-SHA256")
        } else if a.starts_with("AWS ") {
            Some("AWS")
        } else {
            None
        };
        ("REST-HEADER", version)
    } else if q.has("X-Amz-Signature") {
        let version = q
            .get("X-Amz-Algorithm")
            .filter(|a| *a == "AWS4-HMAC-SHA256");
        ("REST-QUERY-STRING", version)
    } else if q.has("Signature") && q.has("AWSAccessKeyId") {
        ("REST-QUERY-STRING", Some("AWS"))
    } else {
        return Vec::new();
    };
    let mut keys = vec![key("s3:authType", kind)];
    if let Some(v) = version {
        keys.push(key("s3:signatureversion", v));
    }
    keys
}

fn key(name: &str, value: &str) -> (String, Vec<String>) {
    (name.to_string(), vec![value.to_string()])
}

/// `s3:RequestObjectTag/<key>` for each tag and `s3:RequestObjectTagKeys` (multivalued).
pub fn request_tag_keys(tags: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut keys: Vec<(String, Vec<String>)> = tags
        .iter()
        .map(|(k, v)| (format!("s3:RequestObjectTag/{k}"), vec![v.clone()]))
        .collect();
    keys.push((
        "s3:RequestObjectTagKeys".to_string(),
        tags.iter().map(|(k, _)| k.clone()).collect(),
    ));
    keys
}

/// `s3:object-lock-remaining-retention-days` for a retain-until date: whole days left,
/// rounded up; `None` for a date that does not parse.
fn remaining_days(until: &str, now_secs: u64) -> Option<String> {
    let until = cloudlet_policy::parse_date(until)?;
    let left = (until - now_secs as f64).max(0.0);
    Some(((left / 86_400.0).ceil() as u64).to_string())
}

/// The lock keys of a retention (`PutObjectRetention`'s body or the object-creation
/// headers): `s3:object-lock-mode`, `s3:object-lock-retain-until-date` and the remaining days.
pub fn retention_keys(
    mode: Option<&str>,
    until: Option<&str>,
    now_secs: u64,
) -> Vec<(String, Vec<String>)> {
    let mut keys = Vec::new();
    if let Some(m) = mode {
        keys.push(key("s3:object-lock-mode", m));
    }
    if let Some(u) = until {
        keys.push(key("s3:object-lock-retain-until-date", u));
        if let Some(days) = remaining_days(u, now_secs) {
            keys.push(key("s3:object-lock-remaining-retention-days", &days));
        }
    }
    keys
}

/// The condition keys S3 derives from a request's headers and query, each on the operations
/// S3 sets it for: `aws:UserAgent`, `aws:Referer`, `s3:authType`, `s3:signatureversion`,
/// `s3:x-amz-content-sha256` on all; the ACL headers where an ACL is set; encryption,
/// storage class, website redirect, Object Lock and `x-amz-tagging`
/// (`s3:RequestObjectTag/…`, `s3:RequestObjectTagKeys`) where an object is created;
/// `s3:x-amz-copy-source` (`bucket/key`, decoded) and `s3:x-amz-metadata-directive` on
/// copies; `s3:x-amz-object-ownership` on CreateBucket; `s3:VersionId` wherever a
/// `versionId` names an object's version. Keys that need the body or the stored object are
/// added where those are read. Pure but for the clock (the remaining retention days).
pub fn request_keys(op: Op, h: &HeaderMap, q: &Query) -> Vec<(String, Vec<String>)> {
    let mut keys = auth_keys(h, q);
    for (header, name) in [
        ("user-agent", "aws:UserAgent"),
        ("referer", "aws:Referer"),
        ("x-amz-content-sha256", "s3:x-amz-content-sha256"),
    ] {
        if let Some(v) = hv(h, header) {
            keys.push(key(name, v));
        }
    }
    if sets_acl(op) {
        for header in ACL_HEADERS {
            if let Some(v) = hv(h, header) {
                keys.push((format!("s3:{header}"), vec![v.to_string()]));
            }
        }
    }
    if creates_object(op) {
        for (header, name) in CREATE_HEADERS {
            if let Some(v) = hv(h, header) {
                keys.push(key(name, v));
            }
        }
        if let Some(until) = hv(h, "x-amz-object-lock-retain-until-date")
            && let Some(days) = remaining_days(until, crate::ops::now_ms() / 1000)
        {
            keys.push(key("s3:object-lock-remaining-retention-days", &days));
        }
        if h.contains_key("x-amz-tagging")
            && let Ok(tags) = crate::tagging::tags_header(h)
        {
            keys.extend(request_tag_keys(&tags));
        }
    }
    if writes_object(op)
        && let Some(v) = hv(h, "x-amz-server-side-encryption-customer-algorithm")
    {
        keys.push(key("s3:x-amz-server-side-encryption-customer-algorithm", v));
    }
    if matches!(op, Op::CopyObject | Op::UploadPartCopy)
        && let Some(v) = hv(h, "x-amz-copy-source")
    {
        let path = v.split_once("?versionId=").map_or(v, |(p, _)| p);
        let path = percent_decode_str(path.strip_prefix('/').unwrap_or(path)).decode_utf8_lossy();
        keys.push(key("s3:x-amz-copy-source", &path));
    }
    if op == Op::CopyObject
        && let Some(v) = hv(h, "x-amz-metadata-directive")
    {
        keys.push(key("s3:x-amz-metadata-directive", v));
    }
    if op == Op::CreateBucket
        && let Some(v) = hv(h, "x-amz-object-ownership")
    {
        keys.push(key("s3:x-amz-object-ownership", v));
    }
    if let Some(v) = q.get("versionId").filter(|_| names_version(op)) {
        keys.push(key("s3:VersionId", v));
    }
    keys
}

/// Operations on one object whose `versionId` names the version acted on.
fn names_version(op: Op) -> bool {
    matches!(
        op,
        Op::GetObject
            | Op::HeadObject
            | Op::DeleteObject
            | Op::GetObjectTagging
            | Op::PutObjectTagging
            | Op::DeleteObjectTagging
            | Op::GetObjectAcl
            | Op::PutObjectAcl
            | Op::GetObjectRetention
            | Op::PutObjectRetention
            | Op::GetObjectLegalHold
            | Op::PutObjectLegalHold
            | Op::GetObjectAttributes
            | Op::RestoreObject
    )
}

/// The documents one decision weighs, each parsed once per distinct text
/// ([`PolicyCache`](crate::policy_cache::PolicyCache)): the bucket policy (one that no
/// longer parses grants nothing) and the caller's identity policies that parse (`None`
/// when none apply: root, anonymous).
struct Policies {
    bucket: Option<Arc<Policy>>,
    identity: Option<Vec<Arc<Policy>>>,
}

impl Policies {
    fn of(s3: &S3, ctx: &RequestContext, bucket: Option<&Bucket>) -> Policies {
        Policies {
            bucket: bucket
                .and_then(|b| b.policy.as_deref())
                .and_then(|p| s3.policies.get(p, PolicyKind::Resource)),
            identity: ctx.identity_policies.as_deref().map(|docs| {
                docs.iter()
                    .filter_map(|d| s3.policies.get(d, PolicyKind::Identity))
                    .collect()
            }),
        }
    }

    fn identity(&self) -> Option<Vec<&Policy>> {
        self.identity
            .as_ref()
            .map(|ps| ps.iter().map(|p| p.as_ref()).collect())
    }

    /// Which kind of policy explicitly denies `req`, if any: the bucket policy first.
    fn explicit_deny(&self, req: &Request<'_>) -> Option<DenyReason> {
        let denies = |p: &Policy| p.evaluate(req) == Decision::ExplicitDeny;
        if self.bucket.as_deref().is_some_and(denies) {
            Some(DenyReason::ResourcePolicy)
        } else if self.identity().unwrap_or_default().into_iter().any(denies) {
            Some(DenyReason::IdentityPolicy)
        } else {
            None
        }
    }

    /// Whether the caller of `ctx` may perform `action` on `resource` of `bucket`.
    fn allow(
        &self,
        ctx: &RequestContext,
        bucket: &Bucket,
        action: &str,
        resource: &str,
        existing_tags: &[(String, String)],
        extra: &[(&str, String)],
    ) -> bool {
        let owner = ctx
            .principal
            .account()
            .is_some_and(|a| a.as_str() == bucket.owner);
        if self.bucket.is_none() && self.identity.is_none() {
            return owner;
        }
        if owner && keeps_policy_operations(&ctx.principal, action) {
            return true;
        }
        let caller = Caller::from(&ctx.principal);
        let context = context(ctx, Some(&bucket.owner), existing_tags, extra);
        let req = Request {
            caller: &caller,
            action,
            resource,
            context: &context,
        };
        decide(
            self.identity().as_deref(),
            self.bucket.as_deref(),
            owner,
            bucket.bpa().restrict_public_buckets,
            &req,
        )
    }
}

/// The owning account's root may always read, replace and delete the bucket policy, even
/// one that explicitly denies it, so no policy locks the owner out of its own bucket.
fn keeps_policy_operations(principal: &Principal, action: &str) -> bool {
    matches!(principal, Principal::Root { .. })
        && matches!(
            action,
            "s3:GetBucketPolicy" | "s3:PutBucketPolicy" | "s3:DeleteBucketPolicy"
        )
}

/// The decision itself: `owner` when the caller belongs to the bucket's account,
/// `restrict_public` when RestrictPublicBuckets is on.
fn decide(
    identity: Option<&[&Policy]>,
    bucket_policy: Option<&Policy>,
    owner: bool,
    restrict_public: bool,
    req: &Request<'_>,
) -> bool {
    let voided = !owner && restrict_public && bucket_policy.is_some_and(Policy::is_public);
    let Some(identity) = identity else {
        return match bucket_policy.map(|p| p.evaluate(req)) {
            Some(Decision::ExplicitDeny) => false,
            _ if owner => true,
            Some(Decision::Allow) => !voided,
            _ => false,
        };
    };
    let accounts = if owner {
        Accounts::Same
    } else {
        Accounts::Cross
    };
    cloudlet_policy::authorize(identity, bucket_policy, accounts, req) == Decision::Allow && !voided
}

/// The actions an object write with these headers needs: `s3:PutObject`, and
/// `s3:PutObjectTagging` / `s3:PutObjectAcl` when it sets tags / an ACL.
fn write_actions(h: &HeaderMap) -> impl Iterator<Item = &'static str> {
    let tags = h.contains_key("x-amz-tagging");
    let acl = h
        .keys()
        .any(|k| k.as_str() == "x-amz-acl" || k.as_str().starts_with("x-amz-grant-"));
    [
        ("s3:PutObject", true),
        ("s3:PutObjectTagging", tags),
        ("s3:PutObjectAcl", acl),
    ]
    .into_iter()
    .filter_map(|(action, needed)| needed.then_some(action))
}

/// Whether any policy takes part in the caller's decisions on `bucket` (else only the
/// owner may, and nothing needs loading for the condition keys).
pub fn evaluates_policies(ctx: &RequestContext, bucket: &Bucket) -> bool {
    bucket.policy.is_some() || ctx.identity_policies.is_some()
}

impl S3 {
    /// Whether the caller may write the object `resource` with these request headers: AWS
    /// asks for `s3:PutObject`, and also `s3:PutObjectTagging` when the request sets tags
    /// (`x-amz-tagging`) and `s3:PutObjectAcl` when it sets an ACL (`x-amz-acl`,
    /// `x-amz-grant-*`).
    pub(crate) fn object_write_allowed(
        &self,
        ctx: &RequestContext,
        bucket: &Bucket,
        resource: &str,
        h: &http::HeaderMap,
    ) -> bool {
        let policies = Policies::of(self, ctx, Some(bucket));
        write_actions(h).all(|action| policies.allow(ctx, bucket, action, resource, &[], &[]))
    }

    /// Whether the caller of `ctx` may perform `action` on `resource` of `bucket`.
    pub(crate) fn allowed(
        &self,
        ctx: &RequestContext,
        bucket: &Bucket,
        action: &str,
        resource: &str,
        extra: &[(&str, String)],
    ) -> bool {
        Policies::of(self, ctx, Some(bucket)).allow(ctx, bucket, action, resource, &[], extra)
    }

    /// [`S3::allowed`] for an action on an existing object whose tags S3 offers as
    /// `s3:ExistingObjectTag/<key>` (reads, tagging and ACL operations; `None`: no such
    /// object).
    pub(crate) fn allowed_on_object(
        &self,
        ctx: &RequestContext,
        bucket: &Bucket,
        action: &str,
        resource: &str,
        object: Option<&crate::state::Object>,
    ) -> bool {
        let tags = object.map_or(&[][..], |o| o.tags.as_slice());
        Policies::of(self, ctx, Some(bucket)).allow(ctx, bucket, action, resource, tags, &[])
    }

    /// Whether the caller's identity policies allow `action` on `resource` where no bucket
    /// policy applies (CreateBucket, ListBuckets); always for roots and anonymous callers.
    pub(crate) fn identity_allows(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
    ) -> bool {
        self.identity_allows_with(ctx, action, resource, &[])
    }

    /// [`S3::identity_allows`] with request keys only the operation knows
    /// (`s3:LocationConstraint`).
    pub(crate) fn identity_allows_with(
        &self,
        ctx: &RequestContext,
        action: &str,
        resource: &str,
        extra: &[(&str, String)],
    ) -> bool {
        let policies = Policies::of(self, ctx, None);
        let Some(identity) = policies.identity() else {
            return true;
        };
        let caller = Caller::from(&ctx.principal);
        let context = context(ctx, None, &[], extra);
        let req = Request {
            caller: &caller,
            action,
            resource,
            context: &context,
        };
        cloudlet_policy::evaluate_all(identity, &req) == Decision::Allow
    }

    /// The AccessDenied for a caller refused `action` on `resource` (of `bucket`; `None`
    /// for CreateBucket and ListBuckets), evaluated with the same `tags` and `extra` keys as
    /// the refusal. A caller of the bucket owner's account hears which
    /// policy refused it, as S3 tells callers of its own account; anonymous callers and
    /// other accounts get the bare "Access Denied", and so does a caller whose policies do
    /// allow `action` (refused for another reason). Called on refusals only, so the allowed
    /// path pays nothing for the message.
    pub(crate) fn denied(
        &self,
        ctx: &RequestContext,
        bucket: Option<&Bucket>,
        action: &str,
        resource: &str,
        tags: &[(String, String)],
        extra: &[(&str, String)],
    ) -> S3Error {
        let Some(account) = ctx.principal.account() else {
            return S3Error::AccessDenied;
        };
        if bucket.is_some_and(|b| b.owner != account.as_str()) {
            return S3Error::AccessDenied;
        }
        let policies = Policies::of(self, ctx, bucket);
        let allowed = match bucket {
            Some(b) => policies.allow(ctx, b, action, resource, tags, extra),
            None => self.identity_allows_with(ctx, action, resource, extra),
        };
        if allowed {
            // Refused for another reason than its policies (an object's ACL, say).
            return S3Error::AccessDenied;
        }
        let caller = Caller::from(&ctx.principal);
        let context = context(ctx, bucket.map(|b| b.owner.as_str()), tags, extra);
        let req = Request {
            caller: &caller,
            action,
            resource,
            context: &context,
        };
        let reason = if let Some(explicit) = policies.explicit_deny(&req) {
            explicit
        } else if matches!(ctx.principal, Principal::Root { .. }) {
            // The owner's root is refused only by an explicit deny; anything else that
            // refused it is no policy's doing.
            return S3Error::AccessDenied;
        } else {
            DenyReason::NoIdentityPolicy
        };
        S3Error::Denied(Box::new(Denial {
            caller: ctx.principal.arn(),
            action: action.to_string(),
            resource: (resource != "*").then(|| resource.to_string()),
            reason,
        }))
    }

    /// `Ok` when the caller may perform `action` on `resource` of `b` by policy (with the
    /// operation's `extra` condition keys), or else — where `acl` names the action a bucket
    /// ACL grant answers for — by the bucket ACL; otherwise the refusal [`S3::denied`] words.
    pub(crate) fn require(
        &self,
        ctx: &RequestContext,
        b: &Bucket,
        action: &str,
        resource: &str,
        extra: &[(&str, String)],
        acl: Option<&str>,
    ) -> Result<(), S3Error> {
        if self.allowed(ctx, b, action, resource, extra)
            || acl.is_some_and(|a| crate::ops::acl::bucket_acl_allows(self, ctx, b, a))
        {
            return Ok(());
        }
        Err(self.denied(ctx, Some(b), action, resource, &[], extra))
    }

    /// [`S3::denied`] for an object write refused by [`S3::object_write_allowed`]: names
    /// the first of its actions the caller lacks.
    pub(crate) fn object_write_denied(
        &self,
        ctx: &RequestContext,
        bucket: &Bucket,
        resource: &str,
        h: &http::HeaderMap,
    ) -> S3Error {
        let policies = Policies::of(self, ctx, Some(bucket));
        let action = write_actions(h)
            .find(|a| !policies.allow(ctx, bucket, a, resource, &[], &[]))
            .unwrap_or("s3:PutObject");
        self.denied(ctx, Some(bucket), action, resource, &[], &[])
    }

    /// Whether the bucket policy or the caller's identity policies explicitly deny the
    /// caller `action` on `resource` — which no ACL grant can override.
    pub(crate) fn explicitly_denied(
        &self,
        ctx: &RequestContext,
        bucket: &Bucket,
        action: &str,
        resource: &str,
    ) -> bool {
        let policies = Policies::of(self, ctx, Some(bucket));
        if policies.bucket.is_none() && policies.identity().unwrap_or_default().is_empty() {
            return false;
        }
        let caller = Caller::from(&ctx.principal);
        let context = context(ctx, Some(&bucket.owner), &[], &[]);
        let req = Request {
            caller: &caller,
            action,
            resource,
            context: &context,
        };
        policies.explicit_deny(&req).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_condition_keys() {
        let account = cloudlet_core::AccountId::parse("111122223333").unwrap();
        let user = Principal::User {
            account: account.clone(),
            name: "Alice".into(),
        };
        let session = Principal::AssumedRole {
            account: account.clone(),
            role: "Reader".into(),
            session: "s1".into(),
        };
        let root = Principal::Root { account };
        type Case<'a> = (&'a Principal, Option<&'a str>, Vec<(&'a str, &'a str)>);
        let cases: Vec<Case> = vec![
            (
                &Principal::Anonymous,
                None,
                vec![
                    ("aws:PrincipalType", "Anonymous"),
                    ("aws:userid", "anonymous"),
                ],
            ),
            (
                &root,
                None,
                vec![
                    ("aws:PrincipalType", "Account"),
                    ("aws:userid", "111122223333"),
                    ("aws:PrincipalAccount", "111122223333"),
                    ("aws:PrincipalArn", "arn:aws:iam::111122223333:root"),
                ],
            ),
            (
                &user,
                Some("AIDAEXAMPLE"),
                vec![
                    ("aws:username", "Alice"),
                    ("aws:PrincipalType", "User"),
                    ("aws:userid", "AIDAEXAMPLE"),
                    ("aws:PrincipalAccount", "111122223333"),
                    ("aws:PrincipalArn", "arn:aws:iam::111122223333:user/Alice"),
                ],
            ),
            (
                &user,
                None,
                vec![
                    ("aws:username", "Alice"),
                    ("aws:PrincipalType", "User"),
                    ("aws:PrincipalAccount", "111122223333"),
                    ("aws:PrincipalArn", "arn:aws:iam::111122223333:user/Alice"),
                ],
            ),
            (
                &session,
                Some("AROAEXAMPLE"),
                vec![
                    ("aws:PrincipalType", "AssumedRole"),
                    ("aws:userid", "AROAEXAMPLE:s1"),
                    ("aws:PrincipalAccount", "111122223333"),
                    ("aws:PrincipalArn", "arn:aws:iam::111122223333:role/Reader"),
                ],
            ),
        ];
        for (principal, id, want) in cases {
            let got = principal_keys(principal, id);
            let got: Vec<(&str, &str)> = got.iter().map(|(k, v)| (*k, v.as_str())).collect();
            assert_eq!(got, want, "{principal:?}");
        }
    }

    #[test]
    fn request_condition_keys() {
        use crate::subresource::ConfigOp;
        let put_acl = Op::BucketConfig(ConfigOp {
            resource: Subresource::Acl,
            verb: Verb::Put,
        });
        type Case<'a> = (
            Op,
            &'a [(&'a str, &'a str)],
            &'a str,
            Vec<(&'a str, &'a str)>,
        );
        const SIGV4: (&str, &str) = (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00",
        );
        let cases: Vec<Case> = vec![
            // Unsigned: only the headers that were sent.
            (Op::GetObject, &[], "", vec![]),
            (
                Op::GetObject,
                &[
                    ("user-agent", "boto3/1"),
                    ("referer", "http://example.com/"),
                ],
                "",
                vec![
                    ("aws:UserAgent", "boto3/1"),
                    ("aws:Referer", "http://example.com/"),
                ],
            ),
            (
                Op::GetObject,
                &[SIGV4, ("x-amz-content-sha256", "UNSIGNED-PAYLOAD")],
                "versionId=v1",
                vec![
                    ("s3:authType", "REST-HEADER"),
                    ("s3:signatureversion", "AWS4-HMAC-SHA256"),
                    ("s3:x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
                    ("s3:VersionId", "v1"),
                ],
            ),
            (
                Op::GetObject,
                &[("authorization", "AWS AKID:c2ln")],
                "",
                vec![
                    ("s3:authType", "REST-HEADER"),
                    ("s3:signatureversion", "AWS"),
                ],
            ),
            (
                Op::GetObject,
                &[],
                "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=00",
                vec![
                    ("s3:authType", "REST-QUERY-STRING"),
                    ("s3:signatureversion", "AWS4-HMAC-SHA256"),
                ],
            ),
            (
                Op::GetObject,
                &[],
                "AWSAccessKeyId=AKID&Signature=c2ln&Expires=1",
                vec![
                    ("s3:authType", "REST-QUERY-STRING"),
                    ("s3:signatureversion", "AWS"),
                ],
            ),
            // Object-creation headers count on writes only.
            (
                Op::PutObject,
                &[
                    ("x-amz-acl", "private"),
                    ("x-amz-grant-read", "id=abc"),
                    ("x-amz-server-side-encryption", "aws:kms"),
                    ("x-amz-server-side-encryption-aws-kms-key-id", "k1"),
                    ("x-amz-storage-class", "GLACIER"),
                    ("x-amz-website-redirect-location", "/x"),
                    ("x-amz-object-lock-mode", "GOVERNANCE"),
                    ("x-amz-object-lock-legal-hold", "ON"),
                    ("x-amz-tagging", "team=blue&env=dev"),
                ],
                "",
                vec![
                    ("s3:x-amz-acl", "private"),
                    ("s3:x-amz-grant-read", "id=abc"),
                    ("s3:x-amz-server-side-encryption", "aws:kms"),
                    ("s3:x-amz-server-side-encryption-aws-kms-key-id", "k1"),
                    ("s3:x-amz-storage-class", "GLACIER"),
                    ("s3:x-amz-website-redirect-location", "/x"),
                    ("s3:object-lock-mode", "GOVERNANCE"),
                    ("s3:object-lock-legal-hold", "ON"),
                    ("s3:RequestObjectTag/team", "blue"),
                    ("s3:RequestObjectTag/env", "dev"),
                    ("s3:RequestObjectTagKeys", "team|env"),
                ],
            ),
            (
                Op::GetObject,
                &[
                    ("x-amz-acl", "private"),
                    ("x-amz-server-side-encryption", "AES256"),
                    ("x-amz-tagging", "a=b"),
                    ("x-amz-copy-source", "/src/k"),
                ],
                "",
                vec![],
            ),
            (
                Op::CopyObject,
                &[
                    ("x-amz-copy-source", "/src/dir/a%20b.txt?versionId=v9"),
                    ("x-amz-metadata-directive", "REPLACE"),
                ],
                "",
                vec![
                    ("s3:x-amz-copy-source", "src/dir/a b.txt"),
                    ("s3:x-amz-metadata-directive", "REPLACE"),
                ],
            ),
            (
                Op::UploadPartCopy,
                &[
                    ("x-amz-copy-source", "src/k"),
                    ("x-amz-server-side-encryption-customer-algorithm", "AES256"),
                ],
                "partNumber=1&uploadId=u",
                vec![
                    (
                        "s3:x-amz-server-side-encryption-customer-algorithm",
                        "AES256",
                    ),
                    ("s3:x-amz-copy-source", "src/k"),
                ],
            ),
            (
                Op::CreateBucket,
                &[
                    ("x-amz-acl", "private"),
                    ("x-amz-object-ownership", "ObjectWriter"),
                ],
                "",
                vec![
                    ("s3:x-amz-acl", "private"),
                    ("s3:x-amz-object-ownership", "ObjectWriter"),
                ],
            ),
            (
                put_acl,
                &[("x-amz-grant-full-control", "id=1")],
                "acl",
                vec![("s3:x-amz-grant-full-control", "id=1")],
            ),
            (
                Op::PutObjectAcl,
                &[("x-amz-acl", "private")],
                "acl&versionId=v2",
                vec![("s3:x-amz-acl", "private"), ("s3:VersionId", "v2")],
            ),
            // A bucket request's versionId is no version.
            (Op::ListObjectVersions, &[], "versionId=x", vec![]),
        ];
        for (op, headers, query, want) in cases {
            let mut h = HeaderMap::new();
            for (k, v) in headers {
                h.insert(
                    http::HeaderName::from_static(k),
                    http::HeaderValue::from_str(v).unwrap(),
                );
            }
            let got = request_keys(op, &h, &Query::parse(Some(query)));
            let got: Vec<(String, String)> =
                got.into_iter().map(|(k, v)| (k, v.join("|"))).collect();
            let want: Vec<(String, String)> = want
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            assert_eq!(got, want, "{op:?} {headers:?} {query}");
        }
    }

    #[test]
    fn lock_keys_count_remaining_days() {
        let now = 1_700_000_000;
        let in_30_days = now + 30 * 86_400 - 100;
        let (y, m, d, h, mi, s) = cloudlet_core::time::civil(in_30_days as i64);
        let date = format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z");
        let got = retention_keys(Some("COMPLIANCE"), Some(&date), now);
        let want = vec![
            key("s3:object-lock-mode", "COMPLIANCE"),
            key("s3:object-lock-retain-until-date", &date),
            key("s3:object-lock-remaining-retention-days", "30"),
        ];
        assert_eq!(got, want);
        let past = retention_keys(None, Some("2000-01-01T00:00:00Z"), now);
        assert_eq!(past[1], key("s3:object-lock-remaining-retention-days", "0"));
        assert_eq!(retention_keys(None, Some("soon"), now).len(), 1);
    }

    #[test]
    fn global_and_object_keys_reach_the_context() {
        let account = cloudlet_core::AccountId::parse("111122223333").unwrap();
        let mut ctx = RequestContext::internal(
            cloudlet_core::ServiceId::S3,
            account,
            cloudlet_core::Region::parse("eu-west-1").unwrap(),
            "http://localhost",
        );
        ctx.source_ip = Some("127.0.0.1".parse().unwrap());
        ctx.condition_keys = vec![key("s3:x-amz-acl", "private")];
        let tags = vec![("public".to_string(), "yes".to_string())];
        let c = context(
            &ctx,
            Some("111122223333"),
            &tags,
            &[("s3:prefix", "a/".into())],
        );
        let one = |k: &str| c.get(k).and_then(|v| v.first()).cloned();
        assert_eq!(one("aws:SourceIp").as_deref(), Some("127.0.0.1"));
        assert_eq!(one("aws:RequestedRegion").as_deref(), Some("eu-west-1"));
        assert_eq!(one("aws:SecureTransport").as_deref(), Some("false"));
        assert_eq!(one("s3:ResourceAccount").as_deref(), Some("111122223333"));
        assert_eq!(one("s3:ExistingObjectTag/public").as_deref(), Some("yes"));
        assert_eq!(one("s3:x-amz-acl").as_deref(), Some("private"));
        assert_eq!(one("s3:prefix").as_deref(), Some("a/"));
        assert_eq!(one("s3:TlsVersion"), None);
        let time = one("aws:CurrentTime").unwrap();
        let epoch: f64 = one("aws:EpochTime").unwrap().parse().unwrap();
        assert_eq!(cloudlet_policy::parse_date(&time), Some(epoch));
    }

    const OBJECT: &str = "arn:aws:s3:::shared/report.csv";

    fn doc(effect: &str, principal: Option<&str>, action: &str) -> Policy {
        let (p, kind) = match principal {
            Some(p) => (format!(r#""Principal":{p},"#), PolicyKind::Resource),
            None => (String::new(), PolicyKind::Identity),
        };
        cloudlet_policy::parse(
            &format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}",{p}"Action":"{action}","Resource":"{OBJECT}"}}]}}"#
            ),
            kind,
        )
        .unwrap()
    }

    #[test]
    fn identity_and_bucket_policies_combine_as_on_aws() {
        let alice = Caller::Aws {
            account: "111122223333".into(),
            arn: "arn:aws:iam::111122223333:user/alice".into(),
            role_arn: None,
        };
        let ctx = Context::new();
        let req = Request {
            caller: &alice,
            action: "s3:GetObject",
            resource: OBJECT,
            context: &ctx,
        };
        let id_get = doc("Allow", None, "s3:GetObject");
        let id_put = doc("Allow", None, "s3:PutObject");
        let id_deny = doc("Deny", None, "s3:*");
        let to_alice = doc(
            "Allow",
            Some(r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#),
            "s3:GetObject",
        );
        let public = doc("Allow", Some(r#""*""#), "s3:GetObject");
        let deny_all = doc("Deny", Some(r#""*""#), "s3:GetObject");
        type Case<'a> = (
            Option<Vec<&'a Policy>>,
            Option<&'a Policy>,
            bool,
            bool,
            bool,
        );
        let cases: Vec<Case> = vec![
            // Root and anonymous callers (no identity policies): the old owner rule.
            (None, None, true, false, true),
            (None, None, false, false, false),
            (None, Some(&deny_all), true, false, false),
            (None, Some(&public), false, false, true),
            (None, Some(&public), false, true, false),
            (None, Some(&public), true, true, true),
            // A user of the owner's account needs an allow from either policy.
            (Some(vec![]), None, true, false, false),
            (Some(vec![&id_put]), None, true, false, false),
            (Some(vec![&id_get]), None, true, false, true),
            (Some(vec![]), Some(&to_alice), true, false, true),
            (Some(vec![&id_deny, &id_get]), None, true, false, false),
            (Some(vec![&id_deny]), Some(&to_alice), true, false, false),
            (Some(vec![&id_get]), Some(&deny_all), true, false, false),
            // Public policies still serve users of the owner's account.
            (Some(vec![]), Some(&public), true, true, true),
            // Across accounts both must allow, and a public grant is void when restricted.
            (Some(vec![&id_get]), None, false, false, false),
            (Some(vec![]), Some(&to_alice), false, false, false),
            (Some(vec![&id_get]), Some(&to_alice), false, false, true),
            (Some(vec![&id_get]), Some(&public), false, false, true),
            (Some(vec![&id_get]), Some(&public), false, true, false),
        ];
        for (i, (identity, policy, owner, restrict, expected)) in cases.into_iter().enumerate() {
            let got = decide(identity.as_deref(), policy, owner, restrict, &req);
            assert_eq!(got, expected, "case {i}");
        }
    }
}
