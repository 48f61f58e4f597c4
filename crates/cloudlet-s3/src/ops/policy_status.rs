//! GetBucketPolicyStatus (`?policyStatus`): whether the bucket policy makes the bucket
//! public, decided by `cloudlet-policy` as Block Public Access decides it.

use cloudlet_core::xml::XmlWriter;
use cloudlet_core::{RequestContext, Response};
use cloudlet_policy::PolicyKind;

use super::{XMLNS, xml_response};
use crate::S3;
use crate::error::{S3Error, S3Result};
use crate::policy_cache::PolicyCache;

/// Whether a stored bucket policy is public (one that no longer parses grants nothing).
pub fn is_public(policies: &PolicyCache, policy: &str) -> bool {
    policies
        .get(policy, PolicyKind::Resource)
        .is_some_and(|p| p.is_public())
}

pub fn get(s3: &S3, ctx: &RequestContext, bucket: &str) -> S3Result<Response> {
    let b = s3.bucket_for(ctx, bucket, "s3:GetBucketPolicyStatus")?;
    let policy = b
        .policy
        .ok_or_else(|| S3Error::NoSuchBucketPolicy(bucket.to_string()))?;
    let mut x = XmlWriter::new();
    x.open_ns("PolicyStatus", XMLNS).elem(
        "IsPublic",
        if is_public(&s3.policies, &policy) {
            "true"
        } else {
            "false"
        },
    );
    Ok(xml_response(x.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_policies() {
        let doc = |principal: &str, condition: &str| {
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"{condition}}}]}}"#
            )
        };
        let cases = [
            (doc(r#""*""#, ""), true),
            (doc(r#"{"AWS":"*"}"#, ""), true),
            (
                doc(r#"{"AWS":"arn:aws:iam::123456789012:root"}"#, ""),
                false,
            ),
            (
                doc(
                    r#""*""#,
                    r#","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}"#,
                ),
                false,
            ),
            ("not json".to_string(), false),
        ];
        for (policy, expected) in cases {
            assert_eq!(
                is_public(&PolicyCache::new(), &policy),
                expected,
                "{policy}"
            );
        }
    }
}
