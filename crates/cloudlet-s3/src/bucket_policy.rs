//! The checks PutBucketPolicy makes beyond the policy language (`cloudlet-policy` parses and
//! checks the document itself): every statement names resources, all within the bucket;
//! actions are S3's; condition keys are global (`aws:…`, not checked further, as on AWS)
//! or S3's; `IpAddress` values are addresses; and some action of a statement applies to
//! some of its resources (object actions to `bucket/…`, bucket actions to the bucket).
//! Pure; messages are S3's `MalformedPolicy` ones.

use cloudlet_policy::{Compare, Policy, PolicyKind, Statement, glob};

use crate::error::{S3Error, S3Result};

/// S3's condition keys (lowercase); those ending in `/` take a tag key after it.
const CONDITION_KEYS: &[&str] = &[
    "s3:accessgrantsinstancearn",
    "s3:accesspointnetworkorigin",
    "s3:authtype",
    "s3:buckettag/",
    "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn",
    "s3:delimiter",
    "s3:existingjoboperation",
    "s3:existingjobpriority",
    "s3:existingobjecttag/",
    "s3:if-match",
    "s3:if-none-match",
    "s3:inventoryaccessibleoptionalfields",
    "s3:jobsuspendedcause",
    "s3:locationconstraint",
    "s3:max-keys",
    "s3:objectcreationoperation",
    "s3:object-lock-legal-hold",
    "s3:object-lock-mode",
    "s3:object-lock-remaining-retention-days",
    "s3:object-lock-retain-until-date",
    "s3:prefix",
    "s3:requestjoboperation",
    "s3:requestjobpriority",
    "s3:requestobjecttag/",
    "s3:requestobjecttagkeys",
    "s3:resourceaccount",
    "s3:signatureage",
    "s3:signatureversion",
    "s3:tlsversion",
    "s3:versionid",
    "s3:x-amz-acl",
    "s3:x-amz-content-sha256",
    "s3:x-amz-copy-source",
    "s3:x-amz-grant-full-control",
    "s3:x-amz-grant-read",
    "s3:x-amz-grant-read-acp",
    "s3:x-amz-grant-write",
    "s3:x-amz-grant-write-acp",
    "s3:x-amz-metadata-directive",
    "s3:x-amz-object-ownership",
    "s3:x-amz-server-side-encryption",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "s3:x-amz-server-side-encryption-customer-algorithm",
    "s3:x-amz-storage-class",
    "s3:x-amz-website-redirect-location",
    "s3:x-amz-write-offset-bytes",
];

/// Actions that apply to objects only (lowercase, without `s3:`).
const OBJECT_ACTIONS: &[&str] = &[
    "abortmultipartupload",
    "deleteobject",
    "deleteobjecttagging",
    "deleteobjectversion",
    "deleteobjectversiontagging",
    "getobject",
    "getobjectacl",
    "getobjectattributes",
    "getobjectlegalhold",
    "getobjectretention",
    "getobjecttagging",
    "getobjectversion",
    "getobjectversionacl",
    "getobjecttorrent",
    "getobjectversiontagging",
    "listmultipartuploadparts",
    "putobject",
    "putobjectacl",
    "putobjectlegalhold",
    "putobjectretention",
    "putobjecttagging",
    "putobjectversionacl",
    "putobjectversiontagging",
    "restoreobject",
    "updateobjectencryption",
];

/// Actions that apply to buckets only (lowercase, without `s3:`).
const BUCKET_ACTIONS: &[&str] = &[
    "createbucket",
    "deletebucket",
    "deletebucketpolicy",
    "deletebucketwebsite",
    "getbucketacl",
    "getbucketcors",
    "getbucketlocation",
    "getbucketobjectlockconfiguration",
    "getbucketownershipcontrols",
    "getbucketpolicy",
    "getbucketpublicaccessblock",
    "getbuckettagging",
    "getbucketversioning",
    "getbucketwebsite",
    "getencryptionconfiguration",
    "getlifecycleconfiguration",
    "listbucket",
    "listbucketmultipartuploads",
    "listbucketversions",
    "putbucketacl",
    "putbucketcors",
    "putbucketobjectlockconfiguration",
    "putbucketownershipcontrols",
    "putbucketpolicy",
    "putbucketpublicaccessblock",
    "putbuckettagging",
    "putbucketversioning",
    "putbucketwebsite",
    "putencryptionconfiguration",
    "putlifecycleconfiguration",
];

fn malformed(m: &str) -> S3Error {
    S3Error::MalformedPolicy(m.to_string())
}

/// Whether `key` is a condition key a bucket policy may use.
fn known_condition_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.starts_with("aws:")
        || CONDITION_KEYS.iter().any(|k| match k.strip_suffix('/') {
            Some(family) => key
                .strip_prefix(family)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|tag| !tag.is_empty()),
            None => key == *k,
        })
}

/// An `IpAddress` value: an IPv4 or IPv6 address, optionally with a prefix length.
fn valid_ip(v: &str) -> bool {
    let (addr, bits) = match v.split_once('/') {
        Some((a, b)) => (a, Some(b)),
        None => (v, None),
    };
    let max = match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => 32,
        Ok(std::net::IpAddr::V6(_)) => 128,
        Err(_) => return false,
    };
    bits.is_none_or(|b| b.parse::<u8>().is_ok_and(|b| b <= max))
}

/// What a resource or action can be about.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bucket,
    Object,
    Either,
}

fn resource_kind(r: &str) -> Kind {
    let rest = r.strip_prefix("arn:aws:s3:::").unwrap_or(r);
    let bucket_part = rest.split('/').next().unwrap_or("");
    if glob::has_wildcard(bucket_part) || r == "*" {
        Kind::Either
    } else if rest.contains('/') {
        Kind::Object
    } else {
        Kind::Bucket
    }
}

fn action_kind(a: &str) -> Kind {
    let name = a.to_ascii_lowercase();
    let name = name.strip_prefix("s3:").unwrap_or(&name);
    if OBJECT_ACTIONS.contains(&name) {
        Kind::Object
    } else if BUCKET_ACTIONS.contains(&name) {
        Kind::Bucket
    } else {
        Kind::Either
    }
}

/// Whether some action of `s` can apply to some of its resources.
fn applies(s: &Statement, resources: &[String]) -> bool {
    if s.action.negated {
        return true;
    }
    s.action.items.iter().any(|a| {
        let ak = action_kind(a);
        resources.iter().any(|r| {
            let rk = resource_kind(r);
            ak == Kind::Either || rk == Kind::Either || ak == rk
        })
    })
}

/// The size S3 holds against the 20 KB limit: the document's bytes without the whitespace
/// between JSON tokens (inside strings every byte counts).
pub fn significant_len(doc: &[u8]) -> usize {
    let (mut len, mut in_string, mut escaped) = (0, false, false);
    for &b in doc {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            continue;
        } else if b == b'"' {
            in_string = true;
        }
        len += 1;
    }
    len
}

/// Validates a bucket policy for `bucket` as S3 does.
pub fn validate(text: &str, bucket: &str) -> S3Result<Policy> {
    let policy = cloudlet_policy::parse(text, PolicyKind::Resource)
        .map_err(|e| S3Error::MalformedPolicy(e.message))?;
    let own = format!("arn:aws:s3:::{bucket}");
    for s in &policy.statements {
        let Some(resources) = &s.resource else {
            return Err(malformed("Missing required field Resource"));
        };
        for r in &resources.items {
            let ok = r == &own || r.starts_with(&format!("{own}/")) || {
                // A wildcard that could cover this bucket, e.g. `arn:aws:s3:::*`.
                glob::has_wildcard(r) && glob::matches(r, &format!("{own}/x"))
            };
            if !ok {
                return Err(malformed("Policy has invalid resource"));
            }
        }
        for a in &s.action.items {
            if a != "*" && !a.to_ascii_lowercase().starts_with("s3:") {
                return Err(malformed("Policy has invalid action"));
            }
        }
        for c in &s.conditions {
            if !known_condition_key(&c.key) {
                return Err(malformed("Policy has an invalid condition key"));
            }
            if c.compare == Compare::IpAddress && !c.values.iter().all(|v| valid_ip(v)) {
                return Err(malformed("Invalid IP address in Conditions"));
            }
        }
        if !resources.negated && !applies(s, &resources.items) {
            return Err(malformed(
                "Action does not apply to any resource(s) in statement",
            ));
        }
    }
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(statement: &str) -> String {
        format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)
    }

    fn stmt(action: &str, resource: &str, condition: &str) -> String {
        let condition = if condition.is_empty() {
            String::new()
        } else {
            format!(r#","Condition":{condition}"#)
        };
        doc(&format!(
            r#"{{"Effect":"Allow","Principal":{{"AWS":"111122223333"}},"Action":{action},"Resource":{resource}{condition}}}"#
        ))
    }

    #[test]
    fn validation() {
        let cases: Vec<(String, Result<(), &str>)> = vec![
            (
                stmt(r#""s3:GetObject""#, r#""arn:aws:s3:::b/*""#, ""),
                Ok(()),
            ),
            (
                doc(r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}"#),
                Err("Missing required field Resource"),
            ),
            (
                doc(
                    r#"{"Effect":"Allow","Principal":"*","NotResource":"arn:aws:s3:::b/private/*","Action":"s3:GetObject"}"#,
                ),
                Ok(()),
            ),
            (
                doc(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#),
                Err("Missing required field Principal"),
            ),
            (
                stmt(r#""s3:GetObject""#, r#""arn:aws:s3:::other/*""#, ""),
                Err("Policy has invalid resource"),
            ),
            (stmt(r#""s3:*""#, r#""arn:aws:s3:::*""#, ""), Ok(())),
            (
                stmt(r#""iam:GetUser""#, r#""arn:aws:s3:::b/*""#, ""),
                Err("Policy has invalid action"),
            ),
            (
                stmt(r#""s3:GetObject""#, r#""arn:aws:s3:::b""#, ""),
                Err("Action does not apply to any resource(s) in statement"),
            ),
            (
                stmt(r#""s3:ListBucket""#, r#""arn:aws:s3:::b/*""#, ""),
                Err("Action does not apply to any resource(s) in statement"),
            ),
            (
                stmt(
                    r#"["s3:ListBucket","s3:GetObject"]"#,
                    r#""arn:aws:s3:::b""#,
                    "",
                ),
                Ok(()),
            ),
            (stmt(r#""s3:Get*""#, r#""arn:aws:s3:::b""#, ""), Ok(())),
            (
                stmt(r#""s3:GetObject""#, r#""arn:aws:s3:::b*""#, ""),
                Ok(()),
            ),
            (
                stmt(
                    r#""s3:ListBucket""#,
                    r#""arn:aws:s3:::b""#,
                    r#"{"StringLike":{"s3:prefix":"home/*"}}"#,
                ),
                Ok(()),
            ),
            (
                stmt(
                    r#""s3:GetObject""#,
                    r#""arn:aws:s3:::b/*""#,
                    r#"{"StringEquals":{"s3:ExistingObjectTag/team":"web","aws:MadeUpKey":"x"}}"#,
                ),
                Ok(()),
            ),
            (
                stmt(
                    r#""s3:GetObject""#,
                    r#""arn:aws:s3:::b/*""#,
                    r#"{"StringEquals":{"s3:prefixx":"a"}}"#,
                ),
                Err("Policy has an invalid condition key"),
            ),
            (
                stmt(
                    r#""s3:GetObject""#,
                    r#""arn:aws:s3:::b/*""#,
                    r#"{"StringEquals":{"s3:ExistingObjectTag/":"a"}}"#,
                ),
                Err("Policy has an invalid condition key"),
            ),
            (
                stmt(
                    r#""s3:GetObject""#,
                    r#""arn:aws:s3:::b/*""#,
                    r#"{"StringEquals":{"ec2:Region":"a"}}"#,
                ),
                Err("Policy has an invalid condition key"),
            ),
            (
                stmt(
                    r#""s3:GetObject""#,
                    r#""arn:aws:s3:::b/*""#,
                    r#"{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32","192.0.2.1"]}}"#,
                ),
                Ok(()),
            ),
            (
                stmt(
                    r#""s3:GetObject""#,
                    r#""arn:aws:s3:::b/*""#,
                    r#"{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/33"}}"#,
                ),
                Err("Invalid IP address in Conditions"),
            ),
            (
                stmt(
                    r#""s3:GetObject""#,
                    r#""arn:aws:s3:::b/*""#,
                    r#"{"IpAddress":{"aws:SourceIp":"somewhere"}}"#,
                ),
                Err("Invalid IP address in Conditions"),
            ),
            (
                stmt(
                    r#""s3:GetObject""#,
                    r#""arn:aws:s3:::b/*""#,
                    r#"{"StringEqualz":{"aws:SourceIp":"x"}}"#,
                ),
                Err("Invalid Condition type : StringEqualz"),
            ),
            (
                stmt(r#""s3:GetObject""#, r#""arn:aws:s3:::b/*""#, "")
                    .replace("2012-10-17", "2013-01-01"),
                Err("The policy must contain a valid version string"),
            ),
        ];
        for (text, want) in cases {
            let got = validate(&text, "b").map(|_| ()).map_err(|e| match e {
                S3Error::MalformedPolicy(m) => m,
                other => panic!("{other:?}"),
            });
            assert_eq!(got, want.map_err(str::to_string), "{text}");
        }
    }

    #[test]
    fn policy_size_leaves_out_whitespace_between_tokens() {
        let cases: &[(&str, usize)] = &[
            ("", 0),
            (r#"{"a":1}"#, 7),
            (" {\n\t\"a\" :  1\r\n} ", 7),
            (r#"{"a b":"c  d"}"#, 14),
            (r#"{"a\" ":" \\"}"#, 14),
            (r#"{"\\" : " "}"#, 10),
        ];
        for (text, want) in cases {
            assert_eq!(significant_len(text.as_bytes()), *want, "{text:?}");
        }
    }
}
