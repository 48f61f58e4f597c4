//! Managed policy operations: customer managed policies with versions, and read-only access
//! to the built-in AWS managed policies.

use std::collections::HashMap;

use cloudlet_core::ids::random_upper_id;
use cloudlet_store::redb::WriteTransaction;

use super::{OpResult, page_tail, paginate, tags_xml};
use crate::Iam;
use crate::error::IamError;
use crate::managed::{self, AwsPolicy};
use crate::policy::{self, Kind, url_encode};
use crate::protocol::{CreatePolicy, EntityFilter, Page, Scope};
use crate::query::Xml;
use crate::state::{ManagedPolicy, POLICIES, PolicyVersion, ROLES, USERS, key, prefix};
use crate::time::{iso8601, now};

/// What a policy ARN names.
pub(crate) enum PolicyRef {
    Aws(&'static AwsPolicy),
    /// A customer managed policy of the caller's account: its table key and path.
    Customer {
        key: String,
        path: String,
    },
    Unknown,
}

/// Resolves `arn` for account `acct` (without reading the store).
pub(crate) fn policy_ref(acct: &str, arn: &str) -> PolicyRef {
    if let Some(p) = managed::find(arn) {
        return PolicyRef::Aws(p);
    }
    let Some(rest) = arn.strip_prefix(&format!("arn:aws:iam::{acct}:policy")) else {
        return PolicyRef::Unknown;
    };
    match rest.rsplit_once('/') {
        Some((path, name)) if rest.starts_with('/') && !name.is_empty() => PolicyRef::Customer {
            key: key(acct, name),
            path: format!("{path}/"),
        },
        _ => PolicyRef::Unknown,
    }
}

/// Adds `arn` to an identity's `attached` list if the policy exists (idempotent), within the
/// quota named by `quota` (`PoliciesPerRole: 10`).
pub(crate) fn attach(
    attached: &mut Vec<String>,
    pref: &PolicyRef,
    arn: &str,
    txn: &WriteTransaction,
    quota: &str,
) -> Result<(), IamError> {
    let exists = match pref {
        PolicyRef::Aws(_) => true,
        PolicyRef::Customer { key, path } => {
            POLICIES.get(txn, key)?.is_some_and(|p| p.path == *path)
        }
        PolicyRef::Unknown => false,
    };
    if !exists {
        return Err(IamError::NoSuchEntity(format!(
            "Policy {arn} does not exist or is not attachable."
        )));
    }
    if !attached.iter().any(|a| a == arn) {
        if attached.len() >= 10 {
            return Err(IamError::LimitExceeded(format!(
                "Cannot exceed quota for {quota}"
            )));
        }
        attached.push(arn.to_string());
    }
    Ok(())
}

/// Detaching a policy that is not attached.
pub(crate) fn not_attached(arn: &str) -> IamError {
    IamError::NoSuchEntity(format!("Policy {arn} was not found."))
}

fn not_found(arn: &str) -> IamError {
    IamError::NoSuchEntity(format!("Policy {arn} was not found."))
}

fn no_such_version(arn: &str, version: &str) -> IamError {
    IamError::NoSuchEntity(format!(
        "Policy {arn} version {version} does not exist or is not attachable."
    ))
}

fn aws_read_only(arn: &str) -> IamError {
    IamError::InvalidInput(format!(
        "Policy {arn} is an AWS managed policy and cannot be modified or deleted."
    ))
}

/// A policy as listings and `GetPolicy` show it.
struct View<'a> {
    name: &'a str,
    id: String,
    arn: String,
    path: &'a str,
    default_version: &'a str,
    description: Option<&'a str>,
    created: String,
    updated: String,
    tags: &'a [crate::state::Tag],
}

impl<'a> View<'a> {
    fn aws(p: &'a AwsPolicy) -> View<'a> {
        View {
            name: &p.name,
            id: p.id(),
            arn: p.arn(),
            path: &p.path,
            default_version: &p.default_version,
            description: None,
            created: p.create_date.clone(),
            updated: p.update_date.clone(),
            tags: &[],
        }
    }
    fn customer(p: &'a ManagedPolicy, acct: &str) -> View<'a> {
        View {
            name: &p.name,
            id: p.id.clone(),
            arn: p.arn(acct),
            path: &p.path,
            default_version: &p.default_version,
            description: p.description.as_deref(),
            created: iso8601(p.created),
            updated: iso8601(p.updated),
            tags: &p.tags,
        }
    }
    fn write(&self, x: &mut Xml, attachments: usize, full: bool) {
        x.elem("PolicyName", self.name)
            .elem("PolicyId", &self.id)
            .elem("Arn", &self.arn)
            .elem("Path", self.path)
            .elem("DefaultVersionId", self.default_version)
            .elem("AttachmentCount", &attachments.to_string())
            .elem("PermissionsBoundaryUsageCount", "0")
            .elem("IsAttachable", "true");
        if full {
            x.opt("Description", self.description);
        }
        x.elem("CreateDate", &self.created)
            .elem("UpdateDate", &self.updated);
        if full && !self.tags.is_empty() {
            tags_xml(x, self.tags);
        }
    }
}

fn version_xml(x: &mut Xml, v: &PolicyVersion, default: &str, with_document: bool) {
    x.open("PolicyVersion");
    if with_document {
        x.elem("Document", &url_encode(&v.document));
    }
    x.elem("VersionId", &v.id)
        .elem(
            "IsDefaultVersion",
            if v.id == default { "true" } else { "false" },
        )
        .elem("CreateDate", &iso8601(v.created))
        .close();
}

impl Iam {
    /// How many roles and users of `acct` each policy ARN is attached to.
    fn attachment_counts(&self, acct: &str) -> Result<HashMap<String, usize>, IamError> {
        let p = prefix(acct);
        let (roles, users) = self
            .store
            .read(|txn| Ok::<_, IamError>((ROLES.read_all(txn, &p)?, USERS.read_all(txn, &p)?)))?;
        let mut counts = HashMap::new();
        let attached = roles
            .into_iter()
            .flat_map(|(_, r)| r.attached)
            .chain(users.into_iter().flat_map(|(_, u)| u.attached));
        for arn in attached {
            *counts.entry(arn).or_insert(0) += 1;
        }
        Ok(counts)
    }

    pub(crate) fn list_entities_for_policy(
        &self,
        acct: &str,
        arn: &str,
        filter: Option<EntityFilter>,
        path_prefix: &str,
        page: &Page,
    ) -> OpResult {
        if let PolicyRef::Unknown | PolicyRef::Customer { .. } = policy_ref(acct, arn) {
            self.customer_policy(acct, arn)?;
        }
        let p = prefix(acct);
        let (roles, users) = self
            .store
            .read(|txn| Ok::<_, IamError>((ROLES.read_all(txn, &p)?, USERS.read_all(txn, &p)?)))?;
        let want = |f: EntityFilter| filter.is_none_or(|x| x == f);
        // (kind, name, id): users first, then roles, as one pageable list.
        let mut entities: Vec<(&str, String, String)> = Vec::new();
        if want(EntityFilter::User) {
            entities.extend(
                users
                    .into_iter()
                    .map(|(_, u)| u)
                    .filter(|u| {
                        u.path.starts_with(path_prefix) && u.attached.iter().any(|a| a == arn)
                    })
                    .map(|u| ("user", u.name, u.id)),
            );
        }
        if want(EntityFilter::Role) {
            entities.extend(
                roles
                    .into_iter()
                    .map(|(_, r)| r)
                    .filter(|r| {
                        r.path.starts_with(path_prefix) && r.attached.iter().any(|a| a == arn)
                    })
                    .map(|r| ("role", r.name, r.id)),
            );
        }
        let (entities, next) = paginate(entities, |(kind, name, _)| format!("{kind}/{name}"), page);
        let mut x = Xml::new();
        x.empty("PolicyGroups");
        for (tag, kind, name_tag, id_tag) in [
            ("PolicyUsers", "user", "UserName", "UserId"),
            ("PolicyRoles", "role", "RoleName", "RoleId"),
        ] {
            x.open(tag);
            for (_, name, id) in entities.iter().filter(|(k, _, _)| *k == kind) {
                x.open("member")
                    .elem(name_tag, name)
                    .elem(id_tag, id)
                    .close();
            }
            x.close();
        }
        page_tail(&mut x, next);
        Ok(Some(x.finish()))
    }

    /// The customer managed policy `arn` names, from committed state.
    fn customer_policy(&self, acct: &str, arn: &str) -> Result<ManagedPolicy, IamError> {
        match policy_ref(acct, arn) {
            PolicyRef::Customer { key, path } => self
                .store
                .read(|txn| Ok::<_, IamError>(POLICIES.read(txn, &key)?))?
                .filter(|p| p.path == path)
                .ok_or_else(|| not_found(arn)),
            PolicyRef::Aws(_) | PolicyRef::Unknown => Err(not_found(arn)),
        }
    }

    /// Loads the customer policy `arn`, lets `f` change it and stores it (or deletes it when
    /// `f` returns `false`), in one transaction.
    async fn modify_policy<T: Send + 'static>(
        &self,
        acct: &str,
        arn: &str,
        mut f: impl FnMut(
            &mut ManagedPolicy,
            &cloudlet_store::redb::WriteTransaction,
        ) -> Result<(bool, T), IamError>
        + Send
        + 'static,
    ) -> Result<T, IamError> {
        let (k, path) = match policy_ref(acct, arn) {
            PolicyRef::Customer { key, path } => (key, path),
            PolicyRef::Aws(_) => return Err(aws_read_only(arn)),
            PolicyRef::Unknown => return Err(not_found(arn)),
        };
        let arn = arn.to_string();
        self.store
            .write(move |txn| {
                let mut p = POLICIES
                    .get(txn, &k)?
                    .filter(|p| p.path == path)
                    .ok_or_else(|| not_found(&arn))?;
                let (keep, out) = f(&mut p, txn)?;
                if keep {
                    POLICIES.put(txn, &k, &p)?;
                } else {
                    POLICIES.remove(txn, &k)?;
                }
                Ok(out)
            })
            .await
    }

    pub(crate) async fn create_policy(&self, acct: &str, input: CreatePolicy) -> OpResult {
        policy::validate(&input.document, Kind::Identity)?;
        let created = now();
        let p = ManagedPolicy {
            id: random_upper_id("ANPA", 21),
            created,
            updated: created,
            default_version: "v1".into(),
            versions: vec![PolicyVersion {
                id: "v1".into(),
                document: input.document,
                created,
            }],
            next_version: 2,
            name: input.name,
            path: input.path,
            description: input.description,
            tags: input.tags,
        };
        let k = key(acct, &p.name);
        let stored = p.clone();
        self.store
            .write(move |txn| {
                if POLICIES.get(txn, &k)?.is_some() {
                    return Err(IamError::EntityAlreadyExists(format!(
                        "A policy called {} already exists. Duplicate names are not allowed.",
                        stored.name
                    )));
                }
                POLICIES.put(txn, &k, &stored)?;
                Ok(())
            })
            .await?;
        let mut x = Xml::new();
        x.open("Policy");
        View::customer(&p, acct).write(&mut x, 0, true);
        Ok(Some(x.finish()))
    }

    pub(crate) fn get_policy(&self, acct: &str, arn: &str) -> OpResult {
        let counts = self.attachment_counts(acct)?;
        let n = counts.get(arn).copied().unwrap_or(0);
        let mut x = Xml::new();
        x.open("Policy");
        match policy_ref(acct, arn) {
            PolicyRef::Aws(p) => View::aws(p).write(&mut x, n, true),
            _ => View::customer(&self.customer_policy(acct, arn)?, acct).write(&mut x, n, true),
        }
        Ok(Some(x.finish()))
    }

    pub(crate) async fn delete_policy(&self, acct: &str, arn: &str) -> OpResult {
        let p = prefix(acct);
        let target = arn.to_string();
        self.modify_policy(acct, arn, move |policy, txn| {
            let attached = ROLES
                .all(txn, &p)?
                .iter()
                .any(|(_, r)| r.attached.contains(&target))
                || USERS
                    .all(txn, &p)?
                    .iter()
                    .any(|(_, u)| u.attached.contains(&target));
            if attached {
                return Err(IamError::DeleteConflict(
                    "Cannot delete a policy attached to entities.".into(),
                ));
            }
            if policy.versions.len() > 1 {
                return Err(IamError::DeleteConflict(
                    "This policy has more than one version. Before you delete a policy, you \
                     must delete the policy's versions. The default version is deleted with \
                     the policy."
                        .into(),
                ));
            }
            Ok((false, ()))
        })
        .await?;
        Ok(None)
    }

    pub(crate) fn get_policy_version(&self, acct: &str, arn: &str, version: &str) -> OpResult {
        let mut x = Xml::new();
        match policy_ref(acct, arn) {
            PolicyRef::Aws(p) => {
                if p.default_version != version {
                    return Err(no_such_version(arn, version));
                }
                x.open("PolicyVersion")
                    .elem("Document", &url_encode(&p.document))
                    .elem("VersionId", &p.default_version)
                    .elem("IsDefaultVersion", "true")
                    .elem("CreateDate", &p.update_date)
                    .close();
            }
            _ => {
                let p = self.customer_policy(acct, arn)?;
                let v = p
                    .versions
                    .iter()
                    .find(|v| v.id == version)
                    .ok_or_else(|| no_such_version(arn, version))?;
                version_xml(&mut x, v, &p.default_version, true);
            }
        }
        Ok(Some(x.finish()))
    }

    pub(crate) async fn create_policy_version(
        &self,
        acct: &str,
        arn: &str,
        document: String,
        set_default: bool,
    ) -> OpResult {
        policy::validate(&document, Kind::Identity)?;
        let (version, default) = self
            .modify_policy(acct, arn, move |p, _| {
                if p.versions.len() >= 5 {
                    return Err(IamError::LimitExceeded(
                        "A managed policy can have up to 5 versions. Before you create a new \
                         version, you must delete an existing version."
                            .into(),
                    ));
                }
                let v = PolicyVersion {
                    id: format!("v{}", p.next_version),
                    document: document.clone(),
                    created: now(),
                };
                p.next_version += 1;
                if set_default {
                    p.default_version = v.id.clone();
                    p.updated = v.created;
                }
                p.versions.push(v.clone());
                Ok((true, (v, p.default_version.clone())))
            })
            .await?;
        let mut x = Xml::new();
        version_xml(&mut x, &version, &default, false);
        Ok(Some(x.finish()))
    }

    pub(crate) fn list_policy_versions(&self, acct: &str, arn: &str, page: &Page) -> OpResult {
        let (versions, default) = match policy_ref(acct, arn) {
            PolicyRef::Aws(p) => (
                vec![PolicyVersion {
                    id: p.default_version.clone(),
                    document: String::new(),
                    created: 0,
                }],
                p.default_version.clone(),
            ),
            _ => {
                let p = self.customer_policy(acct, arn)?;
                (p.versions, p.default_version)
            }
        };
        let mut versions = versions;
        versions.reverse();
        let (versions, next) = paginate(versions, |v| v.id.clone(), page);
        let mut x = Xml::new();
        x.open("Versions");
        for v in &versions {
            x.open("member")
                .elem("VersionId", &v.id)
                .elem(
                    "IsDefaultVersion",
                    if v.id == default { "true" } else { "false" },
                )
                .elem("CreateDate", &iso8601(v.created))
                .close();
        }
        x.close();
        page_tail(&mut x, next);
        Ok(Some(x.finish()))
    }

    pub(crate) async fn delete_policy_version(
        &self,
        acct: &str,
        arn: &str,
        version: String,
    ) -> OpResult {
        let target = arn.to_string();
        self.modify_policy(acct, arn, move |p, _| {
            if p.default_version == version {
                return Err(IamError::DeleteConflict(
                    "Cannot delete the default version of a policy.".into(),
                ));
            }
            let before = p.versions.len();
            p.versions.retain(|v| v.id != version);
            if p.versions.len() == before {
                return Err(no_such_version(&target, &version));
            }
            Ok((true, ()))
        })
        .await?;
        Ok(None)
    }

    pub(crate) async fn set_default_policy_version(
        &self,
        acct: &str,
        arn: &str,
        version: String,
    ) -> OpResult {
        let target = arn.to_string();
        self.modify_policy(acct, arn, move |p, _| {
            if !p.versions.iter().any(|v| v.id == version) {
                return Err(no_such_version(&target, &version));
            }
            p.default_version = version.clone();
            p.updated = now();
            Ok((true, ()))
        })
        .await?;
        Ok(None)
    }

    pub(crate) fn list_policies(
        &self,
        acct: &str,
        scope: Scope,
        only_attached: bool,
        path_prefix: &str,
        page: &Page,
    ) -> OpResult {
        let counts = self.attachment_counts(acct)?;
        let customer: Vec<ManagedPolicy> = if scope == Scope::Aws {
            Vec::new()
        } else {
            let p = prefix(acct);
            self.store
                .read(|txn| Ok::<_, IamError>(POLICIES.read_all(txn, &p)?))?
                .into_iter()
                .map(|(_, p)| p)
                .collect()
        };
        let mut views: Vec<View<'_>> = Vec::new();
        if scope != Scope::Local {
            views.extend(managed::all().iter().map(View::aws));
        }
        views.extend(customer.iter().map(|p| View::customer(p, acct)));
        let views: Vec<View<'_>> = views
            .into_iter()
            .filter(|v| v.path.starts_with(path_prefix))
            .filter(|v| !only_attached || counts.get(&v.arn).is_some_and(|n| *n > 0))
            .collect();
        let (views, next) = paginate(views, |v| v.arn.clone(), page);
        let mut x = Xml::new();
        x.open("Policies");
        for v in &views {
            x.open("member");
            v.write(&mut x, counts.get(&v.arn).copied().unwrap_or(0), false);
            x.close();
        }
        x.close();
        page_tail(&mut x, next);
        Ok(Some(x.finish()))
    }
}
