//! The model constraints of IAM and STS parameters (length, pattern, range), checked the way
//! AWS checks them before an operation runs, with AWS's `ValidationError` messages.
//!
//! Pure: knows nothing of stored state.

use crate::error::IamError;

/// One string constraint from the service model.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    /// The parameter's name as AWS's messages spell it (`roleName`).
    pub field: &'static str,
    pub min: usize,
    pub max: usize,
    /// The model's pattern, as printed in the message, and a checker for it.
    pub pattern: Option<Pattern>,
}

/// A model pattern as printed in messages, and a checker for it.
pub type Pattern = (&'static str, fn(&str) -> bool);

fn word_plus(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

fn word(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn path(s: &str) -> bool {
    s == "/"
        || (s.len() >= 3
            && s.starts_with('/')
            && s.ends_with('/')
            && s.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c)))
}

fn path_prefix(s: &str) -> bool {
    s.starts_with('/') && s.chars().all(|c| ('\u{21}'..='\u{7f}').contains(&c))
}

fn policy_path(s: &str) -> bool {
    s.starts_with('/')
        && s.ends_with('/')
        && !s.contains("//")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/.,+@=_-".contains(c))
}

fn document(s: &str) -> bool {
    s.chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{ff}'))
}

fn description(s: &str) -> bool {
    s.chars()
        .all(|c| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a1}'..='\u{ff}'))
}

fn latin1(s: &str) -> bool {
    s.chars().all(|c| ('\u{20}'..='\u{ff}').contains(&c))
}

fn tag_key(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
}

fn version_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let (num, suffix) = rest.split_once('.').unwrap_or((rest, ""));
    num.starts_with(|c: char| ('1'..='9').contains(&c))
        && num.chars().all(|c| c.is_ascii_digit())
        && suffix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
}

const NAME_PATTERN: &str = "[\\w+=,.@-]+";

pub const ROLE_NAME: Rule = Rule {
    field: "roleName",
    min: 1,
    max: 64,
    pattern: Some((NAME_PATTERN, word_plus)),
};
pub const POLICY_NAME: Rule = Rule {
    field: "policyName",
    min: 1,
    max: 128,
    pattern: Some((NAME_PATTERN, word_plus)),
};
pub const USER_NAME: Rule = Rule {
    field: "userName",
    min: 1,
    max: 64,
    pattern: Some((NAME_PATTERN, word_plus)),
};
pub const EXISTING_USER_NAME: Rule = Rule {
    max: 128,
    ..USER_NAME
};
pub const PATH: Rule = Rule {
    field: "path",
    min: 1,
    max: 512,
    pattern: Some(("(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", path)),
};
pub const PATH_PREFIX: Rule = Rule {
    field: "pathPrefix",
    min: 1,
    max: 512,
    pattern: Some(("\\u002F[\\u0021-\\u007F]*", path_prefix)),
};
pub const POLICY_PATH: Rule = Rule {
    field: "path",
    min: 1,
    max: 512,
    pattern: Some(("((/[A-Za-z0-9\\.,\\+@=_-]+)*)/", policy_path)),
};
pub const POLICY_PATH_PREFIX: Rule = Rule {
    field: "pathPrefix",
    min: 1,
    max: 512,
    pattern: Some(("((/[A-Za-z0-9\\.,\\+@=_-]+)*)/", policy_path)),
};
const DOC_PATTERN: &str = "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+";
pub const TRUST_DOCUMENT: Rule = Rule {
    field: "assumeRolePolicyDocument",
    min: 1,
    max: 131_072,
    pattern: Some((DOC_PATTERN, document)),
};
pub const POLICY_DOCUMENT: Rule = Rule {
    field: "policyDocument",
    ..TRUST_DOCUMENT
};
pub const ROLE_DESCRIPTION: Rule = Rule {
    field: "description",
    min: 0,
    max: 1000,
    pattern: Some((
        "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*",
        description,
    )),
};
pub const POLICY_DESCRIPTION: Rule = Rule {
    field: "description",
    min: 0,
    max: 1000,
    pattern: None,
};
pub const POLICY_ARN: Rule = Rule {
    field: "policyArn",
    min: 20,
    max: 2048,
    pattern: None,
};
pub const ROLE_ARN: Rule = Rule {
    field: "roleArn",
    ..POLICY_ARN
};
pub const MARKER: Rule = Rule {
    field: "marker",
    min: 1,
    max: 320,
    pattern: Some(("[\\u0020-\\u00FF]+", latin1)),
};
pub const ACCESS_KEY_ID: Rule = Rule {
    field: "accessKeyId",
    min: 16,
    max: 128,
    pattern: Some(("[\\w]+", word)),
};
pub const TAG_KEY: Rule = Rule {
    field: "tags.X.member.key",
    min: 1,
    max: 128,
    pattern: Some(("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+", tag_key)),
};
pub const TAG_VALUE: Rule = Rule {
    field: "tags.X.member.value",
    min: 0,
    max: 256,
    pattern: Some(("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*", tag_key)),
};
pub const VERSION_ID: Rule = Rule {
    field: "versionId",
    min: 0,
    max: 128,
    pattern: Some(("v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?", version_id)),
};
pub const SESSION_NAME: Rule = Rule {
    field: "roleSessionName",
    min: 2,
    max: 64,
    pattern: Some(("[\\w+=,.@-]*", word_plus)),
};

/// Checks `value` against `rule` (length in characters, then pattern).
pub fn check(rule: &Rule, value: &str) -> Result<(), IamError> {
    let len = value.chars().count();
    if len < rule.min {
        return Err(IamError::constraint(
            Some(value),
            rule.field,
            &format!(
                "Member must have length greater than or equal to {}",
                rule.min
            ),
        ));
    }
    if len > rule.max {
        return Err(IamError::constraint(
            Some(value),
            rule.field,
            &format!("Member must have length less than or equal to {}", rule.max),
        ));
    }
    if let Some((pattern, ok)) = rule.pattern
        && !ok(value)
    {
        return Err(IamError::constraint(
            Some(value),
            rule.field,
            &format!("Member must satisfy regular expression pattern: {pattern}"),
        ));
    }
    Ok(())
}

/// Checks an optional integer parameter against `min..=max`.
pub fn int(value: Option<&str>, field: &str, min: i64, max: i64) -> Result<Option<i64>, IamError> {
    let Some(raw) = value else { return Ok(None) };
    let n: i64 = raw
        .trim()
        .parse()
        .map_err(|_| IamError::Validation(format!("Invalid value for parameter {field}: {raw}")))?;
    if n < min {
        return Err(IamError::constraint(
            Some(raw),
            field,
            &format!("Member must have value greater than or equal to {min}"),
        ));
    }
    if n > max {
        return Err(IamError::constraint(
            Some(raw),
            field,
            &format!("Member must have value less than or equal to {max}"),
        ));
    }
    Ok(Some(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_msg(rule: &Rule, value: &str) -> Option<String> {
        check(rule, value).err().map(|e| e.to_string())
    }

    #[test]
    fn constraints() {
        let cases: [(&Rule, &str, Option<&str>); 14] = [
            (&ROLE_NAME, "my-lambda-role", None),
            (&ROLE_NAME, "a+b=c,d.e@f_g", None),
            (
                &ROLE_NAME,
                "bad name",
                Some(
                    "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
                ),
            ),
            (
                &ROLE_NAME,
                "",
                Some(
                    "1 validation error detected: Value '' at 'roleName' failed to satisfy constraint: Member must have length greater than or equal to 1",
                ),
            ),
            (
                &ROLE_NAME,
                &"r".repeat(65),
                Some(
                    "1 validation error detected: Value 'rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64",
                ),
            ),
            (&PATH, "/", None),
            (&PATH, "/service-role/", None),
            (
                &PATH,
                "nope",
                Some(
                    "1 validation error detected: Value 'nope' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
                ),
            ),
            (
                &PATH,
                "//",
                Some(
                    "1 validation error detected: Value '//' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
                ),
            ),
            (&VERSION_ID, "v12", None),
            (
                &VERSION_ID,
                "v0",
                Some(
                    "1 validation error detected: Value 'v0' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?",
                ),
            ),
            (
                &SESSION_NAME,
                "a",
                Some(
                    "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2",
                ),
            ),
            (&POLICY_PATH, "/a/b/", None),
            (
                &TRUST_DOCUMENT,
                "{\"a\":\"\u{263a}\"}",
                Some(
                    "1 validation error detected: Value '{\"a\":\"\u{263a}\"}' at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+",
                ),
            ),
        ];
        for (rule, value, want) in cases {
            assert_eq!(check_msg(rule, value).as_deref(), want, "{value}");
        }
    }

    #[test]
    fn integers() {
        type Case<'a> = (Option<&'a str>, Result<Option<i64>, &'a str>);
        let cases: [Case; 4] = [
            (None, Ok(None)),
            (Some("3600"), Ok(Some(3600))),
            (
                Some("10"),
                Err(
                    "1 validation error detected: Value '10' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
                ),
            ),
            (
                Some("50000"),
                Err(
                    "1 validation error detected: Value '50000' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200",
                ),
            ),
        ];
        for (value, want) in cases {
            let got = int(value, "maxSessionDuration", 3600, 43200).map_err(|e| e.to_string());
            assert_eq!(got, want.map_err(str::to_string), "{value:?}");
        }
    }
}
