//! The encoding of persisted records: one format-version byte, then JSON.
//!
//! Every value a service stores goes through [`encode`]/[`decode`], so a later cloudlet can
//! tell which layout it is reading and migrate it.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::StoreError;

/// The format version written today.
pub const FORMAT_VERSION: u8 = 1;

/// Encodes `value` as a versioned record.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = vec![FORMAT_VERSION];
    // Serializing plain data structures to a Vec cannot fail.
    serde_json::to_writer(&mut out, value).unwrap_or_default();
    out
}

/// Decodes a record written by [`encode`].
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StoreError> {
    match bytes.split_first() {
        Some((&FORMAT_VERSION, rest)) => {
            serde_json::from_slice(rest).map_err(|e| StoreError::Format(e.to_string()))
        }
        Some((v, _)) => Err(StoreError::Format(format!("unknown record version {v}"))),
        None => Err(StoreError::Format("empty record".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_round_trip() {
        let bytes = encode(&serde_json::json!({"a": 1}));
        assert_eq!(bytes[0], FORMAT_VERSION);
        let v: serde_json::Value = decode(&bytes).unwrap();
        assert_eq!(v["a"], 1);
        assert!(decode::<serde_json::Value>(&[9, b'1']).is_err());
        assert!(decode::<serde_json::Value>(&[]).is_err());
    }
}
