//! The policy document of a browser-based (POST form) upload: base64 JSON with an
//! `expiration` and `conditions` — exact matches (`{"acl": "private"}`, `["eq", "$key", v]`),
//! prefixes (`["starts-with", "$key", "user/"]`) and `["content-length-range", min, max]`.
//! Every form field but the signature, the policy, the file and `x-ignore-*` must be named
//! by a condition, and so must the bucket posted to (S3: "Extra input fields: bucket"). Pure: the caller brings the fields and the clock; messages are S3's.

use base64::Engine;
use serde_json::Value;

/// One condition of a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    Eq { field: String, value: String },
    StartsWith { field: String, prefix: String },
    ContentLengthRange { min: u64, max: u64 },
}

impl Condition {
    /// The condition as S3 quotes it in `Policy Condition failed: …`.
    pub fn describe(&self) -> String {
        match self {
            Condition::Eq { field, value } => format!("[\"eq\", \"${field}\", \"{value}\"]"),
            Condition::StartsWith { field, prefix } => {
                format!("[\"starts-with\", \"${field}\", \"{prefix}\"]")
            }
            Condition::ContentLengthRange { min, max } => {
                format!("[\"content-length-range\", {min}, {max}]")
            }
        }
    }
}

/// A decoded policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Seconds since the epoch.
    pub expiration: u64,
    pub conditions: Vec<Condition>,
}

/// Why a policy refuses an upload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PolicyError {
    /// `InvalidPolicyDocument` (400).
    Invalid(String),
    /// `AccessDenied` (403) with this message.
    Denied(String),
}

fn invalid(m: &str) -> PolicyError {
    PolicyError::Invalid(format!("Invalid Policy: {m}"))
}

/// Seconds since the epoch of `2026-12-01T12:00:00.000Z` (fraction optional).
pub fn parse_iso(s: &str) -> Option<u64> {
    let s = s.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let time = time.split('.').next()?;
    let d: Vec<u64> = date
        .split('-')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let t: Vec<u64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let ([y, mo, da], [h, mi, se]) = (d.as_slice(), t.as_slice()) else {
        return None;
    };
    let (y, mo, da, h, mi, se) = (*y, *mo, *da, *h, *mi, *se);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let days = cloudlet_core::time::days_from_civil(i64::try_from(y).ok()?, mo as i64, da as i64)?;
    u64::try_from(days)
        .ok()?
        .checked_mul(86_400)?
        .checked_add(h * 3600 + mi * 60 + se)
}

/// A condition's field as written (S3 quotes it so in errors), without its `$`.
fn field_name(v: &str) -> String {
    v.strip_prefix('$').unwrap_or(v).to_string()
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Decodes the base64 `policy` field.
pub fn parse(b64: &str) -> Result<Policy, PolicyError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| invalid("Invalid JSON."))?;
    let doc: Value = serde_json::from_slice(&bytes).map_err(|_| invalid("Invalid JSON."))?;
    let expiration = match doc.get("expiration") {
        None => return Err(invalid("Policy missing expiration.")),
        Some(v) => v
            .as_str()
            .and_then(parse_iso)
            .ok_or_else(|| invalid("Invalid 'expiration' value: must be ISO8601 GMT date."))?,
    };
    let raw = doc
        .get("conditions")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("Policy missing conditions."))?;
    let mut conditions = Vec::new();
    for c in raw {
        match c {
            Value::Object(map) => {
                for (k, v) in map {
                    let value = text(v).ok_or_else(|| {
                        invalid("Invalid Simple-Condition: value must be a string.")
                    })?;
                    conditions.push(Condition::Eq {
                        field: field_name(k),
                        value,
                    });
                }
            }
            Value::Array(items) => {
                let op = items
                    .first()
                    .and_then(Value::as_str)
                    .map(str::to_ascii_lowercase);
                let cond = match (op.as_deref(), items.as_slice()) {
                    (Some("eq"), [_, f, v]) => {
                        f.as_str().zip(text(v)).map(|(f, v)| Condition::Eq {
                            field: field_name(f),
                            value: v,
                        })
                    }
                    (Some("starts-with"), [_, f, v]) => {
                        f.as_str().zip(text(v)).map(|(f, v)| Condition::StartsWith {
                            field: field_name(f),
                            prefix: v,
                        })
                    }
                    (Some("content-length-range"), [_, min, max]) => number(min)
                        .zip(number(max))
                        .map(|(min, max)| Condition::ContentLengthRange { min, max }),
                    _ => None,
                };
                conditions.push(cond.ok_or_else(|| invalid(&format!("Invalid Condition: {c}")))?);
            }
            _ => return Err(invalid("Invalid conditions.")),
        }
    }
    Ok(Policy {
        expiration,
        conditions,
    })
}

/// Fields no condition needs to name.
fn exempt(name: &str) -> bool {
    matches!(
        name,
        "policy" | "x-amz-signature" | "signature" | "file" | "awsaccesskeyid"
    ) || name.starts_with("x-ignore-")
}

impl Policy {
    /// Checks the form `fields` (names lowercase; `bucket` included) at time `now`.
    pub fn check(&self, fields: &[(String, String)], now: u64) -> Result<(), PolicyError> {
        if now > self.expiration {
            return Err(PolicyError::Denied(
                "Invalid according to Policy: Policy expired.".into(),
            ));
        }
        // Field names match case-insensitively.
        let value = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        for c in &self.conditions {
            let ok = match c {
                Condition::Eq { field, value: want } => value(field).unwrap_or("") == want,
                Condition::StartsWith { field, prefix } => {
                    let v = value(field).unwrap_or("");
                    if field.eq_ignore_ascii_case("content-type") {
                        v.split(',').all(|t| t.trim().starts_with(prefix.as_str()))
                    } else {
                        v.starts_with(prefix.as_str())
                    }
                }
                Condition::ContentLengthRange { .. } => true,
            };
            if !ok {
                return Err(PolicyError::Denied(format!(
                    "Invalid according to Policy: Policy Condition failed: {}",
                    c.describe()
                )));
            }
        }
        let named = |name: &str| {
            self.conditions.iter().any(|c| match c {
                Condition::Eq { field, .. } | Condition::StartsWith { field, .. } => {
                    field.eq_ignore_ascii_case(name)
                }
                Condition::ContentLengthRange { .. } => false,
            })
        };
        let extra: Vec<&str> = fields
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| !exempt(k) && !named(k))
            .collect();
        if !extra.is_empty() {
            return Err(PolicyError::Denied(format!(
                "Invalid according to Policy: Extra input fields: {}",
                extra.join(", ")
            )));
        }
        Ok(())
    }

    /// The `content-length-range` bounds, if any.
    pub fn length_range(&self) -> Option<(u64, u64)> {
        self.conditions.iter().find_map(|c| match c {
            Condition::ContentLengthRange { min, max } => Some((*min, *max)),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(json: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(json)
    }

    #[test]
    fn parses_the_documented_example() {
        // The policy of S3's "Example: Browser-based upload using HTTP POST (SigV4)".
        let p = parse(&b64(r#"{ "expiration": "2015-12-30T12:00:00.000Z",
          "conditions": [
            {"bucket": "sigv4examplebucket"},
            ["starts-with", "$key", "user/user1/"],
            {"acl": "public-read"},
            {"success_action_redirect": "http://sigv4examplebucket.s3.amazonaws.com/successful_upload.html"},
            ["starts-with", "$Content-Type", "image/"],
            {"x-amz-meta-uuid": "14365123651274"},
            {"x-amz-server-side-encryption": "AES256"},
            ["starts-with", "$x-amz-meta-tag", ""],
            {"x-amz-credential": "AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request"},
            {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
            {"x-amz-date": "20151229T000000Z" },
            ["content-length-range", 1, "1048576"]
          ]}"#))
        .unwrap();
        assert_eq!(p.expiration, 1_451_476_800);
        assert_eq!(p.conditions.len(), 12);
        assert_eq!(p.length_range(), Some((1, 1_048_576)));
        assert_eq!(
            p.conditions[1],
            Condition::StartsWith {
                field: "key".into(),
                prefix: "user/user1/".into()
            }
        );
    }

    #[test]
    fn invalid_documents() {
        let cases = [
            ("not json", "Invalid Policy: Invalid JSON."),
            (
                r#"{"conditions": []}"#,
                "Invalid Policy: Policy missing expiration.",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z"}"#,
                "Invalid Policy: Policy missing conditions.",
            ),
            (
                r#"{"expiration": "tomorrow", "conditions": []}"#,
                "Invalid Policy: Invalid 'expiration' value: must be ISO8601 GMT date.",
            ),
            (
                r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["matches", "$key", "a"]]}"#,
                "Invalid Policy: Invalid Condition: [\"matches\",\"$key\",\"a\"]",
            ),
        ];
        for (doc, want) in cases {
            assert_eq!(
                parse(&b64(doc)),
                Err(PolicyError::Invalid(want.into())),
                "{doc}"
            );
        }
        assert_eq!(
            parse("%%%"),
            Err(PolicyError::Invalid("Invalid Policy: Invalid JSON.".into()))
        );
    }

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn checks() {
        let p = parse(&b64(
            r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [
            {"bucket": "b"}, ["starts-with", "$key", "up/"], ["eq", "$Content-Type", "text/plain"],
            ["starts-with", "$x-amz-meta-tag", ""], ["content-length-range", 0, 10]]}"#,
        ))
        .unwrap();
        let now = 1_700_000_000;
        let base = [
            ("bucket", "b"),
            ("key", "up/a"),
            ("content-type", "text/plain"),
            ("policy", "x"),
        ];
        type Case<'a> = (Vec<(&'a str, &'a str)>, u64, Result<(), &'a str>);
        let cases: Vec<Case> = vec![
            (base.to_vec(), now, Ok(())),
            (
                base.to_vec(),
                1_900_000_000,
                Err("Invalid according to Policy: Policy expired."),
            ),
            (
                vec![
                    ("bucket", "b"),
                    ("key", "down/a"),
                    ("content-type", "text/plain"),
                ],
                now,
                Err(
                    "Invalid according to Policy: Policy Condition failed: [\"starts-with\", \"$key\", \"up/\"]",
                ),
            ),
            (
                vec![
                    ("bucket", "other"),
                    ("key", "up/a"),
                    ("content-type", "text/plain"),
                ],
                now,
                Err(
                    "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$bucket\", \"b\"]",
                ),
            ),
            (
                vec![("bucket", "b"), ("key", "up/a")],
                now,
                Err(
                    "Invalid according to Policy: Policy Condition failed: [\"eq\", \"$Content-Type\", \"text/plain\"]",
                ),
            ),
            (
                [
                    base.as_slice(),
                    &[("x-amz-meta-other", "1"), ("x-ignore-me", "1")],
                ]
                .concat(),
                now,
                Err("Invalid according to Policy: Extra input fields: x-amz-meta-other"),
            ),
            (
                [base.as_slice(), &[("x-amz-meta-tag", "anything")]].concat(),
                now,
                Ok(()),
            ),
        ];
        for (f, at, want) in cases {
            assert_eq!(
                p.check(&fields(&f), at),
                want.map_err(|m| PolicyError::Denied(m.into())),
                "{f:?}"
            );
        }
        // The bucket is an input like any other.
        let unbound = parse(&b64(
            r#"{"expiration": "2030-01-01T00:00:00Z", "conditions": [["starts-with", "$key", ""]]}"#,
        ))
        .unwrap();
        assert_eq!(
            unbound.check(&fields(&[("key", "a"), ("bucket", "b")]), now),
            Err(PolicyError::Denied(
                "Invalid according to Policy: Extra input fields: bucket".into()
            ))
        );
    }
}
