//! The control plane's wire protocol (REST-JSON): turns method + path + query + JSON body
//! into a typed [`Op`]. It knows the URI layout of every supported operation and the input
//! shapes, nothing about stored state.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::model::{BoolMap, EndpointConfiguration, StrMap};

/// Names a method of a resource of an API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodKey {
    pub api: String,
    pub resource: String,
    pub method: String,
}

/// One JSON-patch-like operation (`patchOperations`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
pub struct PatchOp {
    #[serde(default)]
    pub op: String,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub from: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchInput {
    #[serde(default)]
    pub patch_operations: Vec<PatchOp>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRestApiInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub version: Option<String>,
    #[serde(default)]
    pub binary_media_types: Vec<String>,
    pub minimum_compression_size: Option<i64>,
    pub api_key_source: Option<String>,
    pub endpoint_configuration: Option<EndpointConfiguration>,
    pub policy: Option<String>,
    #[serde(default)]
    pub tags: StrMap,
    #[serde(default)]
    pub disable_execute_api_endpoint: bool,
    pub clone_from: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateResourceInput {
    pub path_part: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutMethodInput {
    pub authorization_type: Option<String>,
    pub authorizer_id: Option<String>,
    #[serde(default)]
    pub api_key_required: bool,
    pub operation_name: Option<String>,
    #[serde(default)]
    pub request_parameters: BoolMap,
    #[serde(default)]
    pub request_models: StrMap,
    pub request_validator_id: Option<String>,
    #[serde(default)]
    pub authorization_scopes: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutMethodResponseInput {
    #[serde(default)]
    pub response_parameters: BoolMap,
    #[serde(default)]
    pub response_models: StrMap,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutIntegrationInput {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// `integrationHttpMethod` travels as `httpMethod`.
    pub http_method: Option<String>,
    pub uri: Option<String>,
    pub connection_type: Option<String>,
    pub connection_id: Option<String>,
    pub credentials: Option<String>,
    #[serde(default)]
    pub request_parameters: StrMap,
    #[serde(default)]
    pub request_templates: StrMap,
    pub passthrough_behavior: Option<String>,
    pub cache_namespace: Option<String>,
    #[serde(default)]
    pub cache_key_parameters: Vec<String>,
    pub content_handling: Option<String>,
    pub timeout_in_millis: Option<i64>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutIntegrationResponseInput {
    pub selection_pattern: Option<String>,
    #[serde(default)]
    pub response_parameters: StrMap,
    #[serde(default)]
    pub response_templates: StrMap,
    pub content_handling: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDeploymentInput {
    pub stage_name: Option<String>,
    pub stage_description: Option<String>,
    pub description: Option<String>,
    pub cache_cluster_enabled: Option<bool>,
    pub cache_cluster_size: Option<String>,
    pub variables: Option<StrMap>,
    pub tracing_enabled: Option<bool>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateStageInput {
    pub stage_name: Option<String>,
    pub deployment_id: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub cache_cluster_enabled: bool,
    pub cache_cluster_size: Option<String>,
    #[serde(default)]
    pub variables: StrMap,
    #[serde(default)]
    pub tracing_enabled: bool,
    #[serde(default)]
    pub tags: StrMap,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestInvokeInput {
    pub path_with_query_string: Option<String>,
    pub body: Option<String>,
    #[serde(default)]
    pub headers: StrMap,
    #[serde(default)]
    pub multi_value_headers: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub stage_variables: StrMap,
}

/// Every control-plane operation cloudlet serves.
#[derive(Clone, Debug)]
pub enum Op {
    CreateRestApi(CreateRestApiInput),
    GetRestApis,
    GetRestApi(String),
    UpdateRestApi(String, Vec<PatchOp>),
    DeleteRestApi(String),
    GetResources {
        api: String,
        embed_methods: bool,
    },
    GetResource {
        api: String,
        resource: String,
        embed_methods: bool,
    },
    CreateResource {
        api: String,
        parent: String,
        input: CreateResourceInput,
    },
    UpdateResource {
        api: String,
        resource: String,
        patch: Vec<PatchOp>,
    },
    DeleteResource {
        api: String,
        resource: String,
    },
    PutMethod(MethodKey, PutMethodInput),
    GetMethod(MethodKey),
    UpdateMethod(MethodKey, Vec<PatchOp>),
    DeleteMethod(MethodKey),
    TestInvokeMethod(MethodKey, TestInvokeInput),
    PutMethodResponse(MethodKey, String, PutMethodResponseInput),
    GetMethodResponse(MethodKey, String),
    DeleteMethodResponse(MethodKey, String),
    PutIntegration(MethodKey, PutIntegrationInput),
    GetIntegration(MethodKey),
    UpdateIntegration(MethodKey, Vec<PatchOp>),
    DeleteIntegration(MethodKey),
    PutIntegrationResponse(MethodKey, String, PutIntegrationResponseInput),
    GetIntegrationResponse(MethodKey, String),
    UpdateIntegrationResponse(MethodKey, String, Vec<PatchOp>),
    DeleteIntegrationResponse(MethodKey, String),
    CreateDeployment(String, CreateDeploymentInput),
    GetDeployments(String),
    GetDeployment(String, String),
    DeleteDeployment(String, String),
    CreateStage(String, CreateStageInput),
    GetStages {
        api: String,
        deployment: Option<String>,
    },
    GetStage(String, String),
    UpdateStage(String, String, Vec<PatchOp>),
    DeleteStage(String, String),
}

fn body<T: DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(T::default());
    }
    serde_json::from_slice(bytes).map_err(|e| ApiError::bad(format!("Invalid request body: {e}")))
}

fn patch(bytes: &[u8]) -> Result<Vec<PatchOp>, ApiError> {
    Ok(body::<PatchInput>(bytes)?.patch_operations)
}

/// The value of query parameter `name`, decoded.
pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(k) == name).then(|| decode(v))
    })
}

/// Every query parameter, decoded, in order.
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// Parses one control-plane request.
pub fn parse(
    method: &http::Method,
    path: &str,
    query: Option<&str>,
    bytes: &[u8],
) -> Result<Op, ApiError> {
    let segs: Vec<String> = path
        .trim_end_matches('/')
        .split('/')
        .skip(1)
        .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let embed = query_param(query, "embed").is_some_and(|e| e.split(',').any(|x| x == "methods"));
    let m = method.as_str();
    let key = |api: &str, res: &str, meth: &str| MethodKey {
        api: api.to_string(),
        resource: res.to_string(),
        method: meth.to_string(),
    };
    let op = match (m, s.as_slice()) {
        ("POST", ["restapis"]) => Op::CreateRestApi(body(bytes)?),
        ("GET", ["restapis"]) => Op::GetRestApis,
        ("GET", ["restapis", a]) => Op::GetRestApi(a.to_string()),
        ("PATCH", ["restapis", a]) => Op::UpdateRestApi(a.to_string(), patch(bytes)?),
        ("DELETE", ["restapis", a]) => Op::DeleteRestApi(a.to_string()),
        ("GET", ["restapis", a, "resources"]) => Op::GetResources {
            api: a.to_string(),
            embed_methods: embed,
        },
        ("GET", ["restapis", a, "resources", r]) => Op::GetResource {
            api: a.to_string(),
            resource: r.to_string(),
            embed_methods: embed,
        },
        ("POST", ["restapis", a, "resources", p]) => Op::CreateResource {
            api: a.to_string(),
            parent: p.to_string(),
            input: body(bytes)?,
        },
        ("PATCH", ["restapis", a, "resources", r]) => Op::UpdateResource {
            api: a.to_string(),
            resource: r.to_string(),
            patch: patch(bytes)?,
        },
        ("DELETE", ["restapis", a, "resources", r]) => Op::DeleteResource {
            api: a.to_string(),
            resource: r.to_string(),
        },
        ("PUT", ["restapis", a, "resources", r, "methods", h]) => {
            Op::PutMethod(key(a, r, h), body(bytes)?)
        }
        ("GET", ["restapis", a, "resources", r, "methods", h]) => Op::GetMethod(key(a, r, h)),
        ("PATCH", ["restapis", a, "resources", r, "methods", h]) => {
            Op::UpdateMethod(key(a, r, h), patch(bytes)?)
        }
        ("DELETE", ["restapis", a, "resources", r, "methods", h]) => Op::DeleteMethod(key(a, r, h)),
        ("POST", ["restapis", a, "resources", r, "methods", h]) => {
            Op::TestInvokeMethod(key(a, r, h), body(bytes)?)
        }
        ("PUT", ["restapis", a, "resources", r, "methods", h, "responses", c]) => {
            Op::PutMethodResponse(key(a, r, h), c.to_string(), body(bytes)?)
        }
        ("GET", ["restapis", a, "resources", r, "methods", h, "responses", c]) => {
            Op::GetMethodResponse(key(a, r, h), c.to_string())
        }
        ("DELETE", ["restapis", a, "resources", r, "methods", h, "responses", c]) => {
            Op::DeleteMethodResponse(key(a, r, h), c.to_string())
        }
        ("PUT", ["restapis", a, "resources", r, "methods", h, "integration"]) => {
            Op::PutIntegration(key(a, r, h), body(bytes)?)
        }
        ("GET", ["restapis", a, "resources", r, "methods", h, "integration"]) => {
            Op::GetIntegration(key(a, r, h))
        }
        ("PATCH", ["restapis", a, "resources", r, "methods", h, "integration"]) => {
            Op::UpdateIntegration(key(a, r, h), patch(bytes)?)
        }
        ("DELETE", ["restapis", a, "resources", r, "methods", h, "integration"]) => {
            Op::DeleteIntegration(key(a, r, h))
        }
        (
            "PUT",
            [
                "restapis",
                a,
                "resources",
                r,
                "methods",
                h,
                "integration",
                "responses",
                c,
            ],
        ) => Op::PutIntegrationResponse(key(a, r, h), c.to_string(), body(bytes)?),
        (
            "GET",
            [
                "restapis",
                a,
                "resources",
                r,
                "methods",
                h,
                "integration",
                "responses",
                c,
            ],
        ) => Op::GetIntegrationResponse(key(a, r, h), c.to_string()),
        (
            "PATCH",
            [
                "restapis",
                a,
                "resources",
                r,
                "methods",
                h,
                "integration",
                "responses",
                c,
            ],
        ) => Op::UpdateIntegrationResponse(key(a, r, h), c.to_string(), patch(bytes)?),
        (
            "DELETE",
            [
                "restapis",
                a,
                "resources",
                r,
                "methods",
                h,
                "integration",
                "responses",
                c,
            ],
        ) => Op::DeleteIntegrationResponse(key(a, r, h), c.to_string()),
        ("POST", ["restapis", a, "deployments"]) => {
            Op::CreateDeployment(a.to_string(), body(bytes)?)
        }
        ("GET", ["restapis", a, "deployments"]) => Op::GetDeployments(a.to_string()),
        ("GET", ["restapis", a, "deployments", d]) => {
            Op::GetDeployment(a.to_string(), d.to_string())
        }
        ("DELETE", ["restapis", a, "deployments", d]) => {
            Op::DeleteDeployment(a.to_string(), d.to_string())
        }
        ("POST", ["restapis", a, "stages"]) => Op::CreateStage(a.to_string(), body(bytes)?),
        ("GET", ["restapis", a, "stages"]) => Op::GetStages {
            api: a.to_string(),
            deployment: query_param(query, "deploymentId"),
        },
        ("GET", ["restapis", a, "stages", st]) => Op::GetStage(a.to_string(), st.to_string()),
        ("PATCH", ["restapis", a, "stages", st]) => {
            Op::UpdateStage(a.to_string(), st.to_string(), patch(bytes)?)
        }
        ("DELETE", ["restapis", a, "stages", st]) => Op::DeleteStage(a.to_string(), st.to_string()),
        _ => {
            return Err(ApiError::UnknownOperation(format!(
                "The operation {m} {path} is not supported by cloudlet's API Gateway"
            )));
        }
    };
    Ok(op)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(method: &str, path: &str, query: Option<&str>, want: &str) {
        let m = http::Method::from_bytes(method.as_bytes()).unwrap();
        let got = match parse(&m, path, query, b"") {
            Ok(op) => format!("{op:?}"),
            Err(e) => format!("error: {e}"),
        };
        assert!(got.starts_with(want), "{method} {path}: {got}");
    }

    #[test]
    fn routes() {
        check("POST", "/restapis", None, "CreateRestApi");
        check("GET", "/restapis/", None, "GetRestApis");
        check("GET", "/restapis/abc", None, "GetRestApi(\"abc\")");
        check(
            "GET",
            "/restapis/abc/resources",
            Some("embed=methods"),
            "GetResources { api: \"abc\", embed_methods: true }",
        );
        check(
            "PUT",
            "/restapis/a/resources/r/methods/GET/integration/responses/200",
            None,
            "PutIntegrationResponse(MethodKey { api: \"a\", resource: \"r\", method: \"GET\" }, \"200\"",
        );
        check(
            "POST",
            "/restapis/a/resources/r/methods/OPTIONS",
            None,
            "TestInvokeMethod",
        );
        check(
            "GET",
            "/restapis/a/stages",
            Some("deploymentId=d1"),
            "GetStages { api: \"a\", deployment: Some(\"d1\") }",
        );
        check(
            "GET",
            "/restapis/a/models",
            None,
            "error: The operation GET",
        );
        check("PATCH", "/restapis/a%2Fb", None, "UpdateRestApi(\"a/b\"");
    }
}
