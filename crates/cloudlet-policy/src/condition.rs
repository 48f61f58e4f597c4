//! `Condition` blocks: operators (`StringEquals`, `ArnLike`, `IpAddress`, `NumericLessThan`,
//! `DateGreaterThan`, `Bool`, `Null`, …), the `…IfExists` suffix, the `ForAnyValue:` /
//! `ForAllValues:` set qualifiers, and their evaluation against a request context.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde_json::Value;

use crate::document::{PolicyError, Problem};
use crate::glob;
use crate::variables::{expand, expand_text};

/// The comparison an operator performs before negation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    /// `ArnEquals` and `ArnLike` behave the same: per-component wildcard match.
    ArnLike,
    Null,
}

/// `ForAnyValue:` / `ForAllValues:` for multivalued keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetQualifier {
    ForAnyValue,
    ForAllValues,
}

/// One operator/key/values triple of a `Condition` block.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    /// The operator as written (`StringNotEqualsIfExists`, `ForAnyValue:StringLike`).
    pub operator: String,
    pub compare: Compare,
    pub negated: bool,
    pub if_exists: bool,
    pub qualifier: Option<SetQualifier>,
    /// The context key as written; matched case-insensitively.
    pub key: String,
    pub values: Vec<String>,
    /// Whether `${…}` policy variables in the values are expanded.
    pub variables: bool,
}

/// The request's context keys (`aws:SourceIp`, `aws:SecureTransport`, `s3:prefix`, …).
/// Keys are case-insensitive; each key may carry several values.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    values: BTreeMap<String, Vec<String>>,
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }
    /// Sets a single-valued key.
    pub fn set(&mut self, key: &str, value: impl Into<String>) -> &mut Self {
        self.values
            .insert(key.to_ascii_lowercase(), vec![value.into()]);
        self
    }
    /// Sets a multivalued key.
    pub fn set_all(&mut self, key: &str, values: Vec<String>) -> &mut Self {
        self.values.insert(key.to_ascii_lowercase(), values);
        self
    }
    pub fn get(&self, key: &str) -> Option<&[String]> {
        self.values
            .get(&key.to_ascii_lowercase())
            .map(Vec::as_slice)
    }
}

fn operator(name: &str) -> Option<(Compare, bool)> {
    use Compare::*;
    Some(match name {
        "StringEquals" => (StringEquals, false),
        "StringNotEquals" => (StringEquals, true),
        "StringEqualsIgnoreCase" => (StringEqualsIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (StringEqualsIgnoreCase, true),
        "StringLike" => (StringLike, false),
        "StringNotLike" => (StringLike, true),
        "NumericEquals" => (NumericEquals, false),
        "NumericNotEquals" => (NumericEquals, true),
        "NumericLessThan" => (NumericLessThan, false),
        "NumericLessThanEquals" => (NumericLessThanEquals, false),
        "NumericGreaterThan" => (NumericGreaterThan, false),
        "NumericGreaterThanEquals" => (NumericGreaterThanEquals, false),
        "DateEquals" => (DateEquals, false),
        "DateNotEquals" => (DateEquals, true),
        "DateLessThan" => (DateLessThan, false),
        "DateLessThanEquals" => (DateLessThanEquals, false),
        "DateGreaterThan" => (DateGreaterThan, false),
        "DateGreaterThanEquals" => (DateGreaterThanEquals, false),
        "Bool" => (Bool, false),
        "BinaryEquals" => (BinaryEquals, false),
        "IpAddress" => (IpAddress, false),
        "NotIpAddress" => (IpAddress, true),
        "ArnEquals" | "ArnLike" => (ArnLike, false),
        "ArnNotEquals" | "ArnNotLike" => (ArnLike, true),
        "Null" => (Null, false),
        _ => return None,
    })
}

/// Parses a `Condition` block: `{operator: {key: value | [values]}}`.
pub fn parse_conditions(v: &Value) -> Result<Vec<Condition>, PolicyError> {
    let Value::Object(ops) = v else {
        return Err(PolicyError::syntax("Syntax errors in policy."));
    };
    let mut out = Vec::new();
    for (op, keys) in ops {
        let (qualifier, rest) = if let Some(r) = op.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else if let Some(r) = op.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else {
            (None, op.as_str())
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(b) => (b, true),
            None => (rest, false),
        };
        let (compare, negated) = operator(base)
            .filter(|(c, _)| !(if_exists && *c == Compare::Null))
            .ok_or_else(|| {
                PolicyError::new(
                    Problem::InvalidCondition,
                    format!("Invalid Condition type : {op}"),
                )
            })?;
        let Value::Object(keys) = keys else {
            return Err(PolicyError::syntax("Syntax errors in policy."));
        };
        for (key, vals) in keys {
            let values = match vals {
                Value::Array(items) => items.iter().map(scalar).collect::<Option<Vec<_>>>(),
                other => scalar(other).map(|s| vec![s]),
            }
            .ok_or_else(|| PolicyError::syntax("Syntax errors in policy."))?;
            if !key.contains(':') {
                return Err(PolicyError::new(
                    Problem::InvalidCondition,
                    "Policy has an invalid condition key",
                ));
            }
            out.push(Condition {
                operator: op.clone(),
                compare,
                negated,
                if_exists,
                qualifier,
                key: key.clone(),
                values,
                variables: false,
            });
        }
    }
    Ok(out)
}

/// Condition values may be written as strings, numbers or booleans.
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Condition {
    /// Whether this condition holds for `ctx`.
    pub fn holds(&self, ctx: &Context) -> bool {
        let present = ctx.get(&self.key);
        if self.compare == Compare::Null {
            let want_absent = self.values.iter().any(|v| v.eq_ignore_ascii_case("true"));
            return present.is_none_or(|v| v.is_empty()) == want_absent;
        }
        let Some(actual) = present.filter(|v| !v.is_empty()) else {
            return match self.qualifier {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => self.if_exists || self.negated,
            };
        };
        let expand_vars = self.variables && self.compare.takes_variables();
        // A value whose variable has no value matches nothing.
        let values: Vec<Operand<'_>> = self
            .values
            .iter()
            .filter_map(|v| match (expand_vars, self.compare) {
                (false, _) => Some(Operand::Text(std::borrow::Cow::Borrowed(v.as_str()))),
                (true, Compare::StringLike) => expand(v, ctx).map(Operand::Tokens),
                (true, _) => expand_text(v, ctx).map(|t| Operand::Text(t.into())),
            })
            .collect();
        let matches_one = |a: &String| {
            values.iter().any(|p| match p {
                Operand::Text(p) => compare(self.compare, p, a),
                Operand::Tokens(t) => glob::matches_tokens(t, a),
            })
        };
        match (self.qualifier, self.negated) {
            (None, false) | (Some(SetQualifier::ForAnyValue), false) => {
                actual.iter().any(matches_one)
            }
            // A negated operator with several values is their NOR.
            (None, true) => !actual.iter().any(matches_one),
            // At least one request value matches none of the policy's.
            (Some(SetQualifier::ForAnyValue), true) => actual.iter().any(|a| !matches_one(a)),
            (Some(SetQualifier::ForAllValues), false) => actual.iter().all(matches_one),
            (Some(SetQualifier::ForAllValues), true) => actual.iter().all(|a| !matches_one(a)),
        }
    }
}

/// A condition value ready to compare: as written (or with variables expanded), or as a
/// wildcard pattern in which substituted text matches literally.
enum Operand<'a> {
    Text(std::borrow::Cow<'a, str>),
    Tokens(Vec<glob::Token>),
}

impl Compare {
    /// String and ARN operators accept policy variables; the others take values as written.
    fn takes_variables(self) -> bool {
        matches!(
            self,
            Compare::StringEquals
                | Compare::StringEqualsIgnoreCase
                | Compare::StringLike
                | Compare::ArnLike
        )
    }
}

/// Compares one policy value with one request value.
fn compare(c: Compare, policy: &str, actual: &str) -> bool {
    use Compare::*;
    match c {
        StringEquals => policy == actual,
        StringEqualsIgnoreCase => policy.eq_ignore_ascii_case(actual),
        StringLike => glob::matches(policy, actual),
        NumericEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => {
            match (policy.trim().parse::<f64>(), actual.trim().parse::<f64>()) {
                (Ok(p), Ok(a)) => ordered(c, a.partial_cmp(&p)),
                _ => false,
            }
        }
        DateEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => match (parse_date(policy), parse_date(actual)) {
            (Some(p), Some(a)) => ordered(c, a.partial_cmp(&p)),
            _ => false,
        },
        Bool => policy.eq_ignore_ascii_case(actual),
        BinaryEquals => policy == actual,
        IpAddress => in_cidr(policy, actual),
        ArnLike => arn_like(policy, actual),
        Null => false,
    }
}

fn ordered(c: Compare, ord: Option<std::cmp::Ordering>) -> bool {
    use Compare::*;
    use std::cmp::Ordering::*;
    matches!(
        (c, ord),
        (NumericEquals | DateEquals, Some(Equal))
            | (NumericLessThan | DateLessThan, Some(Less))
            | (
                NumericLessThanEquals | DateLessThanEquals,
                Some(Less | Equal)
            )
            | (NumericGreaterThan | DateGreaterThan, Some(Greater))
            | (
                NumericGreaterThanEquals | DateGreaterThanEquals,
                Some(Greater | Equal)
            )
    )
}

/// ARNs match component by component (`arn:partition:service:region:account:resource`).
fn arn_like(policy: &str, actual: &str) -> bool {
    let p: Vec<&str> = policy.splitn(6, ':').collect();
    let a: Vec<&str> = actual.splitn(6, ':').collect();
    p.len() == 6 && a.len() == 6 && p.iter().zip(&a).all(|(p, a)| glob::matches(p, a))
}

/// Whether `ip` lies in `cidr` (an address alone means a single host).
pub fn in_cidr(cidr: &str, ip: &str) -> bool {
    let (net, bits) = match cidr.split_once('/') {
        Some((n, b)) => (n, b.parse::<u32>().ok()),
        None => (cidr, None),
    };
    let (Ok(net), Ok(ip)) = (net.trim().parse::<IpAddr>(), ip.trim().parse::<IpAddr>()) else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

/// Seconds since the epoch of `2024-01-02`, `2024-01-02T03:04:05Z`, `…+01:00`, with optional
/// fractional seconds, or a plain epoch number.
pub fn parse_date(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<f64>() {
        return Some(n);
    }
    let num = |r: &str| r.parse::<i64>().ok();
    let (date, time) = s.split_once('T').unwrap_or((s, ""));
    let mut d = date.split('-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    if d.next().is_some()
        || !(0..=9999).contains(&y)
        || !(1..=12).contains(&m)
        || !(1..=31).contains(&day)
    {
        return None;
    }
    let mut secs = days_from_civil(y, m, day) as f64 * 86_400.0;
    if !time.is_empty() {
        let (clock, offset) = if let Some(c) = time.strip_suffix('Z') {
            (c, 0)
        } else if let Some(i) = time.rfind(['+', '-']) {
            let (c, o) = time.split_at(i);
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let (oh, om) = o.get(1..)?.split_once(':').unwrap_or((o.get(1..)?, "0"));
            let (oh, om) = (num(oh)?, num(om)?);
            if !(0..=23).contains(&oh) || !(0..=59).contains(&om) {
                return None;
            }
            (c, sign * (oh * 3600 + om * 60))
        } else {
            (time, 0)
        };
        let mut parts = clock.split(':');
        let h = num(parts.next()?)?;
        let mi = parts.next().map(num).unwrap_or(Some(0))?;
        let sec = parts
            .next()
            .map(|x| x.parse::<f64>().ok())
            .unwrap_or(Some(0.0))?;
        if parts.next().is_some()
            || !(0..=24).contains(&h)
            || !(0..=59).contains(&mi)
            || !(0.0..61.0).contains(&sec)
        {
            return None;
        }
        secs += (h * 3600 + mi * 60 - offset) as f64 + sec;
    }
    Some(secs)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (years are checked by the caller).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    cloudlet_core::time::days_from_civil(y, m, d).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(block: &str, ctx: &[(&str, &[&str])], expected: bool) {
        let conds = parse_conditions(&serde_json::from_str(block).unwrap()).unwrap();
        let mut c = Context::new();
        for (k, vs) in ctx {
            c.set_all(k, vs.iter().map(|s| s.to_string()).collect());
        }
        let got = conds.iter().all(|x| x.holds(&c));
        assert_eq!(got, expected, "{block} with {ctx:?}");
    }

    #[test]
    fn operators() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a [&'a str])], bool);
        let cases: &[Case] = &[
            (
                r#"{"StringEquals":{"aws:SourceAccount":"111122223333"}}"#,
                &[("aws:SourceAccount", &["111122223333"])],
                true,
            ),
            (
                r#"{"StringEquals":{"aws:SourceAccount":"111122223333"}}"#,
                &[("aws:sourceaccount", &["444455556666"])],
                false,
            ),
            (
                r#"{"StringEquals":{"aws:SourceAccount":"111122223333"}}"#,
                &[],
                false,
            ),
            (
                r#"{"StringEqualsIfExists":{"aws:SourceAccount":"1"}}"#,
                &[],
                true,
            ),
            (
                r#"{"StringNotEquals":{"aws:SourceAccount":"1"}}"#,
                &[("aws:SourceAccount", &["2"])],
                true,
            ),
            (
                r#"{"StringNotEquals":{"aws:SourceAccount":"1"}}"#,
                &[("aws:SourceAccount", &["1"])],
                false,
            ),
            (
                r#"{"StringLike":{"s3:prefix":["home/*","pub/?"]}}"#,
                &[("s3:prefix", &["home/a/b"])],
                true,
            ),
            (
                r#"{"StringLike":{"s3:prefix":["home/*","pub/?"]}}"#,
                &[("s3:prefix", &["pub/ab"])],
                false,
            ),
            (
                r#"{"StringEqualsIgnoreCase":{"aws:username":"ALICE"}}"#,
                &[("aws:username", &["alice"])],
                true,
            ),
            (
                r#"{"ArnLike":{"aws:SourceArn":"arn:aws:execute-api:*:123456789012:abc/*/GET/*"}}"#,
                &[(
                    "aws:SourceArn",
                    &["arn:aws:execute-api:ap-northeast-2:123456789012:abc/dev/GET/x"],
                )],
                true,
            ),
            (
                r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:1:t"}}"#,
                &[("aws:SourceArn", &["arn:aws:sns:us-east-1:2:t"])],
                false,
            ),
            (
                r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:1:t"}}"#,
                &[("aws:SourceArn", &["arn:aws:sns:us-east-1:2:t"])],
                true,
            ),
            (
                r#"{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}"#,
                &[("aws:SourceIp", &["192.0.2.77"])],
                true,
            ),
            (
                r#"{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}"#,
                &[("aws:SourceIp", &["192.0.3.1"])],
                false,
            ),
            (
                r#"{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}"#,
                &[("aws:SourceIp", &["10.0.0.1"])],
                true,
            ),
            (
                r#"{"IpAddress":{"aws:SourceIp":"2001:db8::/32"}}"#,
                &[("aws:SourceIp", &["2001:db8::1"])],
                true,
            ),
            (
                r#"{"Bool":{"aws:SecureTransport":"false"}}"#,
                &[("aws:SecureTransport", &["false"])],
                true,
            ),
            (
                r#"{"Bool":{"aws:SecureTransport":false}}"#,
                &[("aws:SecureTransport", &["true"])],
                false,
            ),
            (
                r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#,
                &[("s3:max-keys", &["10"])],
                true,
            ),
            (
                r#"{"NumericLessThan":{"s3:max-keys":10}}"#,
                &[("s3:max-keys", &["10"])],
                false,
            ),
            (
                r#"{"NumericGreaterThan":{"s3:max-keys":"10"}}"#,
                &[("s3:max-keys", &["11"])],
                true,
            ),
            (
                r#"{"NumericNotEquals":{"s3:max-keys":"10"}}"#,
                &[("s3:max-keys", &["11"])],
                true,
            ),
            (
                r#"{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"}}"#,
                &[("aws:CurrentTime", &["2020-04-01T00:00:01Z"])],
                true,
            ),
            (
                r#"{"DateLessThan":{"aws:CurrentTime":"2020-04-01"}}"#,
                &[("aws:CurrentTime", &["2020-03-31T23:59:59Z"])],
                true,
            ),
            (
                r#"{"DateEquals":{"aws:CurrentTime":"2020-04-01T02:00:00+02:00"}}"#,
                &[("aws:CurrentTime", &["2020-04-01T00:00:00Z"])],
                true,
            ),
            (r#"{"Null":{"aws:TokenIssueTime":"true"}}"#, &[], true),
            (
                r#"{"Null":{"aws:TokenIssueTime":"true"}}"#,
                &[("aws:TokenIssueTime", &["x"])],
                false,
            ),
            (
                r#"{"Null":{"aws:TokenIssueTime":"false"}}"#,
                &[("aws:TokenIssueTime", &["x"])],
                true,
            ),
            (
                r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}}"#,
                &[("aws:TagKeys", &["c", "b"])],
                true,
            ),
            (
                r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["a","b"]}}"#,
                &[],
                false,
            ),
            (
                r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}"#,
                &[("aws:TagKeys", &["a", "b"])],
                true,
            ),
            (
                r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}"#,
                &[("aws:TagKeys", &["a", "c"])],
                false,
            ),
            (
                r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}"#,
                &[],
                true,
            ),
            // A key the request does not carry: matching operators fail, negated ones hold,
            // `…IfExists` holds either way, and `Null` tests exactly that.
            (
                r#"{"StringNotEquals":{"s3:x-amz-server-side-encryption":"AES256"}}"#,
                &[],
                true,
            ),
            (
                r#"{"StringNotLike":{"s3:x-amz-copy-source":"b/public/*"}}"#,
                &[],
                true,
            ),
            (
                r#"{"NotIpAddress":{"aws:SourceIp":"127.0.0.1/32"}}"#,
                &[],
                true,
            ),
            (
                r#"{"StringNotEqualsIfExists":{"s3:x-amz-acl":"private"}}"#,
                &[],
                true,
            ),
            (
                r#"{"StringNotEqualsIfExists":{"s3:x-amz-acl":"private"}}"#,
                &[("s3:x-amz-acl", &["private"])],
                false,
            ),
            (
                r#"{"StringEqualsIfExists":{"s3:x-amz-acl":"private"}}"#,
                &[("s3:x-amz-acl", &["public-read"])],
                false,
            ),
            (
                r#"{"NumericLessThanEqualsIfExists":{"s3:max-keys":"10"}}"#,
                &[],
                true,
            ),
            (
                r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#,
                &[],
                false,
            ),
            (
                r#"{"StringLike":{"aws:Referer":"http://example.com/*"}}"#,
                &[],
                false,
            ),
            (
                r#"{"Null":{"s3:x-amz-server-side-encryption":"false"}}"#,
                &[],
                false,
            ),
            (
                r#"{"Null":{"s3:x-amz-server-side-encryption":true}}"#,
                &[("s3:x-amz-server-side-encryption", &["AES256"])],
                false,
            ),
            // Multivalued keys (`s3:RequestObjectTagKeys`) with set qualifiers.
            (
                r#"{"ForAnyValue:StringNotEquals":{"s3:RequestObjectTagKeys":["team","env"]}}"#,
                &[("s3:RequestObjectTagKeys", &["team", "env"])],
                false,
            ),
            (
                r#"{"ForAnyValue:StringNotEquals":{"s3:RequestObjectTagKeys":["team","env"]}}"#,
                &[("s3:RequestObjectTagKeys", &["team", "owner"])],
                true,
            ),
            (
                r#"{"ForAllValues:StringLike":{"s3:RequestObjectTagKeys":["t*"]}}"#,
                &[("s3:RequestObjectTagKeys", &["team", "tier"])],
                true,
            ),
            (
                r#"{"ForAllValues:StringLike":{"s3:RequestObjectTagKeys":["t*"]}}"#,
                &[("s3:RequestObjectTagKeys", &["team", "env"])],
                false,
            ),
            (
                r#"{"ForAllValues:StringEquals":{"s3:RequestObjectTagKeys":["team"]}}"#,
                &[("s3:RequestObjectTagKeys", &[])],
                true,
            ),
            (
                r#"{"ForAnyValue:StringEquals":{"s3:RequestObjectTagKeys":["team"]}}"#,
                &[("s3:RequestObjectTagKeys", &[])],
                false,
            ),
            (
                r#"{"Null":{"s3:RequestObjectTagKeys":"true"}}"#,
                &[("s3:RequestObjectTagKeys", &[])],
                true,
            ),
            // Several values of a single-valued key: any of them matches (keys are case-blind).
            (
                r#"{"StringEquals":{"S3:ExistingObjectTag/public":["yes","true"]}}"#,
                &[("s3:existingobjecttag/public", &["true"])],
                true,
            ),
            (
                r#"{"StringEquals":{"aws:SourceAccount":"1"},"Bool":{"aws:SecureTransport":"true"}}"#,
                &[
                    ("aws:SourceAccount", &["1"]),
                    ("aws:SecureTransport", &["false"]),
                ],
                false,
            ),
        ];
        for (block, ctx, expected) in cases {
            check(block, ctx, *expected);
        }
    }

    #[test]
    fn bad_operators_are_refused() {
        for block in [
            r#"{"StringEqualz":{"aws:a":"1"}}"#,
            r#"{"NullIfExists":{"aws:a":"1"}}"#,
            r#"{"StringEquals":"x"}"#,
            r#"{"StringEquals":{"nokey":"1"}}"#,
            r#"{"StringEquals":{"aws:a":{"x":1}}}"#,
        ] {
            assert!(
                parse_conditions(&serde_json::from_str(block).unwrap()).is_err(),
                "{block}"
            );
        }
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_date("2024-02-29"), Some(1_709_164_800.0));
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("nonsense"), None);
        assert_eq!(
            parse_date("2024-01-01T01:00:00+01:00"),
            Some(1_704_067_200.0)
        );
        // Out-of-range fields are refused instead of overflowing.
        let refused = [
            "00360-01-01T2023068368000368",
            "2024-01-01T99999999999999999:00:00Z",
            "2024-01-01T00:99999999999999999:00Z",
            "2024-01-01T00:00:00+99999999999999999:00",
            "2024-01-01T00:00:00+01:99999999999999999",
            "99999999999999999-01-01",
            "-99999999999999999-01-01",
            "2024-01-01T25:00:00Z",
            "2024-01-01T00:60:00Z",
            "2024-01-01T00:00:00:00Z",
        ];
        for s in refused {
            assert_eq!(parse_date(s), None, "{s}");
        }
    }
}
