//! "Is this policy public?" as S3 Block Public Access defines it: a policy is public when an
//! `Allow` statement grants access to a wildcard principal (or uses `NotPrincipal`) without
//! pinning the request to fixed values of one of the keys AWS treats as restricting
//! (`aws:SourceArn`, `aws:SourceAccount`, `aws:SourceVpc(e)`, `aws:PrincipalOrgID`,
//! `aws:PrincipalAccount`, `aws:SourceIp` narrower than /8,
//! `s3:x-amz-server-side-encryption-aws-kms-key-id`, …). A fixed value holds neither a
//! wildcard nor a policy variable.

use crate::condition::{Compare, Condition};
use crate::document::{Effect, Policy, Principals};
use crate::glob;

/// Keys whose fixed values make a statement non-public.
const RESTRICTING_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:userid",
    "aws:principalorgpaths",
    "aws:sourceip",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
];

impl Policy {
    /// Whether Block Public Access considers this policy public.
    pub fn is_public(&self) -> bool {
        self.statements.iter().any(|s| {
            if s.effect != Effect::Allow {
                return false;
            }
            let wildcard_principal = match &s.principal {
                None => false,
                Some(p) if p.negated => true,
                Some(p) => match &p.items {
                    Principals::Any => true,
                    Principals::Typed(map) => map.values().flatten().any(|v| glob::has_wildcard(v)),
                },
            };
            wildcard_principal && !s.conditions.iter().any(|c| restricts(c, s.variables))
        })
    }
}

/// Whether a condition pins a restricting key to fixed values: no wildcard, and — where
/// the statement expands them (`variables`) — no `${…}` policy variable.
fn restricts(c: &Condition, variables: bool) -> bool {
    let key = c.key.to_ascii_lowercase();
    if c.negated
        || c.if_exists
        || c.qualifier.is_some()
        || !RESTRICTING_KEYS.contains(&key.as_str())
        || c.values
            .iter()
            .any(|v| glob::has_wildcard(v) || (variables && has_variable(v)))
    {
        return false;
    }
    match c.compare {
        Compare::IpAddress => c.values.iter().all(|v| narrow_cidr(v)),
        Compare::StringEquals
        | Compare::StringEqualsIgnoreCase
        | Compare::StringLike
        | Compare::ArnLike => key != "aws:sourceip",
        _ => false,
    }
}

/// Whether `v` holds a policy variable (`${*}`, `${?}` and `${$}` are literal characters).
fn has_variable(v: &str) -> bool {
    v.split("${").skip(1).any(|rest| {
        rest.split_once('}')
            .is_some_and(|(inner, _)| !matches!(inner.trim(), "*" | "?" | "$"))
    })
}

/// AWS treats IPv4 ranges wider than /8 and IPv6 ranges wider than /32 as public.
fn narrow_cidr(v: &str) -> bool {
    let (addr, bits) = match v.split_once('/') {
        Some((a, b)) => (a, b.parse::<u32>().ok()),
        None => (v, Some(128)),
    };
    match (addr.contains(':'), bits) {
        (false, Some(b)) => b >= 8,
        (true, Some(b)) => b >= 32,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::document::{PolicyKind, parse};

    fn check(statement: &str, expected: bool) {
        let doc = format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#);
        let p = parse(&doc, PolicyKind::Resource).unwrap();
        assert_eq!(p.is_public(), expected, "{statement}");
    }

    #[test]
    fn public_per_block_public_access() {
        let cases = [
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::*:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
                true,
            ),
            (
                r#"{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
                false,
            ),
            (
                r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
                false,
            ),
            (
                r#"{"Effect":"Allow","Principal":{"Service":"cloudfront.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
                false,
            ),
            (
                r#"{"Effect":"Allow","NotPrincipal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}"#,
                false,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringLike":{"aws:SourceAccount":"1111*"}}}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:cloudfront::1:distribution/E1"}}}"#,
                false,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}"#,
                false,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}}}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringNotEquals":{"aws:SourceAccount":"1"}}}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"arn:aws:kms:us-east-1:1:key/k"}}}"#,
                false,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceAccount":"${aws:PrincipalAccount}"}}}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-${aws:username}"}}}"#,
                true,
            ),
            (
                r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-${$}1"}}}"#,
                false,
            ),
        ];
        for (s, e) in cases {
            check(s, e);
        }
    }
}
