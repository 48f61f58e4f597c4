//! DynamoDB: tables, items, expressions, indexes and streams.

use std::sync::Arc;

use cloudlet_core::{AwsError, BoxFuture, Request, RequestContext, Response, Service};
use cloudlet_store::Store;

/// The DynamoDB service.
pub struct DynamoDb {
    #[allow(dead_code)]
    store: Store,
}

impl DynamoDb {
    pub fn new(store: Store) -> Arc<DynamoDb> {
        Arc::new(DynamoDb { store })
    }
}

impl Service for DynamoDb {
    fn handle(
        &self,
        _ctx: RequestContext,
        _req: Request,
    ) -> BoxFuture<'_, Result<Response, AwsError>> {
        Box::pin(async {
            Err(AwsError::client(
                "UnknownOperationException",
                "DynamoDB is not implemented yet",
            ))
        })
    }
}
