//! Policy evaluation: which statements apply to a request, and the decision (an explicit
//! `Deny` wins over any `Allow`; without an `Allow` the request is implicitly denied).

use cloudlet_core::Principal;

use crate::condition::Context;
use crate::document::{Effect, Policy, Principals, Statement};
use crate::{glob, variables};

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
    if let Some(p) = &s.principal {
        let named = if p.negated {
            principal_excluded(&p.items, req.caller)
        } else {
            principal_matches(&p.items, req.caller)
        };
        if named == p.negated {
            return false;
        }
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
        let hit = r.items.iter().any(|p| {
            if s.variables {
                variables::expand(p, req.context)
                    .is_some_and(|t| glob::matches_tokens(&t, req.resource))
            } else {
                glob::matches(p, req.resource)
            }
        });
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

/// Whether a `NotPrincipal` list spares `caller`. A request speaks for every identity in
/// the caller's chain — the account, then the role, then the session or user — and
/// `NotPrincipal` spares it only when it names each of them: an account (or its root ARN)
/// alone spares the root, not the account's users and sessions; a user's ARN alone leaves
/// the user's account, and so the user, in the statement.
fn principal_excluded(principals: &Principals, caller: &Caller) -> bool {
    let map = match principals {
        Principals::Any => return true,
        Principals::Typed(map) => map,
    };
    let named = |ty: &str, want: &dyn Fn(&str) -> bool| {
        map.iter()
            .filter(|(t, _)| t.as_str() == ty)
            .flat_map(|(_, values)| values)
            .any(|v| v == "*" || want(v))
    };
    match caller {
        Caller::Anonymous => named("AWS", &|_| false),
        Caller::Service(name) => named("Service", &|v| v == name),
        Caller::Aws {
            account,
            arn,
            role_arn,
        } => {
            let root = format!("arn:aws:iam::{account}:root");
            named("AWS", &|v| v == account || v == root)
                && role_arn
                    .as_deref()
                    .is_none_or(|r| named("AWS", &|v| v == r))
                && (*arn == root || named("AWS", &|v| v == arn))
        }
    }
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
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::1:user/admin","arn:aws:iam::1:root"]},"Action":"*","Resource":"*"}}"#,
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

    /// One statement (an identity policy when it names no principal) decided for a caller,
    /// an action, a resource and context keys. Context values `a|b` are multivalued and `[]`
    /// an empty set.
    fn decide(
        version: &str,
        statement: &str,
        caller: &Caller,
        action: &str,
        resource: &str,
        ctx: &[(&str, &str)],
    ) -> Decision {
        let doc = format!(r#"{{"Version":"{version}","Statement":[{statement}]}}"#);
        let kind = if statement.contains(r#"Principal":"#) {
            PolicyKind::Resource
        } else {
            PolicyKind::Identity
        };
        let policy = parse(&doc, kind).unwrap_or_else(|e| panic!("{doc}: {}", e.message));
        let mut context = Context::new();
        for (k, v) in ctx {
            match *v {
                "[]" => context.set_all(k, Vec::new()),
                v if v.contains('|') => {
                    context.set_all(k, v.split('|').map(String::from).collect())
                }
                v => context.set(k, v),
            };
        }
        policy.evaluate(&Request {
            caller,
            action,
            resource,
            context: &context,
        })
    }

    /// The cases of AWS's "Policy evaluation logic", "NotAction / NotResource /
    /// NotPrincipal", "Condition operators", "…IfExists", "ForAnyValue / ForAllValues" and
    /// "Policy variables" pages.
    #[test]
    fn evaluation_logic() {
        use Decision::*;
        let alice = Caller::Aws {
            account: "111122223333".into(),
            arn: "arn:aws:iam::111122223333:user/alice".into(),
            role_arn: None,
        };
        let session = Caller::from(&Principal::AssumedRole {
            account: cloudlet_core::AccountId::parse("111122223333").unwrap(),
            role: "app".into(),
            session: "s1".into(),
        });
        let stranger = Caller::Aws {
            account: "999988887777".into(),
            arn: "arn:aws:iam::999988887777:user/eve".into(),
            role_arn: None,
        };
        let anon = Caller::Anonymous;
        let root = Caller::from(&Principal::Root {
            account: cloudlet_core::AccountId::parse("111122223333").unwrap(),
        });
        let logging = Caller::Service("logging.s3.amazonaws.com".into());
        const V12: &str = "2012-10-17";
        const V08: &str = "2008-10-17";
        const OBJ: &str = "arn:aws:s3:::b/k";
        let allow = |extra: &str| {
            format!(r#"{{"Effect":"Allow","Action":"s3:GetObject","Resource":"{OBJ}"{extra}}}"#)
        };
        let cond = |c: &str| allow(&format!(r#","Condition":{c}"#));
        type Case<'a> = (
            &'a str,
            String,
            &'a Caller,
            &'a str,
            &'a str,
            Vec<(&'a str, &'a str)>,
            Decision,
        );
        let cases: Vec<Case> = vec![
            // Explicit deny wins over allow; nothing allowing is an implicit deny.
            (V12, format!(r#"{},{{"Effect":"Deny","Action":"s3:*","Resource":"*"}}"#, allow("")), &alice, "s3:GetObject", OBJ, vec![], ExplicitDeny),
            (V12, allow(""), &alice, "s3:PutObject", OBJ, vec![], ImplicitDeny),
            (V12, allow(""), &alice, "s3:GetObject", "arn:aws:s3:::b/other", vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/k"}"#.into(), &alice, "s3:GetObject", OBJ, vec![], ExplicitDeny),
            // Action wildcards, matched ignoring case.
            (V12, r#"{"Effect":"Allow","Action":"s3:Get*Acl","Resource":"*"}"#.into(), &alice, "s3:GetObjectAcl", OBJ, vec![], Allow),
            (V12, r#"{"Effect":"Allow","Action":"s3:Get*Acl","Resource":"*"}"#.into(), &alice, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Allow","Action":"s3:?etObject","Resource":"*"}"#.into(), &alice, "s3:GetObject", OBJ, vec![], Allow),
            (V12, r#"{"Effect":"Allow","Action":"s3:?etObject","Resource":"*"}"#.into(), &alice, "s3:GetObjects", OBJ, vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Allow","Action":"s3:GETOBJECT","Resource":"*"}"#.into(), &alice, "s3:GetObject", OBJ, vec![], Allow),
            (V12, r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#.into(), &alice, "dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:111122223333:table/t", vec![], Allow),
            (V12, r#"{"Effect":"Allow","Action":"iam:*","Resource":"*"}"#.into(), &alice, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            // Resource wildcards; resources are case-sensitive.
            (V12, r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::B/*"}"#.into(), &alice, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/?"}"#.into(), &alice, "s3:GetObject", OBJ, vec![], Allow),
            (V12, r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/?"}"#.into(), &alice, "s3:GetObject", "arn:aws:s3:::b/kk", vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:*:111122223333:table/*"}"#.into(), &alice, "dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:111122223333:table/t", vec![], Allow),
            // NotAction / NotResource: everything but the listed.
            (V12, r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#.into(), &alice, "s3:GetObject", OBJ, vec![], Allow),
            (V12, r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#.into(), &alice, "iam:CreateUser", "*", vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Deny","NotAction":["s3:Get*","s3:List*"],"Resource":"*"}"#.into(), &alice, "s3:PutObject", OBJ, vec![], ExplicitDeny),
            (V12, r#"{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::b/secret/*"}"#.into(), &alice, "s3:GetObject", OBJ, vec![], Allow),
            (V12, r#"{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::b/secret/*"}"#.into(), &alice, "s3:GetObject", "arn:aws:s3:::b/secret/x", vec![], ImplicitDeny),
            // Principals: an account (or its root ARN) means every principal in it; a role
            // means its sessions; NotPrincipal everyone else.
            (V12, r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"*"}"#.into(), &alice, "s3:GetObject", OBJ, vec![], Allow),
            (V12, r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:GetObject","Resource":"*"}"#.into(), &session, "s3:GetObject", OBJ, vec![], Allow),
            (V12, r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"s3:GetObject","Resource":"*"}"#.into(), &session, "s3:GetObject", OBJ, vec![], Allow),
            (V12, r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},"Action":"s3:GetObject","Resource":"*"}"#.into(), &alice, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"*"}"#.into(), &stranger, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"*"}"#.into(), &anon, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}"#.into(), &anon, "s3:GetObject", OBJ, vec![], Allow),
            (V12, r#"{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}"#.into(), &stranger, "s3:GetObject", OBJ, vec![], ExplicitDeny),
            // NotPrincipal spares only a caller whose every identity it names.
            (V12, r#"{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}"#.into(), &alice, "s3:GetObject", OBJ, vec![], ExplicitDeny),
            (V12, r#"{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}"#.into(), &root, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"*"}"#.into(), &root, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:*","Resource":"*"}"#.into(), &alice, "s3:GetObject", OBJ, vec![], ExplicitDeny),
            (V12, r#"{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice","111122223333"]},"Action":"s3:*","Resource":"*"}"#.into(), &alice, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/alice","111122223333"]},"Action":"s3:*","Resource":"*"}"#.into(), &root, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:sts::111122223333:assumed-role/app/s1","111122223333"]},"Action":"s3:*","Resource":"*"}"#.into(), &session, "s3:GetObject", OBJ, vec![], ExplicitDeny),
            (V12, r#"{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:role/app","111122223333"]},"Action":"s3:*","Resource":"*"}"#.into(), &session, "s3:GetObject", OBJ, vec![], ExplicitDeny),
            (V12, r#"{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:sts::111122223333:assumed-role/app/s1","arn:aws:iam::111122223333:role/app","arn:aws:iam::111122223333:root"]},"Action":"s3:*","Resource":"*"}"#.into(), &session, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Deny","NotPrincipal":{"AWS":"*"},"Action":"s3:*","Resource":"*"}"#.into(), &anon, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Deny","NotPrincipal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:*","Resource":"*"}"#.into(), &logging, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Deny","NotPrincipal":{"Service":"logging.s3.amazonaws.com"},"Action":"s3:*","Resource":"*"}"#.into(), &root, "s3:GetObject", OBJ, vec![], ExplicitDeny),
            (V12, r#"{"Effect":"Deny","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}"#.into(), &anon, "s3:GetObject", OBJ, vec![], ExplicitDeny),
            // String operators; condition keys ignore case, values do not.
            (V12, cond(r#"{"StringEquals":{"aws:PrincipalTag/team":"Red"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:principaltag/TEAM", "Red")], Allow),
            (V12, cond(r#"{"StringEquals":{"aws:PrincipalTag/team":"Red"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:PrincipalTag/team", "red")], ImplicitDeny),
            (V12, cond(r#"{"StringEquals":{"aws:PrincipalTag/team":"Red"}}"#), &alice, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            (V12, cond(r#"{"StringEquals":{"aws:PrincipalTag/team":["Red","Blue"]}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:PrincipalTag/team", "Blue")], Allow),
            (V12, cond(r#"{"StringNotEquals":{"aws:PrincipalTag/team":["Red","Blue"]}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:PrincipalTag/team", "Blue")], ImplicitDeny),
            (V12, cond(r#"{"StringNotEquals":{"aws:PrincipalTag/team":["Red","Blue"]}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:PrincipalTag/team", "Green")], Allow),
            (V12, cond(r#"{"StringNotEquals":{"aws:PrincipalTag/team":"Red"}}"#), &alice, "s3:GetObject", OBJ, vec![], Allow),
            (V12, cond(r#"{"StringEqualsIgnoreCase":{"aws:PrincipalTag/team":"RED"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:PrincipalTag/team", "red")], Allow),
            (V12, cond(r#"{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/team":"RED"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:PrincipalTag/team", "red")], ImplicitDeny),
            (V12, cond(r#"{"StringLike":{"s3:prefix":["home/*","pub?/"]}}"#), &alice, "s3:GetObject", OBJ, vec![("s3:prefix", "pubs/")], Allow),
            (V12, cond(r#"{"StringLike":{"s3:prefix":"home/*"}}"#), &alice, "s3:GetObject", OBJ, vec![("s3:prefix", "Home/x")], ImplicitDeny),
            (V12, cond(r#"{"StringNotLike":{"s3:prefix":"home/*"}}"#), &alice, "s3:GetObject", OBJ, vec![("s3:prefix", "work/x")], Allow),
            (V12, cond(r#"{"StringNotLike":{"s3:prefix":"home/*"}}"#), &alice, "s3:GetObject", OBJ, vec![], Allow),
            // Several keys are ANDed, several operators too.
            (V12, cond(r#"{"StringEquals":{"aws:PrincipalTag/team":"Red","aws:PrincipalTag/role":"dev"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:PrincipalTag/team", "Red")], ImplicitDeny),
            (V12, cond(r#"{"StringEquals":{"aws:PrincipalTag/team":"Red"},"Bool":{"aws:SecureTransport":"true"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:PrincipalTag/team", "Red"), ("aws:SecureTransport", "true")], Allow),
            (V12, cond(r#"{"StringEquals":{"aws:PrincipalTag/team":"Red"},"Bool":{"aws:SecureTransport":"true"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:PrincipalTag/team", "Red"), ("aws:SecureTransport", "false")], ImplicitDeny),
            // Numeric operators.
            (V12, cond(r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#), &alice, "s3:GetObject", OBJ, vec![("s3:max-keys", "10")], Allow),
            (V12, cond(r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#), &alice, "s3:GetObject", OBJ, vec![("s3:max-keys", "10")], ImplicitDeny),
            (V12, cond(r#"{"NumericGreaterThan":{"s3:max-keys":2.5}}"#), &alice, "s3:GetObject", OBJ, vec![("s3:max-keys", "3")], Allow),
            (V12, cond(r#"{"NumericGreaterThanEquals":{"s3:max-keys":"3"}}"#), &alice, "s3:GetObject", OBJ, vec![("s3:max-keys", "2")], ImplicitDeny),
            (V12, cond(r#"{"NumericEquals":{"s3:max-keys":"10"}}"#), &alice, "s3:GetObject", OBJ, vec![("s3:max-keys", "10.0")], Allow),
            (V12, cond(r#"{"NumericNotEquals":{"s3:max-keys":"10"}}"#), &alice, "s3:GetObject", OBJ, vec![("s3:max-keys", "11")], Allow),
            (V12, cond(r#"{"NumericEquals":{"s3:max-keys":"10"}}"#), &alice, "s3:GetObject", OBJ, vec![("s3:max-keys", "ten")], ImplicitDeny),
            // Date operators, ISO 8601 or epoch seconds.
            (V12, cond(r#"{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:CurrentTime", "2026-12-01T07:00:00Z")], Allow),
            (V12, cond(r#"{"DateLessThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:CurrentTime", "2026-12-01T07:00:00Z")], ImplicitDeny),
            (V12, cond(r#"{"DateLessThanEquals":{"aws:EpochTime":"1577836800"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:EpochTime", "2020-01-01T00:00:00Z")], Allow),
            (V12, cond(r#"{"DateEquals":{"aws:CurrentTime":"2020-01-01"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:CurrentTime", "2020-01-01T00:00:00Z")], Allow),
            (V12, cond(r#"{"DateNotEquals":{"aws:CurrentTime":"2020-01-01"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:CurrentTime", "2020-01-01T00:00:01Z")], Allow),
            (V12, cond(r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2020-01-01T01:00:00+01:00"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:CurrentTime", "2020-01-01T00:00:00Z")], Allow),
            // Bool, with and without the key.
            (V12, cond(r#"{"Bool":{"aws:SecureTransport":"false"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:SecureTransport", "false")], Allow),
            (V12, cond(r#"{"Bool":{"aws:SecureTransport":false}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:SecureTransport", "true")], ImplicitDeny),
            (V12, cond(r#"{"Bool":{"aws:MultiFactorAuthPresent":"false"}}"#), &alice, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            (V12, cond(r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#), &alice, "s3:GetObject", OBJ, vec![], Allow),
            (V12, cond(r#"{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:MultiFactorAuthPresent", "true")], ImplicitDeny),
            // IP addresses and CIDR blocks, IPv4 and IPv6.
            (V12, cond(r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:SourceIp", "203.0.113.77")], Allow),
            (V12, cond(r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:SourceIp", "203.0.114.1")], ImplicitDeny),
            (V12, cond(r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:SourceIp", "2001:db8:1234:5678::9")], Allow),
            (V12, cond(r#"{"IpAddress":{"aws:SourceIp":"203.0.113.9"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:SourceIp", "203.0.113.9")], Allow),
            (V12, cond(r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:SourceIp", "198.51.100.1")], Allow),
            (V12, cond(r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:SourceIp", "203.0.113.1")], ImplicitDeny),
            (V12, cond(r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#), &alice, "s3:GetObject", OBJ, vec![], Allow),
            (V12, cond(r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#), &alice, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            // ARN operators: component-wise, case-sensitive, wildcards within components.
            (V12, cond(r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:topic-*"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:SourceArn", "arn:aws:sns:eu-west-1:111122223333:topic-a")], Allow),
            (V12, cond(r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:t"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:t")], Allow),
            (V12, cond(r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:t"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:SourceArn", "arn:aws:sns:us-east-1:111122223333:T")], ImplicitDeny),
            (V12, cond(r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:SourceArn", "arn:aws:sns:us-east-1:999988887777:t")], Allow),
            (V12, cond(r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}"#), &alice, "s3:GetObject", OBJ, vec![], Allow),
            (V12, cond(r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:SourceArn", "not-an-arn")], ImplicitDeny),
            // Null: whether the key is absent.
            (V12, cond(r#"{"Null":{"aws:TokenIssueTime":"true"}}"#), &alice, "s3:GetObject", OBJ, vec![], Allow),
            (V12, cond(r#"{"Null":{"aws:TokenIssueTime":"true"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:TokenIssueTime", "2020-01-01T00:00:00Z")], ImplicitDeny),
            (V12, cond(r#"{"Null":{"aws:TokenIssueTime":"false"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:TokenIssueTime", "2020-01-01T00:00:00Z")], Allow),
            (V12, cond(r#"{"Null":{"aws:TagKeys":"false"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:TagKeys", "[]")], ImplicitDeny),
            // …IfExists: an absent key satisfies the condition; a present one is compared.
            (V12, cond(r#"{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}"#), &alice, "s3:GetObject", OBJ, vec![], Allow),
            (V12, cond(r#"{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}"#), &alice, "s3:GetObject", OBJ, vec![("ec2:InstanceType", "m5.large")], ImplicitDeny),
            (V12, cond(r#"{"NumericLessThanIfExists":{"s3:max-keys":"10"}}"#), &alice, "s3:GetObject", OBJ, vec![("s3:max-keys", "5")], Allow),
            (V12, cond(r#"{"IpAddressIfExists":{"aws:SourceIp":"10.0.0.0/8"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:SourceIp", "192.0.2.1")], ImplicitDeny),
            // ForAllValues: every request value is among the policy's; true for no values.
            (V12, cond(r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:TagKeys", "env|team")], Allow),
            (V12, cond(r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:TagKeys", "env|cost")], ImplicitDeny),
            (V12, cond(r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}"#), &alice, "s3:GetObject", OBJ, vec![], Allow),
            (V12, cond(r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:TagKeys", "[]")], Allow),
            (V12, cond(r#"{"ForAllValues:StringLike":{"aws:TagKeys":"key1*"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:TagKeys", "key1:hr|key1:personnel")], Allow),
            (V12, cond(r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:TagKeys", "key1:legal")], ImplicitDeny),
            (V12, cond(r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:TagKeys", "key2:audit")], Allow),
            (V12, cond(r#"{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}"#), &alice, "s3:GetObject", OBJ, vec![], Allow),
            // ForAnyValue: at least one request value matches; false for no values.
            (V12, cond(r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:TagKeys", "cost|team")], Allow),
            (V12, cond(r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:TagKeys", "cost")], ImplicitDeny),
            (V12, cond(r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}"#), &alice, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            (V12, cond(r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:TagKeys", "[]")], ImplicitDeny),
            // ForAnyValue with a negated operator: some request value matches none.
            (V12, cond(r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env","team"]}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:TagKeys", "env|cost")], Allow),
            (V12, cond(r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env","team"]}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:TagKeys", "env|team")], ImplicitDeny),
            (V12, cond(r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env","team"]}}"#), &alice, "s3:GetObject", OBJ, vec![], ImplicitDeny),
            // Policy variables (2012-10-17 only), in Resource and in condition values.
            (V12, r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}"#.into(), &alice, "s3:GetObject", "arn:aws:s3:::home/alice/a.txt", vec![("aws:username", "alice")], Allow),
            (V12, r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}"#.into(), &alice, "s3:GetObject", "arn:aws:s3:::home/bob/a.txt", vec![("aws:username", "alice")], ImplicitDeny),
            (V12, r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}"#.into(), &session, "s3:GetObject", "arn:aws:s3:::home/alice/a.txt", vec![], ImplicitDeny),
            (V12, r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username, 'shared'}/*"}"#.into(), &session, "s3:GetObject", "arn:aws:s3:::home/shared/a.txt", vec![], Allow),
            (V08, r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}"#.into(), &alice, "s3:GetObject", "arn:aws:s3:::home/${aws:username}/a.txt", vec![("aws:username", "alice")], Allow),
            (V08, r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}"#.into(), &alice, "s3:GetObject", "arn:aws:s3:::home/alice/a.txt", vec![("aws:username", "alice")], ImplicitDeny),
            (V12, cond(r#"{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:username", "alice"), ("s3:prefix", "home/alice/docs")], Allow),
            (V12, cond(r#"{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:username", "a*"), ("s3:prefix", "home/ab/docs")], ImplicitDeny),
            (V12, cond(r#"{"StringEquals":{"aws:PrincipalTag/owner":"${aws:username}"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:username", "alice"), ("aws:PrincipalTag/owner", "alice")], Allow),
            (V12, cond(r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:user/*"}}"#), &alice, "s3:GetObject", OBJ, vec![("aws:PrincipalAccount", "111122223333"), ("aws:PrincipalArn", "arn:aws:iam::111122223333:user/alice")], Allow),
            (V12, cond(r#"{"NumericEquals":{"s3:max-keys":"${s3:limit}"}}"#), &alice, "s3:GetObject", OBJ, vec![("s3:limit", "5"), ("s3:max-keys", "5")], ImplicitDeny),
        ];
        for (i, (version, statement, caller, action, resource, ctx, expected)) in
            cases.into_iter().enumerate()
        {
            assert_eq!(
                decide(version, &statement, caller, action, resource, &ctx),
                expected,
                "case {i}: {statement} {action} {resource} {ctx:?}"
            );
        }
    }
}
