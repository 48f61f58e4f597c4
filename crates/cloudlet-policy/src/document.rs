//! The policy document: parsing strict JSON into typed statements and validating them with
//! the messages AWS uses (`MalformedPolicy` for S3, `MalformedPolicyDocument` for IAM).
//! Knows nothing about which service a policy is attached to beyond [`PolicyKind`].

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::condition::{Condition, parse_conditions};

/// Where a policy is attached, which decides whether `Principal` is required or forbidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// Bucket policies, Lambda resource policies, role trust policies: `Principal` required.
    Resource,
    /// Identity policies attached to users, groups and roles: `Principal` forbidden.
    Identity,
}

/// The `Version` of a policy language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    V2008_10_17,
    V2012_10_17,
}

impl Version {
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2008_10_17 => "2008-10-17",
            Version::V2012_10_17 => "2012-10-17",
        }
    }
}

/// What is wrong with a refused document, for services that word it their own way (IAM).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Not JSON, or not a JSON object.
    NotJson,
    /// The wrong shape: unknown or mistyped elements, a bad `Version` or `Effect`, an element
    /// with its `Not…` twin, a missing `Statement` or `Effect`, a malformed `Condition`.
    Syntax,
    /// A `Principal` where none may be (identity policies).
    PrincipalForbidden,
    /// No `Principal` where one is required.
    MissingPrincipal,
    InvalidPrincipal,
    MissingAction,
    /// An action without a `service:` prefix.
    InvalidAction(String),
    /// No `Resource` in an identity policy.
    MissingResource,
    /// A resource neither an ARN nor `*`.
    InvalidResource(String),
    /// An unknown condition operator or a key without a `service:` prefix.
    InvalidCondition,
}

/// Why a policy document was refused; `message` is AWS's wording (S3's for resource
/// policies), `problem` what it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    pub message: String,
    pub problem: Problem,
}

impl PolicyError {
    pub(crate) fn new(problem: Problem, message: impl Into<String>) -> PolicyError {
        PolicyError {
            message: message.into(),
            problem,
        }
    }

    /// A [`Problem::Syntax`] error.
    pub(crate) fn syntax(message: impl Into<String>) -> PolicyError {
        PolicyError::new(Problem::Syntax, message)
    }
}

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyError {}

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// The principals a statement names: `"*"` or a map such as `{"AWS": [...], "Service": ...}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principals {
    /// `"Principal": "*"`: everyone, including anonymous callers.
    Any,
    /// Principal type (`AWS`, `Service`, `Federated`, `CanonicalUser`) to values.
    Typed(BTreeMap<String, Vec<String>>),
}

/// A list of patterns that may be negated (`NotAction`, `NotResource`, `NotPrincipal`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Patterns<T> {
    pub negated: bool,
    pub items: T,
}

/// One statement of a policy.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    /// `Principal` / `NotPrincipal`; `None` in identity policies.
    pub principal: Option<Patterns<Principals>>,
    /// `Action` / `NotAction`.
    pub action: Patterns<Vec<String>>,
    /// `Resource` / `NotResource`; `None` only in role trust policies.
    pub resource: Option<Patterns<Vec<String>>>,
    pub conditions: Vec<Condition>,
    /// Whether `${…}` policy variables are expanded (`Version` `2012-10-17`).
    pub variables: bool,
}

/// A parsed, validated policy document.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub version: Version,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

/// Parses and validates a policy document.
pub fn parse(text: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
    if !text.trim_start().starts_with('{') {
        return Err(PolicyError::new(
            Problem::NotJson,
            "Policies must be valid JSON and the first byte must be '{'",
        ));
    }
    let value: Value = serde_json::from_str(text)
        .map_err(|_| PolicyError::new(Problem::NotJson, "This policy contains invalid Json"))?;
    let Value::Object(top) = value else {
        return Err(PolicyError::new(
            Problem::NotJson,
            "This policy contains invalid Json",
        ));
    };
    let mut version = Version::V2008_10_17;
    let mut id = None;
    let mut statements = None;
    for (k, v) in &top {
        match k.as_str() {
            "Version" => {
                version = match v.as_str() {
                    Some("2012-10-17") => Version::V2012_10_17,
                    Some("2008-10-17") => Version::V2008_10_17,
                    _ => {
                        return Err(PolicyError::syntax(
                            "The policy must contain a valid version string",
                        ));
                    }
                }
            }
            "Id" => id = Some(string(v, "Id")?),
            "Statement" => statements = Some(v),
            other => return Err(PolicyError::syntax(format!("Unknown field {other}"))),
        }
    }
    let statements = match statements {
        Some(Value::Array(list)) if !list.is_empty() => list
            .iter()
            .map(|s| statement(s, kind, version))
            .collect::<Result<Vec<_>, _>>()?,
        Some(s @ Value::Object(_)) => vec![statement(s, kind, version)?],
        _ => return Err(PolicyError::syntax("Missing required field Statement")),
    };
    Ok(Policy {
        version,
        id,
        statements,
    })
}

fn string(v: &Value, field: &str) -> Result<String, PolicyError> {
    v.as_str()
        .map(str::to_string)
        .ok_or_else(|| PolicyError::syntax(format!("{field} must be a string")))
}

/// A string or a non-empty array of strings.
fn string_list(v: &Value, field: &str) -> Result<Vec<String>, PolicyError> {
    let list = match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| string(i, field))
            .collect::<Result<Vec<_>, _>>()?,
        _ => {
            return Err(PolicyError::syntax(format!(
                "Policy has an invalid {field}"
            )));
        }
    };
    Ok(list)
}

/// Picks `name` or `Not{name}` (exactly one may appear).
fn either<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<(bool, &'a Value)>, PolicyError> {
    let not = format!("Not{name}");
    match (obj.get(name), obj.get(&not)) {
        (Some(_), Some(_)) => Err(PolicyError::syntax(format!(
            "Statement can not have both {name} and {not}"
        ))),
        (Some(v), None) => Ok(Some((false, v))),
        (None, Some(v)) => Ok(Some((true, v))),
        (None, None) => Ok(None),
    }
}

fn statement(v: &Value, kind: PolicyKind, version: Version) -> Result<Statement, PolicyError> {
    let Value::Object(obj) = v else {
        return Err(PolicyError::syntax("This policy contains invalid Json"));
    };
    for k in obj.keys() {
        if !matches!(
            k.as_str(),
            "Sid"
                | "Effect"
                | "Principal"
                | "NotPrincipal"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Condition"
        ) {
            return Err(PolicyError::syntax(format!("Unknown field {k}")));
        }
    }
    let sid = obj.get("Sid").map(|s| string(s, "Sid")).transpose()?;
    let effect = match obj.get("Effect") {
        None => return Err(PolicyError::syntax("Missing required field Effect")),
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(Value::String(s)) => return Err(PolicyError::syntax(format!("Invalid effect: {s}"))),
        Some(_) => return Err(PolicyError::syntax("Invalid effect")),
    };
    let principal = match (either(obj, "Principal")?, kind) {
        (Some(_), PolicyKind::Identity) => {
            return Err(PolicyError::new(
                Problem::PrincipalForbidden,
                "Policy document should not specify a principal.",
            ));
        }
        (None, PolicyKind::Resource) => {
            return Err(PolicyError::new(
                Problem::MissingPrincipal,
                "Missing required field Principal",
            ));
        }
        (None, PolicyKind::Identity) => None,
        (Some((negated, v)), PolicyKind::Resource) => Some(Patterns {
            negated,
            items: principals(v)?,
        }),
    };
    let action = match either(obj, "Action")? {
        Some((negated, v)) => {
            let items = string_list(v, "action")?;
            for a in &items {
                if a != "*" && !valid_action(a) {
                    return Err(PolicyError::new(
                        Problem::InvalidAction(a.clone()),
                        match kind {
                            PolicyKind::Resource => "Policy has invalid action",
                            PolicyKind::Identity => {
                                "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
                            }
                        },
                    ));
                }
            }
            Patterns { negated, items }
        }
        None => {
            return Err(PolicyError::new(
                Problem::MissingAction,
                match kind {
                    PolicyKind::Resource => "Missing required field Action",
                    PolicyKind::Identity => "Policy statement must contain actions.",
                },
            ));
        }
    };
    let resource = match either(obj, "Resource")? {
        Some((negated, v)) => {
            let items = string_list(v, "resource")?;
            for r in &items {
                if r != "*" && !r.starts_with("arn:") {
                    return Err(PolicyError::new(
                        Problem::InvalidResource(r.clone()),
                        match kind {
                            PolicyKind::Resource => "Policy has invalid resource".to_string(),
                            PolicyKind::Identity => {
                                format!("Resource {r} must be in ARN format or \"*\".")
                            }
                        },
                    ));
                }
            }
            Some(Patterns { negated, items })
        }
        // Trust policies have no Resource; everything else needs one.
        None if kind == PolicyKind::Identity => {
            return Err(PolicyError::new(
                Problem::MissingResource,
                "Policy statement must contain resources.",
            ));
        }
        None => None,
    };
    let variables = version == Version::V2012_10_17;
    let mut conditions = match obj.get("Condition") {
        Some(c) => parse_conditions(c)?,
        None => Vec::new(),
    };
    for c in &mut conditions {
        c.variables = variables;
    }
    Ok(Statement {
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
        variables,
    })
}

/// `service:Action`, where the service prefix is letters, digits and dashes (prefixes and
/// names are case-insensitive: `IAM:listaccesskeys` is `iam:ListAccessKeys`).
fn valid_action(a: &str) -> bool {
    match a.split_once(':') {
        Some((svc, name)) => {
            !svc.is_empty()
                && svc.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'*' || b == b'?' || b == b'-')
        }
        None => false,
    }
}

fn principals(v: &Value) -> Result<Principals, PolicyError> {
    let invalid = || PolicyError::new(Problem::InvalidPrincipal, "Invalid principal in policy");
    match v {
        Value::String(s) if s == "*" => Ok(Principals::Any),
        Value::Object(map) if !map.is_empty() => {
            let mut out = BTreeMap::new();
            for (ty, vals) in map {
                let vals = string_list(vals, "principal").map_err(|_| invalid())?;
                for p in &vals {
                    let ok = match ty.as_str() {
                        "AWS" => {
                            p == "*"
                                || (p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()))
                                || p.starts_with("arn:aws:iam::")
                                || p.starts_with("arn:aws:sts::")
                        }
                        "Service" => p == "*" || p.contains('.'),
                        "Federated" | "CanonicalUser" => !p.is_empty(),
                        _ => false,
                    };
                    if !ok {
                        return Err(invalid());
                    }
                }
                out.insert(ty.clone(), vals);
            }
            Ok(Principals::Typed(out))
        }
        _ => Err(invalid()),
    }
}
