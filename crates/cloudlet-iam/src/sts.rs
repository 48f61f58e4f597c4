//! STS: who is calling (`GetCallerIdentity`), role sessions (`AssumeRole`, and the same
//! in-process for Lambda) and session tokens. Sessions are stored by access key id so the
//! edge can map a session key back to its principal.

use cloudlet_core::{Principal, RequestContext};

use crate::Iam;
use crate::error::IamError;
use crate::keys;
use crate::ops::OpResult;
use crate::protocol::StsOp;
use crate::query::Xml;
use crate::state::{Owner, ROLES, SESSIONS, Session, USERS, key};
use crate::time::{iso8601, now};

/// Every this many new sessions, one scan of the table removes those ended long ago, so the
/// table stays small without a sweeper and a new session rarely pays for a scan.
const PURGE_EVERY: u64 = 64;

/// How long an ended session stays known, so that its token is refused as expired
/// (`ExpiredToken`) rather than unknown.
pub(crate) const ENDED_KEPT_SECS: i64 = 6 * 3600;

/// `(account, role name)` of `arn:aws:iam::{account}:role/{path/}{name}`.
pub(crate) fn parse_role_arn(arn: &str) -> Option<(String, String)> {
    let rest = arn.strip_prefix("arn:aws:iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let path_and_name = resource.strip_prefix("role/")?;
    let name = path_and_name.rsplit('/').next()?;
    (!name.is_empty() && cloudlet_core::AccountId::parse(account).is_some())
        .then(|| (account.to_string(), name.to_string()))
}

/// A started role session.
pub(crate) struct Started {
    pub access_key_id: String,
    pub session: Session,
    pub assumed_role_id: String,
    pub arn: String,
}

fn credentials_xml(x: &mut Xml, key_id: &str, s: &Session) {
    x.open("Credentials")
        .elem("AccessKeyId", key_id)
        .elem("SecretAccessKey", &s.secret)
        .elem("SessionToken", &s.token)
        .elem("Expiration", &iso8601(s.expiration))
        .close();
}

impl Iam {
    /// Runs one STS operation for the caller in `ctx`.
    pub(crate) async fn execute_sts(&self, ctx: &RequestContext, op: StsOp) -> OpResult {
        match op {
            StsOp::GetCallerIdentity => self.caller_identity(ctx),
            StsOp::AssumeRole {
                arn,
                session,
                duration,
            } => {
                let s = self
                    .start_role_session(&arn, &session, duration, &ctx.principal.arn())
                    .await?;
                let mut x = Xml::new();
                credentials_xml(&mut x, &s.access_key_id, &s.session);
                x.open("AssumedRoleUser")
                    .elem("AssumedRoleId", &s.assumed_role_id)
                    .elem("Arn", &s.arn)
                    .close();
                Ok(Some(x.finish()))
            }
            StsOp::GetSessionToken { duration } => self.get_session_token(ctx, duration).await,
        }
    }

    fn caller_identity(&self, ctx: &RequestContext) -> OpResult {
        let acct = ctx.account.as_str();
        let (user_id, arn) = match &ctx.principal {
            Principal::Anonymous | Principal::Root { .. } => {
                (acct.to_string(), format!("arn:aws:iam::{acct}:root"))
            }
            Principal::User { name, .. } => {
                let k = key(acct, name);
                let user = self
                    .store
                    .read(|txn| Ok::<_, IamError>(USERS.read(txn, &k)?))?;
                let id = user.map(|u| u.id).unwrap_or_else(|| name.clone());
                (id, ctx.principal.arn())
            }
            Principal::AssumedRole { role, session, .. } => {
                let stored = match &ctx.access_key {
                    Some(k) => self
                        .store
                        .read(|txn| Ok::<_, IamError>(SESSIONS.read(txn, k)?))?,
                    None => None,
                };
                let id = match stored.map(|s| s.owner) {
                    Some(Owner::Role { id, .. }) => id,
                    _ => role.clone(),
                };
                (format!("{id}:{session}"), ctx.principal.arn())
            }
        };
        let mut x = Xml::new();
        x.elem("UserId", &user_id)
            .elem("Account", acct)
            .elem("Arn", &arn);
        Ok(Some(x.finish()))
    }

    /// Stores a new session of `session` as the role `role_arn`, for `caller` (an ARN, for
    /// the error message when the role does not exist).
    pub(crate) async fn start_role_session(
        &self,
        role_arn: &str,
        session: &str,
        duration: Option<i64>,
        caller: &str,
    ) -> Result<Started, IamError> {
        let denied = || {
            IamError::AccessDenied(format!(
                "User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role_arn}"
            ))
        };
        let (account, name) = parse_role_arn(role_arn).ok_or_else(denied)?;
        let k = key(&account, &name);
        let role = self
            .store
            .read(|txn| Ok::<_, IamError>(ROLES.read(txn, &k)?))?
            .ok_or_else(denied)?;
        let duration = duration.unwrap_or(3600);
        if duration > role.max_session {
            return Err(IamError::Validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                    .into(),
            ));
        }
        let access_key_id = keys::session_key_id();
        let stored = Session {
            account: account.clone(),
            owner: Owner::Role {
                name: role.name.clone(),
                id: role.id.clone(),
                session: session.to_string(),
            },
            secret: keys::secret(),
            token: keys::session_token(),
            expiration: now() + duration,
        };
        self.store_session(access_key_id.clone(), stored.clone())
            .await?;
        Ok(Started {
            access_key_id,
            assumed_role_id: format!("{}:{session}", role.id),
            arn: format!(
                "arn:aws:sts::{account}:assumed-role/{}/{session}",
                role.name
            ),
            session: stored,
        })
    }

    async fn get_session_token(&self, ctx: &RequestContext, duration: Option<i64>) -> OpResult {
        let owner = match &ctx.principal {
            Principal::Root { .. } | Principal::Anonymous => Owner::Root,
            Principal::User { name, .. } => Owner::User { name: name.clone() },
            Principal::AssumedRole { .. } => {
                return Err(IamError::AccessDenied(
                    "Cannot call GetSessionToken with session credentials".into(),
                ));
            }
        };
        let access_key_id = keys::session_key_id();
        let session = Session {
            account: ctx.account.as_str().to_string(),
            owner,
            secret: keys::secret(),
            token: keys::session_token(),
            expiration: now() + duration.unwrap_or(43_200),
        };
        self.store_session(access_key_id.clone(), session.clone())
            .await?;
        let mut x = Xml::new();
        credentials_xml(&mut x, &access_key_id, &session);
        Ok(Some(x.finish()))
    }

    /// Stores a session durably; one in [`PURGE_EVERY`] also drops the sessions that ended
    /// over [`ENDED_KEPT_SECS`] ago.
    async fn store_session(&self, access_key_id: String, session: Session) -> Result<(), IamError> {
        let purge = self
            .sessions_stored
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            .is_multiple_of(PURGE_EVERY);
        self.store
            .write(move |txn| {
                if purge {
                    let t = now();
                    let ended: Vec<String> = SESSIONS
                        .all(txn, "")?
                        .into_iter()
                        .filter(|(_, s)| s.expiration + ENDED_KEPT_SECS < t)
                        .map(|(k, _)| k)
                        .collect();
                    for k in ended {
                        SESSIONS.remove(txn, &k)?;
                    }
                }
                SESSIONS.put(txn, &access_key_id, &session)?;
                Ok::<_, IamError>(())
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns() {
        let cases = [
            (
                "arn:aws:iam::000000000000:role/my-lambda-role",
                Some(("000000000000", "my-lambda-role")),
            ),
            (
                "arn:aws:iam::123456789012:role/service-role/r1",
                Some(("123456789012", "r1")),
            ),
            ("arn:aws:iam::000000000000:user/u", None),
            ("arn:aws:iam::abc:role/r", None),
            ("arn:aws:iam::000000000000:role/", None),
            ("nonsense", None),
        ];
        for (arn, want) in cases {
            let got = parse_role_arn(arn);
            assert_eq!(
                got.as_ref().map(|(a, n)| (a.as_str(), n.as_str())),
                want,
                "{arn}"
            );
        }
    }
}
