//! Runs one method call through its integration (MOCK, Lambda proxy, Lambda custom) and
//! writes an API Gateway style execution log. Shared by the data plane and the console's
//! Test tab (TestInvokeMethod); knows nothing of HTTP framing or storage.

use std::collections::BTreeMap;
use std::time::Instant;

use bytes::Bytes;
use cloudlet_core::traits::{Caller, InvocationType, InvokeRequest, LambdaInvoker};
use cloudlet_core::{AccountId, Arn, Region};
use serde_json::{Map, Value, json};

use crate::mapping::{self, IntegrationOutput};
use crate::model::{Integration, Method, Resource, RestApi, StrMap};
use crate::ops_method::lambda_function_arn;
use crate::proxy::{self, EventInput};
use crate::util::{log_time, now_millis, random_id, request_time};
use crate::vtl::VtlInput;

/// One call of a method.
#[derive(Clone, Debug, Default)]
pub struct Call {
    pub api: RestApi,
    pub account: String,
    pub region: String,
    pub resource: Resource,
    pub method: Method,
    pub http_method: String,
    /// The path after the stage (`/members/42`).
    pub path: String,
    /// The path as the client sent it (`/dev/members/42`).
    pub context_path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub path_params: BTreeMap<String, String>,
    pub stage: String,
    pub deployment_id: Option<String>,
    pub stage_variables: StrMap,
    pub source_ip: String,
    pub domain_name: String,
    pub request_id: String,
    pub endpoint: String,
    pub identity_extra: Map<String, Value>,
}

/// What the call produced.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub log: Vec<String>,
    pub latency_ms: i64,
}

impl Call {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn vtl_input(&self, now_ms: i64) -> VtlInput {
        VtlInput {
            body: String::from_utf8_lossy(&self.body).into_owned(),
            path_params: self.path_params.clone(),
            query: self.query.iter().cloned().collect(),
            headers: self.headers.iter().cloned().collect(),
            context: json!({
                "requestId": self.request_id,
                "resourceId": self.resource.id,
                "resourcePath": self.resource.path,
                "httpMethod": self.http_method,
                "stage": self.stage,
                "apiId": self.api.id,
                "accountId": self.account,
                "path": self.context_path,
                "domainName": self.domain_name,
                "protocol": "HTTP/1.1",
                "requestTime": request_time(now_ms),
                "requestTimeEpoch": now_ms,
                "identity": {
                    "sourceIp": self.source_ip,
                    "userAgent": self.header("user-agent"),
                },
            }),
            stage_variables: self.stage_variables.clone(),
        }
    }
}

struct Log(Vec<String>);

impl Log {
    fn push(&mut self, msg: impl AsRef<str>) {
        self.0
            .push(format!("{} : {}", log_time(now_millis()), msg.as_ref()));
    }
}

fn braces(pairs: impl IntoIterator<Item = (String, String)>) -> String {
    let inner: Vec<String> = pairs.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", inner.join(", "))
}

fn error_outcome(status: u16, message: &str, kind: &str, mut log: Log) -> Outcome {
    log.push(format!("Method completed with status: {status}"));
    Outcome {
        status,
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("x-amzn-ErrorType".into(), kind.into()),
        ],
        body: Bytes::from(json!({ "message": message }).to_string()),
        log: log.0,
        latency_ms: 0,
    }
}

fn internal_error(mut log: Log, why: &str) -> Outcome {
    log.push(why);
    error_outcome(
        500,
        "Internal server error",
        "InternalServerErrorException",
        log,
    )
}

fn bad_gateway(mut log: Log, why: &str) -> Outcome {
    log.push(why);
    error_outcome(
        502,
        "Internal server error",
        "InternalServerErrorException",
        log,
    )
}

/// Replaces `${stageVariables.name}` in an integration URI.
fn substitute_stage_variables(uri: &str, vars: &StrMap) -> String {
    let mut out = uri.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("${{stageVariables.{k}}}"), v);
    }
    out
}

/// Runs `call`.
pub async fn run(call: &Call, invoker: &dyn LambdaInvoker) -> Outcome {
    let started = Instant::now();
    let now_ms = now_millis();
    let mut log = Log(Vec::new());
    log.push(format!(
        "Starting execution for request: {}",
        call.request_id
    ));
    log.push(format!(
        "HTTP Method: {}, Resource Path: {}",
        call.http_method, call.path
    ));
    log.push(format!(
        "Method request path: {}",
        braces(call.path_params.clone())
    ));
    log.push(format!(
        "Method request query string: {}",
        braces(call.query.clone())
    ));
    log.push(format!(
        "Method request headers: {}",
        braces(call.headers.clone())
    ));
    log.push(format!(
        "Method request body before transformations: {}",
        String::from_utf8_lossy(&call.body)
    ));
    let mut out = match call.method.method_integration.clone() {
        None => internal_error(
            log,
            "Execution failed due to configuration error: No integration defined for method",
        ),
        Some(i) if i.kind == "MOCK" => mock(call, &i, log, now_ms),
        Some(i) if i.kind == "AWS_PROXY" => lambda_proxy(call, &i, invoker, log, now_ms).await,
        Some(i)
            if i.kind == "AWS"
                && i.uri
                    .as_deref()
                    .is_some_and(|u| lambda_function_arn(u).is_some()) =>
        {
            lambda_custom(call, &i, invoker, log, now_ms).await
        }
        Some(i) => internal_error(
            log,
            &format!(
                "Execution failed due to configuration error: {} integrations to {} cannot be reached from cloudlet",
                i.kind,
                i.uri.as_deref().unwrap_or("")
            ),
        ),
    };
    out.latency_ms = started.elapsed().as_millis() as i64;
    out
}

fn finish(mut log: Log, status: u16, headers: Vec<(String, String)>, body: Bytes) -> Outcome {
    log.push(format!(
        "Method response body after transformations: {}",
        String::from_utf8_lossy(&body)
    ));
    log.push(format!(
        "Method response headers: {}",
        braces(headers.clone())
    ));
    log.push("Successfully completed execution");
    log.push(format!("Method completed with status: {status}"));
    Outcome {
        status,
        headers,
        body,
        log: log.0,
        latency_ms: 0,
    }
}

fn unsupported_media_type(log: Log) -> Outcome {
    error_outcome(
        415,
        "Unsupported Media Type",
        "UnsupportedMediaTypeException",
        log,
    )
}

fn mock(call: &Call, i: &Integration, mut log: Log, now_ms: i64) -> Outcome {
    let vin = call.vtl_input(now_ms);
    let Ok(rendered) = mapping::request_body(i, call.header("content-type"), &vin) else {
        return unsupported_media_type(log);
    };
    if let Some(r) = &rendered {
        log.push(format!("Endpoint request body after transformations: {r}"));
    }
    let status = match mapping::mock_status(rendered.as_deref()) {
        Ok(s) => s,
        Err(why) => return internal_error(log, &why),
    };
    let out = IntegrationOutput {
        selector: status.clone(),
        body: String::new(),
        headers: StrMap::new(),
    };
    log.push(format!(
        "Received response. Status: {status}, Integration latency: 0 ms"
    ));
    match mapping::integration_response(i, &call.method, &out, call.header("accept"), &vin) {
        Ok(m) => finish(log, m.status, m.headers, Bytes::from(m.body)),
        Err(why) => internal_error(log, &why),
    }
}

/// The account, region and ARN of the function an integration URI names.
fn target(call: &Call, i: &Integration) -> Option<(AccountId, Region, String)> {
    let uri = substitute_stage_variables(i.uri.as_deref()?, &call.stage_variables);
    let arn = lambda_function_arn(&uri)?.to_string();
    let (account, region) = match Arn::parse(&arn) {
        Some(a) => (AccountId::parse(&a.account), Region::parse(&a.region)),
        None => (None, None),
    };
    Some((
        account
            .or_else(|| AccountId::parse(&call.account))
            .unwrap_or_default(),
        region
            .or_else(|| Region::parse(&call.region))
            .unwrap_or_default(),
        arn,
    ))
}

fn source_arn(call: &Call) -> String {
    format!(
        "arn:aws:execute-api:{}:{}:{}/{}/{}/{}",
        call.region,
        call.account,
        call.api.id,
        call.stage,
        call.method.http_method,
        call.resource.path.trim_start_matches('/')
    )
}

async fn invoke(
    call: &Call,
    i: &Integration,
    invoker: &dyn LambdaInvoker,
    payload: Bytes,
    log: &mut Log,
) -> Result<cloudlet_core::traits::InvokeResult, String> {
    let Some((account, region, function)) = target(call, i) else {
        return Err(
            "Execution failed due to configuration error: Invalid function ARN or invalid uri"
                .into(),
        );
    };
    let url = format!(
        "https://lambda.{region}.amazonaws.com/2015-03-31/functions/{function}/invocations"
    );
    log.push(format!("Endpoint request URI: {url}"));
    log.push(format!(
        "Endpoint request body after transformations: {}",
        String::from_utf8_lossy(&payload)
    ));
    log.push(format!("Sending request to {url}"));
    let started = Instant::now();
    let req = InvokeRequest {
        account,
        region,
        function,
        qualifier: None,
        payload,
        invocation_type: InvocationType::RequestResponse,
        log_tail: false,
        caller: Caller::Service {
            service: "apigateway.amazonaws.com".into(),
            source_arn: source_arn(call),
        },
        endpoint: call.endpoint.clone(),
    };
    match invoker.invoke(req).await {
        Ok(r) => {
            log.push(format!(
                "Received response. Status: {}, Integration latency: {} ms",
                r.status,
                started.elapsed().as_millis()
            ));
            log.push(format!(
                "Endpoint response body before transformations: {}",
                String::from_utf8_lossy(&r.payload)
            ));
            Ok(r)
        }
        Err(e) if e.status == 403 || e.code == "AccessDeniedException" => Err(
            "Execution failed due to configuration error: Invalid permissions on Lambda function"
                .into(),
        ),
        Err(e) => Err(format!(
            "Execution failed due to configuration error: {} ({})",
            e.message, e.code
        )),
    }
}

async fn lambda_proxy(
    call: &Call,
    i: &Integration,
    invoker: &dyn LambdaInvoker,
    mut log: Log,
    now_ms: i64,
) -> Outcome {
    let content_type = call.header("content-type");
    let input = EventInput {
        resource_id: call.resource.id.clone(),
        resource_path: call.resource.path.clone(),
        http_method: call.http_method.clone(),
        path: call.path.clone(),
        context_path: call.context_path.clone(),
        headers: call.headers.clone(),
        query: call.query.clone(),
        path_params: call.path_params.clone(),
        stage_variables: call.stage_variables.clone(),
        body: Some(call.body.clone()),
        body_is_binary: proxy::is_binary(&call.api.binary_media_types, content_type),
        account: call.account.clone(),
        api_id: call.api.id.clone(),
        stage: call.stage.clone(),
        deployment_id: call.deployment_id.clone(),
        domain_name: call.domain_name.clone(),
        request_id: call.request_id.clone(),
        extended_request_id: format!("{}=", random_id(15)),
        request_time: request_time(now_ms),
        request_time_epoch: now_ms,
        source_ip: call.source_ip.clone(),
        user_agent: call.header("user-agent").map(str::to_string),
        identity_extra: call.identity_extra.clone(),
    };
    let payload = Bytes::from(proxy::event(&input).to_string());
    let result = match invoke(call, i, invoker, payload, &mut log).await {
        Ok(r) => r,
        Err(why) => return internal_error(log, &why),
    };
    if result.function_error.is_some() {
        log.push(format!(
            "Lambda execution failed with status 200 due to customer function error: {}",
            String::from_utf8_lossy(&result.payload)
        ));
        return bad_gateway(
            log,
            "Execution failed due to configuration error: Malformed Lambda proxy response",
        );
    }
    let accept = call.header("accept");
    let decode = proxy::is_binary(&call.api.binary_media_types, accept);
    match proxy::response(&result.payload, decode) {
        Ok(r) => {
            let mut headers = r.headers;
            if !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            {
                headers.push(("Content-Type".into(), "application/json".into()));
            }
            finish(log, r.status, headers, r.body)
        }
        Err(proxy::Malformed) => bad_gateway(
            log,
            "Execution failed due to configuration error: Malformed Lambda proxy response",
        ),
    }
}

async fn lambda_custom(
    call: &Call,
    i: &Integration,
    invoker: &dyn LambdaInvoker,
    mut log: Log,
    now_ms: i64,
) -> Outcome {
    let vin = call.vtl_input(now_ms);
    let Ok(rendered) = mapping::request_body(i, call.header("content-type"), &vin) else {
        return unsupported_media_type(log);
    };
    let payload = match rendered {
        Some(r) => Bytes::from(r),
        None if call.body.is_empty() => Bytes::from_static(b"{}"),
        None => call.body.clone(),
    };
    let result = match invoke(call, i, invoker, payload, &mut log).await {
        Ok(r) => r,
        Err(why) => return internal_error(log, &why),
    };
    let body = String::from_utf8_lossy(&result.payload).into_owned();
    let selector = if result.function_error.is_some() {
        serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| {
                v.get("errorMessage")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_else(|| body.clone())
    } else {
        String::new()
    };
    let out = IntegrationOutput {
        selector,
        body,
        headers: StrMap::new(),
    };
    match mapping::integration_response(i, &call.method, &out, call.header("accept"), &vin) {
        Ok(m) => finish(log, m.status, m.headers, Bytes::from(m.body)),
        Err(why) => internal_error(log, &why),
    }
}

#[cfg(test)]
#[path = "execute_tests.rs"]
mod tests;
