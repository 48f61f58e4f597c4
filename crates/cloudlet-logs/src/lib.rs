//! CloudWatch Logs: log groups, streams and events; the sink Lambda writes to.

use std::sync::Arc;

use cloudlet_core::{AwsError, BoxFuture, Request, RequestContext, Response, Service};
use cloudlet_store::Store;

/// The CloudWatch Logs service.
pub struct Logs {
    #[allow(dead_code)]
    store: Store,
}

impl Logs {
    pub fn new(store: Store) -> Arc<Logs> {
        Arc::new(Logs { store })
    }
}

impl Service for Logs {
    fn handle(
        &self,
        _ctx: RequestContext,
        _req: Request,
    ) -> BoxFuture<'_, Result<Response, AwsError>> {
        Box::pin(async {
            Err(AwsError::client(
                "UnknownOperationException",
                "CloudWatch Logs is not implemented yet",
            ))
        })
    }
}

impl cloudlet_core::traits::LogSink for Logs {
    fn append(
        &self,
        _account: &cloudlet_core::AccountId,
        _region: &cloudlet_core::Region,
        _group: &str,
        _stream: &str,
        _events: Vec<cloudlet_core::traits::LogEvent>,
    ) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}
