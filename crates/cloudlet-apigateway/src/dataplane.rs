//! The execute-api data plane: `{api}.execute-api.…/{stage}/{path}` (the edge has already
//! stripped `/_aws/execute-api/{api}` and put the API id in `HostLabel`). Finds the API in
//! any account, the stage, its deployment's snapshot and the route, applies the method's
//! authorization, runs the integration and writes the HTTP response.

use cloudlet_core::{AwsError, HostLabel, Principal, Request, RequestContext, Response, body};
use http::{HeaderName, HeaderValue, StatusCode};
use serde_json::{Map, Value};

use crate::ApiGateway;
use crate::error::ApiError;
use crate::execute::{self, Call};
use crate::protocol::query_pairs;
use crate::{router, state};

/// API Gateway's payload limit.
const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// The identity members AWS fills for a signed caller.
pub fn identity_of(principal: &Principal, access_key: Option<&str>) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(account) = principal.account() {
        m.insert("accountId".into(), Value::String(account.to_string()));
        m.insert(
            "accessKey".into(),
            access_key.map(Into::into).unwrap_or(Value::Null),
        );
        let caller = match principal {
            Principal::AssumedRole { role, session, .. } => format!("{role}:{session}"),
            Principal::User { name, .. } => name.clone(),
            _ => account.to_string(),
        };
        m.insert("caller".into(), Value::String(caller.clone()));
        m.insert("user".into(), Value::String(caller));
        m.insert("userArn".into(), Value::String(principal.arn()));
    }
    m
}

pub async fn handle(
    svc: &ApiGateway,
    ctx: RequestContext,
    req: Request,
) -> Result<Response, AwsError> {
    let Some(HostLabel(api_id)) = req.extensions().get::<HostLabel>().cloned() else {
        return Err(ApiError::Forbidden.into());
    };
    let Some((scope, doc)) = state::locate(&svc.store, &api_id)? else {
        return Err(ApiError::Forbidden.into());
    };
    let raw_path = req.uri().path().to_string();
    let rest = raw_path.trim_start_matches('/');
    let (stage_name, path) = match rest.split_once('/') {
        Some((s, p)) => (s.to_string(), format!("/{p}")),
        None => (rest.to_string(), "/".to_string()),
    };
    let missing = || AwsError::from(ApiError::MissingAuthenticationToken);
    let stage = doc.stages.get(&stage_name).ok_or_else(missing)?;
    let deployment = doc
        .deployments
        .get(&stage.deployment_id)
        .ok_or_else(missing)?;
    let method_name = req.method().as_str().to_string();
    let route = router::route(&deployment.snapshot, &path, &method_name).ok_or_else(missing)?;
    if route.method.authorization_type == "AWS_IAM" && ctx.access_key.is_none() {
        return Err(missing());
    }
    if route.method.api_key_required && !req.headers().contains_key("x-api-key") {
        return Err(ApiError::Forbidden.into());
    }
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| strip_port(h).to_string())
        .unwrap_or_default();
    let domain_name = if host.starts_with(&format!("{api_id}.")) {
        host
    } else {
        format!("{api_id}.execute-api.{}.amazonaws.com", scope.region)
    };
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let source_ip = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| "127.0.0.1".into());
    let query = query_pairs(req.uri().query());
    let call_resource = route.resource.clone();
    let call_method = route.method.clone();
    let path_params = route.path_params.clone();
    let bytes = match body::collect(req.into_body(), MAX_PAYLOAD).await {
        Ok(b) => b,
        Err(body::CollectError::TooLarge(_)) => {
            return Err(AwsError::new(
                413,
                "RequestTooLongException",
                "Request Too Long",
            ));
        }
        Err(e) => return Err(AwsError::client("BadRequestException", e.to_string())),
    };
    let call = Call {
        api: doc.api.clone(),
        account: scope.account.clone(),
        region: scope.region.clone(),
        resource: call_resource,
        method: call_method,
        http_method: method_name,
        context_path: format!("/{stage_name}{}", if path == "/" { "/" } else { &path }),
        path,
        query,
        headers,
        body: bytes,
        path_params,
        stage: stage_name.clone(),
        deployment_id: Some(stage.deployment_id.clone()),
        stage_variables: stage.variables.clone(),
        source_ip,
        domain_name,
        request_id: ctx.request_id.to_string(),
        endpoint: ctx.endpoint.clone(),
        identity_extra: identity_of(&ctx.principal, ctx.access_key.as_deref()),
    };
    let out = execute::run(&call, svc.invoker.as_ref()).await;
    let mut resp = Response::new(body::full(out.body));
    *resp.status_mut() = StatusCode::from_u16(out.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let h = resp.headers_mut();
    for (k, v) in out.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            h.append(name, value);
        }
    }
    if let Ok(v) = HeaderValue::from_str(&format!("{}=", crate::util::random_id(15))) {
        h.insert("x-amz-apigw-id", v);
    }
    Ok(resp)
}
