//! The narrow traits through which services reach one another (never through HTTP):
//! API Gateway → Lambda (`LambdaInvoker`), Lambda → Logs (`LogSink`), Lambda → STS
//! (`RoleSessions`), edge → IAM (`CredentialResolver`, `SecretStore`), S3 → edge
//! (`FormAuthenticator`, for signed POST uploads), S3 → IAM (`IdentityPolicies`).

use bytes::Bytes;

use crate::error::AwsError;
use crate::ids::{AccountId, Region};
use crate::principal::Principal;
use crate::service::BoxFuture;

/// Who asks Lambda to run a function.
#[derive(Clone, Debug)]
pub enum Caller {
    /// A signed or anonymous API caller, authorised by identity.
    Principal(Principal),
    /// An AWS service acting through the function's resource policy, e.g.
    /// `apigateway.amazonaws.com` with the method's execute-api ARN as source.
    Service { service: String, source_arn: String },
}

/// How an invocation is run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvocationType {
    RequestResponse,
    Event,
    DryRun,
}

/// One Lambda invocation request.
#[derive(Clone, Debug)]
pub struct InvokeRequest {
    pub account: AccountId,
    pub region: Region,
    /// Function name, partial or full ARN.
    pub function: String,
    pub qualifier: Option<String>,
    pub payload: Bytes,
    pub invocation_type: InvocationType,
    /// `LogType: Tail`: return the last 4 KB of the log.
    pub log_tail: bool,
    pub caller: Caller,
    /// Base URL of this server, handed to the function's environment.
    pub endpoint: String,
}

/// The outcome of an invocation.
#[derive(Clone, Debug)]
pub struct InvokeResult {
    pub status: u16,
    pub payload: Bytes,
    /// `Unhandled` or `Handled` when the function failed (`X-Amz-Function-Error`).
    pub function_error: Option<String>,
    /// Base64 of the last 4 KB of the log, when asked for.
    pub log_result: Option<String>,
    pub executed_version: String,
}

/// API Gateway's (and later other services') way of running a function.
pub trait LambdaInvoker: Send + Sync {
    fn invoke(&self, req: InvokeRequest) -> BoxFuture<'_, Result<InvokeResult, AwsError>>;
}

/// One log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogEvent {
    pub timestamp_ms: i64,
    pub message: String,
}

/// Where Lambda writes function output (CloudWatch Logs).
pub trait LogSink: Send + Sync {
    /// Appends events to `group`/`stream`, creating both if needed.
    fn append(
        &self,
        account: &AccountId,
        region: &Region,
        group: &str,
        stream: &str,
        events: Vec<LogEvent>,
    ) -> BoxFuture<'_, ()>;
}

/// Temporary credentials of a role session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Expiry in seconds since the Unix epoch.
    pub expiration: i64,
}

/// STS as seen by Lambda: credentials of a function's execution role.
pub trait RoleSessions: Send + Sync {
    fn assume_role(
        &self,
        account: &AccountId,
        role_arn: &str,
        session_name: &str,
    ) -> BoxFuture<'_, Result<Credentials, AwsError>>;
    /// Whether the role exists (CreateFunction validates its role).
    fn role_exists(&self, account: &AccountId, role_arn: &str) -> bool;
}

/// IAM as seen by the edge: who owns an access key.
pub trait CredentialResolver: Send + Sync {
    /// The principal for a known access key (IAM user keys, role session keys); `None`
    /// for keys IAM does not know, which default to the root of the account they name.
    fn resolve(&self, access_key: &str) -> Option<Principal>;
}

/// What IAM knows of a caller that authorisation needs, read in one go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    /// The documents of the IAM user or the role session's role: inline policies and the
    /// default versions of attached managed policies — possibly none.
    pub policies: Vec<String>,
    /// The unique id IAM gave the user (`AIDA…`) or role (`AROA…`), for `aws:userid`;
    /// `None` when IAM does not know the identity.
    pub unique_id: Option<String>,
    /// The user's or role's tags, for `aws:PrincipalTag/…`.
    pub tags: Vec<(String, String)>,
}

/// IAM as seen by services that authorise requests (S3): who a caller is to IAM.
pub trait IdentityPolicies: Send + Sync {
    /// `None` when no identity policies apply (the account root, anonymous callers); else
    /// the caller's [`Identity`], empty for an identity IAM does not know (which is then
    /// allowed nothing rather than everything).
    fn identity(&self, principal: &Principal) -> Option<Identity>;
}

/// The secret half of an access key, for signature verification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySecret {
    pub secret_access_key: String,
    /// Present for temporary (STS) credentials: requests must carry it.
    pub session_token: Option<String>,
    /// A session key whose session has ended: a request carrying its token is refused as
    /// expired rather than unknown.
    pub expired: bool,
}

/// IAM as seen by the edge in strict mode: the secret of an access key it issued.
pub trait SecretStore: Send + Sync {
    /// `None` for unknown or inactive keys; an ended session's key comes `expired`.
    fn secret(&self, access_key: &str) -> Option<KeySecret>;
}

/// A signature carried in a request body instead of its headers: the fields of an S3
/// browser-based (POST form) upload, which sign the base64 policy document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormSignature {
    /// `x-amz-algorithm=AWS4-HMAC-SHA256`, `x-amz-credential`, `x-amz-date`, `x-amz-signature`.
    V4 {
        credential: String,
        amz_date: String,
        signature: String,
    },
    /// `AWSAccessKeyId` and `signature` (HMAC-SHA1).
    V2 {
        access_key: String,
        signature: String,
    },
}

/// The edge as seen by S3's POST uploads: who signed a form, checked as strictly as the
/// server's mode says (in default mode the key only names its principal).
pub trait FormAuthenticator: Send + Sync {
    /// The principal of the key that signed `policy` (the base64 text as posted), or the
    /// service's error (`AccessDenied`, `SignatureDoesNotMatch`, `InvalidAccessKeyId`, …).
    fn authenticate(
        &self,
        signature: &FormSignature,
        policy: &str,
        session_token: Option<&str>,
    ) -> Result<Principal, AwsError>;
}

/// The request extension through which the edge hands S3 its [`FormAuthenticator`].
#[derive(Clone)]
pub struct FormAuth(pub std::sync::Arc<dyn FormAuthenticator>);
