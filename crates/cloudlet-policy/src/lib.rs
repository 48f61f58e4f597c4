//! The IAM policy language, pure: parsing and validating policy documents (bucket policies,
//! identity policies, resource and trust policies), evaluating them against a request, and
//! deciding whether a policy is "public" in the sense of S3 Block Public Access.
//!
//! No I/O, no knowledge of where policies are stored or which service enforces them.
//!
//! ```
//! use cloudlet_policy::{Caller, Context, Decision, PolicyKind, Request, parse};
//! let p = parse(
//!     r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",
//!        "Action":"s3:GetObject","Resource":"arn:aws:s3:::site/*"}]}"#,
//!     PolicyKind::Resource,
//! ).unwrap();
//! let ctx = Context::new();
//! let req = Request { caller: &Caller::Anonymous, action: "s3:GetObject",
//!                     resource: "arn:aws:s3:::site/index.html", context: &ctx };
//! assert_eq!(p.evaluate(&req), Decision::Allow);
//! assert!(p.is_public());
//! ```

mod authorize;
mod condition;
mod document;
mod eval;
pub mod glob;
mod public;
mod variables;

pub use authorize::{Accounts, authorize};
pub use condition::{Compare, Condition, Context, SetQualifier, in_cidr, parse_date};
pub use document::{
    Effect, Patterns, Policy, PolicyError, PolicyKind, Principals, Problem, Statement, Version,
    parse,
};
pub use eval::{Caller, Decision, Request, applies, evaluate_all, principal_matches};

#[cfg(test)]
mod tests {
    use super::*;

    /// The workshop's policy as written, then fixed.
    const WORKSHOP: &str = r#"{
  "Version": "2024-09-18",
  "Statement": [
    {
      "Sid": "Stmt1709405011428",
      "Action": [
        "s3:GetObject"
      ],
      "Effect": "Allow",
      "Resource": [
        "arn:aws:s3:::my-bucket-238423",    // comment
        "arn:aws:s3:::my-bucket-238423/*"    // comment
      ],
      "Principal": "*"
    }
  ]
}"#;

    fn check(doc: &str, kind: PolicyKind, expected: Result<(), &str>) {
        let got = parse(doc, kind).map(|_| ()).map_err(|e| e.message);
        assert_eq!(got, expected.map_err(str::to_string), "{doc}");
    }

    #[test]
    fn validation_messages() {
        use PolicyKind::*;
        let stmt = |s: &str| format!(r#"{{"Version":"2012-10-17","Statement":[{s}]}}"#);
        let ok = r#"{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#;
        let cases: Vec<(String, PolicyKind, Result<(), &str>)> = vec![
            (
                WORKSHOP.into(),
                Resource,
                Err("This policy contains invalid Json"),
            ),
            (
                WORKSHOP
                    .replace("    // comment", "")
                    .replace("2024-09-18", "2012-10-17"),
                Resource,
                Ok(()),
            ),
            (
                WORKSHOP.replace("    // comment", ""),
                Resource,
                Err("The policy must contain a valid version string"),
            ),
            (
                "  [1]".into(),
                Resource,
                Err("Policies must be valid JSON and the first byte must be '{'"),
            ),
            (
                "".into(),
                Resource,
                Err("Policies must be valid JSON and the first byte must be '{'"),
            ),
            (
                "{\"Version\":\"2012-10-17\",}".into(),
                Resource,
                Err("This policy contains invalid Json"),
            ),
            (
                r#"{"Version":"2012-10-17"}"#.into(),
                Resource,
                Err("Missing required field Statement"),
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[]}"#.into(),
                Resource,
                Err("Missing required field Statement"),
            ),
            (
                r#"{"Version":"2012-10-17","Foo":1,"Statement":[]}"#.into(),
                Resource,
                Err("Unknown field Foo"),
            ),
            (stmt(ok), Resource, Ok(())),
            (
                stmt(ok).replace(r#""Version":"2012-10-17","#, ""),
                Resource,
                Ok(()),
            ),
            (
                stmt(ok),
                Identity,
                Err("Policy document should not specify a principal."),
            ),
            (
                stmt(&ok.replace("Allow", "Permit")),
                Resource,
                Err("Invalid effect: Permit"),
            ),
            (
                stmt(&ok.replace(r#""Effect":"Allow","#, "")),
                Resource,
                Err("Missing required field Effect"),
            ),
            (
                stmt(&ok.replace(r#""Principal":"*","#, "")),
                Resource,
                Err("Missing required field Principal"),
            ),
            (
                stmt(&ok.replace(r#""Principal":"*""#, r#""Principal":"bob""#)),
                Resource,
                Err("Invalid principal in policy"),
            ),
            (
                stmt(&ok.replace(r#""Principal":"*""#, r#""Principal":{"AWS":"bob"}"#)),
                Resource,
                Err("Invalid principal in policy"),
            ),
            (
                stmt(&ok.replace("s3:GetObject", "GetObject")),
                Resource,
                Err("Policy has invalid action"),
            ),
            (
                stmt(&ok.replace(r#""Action":"s3:GetObject","#, "")),
                Resource,
                Err("Missing required field Action"),
            ),
            (
                stmt(&ok.replace("arn:aws:s3:::b/*", "b/*")),
                Resource,
                Err("Policy has invalid resource"),
            ),
            (
                stmt(&ok.replace("Resource", "NotResource")),
                Resource,
                Ok(()),
            ),
            (
                stmt(&ok.replace(r#""Action""#, r#""Action":"s3:*","NotAction""#)),
                Resource,
                Err("Statement can not have both Action and NotAction"),
            ),
            (
                stmt(&ok.replace(
                    "}",
                    r#","Condition":{"StringEqualz":{"aws:SourceIp":"x"}}}"#,
                )),
                Resource,
                Err("Invalid Condition type : StringEqualz"),
            ),
            (
                stmt(&ok.replace("}", r#","Extra":1}"#)),
                Resource,
                Err("Unknown field Extra"),
            ),
            (
                stmt(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#),
                Identity,
                Ok(()),
            ),
            (
                stmt(r#"{"Effect":"Allow","Action":"s3:*"}"#),
                Identity,
                Err("Policy statement must contain resources."),
            ),
            (
                stmt(r#"{"Effect":"Allow","Resource":"*"}"#),
                Identity,
                Err("Policy statement must contain actions."),
            ),
            (
                stmt(r#"{"Effect":"Allow","Action":"s3:*","Resource":""}"#),
                Identity,
                Err("Resource  must be in ARN format or \"*\"."),
            ),
            (
                stmt(r#"{"Effect":"Allow","Action":"GetObject","Resource":"*"}"#),
                Identity,
                Err("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
            ),
            (
                stmt(
                    r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}"#,
                ),
                Resource,
                Ok(()),
            ),
        ];
        for (doc, kind, expected) in cases {
            check(&doc, kind, expected);
        }
    }
}
