//! User and access key operations (the identities strict authentication will check).

use cloudlet_core::ids::random_upper_id;
use cloudlet_core::{Principal, RequestContext};

use super::{OpResult, page_tail, paginate, tags_xml};
use crate::Iam;
use crate::error::IamError;
use crate::keys;
use crate::protocol::Page;
use crate::query::Xml;
use crate::state::{ACCESS_KEYS, AccessKey, Tag, USERS, User, key, prefix};
use crate::time::{iso8601, now};

pub(crate) fn no_such_user(name: &str) -> IamError {
    IamError::NoSuchEntity(format!("The user with name {name} cannot be found."))
}

fn no_such_key(id: &str) -> IamError {
    IamError::NoSuchEntity(format!("The Access Key with id {id} cannot be found."))
}

fn user_xml(x: &mut Xml, u: &User, acct: &str, with_tags: bool) {
    x.elem("Path", &u.path)
        .elem("UserName", &u.name)
        .elem("UserId", &u.id)
        .elem("Arn", &u.arn(acct))
        .elem("CreateDate", &iso8601(u.created));
    if with_tags && !u.tags.is_empty() {
        tags_xml(x, &u.tags);
    }
}

/// Whose keys an access-key operation is about: a user name, or `None` for the root.
fn key_owner(ctx: &RequestContext, user: Option<String>) -> Result<Option<String>, IamError> {
    match (user, &ctx.principal) {
        (Some(u), _) => Ok(Some(u)),
        (None, Principal::User { name, .. }) => Ok(Some(name.clone())),
        (None, Principal::Root { .. } | Principal::Anonymous) => Ok(None),
        (None, Principal::AssumedRole { .. }) => Err(IamError::Validation(
            "Must specify userName when calling with non-User credentials".into(),
        )),
    }
}

fn same_owner(k: &AccessKey, acct: &str, owner: Option<&str>) -> bool {
    k.account == acct
        && match (k.user.as_deref(), owner) {
            (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
            (None, None) => true,
            _ => false,
        }
}

impl Iam {
    pub(crate) fn user(&self, acct: &str, name: &str) -> Result<User, IamError> {
        let k = key(acct, name);
        self.store
            .read(|txn| Ok::<_, IamError>(USERS.read(txn, &k)?))?
            .ok_or_else(|| no_such_user(name))
    }

    pub(crate) async fn create_user(
        &self,
        acct: &str,
        name: String,
        path: String,
        tags: Vec<Tag>,
    ) -> OpResult {
        let user = User {
            id: random_upper_id("AIDA", 21),
            created: now(),
            name,
            path,
            tags,
            inline: Default::default(),
            attached: Vec::new(),
        };
        let k = key(acct, &user.name);
        let stored = user.clone();
        self.store
            .write(move |txn| {
                if USERS.get(txn, &k)?.is_some() {
                    return Err(IamError::EntityAlreadyExists(format!(
                        "User with name {} already exists.",
                        stored.name
                    )));
                }
                USERS.put(txn, &k, &stored)?;
                Ok(())
            })
            .await?;
        let mut x = Xml::new();
        x.open("User");
        user_xml(&mut x, &user, acct, true);
        Ok(Some(x.finish()))
    }

    pub(crate) fn get_user(&self, ctx: &RequestContext, name: Option<&str>) -> OpResult {
        let acct = ctx.account.as_str();
        let mut x = Xml::new();
        x.open("User");
        let caller = match &ctx.principal {
            Principal::User { name, .. } => Some(name.as_str()),
            _ => None,
        };
        match (name.or(caller), &ctx.principal) {
            (Some(n), _) => {
                user_xml(&mut x, &self.user(acct, n)?, acct, true);
            }
            (None, Principal::Root { .. } | Principal::Anonymous) => {
                x.elem("Path", "/")
                    .elem("UserId", acct)
                    .elem("Arn", &format!("arn:aws:iam::{acct}:root"))
                    .elem("CreateDate", &iso8601(0));
            }
            (None, Principal::AssumedRole { .. } | Principal::User { .. }) => {
                return Err(IamError::Validation(
                    "Must specify userName when calling with non-User credentials".into(),
                ));
            }
        }
        Ok(Some(x.finish()))
    }

    pub(crate) fn list_users(&self, acct: &str, path_prefix: &str, page: &Page) -> OpResult {
        let p = prefix(acct);
        let users: Vec<(String, User)> = self
            .store
            .read(|txn| Ok::<_, IamError>(USERS.read_all(txn, &p)?))?
            .into_iter()
            .filter(|(_, u)| u.path.starts_with(path_prefix))
            .collect();
        let (users, next) = paginate(users, |(k, _)| k[p.len()..].to_string(), page);
        let mut x = Xml::new();
        x.open("Users");
        for (_, u) in &users {
            x.open("member");
            user_xml(&mut x, u, acct, false);
            x.close();
        }
        x.close();
        page_tail(&mut x, next);
        Ok(Some(x.finish()))
    }

    pub(crate) async fn delete_user(&self, acct: &str, name: &str) -> OpResult {
        let k = key(acct, name);
        let name = name.to_string();
        let acct = acct.to_string();
        self.store
            .write(move |txn| {
                let user = USERS.get(txn, &k)?.ok_or_else(|| no_such_user(&name))?;
                if !user.attached.is_empty() {
                    return Err(IamError::DeleteConflict(
                        "Cannot delete entity, must detach all policies first.".into(),
                    ));
                }
                if !user.inline.is_empty() {
                    return Err(IamError::DeleteConflict(
                        "Cannot delete entity, must delete policies first.".into(),
                    ));
                }
                let has_keys = ACCESS_KEYS
                    .all(txn, "")?
                    .iter()
                    .any(|(_, ak)| same_owner(ak, &acct, Some(&name)));
                if has_keys {
                    return Err(IamError::DeleteConflict(
                        "Cannot delete entity, must delete access keys first.".into(),
                    ));
                }
                USERS.remove(txn, &k)?;
                Ok(())
            })
            .await?;
        Ok(None)
    }

    pub(crate) async fn create_access_key(
        &self,
        ctx: &RequestContext,
        user: Option<String>,
    ) -> OpResult {
        let acct = ctx.account.as_str().to_string();
        let owner = key_owner(ctx, user)?;
        let ak = AccessKey {
            account: acct.clone(),
            user: owner.clone(),
            id: keys::user_key_id(),
            secret: keys::secret(),
            status: "Active".into(),
            created: now(),
        };
        let stored = ak.clone();
        let ak = self
            .store
            .write(move |txn| {
                let mut stored = stored.clone();
                if let Some(name) = &owner {
                    let u = USERS
                        .get(txn, &key(&acct, name))?
                        .ok_or_else(|| no_such_user(name))?;
                    stored.user = Some(u.name);
                }
                let count = ACCESS_KEYS
                    .all(txn, "")?
                    .iter()
                    .filter(|(_, k)| same_owner(k, &acct, owner.as_deref()))
                    .count();
                if count >= 2 {
                    return Err(IamError::LimitExceeded(
                        "Cannot exceed quota for AccessKeysPerUser: 2".into(),
                    ));
                }
                ACCESS_KEYS.put(txn, &stored.id, &stored)?;
                Ok(stored)
            })
            .await?;
        let mut x = Xml::new();
        x.open("AccessKey")
            .opt("UserName", ak.user.as_deref())
            .elem("AccessKeyId", &ak.id)
            .elem("Status", &ak.status)
            .elem("SecretAccessKey", &ak.secret)
            .elem("CreateDate", &iso8601(ak.created));
        Ok(Some(x.finish()))
    }

    pub(crate) fn list_access_keys(
        &self,
        ctx: &RequestContext,
        user: Option<String>,
        page: &Page,
    ) -> OpResult {
        let acct = ctx.account.as_str();
        let owner = key_owner(ctx, user)?;
        let owner_name = match &owner {
            Some(name) => Some(self.user(acct, name)?.name),
            None => None,
        };
        let all = self
            .store
            .read(|txn| Ok::<_, IamError>(ACCESS_KEYS.read_all(txn, "")?))?;
        let mine: Vec<AccessKey> = all
            .into_iter()
            .map(|(_, k)| k)
            .filter(|k| same_owner(k, acct, owner.as_deref()))
            .collect();
        let (mine, next) = paginate(mine, |k| k.id.clone(), page);
        let mut x = Xml::new();
        x.open("AccessKeyMetadata");
        for k in &mine {
            x.open("member")
                .opt("UserName", k.user.as_deref())
                .elem("AccessKeyId", &k.id)
                .elem("Status", &k.status)
                .elem("CreateDate", &iso8601(k.created))
                .close();
        }
        x.close();
        page_tail(&mut x, next);
        x.opt("UserName", owner_name.as_deref());
        Ok(Some(x.finish()))
    }

    /// Applies `f` to key `id` of the owner named by `user`/the caller; `None` deletes it.
    async fn modify_access_key(
        &self,
        ctx: &RequestContext,
        user: Option<String>,
        id: String,
        status: Option<String>,
    ) -> OpResult {
        let acct = ctx.account.as_str().to_string();
        let owner = key_owner(ctx, user)?;
        self.store
            .write(move |txn| {
                if let Some(name) = &owner
                    && USERS.get(txn, &key(&acct, name))?.is_none()
                {
                    return Err(no_such_user(name));
                }
                let mut k = ACCESS_KEYS
                    .get(txn, &id)?
                    .filter(|k| same_owner(k, &acct, owner.as_deref()))
                    .ok_or_else(|| no_such_key(&id))?;
                match &status {
                    Some(s) => {
                        k.status = s.clone();
                        ACCESS_KEYS.put(txn, &id, &k)?;
                    }
                    None => ACCESS_KEYS.remove(txn, &id)?,
                }
                Ok(())
            })
            .await?;
        Ok(None)
    }

    pub(crate) async fn delete_access_key(
        &self,
        ctx: &RequestContext,
        user: Option<String>,
        id: String,
    ) -> OpResult {
        self.modify_access_key(ctx, user, id, None).await
    }

    pub(crate) async fn update_access_key(
        &self,
        ctx: &RequestContext,
        user: Option<String>,
        id: String,
        status: String,
    ) -> OpResult {
        self.modify_access_key(ctx, user, id, Some(status)).await
    }
}
