//! Access control lists as S3 keeps them: canned ACLs (`x-amz-acl`), grant headers
//! (`x-amz-grant-*`) and the `AccessControlPolicy` document, parsed into an [`Acl`] and
//! rendered back, plus the two questions the rest of S3 asks — is it public (Block Public
//! Access), and does it give nobody but the owner anything (allowed while ACLs are
//! disabled by BucketOwnerEnforced). Pure.

use cloudlet_core::xml::escape;
use http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::config_error::ConfigError;
use crate::error::{S3Error, S3Result, invalid_argument};
use crate::ops::XMLNS;
use crate::xml::Element;

pub const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
pub const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
pub const LOG_DELIVERY: &str = "http://acs.amazonaws.com/groups/s3/LogDelivery";
/// The canonical user of Amazon EC2, which `aws-exec-read` lets read (AMI bundles).
pub const EC2_BUNDLE_READER: &str =
    "6aa5a366c34c1cbe25dc49211496e913e0351eb0e8c37aa3477e40942ec6b97c";
/// The most grants an ACL may hold; more is a `MalformedACLError`.
const MAX_GRANTS: usize = 100;
const PERMISSIONS: &[&str] = &["FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP"];
const GRANT_HEADERS: &[(&str, &str)] = &[
    ("x-amz-grant-full-control", "FULL_CONTROL"),
    ("x-amz-grant-read", "READ"),
    ("x-amz-grant-read-acp", "READ_ACP"),
    ("x-amz-grant-write", "WRITE"),
    ("x-amz-grant-write-acp", "WRITE_ACP"),
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Grantee {
    /// A canonical user id (64 hex digits).
    User(String),
    Group(String),
    Email(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub grantee: Grantee,
    pub permission: String,
}

/// The grants of a bucket or object, and the object's owner when that is not the bucket
/// owner (an object another account wrote while Object Ownership let writers own).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Acl {
    pub grants: Vec<Grant>,
    /// Canonical id of the owner; `None` = the bucket owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

impl Grantee {
    /// A `<Grantee>` element: its `xsi:type`, required, names the element that identifies
    /// the grantee.
    pub fn from_xml(who: &Element) -> Option<Grantee> {
        let text = |name: &str| who.child_text(name).map(str::to_string);
        match who.attr("type") {
            Some("CanonicalUser") => text("ID").map(Grantee::User),
            Some("Group") => text("URI").map(Grantee::Group),
            Some("AmazonCustomerByEmail") => text("EmailAddress").map(Grantee::Email),
            _ => None,
        }
    }

    /// The `<Grantee>` element, typed with `xsi:type`.
    pub fn to_xml(&self) -> String {
        match self {
            Grantee::User(id) => format!(
                "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\"><ID>{}</ID></Grantee>",
                escape(id)
            ),
            Grantee::Group(uri) => format!(
                "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\"><URI>{}</URI></Grantee>",
                escape(uri)
            ),
            Grantee::Email(mail) => format!(
                "<Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"AmazonCustomerByEmail\"><EmailAddress>{}</EmailAddress></Grantee>",
                escape(mail)
            ),
        }
    }
}

impl Grant {
    /// A `<Grant>` element: a typed `<Grantee>` and a `<Permission>` among `permissions`,
    /// else `malformed()`; a grantee S3 does not take (an id that is not a canonical one, an
    /// unknown group, an email address) is refused as in an ACL document.
    pub fn from_xml(
        g: &Element,
        permissions: &[&str],
        malformed: fn() -> S3Error,
    ) -> S3Result<Grant> {
        let who = g.child("Grantee").ok_or_else(malformed)?;
        let grantee = Grantee::from_xml(who).ok_or_else(malformed)?;
        let permission = g
            .child_text("Permission")
            .filter(|p| permissions.contains(p))
            .ok_or_else(malformed)?;
        check_grantee(&grantee, false)?;
        Ok(grant(grantee, permission))
    }

    /// The `<Grant>` element.
    pub fn to_xml(&self) -> String {
        format!(
            "<Grant>{}<Permission>{}</Permission></Grant>",
            self.grantee.to_xml(),
            escape(&self.permission)
        )
    }
}

fn grant(grantee: Grantee, permission: &str) -> Grant {
    Grant {
        grantee,
        permission: permission.to_string(),
    }
}

fn valid_id(id: &str) -> bool {
    id.len() == 64 && id.bytes().all(|c| c.is_ascii_hexdigit())
}

/// Checks a grantee; `in_header` selects the argument names S3 reports (`id`/`uri` for
/// grant headers, `CanonicalUser/ID`/`Group/URI` for documents).
fn check_grantee(g: &Grantee, in_header: bool) -> S3Result<()> {
    match g {
        Grantee::User(id) if !valid_id(id) => Err(invalid_argument(
            "Invalid id",
            if in_header { "id" } else { "CanonicalUser/ID" },
            id.clone(),
        )),
        Grantee::Group(uri)
            if ![ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY].contains(&uri.as_str()) =>
        {
            Err(invalid_argument(
                "Invalid group uri",
                if in_header { "uri" } else { "Group/URI" },
                uri.clone(),
            ))
        }
        Grantee::Email(_) => Err(ConfigError::UnresolvableGrantByEmailAddress.into()),
        _ => Ok(()),
    }
}

impl Acl {
    /// Only the owner, with full control.
    pub fn private(owner: &str) -> Acl {
        Acl {
            grants: vec![grant(Grantee::User(owner.to_string()), "FULL_CONTROL")],
            owner: None,
        }
    }

    /// Adds `permission` for the canonical user `id`, unless it already has it.
    pub fn grant_user(&mut self, id: &str, permission: &str) {
        let g = grant(Grantee::User(id.to_string()), permission);
        if !self.grants.contains(&g) {
            self.grants.push(g);
        }
    }

    /// A canned ACL for a resource owned by `owner`.
    pub fn canned(name: &str, owner: &str) -> Option<Acl> {
        let mut acl = Acl::private(owner);
        let group = |uri: &str, p: &str| grant(Grantee::Group(uri.to_string()), p);
        match name {
            "private" | "bucket-owner-full-control" | "bucket-owner-read" => {}
            "aws-exec-read" => acl.grant_user(EC2_BUNDLE_READER, "READ"),
            "public-read" => acl.grants.push(group(ALL_USERS, "READ")),
            "public-read-write" => {
                acl.grants.push(group(ALL_USERS, "READ"));
                acl.grants.push(group(ALL_USERS, "WRITE"));
            }
            "authenticated-read" => acl.grants.push(group(AUTHENTICATED_USERS, "READ")),
            "log-delivery-write" => {
                acl.grants.push(group(LOG_DELIVERY, "WRITE"));
                acl.grants.push(group(LOG_DELIVERY, "READ_ACP"));
            }
            _ => return None,
        }
        Some(acl)
    }

    /// The ACL a request's headers ask for (`None` when it names none).
    pub fn from_headers(h: &HeaderMap, owner: &str) -> S3Result<Option<Acl>> {
        let text = |n: &str| h.get(n).and_then(|v| v.to_str().ok());
        let canned = text("x-amz-acl");
        let granted: Vec<(&str, &str, &str)> = GRANT_HEADERS
            .iter()
            .filter_map(|(n, p)| text(n).map(|v| (v, *n, *p)))
            .collect();
        if canned.is_some() && !granted.is_empty() {
            return Err(S3Error::InvalidRequest(
                "Specifying both Canned ACLs and Header Grants is not allowed".into(),
            ));
        }
        if let Some(name) = canned {
            return Acl::canned(name, owner).map(Some).ok_or(invalid_argument(
                "",
                "x-amz-acl",
                name,
            ));
        }
        if granted.is_empty() {
            return Ok(None);
        }
        let mut grants = Vec::new();
        for (value, header, permission) in granted {
            for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                let (kind, v) = item.split_once('=').ok_or(invalid_argument(
                    "Argument format not recognized",
                    header,
                    item,
                ))?;
                let v = v.trim().trim_matches('"').to_string();
                let grantee = match kind.trim().to_ascii_lowercase().as_str() {
                    "id" => Grantee::User(v),
                    "uri" => Grantee::Group(v),
                    "emailaddress" => Grantee::Email(v),
                    _ => {
                        return Err(invalid_argument(
                            "Argument format not recognized",
                            header,
                            item,
                        ));
                    }
                };
                check_grantee(&grantee, true)?;
                grants.push(grant(grantee, permission));
            }
        }
        if grants.len() > MAX_GRANTS {
            return Err(ConfigError::MalformedAcl.into());
        }
        Ok(Some(Acl {
            grants,
            owner: None,
        }))
    }

    /// Parses an `AccessControlPolicy`; the Owner must be `owner`.
    pub fn from_xml(root: &Element, owner: &str) -> S3Result<Acl> {
        let malformed = || S3Error::from(ConfigError::MalformedAcl);
        if root.name != "AccessControlPolicy" {
            return Err(malformed());
        }
        let owner_id = root
            .child("Owner")
            .and_then(|o| o.child_text("ID"))
            .ok_or_else(malformed)?;
        if !valid_id(owner_id) {
            return Err(invalid_argument("Invalid id", "CanonicalUser/ID", owner_id));
        }
        if owner_id != owner {
            return Err(S3Error::AccessDenied);
        }
        let list = root.child("AccessControlList").ok_or_else(malformed)?;
        if list.children_named("Grant").count() > MAX_GRANTS {
            return Err(malformed());
        }
        let grants = list
            .children_named("Grant")
            .map(|g| Grant::from_xml(g, PERMISSIONS, malformed))
            .collect::<S3Result<_>>()?;
        Ok(Acl {
            grants,
            owner: None,
        })
    }

    /// The `AccessControlPolicy` document (without DisplayName, which S3 no longer returns).
    pub fn to_xml(&self, owner: &str) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.push_str(&format!(
            "<AccessControlPolicy xmlns=\"{XMLNS}\"><Owner><ID>{}</ID></Owner><AccessControlList>",
            escape(owner)
        ));
        for g in &self.grants {
            out.push_str(&g.to_xml());
        }
        out.push_str("</AccessControlList></AccessControlPolicy>");
        out
    }

    /// Grants to everyone or to every AWS user, as Block Public Access judges ACLs.
    pub fn is_public(&self) -> bool {
        self.grants.iter().any(|g| {
            matches!(&g.grantee, Grantee::Group(u) if u == ALL_USERS || u == AUTHENTICATED_USERS)
        })
    }

    /// Whether the ACL grants nothing to anyone but `owner` (what BucketOwnerEnforced allows).
    pub fn owner_only(&self, owner: &str) -> bool {
        self.grants.iter().all(|g| {
            g.grantee == Grantee::User(owner.to_string()) && g.permission == "FULL_CONTROL"
        })
    }

    /// Whether the ACL grants `permission` (or FULL_CONTROL) to a requester (`None` when
    /// anonymous, else its canonical id); grants to everyone and to every AWS user count
    /// only when `public` (IgnorePublicAcls voids them).
    pub fn permits(&self, requester: Option<&str>, permission: &str, public: bool) -> bool {
        self.grants.iter().any(|g| {
            (g.permission == permission || g.permission == "FULL_CONTROL")
                && match &g.grantee {
                    Grantee::Group(u) if u == ALL_USERS => public,
                    Grantee::Group(u) if u == AUTHENTICATED_USERS => public && requester.is_some(),
                    Grantee::User(id) => requester == Some(id.as_str()),
                    _ => false,
                }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OWNER: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90";

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn from_headers() {
        let other = "f".repeat(64);
        type Case<'a> = (
            Vec<(&'static str, &'a str)>,
            Result<Option<(bool, bool)>, &'a str>,
        );
        let grant_other = format!("id=\"{other}\"");
        let grant_owner = format!("id=\"{OWNER}\"");
        let cases: Vec<Case> = vec![
            (vec![], Ok(None)),
            (vec![("x-amz-acl", "private")], Ok(Some((false, true)))),
            (
                vec![("x-amz-acl", "bucket-owner-full-control")],
                Ok(Some((false, true))),
            ),
            (vec![("x-amz-acl", "public-read")], Ok(Some((true, false)))),
            (
                vec![("x-amz-acl", "authenticated-read")],
                Ok(Some((true, false))),
            ),
            (
                vec![("x-amz-acl", "log-delivery-write")],
                Ok(Some((false, false))),
            ),
            (
                vec![("x-amz-acl", "aws-exec-read")],
                Ok(Some((false, false))),
            ),
            (vec![("x-amz-acl", "bogus")], Err("InvalidArgument")),
            (
                vec![(
                    "x-amz-grant-read",
                    "uri=\"http://acs.amazonaws.com/groups/global/AllUsers\"",
                )],
                Ok(Some((true, false))),
            ),
            (
                vec![("x-amz-grant-full-control", grant_owner.as_str())],
                Ok(Some((false, true))),
            ),
            (
                vec![("x-amz-grant-read", grant_other.as_str())],
                Ok(Some((false, false))),
            ),
            (
                vec![("x-amz-grant-read", "id=\"short\"")],
                Err("InvalidArgument"),
            ),
            (
                vec![("x-amz-grant-read", "emailAddress=\"a@b.c\"")],
                Err("UnresolvableGrantByEmailAddress"),
            ),
            (
                vec![
                    ("x-amz-acl", "private"),
                    ("x-amz-grant-read", grant_other.as_str()),
                ],
                Err("InvalidRequest"),
            ),
        ];
        let many = vec![grant_other.as_str(); 101].join(",");
        let cases = cases
            .into_iter()
            .chain([
                (
                    vec![(
                        "x-amz-grant-read",
                        &many[..many.len() - grant_other.len() - 1],
                    )],
                    Ok(Some((false, false))),
                ),
                (
                    vec![("x-amz-grant-read", many.as_str())],
                    Err("MalformedAcl"),
                ),
            ])
            .collect::<Vec<Case>>();
        for (pairs, expected) in cases {
            let got = Acl::from_headers(&headers(&pairs), OWNER)
                .map(|a| a.map(|a| (a.is_public(), a.owner_only(OWNER))))
                .map_err(|e| format!("{e:?}"));
            match (got, expected) {
                (Ok(g), Ok(e)) => assert_eq!(g, e, "{pairs:?}"),
                (Err(g), Err(e)) => assert!(g.contains(e), "{pairs:?}: {g}"),
                (g, e) => panic!("{pairs:?}: got {g:?}, expected {e:?}"),
            }
        }
    }

    #[test]
    fn documents() {
        let acl = Acl::canned("public-read", OWNER).unwrap();
        let doc = acl.to_xml(OWNER);
        let root = crate::xml::parse(&doc).unwrap();
        assert_eq!(Acl::from_xml(&root, OWNER).unwrap(), acl);
        let other = "e".repeat(64);
        let grant_other = Acl {
            grants: vec![grant(Grantee::User(other.clone()), "READ_ACP")],
            owner: None,
        };
        let authenticated = Acl::canned("authenticated-read", OWNER).unwrap();
        let cases = [
            (&acl, None, "READ", true, true),
            (&acl, None, "READ", false, false),
            (&acl, None, "WRITE", true, false),
            (&acl, Some(OWNER), "WRITE", true, true),
            (&authenticated, None, "READ", true, false),
            (&authenticated, Some(other.as_str()), "READ", true, true),
            (&grant_other, Some(other.as_str()), "READ_ACP", false, true),
            (&grant_other, Some(other.as_str()), "READ", true, false),
            (&grant_other, None, "READ_ACP", true, false),
        ];
        for (a, who, permission, public, expected) in cases {
            assert_eq!(
                a.permits(who, permission, public),
                expected,
                "{who:?} {permission}"
            );
        }
        assert!(matches!(
            Acl::from_xml(&root, &"0".repeat(64)),
            Err(S3Error::AccessDenied)
        ));
        let bad = [
            "<AccessControlPolicy><AccessControlList/></AccessControlPolicy>".to_string(),
            format!("<AccessControlPolicy><Owner><ID>{OWNER}</ID></Owner></AccessControlPolicy>"),
            format!(
                "<AccessControlPolicy><Owner><ID>{OWNER}</ID></Owner><AccessControlList><Grant><Grantee><ID>{OWNER}</ID></Grantee><Permission>ALL</Permission></Grant></AccessControlList></AccessControlPolicy>"
            ),
            // No xsi:type, or one that does not name the grantee's element.
            format!(
                "<AccessControlPolicy><Owner><ID>{OWNER}</ID></Owner><AccessControlList><Grant><Grantee><ID>{OWNER}</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>"
            ),
            format!(
                "<AccessControlPolicy><Owner><ID>{OWNER}</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\"><ID>{OWNER}</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>"
            ),
        ];
        for d in bad {
            let r = crate::xml::parse(&d).unwrap();
            assert!(
                matches!(
                    Acl::from_xml(&r, OWNER),
                    Err(S3Error::Config(ConfigError::MalformedAcl))
                ),
                "{d}"
            );
        }
    }
}
