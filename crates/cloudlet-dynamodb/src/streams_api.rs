//! The DynamoDB Streams API (`X-Amz-Target: DynamoDBStreams_20120810.<Op>`): ListStreams,
//! DescribeStream, GetShardIterator and GetRecords over the change records `streams`
//! writes. Each stream has one shard; shard iterators are opaque base64 tokens naming the
//! stream and the last sequence number read.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use cloudlet_core::{AwsError, BoxFuture, Request, RequestContext, Response, Service};
use cloudlet_store::Store;
use serde_json::{Value, json};

use crate::error::DdbError;
use crate::ops::Ctx;
use crate::protocol::{Body, json_response};
use crate::state::{self, TableMeta};
use crate::streams;

/// The one shard of every stream.
const SHARD_ID: &str = "shardId-00000000000000000001-00000001";

/// The Streams operations cloudlet serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamsOperation {
    ListStreams,
    DescribeStream,
    GetShardIterator,
    GetRecords,
}

impl StreamsOperation {
    pub fn from_target(target: &str) -> Result<StreamsOperation, DdbError> {
        let unknown = || DdbError::UnknownOperation(String::new());
        Ok(
            match target
                .strip_prefix("DynamoDBStreams_20120810.")
                .ok_or_else(unknown)?
            {
                "ListStreams" => StreamsOperation::ListStreams,
                "DescribeStream" => StreamsOperation::DescribeStream,
                "GetShardIterator" => StreamsOperation::GetShardIterator,
                "GetRecords" => StreamsOperation::GetRecords,
                _ => return Err(unknown()),
            },
        )
    }
}

/// The DynamoDB Streams service.
pub struct DynamoDbStreams {
    store: Store,
}

impl DynamoDbStreams {
    pub fn new(store: Store) -> Arc<DynamoDbStreams> {
        Arc::new(DynamoDbStreams { store })
    }

    async fn serve(&self, rc: RequestContext, req: Request) -> Result<Response, DdbError> {
        let target = req
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let op = StreamsOperation::from_target(&target)?;
        let bytes = cloudlet_core::body::collect(req.into_body(), 1 << 20)
            .await
            .map_err(|e| DdbError::Serialization(e.to_string()))?;
        let body = Body::parse(&bytes)?;
        let ctx = Ctx::new(&self.store, &rc);
        let out = match op {
            StreamsOperation::ListStreams => list_streams(&ctx, &body)?,
            StreamsOperation::DescribeStream => describe_stream(&ctx, &body)?,
            StreamsOperation::GetShardIterator => get_shard_iterator(&ctx, &body)?,
            StreamsOperation::GetRecords => get_records(&ctx, &body)?,
        };
        Ok(json_response(&out))
    }
}

impl Service for DynamoDbStreams {
    fn handle(
        &self,
        ctx: RequestContext,
        req: Request,
    ) -> BoxFuture<'_, Result<Response, AwsError>> {
        Box::pin(async move { self.serve(ctx, req).await.map_err(AwsError::from) })
    }
}

fn stream_arn(meta: &TableMeta) -> Option<String> {
    meta.stream_label
        .as_ref()
        .filter(|_| meta.stream_view_type.is_some())
        .map(|l| format!("{}/stream/{l}", meta.arn))
}

fn stream_not_found(arn: &str) -> DdbError {
    DdbError::ResourceNotFound(format!(
        "Requested resource not found: Stream: {arn} not found"
    ))
}

/// The table whose current stream is `arn`.
fn table_of_stream(ctx: &Ctx<'_>, arn: &str) -> Result<TableMeta, DdbError> {
    let name = arn
        .split_once(":table/")
        .and_then(|(_, rest)| rest.split_once("/stream/"))
        .map(|(n, _)| n)
        .ok_or_else(|| stream_not_found(arn))?;
    let meta = ctx
        .store
        .read(|txn| state::get_table(txn, &ctx.account, &ctx.region, name))?
        .ok_or_else(|| stream_not_found(arn))?;
    if stream_arn(&meta).as_deref() != Some(arn) {
        return Err(stream_not_found(arn));
    }
    Ok(meta)
}

fn list_streams(ctx: &Ctx<'_>, body: &Body) -> Result<Value, DdbError> {
    let only = body.opt_str("TableName")?;
    let limit = body.opt_i64("Limit")?.unwrap_or(100).clamp(1, 100) as usize;
    let start = body.opt_str("ExclusiveStartStreamArn")?;
    let names = ctx
        .store
        .read(|txn| state::list_tables(txn, &ctx.account, &ctx.region))?;
    let mut streams = Vec::new();
    for n in names {
        if only.as_ref().is_some_and(|o| *o != n) {
            continue;
        }
        let Some(meta) = ctx
            .store
            .read(|txn| state::get_table(txn, &ctx.account, &ctx.region, &n))?
        else {
            continue;
        };
        if let Some(arn) = stream_arn(&meta) {
            streams.push(json!({
                "StreamArn": arn,
                "TableName": meta.name,
                "StreamLabel": meta.stream_label,
            }));
        }
    }
    if let Some(s) = &start {
        let pos = streams
            .iter()
            .position(|v| v["StreamArn"].as_str() == Some(s.as_str()));
        streams = match pos {
            Some(p) => streams.split_off(p + 1),
            None => Vec::new(),
        };
    }
    let more = streams.len() > limit;
    streams.truncate(limit);
    let mut out = json!({"Streams": streams});
    if more && let Some(last) = streams.last() {
        out["LastEvaluatedStreamArn"] = last["StreamArn"].clone();
    }
    Ok(out)
}

fn describe_stream(ctx: &Ctx<'_>, body: &Body) -> Result<Value, DdbError> {
    let arn = body.req_str("StreamArn")?;
    let meta = table_of_stream(ctx, &arn)?;
    let mut schema = vec![json!({"AttributeName": meta.hash_key.name, "KeyType": "HASH"})];
    if let Some(r) = &meta.range_key {
        schema.push(json!({"AttributeName": r.name, "KeyType": "RANGE"}));
    }
    Ok(json!({"StreamDescription": {
        "StreamArn": arn,
        "StreamLabel": meta.stream_label,
        "StreamStatus": "ENABLED",
        "StreamViewType": meta.stream_view_type,
        "CreationRequestDateTime": meta.created,
        "TableName": meta.name,
        "KeySchema": schema,
        "Shards": [{
            "ShardId": SHARD_ID,
            "SequenceNumberRange": {"StartingSequenceNumber": format!("{:021}", 1)},
        }],
    }}))
}

fn iterator(arn: &str, after: u64) -> String {
    B64.encode(format!("{arn}|{after}"))
}

fn parse_iterator(it: &str) -> Option<(String, u64)> {
    let raw = String::from_utf8(B64.decode(it).ok()?).ok()?;
    let (arn, after) = raw.rsplit_once('|')?;
    Some((arn.to_string(), after.parse().ok()?))
}

fn get_shard_iterator(ctx: &Ctx<'_>, body: &Body) -> Result<Value, DdbError> {
    let arn = body.req_str("StreamArn")?;
    let shard = body.req_str("ShardId")?;
    let kind = body.req_str("ShardIteratorType")?;
    let meta = table_of_stream(ctx, &arn)?;
    if shard != SHARD_ID {
        return Err(DdbError::ResourceNotFound(format!(
            "Requested resource not found: Shard: {shard} in Stream: {arn} not found"
        )));
    }
    let seq = || -> Result<u64, DdbError> {
        body.opt_str("SequenceNumber")?
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| {
                DdbError::validation(
                    "Must provide a valid SequenceNumber for AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER shard iterator types",
                )
            })
    };
    let after = match kind.as_str() {
        "TRIM_HORIZON" => 0,
        "LATEST" => ctx.store.read(|txn| streams::latest_seq(txn, &meta.id))?,
        "AT_SEQUENCE_NUMBER" => seq()?.saturating_sub(1),
        "AFTER_SEQUENCE_NUMBER" => seq()?,
        other => {
            return Err(DdbError::validation(format!(
                "1 validation error detected: Value '{other}' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]"
            )));
        }
    };
    Ok(json!({"ShardIterator": iterator(&arn, after)}))
}

fn get_records(ctx: &Ctx<'_>, body: &Body) -> Result<Value, DdbError> {
    let it = body.req_str("ShardIterator")?;
    let limit = body.opt_i64("Limit")?.unwrap_or(1000).clamp(1, 1000) as usize;
    let (arn, after) =
        parse_iterator(&it).ok_or_else(|| DdbError::validation("Invalid ShardIterator"))?;
    let meta = table_of_stream(ctx, &arn)?;
    let label = meta.stream_label.clone().unwrap_or_default();
    let (records, last) = ctx
        .store
        .read(|txn| streams::read_records(txn, &meta.id, &label, after, limit))?;
    Ok(json!({"Records": records, "NextShardIterator": iterator(&arn, last)}))
}
