//! Lambda's domain errors and their one conversion into [`AwsError`] (rendered by the edge
//! as `x-amzn-ErrorType` plus `{"Type": "User", "message": …}`).

use cloudlet_core::AwsError;
use cloudlet_store::StoreError;

/// Everything a Lambda operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum LambdaError {
    /// `Function not found: arn:…` and other missing resources (404).
    #[error("{0}")]
    NotFound(String),
    /// Duplicate function or statement id (409).
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    InvalidParameter(String),
    /// A member failed its model constraint.
    #[error("{0}")]
    Validation(String),
    #[error("{0}")]
    InvalidRequestContent(String),
    /// A request body over the operation's limit (413).
    #[error("{0}")]
    RequestTooLarge(String),
    #[error("{0}")]
    EntityTooLarge(String),
    #[error("{0}")]
    PreconditionFailed(String),
    /// A service principal the resource policy does not allow (403).
    #[error("{0}")]
    AccessDenied(String),
    #[error("{0}")]
    UnknownOperation(String),
    /// cloudlet could not run the function (no python3, spawn failure…).
    #[error("{0}")]
    Service(String),
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl LambdaError {
    /// AWS's `1 validation error detected: …` message.
    pub fn validation(value: &str, member: &str, constraint: &str) -> LambdaError {
        LambdaError::Validation(format!(
            "1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: {constraint}"
        ))
    }
    /// `Function not found: {arn}`.
    pub fn function_not_found(arn: &str) -> LambdaError {
        LambdaError::NotFound(format!("Function not found: {arn}"))
    }
}

impl From<LambdaError> for AwsError {
    fn from(e: LambdaError) -> AwsError {
        let (status, code) = match &e {
            LambdaError::NotFound(_) => (404, "ResourceNotFoundException"),
            LambdaError::Conflict(_) => (409, "ResourceConflictException"),
            LambdaError::InvalidParameter(_) => (400, "InvalidParameterValueException"),
            LambdaError::Validation(_) => (400, "ValidationException"),
            LambdaError::InvalidRequestContent(_) => (400, "InvalidRequestContentException"),
            LambdaError::RequestTooLarge(_) => (413, "RequestTooLargeException"),
            LambdaError::EntityTooLarge(_) => (413, "RequestEntityTooLargeException"),
            LambdaError::PreconditionFailed(_) => (412, "PreconditionFailedException"),
            LambdaError::AccessDenied(_) => (403, "AccessDeniedException"),
            LambdaError::UnknownOperation(_) => (404, "UnknownOperationException"),
            LambdaError::Service(_) | LambdaError::Store(_) => (500, "ServiceException"),
        };
        AwsError::new(status, code, e.to_string())
    }
}
