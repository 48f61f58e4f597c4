//! The TableDescription shape DynamoDB returns from CreateTable, DescribeTable, UpdateTable
//! and DeleteTable.

use serde_json::{Value, json};

use crate::state::{IndexMeta, KeyAttr, TableMeta};

fn key_schema(hash: &KeyAttr, range: Option<&KeyAttr>) -> Value {
    let mut v = vec![json!({"AttributeName": hash.name, "KeyType": "HASH"})];
    if let Some(r) = range {
        v.push(json!({"AttributeName": r.name, "KeyType": "RANGE"}));
    }
    Value::Array(v)
}

fn projection(ix: &IndexMeta) -> Value {
    let mut p = json!({"ProjectionType": ix.projection_type});
    if !ix.non_key_attributes.is_empty() {
        p["NonKeyAttributes"] = json!(ix.non_key_attributes);
    }
    p
}

fn throughput(meta: &TableMeta, read: i64, write: i64) -> Value {
    let (r, w) = if meta.billing_mode == "PAY_PER_REQUEST" {
        (0, 0)
    } else {
        (read, write)
    };
    json!({"NumberOfDecreasesToday": 0, "ReadCapacityUnits": r, "WriteCapacityUnits": w})
}

/// The TableDescription of `meta` with the given status and statistics.
pub fn table_description(meta: &TableMeta, status: &str, stats: (u64, u64)) -> Value {
    let mut d = json!({
        "AttributeDefinitions": meta.attribute_definitions.iter()
            .map(|a| json!({"AttributeName": a.name, "AttributeType": a.ty}))
            .collect::<Vec<_>>(),
        "TableName": meta.name,
        "KeySchema": key_schema(&meta.hash_key, meta.range_key.as_ref()),
        "TableStatus": status,
        "CreationDateTime": meta.created,
        "ProvisionedThroughput": throughput(meta, meta.read_capacity, meta.write_capacity),
        "TableSizeBytes": stats.1,
        "ItemCount": stats.0,
        "TableArn": meta.arn,
        "TableId": meta.id,
        "DeletionProtectionEnabled": meta.deletion_protection,
    });
    if meta.billing_mode == "PAY_PER_REQUEST" {
        d["BillingModeSummary"] = json!({
            "BillingMode": "PAY_PER_REQUEST",
            "LastUpdateToPayPerRequestDateTime": meta.billing_changed.unwrap_or(meta.created),
        });
    } else if meta.billing_changed.is_some() {
        d["BillingModeSummary"] = json!({"BillingMode": "PROVISIONED"});
    }
    if !meta.lsis.is_empty() {
        d["LocalSecondaryIndexes"] = Value::Array(
            meta.lsis
                .iter()
                .map(|ix| {
                    json!({
                        "IndexName": ix.name,
                        "KeySchema": key_schema(&ix.hash_key, ix.range_key.as_ref()),
                        "Projection": projection(ix),
                        "IndexSizeBytes": 0,
                        "ItemCount": 0,
                        "IndexArn": format!("{}/index/{}", meta.arn, ix.name),
                    })
                })
                .collect(),
        );
    }
    if !meta.gsis.is_empty() {
        d["GlobalSecondaryIndexes"] = Value::Array(
            meta.gsis
                .iter()
                .map(|ix| {
                    json!({
                        "IndexName": ix.name,
                        "KeySchema": key_schema(&ix.hash_key, ix.range_key.as_ref()),
                        "Projection": projection(ix),
                        "IndexStatus": "ACTIVE",
                        "ProvisionedThroughput": throughput(meta, ix.read_capacity, ix.write_capacity),
                        "IndexSizeBytes": 0,
                        "ItemCount": 0,
                        "IndexArn": format!("{}/index/{}", meta.arn, ix.name),
                    })
                })
                .collect(),
        );
    }
    if let Some(view) = &meta.stream_view_type {
        d["StreamSpecification"] = json!({"StreamEnabled": true, "StreamViewType": view});
    }
    if let Some(label) = &meta.stream_label {
        d["LatestStreamLabel"] = json!(label);
        d["LatestStreamArn"] = json!(format!("{}/stream/{label}", meta.arn));
    }
    if let Some(class) = &meta.table_class {
        d["TableClassSummary"] = json!({"TableClass": class});
    }
    d
}
