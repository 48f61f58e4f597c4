//! Request parameters → typed IAM and STS operations, with every model constraint checked
//! here (required members, lengths, patterns, ranges) so `ops` only sees valid input.

use crate::error::IamError;
use crate::query::Params;
use crate::state::Tag;
use crate::validate::{self as v, Rule, check};

/// Which page of a listing to return.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Page {
    pub marker: Option<String>,
    pub max_items: usize,
}

/// `CreateRole`'s input.
#[derive(Clone, Debug)]
pub struct CreateRole {
    pub name: String,
    pub path: String,
    pub trust: String,
    pub description: Option<String>,
    pub max_session: i64,
    pub tags: Vec<Tag>,
}

/// `CreatePolicy`'s input.
#[derive(Clone, Debug)]
pub struct CreatePolicy {
    pub name: String,
    pub path: String,
    pub document: String,
    pub description: Option<String>,
    pub tags: Vec<Tag>,
}

/// An IAM operation with its validated input.
#[derive(Clone, Debug)]
pub enum IamOp {
    CreateRole(CreateRole),
    GetRole {
        name: String,
    },
    ListRoles {
        path_prefix: String,
        page: Page,
    },
    DeleteRole {
        name: String,
    },
    UpdateRole {
        name: String,
        description: Option<String>,
        max_session: Option<i64>,
    },
    UpdateRoleDescription {
        name: String,
        description: String,
    },
    UpdateAssumeRolePolicy {
        name: String,
        document: String,
    },
    TagRole {
        name: String,
        tags: Vec<Tag>,
    },
    UntagRole {
        name: String,
        keys: Vec<String>,
    },
    ListRoleTags {
        name: String,
        page: Page,
    },
    TagUser {
        name: String,
        tags: Vec<Tag>,
    },
    UntagUser {
        name: String,
        keys: Vec<String>,
    },
    ListUserTags {
        name: String,
        page: Page,
    },
    PutRolePolicy {
        role: String,
        policy: String,
        document: String,
    },
    GetRolePolicy {
        role: String,
        policy: String,
    },
    ListRolePolicies {
        role: String,
        page: Page,
    },
    DeleteRolePolicy {
        role: String,
        policy: String,
    },
    AttachRolePolicy {
        role: String,
        arn: String,
    },
    DetachRolePolicy {
        role: String,
        arn: String,
    },
    ListAttachedRolePolicies {
        role: String,
        path_prefix: String,
        page: Page,
    },
    CreatePolicy(CreatePolicy),
    GetPolicy {
        arn: String,
    },
    DeletePolicy {
        arn: String,
    },
    GetPolicyVersion {
        arn: String,
        version: String,
    },
    CreatePolicyVersion {
        arn: String,
        document: String,
        set_default: bool,
    },
    ListPolicyVersions {
        arn: String,
        page: Page,
    },
    DeletePolicyVersion {
        arn: String,
        version: String,
    },
    SetDefaultPolicyVersion {
        arn: String,
        version: String,
    },
    ListPolicies {
        scope: Scope,
        only_attached: bool,
        path_prefix: String,
        page: Page,
    },
    CreateUser {
        name: String,
        path: String,
        tags: Vec<Tag>,
    },
    GetUser {
        name: Option<String>,
    },
    ListUsers {
        path_prefix: String,
        page: Page,
    },
    DeleteUser {
        name: String,
    },
    CreateAccessKey {
        user: Option<String>,
    },
    ListAccessKeys {
        user: Option<String>,
        page: Page,
    },
    DeleteAccessKey {
        user: Option<String>,
        id: String,
    },
    UpdateAccessKey {
        user: Option<String>,
        id: String,
        status: String,
    },
    PutUserPolicy {
        user: String,
        policy: String,
        document: String,
    },
    GetUserPolicy {
        user: String,
        policy: String,
    },
    ListUserPolicies {
        user: String,
        page: Page,
    },
    DeleteUserPolicy {
        user: String,
        policy: String,
    },
    AttachUserPolicy {
        user: String,
        arn: String,
    },
    DetachUserPolicy {
        user: String,
        arn: String,
    },
    ListAttachedUserPolicies {
        user: String,
        path_prefix: String,
        page: Page,
    },
    ListInstanceProfilesForRole {
        role: String,
        page: Page,
    },
    ListEntitiesForPolicy {
        arn: String,
        filter: Option<EntityFilter>,
        path_prefix: String,
        page: Page,
    },
}

/// `ListEntitiesForPolicy`' `EntityFilter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntityFilter {
    User,
    Role,
    Group,
    LocalManagedPolicy,
    AwsManagedPolicy,
}

/// `ListPolicies`' `Scope`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Aws,
    Local,
}

/// An STS operation with its validated input.
#[derive(Clone, Debug)]
pub enum StsOp {
    GetCallerIdentity,
    AssumeRole {
        arn: String,
        session: String,
        duration: Option<i64>,
    },
    GetSessionToken {
        duration: Option<i64>,
    },
}

/// IAM actions cloudlet does not serve (answered `NotImplemented`, not `InvalidAction`).
const IAM_UNSUPPORTED: [&str; 10] = [
    "CreateGroup",
    "AddUserToGroup",
    "AttachGroupPolicy",
    "PutGroupPolicy",
    "CreateInstanceProfile",
    "AddRoleToInstanceProfile",
    "CreateServiceLinkedRole",
    "PutRolePermissionsBoundary",
    "SimulatePrincipalPolicy",
    "CreateLoginProfile",
];

const STS_UNSUPPORTED: [&str; 6] = [
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
    "AssumeRoot",
    "DecodeAuthorizationMessage",
    "GetAccessKeyInfo",
    "GetFederationToken",
];

/// A required string parameter, checked against `rule`.
fn req(p: &Params, name: &str, rule: &Rule) -> Result<String, IamError> {
    let value = p
        .get(name)
        .ok_or_else(|| IamError::constraint(None, rule.field, "Member must not be null"))?;
    check(rule, value)?;
    Ok(value.to_string())
}

/// An optional string parameter, checked against `rule` when present.
fn opt(p: &Params, name: &str, rule: &Rule) -> Result<Option<String>, IamError> {
    match p.get(name) {
        Some(value) => {
            check(rule, value)?;
            Ok(Some(value.to_string()))
        }
        None => Ok(None),
    }
}

fn page(p: &Params) -> Result<Page, IamError> {
    let marker = opt(p, "Marker", &v::MARKER)?;
    let max_items = v::int(p.get("MaxItems"), "maxItems", 1, 1000)?.unwrap_or(100);
    Ok(Page {
        marker,
        max_items: usize::try_from(max_items).unwrap_or(100),
    })
}

fn path_prefix(p: &Params, rule: &Rule) -> Result<String, IamError> {
    Ok(opt(p, "PathPrefix", rule)?.unwrap_or_else(|| "/".into()))
}

fn boolean(p: &Params, name: &str) -> bool {
    p.get(name).is_some_and(|b| b.eq_ignore_ascii_case("true"))
}

/// `Tags.member.N.*`, checked, at most 50, keys unique (case-insensitively).
fn tags(p: &Params) -> Result<Vec<Tag>, IamError> {
    let raw = p.tags("Tags");
    if raw.len() > 50 {
        return Err(IamError::constraint(
            Some(&format!("{} tags", raw.len())),
            "tags",
            "Member must have length less than or equal to 50",
        ));
    }
    let mut out: Vec<Tag> = Vec::with_capacity(raw.len());
    for (key, value) in raw {
        check(&v::TAG_KEY, &key)?;
        let value = value.unwrap_or_default();
        check(&v::TAG_VALUE, &value)?;
        if out.iter().any(|t| t.key.eq_ignore_ascii_case(&key)) {
            return Err(IamError::InvalidInput(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.".into(),
            ));
        }
        out.push(Tag { key, value });
    }
    Ok(out)
}

/// Parses an IAM request.
pub fn parse_iam(action: &str, version: &str, p: &Params) -> Result<IamOp, IamError> {
    use IamOp as O;
    let role = |name: &str| req(p, name, &v::ROLE_NAME);
    let policy_arn = || req(p, "PolicyArn", &v::POLICY_ARN);
    let user = |name: &str| req(p, name, &v::USER_NAME);
    Ok(match action {
        "CreateRole" => O::CreateRole(CreateRole {
            name: role("RoleName")?,
            path: opt(p, "Path", &v::PATH)?.unwrap_or_else(|| "/".into()),
            trust: req(p, "AssumeRolePolicyDocument", &v::TRUST_DOCUMENT)?,
            description: opt(p, "Description", &v::ROLE_DESCRIPTION)?,
            max_session: v::int(
                p.get("MaxSessionDuration"),
                "maxSessionDuration",
                3600,
                43200,
            )?
            .unwrap_or(3600),
            tags: tags(p)?,
        }),
        "GetRole" => O::GetRole {
            name: role("RoleName")?,
        },
        "ListRoles" => O::ListRoles {
            path_prefix: path_prefix(p, &v::PATH_PREFIX)?,
            page: page(p)?,
        },
        "DeleteRole" => O::DeleteRole {
            name: role("RoleName")?,
        },
        "UpdateRole" => O::UpdateRole {
            name: role("RoleName")?,
            description: opt(p, "Description", &v::ROLE_DESCRIPTION)?,
            max_session: v::int(
                p.get("MaxSessionDuration"),
                "maxSessionDuration",
                3600,
                43200,
            )?,
        },
        "UpdateRoleDescription" => O::UpdateRoleDescription {
            name: role("RoleName")?,
            description: req(p, "Description", &v::ROLE_DESCRIPTION)?,
        },
        "UpdateAssumeRolePolicy" => O::UpdateAssumeRolePolicy {
            name: role("RoleName")?,
            document: req(p, "PolicyDocument", &v::POLICY_DOCUMENT)?,
        },
        "TagRole" => O::TagRole {
            name: role("RoleName")?,
            tags: tags(p)?,
        },
        "UntagRole" => O::UntagRole {
            name: role("RoleName")?,
            keys: p.members("TagKeys"),
        },
        "ListRoleTags" => O::ListRoleTags {
            name: role("RoleName")?,
            page: page(p)?,
        },
        "TagUser" => O::TagUser {
            name: user("UserName")?,
            tags: tags(p)?,
        },
        "UntagUser" => O::UntagUser {
            name: user("UserName")?,
            keys: p.members("TagKeys"),
        },
        "ListUserTags" => O::ListUserTags {
            name: user("UserName")?,
            page: page(p)?,
        },
        "PutRolePolicy" => O::PutRolePolicy {
            role: role("RoleName")?,
            policy: req(p, "PolicyName", &v::POLICY_NAME)?,
            document: req(p, "PolicyDocument", &v::POLICY_DOCUMENT)?,
        },
        "GetRolePolicy" => O::GetRolePolicy {
            role: role("RoleName")?,
            policy: req(p, "PolicyName", &v::POLICY_NAME)?,
        },
        "ListRolePolicies" => O::ListRolePolicies {
            role: role("RoleName")?,
            page: page(p)?,
        },
        "DeleteRolePolicy" => O::DeleteRolePolicy {
            role: role("RoleName")?,
            policy: req(p, "PolicyName", &v::POLICY_NAME)?,
        },
        "AttachRolePolicy" => O::AttachRolePolicy {
            role: role("RoleName")?,
            arn: policy_arn()?,
        },
        "DetachRolePolicy" => O::DetachRolePolicy {
            role: role("RoleName")?,
            arn: policy_arn()?,
        },
        "ListAttachedRolePolicies" => O::ListAttachedRolePolicies {
            role: role("RoleName")?,
            path_prefix: path_prefix(p, &v::POLICY_PATH_PREFIX)?,
            page: page(p)?,
        },
        "CreatePolicy" => O::CreatePolicy(CreatePolicy {
            name: req(p, "PolicyName", &v::POLICY_NAME)?,
            path: opt(p, "Path", &v::POLICY_PATH)?.unwrap_or_else(|| "/".into()),
            document: req(p, "PolicyDocument", &v::POLICY_DOCUMENT)?,
            description: opt(p, "Description", &v::POLICY_DESCRIPTION)?,
            tags: tags(p)?,
        }),
        "GetPolicy" => O::GetPolicy { arn: policy_arn()? },
        "DeletePolicy" => O::DeletePolicy { arn: policy_arn()? },
        "GetPolicyVersion" => O::GetPolicyVersion {
            arn: policy_arn()?,
            version: req(p, "VersionId", &v::VERSION_ID)?,
        },
        "CreatePolicyVersion" => O::CreatePolicyVersion {
            arn: policy_arn()?,
            document: req(p, "PolicyDocument", &v::POLICY_DOCUMENT)?,
            set_default: boolean(p, "SetAsDefault"),
        },
        "ListPolicyVersions" => O::ListPolicyVersions {
            arn: policy_arn()?,
            page: page(p)?,
        },
        "DeletePolicyVersion" => O::DeletePolicyVersion {
            arn: policy_arn()?,
            version: req(p, "VersionId", &v::VERSION_ID)?,
        },
        "SetDefaultPolicyVersion" => O::SetDefaultPolicyVersion {
            arn: policy_arn()?,
            version: req(p, "VersionId", &v::VERSION_ID)?,
        },
        "ListPolicies" => O::ListPolicies {
            scope: match p.get("Scope") {
                None | Some("All") => Scope::All,
                Some("AWS") => Scope::Aws,
                Some("Local") => Scope::Local,
                Some(other) => {
                    return Err(IamError::constraint(
                        Some(other),
                        "scope",
                        "Member must satisfy enum value set: [All, AWS, Local]",
                    ));
                }
            },
            only_attached: boolean(p, "OnlyAttached"),
            path_prefix: path_prefix(p, &v::POLICY_PATH_PREFIX)?,
            page: page(p)?,
        },
        "CreateUser" => O::CreateUser {
            name: req(p, "UserName", &v::USER_NAME)?,
            path: opt(p, "Path", &v::PATH)?.unwrap_or_else(|| "/".into()),
            tags: tags(p)?,
        },
        "GetUser" => O::GetUser {
            name: opt(p, "UserName", &v::EXISTING_USER_NAME)?,
        },
        "ListUsers" => O::ListUsers {
            path_prefix: path_prefix(p, &v::PATH_PREFIX)?,
            page: page(p)?,
        },
        "DeleteUser" => O::DeleteUser {
            name: req(p, "UserName", &v::EXISTING_USER_NAME)?,
        },
        "CreateAccessKey" => O::CreateAccessKey {
            user: opt(p, "UserName", &v::EXISTING_USER_NAME)?,
        },
        "ListAccessKeys" => O::ListAccessKeys {
            user: opt(p, "UserName", &v::EXISTING_USER_NAME)?,
            page: page(p)?,
        },
        "DeleteAccessKey" => O::DeleteAccessKey {
            user: opt(p, "UserName", &v::EXISTING_USER_NAME)?,
            id: req(p, "AccessKeyId", &v::ACCESS_KEY_ID)?,
        },
        "UpdateAccessKey" => O::UpdateAccessKey {
            user: opt(p, "UserName", &v::EXISTING_USER_NAME)?,
            id: req(p, "AccessKeyId", &v::ACCESS_KEY_ID)?,
            status: match p.get("Status") {
                Some(s @ ("Active" | "Inactive")) => s.to_string(),
                other => {
                    return Err(IamError::constraint(
                        other,
                        "status",
                        "Member must satisfy enum value set: [Active, Inactive]",
                    ));
                }
            },
        },
        "PutUserPolicy" => O::PutUserPolicy {
            user: user("UserName")?,
            policy: req(p, "PolicyName", &v::POLICY_NAME)?,
            document: req(p, "PolicyDocument", &v::POLICY_DOCUMENT)?,
        },
        "GetUserPolicy" => O::GetUserPolicy {
            user: user("UserName")?,
            policy: req(p, "PolicyName", &v::POLICY_NAME)?,
        },
        "ListUserPolicies" => O::ListUserPolicies {
            user: user("UserName")?,
            page: page(p)?,
        },
        "DeleteUserPolicy" => O::DeleteUserPolicy {
            user: user("UserName")?,
            policy: req(p, "PolicyName", &v::POLICY_NAME)?,
        },
        "AttachUserPolicy" => O::AttachUserPolicy {
            user: user("UserName")?,
            arn: policy_arn()?,
        },
        "DetachUserPolicy" => O::DetachUserPolicy {
            user: user("UserName")?,
            arn: policy_arn()?,
        },
        "ListAttachedUserPolicies" => O::ListAttachedUserPolicies {
            user: user("UserName")?,
            path_prefix: path_prefix(p, &v::POLICY_PATH_PREFIX)?,
            page: page(p)?,
        },
        "ListInstanceProfilesForRole" => O::ListInstanceProfilesForRole {
            role: role("RoleName")?,
            page: page(p)?,
        },
        "ListEntitiesForPolicy" => O::ListEntitiesForPolicy {
            arn: policy_arn()?,
            filter: match p.get("EntityFilter") {
                None => None,
                Some("User") => Some(EntityFilter::User),
                Some("Role") => Some(EntityFilter::Role),
                Some("Group") => Some(EntityFilter::Group),
                Some("LocalManagedPolicy") => Some(EntityFilter::LocalManagedPolicy),
                Some("AWSManagedPolicy") => Some(EntityFilter::AwsManagedPolicy),
                Some(other) => {
                    return Err(IamError::constraint(
                        Some(other),
                        "entityFilter",
                        "Member must satisfy enum value set: [LocalManagedPolicy, Group, Role, AWSManagedPolicy, User]",
                    ));
                }
            },
            path_prefix: path_prefix(p, &v::PATH_PREFIX)?,
            page: page(p)?,
        },
        other if IAM_UNSUPPORTED.contains(&other) => {
            return Err(IamError::NotImplemented(other.to_string()));
        }
        other => {
            return Err(IamError::InvalidAction {
                action: other.to_string(),
                version: version.to_string(),
            });
        }
    })
}

/// Parses an STS request.
pub fn parse_sts(action: &str, version: &str, p: &Params) -> Result<StsOp, IamError> {
    Ok(match action {
        "GetCallerIdentity" => StsOp::GetCallerIdentity,
        "AssumeRole" => StsOp::AssumeRole {
            arn: req(p, "RoleArn", &v::ROLE_ARN)?,
            session: req(p, "RoleSessionName", &v::SESSION_NAME)?,
            duration: v::int(p.get("DurationSeconds"), "durationSeconds", 900, 43200)?,
        },
        "GetSessionToken" => StsOp::GetSessionToken {
            duration: v::int(p.get("DurationSeconds"), "durationSeconds", 900, 129_600)?,
        },
        other if STS_UNSUPPORTED.contains(&other) => {
            return Err(IamError::NotImplemented(other.to_string()));
        }
        other => {
            return Err(IamError::InvalidAction {
                action: other.to_string(),
                version: version.to_string(),
            });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(s: &str) -> Params {
        Params::parse(None, s.as_bytes())
    }

    #[test]
    fn parses_and_rejects() {
        let cases: [(&str, &str, Result<&str, &str>); 7] = [
            ("GetRole", "RoleName=r1", Ok("GetRole { name: \"r1\" }")),
            (
                "GetRole",
                "",
                Err(
                    "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null",
                ),
            ),
            (
                "ListRoles",
                "MaxItems=0",
                Err(
                    "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
                ),
            ),
            (
                "FlyToTheMoon",
                "",
                Err("Could not find operation FlyToTheMoon for version 2010-05-08"),
            ),
            (
                "CreateGroup",
                "",
                Err("CreateGroup is not supported by cloudlet"),
            ),
            (
                "ListPolicies",
                "Scope=Mine",
                Err(
                    "1 validation error detected: Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]",
                ),
            ),
            (
                "TagRole",
                "RoleName=r&Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.2.Key=A&Tags.member.2.Value=2",
                Err("Duplicate tag keys found. Please note that Tag keys are case insensitive."),
            ),
        ];
        for (action, body, want) in cases {
            let got = parse_iam(action, "2010-05-08", &params(body))
                .map(|op| format!("{op:?}"))
                .map_err(|e| e.to_string());
            assert_eq!(
                got,
                want.map(str::to_string).map_err(str::to_string),
                "{action} {body}"
            );
        }
        let got = parse_sts(
            "AssumeRole",
            "2011-06-15",
            &params("RoleArn=arn:aws:iam::000000000000:role/r&RoleSessionName=x"),
        )
        .map(|op| format!("{op:?}"))
        .map_err(|e| e.to_string());
        assert_eq!(got, Err("1 validation error detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2".to_string()));
    }
}
