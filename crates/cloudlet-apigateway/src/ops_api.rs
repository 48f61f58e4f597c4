//! Control-plane operations on REST APIs and resources: create/get/list/update/delete APIs
//! (with their root resource `/`), and the resource tree (`{param}`, `{proxy+}`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::model::{ApiDoc, EndpointConfiguration, Resource, RestApi};
use crate::patch::{self, Kind};
use crate::protocol::{CreateResourceInput, CreateRestApiInput, PatchOp};
use crate::state;
use crate::util::{now_secs, random_id};
use crate::{Ctx, Reply};

fn to_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// A resource as the wire shows it: methods embedded, or only their names.
pub fn resource_json(r: &Resource, embed: bool) -> Value {
    let mut v = to_json(r);
    if !embed
        && let Some(obj) = v.as_object_mut()
        && !r.resource_methods.is_empty()
    {
        let names: serde_json::Map<String, Value> = r
            .resource_methods
            .keys()
            .map(|k| (k.clone(), json!({})))
            .collect();
        obj.insert("resourceMethods".into(), Value::Object(names));
    }
    v
}

pub async fn create_rest_api(ctx: &Ctx<'_>, input: CreateRestApiInput) -> Result<Reply, ApiError> {
    let name = input.name.clone().unwrap_or_default();
    if name.trim().is_empty() {
        return Err(ApiError::bad("Invalid REST API name specified"));
    }
    if let Some(src) = &input.api_key_source
        && src != "HEADER"
        && src != "AUTHORIZER"
    {
        return Err(ApiError::bad(format!(
            "Invalid API key source specified: {src}. Valid options are HEADER, AUTHORIZER"
        )));
    }
    let mut endpoint = input.endpoint_configuration.clone().unwrap_or_default();
    if endpoint.types.is_empty() {
        endpoint.types = vec!["EDGE".into()];
    }
    for t in &endpoint.types {
        if !matches!(t.as_str(), "EDGE" | "REGIONAL" | "PRIVATE") {
            return Err(ApiError::bad(format!(
                "Invalid endpoint configuration type specified: {t}"
            )));
        }
    }
    if endpoint.ip_address_type.is_none() {
        endpoint.ip_address_type = Some("ipv4".into());
    }
    let cloned = match &input.clone_from {
        Some(src) => Some(state::get(ctx.store, &ctx.scope, src)?),
        None => None,
    };
    let id = random_id(10);
    let (root_id, resources) = match cloned {
        Some(src) => (src.api.root_resource_id.clone(), src.resources.clone()),
        None => {
            let root = random_id(10);
            let mut resources = BTreeMap::new();
            resources.insert(
                root.clone(),
                Resource {
                    id: root.clone(),
                    path: "/".into(),
                    ..Resource::default()
                },
            );
            (root, resources)
        }
    };
    let api = RestApi {
        id: id.clone(),
        name,
        description: input.description.clone(),
        created_date: now_secs(),
        version: input.version.clone(),
        binary_media_types: input.binary_media_types.clone(),
        minimum_compression_size: input.minimum_compression_size,
        api_key_source: input
            .api_key_source
            .clone()
            .unwrap_or_else(|| "HEADER".into()),
        endpoint_configuration: endpoint,
        policy: input.policy.clone(),
        tags: input.tags.clone(),
        disable_execute_api_endpoint: input.disable_execute_api_endpoint,
        root_resource_id: root_id,
    };
    let doc = ApiDoc {
        api: api.clone(),
        resources,
        ..ApiDoc::default()
    };
    state::create(ctx.store, &ctx.scope, doc).await?;
    Ok(Reply::json(201, to_json(&api)))
}

pub fn get_rest_apis(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let items: Vec<Value> = state::list(ctx.store, &ctx.scope)?
        .iter()
        .map(|d| to_json(&d.api))
        .collect();
    Ok(Reply::json(200, json!({ "item": items })))
}

pub fn get_rest_api(ctx: &Ctx<'_>, api: &str) -> Result<Reply, ApiError> {
    let doc = state::get(ctx.store, &ctx.scope, api)?;
    Ok(Reply::json(200, to_json(&doc.api)))
}

const REST_API_PATHS: &[(&str, Kind)] = &[
    ("/name", Kind::Str),
    ("/description", Kind::Str),
    ("/version", Kind::Str),
    ("/apiKeySource", Kind::Str),
    ("/minimumCompressionSize", Kind::Int),
    ("/binaryMediaTypes", Kind::List),
    ("/policy", Kind::Str),
    ("/disableExecuteApiEndpoint", Kind::Bool),
];

pub async fn update_rest_api(
    ctx: &Ctx<'_>,
    api: &str,
    ops: Vec<PatchOp>,
) -> Result<Reply, ApiError> {
    let out = state::update(ctx.store, &ctx.scope, api, move |doc| {
        let mut v = to_json(&doc.api);
        patch::apply(&mut v, &ops, REST_API_PATHS)?;
        let mut next: RestApi = serde_json::from_value(v)
            .map_err(|e| ApiError::bad(format!("Invalid patch value: {e}")))?;
        if next.name.trim().is_empty() {
            return Err(ApiError::bad("Invalid REST API name specified"));
        }
        next.endpoint_configuration = EndpointConfiguration {
            ..doc.api.endpoint_configuration.clone()
        };
        doc.api = next;
        Ok(to_json(&doc.api))
    })
    .await?;
    Ok(Reply::json(200, out))
}

pub async fn delete_rest_api(ctx: &Ctx<'_>, api: &str) -> Result<Reply, ApiError> {
    state::delete(ctx.store, &ctx.scope, api).await?;
    Ok(Reply::empty(202))
}

pub fn get_resources(ctx: &Ctx<'_>, api: &str, embed: bool) -> Result<Reply, ApiError> {
    let doc = state::get(ctx.store, &ctx.scope, api)?;
    let mut list: Vec<&Resource> = doc.resources.values().collect();
    list.sort_by(|a, b| a.path.cmp(&b.path));
    let items: Vec<Value> = list.iter().map(|r| resource_json(r, embed)).collect();
    Ok(Reply::json(200, json!({ "item": items })))
}

pub fn get_resource(
    ctx: &Ctx<'_>,
    api: &str,
    resource: &str,
    embed: bool,
) -> Result<Reply, ApiError> {
    let doc = state::get(ctx.store, &ctx.scope, api)?;
    let r = doc
        .resources
        .get(resource)
        .ok_or_else(ApiError::resource_not_found)?;
    Ok(Reply::json(200, resource_json(r, embed)))
}

/// Whether `part` is a valid path part: `name`, `{name}` or `{name+}`.
pub fn valid_path_part(part: &str) -> bool {
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        Some(inner) => plain(inner.strip_suffix('+').unwrap_or(inner)),
        None => plain(part) || part.starts_with('$') && plain(&part[1..]),
    }
}

fn is_variable(part: &str) -> bool {
    part.starts_with('{')
}

fn child_path(parent: &str, part: &str) -> String {
    if parent == "/" {
        format!("/{part}")
    } else {
        format!("{parent}/{part}")
    }
}

/// Checks that `part` may be added under `parent` (no duplicate, one variable sibling,
/// nothing under a greedy variable).
fn check_child(doc: &ApiDoc, parent: &Resource, part: &str, skip: &str) -> Result<(), ApiError> {
    if parent
        .path_part
        .as_deref()
        .is_some_and(|p| p.ends_with("+}"))
    {
        return Err(ApiError::bad(format!(
            "Cannot create a child of a resource with a greedy path variable: {}",
            parent.path_part.as_deref().unwrap_or("")
        )));
    }
    for sib in doc
        .resources
        .values()
        .filter(|r| r.parent_id.as_deref() == Some(parent.id.as_str()) && r.id != skip)
    {
        let sp = sib.path_part.as_deref().unwrap_or("");
        if sp == part {
            return Err(ApiError::Conflict(format!(
                "Another resource with the same parent already has this name: {part}"
            )));
        }
        if is_variable(sp) && is_variable(part) {
            return Err(ApiError::bad(format!(
                "A sibling ({}) of this resource already has a variable path part -- only one is allowed",
                sib.id
            )));
        }
    }
    Ok(())
}

pub async fn create_resource(
    ctx: &Ctx<'_>,
    api: &str,
    parent: &str,
    input: CreateResourceInput,
) -> Result<Reply, ApiError> {
    let part = input.path_part.unwrap_or_default();
    if !valid_path_part(&part) {
        return Err(ApiError::bad(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.",
        ));
    }
    let parent = parent.to_string();
    let id = random_id(10);
    let out = state::update(ctx.store, &ctx.scope, api, move |doc| {
        let p = doc
            .resources
            .get(&parent)
            .ok_or_else(ApiError::resource_not_found)?
            .clone();
        check_child(doc, &p, &part, "")?;
        let r = Resource {
            id: id.clone(),
            parent_id: Some(p.id.clone()),
            path_part: Some(part.clone()),
            path: child_path(&p.path, &part),
            resource_methods: BTreeMap::new(),
        };
        doc.resources.insert(id.clone(), r.clone());
        Ok(to_json(&r))
    })
    .await?;
    Ok(Reply::json(201, out))
}

/// Recomputes the paths of `id`'s subtree after its path part changed.
fn repath(doc: &mut ApiDoc, id: &str) {
    let Some(path) = doc.resources.get(id).map(|r| r.path.clone()) else {
        return;
    };
    let children: Vec<String> = doc
        .resources
        .values()
        .filter(|r| r.parent_id.as_deref() == Some(id))
        .map(|r| r.id.clone())
        .collect();
    for c in children {
        if let Some(r) = doc.resources.get_mut(&c) {
            r.path = child_path(&path, r.path_part.as_deref().unwrap_or(""));
        }
        repath(doc, &c);
    }
}

pub async fn update_resource(
    ctx: &Ctx<'_>,
    api: &str,
    resource: &str,
    ops: Vec<PatchOp>,
) -> Result<Reply, ApiError> {
    let resource = resource.to_string();
    let out = state::update(ctx.store, &ctx.scope, api, move |doc| {
        let r = doc
            .resources
            .get(&resource)
            .ok_or_else(ApiError::resource_not_found)?
            .clone();
        let mut v = json!({ "pathPart": r.path_part });
        patch::apply(&mut v, &ops, &[("/pathPart", Kind::Str)])?;
        let part = v["pathPart"].as_str().unwrap_or("").to_string();
        let Some(parent) = r.parent_id.as_ref().and_then(|p| doc.resources.get(p)).cloned() else {
            return Err(ApiError::bad("The root resource cannot be modified"));
        };
        if !valid_path_part(&part) {
            return Err(ApiError::bad(
                "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace.",
            ));
        }
        check_child(doc, &parent, &part, &r.id)?;
        if let Some(m) = doc.resources.get_mut(&r.id) {
            m.path_part = Some(part.clone());
            m.path = child_path(&parent.path, &part);
        }
        repath(doc, &r.id);
        Ok(doc
            .resources
            .get(&r.id)
            .map(|r| resource_json(r, false))
            .unwrap_or(Value::Null))
    })
    .await?;
    Ok(Reply::json(200, out))
}

pub async fn delete_resource(ctx: &Ctx<'_>, api: &str, resource: &str) -> Result<Reply, ApiError> {
    let resource = resource.to_string();
    state::update(ctx.store, &ctx.scope, api, move |doc| {
        let r = doc
            .resources
            .get(&resource)
            .ok_or_else(ApiError::resource_not_found)?;
        if r.parent_id.is_none() {
            return Err(ApiError::bad("Cannot delete root resource"));
        }
        let mut doomed = vec![resource.clone()];
        let mut i = 0;
        while let Some(id) = doomed.get(i).cloned() {
            doomed.extend(
                doc.resources
                    .values()
                    .filter(|c| c.parent_id.as_deref() == Some(id.as_str()))
                    .map(|c| c.id.clone()),
            );
            i += 1;
        }
        for id in doomed {
            doc.resources.remove(&id);
        }
        Ok(())
    })
    .await?;
    Ok(Reply::empty(202))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parts() {
        let cases = [
            ("members", true),
            ("{id}", true),
            ("{proxy+}", true),
            ("v1.2_x-y", true),
            ("", false),
            ("a/b", false),
            ("{}", false),
            ("{a", false),
            ("a+", false),
            ("{a+b}", false),
        ];
        for (part, want) in cases {
            assert_eq!(valid_path_part(part), want, "{part}");
        }
    }
}
