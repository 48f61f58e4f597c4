//! Lambda: functions, code packages, the Runtime API and the instance pool.

use std::sync::Arc;

use cloudlet_core::{AwsError, BoxFuture, Request, RequestContext, Response, Service};
use cloudlet_store::Store;

/// The Lambda service.
pub struct Lambda {
    #[allow(dead_code)]
    store: Store,
}

impl Lambda {
    pub fn new(store: Store) -> Arc<Lambda> {
        Arc::new(Lambda { store })
    }
}

impl Service for Lambda {
    fn handle(
        &self,
        _ctx: RequestContext,
        _req: Request,
    ) -> BoxFuture<'_, Result<Response, AwsError>> {
        Box::pin(async {
            Err(AwsError::client(
                "UnknownOperationException",
                "Lambda is not implemented yet",
            ))
        })
    }
}

impl cloudlet_core::traits::LambdaInvoker for Lambda {
    fn invoke(
        &self,
        _req: cloudlet_core::traits::InvokeRequest,
    ) -> BoxFuture<'_, Result<cloudlet_core::traits::InvokeResult, AwsError>> {
        Box::pin(async { Err(AwsError::internal("Lambda is not implemented yet")) })
    }
}
