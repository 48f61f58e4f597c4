//! CloudWatch Logs: log groups, streams and events (awsJson1_1, `Logs_20140328.*`), and the
//! [`LogSink`] Lambda writes function output through.
//!
//! `protocol` decodes the request, `ops` executes it, `state` owns the tables, `filter`
//! matches filter patterns. This crate knows nothing about Lambda beyond the sink trait.

mod error;
mod filter;
mod ops;
mod protocol;
mod state;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use cloudlet_core::traits::{LogEvent, LogSink};
use cloudlet_core::{
    AccountId, AwsError, BoxFuture, Region, Request, RequestContext, Response, Service, body,
};
use cloudlet_store::Store;
use http::{HeaderValue, header};

pub use error::LogsError;

/// Largest request body read (PutLogEvents batches are at most 1 MiB).
const MAX_BODY: usize = 2 << 20;

/// The CloudWatch Logs service.
pub struct Logs {
    store: Store,
    /// Ingestion sequence, the tie-breaker of events with equal timestamps. Starts from the
    /// clock so positions stay unique across restarts.
    seq: AtomicU64,
}

impl Logs {
    pub fn new(store: Store) -> Arc<Logs> {
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Arc::new(Logs {
            store,
            seq: AtomicU64::new(start),
        })
    }

    fn ctx<'a>(&'a self, account: &'a AccountId, region: &'a Region) -> ops::Ctx<'a> {
        ops::Ctx {
            store: &self.store,
            seq: &self.seq,
            account,
            region,
        }
    }
}

impl Service for Logs {
    fn handle(
        &self,
        ctx: RequestContext,
        req: Request,
    ) -> BoxFuture<'_, Result<Response, AwsError>> {
        Box::pin(async move {
            let target = req
                .headers()
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let bytes = body::collect(req.into_body(), MAX_BODY)
                .await
                .map_err(|e| AwsError::client("InvalidParameterException", e.to_string()))?;
            let op = protocol::parse(target.as_deref(), &bytes)?;
            let out = ops::execute(&self.ctx(&ctx.account, &ctx.region), op).await?;
            let mut resp = Response::new(body::full(out.to_string()));
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-amz-json-1.1"),
            );
            Ok(resp)
        })
    }
}

impl LogSink for Logs {
    fn append(
        &self,
        account: &AccountId,
        region: &Region,
        group: &str,
        stream: &str,
        events: Vec<LogEvent>,
    ) -> BoxFuture<'_, ()> {
        let (account, region) = (account.clone(), region.clone());
        let (group, stream) = (group.to_string(), stream.to_string());
        Box::pin(async move {
            let cx = self.ctx(&account, &region);
            if let Err(e) = ops::sink_append(&cx, &group, &stream, events).await {
                eprintln!("cloudlet: logs: cannot append to {group}/{stream}: {e}");
            }
        })
    }
}
