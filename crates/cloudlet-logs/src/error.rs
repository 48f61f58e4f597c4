//! The CloudWatch Logs domain errors and their one conversion into [`AwsError`] (rendered by
//! the edge as `{"__type": code, "message": …}`).

use cloudlet_core::AwsError;
use cloudlet_store::StoreError;

/// Everything a Logs operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum LogsError {
    #[error("The specified log group does not exist.")]
    GroupNotFound,
    #[error("The specified log stream does not exist.")]
    StreamNotFound,
    #[error("The specified log group already exists")]
    GroupExists,
    #[error("The specified log stream already exists")]
    StreamExists,
    #[error("{0}")]
    InvalidParameter(String),
    #[error("{0}")]
    Serialization(String),
    #[error("{0}")]
    UnknownOperation(String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl LogsError {
    /// AWS's message for a member that failed its constraint.
    pub fn validation(value: &str, member: &str, constraint: &str) -> LogsError {
        LogsError::InvalidParameter(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
        ))
    }
    /// AWS's message for a required member that is missing.
    pub fn missing(member: &str) -> LogsError {
        LogsError::InvalidParameter(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    }
}

impl From<LogsError> for AwsError {
    fn from(e: LogsError) -> AwsError {
        let code = match &e {
            LogsError::GroupNotFound | LogsError::StreamNotFound => "ResourceNotFoundException",
            LogsError::GroupExists | LogsError::StreamExists => "ResourceAlreadyExistsException",
            LogsError::InvalidParameter(_) => "InvalidParameterException",
            LogsError::Serialization(_) => "SerializationException",
            LogsError::UnknownOperation(_) => "UnknownOperationException",
            LogsError::Store(_) => {
                return AwsError::new(500, "ServiceUnavailableException", e.to_string());
            }
        };
        AwsError::client(code, e.to_string())
    }
}
