//! IAM as the edge's [`SecretStore`]: strict mode checks signatures with the secrets of the
//! keys IAM issued (user keys and role-session keys; an ended session's key too, so that its
//! requests are refused as expired).

use cloudlet_core::traits::{KeySecret, SecretStore};

use crate::Iam;

impl SecretStore for Iam {
    fn secret(&self, access_key: &str) -> Option<KeySecret> {
        if let Some(k) = self.secret_for(access_key) {
            return Some(KeySecret {
                secret_access_key: k.secret_access_key,
                session_token: k.session_token,
                expired: false,
            });
        }
        self.ended_session(access_key).map(|k| KeySecret {
            secret_access_key: k.secret_access_key,
            session_token: k.session_token,
            expired: true,
        })
    }
}
