//! The built-in catalogue of AWS managed policies (`arn:aws:iam::aws:policy/…`) with their
//! real documents, read lazily from `managed_policies.json` on first use so startup pays
//! nothing for it. Read-only: they exist in every account and cannot be changed.

use std::sync::OnceLock;

use serde::Deserialize;

/// One AWS managed policy (its default version only).
#[derive(Clone, Debug, Deserialize)]
pub struct AwsPolicy {
    pub name: String,
    pub path: String,
    pub default_version: String,
    pub create_date: String,
    pub update_date: String,
    pub document: String,
}

impl AwsPolicy {
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::aws:policy{}{}", self.path, self.name)
    }
    /// A stable `ANPA…` id derived from the name (FNV-1a spread over the id alphabet).
    pub fn id(&self) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut id = String::from("ANPA");
        for i in 0..17u8 {
            for b in self.name.bytes().chain([i]) {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            id.push(char::from(A[(h % 32) as usize]));
        }
        id
    }
}

/// Every AWS managed policy cloudlet knows.
pub fn all() -> &'static [AwsPolicy] {
    static CATALOGUE: OnceLock<Vec<AwsPolicy>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        serde_json::from_str(include_str!("managed_policies.json")).unwrap_or_default()
    })
}

/// The AWS managed policy with this ARN.
pub fn find(arn: &str) -> Option<&'static AwsPolicy> {
    all().iter().find(|p| p.arn() == arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_the_lambda_policies() {
        let want = [
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "arn:aws:iam::aws:policy/AWSLambdaExecute",
            "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
            "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess",
            "arn:aws:iam::aws:policy/AmazonS3FullAccess",
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
            "arn:aws:iam::aws:policy/AdministratorAccess",
        ];
        for arn in want {
            let p = find(arn).unwrap_or_else(|| panic!("{arn} missing"));
            assert!(
                crate::policy::validate(&p.document, crate::policy::Kind::Identity).is_ok(),
                "{arn}"
            );
            assert_eq!(p.id().len(), 21);
        }
        assert_eq!(
            find("arn:aws:iam::aws:policy/AdministratorAccess").map(|p| p.document.as_str()),
            Some(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
            )
        );
    }
}
