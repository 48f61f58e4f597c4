//! IAM and STS: roles (trust policies, inline and attached policies, tags), customer and
//! AWS managed policies, users and access keys, and role sessions — over the AWS query
//! protocol, plus the in-process faces other parts of cloudlet use: the edge's
//! [`CredentialResolver`] (access key → principal) and Lambda's [`RoleSessions`].
//!
//! Layout: `query` (wire parameters and XML envelope) → `protocol` (typed operations,
//! validated) → `ops`/`sts` (execution) → `state` (redb tables). It does not evaluate
//! permissions and does not verify signatures.

mod error;
mod keys;
mod managed;
mod ops;
mod policy;
mod protocol;
mod query;
mod secrets;
mod state;
mod sts;
mod time;
mod validate;

use std::sync::Arc;

use cloudlet_core::traits::{CredentialResolver, Credentials, RoleSessions};
use cloudlet_core::{
    AccountId, AwsError, BoxFuture, Principal, Request, RequestContext, Response, Service,
    ServiceId, body,
};
use cloudlet_store::Store;
use http::{HeaderValue, header};

pub use error::IamError;

use crate::state::{ACCESS_KEYS, Owner, ROLES, SESSIONS, key};

const IAM_XMLNS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
const STS_XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// Largest request body read (a 128 KiB policy document, form-encoded, fits easily).
const MAX_BODY: usize = 2 << 20;

pub use cloudlet_core::traits::KeySecret;

/// The IAM and STS service (one type serves both; `ctx.service` tells them apart).
pub struct Iam {
    store: Store,
    /// New STS sessions stored since start, counting towards the next purge of ended ones.
    sessions_stored: std::sync::atomic::AtomicU64,
}

impl Iam {
    pub fn new(store: Store) -> Arc<Iam> {
        Arc::new(Iam {
            store,
            sessions_stored: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// The secret of a usable access key: an active IAM user (or root) key, or an unexpired
    /// session key. `None` for unknown, inactive or expired keys.
    pub fn secret_for(&self, access_key: &str) -> Option<KeySecret> {
        self.issued_secret(access_key).filter(|k| !k.expired)
    }

    /// The secret of an access key IAM issued: an active IAM user (or root) key, or a
    /// session key, `expired` once its session has ended (and known for
    /// [`sts::ENDED_KEPT_SECS`] more). `None` for unknown or inactive keys.
    pub(crate) fn issued_secret(&self, access_key: &str) -> Option<KeySecret> {
        if access_key.starts_with("ASIA") {
            let s = self
                .store
                .read(|txn| SESSIONS.read(txn, access_key))
                .ok()??;
            return Some(KeySecret {
                secret_access_key: s.secret,
                session_token: Some(s.token),
                expired: s.expiration < time::now(),
            });
        }
        if access_key.starts_with("AKIA") {
            let k = self
                .store
                .read(|txn| ACCESS_KEYS.read(txn, access_key))
                .ok()??;
            return (k.status == "Active").then_some(KeySecret {
                secret_access_key: k.secret,
                session_token: None,
                expired: false,
            });
        }
        None
    }

    async fn handle_query(&self, ctx: RequestContext, req: Request) -> Result<Response, IamError> {
        let query = req.uri().query().map(str::to_string);
        let bytes = body::collect(req.into_body(), MAX_BODY)
            .await
            .map_err(|e| IamError::InvalidInput(e.to_string()))?;
        let params = query::Params::parse(query.as_deref(), &bytes);
        let action = params.get("Action").ok_or(IamError::MissingAction)?;
        let sts = ctx.service == ServiceId::Sts;
        let (xmlns, default_version) = if sts {
            (STS_XMLNS, "2011-06-15")
        } else {
            (IAM_XMLNS, "2010-05-08")
        };
        let version = params.get("Version").unwrap_or(default_version);
        let result = if sts {
            let op = protocol::parse_sts(action, version, &params)?;
            self.execute_sts(&ctx, op).await?
        } else {
            let op = protocol::parse_iam(action, version, &params)?;
            self.execute(&ctx, op).await?
        };
        let doc = query::envelope(action, xmlns, result, ctx.request_id.as_str());
        let mut resp = Response::new(body::full(doc));
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
        Ok(resp)
    }
}

impl Service for Iam {
    fn handle(
        &self,
        ctx: RequestContext,
        req: Request,
    ) -> BoxFuture<'_, Result<Response, AwsError>> {
        Box::pin(async move { self.handle_query(ctx, req).await.map_err(AwsError::from) })
    }
}

impl CredentialResolver for Iam {
    fn resolve(&self, access_key: &str) -> Option<Principal> {
        // Only keys cloudlet issued can be known; `test` and 12-digit keys skip the store.
        if access_key.starts_with("ASIA") {
            let s = self
                .store
                .read(|txn| SESSIONS.read(txn, access_key))
                .ok()??;
            let account = AccountId::parse(&s.account)?;
            return Some(match s.owner {
                Owner::Role { name, session, .. } => Principal::AssumedRole {
                    account,
                    role: name,
                    session,
                },
                Owner::Root => Principal::Root { account },
                Owner::User { name } => Principal::User { account, name },
            });
        }
        if access_key.starts_with("AKIA") {
            let k = self
                .store
                .read(|txn| ACCESS_KEYS.read(txn, access_key))
                .ok()??;
            let account = AccountId::parse(&k.account)?;
            return Some(match k.user {
                Some(name) => Principal::User { account, name },
                None => Principal::Root { account },
            });
        }
        None
    }
}

impl RoleSessions for Iam {
    fn assume_role(
        &self,
        account: &AccountId,
        role_arn: &str,
        session_name: &str,
    ) -> BoxFuture<'_, Result<Credentials, AwsError>> {
        let caller = format!("arn:aws:iam::{account}:root");
        let role_arn = role_arn.to_string();
        let session_name = session_name.to_string();
        Box::pin(async move {
            validate::check(&validate::SESSION_NAME, &session_name)?;
            let s = self
                .start_role_session(&role_arn, &session_name, None, &caller)
                .await?;
            Ok(Credentials {
                access_key_id: s.access_key_id,
                secret_access_key: s.session.secret,
                session_token: s.session.token,
                expiration: s.session.expiration,
            })
        })
    }

    fn role_exists(&self, _account: &AccountId, role_arn: &str) -> bool {
        let Some((account, name)) = sts::parse_role_arn(role_arn) else {
            return false;
        };
        let k = key(&account, &name);
        self.store
            .read(|txn| ROLES.read(txn, &k))
            .is_ok_and(|r| r.is_some())
    }
}
