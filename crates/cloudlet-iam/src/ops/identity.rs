//! The identity policies of a caller, as the services that authorise requests see them: an
//! IAM user's or a role session's role's inline documents and the default versions of their
//! attached managed policies (customer or AWS managed).

use cloudlet_core::Principal;
use cloudlet_core::traits::{Identity, IdentityPolicies};
use cloudlet_store::redb::ReadTransaction;

use super::policies::{PolicyRef, policy_ref};
use crate::Iam;
use crate::error::IamError;
use crate::state::{POLICIES, ROLES, Tag, USERS, key};

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

fn tag_pairs(tags: Vec<Tag>) -> Vec<(String, String)> {
    tags.into_iter().map(|t| (t.key, t.value)).collect()
}

impl IdentityPolicies for Iam {
    fn identity(&self, principal: &Principal) -> Option<Identity> {
        let (account, user, role) = match principal {
            Principal::Anonymous | Principal::Root { .. } => return None,
            Principal::User { account, name } => (account.as_str(), Some(name), None),
            Principal::AssumedRole { account, role, .. } => (account.as_str(), None, Some(role)),
        };
        // One read transaction and one record for the documents, id and tags.
        let found = self.store.read(|txn| -> Result<Identity, IamError> {
            if let Some(name) = user {
                let Some(u) = USERS.read(txn, &key(account, name))? else {
                    return Ok(Identity::default());
                };
                return Ok(Identity {
                    policies: documents(txn, account, u.inline.into_values(), &u.attached)?,
                    unique_id: Some(u.id),
                    tags: tag_pairs(u.tags),
                });
            }
            let Some(r) = role
                .map(|r| ROLES.read(txn, &key(account, r)))
                .transpose()?
                .flatten()
            else {
                return Ok(Identity::default());
            };
            Ok(Identity {
                policies: documents(txn, account, r.inline.into_values(), &r.attached)?,
                unique_id: Some(r.id),
                tags: tag_pairs(r.tags),
            })
        });
        // A caller IAM cannot read has no permissions rather than all of them.
        Some(found.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use cloudlet_core::AccountId;
    use cloudlet_store::Store;

    use super::*;
    use crate::managed;
    use crate::state::{ManagedPolicy, PolicyVersion, Role, User};

    const ACCT: &str = "111122223333";
    const READ_ONLY: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";

    fn version(id: &str, document: &str) -> PolicyVersion {
        PolicyVersion {
            id: id.into(),
            document: document.into(),
            created: 0,
        }
    }

    #[tokio::test]
    async fn users_and_role_sessions_get_their_documents() {
        let store = Store::ephemeral().unwrap();
        let policy = ManagedPolicy {
            name: "Writers".into(),
            id: "ANPA1".into(),
            path: "/team/".into(),
            created: 0,
            updated: 0,
            description: None,
            default_version: "v2".into(),
            versions: vec![version("v1", "old"), version("v2", "current")],
            next_version: 3,
            tags: vec![],
        };
        let user = User {
            name: "Alice".into(),
            id: "AIDA1".into(),
            path: "/".into(),
            created: 0,
            tags: vec![Tag {
                key: "team".into(),
                value: "red".into(),
            }],
            inline: BTreeMap::from([("inline".to_string(), "own".to_string())]),
            attached: vec![
                format!("arn:aws:iam::{ACCT}:policy/team/Writers"),
                READ_ONLY.into(),
                // A stale attachment (wrong path, deleted policy) grants nothing.
                format!("arn:aws:iam::{ACCT}:policy/Writers"),
                format!("arn:aws:iam::{ACCT}:policy/Gone"),
            ],
        };
        let role = Role {
            name: "Reader".into(),
            id: "AROA1".into(),
            path: "/".into(),
            created: 0,
            trust: "{}".into(),
            description: None,
            max_session: 3600,
            tags: vec![],
            inline: BTreeMap::new(),
            attached: vec![READ_ONLY.into()],
        };
        store
            .write(move |txn| {
                POLICIES.put(txn, &key(ACCT, "Writers"), &policy)?;
                USERS.put(txn, &key(ACCT, "Alice"), &user)?;
                ROLES.put(txn, &key(ACCT, "Reader"), &role)
            })
            .await
            .unwrap();
        let iam = Iam::new(store);
        let account = AccountId::parse(ACCT).unwrap();
        let read_only = managed::find(READ_ONLY).unwrap().document.clone();
        let cases = [
            (Principal::Anonymous, None),
            (
                Principal::Root {
                    account: account.clone(),
                },
                None,
            ),
            (
                Principal::User {
                    account: account.clone(),
                    name: "alice".into(),
                },
                Some(vec!["own".to_string(), "current".into(), read_only.clone()]),
            ),
            (
                Principal::User {
                    account: account.clone(),
                    name: "bob".into(),
                },
                Some(vec![]),
            ),
            (
                Principal::AssumedRole {
                    account: account.clone(),
                    role: "Reader".into(),
                    session: "s".into(),
                },
                Some(vec![read_only]),
            ),
            (
                Principal::AssumedRole {
                    account,
                    role: "Gone".into(),
                    session: "s".into(),
                },
                Some(vec![]),
            ),
        ];
        for (principal, expected) in &cases {
            let got = iam.identity(principal).map(|i| i.policies);
            assert_eq!(got, *expected, "{principal:?}");
        }
        let ids: Vec<Option<String>> = cases
            .iter()
            .map(|(p, _)| iam.identity(p).and_then(|i| i.unique_id))
            .collect();
        assert_eq!(
            ids,
            [
                None,
                None,
                Some("AIDA1".into()),
                None,
                Some("AROA1".into()),
                None
            ]
        );
        let alice = Principal::User {
            account: AccountId::parse(ACCT).unwrap(),
            name: "Alice".into(),
        };
        let tags = iam.identity(&alice).map(|i| i.tags);
        assert_eq!(tags, Some(vec![("team".to_string(), "red".to_string())]));
    }
}
