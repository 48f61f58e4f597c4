//! Control-plane operations on methods, method responses, integrations and integration
//! responses, with API Gateway's validation (HTTP methods, authorization types,
//! integration types and their URIs).

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;
use crate::model::{ApiDoc, Integration, IntegrationResponse, Method, MethodResponse};
use crate::patch::{self, Kind};
use crate::protocol::{
    MethodKey, PatchOp, PutIntegrationInput, PutIntegrationResponseInput, PutMethodInput,
    PutMethodResponseInput,
};
use crate::state;
use crate::{Ctx, Reply};

const HTTP_METHODS: [&str; 8] = [
    "GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "ANY",
];

fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Applies a patch to a typed value through its JSON form.
fn patched<T: Serialize + DeserializeOwned>(
    v: &T,
    ops: &[PatchOp],
    rules: &[(&str, Kind)],
) -> Result<T, ApiError> {
    let mut j = to_json(v);
    patch::apply(&mut j, ops, rules)?;
    serde_json::from_value(j).map_err(|e| ApiError::bad(format!("Invalid patch value: {e}")))
}

fn method_ref<'a>(doc: &'a ApiDoc, key: &MethodKey) -> Result<&'a Method, ApiError> {
    doc.resources
        .get(&key.resource)
        .ok_or_else(ApiError::resource_not_found)?
        .resource_methods
        .get(&key.method)
        .ok_or_else(ApiError::method_not_found)
}

fn method_mut<'a>(doc: &'a mut ApiDoc, key: &MethodKey) -> Result<&'a mut Method, ApiError> {
    doc.resources
        .get_mut(&key.resource)
        .ok_or_else(ApiError::resource_not_found)?
        .resource_methods
        .get_mut(&key.method)
        .ok_or_else(ApiError::method_not_found)
}

fn integration_mut<'a>(
    doc: &'a mut ApiDoc,
    key: &MethodKey,
) -> Result<&'a mut Integration, ApiError> {
    method_mut(doc, key)?
        .method_integration
        .as_mut()
        .ok_or_else(ApiError::integration_not_found)
}

fn check_status(code: &str) -> Result<(), ApiError> {
    let ok = code.len() == 3
        && code.bytes().all(|b| b.is_ascii_digit())
        && (b'1'..=b'5').contains(&code.as_bytes()[0]);
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad(format!(
            "Invalid status code specified: {code}"
        )))
    }
}

fn check_authorization(kind: &str, authorizer: Option<&str>) -> Result<(), ApiError> {
    match kind {
        "NONE" | "AWS_IAM" => Ok(()),
        "CUSTOM" | "COGNITO_USER_POOLS" => match authorizer {
            None => Err(ApiError::bad(
                "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.",
            )),
            Some(_) => Err(ApiError::NotFound(
                "Invalid Authorizer identifier specified".into(),
            )),
        },
        other => Err(ApiError::bad(format!(
            "Invalid authorization type specified: {other}. Valid options are NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS"
        ))),
    }
}

/// Reads the Lambda function ARN out of an AWS_PROXY/AWS Lambda integration URI.
pub fn lambda_function_arn(uri: &str) -> Option<&str> {
    let rest = uri.split_once(":lambda:path/")?.1;
    let rest = rest.strip_prefix("2015-03-31/functions/")?;
    rest.strip_suffix("/invocations")
}

fn validate_integration(i: &Integration) -> Result<(), ApiError> {
    let http_method_missing =
        || ApiError::bad("Enumeration value for HttpMethod must be non-empty");
    match i.kind.as_str() {
        "MOCK" => Ok(()),
        "AWS" | "AWS_PROXY" => {
            if i.http_method.as_deref().unwrap_or("").is_empty() {
                return Err(http_method_missing());
            }
            let uri = i.uri.as_deref().unwrap_or("");
            let Some(rest) = uri.strip_prefix("arn:aws:apigateway:") else {
                return Err(ApiError::bad("Invalid ARN specified in the request"));
            };
            let mut parts = rest.splitn(3, ':');
            let (_region, service, action) = (parts.next(), parts.next(), parts.next());
            let (Some(service), Some(action)) = (service, action) else {
                return Err(ApiError::bad("Invalid ARN specified in the request"));
            };
            if !action.starts_with("path/") && !action.starts_with("action/") {
                return Err(ApiError::bad(
                    "AWS ARN for integration must contain path or action",
                ));
            }
            if i.kind == "AWS_PROXY" && (service != "lambda" || lambda_function_arn(uri).is_none())
            {
                return Err(ApiError::bad(
                    "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.",
                ));
            }
            Ok(())
        }
        "HTTP" | "HTTP_PROXY" => {
            if i.http_method.as_deref().unwrap_or("").is_empty() {
                return Err(http_method_missing());
            }
            let uri = i.uri.as_deref().unwrap_or("");
            if !(uri.starts_with("http://") || uri.starts_with("https://")) || uri.len() < 10 {
                return Err(ApiError::bad("Invalid HTTP endpoint specified for URI"));
            }
            Ok(())
        }
        other => Err(ApiError::bad(format!(
            "Invalid integration type specified: {other}. Valid options are HTTP, AWS, MOCK, HTTP_PROXY, AWS_PROXY"
        ))),
    }
}

pub async fn put_method(
    ctx: &Ctx<'_>,
    key: MethodKey,
    input: PutMethodInput,
) -> Result<Reply, ApiError> {
    if !HTTP_METHODS.contains(&key.method.as_str()) {
        return Err(ApiError::bad(
            "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY",
        ));
    }
    let auth = input.authorization_type.clone().unwrap_or_default();
    check_authorization(&auth, input.authorizer_id.as_deref())?;
    let method = Method {
        http_method: key.method.clone(),
        authorization_type: auth,
        authorizer_id: None,
        api_key_required: input.api_key_required,
        request_validator_id: input.request_validator_id.clone(),
        operation_name: input.operation_name.clone(),
        request_parameters: input.request_parameters.clone(),
        request_models: input.request_models.clone(),
        method_responses: BTreeMap::new(),
        method_integration: None,
        authorization_scopes: input.authorization_scopes.clone(),
    };
    let out = state::update(ctx.store, &ctx.scope, &key.api.clone(), move |doc| {
        let r = doc
            .resources
            .get_mut(&key.resource)
            .ok_or_else(ApiError::resource_not_found)?;
        if r.resource_methods.contains_key(&key.method) {
            return Err(ApiError::Conflict(
                "Method already exists for this resource".into(),
            ));
        }
        r.resource_methods
            .insert(key.method.clone(), method.clone());
        Ok(to_json(&method))
    })
    .await?;
    Ok(Reply::json(201, out))
}

pub fn get_method(ctx: &Ctx<'_>, key: &MethodKey) -> Result<Reply, ApiError> {
    let doc = state::get(ctx.store, &ctx.scope, &key.api)?;
    Ok(Reply::json(200, to_json(method_ref(&doc, key)?)))
}

const METHOD_PATHS: &[(&str, Kind)] = &[
    ("/authorizationType", Kind::Str),
    ("/apiKeyRequired", Kind::Bool),
    ("/operationName", Kind::Str),
    ("/requestParameters", Kind::BoolMap),
    ("/requestModels", Kind::Map),
    ("/requestValidatorId", Kind::Str),
];

pub async fn update_method(
    ctx: &Ctx<'_>,
    key: MethodKey,
    ops: Vec<PatchOp>,
) -> Result<Reply, ApiError> {
    let out = state::update(ctx.store, &ctx.scope, &key.api.clone(), move |doc| {
        let m = method_mut(doc, &key)?;
        let next = patched(m, &ops, METHOD_PATHS)?;
        check_authorization(&next.authorization_type, next.authorizer_id.as_deref())?;
        *m = next;
        Ok(to_json(m))
    })
    .await?;
    Ok(Reply::json(200, out))
}

pub async fn delete_method(ctx: &Ctx<'_>, key: MethodKey) -> Result<Reply, ApiError> {
    state::update(ctx.store, &ctx.scope, &key.api.clone(), move |doc| {
        let r = doc
            .resources
            .get_mut(&key.resource)
            .ok_or_else(ApiError::resource_not_found)?;
        r.resource_methods
            .remove(&key.method)
            .ok_or_else(ApiError::method_not_found)?;
        Ok(())
    })
    .await?;
    Ok(Reply::empty(204))
}

pub async fn put_method_response(
    ctx: &Ctx<'_>,
    key: MethodKey,
    status: String,
    input: PutMethodResponseInput,
) -> Result<Reply, ApiError> {
    check_status(&status)?;
    let resp = MethodResponse {
        status_code: status.clone(),
        response_parameters: input.response_parameters,
        response_models: input.response_models,
    };
    let out = state::update(ctx.store, &ctx.scope, &key.api.clone(), move |doc| {
        let m = method_mut(doc, &key)?;
        if m.method_responses.contains_key(&status) {
            return Err(ApiError::Conflict(
                "Response already exists for this resource".into(),
            ));
        }
        m.method_responses.insert(status.clone(), resp.clone());
        Ok(to_json(&resp))
    })
    .await?;
    Ok(Reply::json(201, out))
}

pub fn get_method_response(
    ctx: &Ctx<'_>,
    key: &MethodKey,
    status: &str,
) -> Result<Reply, ApiError> {
    let doc = state::get(ctx.store, &ctx.scope, &key.api)?;
    let r = method_ref(&doc, key)?
        .method_responses
        .get(status)
        .ok_or_else(ApiError::response_not_found)?;
    Ok(Reply::json(200, to_json(r)))
}

pub async fn delete_method_response(
    ctx: &Ctx<'_>,
    key: MethodKey,
    status: String,
) -> Result<Reply, ApiError> {
    state::update(ctx.store, &ctx.scope, &key.api.clone(), move |doc| {
        method_mut(doc, &key)?
            .method_responses
            .remove(&status)
            .ok_or_else(ApiError::response_not_found)?;
        Ok(())
    })
    .await?;
    Ok(Reply::empty(204))
}

pub async fn put_integration(
    ctx: &Ctx<'_>,
    key: MethodKey,
    input: PutIntegrationInput,
) -> Result<Reply, ApiError> {
    let integration = Integration {
        kind: input.kind.clone().unwrap_or_default(),
        http_method: input.http_method.clone().filter(|m| !m.is_empty()),
        uri: input.uri.clone(),
        connection_type: input.connection_type.clone().or_else(|| {
            matches!(input.kind.as_deref(), Some("HTTP" | "HTTP_PROXY")).then(|| "INTERNET".into())
        }),
        credentials: input.credentials.clone(),
        request_parameters: input.request_parameters.clone(),
        request_templates: input.request_templates.clone(),
        passthrough_behavior: Some(
            input
                .passthrough_behavior
                .clone()
                .unwrap_or_else(|| "WHEN_NO_MATCH".into()),
        ),
        content_handling: input.content_handling.clone(),
        timeout_in_millis: input.timeout_in_millis.unwrap_or(29000),
        cache_namespace: input
            .cache_namespace
            .clone()
            .unwrap_or_else(|| key.resource.clone()),
        cache_key_parameters: input.cache_key_parameters.clone(),
        integration_responses: BTreeMap::new(),
    };
    validate_integration(&integration)?;
    if !(50..=29000).contains(&integration.timeout_in_millis) {
        return Err(ApiError::bad(
            "Timeout should be between 50 ms and 29000 ms",
        ));
    }
    let out = state::update(ctx.store, &ctx.scope, &key.api.clone(), move |doc| {
        let m = method_mut(doc, &key)?;
        m.method_integration = Some(integration.clone());
        Ok(to_json(&integration))
    })
    .await?;
    Ok(Reply::json(201, out))
}

pub fn get_integration(ctx: &Ctx<'_>, key: &MethodKey) -> Result<Reply, ApiError> {
    let doc = state::get(ctx.store, &ctx.scope, &key.api)?;
    let i = method_ref(&doc, key)?
        .method_integration
        .as_ref()
        .ok_or_else(ApiError::integration_not_found)?;
    Ok(Reply::json(200, to_json(i)))
}

const INTEGRATION_PATHS: &[(&str, Kind)] = &[
    ("/uri", Kind::Str),
    ("/httpMethod", Kind::Str),
    ("/credentials", Kind::Str),
    ("/requestTemplates", Kind::Map),
    ("/requestParameters", Kind::Map),
    ("/passthroughBehavior", Kind::Str),
    ("/contentHandling", Kind::Str),
    ("/timeoutInMillis", Kind::Int),
    ("/connectionType", Kind::Str),
];

pub async fn update_integration(
    ctx: &Ctx<'_>,
    key: MethodKey,
    ops: Vec<PatchOp>,
) -> Result<Reply, ApiError> {
    let out = state::update(ctx.store, &ctx.scope, &key.api.clone(), move |doc| {
        let i = integration_mut(doc, &key)?;
        let next = patched(i, &ops, INTEGRATION_PATHS)?;
        validate_integration(&next)?;
        *i = next;
        Ok(to_json(i))
    })
    .await?;
    Ok(Reply::json(200, out))
}

pub async fn delete_integration(ctx: &Ctx<'_>, key: MethodKey) -> Result<Reply, ApiError> {
    state::update(ctx.store, &ctx.scope, &key.api.clone(), move |doc| {
        let m = method_mut(doc, &key)?;
        m.method_integration
            .take()
            .ok_or_else(ApiError::integration_not_found)?;
        Ok(())
    })
    .await?;
    Ok(Reply::empty(204))
}

pub async fn put_integration_response(
    ctx: &Ctx<'_>,
    key: MethodKey,
    status: String,
    input: PutIntegrationResponseInput,
) -> Result<Reply, ApiError> {
    check_status(&status)?;
    let resp = IntegrationResponse {
        status_code: status.clone(),
        selection_pattern: input.selection_pattern,
        response_parameters: input.response_parameters,
        response_templates: input.response_templates,
        content_handling: input.content_handling,
    };
    let out = state::update(ctx.store, &ctx.scope, &key.api.clone(), move |doc| {
        let m = method_mut(doc, &key)?;
        if !m.method_responses.contains_key(&status) {
            return Err(ApiError::response_not_found());
        }
        check_response_parameters(m, &resp)?;
        let i = m
            .method_integration
            .as_mut()
            .ok_or_else(ApiError::integration_not_found)?;
        i.integration_responses.insert(status.clone(), resp.clone());
        Ok(to_json(&resp))
    })
    .await?;
    Ok(Reply::json(201, out))
}

/// Every `method.response.header.X` an integration response sets must be declared by the
/// method response of the same status.
fn check_response_parameters(m: &Method, resp: &IntegrationResponse) -> Result<(), ApiError> {
    let declared = m
        .method_responses
        .get(&resp.status_code)
        .map(|r| &r.response_parameters);
    for name in resp.response_parameters.keys() {
        if !declared.is_some_and(|d| d.contains_key(name)) {
            return Err(ApiError::bad(format!(
                "Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression specified: {name}]"
            )));
        }
    }
    Ok(())
}

pub fn get_integration_response(
    ctx: &Ctx<'_>,
    key: &MethodKey,
    status: &str,
) -> Result<Reply, ApiError> {
    let doc = state::get(ctx.store, &ctx.scope, &key.api)?;
    let r = method_ref(&doc, key)?
        .method_integration
        .as_ref()
        .ok_or_else(ApiError::integration_not_found)?
        .integration_responses
        .get(status)
        .ok_or_else(ApiError::response_not_found)?;
    Ok(Reply::json(200, to_json(r)))
}

const INTEGRATION_RESPONSE_PATHS: &[(&str, Kind)] = &[
    ("/selectionPattern", Kind::Str),
    ("/responseParameters", Kind::Map),
    ("/responseTemplates", Kind::Map),
    ("/contentHandling", Kind::Str),
];

pub async fn update_integration_response(
    ctx: &Ctx<'_>,
    key: MethodKey,
    status: String,
    ops: Vec<PatchOp>,
) -> Result<Reply, ApiError> {
    let out = state::update(ctx.store, &ctx.scope, &key.api.clone(), move |doc| {
        let m = method_mut(doc, &key)?;
        let current = m
            .method_integration
            .as_ref()
            .ok_or_else(ApiError::integration_not_found)?
            .integration_responses
            .get(&status)
            .ok_or_else(ApiError::response_not_found)?;
        let next = patched(current, &ops, INTEGRATION_RESPONSE_PATHS)?;
        check_response_parameters(m, &next)?;
        if let Some(i) = m.method_integration.as_mut() {
            i.integration_responses.insert(status.clone(), next.clone());
        }
        Ok(to_json(&next))
    })
    .await?;
    Ok(Reply::json(200, out))
}

pub async fn delete_integration_response(
    ctx: &Ctx<'_>,
    key: MethodKey,
    status: String,
) -> Result<Reply, ApiError> {
    state::update(ctx.store, &ctx.scope, &key.api.clone(), move |doc| {
        integration_mut(doc, &key)?
            .integration_responses
            .remove(&status)
            .ok_or_else(ApiError::response_not_found)?;
        Ok(())
    })
    .await?;
    Ok(Reply::empty(204))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_arns() {
        let cases = [
            (
                "arn:aws:apigateway:ap-northeast-2:lambda:path/2015-03-31/functions/arn:aws:lambda:ap-northeast-2:000000000000:function:api-service-create/invocations",
                Some("arn:aws:lambda:ap-northeast-2:000000000000:function:api-service-create"),
            ),
            ("arn:aws:apigateway:us-east-1:s3:path/bucket/key", None),
            (
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/x",
                None,
            ),
        ];
        for (uri, want) in cases {
            assert_eq!(lambda_function_arn(uri), want, "{uri}");
        }
    }
}
