//! Policy documents: the checks IAM makes before storing an identity policy or a role's
//! trust policy (`MalformedPolicyDocument` with AWS's messages), and the URL encoding IAM
//! applies to every document it returns. Pure: no state, no evaluation of permissions.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};

use crate::error::IamError;

/// What a document is used as; trust policies name principals instead of resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Inline and managed policies attached to identities.
    Identity,
    /// A role's `AssumeRolePolicyDocument`.
    Trust,
}

const TOP: [&str; 3] = ["Version", "Id", "Statement"];
const STATEMENT: [&str; 9] = [
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];

fn malformed(msg: impl Into<String>) -> IamError {
    IamError::MalformedPolicyDocument(msg.into())
}

/// Checks `doc` as a policy of `kind`.
pub fn validate(doc: &str, kind: Kind) -> Result<(), IamError> {
    let syntax = || malformed("Syntax errors in policy.");
    let json: Value = serde_json::from_str(doc).map_err(|_| match kind {
        Kind::Trust => malformed("This policy contains invalid Json"),
        Kind::Identity => syntax(),
    })?;
    let top = json.as_object().ok_or_else(syntax)?;
    if top.keys().any(|k| !TOP.contains(&k.as_str())) {
        return Err(syntax());
    }
    match top.get("Version") {
        None => {}
        Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => {}
        Some(_) => return Err(syntax()),
    }
    if top.get("Id").is_some_and(|v| !v.is_string()) {
        return Err(syntax());
    }
    let statements: Vec<&Map<String, Value>> = match top.get("Statement") {
        Some(Value::Object(s)) => vec![s],
        Some(Value::Array(list)) => list
            .iter()
            .map(|s| s.as_object().ok_or_else(syntax))
            .collect::<Result<_, _>>()?,
        _ => return Err(syntax()),
    };
    for s in &statements {
        statement_syntax(s).ok_or_else(syntax)?;
    }
    let mut sids: Vec<&str> = statements
        .iter()
        .filter_map(|s| s.get("Sid").and_then(Value::as_str))
        .filter(|s| !s.is_empty())
        .collect();
    sids.sort_unstable();
    if sids.windows(2).any(|w| w[0] == w[1]) {
        return Err(malformed(
            "Statement IDs (SID) in a single policy must be unique.",
        ));
    }
    for s in &statements {
        if !s.contains_key("Action") && !s.contains_key("NotAction") {
            return Err(malformed("Policy statement must contain actions."));
        }
        match kind {
            Kind::Identity => {
                if s.contains_key("Principal") || s.contains_key("NotPrincipal") {
                    return Err(malformed("Policy document should not specify a principal."));
                }
                if !s.contains_key("Resource") && !s.contains_key("NotResource") {
                    return Err(malformed("Policy statement must contain resources."));
                }
            }
            Kind::Trust => {
                if s.contains_key("Resource") || s.contains_key("NotResource") {
                    return Err(malformed("Has prohibited field Resource."));
                }
            }
        }
        for key in ["Resource", "NotResource"] {
            for r in strings(s.get(key)) {
                if r != "*" && !r.starts_with("arn:") {
                    return Err(malformed(format!(
                        "Resource {r} must be in ARN format or \"*\"."
                    )));
                }
            }
        }
        for key in ["Action", "NotAction"] {
            for a in strings(s.get(key)) {
                let vendor_ok = a
                    .split_once(':')
                    .is_some_and(|(v, rest)| !v.is_empty() && !rest.is_empty());
                if a != "*" && !vendor_ok {
                    return Err(malformed(
                        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The structural checks of one statement; `None` means a syntax error.
fn statement_syntax(s: &Map<String, Value>) -> Option<()> {
    if s.keys().any(|k| !STATEMENT.contains(&k.as_str())) {
        return None;
    }
    match s.get("Effect") {
        Some(Value::String(e)) if e == "Allow" || e == "Deny" => {}
        _ => return None,
    }
    let both = |a: &str, b: &str| s.contains_key(a) && s.contains_key(b);
    if both("Action", "NotAction")
        || both("Resource", "NotResource")
        || both("Principal", "NotPrincipal")
    {
        return None;
    }
    for key in ["Action", "NotAction", "Resource", "NotResource"] {
        match s.get(key) {
            None => {}
            Some(Value::String(_)) => {}
            Some(Value::Array(list)) if !list.is_empty() && list.iter().all(Value::is_string) => {}
            Some(_) => return None,
        }
    }
    if s.get("Sid").is_some_and(|v| !v.is_string()) {
        return None;
    }
    if s.get("Condition").is_some_and(|v| !v.is_object()) {
        return None;
    }
    for key in ["Principal", "NotPrincipal"] {
        match s.get(key) {
            None => {}
            Some(Value::String(p)) if p == "*" => {}
            Some(Value::Object(m)) if !m.is_empty() => {}
            Some(_) => return None,
        }
    }
    Some(())
}

/// A string-or-list-of-strings element as a list.
fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s],
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
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
        let cases: [(&str, Kind, Option<&str>); 14] = [
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
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"x"},"Resource":"*"}]}"#,
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
