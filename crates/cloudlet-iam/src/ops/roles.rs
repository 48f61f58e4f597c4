//! Role operations: lifecycle, trust policy, tags, inline policies and managed-policy
//! attachments.

use cloudlet_core::ids::random_upper_id;
use cloudlet_store::redb::WriteTransaction;

use super::{
    OpResult, attached_xml, merge_tags, page_tail, paginate, policy_names_xml, remove_tags,
    tags_page, tags_xml,
};
use crate::Iam;
use crate::error::IamError;
use crate::ops::policies::{attach, not_attached, policy_ref};
use crate::policy::{self, Kind, url_encode};
use crate::protocol::{CreateRole, Page};
use crate::query::Xml;
use crate::state::{ROLES, Role, Tag, key, prefix};
use crate::time::{iso8601, now};

/// How much of a role a response shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// `ListRoles`: no tags, no last-used.
    List,
    /// `CreateRole`: tags when present.
    Created,
    /// `GetRole`: everything.
    Full,
}

fn role_xml(x: &mut Xml, role: &Role, acct: &str, detail: Detail) {
    x.elem("Path", &role.path)
        .elem("RoleName", &role.name)
        .elem("RoleId", &role.id)
        .elem("Arn", &role.arn(acct))
        .elem("CreateDate", &iso8601(role.created))
        .elem("AssumeRolePolicyDocument", &url_encode(&role.trust))
        .opt("Description", role.description.as_deref())
        .elem("MaxSessionDuration", &role.max_session.to_string());
    if detail != Detail::List && !role.tags.is_empty() {
        tags_xml(x, &role.tags);
    }
    if detail == Detail::Full {
        x.empty("RoleLastUsed");
    }
}

fn single_role(role: &Role, acct: &str, detail: Detail) -> Option<String> {
    let mut x = Xml::new();
    x.open("Role");
    role_xml(&mut x, role, acct, detail);
    Some(x.finish())
}

pub(crate) fn no_such_role(name: &str) -> IamError {
    IamError::NoSuchEntity(format!("The role with name {name} cannot be found."))
}

impl Iam {
    /// The role `name` of `acct`, from committed state.
    pub(crate) fn role(&self, acct: &str, name: &str) -> Result<Role, IamError> {
        let k = key(acct, name);
        self.store
            .read(|txn| Ok::<_, IamError>(ROLES.read(txn, &k)?))?
            .ok_or_else(|| no_such_role(name))
    }

    /// Loads role `name`, lets `f` change it and stores it, all in one transaction.
    async fn modify_role<T: Send + 'static>(
        &self,
        acct: &str,
        name: &str,
        mut f: impl FnMut(&mut Role, &WriteTransaction) -> Result<T, IamError> + Send + 'static,
    ) -> Result<(Role, T), IamError> {
        let k = key(acct, name);
        let name = name.to_string();
        self.store
            .write(move |txn| {
                let mut role = ROLES.get(txn, &k)?.ok_or_else(|| no_such_role(&name))?;
                let out = f(&mut role, txn)?;
                ROLES.put(txn, &k, &role)?;
                Ok((role, out))
            })
            .await
    }

    pub(crate) async fn create_role(&self, acct: &str, input: CreateRole) -> OpResult {
        policy::validate(&input.trust, Kind::Trust)?;
        let role = Role {
            id: random_upper_id("AROA", 21),
            created: now(),
            name: input.name,
            path: input.path,
            trust: input.trust,
            description: input.description,
            max_session: input.max_session,
            tags: input.tags,
            inline: Default::default(),
            attached: Vec::new(),
        };
        let k = key(acct, &role.name);
        let stored = role.clone();
        self.store
            .write(move |txn| {
                if ROLES.get(txn, &k)?.is_some() {
                    return Err(IamError::EntityAlreadyExists(format!(
                        "Role with name {} already exists.",
                        stored.name
                    )));
                }
                ROLES.put(txn, &k, &stored)?;
                Ok(())
            })
            .await?;
        Ok(single_role(&role, acct, Detail::Created))
    }

    pub(crate) fn get_role(&self, acct: &str, name: &str) -> OpResult {
        Ok(single_role(&self.role(acct, name)?, acct, Detail::Full))
    }

    pub(crate) fn list_roles(&self, acct: &str, path_prefix: &str, page: &Page) -> OpResult {
        let p = prefix(acct);
        let roles: Vec<(String, Role)> = self
            .store
            .read(|txn| Ok::<_, IamError>(ROLES.read_all(txn, &p)?))?
            .into_iter()
            .filter(|(_, r)| r.path.starts_with(path_prefix))
            .collect();
        let (roles, next) = paginate(roles, |(k, _)| k[p.len()..].to_string(), page);
        let mut x = Xml::new();
        x.open("Roles");
        for (_, r) in &roles {
            x.open("member");
            role_xml(&mut x, r, acct, Detail::List);
            x.close();
        }
        x.close();
        page_tail(&mut x, next);
        Ok(Some(x.finish()))
    }

    pub(crate) async fn delete_role(&self, acct: &str, name: &str) -> OpResult {
        let k = key(acct, name);
        let name = name.to_string();
        self.store
            .write(move |txn| {
                let role = ROLES.get(txn, &k)?.ok_or_else(|| no_such_role(&name))?;
                if !role.attached.is_empty() {
                    return Err(IamError::DeleteConflict(
                        "Cannot delete entity, must detach all policies first.".into(),
                    ));
                }
                if !role.inline.is_empty() {
                    return Err(IamError::DeleteConflict(
                        "Cannot delete entity, must delete policies first.".into(),
                    ));
                }
                ROLES.remove(txn, &k)?;
                Ok(())
            })
            .await?;
        Ok(None)
    }

    pub(crate) async fn update_role(
        &self,
        acct: &str,
        name: &str,
        description: Option<String>,
        max_session: Option<i64>,
    ) -> OpResult {
        self.modify_role(acct, name, move |role, _| {
            if let Some(d) = &description {
                role.description = Some(d.clone());
            }
            if let Some(m) = max_session {
                role.max_session = m;
            }
            Ok(())
        })
        .await?;
        Ok(Some(String::new()))
    }

    pub(crate) async fn update_role_description(
        &self,
        acct: &str,
        name: &str,
        description: String,
    ) -> OpResult {
        let (role, ()) = self
            .modify_role(acct, name, move |role, _| {
                role.description = Some(description.clone());
                Ok(())
            })
            .await?;
        Ok(single_role(&role, acct, Detail::Full))
    }

    pub(crate) async fn update_trust(&self, acct: &str, name: &str, document: String) -> OpResult {
        policy::validate(&document, Kind::Trust)?;
        self.modify_role(acct, name, move |role, _| {
            role.trust = document.clone();
            Ok(())
        })
        .await?;
        Ok(None)
    }

    pub(crate) async fn tag_role(&self, acct: &str, name: &str, tags: Vec<Tag>) -> OpResult {
        self.modify_role(acct, name, move |role, _| merge_tags(&mut role.tags, &tags))
            .await?;
        Ok(None)
    }

    pub(crate) async fn untag_role(&self, acct: &str, name: &str, keys: Vec<String>) -> OpResult {
        self.modify_role(acct, name, move |role, _| {
            remove_tags(&mut role.tags, &keys);
            Ok(())
        })
        .await?;
        Ok(None)
    }

    pub(crate) fn list_role_tags(&self, acct: &str, name: &str, page: &Page) -> OpResult {
        tags_page(self.role(acct, name)?.tags, page)
    }

    pub(crate) async fn put_role_policy(
        &self,
        acct: &str,
        role: &str,
        policy: String,
        document: String,
    ) -> OpResult {
        policy::validate(&document, Kind::Identity)?;
        self.modify_role(acct, role, move |role, _| {
            role.inline.insert(policy.clone(), document.clone());
            Ok(())
        })
        .await?;
        Ok(None)
    }

    pub(crate) fn get_role_policy(&self, acct: &str, role: &str, policy: &str) -> OpResult {
        let r = self.role(acct, role)?;
        let doc = r.inline.get(policy).ok_or_else(|| {
            IamError::NoSuchEntity(format!(
                "The role policy with name {policy} cannot be found."
            ))
        })?;
        let mut x = Xml::new();
        x.elem("RoleName", &r.name)
            .elem("PolicyName", policy)
            .elem("PolicyDocument", &url_encode(doc));
        Ok(Some(x.finish()))
    }

    pub(crate) fn list_role_policies(&self, acct: &str, role: &str, page: &Page) -> OpResult {
        let r = self.role(acct, role)?;
        Ok(policy_names_xml(r.inline.into_keys().collect(), page))
    }

    pub(crate) async fn delete_role_policy(
        &self,
        acct: &str,
        role: &str,
        policy: String,
    ) -> OpResult {
        self.modify_role(acct, role, move |role, _| {
            role.inline.remove(&policy).map(|_| ()).ok_or_else(|| {
                IamError::NoSuchEntity(format!(
                    "The role policy with name {policy} cannot be found."
                ))
            })
        })
        .await?;
        Ok(None)
    }

    pub(crate) async fn attach_role_policy(&self, acct: &str, role: &str, arn: String) -> OpResult {
        let pref = policy_ref(acct, &arn);
        self.modify_role(acct, role, move |role, txn| {
            attach(&mut role.attached, &pref, &arn, txn, "PoliciesPerRole: 10")
        })
        .await?;
        Ok(None)
    }

    pub(crate) async fn detach_role_policy(&self, acct: &str, role: &str, arn: String) -> OpResult {
        self.modify_role(acct, role, move |role, _| {
            let before = role.attached.len();
            role.attached.retain(|a| *a != arn);
            if role.attached.len() == before {
                return Err(not_attached(&arn));
            }
            Ok(())
        })
        .await?;
        Ok(None)
    }

    pub(crate) fn list_attached_role_policies(
        &self,
        acct: &str,
        role: &str,
        path_prefix: &str,
        page: &Page,
    ) -> OpResult {
        let r = self.role(acct, role)?;
        Ok(attached_xml(&r.attached, path_prefix, page))
    }

    /// cloudlet has no instance profiles, so every role's list is empty.
    pub(crate) fn list_instance_profiles_for_role(
        &self,
        acct: &str,
        role: &str,
        _page: &Page,
    ) -> OpResult {
        self.role(acct, role)?;
        let mut x = Xml::new();
        x.empty("InstanceProfiles");
        page_tail(&mut x, None);
        Ok(Some(x.finish()))
    }
}
