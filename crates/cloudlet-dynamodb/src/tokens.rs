//! ClientRequestToken idempotency for TransactWriteItems: a token is remembered for ten
//! minutes with a fingerprint of its request; a repeat with the same request succeeds
//! without writing again, a repeat with a different one is refused.

use cloudlet_store::redb::{ReadableTable, TableDefinition, WriteTransaction};

use crate::error::DdbError;

/// `{account}/{region}/{token}` → (fingerprint, seconds since the epoch).
const TOKENS: TableDefinition<&str, (u32, u64)> = TableDefinition::new("dynamodb_tokens");
const TTL_SECS: u64 = 600;

/// Whether `token` was already used (same request); records it otherwise.
pub fn seen(
    txn: &WriteTransaction,
    account: &str,
    region: &str,
    token: &str,
    fingerprint: u32,
) -> Result<bool, DdbError> {
    let now = crate::ops::now() as u64;
    let key = format!("{account}/{region}/{token}");
    let mut t = txn.open_table(TOKENS)?;
    if let Some((fp, at)) = t.get(key.as_str())?.map(|v| v.value())
        && now.saturating_sub(at) < TTL_SECS
    {
        if fp == fingerprint {
            return Ok(true);
        }
        return Err(DdbError::IdempotentParameterMismatch(
            "Request token was used for a different request".into(),
        ));
    }
    t.insert(key.as_str(), (fingerprint, now))?;
    Ok(false)
}
