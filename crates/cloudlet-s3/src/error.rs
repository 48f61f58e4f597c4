//! S3's errors, and their conversion into [`AwsError`] — the one place codes, statuses,
//! messages and the extra elements (`BucketName`, `Key`, …) are decided. The edge renders
//! them as REST-XML (API) or HTML (website endpoint).

use cloudlet_core::AwsError;
use cloudlet_store::StoreError;

/// What a `Content-MD5` was checked against. S3 reports the digest it was told to expect
/// in hex for an object's (or a part's) bytes, in base64 for a request document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Digested {
    Object,
    Document,
}

/// Which policy refused a caller of the bucket owner's account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DenyReason {
    /// Nothing allowed it (an implicit deny).
    NoIdentityPolicy,
    /// An identity policy denied it.
    IdentityPolicy,
    /// The bucket policy denied it.
    ResourcePolicy,
}

/// The parts of S3's detailed AccessDenied message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denial {
    /// The caller's ARN (a role session's `assumed-role` ARN).
    pub caller: String,
    pub action: String,
    /// `None` for actions on no resource (`s3:ListAllMyBuckets`).
    pub resource: Option<String>,
    pub reason: DenyReason,
}

impl Denial {
    /// `User: {arn} is not authorized to perform: {action} on resource: "{arn}" because no
    /// identity-based policy allows the {action} action`, or `… with an explicit deny in an
    /// identity-based / a resource-based policy`, as S3 words it (no final period).
    pub fn message(&self) -> String {
        let on = match &self.resource {
            Some(r) => format!(" on resource: \"{r}\""),
            None => String::new(),
        };
        let why = match self.reason {
            DenyReason::NoIdentityPolicy => {
                format!(
                    "because no identity-based policy allows the {} action",
                    self.action
                )
            }
            DenyReason::IdentityPolicy => {
                "with an explicit deny in an identity-based policy".into()
            }
            DenyReason::ResourcePolicy => "with an explicit deny in a resource-based policy".into(),
        };
        format!(
            "User: {} is not authorized to perform: {}{on} {why}",
            self.caller, self.action
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    #[error("no such bucket {0}")]
    NoSuchBucket(String),
    #[error("no such key {0}")]
    NoSuchKey(String),
    #[error("bucket {0} exists")]
    BucketAlreadyExists(String),
    #[error("bucket {0} is yours")]
    BucketAlreadyOwnedByYou(String),
    #[error("bucket {0} not empty")]
    BucketNotEmpty(String),
    #[error("invalid bucket name {0}")]
    InvalidBucketName(String),
    #[error("invalid location constraint {0}")]
    InvalidLocationConstraint(String),
    #[error("location constraint {0} incompatible")]
    IllegalLocationConstraint(String),
    #[error("malformed XML")]
    MalformedXml,
    #[error("malformed policy: {0}")]
    MalformedPolicy(String),
    #[error("access denied")]
    AccessDenied,
    /// AccessDenied for a caller of the bucket owner's own account, which S3 tells who was
    /// refused what and by which kind of policy.
    #[error("access denied: {0:?}")]
    Denied(Box<Denial>),
    #[error("public policy blocked")]
    PublicPolicyBlocked { caller: String, bucket: String },
    #[error("no bucket policy on {0}")]
    NoSuchBucketPolicy(String),
    #[error("no public access block on {0}")]
    NoSuchPublicAccessBlockConfiguration(String),
    #[error("no website configuration on {0}")]
    NoSuchWebsiteConfiguration(String),
    #[error("not implemented")]
    NotImplemented,
    #[error("method {method} not allowed on {resource}")]
    MethodNotAllowed {
        method: String,
        resource: &'static str,
    },
    /// A `Content-MD5` (`sent`) that does not match the MD5 of what was received.
    #[error("bad digest")]
    BadDigest {
        sent: [u8; 16],
        computed: [u8; 16],
        of: Digested,
    },
    /// A `Content-MD5` that is not base64 of 16 bytes, as sent.
    #[error("invalid digest {0}")]
    InvalidDigest(String),
    /// PutObject or UploadPart without a declared length (HTTP chunked transfer coding).
    #[error("missing content length")]
    MissingContentLength,
    /// A request whose body S3 requires an integrity header for (DeleteObjects, PutBucketCors, PutBucketLifecycleConfiguration, PutBucketTagging) had none.
    #[error("missing Content-MD5 or checksum header")]
    ChecksumHeaderRequired,
    /// An object write with Object Lock parameters had no integrity header.
    #[error("missing Content-MD5 or checksum header under Object Lock")]
    LockChecksumRequired(crate::precheck::LockedWrite),
    /// User-defined metadata of `size` bytes, over S3's 2 KB.
    #[error("metadata of {size} bytes too large")]
    MetadataTooLarge { size: usize },
    /// `x-amz-website-redirect-location` not starting with `/`, `http://` or `https://`.
    #[error("invalid website redirect location")]
    InvalidRedirectLocation,
    /// `x-amz-website-redirect-location` over 2 KB.
    #[error("website redirect location too long")]
    RedirectLocationTooLong,
    #[error("invalid argument {name}: {message}")]
    InvalidArgument {
        message: String,
        name: String,
        value: String,
    },
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A `partNumber` the object does not have (`count`: how many it has).
    #[error("part number {requested} not satisfiable ({count} parts)")]
    InvalidPartNumber { requested: u32, count: usize },
    /// An archived object's bytes were asked for (GET, copy source) before a restore.
    #[error("invalid object state: {message}")]
    InvalidObjectState {
        message: &'static str,
        class: String,
    },
    #[error("key of {size} bytes too long")]
    KeyTooLong { size: usize },
    #[error("no version {version} of {key}")]
    NoSuchVersion { key: String, version: String },
    #[error("no object lock configuration on {0}")]
    ObjectLockConfigurationNotFound(String),
    #[error("no object lock configuration on the object")]
    NoSuchObjectLockConfiguration,
    #[error("invalid bucket state: {0}")]
    InvalidBucketState(&'static str),
    #[error("access denied: {0}")]
    AccessDeniedBecause(&'static str),
    /// A request signed for another region than the bucket's, in the header or in a
    /// presigned URL's query.
    #[error("signed for {signed}, the bucket is in {region}")]
    WrongRegion {
        signed: String,
        region: String,
        signed_in: cloudlet_core::SignedIn,
    },
    /// An error whose response also carries headers (`x-amz-delete-marker`, …).
    #[error("{error}")]
    WithHeaders {
        error: Box<S3Error>,
        headers: Vec<(&'static str, String)>,
    },
    /// The website endpoint's 302 from `dir` to `dir/` (S3 words it as an error page).
    #[error("found")]
    WebsiteFound,
    /// A website error whose custom error document could not be served either.
    #[error("{error} (and the error document: {document})")]
    ErrorDocumentFailed {
        error: Box<S3Error>,
        document: Box<S3Error>,
    },
    #[error("precondition {0} failed")]
    PreconditionFailed(&'static str),
    /// A conditional request header S3 does not take in this form (`header` names it, or
    /// both of a pair), with S3's `additionalMessage` when it gives one.
    #[error("header {header} not implemented")]
    NotImplementedHeader {
        header: &'static str,
        detail: Option<&'static str>,
    },
    /// A conditional write whose key changed while it was under way (a multipart upload's
    /// key written after the upload began).
    #[error("conditional request {condition} on {key} conflicts")]
    ConditionalRequestConflict {
        condition: &'static str,
        key: String,
    },
    #[error("invalid range {range} for size {size}")]
    InvalidRange { range: String, size: u64 },
    #[error("checksum {0} mismatch")]
    ChecksumMismatch(&'static str),
    /// A tag S3 refuses, with the `TagKey` (and `TagValue`) its error names.
    #[error("invalid tag: {message}")]
    InvalidTag {
        message: String,
        key: Option<String>,
        value: Option<String>,
    },
    /// More than 10 tags on an object: S3 answers `BadRequest` here, not `InvalidTag`.
    #[error("too many object tags")]
    TooManyObjectTags,
    #[error("no tag set on {0}")]
    NoSuchTagSet(String),
    #[error("no such upload {0}")]
    NoSuchUpload(String),
    #[error("invalid part {part} of {upload}")]
    InvalidPart {
        upload: String,
        part: u32,
        etag: String,
    },
    #[error("parts out of order in {0}")]
    InvalidPartOrder(String),
    #[error("part {part} too small ({size})")]
    EntityTooSmall { part: u32, size: u64, etag: String },
    #[error("chunk signature mismatch")]
    ChunkSignatureMismatch,
    #[error("malformed POST form")]
    MalformedPost,
    #[error("POST form fields too large")]
    MaxPostPreDataLengthExceeded,
    #[error("invalid POST policy: {0}")]
    InvalidPolicyDocument(String),
    #[error("refused by the POST policy: {0}")]
    PolicyDenied(String),
    #[error("upload of {size} bytes exceeds {max}")]
    EntityTooLarge { size: u64, max: u64 },
    #[error("upload of {size} bytes is under {min}")]
    EntityTooSmallForPolicy { size: u64, min: u64 },
    #[error("invalid storage class")]
    InvalidStorageClass,
    /// An error the edge already gave its AWS shape (form signature checks).
    #[error("{0}")]
    Aws(AwsError),
    #[error("x-amz-content-sha256 {client} is not the body's {computed}")]
    ContentSha256Mismatch { client: String, computed: String },
    #[error("reading the request body: {0}")]
    Body(String),
    #[error(transparent)]
    Config(#[from] crate::config_error::ConfigError),
    #[error(transparent)]
    SseC(#[from] crate::sse_c::SseCError),
    #[error(transparent)]
    EncryptionUpdate(#[from] crate::ops::object_encryption::EncryptionUpdateError),
    /// A write specifying SSE-C to a bucket whose encryption configuration blocks it.
    #[error("SSE-C is blocked on this bucket")]
    SseCBlocked,
    #[error("{0}")]
    Store(#[from] StoreError),
    /// A ListObjectsV2 `continuation-token` that is not one cloudlet issued (as sent).
    #[error("invalid continuation token")]
    InvalidContinuationToken(String),
    /// A PutBucketVersioning document that names no `Status`.
    #[error("illegal versioning configuration")]
    IllegalVersioningConfiguration,
    /// A PutBucketTagging document with more than 50 tags.
    #[error("too many bucket tags")]
    TooManyBucketTags,
    /// An `aws-chunked` body whose framing is broken.
    #[error("malformed aws-chunked body")]
    ChunkedBodyMalformed,
    /// An `aws-chunked` chunk, other than the last, under 8 KiB: `chunk` is the number of
    /// the one after it, `size` its own size.
    #[error("chunk before {chunk} of only {size} bytes")]
    InvalidChunkSize { chunk: u64, size: u64 },
    /// A checksum trailer missing where `x-amz-trailer` names one, or one it does not name.
    #[error("malformed trailer")]
    MalformedTrailer,
    /// A body of `provided` bytes where its headers declared `expected`.
    #[error("{provided} bytes where {expected} were declared")]
    LengthMismatch { expected: u64, provided: u64 },
}

impl From<crate::chunked::ChunkError> for S3Error {
    fn from(e: crate::chunked::ChunkError) -> S3Error {
        match e {
            crate::chunked::ChunkError::Malformed(_) => S3Error::ChunkedBodyMalformed,
            crate::chunked::ChunkError::TooSmall { chunk, size } => {
                S3Error::InvalidChunkSize { chunk, size }
            }
        }
    }
}

pub type S3Result<T> = Result<T, S3Error>;

/// SSE-C's errors. S3 names `x-amz-server-side-encryption` as the argument of each header
/// error, whichever header was wrong, and gives a value only for the algorithms.
fn sse_c_error(e: crate::sse_c::SseCError) -> AwsError {
    use crate::sse_c::SseCError::*;
    let header = |message: &str| {
        AwsError::client("InvalidArgument", message)
            .with("ArgumentName", "x-amz-server-side-encryption")
    };
    let must = |what: &str| {
        header(&format!(
            "Requests specifying Server Side Encryption with Customer provided keys must provide {what}."
        ))
    };
    match e {
        IncompatibleWithSse(v) => header(
            "Server Side Encryption with Customer provided key is incompatible with the encryption method specified",
        )
        .with("ArgumentValue", v),
        MissingAlgorithm => must("a valid encryption algorithm"),
        InvalidAlgorithm(v) => AwsError::client(
            "InvalidEncryptionAlgorithmError",
            "The Encryption request you specified is not valid. Supported value: AES256.",
        )
        .with("ArgumentName", "x-amz-server-side-encryption")
        .with("ArgumentValue", v),
        MissingKey => must("an appropriate secret key"),
        InvalidKey => header("The secret key was invalid for the specified algorithm."),
        MissingKeyMd5 => must("the client calculated MD5 of the secret key"),
        KeyMd5Mismatch => {
            header("The calculated MD5 hash of the key did not match the hash that was provided.")
        }
        KeyRequired => AwsError::client(
            "InvalidRequest",
            "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.",
        ),
        WrongKey => AwsError::new(
            403,
            "AccessDenied",
            "Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key.",
        ),
        NotApplicable => AwsError::client(
            "InvalidRequest",
            "The encryption parameters are not applicable to this object.",
        ),
        PartParametersRequired => AwsError::client(
            "InvalidRequest",
            "The multipart upload initiate requested encryption. Subsequent part requests must include the appropriate encryption parameters.",
        ),
        PartParametersMismatch => AwsError::client(
            "InvalidRequest",
            "The provided encryption parameters did not match the ones used originally.",
        ),
    }
}

/// UpdateObjectEncryption's refusals, in the words of S3's API reference.
fn encryption_update_error(e: crate::ops::object_encryption::EncryptionUpdateError) -> AwsError {
    use crate::ops::object_encryption::EncryptionUpdateError::*;
    let invalid = |m: &str| AwsError::client("InvalidRequest", m);
    let denied = |m: &str| AwsError::new(403, "AccessDenied", m);
    match e {
        SignatureV4Required => invalid(
            "Requests that modify an object encryption configuration require AWS Signature Version 4. Modify the request to use AWS Signature Version 4, and then try again.",
        ),
        InvalidType => invalid(
            "Requests that modify an object encryption configuration require a valid new encryption type. Valid values are SSEKMS. Modify the request to specify SSE-KMS for the updated encryption type, and then try again.",
        ),
        UnsupportedType => invalid(
            "The UpdateObjectEncryption operation doesn't support updating the encryption type to DSSE-KMS or SSE-C. Modify the request to specify SSE-KMS for the updated encryption type, and then try again.",
        ),
        MissingKeyArn => invalid(
            "Requests that modify an object's encryption type to SSE-KMS require an AWS KMS key Amazon Resource Name (ARN). Modify the request to specify a KMS key ARN, and then try again.",
        ),
        InvalidKeyArn => invalid(
            "Requests that modify an object's encryption type to SSE-KMS require a valid AWS KMS key Amazon Resource Name (ARN). Confirm that you have a correctly formatted KMS key ARN in your request, and then try again.",
        ),
        InvalidBucketKey => invalid(
            "The BucketKeyEnabled value isn't valid. Valid values are true or false. Modify the request to specify a valid value, and then try again.",
        ),
        UnsupportedSource => invalid(
            "The UpdateObjectEncryption operation doesn't support source objects with the encryption type DSSE-KMS or SSE-C. Only source objects encrypted with SSE-S3 or SSE-KMS are supported.",
        ),
        ForeignKey => denied(
            "The AWS KMS key in the request must be owned by the same account as the bucket. Modify the request to specify a KMS key from the same account, and then try again.",
        ),
        Locked => denied(
            "The encryption type for the specified object can\u{2019}t be updated because that object is protected by S3 Object Lock. If the object has a governance-mode retention period or a legal hold, you must first remove the Object Lock status on the object before you issue your UpdateObjectEncryption request. You can't use the UpdateObjectEncryption operation with objects that have an Object Lock compliance mode retention period applied to them.",
        ),
    }
}

/// S3's `InvalidArgument`, naming the argument and the value refused.
pub fn invalid_argument(
    message: impl Into<String>,
    name: impl Into<String>,
    value: impl Into<String>,
) -> S3Error {
    S3Error::InvalidArgument {
        message: message.into(),
        name: name.into(),
        value: value.into(),
    }
}

impl From<S3Error> for AwsError {
    fn from(e: S3Error) -> AwsError {
        use S3Error::*;
        match e {
            NoSuchBucket(b) => AwsError::new(404, "NoSuchBucket", "The specified bucket does not exist")
                .with("BucketName", b),
            NoSuchKey(k) => {
                AwsError::new(404, "NoSuchKey", "The specified key does not exist.").with("Key", k)
            }
            BucketAlreadyExists(b) => AwsError::new(
                409,
                "BucketAlreadyExists",
                "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.",
            )
            .with("BucketName", b),
            BucketAlreadyOwnedByYou(b) => AwsError::new(
                409,
                "BucketAlreadyOwnedByYou",
                "Your previous request to create the named bucket succeeded and you already own it.",
            )
            .with("BucketName", b),
            BucketNotEmpty(b) => {
                AwsError::new(409, "BucketNotEmpty", "The bucket you tried to delete is not empty")
                    .with("BucketName", b)
            }
            InvalidBucketName(b) => {
                AwsError::client("InvalidBucketName", "The specified bucket is not valid.")
                    .with("BucketName", b)
            }
            InvalidLocationConstraint(c) => AwsError::client(
                "InvalidLocationConstraint",
                "The specified location-constraint is not valid",
            )
            .with("LocationConstraint", c),
            IllegalLocationConstraint(c) => AwsError::client(
                "IllegalLocationConstraintException",
                format!(
                    "The {c} location constraint is incompatible for the region specific endpoint this request was sent to."
                ),
            ),
            MalformedXml => AwsError::client(
                "MalformedXML",
                "The XML you provided was not well-formed or did not validate against our published schema",
            ),
            MalformedPolicy(m) => AwsError::client("MalformedPolicy", m),
            AccessDenied => AwsError::new(403, "AccessDenied", "Access Denied"),
            Denied(d) => AwsError::new(403, "AccessDenied", d.message()),
            PublicPolicyBlocked { caller, bucket } => AwsError::new(
                403,
                "AccessDenied",
                format!(
                    "User: {caller} is not authorized to perform: s3:PutBucketPolicy on resource: \"arn:aws:s3:::{bucket}\" because public policies are blocked by the BlockPublicPolicy block public access setting."
                ),
            ),
            NoSuchBucketPolicy(b) => {
                AwsError::new(404, "NoSuchBucketPolicy", "The bucket policy does not exist")
                    .with("BucketName", b)
            }
            NoSuchPublicAccessBlockConfiguration(b) => AwsError::new(
                404,
                "NoSuchPublicAccessBlockConfiguration",
                "The public access block configuration was not found",
            )
            .with("BucketName", b),
            NoSuchWebsiteConfiguration(b) => AwsError::new(
                404,
                "NoSuchWebsiteConfiguration",
                "The specified bucket does not have a website configuration",
            )
            .with("BucketName", b),
            NotImplemented => AwsError::new(
                501,
                "NotImplemented",
                "A header you provided implies functionality that is not implemented",
            ),
            MethodNotAllowed { method, resource } => AwsError::new(
                405,
                "MethodNotAllowed",
                "The specified method is not allowed against this resource.",
            )
            .with("Method", method)
            .with("ResourceType", resource),
            BadDigest { sent, computed, of } => AwsError::client(
                "BadDigest",
                "The Content-MD5 you specified did not match what we received.",
            )
            .with("CalculatedDigest", crate::checksum::b64(&computed))
            .with(
                "ExpectedDigest",
                match of {
                    Digested::Object => cloudlet_core::ids::hex(&sent),
                    Digested::Document => crate::checksum::b64(&sent),
                },
            ),
            InvalidDigest(sent) => {
                AwsError::client("InvalidDigest", "The Content-MD5 you specified was invalid.")
                    .with("Content-MD5", sent)
            }
            MissingContentLength => AwsError::new(
                411,
                "MissingContentLength",
                "You must provide the Content-Length HTTP header.",
            ),
            ChecksumHeaderRequired => AwsError::client(
                "InvalidRequest",
                "Missing required header for this request: Content-MD5 OR x-amz-checksum-*",
            ),
            LockChecksumRequired(write) => AwsError::client(
                "InvalidRequest",
                format!(
                    "Content-MD5 OR x-amz-checksum- HTTP header is required for Put {} requests \
                     with Object Lock parameters",
                    match write {
                        crate::precheck::LockedWrite::Object => "Object",
                        crate::precheck::LockedWrite::Part => "Part",
                    }
                ),
            ),
            MetadataTooLarge { size } => AwsError::client(
                "MetadataTooLarge",
                "Your metadata headers exceed the maximum allowed metadata size.",
            )
            .with("Size", size.to_string())
            .with("MaxSizeAllowed", crate::precheck::MAX_METADATA.to_string()),
            InvalidRedirectLocation => AwsError::client(
                "InvalidRedirectLocation",
                "The website redirect location must have a prefix of 'http://' or 'https://' or '/'.",
            ),
            RedirectLocationTooLong => AwsError::client(
                "InvalidRedirectLocation",
                "The length of website redirect location cannot exceed 2,048 characters.",
            ),
            InvalidArgument {
                message,
                name,
                value,
            } => AwsError::invalid_argument(message, name, value),
            InvalidRequest(m) => AwsError::client("InvalidRequest", m),
            KeyTooLong { size } => AwsError::client("KeyTooLongError", "Your key is too long")
                .with("Size", size.to_string())
                .with("MaxSizeAllowed", crate::precheck::MAX_KEY.to_string()),
            NoSuchVersion { key, version } => AwsError::new(
                404,
                "NoSuchVersion",
                "The specified version does not exist.",
            )
            .with("Key", key)
            .with("VersionId", version),
            ObjectLockConfigurationNotFound(b) => AwsError::new(
                404,
                "ObjectLockConfigurationNotFoundError",
                "Object Lock configuration does not exist for this bucket",
            )
            .with("BucketName", b),
            NoSuchObjectLockConfiguration => AwsError::new(
                404,
                "NoSuchObjectLockConfiguration",
                "The specified object does not have a ObjectLock configuration",
            ),
            InvalidBucketState(m) => AwsError::new(409, "InvalidBucketState", m),
            AccessDeniedBecause(m) => AwsError::new(403, "AccessDenied", m),
            WrongRegion {
                signed,
                region,
                signed_in,
            } => {
                // The words of the scope's own parse errors, header or query.
                let (code, part) = match signed_in {
                    cloudlet_core::SignedIn::Header => (
                        "AuthorizationHeaderMalformed",
                        "The authorization header is malformed",
                    ),
                    cloudlet_core::SignedIn::Query => (
                        "AuthorizationQueryParametersError",
                        "Error parsing the X-Amz-Credential parameter",
                    ),
                };
                AwsError::client(
                    code,
                    format!("{part}; the region '{signed}' is wrong; expecting '{region}'"),
                )
                .with("Region", region)
            }
            WithHeaders { error, .. } => AwsError::from(*error),
            WebsiteFound => AwsError::new(302, "Found", "Resource Found"),
            ErrorDocumentFailed { error, document } => AwsError::from(*error).with_nested(
                "An Error Occurred While Attempting to Retrieve a Custom Error Document",
                AwsError::from(*document),
            ),
            PreconditionFailed(c) => AwsError::new(
                412,
                "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold",
            )
            .with("Condition", c),
            NotImplementedHeader { header, detail } => {
                let e = AwsError::new(
                    501,
                    "NotImplemented",
                    "A header you provided implies functionality that is not implemented",
                )
                .with("Header", header);
                match detail {
                    Some(d) => e.with("additionalMessage", d),
                    None => e,
                }
            }
            ConditionalRequestConflict { condition, key } => AwsError::new(
                409,
                "ConditionalRequestConflict",
                "The conditional request cannot succeed due to a conflicting operation against this resource.",
            )
            .with("Condition", condition)
            .with("Key", key),
            InvalidObjectState { message, class } => {
                AwsError::new(403, "InvalidObjectState", message).with("StorageClass", class)
            }
            InvalidPartNumber { requested, count } => AwsError::new(
                416,
                "InvalidPartNumber",
                "The requested partnumber is not satisfiable",
            )
            .with("PartNumberRequested", requested.to_string())
            .with("ActualPartCount", count.to_string()),
            InvalidRange { range, size } => {
                AwsError::new(416, "InvalidRange", "The requested range is not satisfiable")
                    .with("RangeRequested", range)
                    .with("ActualObjectSize", size.to_string())
            }
            ChecksumMismatch(algo) => AwsError::client(
                "BadDigest",
                format!("The {algo} you specified did not match the calculated checksum."),
            ),
            InvalidTag {
                message,
                key,
                value,
            } => {
                let e = AwsError::client("InvalidTag", message);
                let e = match key {
                    Some(k) => e.with("TagKey", k),
                    None => e,
                };
                match value {
                    Some(v) => e.with("TagValue", v),
                    None => e,
                }
            }
            TooManyObjectTags => {
                AwsError::client("BadRequest", "Object tags cannot be greater than 10")
            }
            NoSuchTagSet(b) => AwsError::new(404, "NoSuchTagSet", "The TagSet does not exist")
                .with("BucketName", b),
            NoSuchUpload(id) => AwsError::new(
                404,
                "NoSuchUpload",
                "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
            )
            .with("UploadId", id),
            InvalidPart { upload, part, etag } => AwsError::client(
                "InvalidPart",
                "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
            )
            .with("UploadId", upload)
            .with("PartNumber", part.to_string())
            .with("ETag", etag),
            InvalidPartOrder(upload) => AwsError::client(
                "InvalidPartOrder",
                "The list of parts was not in ascending order. Parts must be ordered by part number.",
            )
            .with("UploadId", upload),
            EntityTooSmall { part, size, etag } => AwsError::client(
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size",
            )
            .with("ProposedSize", size.to_string())
            .with("MinSizeAllowed", "5242880")
            .with("PartNumber", part.to_string())
            .with("ETag", etag),
            ChunkSignatureMismatch => AwsError::new(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            ),
            MalformedPost => AwsError::client(
                "MalformedPOSTRequest",
                "The body of your POST request is not well-formed multipart/form-data.",
            ),
            MaxPostPreDataLengthExceeded => AwsError::client(
                "MaxPostPreDataLengthExceededError",
                "Your POST request fields preceding the upload file were too large.",
            ),
            InvalidPolicyDocument(m) => AwsError::client("InvalidPolicyDocument", m),
            PolicyDenied(m) => AwsError::new(403, "AccessDenied", m),
            EntityTooLarge { size, max } => AwsError::client(
                "EntityTooLarge",
                "Your proposed upload exceeds the maximum allowed size",
            )
            .with("ProposedSize", size.to_string())
            .with("MaxSizeAllowed", max.to_string()),
            EntityTooSmallForPolicy { size, min } => AwsError::client(
                "EntityTooSmall",
                "Your proposed upload is smaller than the minimum allowed size",
            )
            .with("ProposedSize", size.to_string())
            .with("MinSizeAllowed", min.to_string()),
            InvalidStorageClass => AwsError::client(
                "InvalidStorageClass",
                "The storage class you specified is not valid",
            ),
            Aws(e) => e,
            ContentSha256Mismatch { client, computed } => AwsError::client(
                "XAmzContentSHA256Mismatch",
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            )
            .with("ClientComputedContentSHA256", client)
            .with("S3ComputedContentSHA256", computed),
            Body(m) => AwsError::client("IncompleteBody", m),
            Config(e) => e.into(),
            SseC(e) => sse_c_error(e),
            EncryptionUpdate(e) => encryption_update_error(e),
            // S3 documents only the status and code; its usual message is assumed.
            SseCBlocked => AwsError::new(403, "AccessDenied", "Access Denied"),
            Store(e) => AwsError::new(
                500,
                "InternalError",
                format!("We encountered an internal error. Please try again. ({e})"),
            ),
            // S3 leaves `ArgumentValue` out for an empty token.
            InvalidContinuationToken(t) => {
                let e = AwsError::client(
                    "InvalidArgument",
                    "The continuation token provided is incorrect",
                )
                .with("ArgumentName", "continuation-token");
                if t.is_empty() { e } else { e.with("ArgumentValue", t) }
            }
            IllegalVersioningConfiguration => AwsError::client(
                "IllegalVersioningConfigurationException",
                "The Versioning element must be specified",
            ),
            TooManyBucketTags => {
                AwsError::client("BadRequest", "Bucket tag count cannot be greater than 50")
            }
            ChunkedBodyMalformed => {
                AwsError::client("IncompleteBody", "The request body terminated unexpectedly")
            }
            InvalidChunkSize { chunk, size } => AwsError::client(
                "InvalidChunkSizeError",
                "Only the last chunk is allowed to have a size less than 8192 bytes",
            )
            .with("Chunk", chunk.to_string())
            .with("BadChunkSize", size.to_string()),
            MalformedTrailer => AwsError::client(
                "MalformedTrailerError",
                "The request contained trailing data that was not well-formed or did not \
                 conform to our published schema.",
            ),
            LengthMismatch { expected, provided } => AwsError::client(
                "IncompleteBody",
                "You did not provide the number of bytes specified by the Content-Length HTTP header",
            )
            .with("NumberBytesExpected", expected.to_string())
            .with("NumberBytesProvided", provided.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn denial_messages_read_as_s3_words_them() {
        let user = "arn:aws:iam::000000000000:user/u";
        let cases = [
            (
                Some("arn:aws:s3:::b/k"),
                DenyReason::NoIdentityPolicy,
                "User: arn:aws:iam::000000000000:user/u is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/k\" because no identity-based policy allows the s3:GetObject action",
            ),
            (
                Some("arn:aws:s3:::b"),
                DenyReason::IdentityPolicy,
                "User: arn:aws:iam::000000000000:user/u is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b\" with an explicit deny in an identity-based policy",
            ),
            (
                None,
                DenyReason::ResourcePolicy,
                "User: arn:aws:iam::000000000000:user/u is not authorized to perform: s3:GetObject with an explicit deny in a resource-based policy",
            ),
        ];
        for (resource, reason, want) in cases {
            let d = Denial {
                caller: user.into(),
                action: "s3:GetObject".into(),
                resource: resource.map(str::to_string),
                reason,
            };
            assert_eq!(d.message(), want);
        }
    }
}
