//! DynamoDB: tables, items, expressions, secondary indexes, TTL and streams, served over
//! awsJson1_0 (`X-Amz-Target: DynamoDB_20120810.<Op>`).
//!
//! `protocol` turns a request into an [`protocol::Operation`] and a parsed body, `ops`
//! executes it against the store (`state`, `index`, `streams`), `expr` parses and evaluates
//! expressions, `value`/`number` model attribute values, `keys` encodes primary keys in an
//! order-preserving form. Errors are `error::DdbError`, converted into `AwsError` once.

pub mod codec;
pub mod error;
pub mod expr;
pub mod index;
pub mod keys;
pub mod legacy;
pub mod number;
pub mod ops;
pub mod protocol;
pub mod state;
pub mod streams;
pub mod streams_api;
pub mod tokens;
pub mod ttl;
pub mod value;

use std::sync::Arc;

use cloudlet_core::{AwsError, BoxFuture, Request, RequestContext, Response, Service};
use cloudlet_store::Store;

use crate::error::DdbError;
use crate::protocol::{Body, Operation, json_response};
pub use crate::streams_api::DynamoDbStreams;

/// Largest request body accepted (DynamoDB's own limit is 16 MB).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// How often expired TTL items are looked for.
const TTL_SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// The DynamoDB service.
pub struct DynamoDb {
    store: Store,
}

impl DynamoDb {
    /// The service over `store`; starts the TTL sweeper when called inside a tokio
    /// runtime.
    pub fn new(store: Store) -> Arc<DynamoDb> {
        ttl::start(store.clone(), TTL_SWEEP_EVERY);
        Arc::new(DynamoDb { store })
    }

    async fn serve(&self, ctx: RequestContext, req: Request) -> Result<Response, DdbError> {
        let target = req
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let op = Operation::from_target(&target)?;
        let bytes = cloudlet_core::body::collect(req.into_body(), MAX_BODY)
            .await
            .map_err(|e| match e {
                cloudlet_core::body::CollectError::TooLarge(_) => {
                    DdbError::validation("Request size exceeded 16 MB")
                }
                cloudlet_core::body::CollectError::Io(m) => DdbError::Serialization(m),
            })?;
        let body = Body::parse(&bytes)?;
        let c = ops::Ctx::new(&self.store, &ctx);
        let out = ops::execute(&c, op, body).await?;
        Ok(json_response(&out))
    }
}

impl Service for DynamoDb {
    fn handle(
        &self,
        ctx: RequestContext,
        req: Request,
    ) -> BoxFuture<'_, Result<Response, AwsError>> {
        Box::pin(async move { self.serve(ctx, req).await.map_err(AwsError::from) })
    }
}
