//! Policy evaluation: which statements apply to a request, and the decision (an explicit
//! `Deny` wins over any `Allow`; without an `Allow` the request is implicitly denied).

use cloudlet_core::Principal;

use crate::condition::Context;
use crate::document::{Effect, Policy, Principals, Statement};
use crate::glob;

/// Who is calling, as a policy's `Principal` element sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// An unsigned request; only `"*"` (or `{"AWS": "*"}`) matches it.
    Anonymous,
    /// An IAM identity: `arn` is the caller's own ARN; `role_arn` the role of a role session.
    Aws {
        account: String,
        arn: String,
        role_arn: Option<String>,
    },
    /// An AWS service principal such as `apigateway.amazonaws.com`.
    Service(String),
}

impl From<&Principal> for Caller {
    fn from(p: &Principal) -> Caller {
        match p {
            Principal::Anonymous => Caller::Anonymous,
            Principal::AssumedRole { account, role, .. } => Caller::Aws {
                account: account.to_string(),
                arn: p.arn(),
                role_arn: Some(format!("arn:aws:iam::{account}:role/{role}")),
            },
            Principal::Root { account } | Principal::User { account, .. } => Caller::Aws {
                account: account.to_string(),
                arn: p.arn(),
                role_arn: None,
            },
        }
    }
}

/// What is being asked: a caller doing `action` (e.g. `s3:GetObject`) on `resource`.
#[derive(Clone, Debug)]
pub struct Request<'a> {
    pub caller: &'a Caller,
    pub action: &'a str,
    pub resource: &'a str,
    pub context: &'a Context,
}

/// The outcome of evaluating policies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// A statement allows the request and none denies it.
    Allow,
    /// A `Deny` statement applies.
    ExplicitDeny,
    /// Nothing allows the request.
    ImplicitDeny,
}

impl Policy {
    /// Evaluates this policy alone.
    pub fn evaluate(&self, req: &Request<'_>) -> Decision {
        evaluate_all(std::iter::once(self), req)
    }
}

/// Evaluates several policies together (identity and resource policies of one account).
pub fn evaluate_all<'p>(
    policies: impl IntoIterator<Item = &'p Policy>,
    req: &Request<'_>,
) -> Decision {
    let mut allowed = false;
    for p in policies {
        for s in &p.statements {
            if applies(s, req) {
                match s.effect {
                    Effect::Deny => return Decision::ExplicitDeny,
                    Effect::Allow => allowed = true,
                }
            }
        }
    }
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

/// Whether statement `s` matches the request (principal, action, resource, conditions).
pub fn applies(s: &Statement, req: &Request<'_>) -> bool {
    if let Some(p) = &s.principal
        && principal_matches(&p.items, req.caller) == p.negated
    {
        return false;
    }
    let action = s
        .action
        .items
        .iter()
        .any(|a| glob::matches_ignore_case(a, req.action));
    if action == s.action.negated {
        return false;
    }
    if let Some(r) = &s.resource {
        let hit = r.items.iter().any(|p| glob::matches(p, req.resource));
        if hit == r.negated {
            return false;
        }
    }
    s.conditions.iter().all(|c| c.holds(req.context))
}

/// Whether `principals` names `caller`.
pub fn principal_matches(principals: &Principals, caller: &Caller) -> bool {
    let map = match principals {
        Principals::Any => return true,
        Principals::Typed(map) => map,
    };
    map.iter().any(|(ty, values)| {
        values.iter().any(|v| match (ty.as_str(), caller) {
            ("AWS", _) if v == "*" => true,
            (
                "AWS",
                Caller::Aws {
                    account,
                    arn,
                    role_arn,
                },
            ) => {
                v == account
                    || *v == format!("arn:aws:iam::{account}:root")
                    || v == arn
                    || role_arn.as_deref() == Some(v.as_str())
            }
            ("Service", Caller::Service(name)) => v == "*" || v == name,
            _ => false,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::{PolicyKind, parse};

    const BUCKET_POLICY: &str = r#"{
      "Version": "2012-10-17",
      "Statement": [
        {"Sid": "Public", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::site/*"},
        {"Sid": "NoSecret", "Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "s3:*",
         "Resource": "arn:aws:s3:::site/secret/*"},
        {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "111122223333"},
         "Action": ["s3:PutObject", "s3:List*"], "Resource": ["arn:aws:s3:::site", "arn:aws:s3:::site/*"],
         "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/app"},
         "NotAction": "s3:Delete*", "NotResource": "arn:aws:s3:::site/private/*"},
        {"Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": "arn:aws:s3:::site/logs/*",
         "Condition": {"StringEquals": {"aws:SourceAccount": "000000000000"}}}
      ]
    }"#;

    fn check(
        caller: &Caller,
        action: &str,
        resource: &str,
        ctx: &[(&str, &str)],
        expected: Decision,
    ) {
        let policy = parse(BUCKET_POLICY, PolicyKind::Resource).unwrap();
        let mut context = Context::new();
        for (k, v) in ctx {
            context.set(k, *v);
        }
        let req = Request {
            caller,
            action,
            resource,
            context: &context,
        };
        assert_eq!(
            policy.evaluate(&req),
            expected,
            "{caller:?} {action} {resource} {ctx:?}"
        );
    }

    #[test]
    fn decisions() {
        use Decision::*;
        let anon = Caller::Anonymous;
        let partner = Caller::Aws {
            account: "111122223333".into(),
            arn: "arn:aws:iam::111122223333:user/bob".into(),
            role_arn: None,
        };
        let app = Caller::from(&Principal::AssumedRole {
            account: cloudlet_core::AccountId::parse("444455556666").unwrap(),
            role: "app".into(),
            session: "s".into(),
        });
        let logs = Caller::Service("logging.s3.amazonaws.com".into());
        type Case<'a> = (
            &'a Caller,
            &'a str,
            &'a str,
            Vec<(&'a str, &'a str)>,
            Decision,
        );
        let cases: Vec<Case> = vec![
            (
                &anon,
                "s3:GetObject",
                "arn:aws:s3:::site/index.html",
                vec![],
                Allow,
            ),
            (
                &anon,
                "S3:getobject",
                "arn:aws:s3:::site/index.html",
                vec![],
                Allow,
            ),
            (
                &anon,
                "s3:GetObject",
                "arn:aws:s3:::site/secret/x",
                vec![],
                ExplicitDeny,
            ),
            (
                &anon,
                "s3:PutObject",
                "arn:aws:s3:::site/index.html",
                vec![],
                ImplicitDeny,
            ),
            (
                &anon,
                "s3:GetObject",
                "arn:aws:s3:::other/index.html",
                vec![],
                ImplicitDeny,
            ),
            (
                &partner,
                "s3:PutObject",
                "arn:aws:s3:::site/a",
                vec![("aws:SourceIp", "10.1.2.3")],
                Allow,
            ),
            (
                &partner,
                "s3:PutObject",
                "arn:aws:s3:::site/a",
                vec![("aws:SourceIp", "192.0.2.1")],
                ImplicitDeny,
            ),
            (
                &partner,
                "s3:PutObject",
                "arn:aws:s3:::site/a",
                vec![],
                ImplicitDeny,
            ),
            (
                &partner,
                "s3:ListBucket",
                "arn:aws:s3:::site",
                vec![("aws:SourceIp", "10.0.0.1")],
                Allow,
            ),
            (&app, "s3:PutObject", "arn:aws:s3:::site/a", vec![], Allow),
            (
                &app,
                "s3:DeleteObject",
                "arn:aws:s3:::site/a",
                vec![],
                ImplicitDeny,
            ),
            (
                &app,
                "s3:PutObject",
                "arn:aws:s3:::site/private/a",
                vec![],
                ImplicitDeny,
            ),
            (
                &app,
                "s3:GetObject",
                "arn:aws:s3:::site/secret/a",
                vec![],
                ExplicitDeny,
            ),
            (
                &logs,
                "s3:PutObject",
                "arn:aws:s3:::site/logs/1",
                vec![("aws:SourceAccount", "000000000000")],
                Allow,
            ),
            (
                &logs,
                "s3:PutObject",
                "arn:aws:s3:::site/logs/1",
                vec![("aws:SourceAccount", "999999999999")],
                ImplicitDeny,
            ),
        ];
        for (caller, action, resource, ctx, expected) in cases {
            check(caller, action, resource, &ctx, expected);
        }
    }

    #[test]
    fn not_principal_excludes_the_named() {
        let p = parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::1:user/admin"},"Action":"*","Resource":"*"}}"#,
            PolicyKind::Resource,
        )
        .unwrap();
        let ctx = Context::new();
        let admin = Caller::Aws {
            account: "1".into(),
            arn: "arn:aws:iam::1:user/admin".into(),
            role_arn: None,
        };
        let other = Caller::Aws {
            account: "1".into(),
            arn: "arn:aws:iam::1:user/x".into(),
            role_arn: None,
        };
        let req = |c| Request {
            caller: c,
            action: "s3:GetObject",
            resource: "arn:aws:s3:::b/k",
            context: &ctx,
        };
        assert_eq!(p.evaluate(&req(&admin)), Decision::ImplicitDeny);
        assert_eq!(p.evaluate(&req(&other)), Decision::ExplicitDeny);
    }

    #[test]
    fn identity_policies_combine_with_deny_winning() {
        let allow = parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:PutItem","dynamodb:GetItem"],"Resource":"arn:aws:dynamodb:ap-northeast-2:000000000000:table/*"}]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        let deny = parse(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:*:table/secret"}]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        let ctx = Context::new();
        let me = Caller::Aws {
            account: "000000000000".into(),
            arn: "arn:aws:iam::000000000000:root".into(),
            role_arn: None,
        };
        let req = |action, resource| Request {
            caller: &me,
            action,
            resource,
            context: &ctx,
        };
        let both = [&allow, &deny];
        let cases = [
            (
                "dynamodb:PutItem",
                "arn:aws:dynamodb:ap-northeast-2:000000000000:table/hello-member",
                Decision::Allow,
            ),
            (
                "dynamodb:DeleteItem",
                "arn:aws:dynamodb:ap-northeast-2:000000000000:table/hello-member",
                Decision::ImplicitDeny,
            ),
            (
                "dynamodb:PutItem",
                "arn:aws:dynamodb:ap-northeast-2:000000000000:table/secret",
                Decision::ExplicitDeny,
            ),
            (
                "dynamodb:PutItem",
                "arn:aws:dynamodb:us-east-1:000000000000:table/hello-member",
                Decision::ImplicitDeny,
            ),
        ];
        for (action, resource, expected) in cases {
            assert_eq!(
                evaluate_all(both, &req(action, resource)),
                expected,
                "{action} {resource}"
            );
        }
    }
}
