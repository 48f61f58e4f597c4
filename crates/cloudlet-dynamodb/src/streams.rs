//! DynamoDB Streams: change records appended in the same transaction as the item write
//! (when the table has a stream), and the Streams API (ListStreams, DescribeStream,
//! GetShardIterator, GetRecords) over them. One shard per stream.

use cloudlet_store::record;
use cloudlet_store::redb::{
    ReadTransaction, ReadableTable, TableDefinition, TableError, WriteTransaction,
};
use serde_json::{Value, json};

use crate::error::DdbError;
use crate::keys::key_of;
use crate::state::TableMeta;
use crate::value::{Item, item_size, item_to_json};

/// Records keyed by `{table id}` + 8-byte big-endian sequence number.
const RECORDS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("dynamodb_stream_records");
const SEQ: TableDefinition<&str, u64> = TableDefinition::new("dynamodb_stream_seq");

/// Appends a change record for `old` → `new` if the table has a stream.
pub fn record(
    txn: &WriteTransaction,
    meta: &TableMeta,
    old: Option<&Item>,
    new: Option<&Item>,
) -> Result<(), DdbError> {
    let Some(view) = &meta.stream_view_type else {
        return Ok(());
    };
    let Some(label) = &meta.stream_label else {
        return Ok(());
    };
    let (event, any) = match (old, new) {
        (None, Some(n)) => ("INSERT", n),
        (Some(_), Some(n)) => ("MODIFY", n),
        (Some(o), None) => ("REMOVE", o),
        (None, None) => return Ok(()),
    };
    let seq = {
        let mut t = txn.open_table(SEQ)?;
        let s = t.get(meta.id.as_str())?.map(|v| v.value()).unwrap_or(0) + 1;
        t.insert(meta.id.as_str(), s)?;
        s
    };
    let mut d = json!({
        "ApproximateCreationDateTime": crate::ops::now().floor(),
        "Keys": item_to_json(&key_of(meta, any)),
        "SequenceNumber": format!("{:021}", seq),
        "SizeBytes": item_size(any),
        "StreamViewType": view,
    });
    if matches!(view.as_str(), "NEW_IMAGE" | "NEW_AND_OLD_IMAGES")
        && let Some(n) = new
    {
        d["NewImage"] = item_to_json(n);
    }
    if matches!(view.as_str(), "OLD_IMAGE" | "NEW_AND_OLD_IMAGES")
        && let Some(o) = old
    {
        d["OldImage"] = item_to_json(o);
    }
    let rec = json!({
        "eventID": cloudlet_core::ids::hex(&cloudlet_core::ids::random_bytes::<16>()),
        "eventName": event,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": meta.arn.split(':').nth(3).unwrap_or_default(),
        "dynamodb": d,
        "label": label,
    });
    let mut key = meta.id.as_bytes().to_vec();
    key.extend_from_slice(&seq.to_be_bytes());
    txn.open_table(RECORDS)?
        .insert(key.as_slice(), record::encode(&rec).as_slice())?;
    Ok(())
}

/// Records of a table with sequence numbers greater than `after`, up to `limit`.
pub fn read_records(
    txn: &ReadTransaction,
    table_id: &str,
    label: &str,
    after: u64,
    limit: usize,
) -> Result<(Vec<Value>, u64), DdbError> {
    let t = match txn.open_table(RECORDS) {
        Ok(t) => t,
        Err(TableError::TableDoesNotExist(_)) => return Ok((Vec::new(), after)),
        Err(e) => return Err(e.into()),
    };
    let mut start = table_id.as_bytes().to_vec();
    start.extend_from_slice(&(after.saturating_add(1)).to_be_bytes());
    let end = crate::keys::prefix_end(table_id.as_bytes());
    let mut out = Vec::new();
    let mut last = after;
    for e in t.range(start.as_slice()..end.as_slice())? {
        let (k, v) = e?;
        let kb = k.value();
        let seq_bytes: [u8; 8] = kb
            .get(kb.len().saturating_sub(8)..)
            .and_then(|s| s.try_into().ok())
            .unwrap_or([0; 8]);
        last = u64::from_be_bytes(seq_bytes);
        let mut rec: Value = record::decode(v.value())?;
        // Records of an earlier stream of the same table are skipped.
        if rec["label"].as_str() != Some(label) {
            continue;
        }
        if let Some(o) = rec.as_object_mut() {
            o.remove("label");
        }
        out.push(rec);
        if out.len() >= limit {
            break;
        }
    }
    Ok((out, last))
}

/// The sequence number of the latest record of a table (0 when none).
pub fn latest_seq(txn: &ReadTransaction, table_id: &str) -> Result<u64, DdbError> {
    match txn.open_table(SEQ) {
        Ok(t) => Ok(t.get(table_id)?.map(|v| v.value()).unwrap_or(0)),
        Err(TableError::TableDoesNotExist(_)) => Ok(0),
        Err(e) => Err(e.into()),
    }
}
