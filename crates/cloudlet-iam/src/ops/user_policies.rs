//! A user's tags, inline policies and attached managed policies (what strict authorization
//! will evaluate for IAM user keys).

use cloudlet_store::redb::WriteTransaction;

use super::users::no_such_user;
use super::{OpResult, attached_xml, merge_tags, policy_names_xml, remove_tags, tags_page};
use crate::Iam;
use crate::error::IamError;
use crate::ops::policies::{attach, not_attached, policy_ref};
use crate::policy::{self, Kind, url_encode};
use crate::protocol::Page;
use crate::query::Xml;
use crate::state::{Tag, USERS, User, key};

fn no_such_user_policy(name: &str) -> IamError {
    IamError::NoSuchEntity(format!("The user policy with name {name} cannot be found."))
}

impl Iam {
    /// Loads user `name`, lets `f` change it and stores it, all in one transaction.
    async fn modify_user(
        &self,
        acct: &str,
        name: &str,
        mut f: impl FnMut(&mut User, &WriteTransaction) -> Result<(), IamError> + Send + 'static,
    ) -> Result<(), IamError> {
        let k = key(acct, name);
        let name = name.to_string();
        self.store
            .write(move |txn| {
                let mut user = USERS.get(txn, &k)?.ok_or_else(|| no_such_user(&name))?;
                f(&mut user, txn)?;
                USERS.put(txn, &k, &user)?;
                Ok(())
            })
            .await
    }

    pub(crate) async fn tag_user(&self, acct: &str, name: &str, tags: Vec<Tag>) -> OpResult {
        self.modify_user(acct, name, move |user, _| merge_tags(&mut user.tags, &tags))
            .await?;
        Ok(None)
    }

    pub(crate) async fn untag_user(&self, acct: &str, name: &str, keys: Vec<String>) -> OpResult {
        self.modify_user(acct, name, move |user, _| {
            remove_tags(&mut user.tags, &keys);
            Ok(())
        })
        .await?;
        Ok(None)
    }

    pub(crate) fn list_user_tags(&self, acct: &str, name: &str, page: &Page) -> OpResult {
        tags_page(self.user(acct, name)?.tags, page)
    }

    pub(crate) async fn put_user_policy(
        &self,
        acct: &str,
        user: &str,
        policy: String,
        document: String,
    ) -> OpResult {
        policy::validate(&document, Kind::Identity)?;
        self.modify_user(acct, user, move |u, _| {
            u.inline.insert(policy.clone(), document.clone());
            Ok(())
        })
        .await?;
        Ok(None)
    }

    pub(crate) fn get_user_policy(&self, acct: &str, user: &str, policy: &str) -> OpResult {
        let u = self.user(acct, user)?;
        let doc = u
            .inline
            .get(policy)
            .ok_or_else(|| no_such_user_policy(policy))?;
        let mut x = Xml::new();
        x.elem("UserName", &u.name)
            .elem("PolicyName", policy)
            .elem("PolicyDocument", &url_encode(doc));
        Ok(Some(x.finish()))
    }

    pub(crate) fn list_user_policies(&self, acct: &str, user: &str, page: &Page) -> OpResult {
        let u = self.user(acct, user)?;
        Ok(policy_names_xml(u.inline.into_keys().collect(), page))
    }

    pub(crate) async fn delete_user_policy(
        &self,
        acct: &str,
        user: &str,
        policy: String,
    ) -> OpResult {
        self.modify_user(acct, user, move |u, _| {
            u.inline
                .remove(&policy)
                .map(|_| ())
                .ok_or_else(|| no_such_user_policy(&policy))
        })
        .await?;
        Ok(None)
    }

    pub(crate) async fn attach_user_policy(&self, acct: &str, user: &str, arn: String) -> OpResult {
        let pref = policy_ref(acct, &arn);
        self.modify_user(acct, user, move |u, txn| {
            attach(&mut u.attached, &pref, &arn, txn, "PoliciesPerUser: 10")
        })
        .await?;
        Ok(None)
    }

    pub(crate) async fn detach_user_policy(&self, acct: &str, user: &str, arn: String) -> OpResult {
        self.modify_user(acct, user, move |u, _| {
            let before = u.attached.len();
            u.attached.retain(|a| *a != arn);
            if u.attached.len() == before {
                return Err(not_attached(&arn));
            }
            Ok(())
        })
        .await?;
        Ok(None)
    }

    pub(crate) fn list_attached_user_policies(
        &self,
        acct: &str,
        user: &str,
        path_prefix: &str,
        page: &Page,
    ) -> OpResult {
        let u = self.user(acct, user)?;
        Ok(attached_xml(&u.attached, path_prefix, page))
    }
}
