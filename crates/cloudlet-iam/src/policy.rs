//! Policy documents: the checks IAM makes before storing an identity policy or a role's
//! trust policy — `cloudlet-policy`'s parser, the one services evaluate with, and IAM's own
//! rules, refused as `MalformedPolicyDocument` with IAM's messages — and the URL encoding
//! IAM applies to every document it returns. Pure: no state, no evaluation of permissions.

use cloudlet_policy::{PolicyError, PolicyKind, Problem};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::IamError;

/// What a document is used as; trust policies name principals instead of resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Inline and managed policies attached to identities.
    Identity,
    /// A role's `AssumeRolePolicyDocument`.
    Trust,
}

fn malformed(msg: impl Into<String>) -> IamError {
    IamError::MalformedPolicyDocument(msg.into())
}

/// IAM's wording of what the policy language refused.
fn message(e: &PolicyError, kind: Kind) -> String {
    match &e.problem {
        Problem::NotJson if kind == Kind::Trust => "This policy contains invalid Json".into(),
        Problem::NotJson | Problem::Syntax => "Syntax errors in policy.".into(),
        Problem::PrincipalForbidden => "Policy document should not specify a principal.".into(),
        Problem::MissingAction => "Policy statement must contain actions.".into(),
        Problem::InvalidAction(_) => {
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.".into()
        }
        Problem::MissingResource => "Policy statement must contain resources.".into(),
        Problem::InvalidResource(r) => format!("Resource {r} must be in ARN format or \"*\"."),
        Problem::MissingPrincipal | Problem::InvalidPrincipal | Problem::InvalidCondition => {
            e.message.clone()
        }
    }
}

/// Checks `doc` as a policy of `kind`: parsed by the policy language services evaluate
/// with (so IAM stores nothing they cannot read), then IAM's own rules — no `Resource` in
/// a trust policy, unique statement ids.
pub fn validate(doc: &str, kind: Kind) -> Result<(), IamError> {
    let language = match kind {
        Kind::Identity => PolicyKind::Identity,
        Kind::Trust => PolicyKind::Resource,
    };
    let policy = cloudlet_policy::parse(doc, language).map_err(|e| malformed(message(&e, kind)))?;
    if kind == Kind::Trust && policy.statements.iter().any(|s| s.resource.is_some()) {
        return Err(malformed("Has prohibited field Resource."));
    }
    let mut sids: Vec<&str> = policy
        .statements
        .iter()
        .filter_map(|s| s.sid.as_deref())
        .filter(|s| !s.is_empty())
        .collect();
    sids.sort_unstable();
    if sids.windows(2).any(|w| w[0] == w[1]) {
        return Err(malformed(
            "Statement IDs (SID) in a single policy must be unique.",
        ));
    }
    Ok(())
}

const ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'*');

/// A document as IAM returns it: URL-encoded, spaces as `%20`.
pub fn url_encode(doc: &str) -> String {
    utf8_percent_encode(doc, ENCODE).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(doc: &str, kind: Kind) -> Option<String> {
        validate(doc, kind).err().map(|e| e.to_string())
    }

    #[test]
    fn documents() {
        let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let identity = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["dynamodb:PutItem"],"Resource":"arn:aws:dynamodb:ap-northeast-2:000000000000:table/*"}}"#;
        let cases: [(&str, Kind, Option<&str>); 20] = [
            (trust, Kind::Trust, None),
            (identity, Kind::Identity, None),
            (
                "not json",
                Kind::Trust,
                Some("This policy contains invalid Json"),
            ),
            ("not json", Kind::Identity, Some("Syntax errors in policy.")),
            ("[]", Kind::Identity, Some("Syntax errors in policy.")),
            (
                r#"{"Version":"2012-10-17"}"#,
                Kind::Identity,
                Some("Syntax errors in policy."),
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}"#,
                Kind::Identity,
                Some("Syntax errors in policy."),
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
                Kind::Identity,
                Some("Policy statement must contain actions."),
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}"#,
                Kind::Identity,
                Some("Policy statement must contain resources."),
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"lambda.amazonaws.com"},"Resource":"*"}]}"#,
                Kind::Trust,
                Some("Has prohibited field Resource."),
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}]}"#,
                Kind::Identity,
                Some("Resource bucket must be in ARN format or \"*\"."),
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}"#,
                Kind::Identity,
                Some("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
            ),
            (
                r#"{"Statement":[{"Sid":"a","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"a","Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#,
                Kind::Identity,
                Some("Statement IDs (SID) in a single policy must be unique."),
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Principal":"*"}]}"#,
                Kind::Identity,
                Some("Policy document should not specify a principal."),
            ),
            // What the policy language refuses, in IAM's words.
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"a"}}}]}"#,
                Kind::Identity,
                Some("Invalid Condition type : StringEqualz"),
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","NotAction":"s3:Get*","Resource":"*"}]}"#,
                Kind::Identity,
                Some("Syntax errors in policy."),
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}"#,
                Kind::Trust,
                Some("Missing required field Principal"),
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"sts:AssumeRole"}]}"#,
                Kind::Trust,
                Some("Invalid principal in policy"),
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}],"Extra":1}"#,
                Kind::Identity,
                Some("Syntax errors in policy."),
            ),
            // Service prefixes and action names are case-insensitive.
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"S3:getobject","Resource":"*"}]}"#,
                Kind::Identity,
                None,
            ),
        ];
        for (doc, kind, want) in cases {
            assert_eq!(check(doc, kind).as_deref(), want, "{doc}");
        }
    }

    #[test]
    fn encoding() {
        assert_eq!(
            url_encode(r#"{"A": "s3:*"}"#),
            "%7B%22A%22%3A%20%22s3%3A*%22%7D"
        );
    }
}
