//! The TTL sweeper: a background task that deletes items whose TTL attribute (a Number of
//! epoch seconds) lies in the past, as DynamoDB's TTL process does, maintaining indexes
//! and writing stream records for the deletions. Items whose TTL attribute is missing, not
//! a number, or more than five years in the past are left alone, as on AWS.

use std::time::Duration;

use cloudlet_store::Store;

use crate::error::DdbError;
use crate::state::{self, TableMeta};
use crate::value::{AttrValue, Item};
use crate::{index, keys, streams};

const FIVE_YEARS: f64 = 5.0 * 365.0 * 86400.0;
/// Most deletions per table per sweep (one store write each).
const BATCH: usize = 500;

/// Whether `item` has expired at `now` under TTL attribute `attr`.
pub fn expired(item: &Item, attr: &str, now: f64) -> bool {
    match item.get(attr) {
        Some(AttrValue::N(n)) => {
            let t = n.to_f64();
            t < now && now - t < FIVE_YEARS
        }
        _ => false,
    }
}

/// One pass over every table with TTL enabled; returns how many items were deleted.
pub async fn sweep(store: &Store) -> Result<usize, DdbError> {
    let now = crate::ops::now();
    let tables = store.read(state::all_tables)?;
    let mut deleted = 0;
    for (_, _, meta) in tables {
        let Some(attr) = meta.ttl_attribute.clone() else {
            continue;
        };
        let start = meta.id.as_bytes().to_vec();
        let end = keys::prefix_end(&start);
        let mut doomed: Vec<Vec<u8>> = Vec::new();
        store.read(|txn| {
            state::scan_range(txn, &start, &end, false, |k, item| {
                if expired(&item, &attr, now) {
                    doomed.push(k.to_vec());
                }
                Ok(doomed.len() < BATCH)
            })
        })?;
        if doomed.is_empty() {
            continue;
        }
        deleted += delete_expired(store, meta, attr, doomed, now).await?;
    }
    Ok(deleted)
}

async fn delete_expired(
    store: &Store,
    meta: TableMeta,
    attr: String,
    doomed: Vec<Vec<u8>>,
    now: f64,
) -> Result<usize, DdbError> {
    store
        .write(move |txn| {
            if state::check_table_id(txn, &meta.id).is_err() {
                return Ok(0);
            }
            let mut n = 0;
            for k in &doomed {
                // Re-check inside the transaction: the item may have changed since.
                let Some(old) = state::get_item_w(txn, k)? else {
                    continue;
                };
                if !expired(&old, &attr, now) {
                    continue;
                }
                state::delete_item(txn, &meta.id, k)?;
                index::maintain(txn, &meta, Some(&old), None)?;
                streams::record(txn, &meta, Some(&old), None)?;
                n += 1;
            }
            Ok(n)
        })
        .await
}

/// Starts the sweeper on the current tokio runtime (if any), every `every`.
pub fn start(store: Store, every: Duration) {
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return;
    };
    handle.spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(DdbError::Internal(m)) = sweep(&store).await
                && m.contains("shut down")
            {
                return;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::number::Number;

    #[test]
    fn expiry_rules() {
        let now = 1_800_000_000.0;
        let item = |v: AttrValue| -> Item { [("exp".to_string(), v)].into_iter().collect() };
        let n = |s: &str| AttrValue::N(Number::parse(s).unwrap());
        let cases = [
            (item(n("1799999999")), true),
            (item(n("1800000001")), false),
            (item(n("1000")), false),
            (item(AttrValue::S("1".into())), false),
            (Item::new(), false),
        ];
        for (i, want) in cases {
            assert_eq!(expired(&i, "exp", now), want, "{i:?}");
        }
    }
}
