//! TestInvokeMethod (the console's Test tab): runs a method of the API as it is now, without
//! a deployment, in the `test-invoke-stage`, and reports status, body, headers,
//! multiValueHeaders, the execution log and the latency.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::json;

use crate::dataplane::identity_of;
use crate::error::ApiError;
use crate::execute::{self, Call};
use crate::protocol::{MethodKey, TestInvokeInput, query_pairs};
use crate::{Ctx, Reply, router, state};

pub async fn test_invoke(
    ctx: &Ctx<'_>,
    key: &MethodKey,
    input: TestInvokeInput,
) -> Result<Reply, ApiError> {
    let doc = state::get(ctx.store, &ctx.scope, &key.api)?;
    let resource = doc
        .resources
        .get(&key.resource)
        .ok_or_else(ApiError::resource_not_found)?;
    let method = resource
        .resource_methods
        .get(&key.method)
        .ok_or_else(ApiError::method_not_found)?;
    let pwq = input
        .path_with_query_string
        .clone()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| resource.path.clone());
    let (path, query) = match pwq.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (pwq.clone(), None),
    };
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    let mut headers: Vec<(String, String)> = input.headers.clone().into_iter().collect();
    for (k, vals) in &input.multi_value_headers {
        for v in vals {
            if !headers.iter().any(|(hk, hv)| hk == k && hv == v) {
                headers.push((k.clone(), v.clone()));
            }
        }
    }
    let mut identity = identity_of(&ctx.rc.principal, ctx.rc.access_key.as_deref());
    identity.insert("apiKey".into(), json!("test-invoke-api-key"));
    identity.insert("apiKeyId".into(), json!("test-invoke-api-key-id"));
    identity.insert("sourceIp".into(), json!("test-invoke-source-ip"));
    identity.insert(
        "userAgent".into(),
        json!("aws-internal/3 aws-sdk-java/1.12.581"),
    );
    let call = Call {
        api: doc.api.clone(),
        account: ctx.scope.account.clone(),
        region: ctx.scope.region.clone(),
        resource: resource.clone(),
        method: method.clone(),
        http_method: key.method.clone(),
        path_params: router::params(&resource.path, &path).unwrap_or_default(),
        context_path: path.clone(),
        path,
        query: query_pairs(query.as_deref()),
        headers,
        body: Bytes::from(input.body.clone().unwrap_or_default()),
        stage: "test-invoke-stage".into(),
        deployment_id: None,
        stage_variables: input.stage_variables.clone(),
        source_ip: "test-invoke-source-ip".into(),
        domain_name: "testPrefix.testDomainName".into(),
        request_id: ctx.rc.request_id.to_string(),
        endpoint: ctx.rc.endpoint.clone(),
        identity_extra: identity,
    };
    let out = execute::run(&call, ctx.invoker).await;
    let mut single: BTreeMap<String, String> = BTreeMap::new();
    let mut multi: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in &out.headers {
        if k.eq_ignore_ascii_case("x-amzn-ErrorType") {
            continue;
        }
        single.insert(k.clone(), v.clone());
        multi.entry(k.clone()).or_default().push(v.clone());
    }
    let mut log = format!("Execution log for request {}\n", ctx.rc.request_id);
    for line in &out.log {
        log.push_str(line);
        log.push('\n');
    }
    Ok(Reply::json(
        200,
        json!({
            "status": out.status,
            "body": String::from_utf8_lossy(&out.body),
            "headers": single,
            "multiValueHeaders": multi,
            "log": log,
            "latency": out.latency_ms,
        }),
    ))
}
