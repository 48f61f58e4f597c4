//! Executes IAM operations against the stored state and renders their results (the inside
//! of `<{Op}Result>`; `None` for operations that return only metadata).

mod identity;
mod policies;
mod roles;
mod user_policies;
mod users;

use crate::Iam;
use crate::error::IamError;
use crate::protocol::{IamOp, Page};
use crate::query::Xml;
use crate::state::Tag;
use cloudlet_core::RequestContext;

/// The rendered result of an operation.
pub type OpResult = Result<Option<String>, IamError>;

impl Iam {
    /// Runs one IAM operation for the caller in `ctx`.
    pub(crate) async fn execute(&self, ctx: &RequestContext, op: IamOp) -> OpResult {
        let acct = ctx.account.as_str();
        use IamOp as O;
        match op {
            O::CreateRole(input) => self.create_role(acct, input).await,
            O::GetRole { name } => self.get_role(acct, &name),
            O::ListRoles { path_prefix, page } => self.list_roles(acct, &path_prefix, &page),
            O::DeleteRole { name } => self.delete_role(acct, &name).await,
            O::UpdateRole {
                name,
                description,
                max_session,
            } => {
                self.update_role(acct, &name, description, max_session)
                    .await
            }
            O::UpdateRoleDescription { name, description } => {
                self.update_role_description(acct, &name, description).await
            }
            O::UpdateAssumeRolePolicy { name, document } => {
                self.update_trust(acct, &name, document).await
            }
            O::TagRole { name, tags } => self.tag_role(acct, &name, tags).await,
            O::UntagRole { name, keys } => self.untag_role(acct, &name, keys).await,
            O::ListRoleTags { name, page } => self.list_role_tags(acct, &name, &page),
            O::TagUser { name, tags } => self.tag_user(acct, &name, tags).await,
            O::UntagUser { name, keys } => self.untag_user(acct, &name, keys).await,
            O::ListUserTags { name, page } => self.list_user_tags(acct, &name, &page),
            O::PutRolePolicy {
                role,
                policy,
                document,
            } => self.put_role_policy(acct, &role, policy, document).await,
            O::GetRolePolicy { role, policy } => self.get_role_policy(acct, &role, &policy),
            O::ListRolePolicies { role, page } => self.list_role_policies(acct, &role, &page),
            O::DeleteRolePolicy { role, policy } => {
                self.delete_role_policy(acct, &role, policy).await
            }
            O::AttachRolePolicy { role, arn } => self.attach_role_policy(acct, &role, arn).await,
            O::DetachRolePolicy { role, arn } => self.detach_role_policy(acct, &role, arn).await,
            O::ListAttachedRolePolicies {
                role,
                path_prefix,
                page,
            } => self.list_attached_role_policies(acct, &role, &path_prefix, &page),
            O::CreatePolicy(input) => self.create_policy(acct, input).await,
            O::GetPolicy { arn } => self.get_policy(acct, &arn),
            O::DeletePolicy { arn } => self.delete_policy(acct, &arn).await,
            O::GetPolicyVersion { arn, version } => self.get_policy_version(acct, &arn, &version),
            O::CreatePolicyVersion {
                arn,
                document,
                set_default,
            } => {
                self.create_policy_version(acct, &arn, document, set_default)
                    .await
            }
            O::ListPolicyVersions { arn, page } => self.list_policy_versions(acct, &arn, &page),
            O::DeletePolicyVersion { arn, version } => {
                self.delete_policy_version(acct, &arn, version).await
            }
            O::SetDefaultPolicyVersion { arn, version } => {
                self.set_default_policy_version(acct, &arn, version).await
            }
            O::ListPolicies {
                scope,
                only_attached,
                path_prefix,
                page,
            } => self.list_policies(acct, scope, only_attached, &path_prefix, &page),
            O::CreateUser { name, path, tags } => self.create_user(acct, name, path, tags).await,
            O::GetUser { name } => self.get_user(ctx, name.as_deref()),
            O::ListUsers { path_prefix, page } => self.list_users(acct, &path_prefix, &page),
            O::DeleteUser { name } => self.delete_user(acct, &name).await,
            O::CreateAccessKey { user } => self.create_access_key(ctx, user).await,
            O::ListAccessKeys { user, page } => self.list_access_keys(ctx, user, &page),
            O::DeleteAccessKey { user, id } => self.delete_access_key(ctx, user, id).await,
            O::UpdateAccessKey { user, id, status } => {
                self.update_access_key(ctx, user, id, status).await
            }
            O::PutUserPolicy {
                user,
                policy,
                document,
            } => self.put_user_policy(acct, &user, policy, document).await,
            O::GetUserPolicy { user, policy } => self.get_user_policy(acct, &user, &policy),
            O::ListUserPolicies { user, page } => self.list_user_policies(acct, &user, &page),
            O::DeleteUserPolicy { user, policy } => {
                self.delete_user_policy(acct, &user, policy).await
            }
            O::AttachUserPolicy { user, arn } => self.attach_user_policy(acct, &user, arn).await,
            O::DetachUserPolicy { user, arn } => self.detach_user_policy(acct, &user, arn).await,
            O::ListAttachedUserPolicies {
                user,
                path_prefix,
                page,
            } => self.list_attached_user_policies(acct, &user, &path_prefix, &page),
            O::ListInstanceProfilesForRole { role, page } => {
                self.list_instance_profiles_for_role(acct, &role, &page)
            }
            O::ListEntitiesForPolicy {
                arn,
                filter,
                path_prefix,
                page,
            } => self.list_entities_for_policy(acct, &arn, filter, &path_prefix, &page),
        }
    }
}

/// One page of `items` (already in listing order) and the marker of the next page.
pub(crate) fn paginate<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> String,
    page: &Page,
) -> (Vec<T>, Option<String>) {
    // The marker is the key of the first item of the page; lists not sorted by key find it
    // by position, sorted ones also resume after a deleted item.
    let mut rest: Vec<T> = match &page.marker {
        Some(m) => match items.iter().position(|i| key(i) == *m) {
            Some(at) => items.into_iter().skip(at).collect(),
            None => items.into_iter().filter(|i| key(i) >= *m).collect(),
        },
        None => items,
    };
    let next = rest.get(page.max_items).map(&key);
    rest.truncate(page.max_items);
    (rest, next)
}

/// `<IsTruncated>` and, when truncated, `<Marker>`.
pub(crate) fn page_tail(x: &mut Xml, next: Option<String>) {
    x.elem("IsTruncated", if next.is_some() { "true" } else { "false" });
    x.opt("Marker", next.as_deref());
}

/// `<AttachedPolicies>` for the policy ARNs in `attached` whose path starts with
/// `path_prefix`, one page of them, and the paging tail.
pub(crate) fn attached_xml(attached: &[String], path_prefix: &str, page: &Page) -> Option<String> {
    let attached: Vec<(String, String)> = attached
        .iter()
        .filter_map(|arn| {
            let rest = arn.split_once(":policy").map(|(_, rest)| rest)?;
            let (path, name) = rest.rsplit_once('/')?;
            let path = format!("{path}/");
            path.starts_with(path_prefix)
                .then(|| (name.to_string(), arn.clone()))
        })
        .collect();
    let (attached, next) = paginate(attached, |(_, arn)| arn.clone(), page);
    let mut x = Xml::new();
    x.open("AttachedPolicies");
    for (name, arn) in &attached {
        x.open("member")
            .elem("PolicyName", name)
            .elem("PolicyArn", arn)
            .close();
    }
    x.close();
    page_tail(&mut x, next);
    Some(x.finish())
}

/// `<PolicyNames>` of one page of inline policy `names`, and the paging tail.
pub(crate) fn policy_names_xml(names: Vec<String>, page: &Page) -> Option<String> {
    let (names, next) = paginate(names, String::clone, page);
    let mut x = Xml::new();
    x.open("PolicyNames");
    for n in &names {
        x.elem("member", n);
    }
    x.close();
    page_tail(&mut x, next);
    Some(x.finish())
}

/// `<Tags><member><Key/><Value/></member>…</Tags>`.
pub(crate) fn tags_xml(x: &mut Xml, tags: &[Tag]) {
    x.open("Tags");
    for t in tags {
        x.open("member")
            .elem("Key", &t.key)
            .elem("Value", &t.value)
            .close();
    }
    x.close();
}

/// Adds or replaces `new` tags (keys compared case-insensitively, as IAM does).
pub(crate) fn merge_tags(tags: &mut Vec<Tag>, new: &[Tag]) -> Result<(), IamError> {
    for t in new {
        match tags.iter_mut().find(|o| o.key.eq_ignore_ascii_case(&t.key)) {
            Some(o) => *o = t.clone(),
            None => tags.push(t.clone()),
        }
    }
    if tags.len() > 50 {
        return Err(IamError::LimitExceeded(
            "The number of tags has reached the maximum limit.".into(),
        ));
    }
    Ok(())
}

/// Removes the tags with `keys` (compared as IAM compares tag keys, ignoring case).
pub(crate) fn remove_tags(tags: &mut Vec<Tag>, keys: &[String]) {
    tags.retain(|t| !keys.iter().any(|k| k.eq_ignore_ascii_case(&t.key)));
}

/// A page of tags, as ListRoleTags and ListUserTags answer.
pub(crate) fn tags_page(tags: Vec<Tag>, page: &Page) -> OpResult {
    let (tags, next) = paginate(tags, |t| t.key.clone(), page);
    let mut x = Xml::new();
    tags_xml(&mut x, &tags);
    page_tail(&mut x, next);
    Ok(Some(x.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages() {
        let items: Vec<String> = ["a", "b", "c", "d", "e"].map(String::from).to_vec();
        type Case<'a> = (Option<&'a str>, usize, &'a [&'a str], Option<&'a str>);
        let cases: [Case; 4] = [
            (None, 100, &["a", "b", "c", "d", "e"], None),
            (None, 2, &["a", "b"], Some("c")),
            (Some("c"), 2, &["c", "d"], Some("e")),
            (Some("e"), 2, &["e"], None),
        ];
        for (marker, max, want, next) in cases {
            let page = Page {
                marker: marker.map(String::from),
                max_items: max,
            };
            let (got, got_next) = paginate(items.clone(), |s| s.clone(), &page);
            assert_eq!(got, want.to_vec(), "{marker:?}");
            assert_eq!(got_next.as_deref(), next, "{marker:?}");
        }
    }
}
