//! The IAM/STS domain errors and their one conversion into [`AwsError`] (code, status and
//! message exactly as AWS reports them). Rendering is the edge's job.

use cloudlet_core::AwsError;
use cloudlet_store::StoreError;

/// Everything an IAM or STS operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum IamError {
    /// A request parameter failed its model constraint (`ValidationError`, 400).
    #[error("{0}")]
    Validation(String),
    /// No `Action` parameter at all.
    #[error("Missing Action")]
    MissingAction,
    /// An `Action` the service does not have.
    #[error("Could not find operation {action} for version {version}")]
    InvalidAction { action: String, version: String },
    /// An operation AWS has but cloudlet does not serve.
    #[error("{0} is not supported by cloudlet")]
    NotImplemented(String),
    #[error("{0}")]
    NoSuchEntity(String),
    #[error("{0}")]
    EntityAlreadyExists(String),
    #[error("{0}")]
    DeleteConflict(String),
    #[error("{0}")]
    MalformedPolicyDocument(String),
    #[error("{0}")]
    LimitExceeded(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    AccessDenied(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IamError {
    /// `1 validation error detected: Value 'v' at 'field' failed to satisfy constraint: …`.
    pub fn constraint(value: Option<&str>, field: &str, constraint: &str) -> IamError {
        let value = match value {
            Some(v) => format!("'{v}'"),
            None => "null".to_string(),
        };
        IamError::Validation(format!(
            "1 validation error detected: Value {value} at '{field}' failed to satisfy \
             constraint: {constraint}"
        ))
    }
}

impl From<IamError> for AwsError {
    fn from(e: IamError) -> Self {
        let msg = e.to_string();
        let (status, code) = match &e {
            IamError::Validation(_) => (400, "ValidationError"),
            IamError::MissingAction => (400, "MissingAction"),
            IamError::InvalidAction { .. } => (400, "InvalidAction"),
            IamError::NotImplemented(_) => (501, "NotImplemented"),
            IamError::NoSuchEntity(_) => (404, "NoSuchEntity"),
            IamError::EntityAlreadyExists(_) => (409, "EntityAlreadyExists"),
            IamError::DeleteConflict(_) => (409, "DeleteConflict"),
            IamError::MalformedPolicyDocument(_) => (400, "MalformedPolicyDocument"),
            IamError::LimitExceeded(_) => (409, "LimitExceeded"),
            IamError::InvalidInput(_) => (400, "InvalidInput"),
            IamError::AccessDenied(_) => (403, "AccessDenied"),
            IamError::Store(_) => return AwsError::new(500, "ServiceFailure", msg),
        };
        AwsError::new(status, code, msg)
    }
}
