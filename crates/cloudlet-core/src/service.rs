//! The one handler shape every service implements, and the context the edge hands it.

use std::future::Future;
use std::pin::Pin;

use crate::body::Body;
use crate::error::{AwsError, Protocol};
use crate::ids::{AccountId, Region, RequestId};
use crate::principal::Principal;

/// A boxed future, as returned by [`Service::handle`] and the cross-service traits.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// An HTTP request with a streaming body.
pub type Request = http::Request<Body>;
/// An HTTP response with a streaming body.
pub type Response = http::Response<Body>;

/// The services (and data planes) the edge routes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServiceId {
    S3,
    /// `{bucket}.s3-website.*`: static website hosting.
    S3Website,
    DynamoDb,
    DynamoDbStreams,
    Lambda,
    ApiGateway,
    /// `{api}.execute-api.*` and `/_aws/execute-api/…`: deployed REST APIs.
    ExecuteApi,
    Iam,
    Sts,
    Logs,
}

impl ServiceId {
    pub const ALL: [ServiceId; 10] = [
        ServiceId::S3,
        ServiceId::S3Website,
        ServiceId::DynamoDb,
        ServiceId::DynamoDbStreams,
        ServiceId::Lambda,
        ServiceId::ApiGateway,
        ServiceId::ExecuteApi,
        ServiceId::Iam,
        ServiceId::Sts,
        ServiceId::Logs,
    ];

    /// The wire protocol the service's errors are rendered in.
    pub fn protocol(self) -> Protocol {
        match self {
            ServiceId::S3 => Protocol::RestXml,
            ServiceId::S3Website => Protocol::Html,
            ServiceId::DynamoDb | ServiceId::DynamoDbStreams => Protocol::Json {
                type_prefix: "com.amazonaws.dynamodb.v20120810#",
                content_type: "application/x-amz-json-1.0",
            },
            ServiceId::Logs => Protocol::Json {
                type_prefix: "",
                content_type: "application/x-amz-json-1.1",
            },
            ServiceId::Lambda => Protocol::RestJson { with_type: true },
            ServiceId::ApiGateway | ServiceId::ExecuteApi => {
                Protocol::RestJson { with_type: false }
            }
            ServiceId::Iam => Protocol::Query {
                xmlns: "https://iam.amazonaws.com/doc/2010-05-08/",
            },
            ServiceId::Sts => Protocol::Query {
                xmlns: "https://sts.amazonaws.com/doc/2011-06-15/",
            },
        }
    }

    /// The name used in health output and logs.
    pub fn name(self) -> &'static str {
        match self {
            ServiceId::S3 => "s3",
            ServiceId::S3Website => "s3-website",
            ServiceId::DynamoDb => "dynamodb",
            ServiceId::DynamoDbStreams => "dynamodbstreams",
            ServiceId::Lambda => "lambda",
            ServiceId::ApiGateway => "apigateway",
            ServiceId::ExecuteApi => "execute-api",
            ServiceId::Iam => "iam",
            ServiceId::Sts => "sts",
            ServiceId::Logs => "logs",
        }
    }
}

/// What the edge learned about a request before handing it to a service.
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub request_id: RequestId,
    pub service: ServiceId,
    pub account: AccountId,
    pub region: Region,
    /// Where a SigV4 signature named `region`, when one did (`None`: the region came from
    /// the host or is the default): S3 refuses a bucket of another region in words that
    /// depend on it.
    pub signed_region: Option<SignedIn>,
    pub principal: Principal,
    /// The access key the request was signed with, if any.
    pub access_key: Option<String>,
    /// Base URL clients use to reach this server, e.g. `http://127.0.0.1:4566`.
    pub endpoint: String,
    /// The caller's identity policy documents, for services that authorise by them (S3
    /// fills this in); `None` when none apply (root, anonymous) or none were looked up.
    pub identity_policies: Option<std::sync::Arc<[String]>>,
    /// The unique id of the caller's IAM user or role (see
    /// [`Identity::unique_id`](crate::traits::Identity::unique_id)), filled
    /// in with the identity policies; `None` otherwise.
    pub unique_id: Option<String>,
    /// The caller's IAM tags (`aws:PrincipalTag/…`), filled in with the identity policies.
    pub principal_tags: Vec<(String, String)>,
    /// The address of the client's connection (`aws:SourceIp`); `None` for calls cloudlet
    /// makes on its own behalf.
    pub source_ip: Option<std::net::IpAddr>,
    /// Condition keys the service derives from the request itself (S3 fills this in from
    /// the headers and query before the operation runs): each key with its values.
    pub condition_keys: Vec<(String, Vec<String>)>,
}

/// The part of a request that carries its SigV4 credential scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedIn {
    /// The `Authorization` header.
    Header,
    /// A presigned URL's `X-Amz-Credential`.
    Query,
}

/// A request extension set by the edge: the bucket or API id named by the Host
/// (`{bucket}.s3.…`, `{bucket}.s3-website.…`, `{api}.execute-api.…`) or by the
/// `/_aws/execute-api/{api}/…` path (which the edge then strips from the URI).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostLabel(pub String);

impl RequestContext {
    /// A context for calls cloudlet makes on its own behalf (the demo, tests).
    pub fn internal(
        service: ServiceId,
        account: AccountId,
        region: Region,
        endpoint: &str,
    ) -> Self {
        RequestContext {
            request_id: RequestId::new(),
            service,
            principal: Principal::Root {
                account: account.clone(),
            },
            account,
            region,
            signed_region: None,
            access_key: None,
            endpoint: endpoint.to_string(),
            identity_policies: None,
            unique_id: None,
            principal_tags: Vec::new(),
            source_ip: None,
            condition_keys: Vec::new(),
        }
    }
}

/// One service (or data plane) behind the edge.
///
/// The edge identifies the service, builds the [`RequestContext`], calls `handle`, and
/// renders an `Err` with [`ServiceId::protocol`]; services never render their own errors.
pub trait Service: Send + Sync + 'static {
    /// Handles one request.
    fn handle(
        &self,
        ctx: RequestContext,
        req: Request,
    ) -> BoxFuture<'_, Result<Response, AwsError>>;
}
