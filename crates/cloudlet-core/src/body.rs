//! The one body type used for requests and responses between the edge and the services:
//! a boxed, streaming `http_body::Body` of `Bytes`, plus helpers to build and collect it.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full, combinators::UnsyncBoxBody};

/// Error type carried by bodies (I/O errors from the socket or a file).
pub type BodyError = Box<dyn std::error::Error + Send + Sync>;

/// A streaming HTTP body.
pub type Body = UnsyncBoxBody<Bytes, BodyError>;

/// The body error the edge raises (strict mode) when a chunk of a
/// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` upload is not signed as the chain requires; S3
/// answers it with `SignatureDoesNotMatch`.
#[derive(Debug, thiserror::Error)]
#[error("a chunk signature of the aws-chunked body does not match")]
pub struct ChunkSignatureMismatch;

/// A body holding `bytes`.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// An empty body.
pub fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// Why a body could not be collected.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("request body exceeds {0} bytes")]
    TooLarge(usize),
    #[error("reading request body: {0}")]
    Io(String),
}

/// Reads a whole body into memory, refusing more than `limit` bytes.
pub async fn collect(mut body: Body, limit: usize) -> Result<Bytes, CollectError> {
    let mut out = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| CollectError::Io(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > limit {
                return Err(CollectError::TooLarge(limit));
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out.freeze())
}
