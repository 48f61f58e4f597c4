//! Combining the policies of one request, as AWS does within an account and across
//! accounts: an explicit `Deny` in any policy wins; within one account an `Allow` from
//! either the identity policies or the resource policy suffices; across accounts both the
//! caller's identity policies and the resource's policy must allow.

use crate::document::Policy;
use crate::eval::{Decision, Request, evaluate_all};

/// Whether the caller belongs to the account that owns the resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accounts {
    Same,
    Cross,
}

/// The decision for `req` given the caller's identity policies and the resource's policy.
pub fn authorize(
    identity: &[&Policy],
    resource: Option<&Policy>,
    accounts: Accounts,
    req: &Request<'_>,
) -> Decision {
    let by_identity = evaluate_all(identity.iter().copied(), req);
    let by_resource = resource.map_or(Decision::ImplicitDeny, |p| p.evaluate(req));
    use Decision::*;
    match (by_identity, by_resource, accounts) {
        (ExplicitDeny, _, _) | (_, ExplicitDeny, _) => ExplicitDeny,
        (Allow, _, Accounts::Same) | (_, Allow, Accounts::Same) => Allow,
        (Allow, Allow, Accounts::Cross) => Allow,
        _ => ImplicitDeny,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::condition::Context;
    use crate::document::{PolicyKind, parse};
    use crate::eval::Caller;

    const OBJECT: &str = "arn:aws:s3:::shared/report.csv";

    fn policy(effect: &str, principal: Option<&str>) -> Policy {
        let principal = principal.map_or(String::new(), |p| format!(r#""Principal":{p},"#));
        let kind = if principal.is_empty() {
            PolicyKind::Identity
        } else {
            PolicyKind::Resource
        };
        let doc = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}",{principal}"Action":"s3:GetObject","Resource":"{OBJECT}"}}]}}"#
        );
        parse(&doc, kind).unwrap()
    }

    #[test]
    fn same_account_either_allows_cross_account_both_must() {
        use Decision::*;
        let alice = Caller::Aws {
            account: "111122223333".into(),
            arn: "arn:aws:iam::111122223333:user/alice".into(),
            role_arn: None,
        };
        let id_allow = policy("Allow", None);
        let id_deny = policy("Deny", None);
        let res_allow = policy(
            "Allow",
            Some(r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#),
        );
        let res_deny = policy("Deny", Some(r#""*""#));
        let res_other = policy("Allow", Some(r#"{"AWS":"444455556666"}"#));
        let ctx = Context::new();
        let req = Request {
            caller: &alice,
            action: "s3:GetObject",
            resource: OBJECT,
            context: &ctx,
        };
        type Case<'a> = (Vec<&'a Policy>, Option<&'a Policy>, Accounts, Decision);
        let cases: Vec<Case> = vec![
            // Within one account, either kind of policy grants access.
            (vec![&id_allow], None, Accounts::Same, Allow),
            (vec![], Some(&res_allow), Accounts::Same, Allow),
            (vec![&id_allow], Some(&res_allow), Accounts::Same, Allow),
            (vec![], None, Accounts::Same, ImplicitDeny),
            (vec![], Some(&res_other), Accounts::Same, ImplicitDeny),
            // Across accounts, both must.
            (vec![&id_allow], None, Accounts::Cross, ImplicitDeny),
            (vec![], Some(&res_allow), Accounts::Cross, ImplicitDeny),
            (vec![&id_allow], Some(&res_allow), Accounts::Cross, Allow),
            (
                vec![&id_allow],
                Some(&res_other),
                Accounts::Cross,
                ImplicitDeny,
            ),
            // An explicit deny anywhere wins.
            (
                vec![&id_allow, &id_deny],
                Some(&res_allow),
                Accounts::Same,
                ExplicitDeny,
            ),
            (
                vec![&id_allow],
                Some(&res_deny),
                Accounts::Same,
                ExplicitDeny,
            ),
            (
                vec![&id_deny],
                Some(&res_allow),
                Accounts::Cross,
                ExplicitDeny,
            ),
            (
                vec![&id_allow],
                Some(&res_deny),
                Accounts::Cross,
                ExplicitDeny,
            ),
        ];
        for (i, (identity, resource, accounts, expected)) in cases.into_iter().enumerate() {
            assert_eq!(
                authorize(&identity, resource, accounts, &req),
                expected,
                "case {i}"
            );
        }
    }
}
