//! The stored data model of a REST API, shaped exactly like API Gateway's wire JSON
//! (camelCase, absent members omitted) so that control-plane answers are plain
//! serialisations. One [`ApiDoc`] holds a whole API: its resources with their methods,
//! its deployments (each a snapshot of the resources) and its stages.
//!
//! This module knows no HTTP and no storage; it only describes data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// String → string maps (`tags`, `variables`, templates, integration parameters).
pub type StrMap = BTreeMap<String, String>;
/// String → bool maps (method request/response parameters).
pub type BoolMap = BTreeMap<String, bool>;

/// `endpointConfiguration`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EndpointConfiguration {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address_type: Option<String>,
}

/// A REST API as `GetRestApi` returns it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RestApi {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub created_date: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub binary_media_types: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_compression_size: Option<i64>,
    pub api_key_source: String,
    pub endpoint_configuration: EndpointConfiguration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "StrMap::is_empty")]
    pub tags: StrMap,
    pub disable_execute_api_endpoint: bool,
    pub root_resource_id: String,
}

/// A method response (`PutMethodResponse`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MethodResponse {
    pub status_code: String,
    #[serde(default, skip_serializing_if = "BoolMap::is_empty")]
    pub response_parameters: BoolMap,
    #[serde(default, skip_serializing_if = "StrMap::is_empty")]
    pub response_models: StrMap,
}

/// An integration response (`PutIntegrationResponse`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationResponse {
    pub status_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_pattern: Option<String>,
    #[serde(default, skip_serializing_if = "StrMap::is_empty")]
    pub response_parameters: StrMap,
    #[serde(default, skip_serializing_if = "StrMap::is_empty")]
    pub response_templates: StrMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
}

/// A method's integration (`PutIntegration`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
    #[serde(default, skip_serializing_if = "StrMap::is_empty")]
    pub request_parameters: StrMap,
    #[serde(default, skip_serializing_if = "StrMap::is_empty")]
    pub request_templates: StrMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passthrough_behavior: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<String>,
    pub timeout_in_millis: i64,
    pub cache_namespace: String,
    #[serde(default)]
    pub cache_key_parameters: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub integration_responses: BTreeMap<String, IntegrationResponse>,
}

/// A method of a resource (`PutMethod`), with its responses and integration.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Method {
    pub http_method: String,
    pub authorization_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<String>,
    pub api_key_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_validator_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
    #[serde(default, skip_serializing_if = "BoolMap::is_empty")]
    pub request_parameters: BoolMap,
    #[serde(default, skip_serializing_if = "StrMap::is_empty")]
    pub request_models: StrMap,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub method_responses: BTreeMap<String, MethodResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method_integration: Option<Integration>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_scopes: Vec<String>,
}

/// A resource (a path segment) of an API.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Resource {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_part: Option<String>,
    pub path: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub resource_methods: BTreeMap<String, Method>,
}

/// A deployment: an immutable snapshot of the API's resources.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub created_date: i64,
    /// Not part of the wire shape (see [`Deployment::wire`]): the resources as they were
    /// when deployed.
    #[serde(default)]
    pub snapshot: BTreeMap<String, Resource>,
}

impl Deployment {
    /// The deployment as the control plane shows it (without the snapshot).
    pub fn wire(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(obj) = v.as_object_mut() {
            obj.remove("snapshot");
        }
        v
    }
}

/// A stage: a name bound to a deployment, with stage variables.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub deployment_id: String,
    pub stage_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub cache_cluster_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_cluster_size: Option<String>,
    pub cache_cluster_status: String,
    #[serde(default)]
    pub method_settings: BTreeMap<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "StrMap::is_empty")]
    pub variables: StrMap,
    pub tracing_enabled: bool,
    #[serde(default, skip_serializing_if = "StrMap::is_empty")]
    pub tags: StrMap,
    pub created_date: i64,
    pub last_updated_date: i64,
}

/// Everything stored about one REST API.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ApiDoc {
    pub api: RestApi,
    pub resources: BTreeMap<String, Resource>,
    pub deployments: BTreeMap<String, Deployment>,
    pub stages: BTreeMap<String, Stage>,
}
