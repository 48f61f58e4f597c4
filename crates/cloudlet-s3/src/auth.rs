//! Who may do what to a bucket, as AWS decides it. The account root of the bucket owner
//! always may (unless the bucket policy explicitly denies); other roots and anonymous
//! callers only when the bucket policy allows it. IAM users and role sessions also need
//! their identity policies: within the owner's account either those or the bucket policy
//! must allow, across accounts both; an explicit deny in either wins. Block Public Access
//! (RestrictPublicBuckets) voids a public bucket policy for callers outside the owner's
//! account. Pure: works on a loaded [`Bucket`] and the identity documents in the context.

use cloudlet_core::{Principal, RequestContext};
use cloudlet_policy::{Accounts, Caller, Context, Decision, Policy, PolicyKind, Request};

use crate::state::Bucket;

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

/// The condition keys every S3 request carries, plus `extra`.
fn context(ctx: &RequestContext, extra: &[(&str, String)]) -> Context {
    let mut context = Context::new();
    context.set("aws:SecureTransport", "false");
    for (k, v) in principal_keys(&ctx.principal, ctx.unique_id.as_deref()) {
        context.set(k, v);
    }
    for (k, v) in extra {
        context.set(k, v.clone());
    }
    context
}

/// The caller's identity policies that parse (`None` when none apply: root, anonymous).
fn identity(ctx: &RequestContext) -> Option<Vec<Policy>> {
    ctx.identity_policies.as_deref().map(|docs| {
        docs.iter()
            .filter_map(|d| cloudlet_policy::parse(d, PolicyKind::Identity).ok())
            .collect()
    })
}

/// The decision itself: `owner` when the caller belongs to the bucket's account,
/// `restrict_public` when RestrictPublicBuckets is on.
fn decide(
    identity: Option<&[Policy]>,
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
    let identity: Vec<&Policy> = identity.iter().collect();
    let accounts = if owner {
        Accounts::Same
    } else {
        Accounts::Cross
    };
    cloudlet_policy::authorize(&identity, bucket_policy, accounts, req) == Decision::Allow
        && !voided
}

/// Whether the caller may write the object `resource` with these request headers: AWS asks
/// for `s3:PutObject`, and also `s3:PutObjectTagging` when the request sets tags
/// (`x-amz-tagging`) and `s3:PutObjectAcl` when it sets an ACL (`x-amz-acl`,
/// `x-amz-grant-*`).
pub fn object_write_allowed(
    ctx: &RequestContext,
    bucket: &Bucket,
    resource: &str,
    h: &http::HeaderMap,
) -> bool {
    let tags = h.contains_key("x-amz-tagging");
    let acl = h
        .keys()
        .any(|k| k.as_str() == "x-amz-acl" || k.as_str().starts_with("x-amz-grant-"));
    allowed(ctx, bucket, "s3:PutObject", resource, &[])
        && (!tags || allowed(ctx, bucket, "s3:PutObjectTagging", resource, &[]))
        && (!acl || allowed(ctx, bucket, "s3:PutObjectAcl", resource, &[]))
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
    let identity = identity(ctx);
    if policy.is_none() && identity.is_none() {
        return owner;
    }
    let caller = Caller::from(&ctx.principal);
    let context = context(ctx, extra);
    let req = Request {
        caller: &caller,
        action,
        resource,
        context: &context,
    };
    decide(
        identity.as_deref(),
        policy.as_ref(),
        owner,
        bucket.bpa().restrict_public_buckets,
        &req,
    )
}

/// Whether the caller's identity policies allow `action` on `resource` where no bucket
/// policy applies (CreateBucket, ListBuckets); always for roots and anonymous callers.
pub fn identity_allows(ctx: &RequestContext, action: &str, resource: &str) -> bool {
    let Some(identity) = identity(ctx) else {
        return true;
    };
    let caller = Caller::from(&ctx.principal);
    let context = context(ctx, &[]);
    let req = Request {
        caller: &caller,
        action,
        resource,
        context: &context,
    };
    cloudlet_policy::evaluate_all(&identity, &req) == Decision::Allow
}

/// Whether the bucket policy or the caller's identity policies explicitly deny the caller
/// `action` on `resource` — which no ACL grant can override.
pub fn explicitly_denied(
    ctx: &RequestContext,
    bucket: &Bucket,
    action: &str,
    resource: &str,
) -> bool {
    let policy = bucket
        .policy
        .as_deref()
        .and_then(|p| cloudlet_policy::parse(p, PolicyKind::Resource).ok());
    let identity = identity(ctx).unwrap_or_default();
    if policy.is_none() && identity.is_empty() {
        return false;
    }
    let caller = Caller::from(&ctx.principal);
    let context = context(ctx, &[]);
    let req = Request {
        caller: &caller,
        action,
        resource,
        context: &context,
    };
    policy
        .iter()
        .chain(&identity)
        .any(|p| p.evaluate(&req) == Decision::ExplicitDeny)
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
            let identity: Option<Vec<Policy>> = identity.map(|v| v.into_iter().cloned().collect());
            let got = decide(identity.as_deref(), policy, owner, restrict, &req);
            assert_eq!(got, expected, "case {i}");
        }
    }
}
