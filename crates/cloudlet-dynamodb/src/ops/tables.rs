//! The control plane: CreateTable, DescribeTable, ListTables, DeleteTable, UpdateTable,
//! Describe/UpdateTimeToLive and the tagging operations.

use serde_json::{Map, Value, json};

use super::describe::table_description;
use super::{Ctx, now};
use crate::error::DdbError;
use crate::protocol::Body;
use crate::state::{self, IndexMeta, KeyAttr, TableMeta};

fn key_attrs(
    schema: &[Value],
    defs: &[KeyAttr],
    what: &str,
) -> Result<(KeyAttr, Option<KeyAttr>), DdbError> {
    if schema.is_empty() || schema.len() > 2 {
        return Err(DdbError::validation(format!(
            "1 validation error detected: Value '{}' at '{what}' failed to satisfy constraint: Member must have length less than or equal to 2",
            schema.len()
        )));
    }
    let mut out = Vec::new();
    for (i, e) in schema.iter().enumerate() {
        let name = e["AttributeName"].as_str().unwrap_or_default().to_string();
        let kt = e["KeyType"].as_str().unwrap_or_default();
        if i == 0 && kt != "HASH" {
            return Err(DdbError::validation(
                "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
            ));
        }
        if i == 1 && kt != "RANGE" {
            return Err(DdbError::validation(
                "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type",
            ));
        }
        if i == 1 && out.iter().any(|k: &KeyAttr| k.name == name) {
            return Err(DdbError::validation(
                "Both the Hash Key and the Range Key element in the KeySchema have the same name",
            ));
        }
        let ty = defs
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.ty.clone())
            .unwrap_or_default();
        out.push(KeyAttr { name, ty });
    }
    let mut it = out.into_iter();
    let hash = it.next().ok_or_else(DdbError::key_schema_mismatch)?;
    Ok((hash, it.next()))
}

fn parse_index(
    v: &Value,
    defs: &[KeyAttr],
    provisioned: bool,
    global: bool,
) -> Result<IndexMeta, DdbError> {
    let name = v["IndexName"].as_str().unwrap_or_default().to_string();
    let schema = v["KeySchema"].as_array().cloned().unwrap_or_default();
    let (hash, range) = key_attrs(&schema, defs, "keySchema")?;
    let proj = &v["Projection"];
    let projection_type = proj["ProjectionType"].as_str().unwrap_or("ALL").to_string();
    let non_key: Vec<String> = proj["NonKeyAttributes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if !matches!(projection_type.as_str(), "ALL" | "KEYS_ONLY" | "INCLUDE") {
        return Err(DdbError::validation(format!(
            "1 validation error detected: Value '{projection_type}' at 'projection.projectionType' failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]"
        )));
    }
    if projection_type != "INCLUDE" && !non_key.is_empty() {
        return Err(DdbError::invalid(
            "ProjectionType is ".to_string()
                + &projection_type
                + ", but NonKeyAttributes is specified",
        ));
    }
    let pt = &v["ProvisionedThroughput"];
    if global && provisioned && pt.is_null() {
        return Err(DdbError::invalid(format!(
            "ProvisionedThroughput is not specified for index: {name}"
        )));
    }
    if global && !provisioned && !pt.is_null() {
        return Err(DdbError::invalid(
            "ProvisionedThroughput should not be specified for index: ".to_string()
                + &name
                + " when BillingMode is PAY_PER_REQUEST",
        ));
    }
    Ok(IndexMeta {
        name,
        hash_key: hash,
        range_key: range,
        projection_type,
        non_key_attributes: non_key,
        read_capacity: pt["ReadCapacityUnits"].as_i64().unwrap_or(0),
        write_capacity: pt["WriteCapacityUnits"].as_i64().unwrap_or(0),
    })
}

/// An ISO-8601 timestamp with milliseconds (`2026-11-25T07:52:00.123`), for stream labels.
pub fn iso_millis(t: f64) -> String {
    let ms = (t * 1000.0) as i64;
    let secs = ms.div_euclid(1000);
    let (y, m, d, h, mi, s) = cloudlet_core::time::civil(secs);
    format!(
        "{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}",
        ms.rem_euclid(1000)
    )
}

fn parse_tags(v: Option<&Vec<Value>>) -> Vec<(String, String)> {
    v.map(|a| {
        a.iter()
            .map(|t| {
                (
                    t["Key"].as_str().unwrap_or_default().to_string(),
                    t["Value"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    })
    .unwrap_or_default()
}

fn stream_spec(v: &Value) -> Result<Option<String>, DdbError> {
    if v.is_null() || !v["StreamEnabled"].as_bool().unwrap_or(false) {
        return Ok(None);
    }
    match v["StreamViewType"].as_str() {
        Some(t @ ("NEW_IMAGE" | "OLD_IMAGE" | "NEW_AND_OLD_IMAGES" | "KEYS_ONLY")) => {
            Ok(Some(t.to_string()))
        }
        _ => Err(DdbError::validation(
            "One or more parameter values were invalid: You must specify a StreamViewType when enabling streams",
        )),
    }
}

pub async fn create_table(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let name = body.table_name("TableName")?;
    let defs_raw = body
        .opt_array("AttributeDefinitions")?
        .cloned()
        .unwrap_or_default();
    let mut defs = Vec::new();
    for d in &defs_raw {
        let n = d["AttributeName"].as_str().unwrap_or_default().to_string();
        let t = d["AttributeType"].as_str().unwrap_or_default().to_string();
        if !matches!(t.as_str(), "S" | "N" | "B") {
            return Err(DdbError::validation(format!(
                "1 validation error detected: Value '{t}' at 'attributeDefinitions.{}.member.attributeType' failed to satisfy constraint: Member must satisfy enum value set: [B, N, S]",
                defs.len() + 1
            )));
        }
        if defs.iter().any(|k: &KeyAttr| k.name == n) {
            return Err(DdbError::invalid(format!(
                "Duplicate AttributeName found in AttributeDefinitions: {n}"
            )));
        }
        defs.push(KeyAttr { name: n, ty: t });
    }
    let schema = body.opt_array("KeySchema")?.cloned().unwrap_or_default();
    let (hash, range) = key_attrs(&schema, &defs, "keySchema")?;
    let billing = body
        .opt_str("BillingMode")?
        .unwrap_or_else(|| "PROVISIONED".into());
    if !matches!(billing.as_str(), "PROVISIONED" | "PAY_PER_REQUEST") {
        return Err(DdbError::validation(format!(
            "1 validation error detected: Value '{billing}' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"
        )));
    }
    let provisioned = billing == "PROVISIONED";
    let pt = body.opt_object("ProvisionedThroughput")?.cloned();
    if provisioned && pt.is_none() {
        return Err(DdbError::invalid(
            "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
        ));
    }
    if !provisioned && pt.is_some() {
        return Err(DdbError::invalid(
            "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
        ));
    }
    let pt = Value::Object(pt.unwrap_or_default());
    let mut lsis = Vec::new();
    for v in body
        .opt_array("LocalSecondaryIndexes")?
        .cloned()
        .unwrap_or_default()
    {
        let ix = parse_index(&v, &defs, provisioned, false)?;
        if range.is_none() {
            return Err(DdbError::invalid(
                "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
            ));
        }
        if ix.hash_key.name != hash.name {
            return Err(DdbError::invalid(format!(
                "Index KeySchema does not have the same leading hash key as table KeySchema for index: {}. index hash key: {}, table hash key: {}",
                ix.name, ix.hash_key.name, hash.name
            )));
        }
        if ix.range_key.is_none() {
            return Err(DdbError::invalid(format!(
                "Index KeySchema does not have a range key for index: {}",
                ix.name
            )));
        }
        lsis.push(ix);
    }
    let mut gsis = Vec::new();
    for v in body
        .opt_array("GlobalSecondaryIndexes")?
        .cloned()
        .unwrap_or_default()
    {
        gsis.push(parse_index(&v, &defs, provisioned, true)?);
    }
    let mut names: Vec<&str> = lsis.iter().chain(&gsis).map(|i| i.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(DdbError::invalid(format!("Duplicate index name: {}", w[0])));
    }
    // Every key attribute must be defined, and every definition used.
    let mut used: Vec<&KeyAttr> = vec![&hash];
    used.extend(range.as_ref());
    for ix in lsis.iter().chain(&gsis) {
        used.push(&ix.hash_key);
        used.extend(ix.range_key.as_ref());
    }
    let undefined: Vec<&str> = used
        .iter()
        .filter(|k| k.ty.is_empty())
        .map(|k| k.name.as_str())
        .collect();
    if !undefined.is_empty() {
        let def_names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
        return Err(DdbError::invalid(format!(
            "Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
            undefined.join(", "),
            def_names.join(", ")
        )));
    }
    if defs.iter().any(|d| !used.iter().any(|u| u.name == d.name)) {
        if lsis.is_empty() && gsis.is_empty() {
            return Err(DdbError::invalid(
                "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
            ));
        }
        let def_names: Vec<&str> = defs.iter().map(|d| d.name.as_str()).collect();
        let mut keys: Vec<&str> = used.iter().map(|k| k.name.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        return Err(DdbError::invalid(format!(
            "Some AttributeDefinitions are not used. AttributeDefinitions: [{}], keys used: [{}]",
            def_names.join(", "),
            keys.join(", ")
        )));
    }
    let created = now();
    let stream_view_type = match body.opt_object("StreamSpecification")? {
        Some(s) => stream_spec(&Value::Object(s.clone()))?,
        None => None,
    };
    let id = cloudlet_core::ids::uuid_v4();
    let meta = TableMeta {
        arn: format!(
            "arn:aws:dynamodb:{}:{}:table/{name}",
            ctx.region, ctx.account
        ),
        name: name.clone(),
        id,
        created,
        hash_key: hash,
        range_key: range,
        attribute_definitions: defs,
        billing_mode: billing,
        read_capacity: pt["ReadCapacityUnits"].as_i64().unwrap_or(0),
        write_capacity: pt["WriteCapacityUnits"].as_i64().unwrap_or(0),
        billing_changed: None,
        gsis,
        lsis,
        stream_label: stream_view_type.as_ref().map(|_| iso_millis(created)),
        stream_view_type,
        ttl_attribute: None,
        tags: parse_tags(body.opt_array("Tags")?),
        deletion_protection: body.opt_bool("DeletionProtectionEnabled")?.unwrap_or(false),
        table_class: body.opt_str("TableClass")?,
    };
    let (account, region) = (ctx.account.clone(), ctx.region.clone());
    let m = meta.clone();
    ctx.store
        .write(move |txn| {
            if state::get_table_w(txn, &account, &region, &m.name)?.is_some() {
                return Err(DdbError::ResourceInUse(format!(
                    "Table already exists: {}",
                    m.name
                )));
            }
            state::put_table(txn, &account, &region, &m)
        })
        .await?;
    Ok(json!({"TableDescription": table_description(&meta, "ACTIVE", (0, 0))}))
}

pub fn describe_table(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let name = body.table_name("TableName")?;
    let meta = ctx.table_or(&name, DdbError::table_not_found)?;
    let stats = ctx.store.read(|txn| state::stats(txn, &meta.id))?;
    Ok(json!({"Table": table_description(&meta, "ACTIVE", stats)}))
}

pub fn list_tables(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let limit = body.opt_i64("Limit")?.unwrap_or(100);
    if !(1..=100).contains(&limit) {
        let c = if limit < 1 {
            "greater than or equal to 1"
        } else {
            "less than or equal to 100"
        };
        return Err(DdbError::validation(format!(
            "1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value {c}"
        )));
    }
    let start = body.opt_str("ExclusiveStartTableName")?;
    let names = ctx
        .store
        .read(|txn| state::list_tables(txn, &ctx.account, &ctx.region))?;
    let rest: Vec<&String> = names
        .iter()
        .filter(|n| start.as_ref().is_none_or(|s| n.as_str() > s.as_str()))
        .collect();
    let page: Vec<&String> = rest.iter().take(limit as usize).copied().collect();
    let mut out = json!({"TableNames": page});
    if rest.len() > page.len()
        && let Some(last) = page.last()
    {
        out["LastEvaluatedTableName"] = json!(last);
    }
    Ok(out)
}

pub async fn delete_table(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let name = body.table_name("TableName")?;
    let (account, region) = (ctx.account.clone(), ctx.region.clone());
    let (meta, stats) = ctx
        .store
        .write(move |txn| {
            let meta = state::get_table_w(txn, &account, &region, &name)?
                .ok_or_else(|| DdbError::table_not_found(&name))?;
            if meta.deletion_protection {
                return Err(DdbError::validation(
                    "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
                ));
            }
            let stats = state::stats_w(txn, &meta.id)?;
            state::delete_table(txn, &account, &region, &meta)?;
            Ok((meta, stats))
        })
        .await?;
    Ok(json!({"TableDescription": table_description(&meta, "DELETING", stats)}))
}

pub async fn update_table(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let name = body.table_name("TableName")?;
    let mut meta = ctx.table_or(&name, DdbError::table_not_found)?;
    let mut changed = false;
    if let Some(defs) = body.opt_array("AttributeDefinitions")? {
        for d in defs {
            let n = d["AttributeName"].as_str().unwrap_or_default().to_string();
            let t = d["AttributeType"].as_str().unwrap_or_default().to_string();
            if !meta.attribute_definitions.iter().any(|k| k.name == n) {
                meta.attribute_definitions.push(KeyAttr { name: n, ty: t });
            }
        }
    }
    if let Some(b) = body.opt_str("BillingMode")?
        && b != meta.billing_mode
    {
        {
            meta.billing_mode = b;
            meta.billing_changed = Some(now());
            changed = true;
        }
    }
    if let Some(pt) = body.opt_object("ProvisionedThroughput")? {
        if meta.billing_mode == "PAY_PER_REQUEST" {
            return Err(DdbError::invalid(
                "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
            ));
        }
        let r = pt
            .get("ReadCapacityUnits")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let w = pt
            .get("WriteCapacityUnits")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if r == meta.read_capacity && w == meta.write_capacity && !changed {
            return Err(DdbError::validation(format!(
                "The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: {r}. Requested ReadCapacityUnits: {r}. Current WriteCapacityUnits provisioned for the table: {w}. Requested WriteCapacityUnits: {w}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."
            )));
        }
        meta.read_capacity = r;
        meta.write_capacity = w;
        changed = true;
    }
    if let Some(dp) = body.opt_bool("DeletionProtectionEnabled")? {
        meta.deletion_protection = dp;
        changed = true;
    }
    if let Some(class) = body.opt_str("TableClass")? {
        meta.table_class = Some(class);
        changed = true;
    }
    if let Some(s) = body.opt_object("StreamSpecification")? {
        let v = stream_spec(&Value::Object(s.clone()))?;
        match (&meta.stream_view_type, &v) {
            (Some(_), Some(_)) => {
                return Err(DdbError::validation(format!(
                    "Table already has an enabled stream: TableName: {}",
                    meta.name
                )));
            }
            (None, None) if s.get("StreamEnabled") == Some(&Value::Bool(false)) => {
                return Err(DdbError::validation("Table already has stream disabled"));
            }
            _ => {}
        }
        if v.is_some() {
            meta.stream_label = Some(iso_millis(now()));
        }
        meta.stream_view_type = v;
        changed = true;
    }
    if let Some(updates) = body.opt_array("GlobalSecondaryIndexUpdates")? {
        for u in updates {
            if let Some(c) = u.get("Create") {
                let ix = parse_index(
                    c,
                    &meta.attribute_definitions,
                    meta.billing_mode == "PROVISIONED",
                    true,
                )?;
                if meta
                    .gsis
                    .iter()
                    .chain(&meta.lsis)
                    .any(|i| i.name == ix.name)
                {
                    return Err(DdbError::validation(format!(
                        "Attempting to create an index which already exists: {}",
                        ix.name
                    )));
                }
                meta.gsis.push(ix);
            } else if let Some(d) = u.get("Delete") {
                let n = d["IndexName"].as_str().unwrap_or_default();
                let before = meta.gsis.len();
                meta.gsis.retain(|i| i.name != n);
                if meta.gsis.len() == before {
                    return Err(DdbError::ResourceNotFound(format!(
                        "Requested resource not found: Index: {n} not found"
                    )));
                }
            } else if let Some(up) = u.get("Update") {
                let n = up["IndexName"].as_str().unwrap_or_default();
                let ix = meta.gsis.iter_mut().find(|i| i.name == n).ok_or_else(|| {
                    DdbError::ResourceNotFound(format!(
                        "Requested resource not found: Index: {n} not found"
                    ))
                })?;
                let pt = &up["ProvisionedThroughput"];
                ix.read_capacity = pt["ReadCapacityUnits"].as_i64().unwrap_or(ix.read_capacity);
                ix.write_capacity = pt["WriteCapacityUnits"]
                    .as_i64()
                    .unwrap_or(ix.write_capacity);
            }
            changed = true;
        }
    }
    if !changed {
        return Err(DdbError::validation(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required",
        ));
    }
    let (account, region) = (ctx.account.clone(), ctx.region.clone());
    let m = meta.clone();
    ctx.store
        .write(move |txn| {
            crate::index::rebuild_indexes(txn, &m)?;
            state::put_table(txn, &account, &region, &m)
        })
        .await?;
    let stats = ctx.store.read(|txn| state::stats(txn, &meta.id))?;
    Ok(json!({"TableDescription": table_description(&meta, "ACTIVE", stats)}))
}

pub fn describe_ttl(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let name = body.table_name("TableName")?;
    let meta = ctx.table_or(&name, DdbError::table_not_found)?;
    Ok(match meta.ttl_attribute {
        Some(a) => {
            json!({"TimeToLiveDescription": {"TimeToLiveStatus": "ENABLED", "AttributeName": a}})
        }
        None => json!({"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}),
    })
}

pub async fn update_ttl(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let name = body.table_name("TableName")?;
    let spec = body
        .opt_object("TimeToLiveSpecification")?
        .cloned()
        .unwrap_or_default();
    let enabled = spec
        .get("Enabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let attr = spec
        .get("AttributeName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut meta = ctx.table_or(&name, DdbError::table_not_found)?;
    match (&meta.ttl_attribute, enabled) {
        (Some(_), true) => {
            return Err(DdbError::validation("TimeToLive is already enabled"));
        }
        (None, false) => {
            return Err(DdbError::validation("TimeToLive is already disabled"));
        }
        _ => {}
    }
    meta.ttl_attribute = enabled.then(|| attr.clone());
    save(ctx, meta).await?;
    Ok(json!({"TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attr}}))
}

async fn save(ctx: &Ctx<'_>, meta: TableMeta) -> Result<(), DdbError> {
    let (account, region) = (ctx.account.clone(), ctx.region.clone());
    ctx.store
        .write(move |txn| {
            // Keep the definition only if the table still exists with the same id.
            match state::get_table_w(txn, &account, &region, &meta.name)? {
                Some(cur) if cur.id == meta.id => state::put_table(txn, &account, &region, &meta),
                _ => Err(DdbError::not_found()),
            }
        })
        .await
}

pub async fn tag_resource(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let arn = body.req_str("ResourceArn")?;
    let mut meta = ctx.table_by_arn(&arn)?;
    for (k, v) in parse_tags(body.opt_array("Tags")?) {
        meta.tags.retain(|(x, _)| *x != k);
        meta.tags.push((k, v));
    }
    save(ctx, meta).await?;
    Ok(Value::Object(Map::new()))
}

pub async fn untag_resource(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let arn = body.req_str("ResourceArn")?;
    let keys = body.str_list("TagKeys")?.unwrap_or_default();
    let mut meta = ctx.table_by_arn(&arn)?;
    meta.tags.retain(|(k, _)| !keys.contains(k));
    save(ctx, meta).await?;
    Ok(Value::Object(Map::new()))
}

pub fn list_tags(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let arn = body.req_str("ResourceArn")?;
    let meta = ctx.table_by_arn(&arn)?;
    let tags: Vec<Value> = meta
        .tags
        .iter()
        .map(|(k, v)| json!({"Key": k, "Value": v}))
        .collect();
    Ok(json!({"Tags": tags}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso() {
        let cases = [
            (0.0, "1970-01-01T00:00:00.000"),
            (1_795_593_120.123, "2026-11-25T07:52:00.123"),
            (951_782_400.0, "2000-02-29T00:00:00.000"),
        ];
        for (t, want) in cases {
            assert_eq!(iso_millis(t), want);
        }
    }
}
