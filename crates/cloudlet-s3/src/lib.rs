//! S3: buckets, objects, policies, Block Public Access and the website endpoint.

use std::sync::Arc;

use cloudlet_core::{AwsError, BoxFuture, Request, RequestContext, Response, Service};
use cloudlet_store::Store;

/// The S3 service.
pub struct S3 {
    #[allow(dead_code)]
    store: Store,
}

impl S3 {
    pub fn new(store: Store) -> Arc<S3> {
        Arc::new(S3 { store })
    }
}

impl Service for S3 {
    fn handle(
        &self,
        _ctx: RequestContext,
        _req: Request,
    ) -> BoxFuture<'_, Result<Response, AwsError>> {
        Box::pin(async {
            Err(AwsError::client(
                "UnknownOperationException",
                "S3 is not implemented yet",
            ))
        })
    }
}
