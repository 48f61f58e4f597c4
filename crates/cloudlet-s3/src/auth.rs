//! Who may do what to a bucket: the owner's account always may (unless its bucket policy
//! explicitly denies); anyone else — other accounts and anonymous callers — only when the
//! bucket policy allows it and Block Public Access (RestrictPublicBuckets) does not void a
//! public policy. Pure: works on a loaded [`Bucket`].

use cloudlet_core::{Principal, RequestContext};
use cloudlet_policy::{Caller, Context, Decision, PolicyKind, Request};

use crate::state::Bucket;

/// The ARN of a bucket, or of an object in it.
pub fn arn(bucket: &str, key: Option<&str>) -> String {
    match key {
        Some(k) => format!("arn:aws:s3:::{bucket}/{k}"),
        None => format!("arn:aws:s3:::{bucket}"),
    }
}

/// Whether the caller of `ctx` may perform `action` on `resource` of `bucket`.
pub fn allowed(
    ctx: &RequestContext,
    bucket: &Bucket,
    action: &str,
    resource: &str,
    extra: &[(&str, String)],
) -> bool {
    let owner = ctx
        .principal
        .account()
        .is_some_and(|a| a.as_str() == bucket.owner);
    let policy = bucket
        .policy
        .as_deref()
        .and_then(|p| cloudlet_policy::parse(p, PolicyKind::Resource).ok());
    let Some(policy) = policy else {
        return owner;
    };
    let caller = Caller::from(&ctx.principal);
    let mut context = Context::new();
    context.set("aws:SecureTransport", "false");
    if let Some(a) = ctx.principal.account() {
        context.set("aws:PrincipalAccount", a.as_str());
    }
    if ctx.principal != Principal::Anonymous {
        context.set("aws:PrincipalArn", ctx.principal.arn());
    }
    for (k, v) in extra {
        context.set(k, v.clone());
    }
    let req = Request {
        caller: &caller,
        action,
        resource,
        context: &context,
    };
    match policy.evaluate(&req) {
        Decision::ExplicitDeny => false,
        _ if owner => true,
        Decision::Allow => !(bucket.bpa().restrict_public_buckets && policy.is_public()),
        Decision::ImplicitDeny => false,
    }
}

/// Whether the bucket policy explicitly denies the caller `action` on `resource` — which
/// no ACL grant can override.
pub fn explicitly_denied(
    ctx: &RequestContext,
    bucket: &Bucket,
    action: &str,
    resource: &str,
) -> bool {
    let Some(policy) = bucket
        .policy
        .as_deref()
        .and_then(|p| cloudlet_policy::parse(p, PolicyKind::Resource).ok())
    else {
        return false;
    };
    let caller = Caller::from(&ctx.principal);
    let mut context = Context::new();
    context.set("aws:SecureTransport", "false");
    if let Some(a) = ctx.principal.account() {
        context.set("aws:PrincipalAccount", a.as_str());
    }
    if ctx.principal != Principal::Anonymous {
        context.set("aws:PrincipalArn", ctx.principal.arn());
    }
    let req = Request {
        caller: &caller,
        action,
        resource,
        context: &context,
    };
    policy.evaluate(&req) == Decision::ExplicitDeny
}
