//! BatchGetItem, BatchWriteItem, TransactGetItems and TransactWriteItems. Batch and
//! transactional writes are each ONE store write: all of it is durable or none of it is;
//! a transaction's conditions are all checked before anything is written.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::Ctx;
use super::capacity::{self, Usage, read_units};
use super::items::{
    check_key_untouched, check_new_item, projection, updated_item, write_condition,
};
use crate::error::DdbError;
use crate::expr::parser::parse_update;
use crate::expr::{Cond, Path, Resolver, Update, eval};
use crate::index;
use crate::keys;
use crate::protocol::Body;
use crate::state::{self, TableMeta};
use crate::value::{Item, item_to_json};

fn request_items(body: &Body) -> Result<&Map<String, Value>, DdbError> {
    let m = body.opt_object("RequestItems")?.ok_or_else(|| {
        DdbError::validation(
            "1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: Member must not be null",
        )
    })?;
    if m.is_empty() {
        return Err(DdbError::validation(
            "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1",
        ));
    }
    Ok(m)
}

/// One table's part of a BatchGetItem: its keys and projection.
type GetPlan = (TableMeta, Vec<Vec<u8>>, Option<Vec<Path>>);

fn duplicates() -> DdbError {
    DdbError::validation("Provided list of item keys contains duplicates")
}

pub fn batch_get(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let req = request_items(&body)?;
    let total: usize = req
        .values()
        .map(|v| v["Keys"].as_array().map(Vec::len).unwrap_or(0))
        .sum();
    if total > 100 {
        return Err(DdbError::validation(
            "Too many items requested for the BatchGetItem call",
        ));
    }
    let mut plans: Vec<GetPlan> = Vec::new();
    for (name, spec) in req {
        crate::protocol::check_table_name(name, "requestItems.key")?;
        let sub = Body::sub(spec)?;
        let mut r = Resolver::new(&sub.expr_input()?)?;
        let proj = projection(&sub, &mut r)?;
        r.finish(&[])?;
        let meta = ctx.table(name)?;
        let mut ks = Vec::new();
        for k in sub.opt_array("Keys")?.cloned().unwrap_or_default() {
            let item = crate::value::parse_item(&k)?;
            let sk = keys::key_param(&meta, &item)?;
            if ks.contains(&sk) {
                return Err(duplicates());
            }
            ks.push(sk);
        }
        if ks.is_empty() {
            return Err(DdbError::validation(
                "1 validation error detected: Value '[]' at 'requestItems.keys' failed to satisfy constraint: Member must have length greater than or equal to 1",
            ));
        }
        plans.push((meta, ks, proj));
    }
    let cap_mode = capacity::mode(&body)?;
    let mut usages: BTreeMap<String, Usage> = BTreeMap::new();
    let responses = ctx.store.read(|txn| {
        let mut out = Map::new();
        for (meta, ks, proj) in &plans {
            let mut items = Vec::new();
            let consistent = Body::sub(&req[meta.name.as_str()])?
                .opt_bool("ConsistentRead")?
                .unwrap_or(false);
            for k in ks {
                let found = state::get_item(txn, k)?;
                let size = found.as_ref().map(crate::value::item_size).unwrap_or(0);
                usages
                    .entry(meta.name.clone())
                    .or_default()
                    .add(&Usage::table_read(read_units(size, consistent)));
                if let Some(i) = found {
                    let i = match proj {
                        Some(p) => eval::project(&i, p),
                        None => i,
                    };
                    items.push(item_to_json(&i));
                }
            }
            out.insert(meta.name.clone(), Value::Array(items));
        }
        Ok::<_, DdbError>(out)
    })?;
    let mut out = json!({"Responses": responses, "UnprocessedKeys": {}});
    if let Some(c) = capacity::render_all(cap_mode, &usages) {
        out["ConsumedCapacity"] = c;
    }
    Ok(out)
}

/// One write of a batch or transaction, validated and ready to run.
enum WriteOp {
    Put(Item),
    Delete,
    Update(Item, Update),
    Check,
}

struct Planned {
    /// Shared by every write to the same table (and by replays of the write closure).
    meta: Arc<TableMeta>,
    key: Vec<u8>,
    op: WriteOp,
    cond: Option<Cond>,
    /// `ReturnValuesOnConditionCheckFailure: ALL_OLD` (transactions only).
    old_on_failure: bool,
}

/// A `CancellationReason` of TransactionCanceledException.
fn reason(code: &str, message: Option<String>, item: Option<&Item>) -> Value {
    let mut r = json!({ "Code": code });
    if let Some(m) = message {
        r["Message"] = Value::String(m);
    }
    if let Some(i) = item {
        r["Item"] = item_to_json(i);
    }
    r
}

/// TransactionCanceledException, its message listing the reasons' codes.
fn cancelled(reasons: Vec<Value>) -> DdbError {
    let codes: Vec<&str> = reasons
        .iter()
        .map(|r| r["Code"].as_str().unwrap_or("None"))
        .collect();
    DdbError::TransactionCanceled(
        format!(
            "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
            codes.join(", ")
        ),
        reasons,
    )
}

/// What a batch of writes did, per table: capacity used and item collections written.
#[derive(Default)]
struct Outcome {
    usages: BTreeMap<String, Usage>,
    collections: BTreeMap<String, Vec<Value>>,
}

fn run_writes(
    txn: &cloudlet_store::redb::WriteTransaction,
    plans: &[Planned],
    transactional: bool,
) -> Result<Outcome, DdbError> {
    let mut outcome = Outcome::default();
    // Check every condition first (transactions), then write.
    let mut olds = Vec::with_capacity(plans.len());
    let mut passed = Vec::with_capacity(plans.len());
    let mut failed = false;
    let mut checked: Vec<&str> = Vec::new();
    let mut w = state::ItemWriter::open(txn)?;
    for p in plans {
        if !checked.contains(&p.meta.id.as_str()) {
            state::check_table_id(txn, &p.meta.id)?;
            checked.push(&p.meta.id);
        }
        let old = w.get(&p.key)?;
        let ok = match &p.cond {
            Some(c) => eval::eval(c, old.as_ref().unwrap_or(&Item::new()))?,
            None => true,
        };
        failed |= !ok;
        passed.push(ok);
        olds.push(old);
    }
    if failed {
        let reasons = plans
            .iter()
            .zip(&olds)
            .zip(&passed)
            .map(|((p, old), ok)| match ok {
                true => reason("None", None, None),
                false => reason(
                    "ConditionalCheckFailed",
                    Some("The conditional request failed".into()),
                    old.as_ref().filter(|_| p.old_on_failure),
                ),
            })
            .collect();
        return Err(cancelled(reasons));
    }
    for (i, (p, old)) in plans.iter().zip(&olds).enumerate() {
        let factor = if transactional { 2.0 } else { 1.0 };
        let new = match &p.op {
            WriteOp::Check => {
                outcome
                    .usages
                    .entry(p.meta.name.clone())
                    .or_default()
                    .add(&Usage::item_write(&p.meta, None, None).times(factor));
                continue;
            }
            WriteOp::Delete => None,
            WriteOp::Put(item) => Some(Cow::Borrowed(item)),
            WriteOp::Update(key_item, u) => {
                match updated_item(&p.meta, key_item, old.as_ref(), u) {
                    Ok(n) => Some(Cow::Owned(n)),
                    Err(e) if transactional => {
                        let mut rs = vec![reason("None", None, None); plans.len()];
                        rs[i] = reason("ValidationError", Some(e.to_string()), None);
                        return Err(cancelled(rs));
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        let new = new.as_deref();
        let usage = Usage::item_write(&p.meta, old.as_ref(), new).times(factor);
        match outcome.usages.get_mut(&p.meta.name) {
            Some(u) => u.add(&usage),
            None => {
                let mut u = Usage::default();
                u.add(&usage);
                outcome.usages.insert(p.meta.name.clone(), u);
            }
        }
        if let Some(m) = new
            .or(old.as_ref())
            .and_then(|i| capacity::item_collection(&p.meta, i))
        {
            let list = outcome.collections.entry(p.meta.name.clone()).or_default();
            if !list.contains(&m) {
                list.push(m);
            }
        }
        match new {
            Some(n) => w.put(&p.meta.id, &p.key, n, old.as_ref())?,
            None => {
                if old.is_none() {
                    continue;
                }
                w.delete(&p.meta.id, &p.key)?;
            }
        }
        index::maintain(txn, &p.meta, old.as_ref(), new)?;
        crate::streams::record(txn, &p.meta, old.as_ref(), new)?;
    }
    w.finish(txn)?;
    Ok(outcome)
}

/// The ConsumedCapacity and ItemCollectionMetrics members of a batch or transaction.
fn write_extras(out: &mut Value, body: &Body, outcome: &Outcome) -> Result<(), DdbError> {
    if let Some(c) = capacity::render_all(capacity::mode(body)?, &outcome.usages) {
        out["ConsumedCapacity"] = c;
    }
    if capacity::wants_metrics(body)? {
        out["ItemCollectionMetrics"] = json!(outcome.collections);
    }
    Ok(())
}

pub async fn batch_write(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let req = request_items(&body)?;
    let sizes: Vec<usize> = req
        .values()
        .map(|v| v.as_array().map(Vec::len).unwrap_or(0))
        .collect();
    // One table's list is checked by the API model, the whole request by the service.
    if sizes.iter().any(|n| *n > 25 || *n == 0) {
        return Err(DdbError::validation(
            "1 validation error detected: Value at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
        ));
    }
    if sizes.iter().sum::<usize>() > 25 {
        return Err(DdbError::validation(
            "Too many items requested for the BatchWriteItem call",
        ));
    }
    let mut plans = Vec::with_capacity(sizes.iter().sum());
    let mut seen: Vec<Vec<u8>> = Vec::with_capacity(plans.capacity());
    for (name, reqs) in req {
        crate::protocol::check_table_name(name, "requestItems.key")?;
        let meta = Arc::new(ctx.table(name)?);
        for w in reqs.as_array().map(Vec::as_slice).unwrap_or_default() {
            let (key, op) = if let Some(p) = w.get("PutRequest") {
                let item = crate::value::parse_item(&p["Item"])?;
                (check_new_item(&meta, &item)?, WriteOp::Put(item))
            } else if let Some(d) = w.get("DeleteRequest") {
                let k = crate::value::parse_item(&d["Key"])?;
                (keys::key_param(&meta, &k)?, WriteOp::Delete)
            } else {
                return Err(DdbError::validation(
                    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                ));
            };
            if seen.contains(&key) {
                return Err(duplicates());
            }
            seen.push(key.clone());
            plans.push(Planned {
                meta: Arc::clone(&meta),
                key,
                op,
                cond: None,
                old_on_failure: false,
            });
        }
    }
    capacity::mode(&body)?;
    capacity::wants_metrics(&body)?;
    let outcome = ctx
        .store
        .write(move |txn| run_writes(txn, &plans, false))
        .await?;
    let mut out = json!({"UnprocessedItems": {}});
    write_extras(&mut out, &body, &outcome)?;
    Ok(out)
}

pub async fn transact_write(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let items = body
        .opt_array("TransactItems")?
        .cloned()
        .unwrap_or_default();
    if items.is_empty() || items.len() > 100 {
        return Err(DdbError::validation(format!(
            "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length {}",
            if items.is_empty() {
                "greater than or equal to 1"
            } else {
                "less than or equal to 100"
            }
        )));
    }
    let mut plans = Vec::new();
    let mut metas: BTreeMap<String, Arc<TableMeta>> = BTreeMap::new();
    for ti in &items {
        let obj = ti.as_object().cloned().unwrap_or_default();
        let kinds: Vec<&String> = obj.keys().filter(|k| !obj[*k].is_null()).collect();
        if kinds.len() != 1 {
            return Err(DdbError::validation(
                "TransactItems can only contain one of Check, Put, Update or Delete",
            ));
        }
        let kind = kinds[0].clone();
        let sub = Body::sub(&obj[&kind])?;
        let name = sub.table_name("TableName")?;
        let meta = match metas.get(&name) {
            Some(m) => m.clone(),
            None => {
                let m = Arc::new(ctx.table(&name)?);
                metas.insert(name.clone(), Arc::clone(&m));
                m
            }
        };
        let mut r = Resolver::new(&sub.expr_input()?)?;
        let (key, op) = match kind.as_str() {
            "Put" => {
                let item = sub.req_item("Item")?;
                (check_new_item(&meta, &item)?, WriteOp::Put(item))
            }
            "Delete" | "ConditionCheck" => {
                let k = sub.req_item("Key")?;
                let op = if kind == "Delete" {
                    WriteOp::Delete
                } else {
                    WriteOp::Check
                };
                (keys::key_param(&meta, &k)?, op)
            }
            "Update" => {
                let k = sub.req_item("Key")?;
                let e = sub.req_str("UpdateExpression")?;
                let u = parse_update(&e, &mut r)?;
                check_key_untouched(&meta, &u)?;
                (keys::key_param(&meta, &k)?, WriteOp::Update(k, u))
            }
            other => {
                return Err(DdbError::Serialization(format!(
                    "Unknown member {other} in TransactWriteItem"
                )));
            }
        };
        let cond = write_condition(&sub, &mut r)?;
        if kind == "ConditionCheck" && cond.is_none() {
            return Err(DdbError::validation(
                "1 validation error detected: Value null at 'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint: Member must not be null",
            ));
        }
        let mut uses_values = vec![("ConditionExpression", sub.has("ConditionExpression"))];
        if kind == "Update" {
            uses_values.insert(0, ("UpdateExpression", sub.has("UpdateExpression")));
        }
        r.finish(&uses_values)?;
        if plans.iter().any(|p: &Planned| p.key == key) {
            return Err(DdbError::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        plans.push(Planned {
            meta,
            key,
            op,
            cond,
            old_on_failure: super::items::check_rvoccf(&sub)?,
        });
    }
    let token = body.opt_str("ClientRequestToken")?;
    let fingerprint = crc32fast::hash(serde_json::to_string(&items).unwrap_or_default().as_bytes());
    let (account, region) = (ctx.account.clone(), ctx.region.clone());
    capacity::mode(&body)?;
    capacity::wants_metrics(&body)?;
    let outcome = ctx
        .store
        .write(move |txn| {
            if let Some(t) = &token
                && crate::tokens::seen(txn, &account, &region, t, fingerprint)?
            {
                return Ok(Outcome::default());
            }
            run_writes(txn, &plans, true)
        })
        .await?;
    let mut out = json!({});
    write_extras(&mut out, &body, &outcome)?;
    Ok(out)
}

pub fn transact_get(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let items = body
        .opt_array("TransactItems")?
        .cloned()
        .unwrap_or_default();
    if items.is_empty() || items.len() > 100 {
        return Err(DdbError::validation(format!(
            "1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length {}",
            if items.is_empty() {
                "greater than or equal to 1"
            } else {
                "less than or equal to 100"
            }
        )));
    }
    let mut plans = Vec::new();
    for ti in &items {
        let sub = Body::sub(&ti["Get"])?;
        let name = sub.table_name("TableName")?;
        let mut r = Resolver::new(&sub.expr_input()?)?;
        let proj = projection(&sub, &mut r)?;
        r.finish(&[])?;
        let meta = ctx.table(&name)?;
        let key = keys::key_param(&meta, &sub.req_item("Key")?)?;
        if plans.iter().any(|(k, _, _)| *k == key) {
            return Err(DdbError::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        plans.push((key, proj, meta.name.clone()));
    }
    let cap_mode = capacity::mode(&body)?;
    let mut usages: BTreeMap<String, Usage> = BTreeMap::new();
    let responses = ctx.store.read(|txn| {
        let mut out = Vec::new();
        for (k, proj, table) in &plans {
            let found = state::get_item(txn, k)?;
            let size = found.as_ref().map(crate::value::item_size).unwrap_or(0);
            usages
                .entry(table.clone())
                .or_default()
                .add(&Usage::table_read(read_units(size, true)).times(2.0));
            out.push(match found {
                Some(i) => {
                    let i = match proj {
                        Some(p) => eval::project(&i, p),
                        None => i,
                    };
                    json!({"Item": item_to_json(&i)})
                }
                None => json!({}),
            });
        }
        Ok::<_, DdbError>(out)
    })?;
    let mut out = json!({"Responses": responses});
    if let Some(c) = capacity::render_all(cap_mode, &usages) {
        out["ConsumedCapacity"] = c;
    }
    Ok(out)
}
