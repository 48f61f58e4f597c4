//! Function resource policies: building the statement AddPermission stores (in AWS's JSON
//! shape), rendering the policy document GetPolicy returns, and deciding whether a service
//! principal (API Gateway) may invoke the function. Pure.

use serde_json::{Value, json};

use crate::error::LambdaError;

/// AddPermission's input members that shape the statement.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionInput {
    pub statement_id: Option<String>,
    pub action: Option<String>,
    pub principal: Option<String>,
    pub source_arn: Option<String>,
    pub source_account: Option<String>,
    pub event_source_token: Option<String>,
    pub principal_org_i_d: Option<String>,
    pub revision_id: Option<String>,
}

fn valid_sid(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn valid_action(a: &str) -> bool {
    a == "*"
        || a == "lambda:*"
        || a.strip_prefix("lambda:")
            .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// The statement AWS stores for `input` on the function `resource`.
pub fn statement(input: &PermissionInput, resource: &str) -> Result<(String, Value), LambdaError> {
    let sid = input
        .statement_id
        .as_deref()
        .ok_or_else(|| LambdaError::validation("null", "statementId", "Member must not be null"))?;
    if !valid_sid(sid) {
        return Err(LambdaError::validation(
            sid,
            "statementId",
            "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
        ));
    }
    let action = input
        .action
        .as_deref()
        .ok_or_else(|| LambdaError::validation("null", "action", "Member must not be null"))?;
    if !valid_action(action) {
        return Err(LambdaError::validation(
            action,
            "action",
            "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])",
        ));
    }
    let principal = input
        .principal
        .as_deref()
        .ok_or_else(|| LambdaError::validation("null", "principal", "Member must not be null"))?;
    let principal_json = if principal == "*" {
        json!("*")
    } else if principal.len() == 12 && principal.bytes().all(|b| b.is_ascii_digit()) {
        json!({ "AWS": format!("arn:aws:iam::{principal}:root") })
    } else if principal.starts_with("arn:") {
        json!({ "AWS": principal })
    } else if principal.contains('.') {
        json!({ "Service": principal })
    } else {
        return Err(LambdaError::InvalidParameter(
            "The provided principal was invalid. Please check the principal and try again.".into(),
        ));
    };
    let mut condition = serde_json::Map::new();
    if let Some(arn) = &input.source_arn {
        condition.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
    }
    let mut equals = serde_json::Map::new();
    if let Some(acct) = &input.source_account {
        equals.insert("AWS:SourceAccount".into(), json!(acct));
    }
    if let Some(org) = &input.principal_org_i_d {
        equals.insert("aws:PrincipalOrgID".into(), json!(org));
    }
    if let Some(tok) = &input.event_source_token {
        equals.insert("lambda:EventSourceToken".into(), json!(tok));
    }
    if !equals.is_empty() {
        condition.insert("StringEquals".into(), Value::Object(equals));
    }
    let mut st = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal_json,
        "Action": action,
        "Resource": resource,
    });
    if !condition.is_empty() {
        st["Condition"] = Value::Object(condition);
    }
    Ok((sid.to_string(), st))
}

/// The policy document GetPolicy returns (as a string inside its JSON).
pub fn document(statements: &[Value]) -> String {
    json!({ "Version": "2012-10-17", "Id": "default", "Statement": statements }).to_string()
}

/// `*` and `?` wildcard matching as `ArnLike`/`StringLike` do it.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Whether `statements` let `service` invoke the function on behalf of `source_arn`.
pub fn service_may_invoke(statements: &[Value], service: &str, source_arn: &str) -> bool {
    statements.iter().any(|st| {
        if st["Effect"] != "Allow" {
            return false;
        }
        let principal_ok =
            st["Principal"] == "*" || strings(&st["Principal"]["Service"]).contains(&service);
        let action_ok = strings(&st["Action"])
            .iter()
            .any(|a| matches!(*a, "lambda:InvokeFunction" | "lambda:*" | "*"));
        let cond = &st["Condition"];
        let arn_ok = ["ArnLike", "ArnEquals", "StringLike", "StringEquals"]
            .iter()
            .all(|op| {
                let want = &cond[*op]["AWS:SourceArn"];
                if want.is_null() {
                    return true;
                }
                strings(want).iter().any(|p| {
                    if op.ends_with("Like") {
                        wildcard(p, source_arn)
                    } else {
                        *p == source_arn
                    }
                })
            });
        principal_ok && action_ok && arn_ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        let cases = [
            (
                "arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/hello",
                "arn:aws:execute-api:us-east-1:000000000000:abc/dev/GET/hello",
                true,
            ),
            (
                "arn:aws:execute-api:us-east-1:000000000000:abc/*/*/*",
                "arn:aws:execute-api:us-east-1:000000000000:abc/dev/GET/",
                true,
            ),
            (
                "arn:aws:execute-api:us-east-1:000000000000:abc/*",
                "arn:aws:execute-api:us-east-1:000000000000:xyz/dev/GET/",
                false,
            ),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("*", "", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
        ];
        for (p, t, want) in cases {
            assert_eq!(wildcard(p, t), want, "{p} ~ {t}");
        }
    }

    fn input(principal: &str, source_arn: Option<&str>) -> PermissionInput {
        PermissionInput {
            statement_id: Some("s1".into()),
            action: Some("lambda:InvokeFunction".into()),
            principal: Some(principal.into()),
            source_arn: source_arn.map(Into::into),
            ..PermissionInput::default()
        }
    }

    #[test]
    fn statements_and_decisions() {
        let (_, st) = statement(
            &input(
                "apigateway.amazonaws.com",
                Some("arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/hello"),
            ),
            "arn:aws:lambda:us-east-1:000000000000:function:f",
        )
        .unwrap();
        assert_eq!(
            st.to_string(),
            r#"{"Action":"lambda:InvokeFunction","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:000000000000:abc/*/GET/hello"}},"Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Resource":"arn:aws:lambda:us-east-1:000000000000:function:f","Sid":"s1"}"#
        );
        let s = vec![st];
        let cases = [
            (
                "apigateway.amazonaws.com",
                "arn:aws:execute-api:us-east-1:000000000000:abc/dev/GET/hello",
                true,
            ),
            (
                "apigateway.amazonaws.com",
                "arn:aws:execute-api:us-east-1:000000000000:abc/dev/POST/hello",
                false,
            ),
            (
                "s3.amazonaws.com",
                "arn:aws:execute-api:us-east-1:000000000000:abc/dev/GET/hello",
                false,
            ),
        ];
        for (svc, arn, want) in cases {
            assert_eq!(service_may_invoke(&s, svc, arn), want, "{svc} {arn}");
        }
        assert!(!service_may_invoke(&[], "apigateway.amazonaws.com", "x"));
        let (_, open) = statement(&input("apigateway.amazonaws.com", None), "r").unwrap();
        assert!(service_may_invoke(
            &[open],
            "apigateway.amazonaws.com",
            "anything"
        ));
        assert!(statement(&input("nobody", None), "r").is_err());
    }
}
