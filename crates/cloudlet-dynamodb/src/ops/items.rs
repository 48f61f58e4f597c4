//! Single-item operations: PutItem, GetItem, DeleteItem and UpdateItem, with condition
//! expressions, projections, ReturnValues and consumed capacity. Each write is one
//! `Store::write` whose closure re-reads the item, checks the condition and writes.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::Ctx;
use super::capacity::{self, Usage, read_units};
use crate::error::DdbError;
use crate::expr::ast::Update;
use crate::expr::parser::{Kind, parse_condition, parse_projection, parse_update};
use crate::expr::{Cond, Path, PathElem, Resolver, eval, update};
use crate::index;
use crate::keys;
use crate::legacy;
use crate::protocol::Body;
use crate::state::{self, TableMeta};
use crate::value::{Item, item_size, item_to_json};

/// DynamoDB's item size limit.
pub const MAX_ITEM_SIZE: usize = 400 * 1024;

/// The condition of a write: ConditionExpression or the legacy Expected map.
pub fn write_condition(body: &Body, r: &mut Resolver) -> Result<Option<Cond>, DdbError> {
    let expr = body.opt_str("ConditionExpression")?;
    if body.has("Expected") {
        if expr.is_some() {
            return Err(DdbError::validation(
                "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
            ));
        }
        return legacy::expected(body);
    }
    expr.map(|e| parse_condition(&e, Kind::Condition, r))
        .transpose()
}

/// The projection of a read: ProjectionExpression or the legacy AttributesToGet.
pub fn projection(body: &Body, r: &mut Resolver) -> Result<Option<Vec<Path>>, DdbError> {
    let expr = body.opt_str("ProjectionExpression")?;
    if let Some(names) = body.str_list("AttributesToGet")? {
        if expr.is_some() {
            return Err(DdbError::validation(
                "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
            ));
        }
        return Ok(Some(
            names.into_iter().map(|n| vec![PathElem::Attr(n)]).collect(),
        ));
    }
    expr.map(|e| parse_projection(&e, r)).transpose()
}

fn return_values(body: &Body, allowed: &[&str]) -> Result<String, DdbError> {
    let rv = body
        .opt_str("ReturnValues")?
        .unwrap_or_else(|| "NONE".into());
    let all = ["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"];
    if !all.contains(&rv.as_str()) {
        return Err(DdbError::validation(format!(
            "1 validation error detected: Value '{rv}' at 'returnValues' failed to satisfy constraint: Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]"
        )));
    }
    if !allowed.contains(&rv.as_str()) {
        return Err(DdbError::validation("Return values set to invalid value"));
    }
    Ok(rv)
}

/// `ReturnValuesOnConditionCheckFailure`: whether a failed condition returns the old item.
pub fn check_rvoccf(body: &Body) -> Result<bool, DdbError> {
    match body
        .opt_str("ReturnValuesOnConditionCheckFailure")?
        .as_deref()
    {
        None | Some("NONE") => Ok(false),
        Some("ALL_OLD") => Ok(true),
        Some(v) => Err(DdbError::validation(format!(
            "1 validation error detected: Value '{v}' at 'returnValuesOnConditionCheckFailure' failed to satisfy constraint: Member must satisfy enum value set: [ALL_OLD, NONE]"
        ))),
    }
}

fn with_extras(mut out: Map<String, Value>, cap: Option<Value>, metrics: Option<Value>) -> Value {
    if let Some(c) = cap {
        out.insert("ConsumedCapacity".into(), c);
    }
    if let Some(m) = metrics {
        out.insert("ItemCollectionMetrics".into(), m);
    }
    Value::Object(out)
}

/// The error of a failed condition, with the old item if the request asked for it (and there
/// was one).
pub fn condition_failed(with_old: bool, old: Option<&Item>) -> DdbError {
    DdbError::ConditionalCheckFailed(old.filter(|_| with_old).map(crate::value::item_to_json))
}

/// Validates a whole item for writing: keys, index keys, size. Returns its storage key.
pub fn check_new_item(meta: &TableMeta, item: &Item) -> Result<Vec<u8>, DdbError> {
    let key = keys::item_key(meta, item)?;
    index::check_item(meta, item)?;
    if item_size(item) > MAX_ITEM_SIZE {
        return Err(DdbError::validation(
            "Item size has exceeded the maximum allowed size",
        ));
    }
    Ok(key)
}

pub async fn put_item(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let name = body.table_name("TableName")?;
    let item = body.req_item("Item")?;
    let rv = return_values(&body, &["NONE", "ALL_OLD"])?;
    let old_on_failure = check_rvoccf(&body)?;
    let mut r = Resolver::new(&body.expr_input()?)?;
    let cond = write_condition(&body, &mut r)?;
    r.finish(&[("ConditionExpression", body.has("ConditionExpression"))])?;
    let cap_mode = capacity::mode(&body)?;
    let metrics = capacity::wants_metrics(&body)?;
    let meta = ctx.table(&name)?;
    let key = check_new_item(&meta, &item)?;
    // Shared with the write closure, which may run more than once.
    let (meta, item) = (Arc::new(meta), Arc::new(item));
    let (m, written) = (Arc::clone(&meta), Arc::clone(&item));
    let old = ctx
        .store
        .write(move |txn| {
            state::check_table_id(txn, &meta.id)?;
            let old = state::get_item_w(txn, &key)?;
            if let Some(c) = &cond
                && !eval::eval(c, old.as_ref().unwrap_or(&Item::new()))?
            {
                return Err(condition_failed(old_on_failure, old.as_ref()));
            }
            state::put_item(txn, &meta.id, &key, &item, old.as_ref())?;
            index::maintain(txn, &meta, old.as_ref(), Some(&item))?;
            crate::streams::record(txn, &meta, old.as_ref(), Some(&item))?;
            Ok(old)
        })
        .await?;
    let cap = Usage::item_write(&m, old.as_ref(), Some(&written)).render(cap_mode, &m.name);
    let metrics = metrics
        .then(|| capacity::item_collection(&m, &written))
        .flatten();
    let mut out = Map::new();
    if rv == "ALL_OLD"
        && let Some(o) = old
    {
        out.insert("Attributes".into(), item_to_json(&o));
    }
    Ok(with_extras(out, cap, metrics))
}

pub fn get_item(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let name = body.table_name("TableName")?;
    let key_param = body.req_item("Key")?;
    let consistent = body.opt_bool("ConsistentRead")?.unwrap_or(false);
    let mut r = Resolver::new(&body.expr_input()?)?;
    let proj = projection(&body, &mut r)?;
    r.finish(&[])?;
    let meta = ctx.table(&name)?;
    let key = keys::key_param(&meta, &key_param)?;
    if let Some(p) = &proj {
        super::update_checks::nested_key_paths(&meta, p.iter())?;
    }
    let item = ctx.store.read(|txn| state::get_item(txn, &key))?;
    let size = item.as_ref().map(item_size).unwrap_or(0);
    let cap =
        Usage::table_read(read_units(size, consistent)).render(capacity::mode(&body)?, &meta.name);
    let mut out = Map::new();
    if let Some(i) = item {
        let i = match &proj {
            Some(p) => eval::project(&i, p),
            None => i,
        };
        out.insert("Item".into(), item_to_json(&i));
    }
    Ok(with_extras(out, cap, None))
}

pub async fn delete_item(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let name = body.table_name("TableName")?;
    let key_param = body.req_item("Key")?;
    let rv = return_values(&body, &["NONE", "ALL_OLD"])?;
    let old_on_failure = check_rvoccf(&body)?;
    let mut r = Resolver::new(&body.expr_input()?)?;
    let cond = write_condition(&body, &mut r)?;
    r.finish(&[("ConditionExpression", body.has("ConditionExpression"))])?;
    let cap_mode = capacity::mode(&body)?;
    let metrics = capacity::wants_metrics(&body)?;
    let meta = ctx.table(&name)?;
    let key = keys::key_param(&meta, &key_param)?;
    let m = meta.clone();
    let old = ctx
        .store
        .write(move |txn| {
            state::check_table_id(txn, &meta.id)?;
            let old = state::get_item_w(txn, &key)?;
            if let Some(c) = &cond
                && !eval::eval(c, old.as_ref().unwrap_or(&Item::new()))?
            {
                return Err(condition_failed(old_on_failure, old.as_ref()));
            }
            if old.is_some() {
                state::delete_item(txn, &meta.id, &key)?;
                index::maintain(txn, &meta, old.as_ref(), None)?;
                crate::streams::record(txn, &meta, old.as_ref(), None)?;
            }
            Ok(old)
        })
        .await?;
    let cap = Usage::item_write(&m, old.as_ref(), None).render(cap_mode, &m.name);
    let metrics = metrics
        .then(|| capacity::item_collection(&m, &key_param))
        .flatten();
    let mut out = Map::new();
    if rv == "ALL_OLD"
        && let Some(o) = old
    {
        out.insert("Attributes".into(), item_to_json(&o));
    }
    Ok(with_extras(out, cap, metrics))
}

/// Refuses updates of key attributes and of index keys with the wrong type or inside them.
pub fn check_key_untouched(meta: &TableMeta, u: &Update) -> Result<(), DdbError> {
    super::update_checks::check(meta, u)
}

/// Computes the item after an update (creating it from its key if absent).
pub fn updated_item(
    meta: &TableMeta,
    key_item: &Item,
    old: Option<&Item>,
    u: &Update,
) -> Result<Item, DdbError> {
    let base = old.cloned().unwrap_or_else(|| key_item.clone());
    let new = update::apply(u, &base)?;
    if crate::value::too_deep(&new) {
        return Err(DdbError::validation(
            "Nesting Levels have exceeded supported limits",
        ));
    }
    // An index key given the wrong type by an update is worded for updates.
    index::check_item(meta, &new).map_err(|e| match e {
        DdbError::Validation(m) if m.contains("Type mismatch for Index Key") => {
            DdbError::validation(
                "The update expression attempted to update the secondary index key to unsupported type",
            )
        }
        other => other,
    })?;
    if item_size(&new) > MAX_ITEM_SIZE {
        return Err(DdbError::validation(
            "Item size to update has exceeded the maximum allowed size",
        ));
    }
    Ok(new)
}

pub async fn update_item(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let name = body.table_name("TableName")?;
    let key_param = body.req_item("Key")?;
    let rv = return_values(
        &body,
        &["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"],
    )?;
    let old_on_failure = check_rvoccf(&body)?;
    let mut r = Resolver::new(&body.expr_input()?)?;
    let upd = match body.opt_str("UpdateExpression")? {
        Some(e) => {
            if body.has("AttributeUpdates") {
                return Err(DdbError::validation(
                    "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributeUpdates} Expression parameters: {UpdateExpression}",
                ));
            }
            parse_update(&e, &mut r)?
        }
        None => legacy::attribute_updates(&body)?.unwrap_or_default(),
    };
    let cond = write_condition(&body, &mut r)?;
    r.finish(&[
        ("UpdateExpression", body.has("UpdateExpression")),
        ("ConditionExpression", body.has("ConditionExpression")),
    ])?;
    let cap_mode = capacity::mode(&body)?;
    let metrics = capacity::wants_metrics(&body)?;
    let meta = ctx.table(&name)?;
    let key = keys::key_param(&meta, &key_param)?;
    check_key_untouched(&meta, &upd)?;
    let paths = super::update_checks::touched(&upd);
    let (m, key_item) = (meta.clone(), key_param.clone());
    let (old, new) = ctx
        .store
        .write(move |txn| {
            state::check_table_id(txn, &meta.id)?;
            let old = state::get_item_w(txn, &key)?;
            if let Some(c) = &cond
                && !eval::eval(c, old.as_ref().unwrap_or(&Item::new()))?
            {
                return Err(condition_failed(old_on_failure, old.as_ref()));
            }
            let new = updated_item(&meta, &key_param, old.as_ref(), &upd)?;
            state::put_item(txn, &meta.id, &key, &new, old.as_ref())?;
            index::maintain(txn, &meta, old.as_ref(), Some(&new))?;
            crate::streams::record(txn, &meta, old.as_ref(), Some(&new))?;
            Ok((old, new))
        })
        .await?;
    let cap = Usage::item_write(&m, old.as_ref(), Some(&new)).render(cap_mode, &m.name);
    let metrics = metrics
        .then(|| capacity::item_collection(&m, &key_item))
        .flatten();
    let attrs = match rv.as_str() {
        "ALL_OLD" => old,
        "ALL_NEW" => Some(new),
        "UPDATED_OLD" => old.map(|o| eval::project(&o, &paths)),
        "UPDATED_NEW" => Some(eval::project(&new, &paths)),
        _ => None,
    };
    let mut out = Map::new();
    if let Some(a) = attrs.filter(|a| !a.is_empty()) {
        out.insert("Attributes".into(), item_to_json(&a));
    }
    Ok(with_extras(out, cap, metrics))
}

/// An empty JSON object.
pub fn empty() -> Value {
    json!({})
}
