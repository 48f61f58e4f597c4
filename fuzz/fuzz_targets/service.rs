//! Whole requests through the service: the first byte picks the operation, the rest is
//! its JSON body, run in process against one ephemeral store holding a table with a GSI
//! and an LSI. Whatever the input, the answer is a success or a client error — never a
//! panic, never a 5xx.

#![no_main]

use std::sync::{Arc, OnceLock};

use cloudlet_core::{AccountId, Region, RequestContext, Service, ServiceId, body};
use cloudlet_dynamodb::DynamoDb;
use cloudlet_store::Store;
use libfuzzer_sys::fuzz_target;

const OPS: [&str; 12] = [
    "PutItem",
    "GetItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "TransactGetItems",
    "CreateTable",
    "UpdateTable",
];

const TABLE: &str = r#"{"TableName":"fuzz","BillingMode":"PAY_PER_REQUEST",
 "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"},
  {"AttributeName":"g","AttributeType":"S"},{"AttributeName":"l","AttributeType":"B"}],
 "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],
 "GlobalSecondaryIndexes":[{"IndexName":"gsi","KeySchema":[{"AttributeName":"g","KeyType":"HASH"}],"Projection":{"ProjectionType":"KEYS_ONLY"}}],
 "LocalSecondaryIndexes":[{"IndexName":"lsi","KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"l","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}]}"#;

struct World {
    rt: tokio::runtime::Runtime,
    ddb: Arc<DynamoDb>,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let ddb = rt.block_on(async { DynamoDb::new(Store::ephemeral().expect("store")) });
        let w = World { rt, ddb };
        let (status, text) = w.rt.block_on(call(&w.ddb, "CreateTable", TABLE.as_bytes().to_vec()));
        assert_eq!(status, 200, "{text}");
        w
    })
}

async fn call(ddb: &DynamoDb, op: &str, body: Vec<u8>) -> (u16, String) {
    let ctx = RequestContext::internal(
        ServiceId::DynamoDb,
        AccountId::default(),
        Region::default(),
        "http://127.0.0.1:4566",
    );
    let req = http::Request::post("/")
        .header("x-amz-target", format!("DynamoDB_20120810.{op}"))
        .body(body::full(body))
        .expect("request");
    match ddb.handle(ctx, req).await {
        Ok(resp) => (resp.status().as_u16(), String::new()),
        Err(e) => (e.status, format!("{}: {}", e.code, e.message)),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let w = world();
    let op = OPS[pick as usize % OPS.len()];
    let (status, text) = w.rt.block_on(call(&w.ddb, op, body.to_vec()));
    assert!(status < 500, "{op}: {status} {text}");
});
