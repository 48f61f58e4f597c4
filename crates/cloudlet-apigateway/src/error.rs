//! API Gateway's domain errors and their one conversion into [`AwsError`] (REST-JSON:
//! `x-amzn-ErrorType` header plus `{"message": …}`, rendered by the edge).

use cloudlet_core::AwsError;
use cloudlet_store::StoreError;

/// Everything that can go wrong in the control plane or the data plane.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400 `BadRequestException`.
    #[error("{0}")]
    BadRequest(String),
    /// 404 `NotFoundException`.
    #[error("{0}")]
    NotFound(String),
    /// 409 `ConflictException`.
    #[error("{0}")]
    Conflict(String),
    /// The request matched no operation of the API Gateway control plane.
    #[error("{0}")]
    UnknownOperation(String),
    /// Data plane: no stage, resource or method answers this request.
    #[error("Missing Authentication Token")]
    MissingAuthenticationToken,
    /// Data plane: the API does not exist (or an API key is missing).
    #[error("Forbidden")]
    Forbidden,
    /// Storage failure.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ApiError {
    pub fn bad(msg: impl Into<String>) -> ApiError {
        ApiError::BadRequest(msg.into())
    }
    pub fn api_not_found(account: &str, api: &str) -> ApiError {
        ApiError::NotFound(format!("Invalid API identifier specified {account}:{api}"))
    }
    pub fn resource_not_found() -> ApiError {
        ApiError::NotFound("Invalid Resource identifier specified".into())
    }
    pub fn method_not_found() -> ApiError {
        ApiError::NotFound("Invalid Method identifier specified".into())
    }
    pub fn integration_not_found() -> ApiError {
        ApiError::NotFound("Invalid Integration identifier specified".into())
    }
    pub fn response_not_found() -> ApiError {
        ApiError::NotFound("Invalid Response status code specified".into())
    }
    pub fn stage_not_found() -> ApiError {
        ApiError::NotFound("Invalid Stage identifier specified".into())
    }
    pub fn deployment_not_found() -> ApiError {
        ApiError::NotFound("Invalid Deployment identifier specified".into())
    }
}

impl From<ApiError> for AwsError {
    fn from(e: ApiError) -> AwsError {
        let msg = e.to_string();
        match e {
            ApiError::BadRequest(_) => AwsError::new(400, "BadRequestException", msg),
            ApiError::NotFound(_) => AwsError::new(404, "NotFoundException", msg),
            ApiError::Conflict(_) => AwsError::new(409, "ConflictException", msg),
            ApiError::UnknownOperation(_) => AwsError::new(404, "UnknownOperationException", msg),
            ApiError::MissingAuthenticationToken => {
                AwsError::new(403, "MissingAuthenticationTokenException", msg)
            }
            ApiError::Forbidden => AwsError::new(403, "ForbiddenException", msg),
            ApiError::Store(_) => AwsError::internal(msg),
        }
    }
}
