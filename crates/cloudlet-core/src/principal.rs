//! Who makes a request: nobody (anonymous), an account's root, an IAM user, or a role
//! session obtained through STS.

use crate::ids::AccountId;

/// The authenticated caller of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// An unsigned request (a browser on a website, a public object URL).
    Anonymous,
    /// The account itself: what any unknown access key maps to by default.
    Root { account: AccountId },
    /// An IAM user with its own access key.
    User { account: AccountId, name: String },
    /// A role session from `AssumeRole` (what a Lambda function's SDK signs with).
    AssumedRole {
        account: AccountId,
        role: String,
        session: String,
    },
}

impl Principal {
    /// The account the principal belongs to; `None` for anonymous callers.
    pub fn account(&self) -> Option<&AccountId> {
        match self {
            Principal::Anonymous => None,
            Principal::Root { account }
            | Principal::User { account, .. }
            | Principal::AssumedRole { account, .. } => Some(account),
        }
    }

    /// The ARN AWS reports for this principal (`GetCallerIdentity`, policy evaluation).
    pub fn arn(&self) -> String {
        match self {
            Principal::Anonymous => "*".to_string(),
            Principal::Root { account } => format!("arn:aws:iam::{account}:root"),
            Principal::User { account, name } => format!("arn:aws:iam::{account}:user/{name}"),
            Principal::AssumedRole {
                account,
                role,
                session,
            } => {
                format!("arn:aws:sts::{account}:assumed-role/{role}/{session}")
            }
        }
    }
}
