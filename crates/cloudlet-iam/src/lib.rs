//! IAM and STS: roles, policies, users and access keys; role sessions for Lambda.

use std::sync::Arc;

use cloudlet_core::{AwsError, BoxFuture, Request, RequestContext, Response, Service};
use cloudlet_store::Store;

/// The IAM service.
pub struct Iam {
    #[allow(dead_code)]
    store: Store,
}

impl Iam {
    pub fn new(store: Store) -> Arc<Iam> {
        Arc::new(Iam { store })
    }
}

impl Service for Iam {
    fn handle(
        &self,
        _ctx: RequestContext,
        _req: Request,
    ) -> BoxFuture<'_, Result<Response, AwsError>> {
        Box::pin(async {
            Err(AwsError::client(
                "UnknownOperationException",
                "IAM is not implemented yet",
            ))
        })
    }
}

impl cloudlet_core::traits::CredentialResolver for Iam {
    fn resolve(&self, _access_key: &str) -> Option<cloudlet_core::Principal> {
        None
    }
}

impl cloudlet_core::traits::RoleSessions for Iam {
    fn assume_role(
        &self,
        _account: &cloudlet_core::AccountId,
        _role_arn: &str,
        _session_name: &str,
    ) -> BoxFuture<'_, Result<cloudlet_core::traits::Credentials, AwsError>> {
        Box::pin(async { Err(AwsError::internal("STS is not implemented yet")) })
    }
    fn role_exists(&self, _account: &cloudlet_core::AccountId, _role_arn: &str) -> bool {
        true
    }
}
