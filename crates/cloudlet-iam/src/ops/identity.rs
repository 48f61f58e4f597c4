//! The identity policies of a caller, as the services that authorise requests see them: an
//! IAM user's or a role session's role's inline documents and the default versions of their
//! attached managed policies (customer or AWS managed).

use cloudlet_core::Principal;
use cloudlet_core::traits::IdentityPolicies;
use cloudlet_store::redb::ReadTransaction;

use super::policies::{PolicyRef, policy_ref};
use crate::Iam;
use crate::error::IamError;
use crate::state::{POLICIES, ROLES, USERS, key};

/// The documents of `inline` and of each attached policy ARN that still resolves.
fn documents(
    txn: &ReadTransaction,
    account: &str,
    inline: impl Iterator<Item = String>,
    attached: &[String],
) -> Result<Vec<String>, IamError> {
    let mut docs: Vec<String> = inline.collect();
    for arn in attached {
        match policy_ref(account, arn) {
            PolicyRef::Aws(p) => docs.push(p.document.clone()),
            PolicyRef::Customer { key, path } => {
                let Some(p) = POLICIES.read(txn, &key)?.filter(|p| p.path == path) else {
                    continue;
                };
                if let Some(v) = p.versions.into_iter().find(|v| v.id == p.default_version) {
                    docs.push(v.document);
                }
            }
            PolicyRef::Unknown => {}
        }
    }
    Ok(docs)
}

impl IdentityPolicies for Iam {
    fn identity_policies(&self, principal: &Principal) -> Option<Vec<String>> {
        let (account, user, role) = match principal {
            Principal::Anonymous | Principal::Root { .. } => return None,
            Principal::User { account, name } => (account.as_str(), Some(name), None),
            Principal::AssumedRole { account, role, .. } => (account.as_str(), None, Some(role)),
        };
        let found = self.store.read(|txn| {
            if let Some(name) = user {
                return match USERS.read(txn, &key(account, name))? {
                    Some(u) => documents(txn, account, u.inline.into_values(), &u.attached),
                    None => Ok(Vec::new()),
                };
            }
            match role
                .map(|r| ROLES.read(txn, &key(account, r)))
                .transpose()?
            {
                Some(Some(r)) => documents(txn, account, r.inline.into_values(), &r.attached),
                _ => Ok(Vec::new()),
            }
        });
        // A caller IAM cannot read has no permissions rather than all of them.
        Some(found.unwrap_or_default())
    }
}
