//! Control-plane operations on deployments (immutable snapshots of the resource tree) and
//! stages (names bound to a deployment, with stage variables).

use serde::Serialize;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::model::{ApiDoc, Deployment, Stage};
use crate::patch::{self, Kind};
use crate::protocol::{CreateDeploymentInput, CreateStageInput, PatchOp};
use crate::state;
use crate::util::{now_secs, random_id};
use crate::{Ctx, Reply};

fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn check_stage_name(name: &str) -> Result<(), ApiError> {
    if !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        Ok(())
    } else {
        Err(ApiError::bad("Stage name only allows a-zA-Z0-9_"))
    }
}

/// A deployable API has at least one method and every method has an integration.
fn check_deployable(doc: &ApiDoc) -> Result<(), ApiError> {
    let methods: Vec<_> = doc
        .resources
        .values()
        .flat_map(|r| r.resource_methods.values())
        .collect();
    if methods.is_empty() {
        return Err(ApiError::bad("The REST API doesn't contain any methods"));
    }
    if methods.iter().any(|m| m.method_integration.is_none()) {
        return Err(ApiError::bad("No integration defined for method"));
    }
    Ok(())
}

fn new_stage(name: &str, deployment: &str, now: i64) -> Stage {
    Stage {
        deployment_id: deployment.to_string(),
        stage_name: name.to_string(),
        cache_cluster_status: "NOT_AVAILABLE".into(),
        created_date: now,
        last_updated_date: now,
        ..Stage::default()
    }
}

pub async fn create_deployment(
    ctx: &Ctx<'_>,
    api: &str,
    input: CreateDeploymentInput,
) -> Result<Reply, ApiError> {
    if let Some(name) = &input.stage_name {
        check_stage_name(name)?;
    }
    let id = random_id(6);
    let out = state::update(ctx.store, &ctx.scope, api, move |doc| {
        check_deployable(doc)?;
        let now = now_secs();
        let d = Deployment {
            id: id.clone(),
            description: input.description.clone(),
            created_date: now,
            snapshot: doc.resources.clone(),
        };
        doc.deployments.insert(id.clone(), d.clone());
        if let Some(name) = &input.stage_name {
            let stage = doc
                .stages
                .entry(name.clone())
                .or_insert_with(|| new_stage(name, &id, now));
            stage.deployment_id = id.clone();
            stage.last_updated_date = now;
            if let Some(desc) = &input.stage_description {
                stage.description = Some(desc.clone());
            }
            if let Some(vars) = &input.variables {
                stage.variables.extend(vars.clone());
            }
            if let Some(t) = input.tracing_enabled {
                stage.tracing_enabled = t;
            }
            if let Some(c) = input.cache_cluster_enabled {
                stage.cache_cluster_enabled = c;
            }
            if input.cache_cluster_size.is_some() {
                stage.cache_cluster_size = input.cache_cluster_size.clone();
            }
        }
        Ok(d.wire())
    })
    .await?;
    Ok(Reply::json(201, out))
}

pub fn get_deployments(ctx: &Ctx<'_>, api: &str) -> Result<Reply, ApiError> {
    let doc = state::get(ctx.store, &ctx.scope, api)?;
    let mut list: Vec<&Deployment> = doc.deployments.values().collect();
    list.sort_by(|a, b| (a.created_date, &a.id).cmp(&(b.created_date, &b.id)));
    let items: Vec<Value> = list.iter().map(|d| d.wire()).collect();
    Ok(Reply::json(200, json!({ "item": items })))
}

pub fn get_deployment(ctx: &Ctx<'_>, api: &str, id: &str) -> Result<Reply, ApiError> {
    let doc = state::get(ctx.store, &ctx.scope, api)?;
    let d = doc
        .deployments
        .get(id)
        .ok_or_else(ApiError::deployment_not_found)?;
    Ok(Reply::json(200, d.wire()))
}

pub async fn delete_deployment(ctx: &Ctx<'_>, api: &str, id: &str) -> Result<Reply, ApiError> {
    let id = id.to_string();
    state::update(ctx.store, &ctx.scope, api, move |doc| {
        if !doc.deployments.contains_key(&id) {
            return Err(ApiError::deployment_not_found());
        }
        if doc.stages.values().any(|s| s.deployment_id == id) {
            return Err(ApiError::bad(
                "Active stages pointing to this deployment must be moved or deleted",
            ));
        }
        doc.deployments.remove(&id);
        Ok(())
    })
    .await?;
    Ok(Reply::empty(202))
}

pub async fn create_stage(
    ctx: &Ctx<'_>,
    api: &str,
    input: CreateStageInput,
) -> Result<Reply, ApiError> {
    let name = input.stage_name.clone().unwrap_or_default();
    check_stage_name(&name)?;
    let deployment = input.deployment_id.clone().unwrap_or_default();
    let out = state::update(ctx.store, &ctx.scope, api, move |doc| {
        if !doc.deployments.contains_key(&deployment) {
            return Err(ApiError::deployment_not_found());
        }
        if doc.stages.contains_key(&name) {
            return Err(ApiError::Conflict("Stage already exists".into()));
        }
        let mut stage = new_stage(&name, &deployment, now_secs());
        stage.description = input.description.clone();
        stage.cache_cluster_enabled = input.cache_cluster_enabled;
        stage.cache_cluster_size = input.cache_cluster_size.clone();
        stage.variables = input.variables.clone();
        stage.tracing_enabled = input.tracing_enabled;
        stage.tags = input.tags.clone();
        doc.stages.insert(name.clone(), stage.clone());
        Ok(to_json(&stage))
    })
    .await?;
    Ok(Reply::json(201, out))
}

pub fn get_stages(ctx: &Ctx<'_>, api: &str, deployment: Option<&str>) -> Result<Reply, ApiError> {
    let doc = state::get(ctx.store, &ctx.scope, api)?;
    let items: Vec<Value> = doc
        .stages
        .values()
        .filter(|s| deployment.is_none_or(|d| s.deployment_id == d))
        .map(to_json)
        .collect();
    Ok(Reply::json(200, json!({ "item": items })))
}

pub fn get_stage(ctx: &Ctx<'_>, api: &str, name: &str) -> Result<Reply, ApiError> {
    let doc = state::get(ctx.store, &ctx.scope, api)?;
    let s = doc.stages.get(name).ok_or_else(ApiError::stage_not_found)?;
    Ok(Reply::json(200, to_json(s)))
}

const STAGE_PATHS: &[(&str, Kind)] = &[
    ("/description", Kind::Str),
    ("/deploymentId", Kind::Str),
    ("/variables", Kind::Map),
    ("/tracingEnabled", Kind::Bool),
    ("/cacheClusterEnabled", Kind::Bool),
    ("/cacheClusterSize", Kind::Str),
];

pub async fn update_stage(
    ctx: &Ctx<'_>,
    api: &str,
    name: &str,
    ops: Vec<PatchOp>,
) -> Result<Reply, ApiError> {
    let name = name.to_string();
    let out = state::update(ctx.store, &ctx.scope, api, move |doc| {
        let s = doc
            .stages
            .get(&name)
            .ok_or_else(ApiError::stage_not_found)?;
        let mut v = to_json(s);
        patch::apply(&mut v, &ops, STAGE_PATHS)?;
        let mut next: Stage = serde_json::from_value(v)
            .map_err(|e| ApiError::bad(format!("Invalid patch value: {e}")))?;
        if !doc.deployments.contains_key(&next.deployment_id) {
            return Err(ApiError::deployment_not_found());
        }
        next.stage_name = name.clone();
        next.last_updated_date = now_secs();
        doc.stages.insert(name.clone(), next.clone());
        Ok(to_json(&next))
    })
    .await?;
    Ok(Reply::json(200, out))
}

pub async fn delete_stage(ctx: &Ctx<'_>, api: &str, name: &str) -> Result<Reply, ApiError> {
    let name = name.to_string();
    state::update(ctx.store, &ctx.scope, api, move |doc| {
        doc.stages
            .remove(&name)
            .ok_or_else(ApiError::stage_not_found)?;
        Ok(())
    })
    .await?;
    Ok(Reply::empty(202))
}
