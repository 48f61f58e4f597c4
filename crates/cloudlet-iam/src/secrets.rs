//! IAM as the edge's [`SecretStore`]: strict mode checks signatures with the secrets of the
//! keys IAM issued (user keys and role-session keys; an ended session's key too, for a
//! while, so that its requests are refused as expired).

use cloudlet_core::traits::{KeySecret, SecretStore};

use crate::Iam;

impl SecretStore for Iam {
    fn secret(&self, access_key: &str) -> Option<KeySecret> {
        self.issued_secret(access_key)
    }
}
