//! API Gateway (REST v1): APIs, resources, methods, integrations, deployments, stages and the execute-api data plane.

use std::sync::Arc;

use cloudlet_core::{AwsError, BoxFuture, Request, RequestContext, Response, Service};
use cloudlet_store::Store;

/// The API Gateway service.
pub struct ApiGateway {
    #[allow(dead_code)]
    store: Store,
}

impl ApiGateway {
    pub fn new(store: Store) -> Arc<ApiGateway> {
        Arc::new(ApiGateway { store })
    }
}

impl Service for ApiGateway {
    fn handle(
        &self,
        _ctx: RequestContext,
        _req: Request,
    ) -> BoxFuture<'_, Result<Response, AwsError>> {
        Box::pin(async {
            Err(AwsError::client(
                "UnknownOperationException",
                "API Gateway is not implemented yet",
            ))
        })
    }
}
