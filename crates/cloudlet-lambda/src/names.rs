//! Function names as Lambda accepts them: a plain name, `name:qualifier`, a partial ARN
//! (`123456789012:function:name`) or a full ARN, with AWS's validation messages. Pure.

use crate::error::LambdaError;

/// The regular expression AWS quotes when a function name is malformed.
pub const NAME_PATTERN: &str = "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";

/// A function reference taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionRef {
    pub name: String,
    pub region: Option<String>,
    pub account: Option<String>,
    pub qualifier: Option<String>,
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_qualifier(s: &str) -> bool {
    s == "$LATEST"
        || (!s.is_empty()
            && s.len() <= 128
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

fn is_region(s: &str) -> bool {
    s.split('-').count() >= 3
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_account(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses `input` given as member `member` (`functionName`, `FunctionName`).
pub fn parse(input: &str, member: &str) -> Result<FunctionRef, LambdaError> {
    let invalid = || {
        LambdaError::validation(
            input,
            member,
            &format!("Member must satisfy regular expression pattern: {NAME_PATTERN}"),
        )
    };
    if input.len() > 170 {
        return Err(LambdaError::validation(
            input,
            member,
            "Member must have length less than or equal to 170",
        ));
    }
    let parts: Vec<&str> = input.split(':').collect();
    let r = match parts.as_slice() {
        [name] => FunctionRef {
            name: (*name).into(),
            region: None,
            account: None,
            qualifier: None,
        },
        [name, q] => FunctionRef {
            name: (*name).into(),
            region: None,
            account: None,
            qualifier: Some((*q).into()),
        },
        [acct, "function", name] if is_account(acct) => FunctionRef {
            name: (*name).into(),
            region: None,
            account: Some((*acct).into()),
            qualifier: None,
        },
        [acct, "function", name, q] if is_account(acct) => FunctionRef {
            name: (*name).into(),
            region: None,
            account: Some((*acct).into()),
            qualifier: Some((*q).into()),
        },
        [
            "arn",
            partition,
            "lambda",
            region,
            acct,
            "function",
            name,
            rest @ ..,
        ] if partition.starts_with("aws")
            && is_region(region)
            && is_account(acct)
            && rest.len() <= 1 =>
        {
            FunctionRef {
                name: (*name).into(),
                region: Some((*region).into()),
                account: Some((*acct).into()),
                qualifier: rest.first().map(|q| (*q).to_string()),
            }
        }
        _ => return Err(invalid()),
    };
    if !is_name(&r.name) || r.qualifier.as_deref().is_some_and(|q| !is_qualifier(q)) {
        return Err(invalid());
    }
    Ok(r)
}

/// A name given to CreateFunction: a plain name or an ARN naming this account and region.
pub fn is_plain_name(s: &str) -> bool {
    is_name(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (name, region, account, qualifier).
    type Parts<'a> = (&'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);

    fn check(input: &str, want: Option<Parts<'_>>) {
        let got = parse(input, "functionName").ok();
        let want = want.map(|(n, r, a, q)| FunctionRef {
            name: n.into(),
            region: r.map(Into::into),
            account: a.map(Into::into),
            qualifier: q.map(Into::into),
        });
        assert_eq!(got, want, "{input}");
    }

    #[test]
    fn references() {
        check("hello", Some(("hello", None, None, None)));
        check(
            "hello:$LATEST",
            Some(("hello", None, None, Some("$LATEST"))),
        );
        check(
            "000000000000:function:hello",
            Some(("hello", None, Some("000000000000"), None)),
        );
        check(
            "arn:aws:lambda:ap-northeast-2:000000000000:function:hello",
            Some(("hello", Some("ap-northeast-2"), Some("000000000000"), None)),
        );
        check(
            "arn:aws:lambda:us-east-1:123456789012:function:hello:prod",
            Some((
                "hello",
                Some("us-east-1"),
                Some("123456789012"),
                Some("prod"),
            )),
        );
        check("bad name", None);
        check("", None);
        check("a:b:c", None);
        check("arn:aws:s3:::bucket", None);
        check(&"x".repeat(65), None);
    }

    #[test]
    fn message() {
        let e = parse("bad name", "functionName").unwrap_err().to_string();
        assert!(e.starts_with("1 validation error detected: Value 'bad name' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:"), "{e}");
    }
}
