//! Errors of the bucket configuration sub-resources (CORS, lifecycle, ownership controls,
//! ACLs, logging, replication, the id-keyed configurations) and their AWS codes, statuses
//! and messages. Wrapped by [`crate::error::S3Error::Config`]; everything shared with the
//! rest of S3 (MalformedXML, InvalidArgument, AccessDenied) stays in `S3Error`.

use cloudlet_core::AwsError;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no CORS configuration on {0}")]
    NoSuchCorsConfiguration(String),
    #[error("no lifecycle configuration on {0}")]
    NoSuchLifecycleConfiguration(String),
    #[error("no ownership controls on {0}")]
    OwnershipControlsNotFound(String),
    #[error("ACLs disabled")]
    AclNotSupported,
    #[error("ACL with BucketOwnerEnforced")]
    InvalidBucketAclWithObjectOwnership,
    #[error("public ACL with Block Public Access")]
    InvalidBucketAclWithBlockPublicAccess,
    #[error("malformed ACL")]
    MalformedAcl,
    #[error("unresolvable e-mail grantee")]
    UnresolvableGrantByEmailAddress,
    #[error("CORS request refused: {message}")]
    CorsForbidden {
        message: &'static str,
        method: String,
        resource: &'static str,
    },
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("logging target bucket {0} missing")]
    InvalidTargetBucketForLogging(String),
    #[error("logging target bucket {0} of another owner")]
    LoggingTargetOfAnotherOwner(String),
    #[error("target grants on a bucket owner enforced target")]
    TargetGrantsNotAllowed,
    #[error("logging target bucket in {0}")]
    CrossLocationLoggingProhibited(String),
    #[error("unsupported encryption {0}")]
    InvalidEncryptionAlgorithm(String),
    #[error("invalid object ownership {0}")]
    InvalidObjectOwnershipHeader(String),
    #[error("KMS key with AES256")]
    KmsKeyNotApplicable,
    #[error("no ACL given")]
    MissingAclHeader,
    #[error("ACL given twice")]
    UnexpectedContent,
    #[error("no such configuration")]
    NoSuchConfiguration,
    #[error("no replication configuration on {0}")]
    ReplicationConfigurationNotFound(String),
    #[error("document id does not match the configuration id")]
    IdMismatch,
    #[error("invalid inventory destination bucket")]
    InvalidS3DestinationBucket,
    #[error("configuration limit reached")]
    TooManyConfigurations,
    /// Notification destinations S3 may not deliver to: (destination, reason) each.
    #[error("unvalidated notification destinations")]
    UnvalidatedDestinations(Vec<(String, String)>),
}

impl From<ConfigError> for AwsError {
    fn from(e: ConfigError) -> AwsError {
        use ConfigError::*;
        match e {
            NoSuchCorsConfiguration(b) => AwsError::new(
                404,
                "NoSuchCORSConfiguration",
                "The CORS configuration does not exist",
            )
            .with("BucketName", b),
            NoSuchLifecycleConfiguration(b) => AwsError::new(
                404,
                "NoSuchLifecycleConfiguration",
                "The lifecycle configuration does not exist",
            )
            .with("BucketName", b),
            OwnershipControlsNotFound(b) => AwsError::new(
                404,
                "OwnershipControlsNotFoundError",
                "The bucket ownership controls were not found",
            )
            .with("BucketName", b),
            AclNotSupported => AwsError::client(
                "AccessControlListNotSupported",
                "The bucket does not allow ACLs",
            ),
            InvalidBucketAclWithObjectOwnership => AwsError::client(
                "InvalidBucketAclWithObjectOwnership",
                "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
            ),
            InvalidBucketAclWithBlockPublicAccess => AwsError::client(
                "InvalidBucketAclWithBlockPublicAccessError",
                "Bucket cannot have public ACLs set with BlockPublicAccess enabled",
            ),
            MalformedAcl => AwsError::client(
                "MalformedACLError",
                "The XML you provided was not well-formed or did not validate against our published schema",
            ),
            UnresolvableGrantByEmailAddress => AwsError::client(
                "UnresolvableGrantByEmailAddress",
                "The e-mail address you provided does not match any account on record.",
            ),
            CorsForbidden {
                message,
                method,
                resource,
            } => AwsError::new(403, "AccessForbidden", message)
                .with("Method", method)
                .with("ResourceType", resource),
            BadRequest(m) => AwsError::client("BadRequest", m),
            InvalidTargetBucketForLogging(b) => AwsError::client(
                "InvalidTargetBucketForLogging",
                "The target bucket for logging does not exist",
            )
            .with("TargetBucket", b),
            LoggingTargetOfAnotherOwner(b) => AwsError::client(
                "InvalidTargetBucketForLogging",
                "The owner for the bucket to be logged and the target bucket must be the same.",
            )
            .with("TargetBucket", b),
            TargetGrantsNotAllowed => AwsError::client(
                "AccessControlListNotSupported",
                "Target grants not allowed for bucket owner enforced buckets",
            ),
            // Sic: S3 spells the code this way.
            CrossLocationLoggingProhibited(region) => AwsError::new(
                403,
                "CrossLocationLoggingProhibitted",
                "Cross S3 location logging not allowed. ",
            )
            .with("TargetBucketLocation", region),
            InvalidEncryptionAlgorithm(v) => AwsError::client(
                "InvalidEncryptionAlgorithmError",
                "The Encryption request you specified is not valid. Supported value: AES256.",
            )
            .with("ArgumentName", "x-amz-server-side-encryption")
            .with("ArgumentValue", v),
            InvalidObjectOwnershipHeader(v) => AwsError::client(
                "InvalidArgument",
                format!("Invalid x-amz-object-ownership header: {v}"),
            )
            .with("ArgumentName", "x-amz-object-ownership"),
            KmsKeyNotApplicable => AwsError::client(
                "InvalidArgument",
                "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse",
            )
            .with("ArgumentName", "ApplyServerSideEncryptionByDefault"),
            MissingAclHeader => AwsError::client(
                "MissingSecurityHeader",
                "Your request was missing a required header",
            )
            .with("MissingHeaderName", "x-amz-acl"),
            UnexpectedContent => {
                AwsError::client("UnexpectedContent", "This request does not support content")
            }
            NoSuchConfiguration => AwsError::new(
                404,
                "NoSuchConfiguration",
                "The specified configuration does not exist.",
            ),
            ReplicationConfigurationNotFound(b) => AwsError::new(
                404,
                "ReplicationConfigurationNotFoundError",
                "The replication configuration was not found",
            )
            .with("BucketName", b),
            IdMismatch => AwsError::client(
                "IdMismatch",
                "Document ID does not match the specified configuration ID.",
            ),
            InvalidS3DestinationBucket => {
                AwsError::client("InvalidS3DestinationBucket", "Invalid bucket ARN.")
            }
            TooManyConfigurations => AwsError::client(
                "TooManyConfigurations",
                "You are attempting to create a new configuration but have already reached the 1,000-configuration limit.",
            ),
            UnvalidatedDestinations(list) => {
                const NAMES: [(&str, &str); 3] = [
                    ("ArgumentName1", "ArgumentValue1"),
                    ("ArgumentName2", "ArgumentValue2"),
                    ("ArgumentName3", "ArgumentValue3"),
                ];
                let mut e = AwsError::client(
                    "InvalidArgument",
                    "Unable to validate the following destination configurations",
                );
                for ((name, value), (destination, reason)) in NAMES.iter().zip(list) {
                    e = e.with(name, destination).with(value, reason);
                }
                e
            }
        }
    }
}
