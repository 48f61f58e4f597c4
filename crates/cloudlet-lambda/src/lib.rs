//! Lambda: functions and their code packages (restJson1, `/2015-03-31/functions…`), the
//! Runtime API, and the pool of local processes that run them.
//!
//! `protocol` decodes requests, `ops` runs the control plane against `state`, `invoke` runs
//! one invocation on an `instance` from the `pool`, talking through `runtime_api`; `code`
//! checks and unpacks zips, `policy` holds resource policies, `names` parses function
//! references. Logs go out through [`LogSink`], role credentials come from
//! [`RoleSessions`]; this crate knows no other service.

mod code;
mod error;
mod instance;
mod invoke;
mod names;
mod ops;
mod policy;
mod pool;
mod protocol;
mod runtime_api;
mod state;

use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use cloudlet_core::traits::{
    Caller, InvocationType, InvokeRequest, InvokeResult, LambdaInvoker, LogSink, RoleSessions,
};
use cloudlet_core::{AwsError, BoxFuture, Request, RequestContext, Response, Service, body};
use cloudlet_store::Store;
use http::{HeaderValue, StatusCode, header};
use serde_json::Value;

pub use error::LambdaError;

/// What the service and its background invocations share.
pub(crate) struct Inner {
    pub store: Store,
    pub logs: Arc<dyn LogSink>,
    pub roles: Arc<dyn RoleSessions>,
    pub pool: pool::Pool,
    /// The machine's python3, probed once (with boto3 importable).
    pub python: tokio::sync::OnceCell<PathBuf>,
    /// `work/lambda`: unpacked code and the runtime directory.
    pub work: PathBuf,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.pool.clear();
    }
}

/// The Lambda service; also the [`LambdaInvoker`] API Gateway runs functions through.
pub struct Lambda {
    inner: Arc<Inner>,
}

impl Lambda {
    /// Lambda over `store`, writing function output to `logs` and getting execution-role
    /// credentials from `roles`.
    pub fn new(store: Store, logs: Arc<dyn LogSink>, roles: Arc<dyn RoleSessions>) -> Arc<Lambda> {
        let work = store.work_dir("lambda").unwrap_or_else(|e| {
            let dir = std::env::temp_dir().join(format!("cloudlet-lambda-{}", std::process::id()));
            eprintln!(
                "cloudlet: lambda: cannot use the data directory for code ({e}); using {}",
                dir.display()
            );
            dir
        });
        let inner = Arc::new(Inner {
            store,
            logs,
            roles,
            pool: pool::Pool::default(),
            python: tokio::sync::OnceCell::new(),
            work,
        });
        invoke::sweep_code(&inner);
        Arc::new(Lambda { inner })
    }
}

fn json_response(status: u16, v: &Value) -> Response {
    let mut r = Response::new(body::full(v.to_string()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn empty_response(status: u16) -> Response {
    let mut r = Response::new(body::empty());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    r
}

fn invocation_type(v: Option<&str>) -> Result<InvocationType, LambdaError> {
    match v {
        None | Some("RequestResponse") => Ok(InvocationType::RequestResponse),
        Some("Event") => Ok(InvocationType::Event),
        Some("DryRun") => Ok(InvocationType::DryRun),
        Some(other) => Err(LambdaError::validation(
            other,
            "invocationType",
            "Member must satisfy enum value set: [Event, RequestResponse, DryRun]",
        )),
    }
}

/// Runs an invocation for either entry point (the Invoke API or [`LambdaInvoker`]).
async fn invoke(inner: &Arc<Inner>, req: InvokeRequest) -> Result<InvokeResult, LambdaError> {
    let scope = ops::Scope {
        account: &req.account,
        region: &req.region,
        endpoint: &req.endpoint,
    };
    let f = ops::resolve(inner, &scope, &req.function, req.qualifier.as_deref())?;
    if let Caller::Service {
        service,
        source_arn,
    } = &req.caller
        && !policy::service_may_invoke(&f.policy, service, source_arn)
    {
        return Err(LambdaError::AccessDenied(format!(
            "The service {service} is not authorized to invoke {}: no statement of its resource-based policy allows {source_arn}",
            f.arn
        )));
    }
    if req.payload.len() > protocol::MAX_INVOKE {
        return Err(LambdaError::RequestTooLarge(format!(
            "Request must be smaller than {} bytes for the InvokeFunction operation",
            protocol::MAX_INVOKE
        )));
    }
    let payload = if req.payload.iter().all(u8::is_ascii_whitespace) {
        Bytes::from_static(b"{}")
    } else {
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&req.payload) {
            return Err(LambdaError::InvalidRequestContent(format!(
                "Could not parse request body into json: Could not parse payload into json: {e}"
            )));
        }
        req.payload.clone()
    };
    let done = |status: u16| InvokeResult {
        status,
        payload: Bytes::new(),
        function_error: None,
        log_result: None,
        executed_version: "$LATEST".into(),
    };
    match req.invocation_type {
        InvocationType::DryRun => Ok(done(204)),
        InvocationType::Event => {
            let inner = inner.clone();
            let (account, region, endpoint) = (
                req.account.clone(),
                req.region.clone(),
                req.endpoint.clone(),
            );
            tokio::spawn(async move {
                let t = invoke::Target {
                    function: &f,
                    account: &account,
                    region: &region,
                    endpoint: &endpoint,
                };
                if let Err(e) = invoke::run(&inner, t, payload).await {
                    eprintln!(
                        "cloudlet: lambda: asynchronous invocation of {} failed: {e}",
                        f.name
                    );
                }
            });
            Ok(done(202))
        }
        InvocationType::RequestResponse => {
            let t = invoke::Target {
                function: &f,
                account: &req.account,
                region: &req.region,
                endpoint: &req.endpoint,
            };
            let ran = invoke::run(inner, t, payload).await?;
            Ok(InvokeResult {
                status: 200,
                payload: ran.payload,
                function_error: ran.function_error,
                log_result: req.log_tail.then(|| invoke::tail(&ran.log_text)),
                executed_version: "$LATEST".into(),
            })
        }
    }
}

fn invoke_response(r: InvokeResult) -> Response {
    let mut resp = Response::new(body::full(r.payload));
    *resp.status_mut() = StatusCode::from_u16(r.status).unwrap_or(StatusCode::OK);
    let h = resp.headers_mut();
    if r.status == 200 {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    if r.status != 204 {
        h.insert(
            "x-amz-executed-version",
            HeaderValue::from_static("$LATEST"),
        );
    }
    if let Some(e) = r
        .function_error
        .and_then(|e| HeaderValue::from_str(&e).ok())
    {
        h.insert("x-amz-function-error", e);
    }
    if let Some(l) = r.log_result.and_then(|l| HeaderValue::from_str(&l).ok()) {
        h.insert("x-amz-log-result", l);
    }
    resp
}

async fn handle(
    inner: &Arc<Inner>,
    ctx: RequestContext,
    req: Request,
) -> Result<Response, LambdaError> {
    let (parts, b) = req.into_parts();
    let path = parts.uri.path().to_string();
    let invoke_path = protocol::is_invoke(&path);
    let limit = if invoke_path {
        protocol::MAX_INVOKE
    } else {
        protocol::MAX_REQUEST
    };
    let bytes = body::collect(b, limit).await.map_err(|e| match e {
        body::CollectError::TooLarge(_) if invoke_path => LambdaError::RequestTooLarge(format!(
            "Request must be smaller than {} bytes for the InvokeFunction operation",
            protocol::MAX_INVOKE
        )),
        body::CollectError::TooLarge(_) => LambdaError::EntityTooLarge(format!(
            "Request must be smaller than {} bytes for the CreateFunction operation",
            protocol::MAX_REQUEST
        )),
        body::CollectError::Io(m) => LambdaError::InvalidRequestContent(m),
    })?;
    let op = protocol::parse(protocol::Raw {
        method: &parts.method,
        path: &path,
        query: parts.uri.query(),
        headers: &parts.headers,
        body: bytes,
    })?;
    let s = ops::Scope {
        account: &ctx.account,
        region: &ctx.region,
        endpoint: &ctx.endpoint,
    };
    use protocol::Op;
    Ok(match op {
        Op::CreateFunction(i) => json_response(201, &ops::create(inner, &s, i).await?),
        Op::ListFunctions { marker, max_items } => {
            json_response(200, &ops::list(inner, &s, marker, max_items)?)
        }
        Op::GetFunction { name, qualifier } => {
            json_response(200, &ops::get(inner, &s, &name, qualifier.as_deref())?)
        }
        Op::GetFunctionConfiguration { name, qualifier } => json_response(
            200,
            &ops::get_configuration(inner, &s, &name, qualifier.as_deref())?,
        ),
        Op::DeleteFunction { name, qualifier } => {
            ops::delete(inner, &s, &name, qualifier.as_deref()).await?;
            empty_response(204)
        }
        Op::UpdateFunctionCode { name, input } => {
            json_response(200, &ops::update_code(inner, &s, &name, input).await?)
        }
        Op::UpdateFunctionConfiguration { name, input } => json_response(
            200,
            &ops::update_configuration(inner, &s, &name, input).await?,
        ),
        Op::AddPermission {
            name,
            qualifier,
            input,
        } => json_response(
            201,
            &ops::add_permission(inner, &s, &name, qualifier.as_deref(), input).await?,
        ),
        Op::GetPolicy { name, qualifier } => json_response(
            200,
            &ops::get_policy(inner, &s, &name, qualifier.as_deref())?,
        ),
        Op::RemovePermission {
            name,
            qualifier,
            sid,
            revision_id,
        } => {
            ops::remove_permission(inner, &s, &name, qualifier.as_deref(), sid, revision_id)
                .await?;
            empty_response(204)
        }
        Op::Invoke {
            name,
            qualifier,
            invocation_type: it,
            log_type,
            payload,
        } => {
            let invocation_type = invocation_type(it.as_deref())?;
            let log_tail = match log_type.as_deref() {
                None | Some("None") => false,
                Some("Tail") => true,
                Some(other) => {
                    return Err(LambdaError::validation(
                        other,
                        "logType",
                        "Member must satisfy enum value set: [None, Tail]",
                    ));
                }
            };
            let r = invoke(
                inner,
                InvokeRequest {
                    account: ctx.account.clone(),
                    region: ctx.region.clone(),
                    function: name,
                    qualifier,
                    payload,
                    invocation_type,
                    log_tail,
                    caller: Caller::Principal(ctx.principal.clone()),
                    endpoint: ctx.endpoint.clone(),
                },
            )
            .await?;
            invoke_response(r)
        }
    })
}

impl Service for Lambda {
    fn handle(
        &self,
        ctx: RequestContext,
        req: Request,
    ) -> BoxFuture<'_, Result<Response, AwsError>> {
        Box::pin(async move { handle(&self.inner, ctx, req).await.map_err(AwsError::from) })
    }
}

impl LambdaInvoker for Lambda {
    fn invoke(&self, req: InvokeRequest) -> BoxFuture<'_, Result<InvokeResult, AwsError>> {
        Box::pin(async move { invoke(&self.inner, req).await.map_err(AwsError::from) })
    }
}
