//! DynamoDB's domain errors and their one conversion into [`AwsError`] (code, status and
//! DynamoDB's exact message). The edge renders them as awsJson1_0 errors.

use cloudlet_core::AwsError;
use cloudlet_store::StoreError;

/// Everything a DynamoDB operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum DdbError {
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    ResourceNotFound(String),
    #[error("{0}")]
    ResourceInUse(String),
    /// With the old item when the request asked for it (`ReturnValuesOnConditionCheckFailure`).
    #[error("The conditional request failed")]
    ConditionalCheckFailed(Option<serde_json::Value>),
    /// The message and one `CancellationReason` per action.
    #[error("{0}")]
    TransactionCanceled(String, Vec<serde_json::Value>),
    #[error("{0}")]
    IdempotentParameterMismatch(String),
    #[error("{0}")]
    Serialization(String),
    #[error("{0}")]
    UnknownOperation(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    Internal(String),
}

impl DdbError {
    pub fn validation(msg: impl Into<String>) -> DdbError {
        DdbError::Validation(msg.into())
    }
    /// `One or more parameter values were invalid: …`
    pub fn invalid(msg: impl std::fmt::Display) -> DdbError {
        DdbError::Validation(format!("One or more parameter values were invalid: {msg}"))
    }
    /// The plain "Requested resource not found" of item operations.
    pub fn not_found() -> DdbError {
        DdbError::ResourceNotFound("Requested resource not found".into())
    }
    /// The table-naming variant DescribeTable/DeleteTable/UpdateTable use.
    pub fn table_not_found(name: &str) -> DdbError {
        DdbError::ResourceNotFound(format!(
            "Requested resource not found: Table: {name} not found"
        ))
    }
    pub fn key_schema_mismatch() -> DdbError {
        DdbError::validation("The provided key element does not match the schema")
    }
}

impl From<StoreError> for DdbError {
    fn from(e: StoreError) -> Self {
        DdbError::Internal(e.to_string())
    }
}

impl From<cloudlet_store::redb::TableError> for DdbError {
    fn from(e: cloudlet_store::redb::TableError) -> Self {
        DdbError::Internal(e.to_string())
    }
}

impl From<cloudlet_store::redb::StorageError> for DdbError {
    fn from(e: cloudlet_store::redb::StorageError) -> Self {
        DdbError::Internal(e.to_string())
    }
}

impl From<DdbError> for AwsError {
    fn from(e: DdbError) -> AwsError {
        let msg = e.to_string();
        match e {
            DdbError::ConditionalCheckFailed(Some(item)) => {
                AwsError::client("ConditionalCheckFailedException", msg).with_field("Item", item)
            }
            DdbError::TransactionCanceled(_, reasons) => {
                AwsError::client("TransactionCanceledException", msg)
                    .with_field("CancellationReasons", serde_json::Value::Array(reasons))
            }
            DdbError::Validation(_) => AwsError::client("ValidationException", msg),
            DdbError::ResourceNotFound(_) => AwsError::client("ResourceNotFoundException", msg),
            DdbError::ResourceInUse(_) => AwsError::client("ResourceInUseException", msg),
            DdbError::ConditionalCheckFailed(None) => {
                AwsError::client("ConditionalCheckFailedException", msg)
            }
            DdbError::IdempotentParameterMismatch(_) => {
                AwsError::client("IdempotentParameterMismatchException", msg)
            }
            DdbError::Serialization(_) => AwsError::client("SerializationException", msg),
            DdbError::UnknownOperation(_) => AwsError::client("UnknownOperationException", msg),
            DdbError::LimitExceeded(_) => AwsError::client("LimitExceededException", msg),
            DdbError::Internal(_) => AwsError::new(500, "InternalServerError", msg),
        }
    }
}
