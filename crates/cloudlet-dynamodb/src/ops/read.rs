//! Query and Scan: key-condition analysis into a range of the order-preserving storage
//! keys, then one pass over that range with Limit, the 1 MB page size, ExclusiveStartKey /
//! LastEvaluatedKey, ScanIndexForward, FilterExpression, projections, Select and parallel
//! scan segments. Works on the table and on its secondary indexes.

use serde_json::{Map, Value, json};

use super::Ctx;
use super::capacity::{self, Usage, read_units};
use super::items::projection;
use super::keycond::{self, RangeCond, analyze};
use super::update_checks::nested_key_paths;
use crate::error::DdbError;
use crate::expr::ast::CmpOp;
use crate::expr::parser::{Kind, parse_condition};
use crate::expr::{Cond, Path, Resolver, eval};
use crate::index;
use crate::keys::{self, encode_component, prefix_end};
use crate::legacy;
use crate::protocol::Body;
use crate::state::{self, IndexMeta, KeyAttr, TableMeta};
use crate::value::{AttrValue, Item, item_size, item_to_json};

const PAGE_BYTES: usize = 1024 * 1024;

fn enc(v: &AttrValue) -> Vec<u8> {
    let mut out = Vec::new();
    encode_component(v, &mut out);
    out
}

fn cat(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut v = a.to_vec();
    v.extend_from_slice(b);
    v
}

/// The storage-key range of a partition restricted by a range condition.
fn key_range(p: &[u8], rc: Option<&RangeCond>) -> (Vec<u8>, Vec<u8>) {
    let end = prefix_end(p);
    match rc {
        None => (p.to_vec(), end),
        Some(RangeCond::Cmp(op, v)) => {
            let k = cat(p, &enc(v));
            match op {
                CmpOp::Eq => (k.clone(), prefix_end(&k)),
                CmpOp::Lt => (p.to_vec(), k),
                CmpOp::Le => (p.to_vec(), prefix_end(&k)),
                CmpOp::Gt => (prefix_end(&k), end),
                _ => (k, end),
            }
        }
        Some(RangeCond::Between(lo, hi)) => (cat(p, &enc(lo)), prefix_end(&cat(p, &enc(hi)))),
        Some(RangeCond::BeginsWith(v)) => {
            let mut k = enc(v);
            // Drop the two-byte terminator: a prefix of the escaped bytes.
            k.truncate(k.len().saturating_sub(2));
            let k = cat(p, &k);
            let e = prefix_end(&k);
            (k, e)
        }
    }
}

/// The storage-key range a key condition selects in the partition it names, for a key
/// schema of `hash` and `range` (name, type); what Query reads, without a table.
pub fn key_bounds(
    c: &Cond,
    hash: (&str, &str),
    range: Option<(&str, &str)>,
) -> Result<(Vec<u8>, Vec<u8>), DdbError> {
    let attr = |(name, ty): (&str, &str)| KeyAttr {
        name: name.to_string(),
        ty: ty.to_string(),
    };
    let range = range.map(attr);
    let (hv, rc) = analyze(c, &attr(hash), range.as_ref())?;
    Ok(key_range(&keys::partition_prefix("t", &hv), rc.as_ref()))
}

/// Where to read: the table itself or one of its indexes.
enum Source<'a> {
    Table,
    Index(&'a IndexMeta, bool),
}

fn find_index<'a>(meta: &'a TableMeta, name: &str) -> Result<&'a IndexMeta, DdbError> {
    if let Some(ix) = meta.gsis.iter().find(|i| i.name == name) {
        return Ok(ix);
    }
    if let Some(ix) = meta.lsis.iter().find(|i| i.name == name) {
        return Ok(ix);
    }
    Err(DdbError::validation(format!(
        "The table does not have the specified index: {name}"
    )))
}

/// Parameters shared by Query and Scan.
struct ReadParams {
    limit: Option<usize>,
    filter: Option<Cond>,
    proj: Option<Vec<Path>>,
    select: String,
    start_key: Option<Item>,
    consistent: bool,
}

fn read_params(
    body: &Body,
    meta: &TableMeta,
    source: &Source<'_>,
    r: &mut Resolver,
    legacy_filter: &str,
) -> Result<ReadParams, DdbError> {
    let limit = match body.opt_i64("Limit")? {
        Some(l) if l < 1 => {
            return Err(DdbError::validation(format!(
                "1 validation error detected: Value '{l}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"
            )));
        }
        Some(l) => Some(l as usize),
        None => None,
    };
    let filter = match body.opt_str("FilterExpression")? {
        Some(f) => {
            if body.has(legacy_filter) {
                return Err(DdbError::validation(format!(
                    "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{legacy_filter}}} Expression parameters: {{FilterExpression}}"
                )));
            }
            Some(parse_condition(&f, Kind::Filter, r)?)
        }
        None => legacy::filter(body, legacy_filter)?,
    };
    let proj = projection(body, r)?;
    let default_select = if proj.is_some() {
        "SPECIFIC_ATTRIBUTES"
    } else if matches!(source, Source::Index(..)) {
        "ALL_PROJECTED_ATTRIBUTES"
    } else {
        "ALL_ATTRIBUTES"
    };
    let select = body
        .opt_str("Select")?
        .unwrap_or_else(|| default_select.to_string());
    match select.as_str() {
        "ALL_ATTRIBUTES" | "COUNT" | "SPECIFIC_ATTRIBUTES" | "ALL_PROJECTED_ATTRIBUTES" => {}
        other => {
            return Err(DdbError::validation(format!(
                "1 validation error detected: Value '{other}' at 'select' failed to satisfy constraint: Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]"
            )));
        }
    }
    if select == "SPECIFIC_ATTRIBUTES" && proj.is_none() {
        return Err(DdbError::invalid(
            "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
        ));
    }
    if select != "SPECIFIC_ATTRIBUTES" && proj.is_some() {
        return Err(DdbError::invalid(format!(
            "Cannot specify the ProjectionExpression when choosing to get {select}"
        )));
    }
    if select == "ALL_PROJECTED_ATTRIBUTES" && matches!(source, Source::Table) {
        return Err(DdbError::invalid(
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
        ));
    }
    if let Source::Index(ix, true) = source
        && select == "ALL_ATTRIBUTES"
        && ix.projection_type != "ALL"
    {
        return Err(DdbError::invalid(format!(
            "Select type ALL_ATTRIBUTES is not supported for global secondary index {} because its projection type is not ALL",
            ix.name
        )));
    }
    let consistent = body.opt_bool("ConsistentRead")?.unwrap_or(false);
    if consistent && let Source::Index(_, true) = source {
        return Err(DdbError::validation(
            "Consistent reads are not supported on global secondary indexes",
        ));
    }
    let _ = meta;
    Ok(ReadParams {
        limit,
        filter,
        proj,
        select,
        start_key: body
            .opt_item("ExclusiveStartKey")
            .map_err(start_key_error)?,
        consistent,
    })
}

/// A bad value in ExclusiveStartKey: DynamoDB prefixes most messages, not those about
/// numbers and duplicates.
fn start_key_error(e: DdbError) -> DdbError {
    const BARE: [&str; 6] = [
        "contains duplicates",
        "number set",
        "numeric value",
        "into a number",
        "significant digits",
        "number with magnitude",
    ];
    match e {
        DdbError::Validation(m) if !BARE.iter().any(|b| m.contains(b)) => {
            DdbError::validation(format!("The provided starting key is invalid: {m}"))
        }
        other => other,
    }
}

/// The LastEvaluatedKey of an item read from `source`.
fn last_key(meta: &TableMeta, source: &Source<'_>, item: &Item) -> Item {
    let mut k = keys::key_of(meta, item);
    if let Source::Index(ix, _) = source {
        for a in std::iter::once(&ix.hash_key).chain(ix.range_key.as_ref()) {
            if let Some(v) = item.get(&a.name) {
                k.insert(a.name.clone(), v.clone());
            }
        }
    }
    k
}

/// The storage key an ExclusiveStartKey names, refused as DynamoDB refuses it: a start key
/// of an index must hold exactly the table's and the index's key attributes; the table's
/// part is then validated like a `Key` ("The provided starting key is invalid: …").
fn start_storage_key(meta: &TableMeta, source: &Source<'_>, k: &Item) -> Result<Vec<u8>, DdbError> {
    let table_part = |k: &Item| {
        keys::key_param(meta, k)
            .map_err(|e| DdbError::validation(format!("The provided starting key is invalid: {e}")))
    };
    let Source::Index(ix, _) = source else {
        return table_part(k);
    };
    let mut names: Vec<&KeyAttr> = std::iter::once(&meta.hash_key)
        .chain(meta.range_key.as_ref())
        .collect();
    for a in std::iter::once(&ix.hash_key).chain(ix.range_key.as_ref()) {
        if !names.iter().any(|n| n.name == a.name) {
            names.push(a);
        }
    }
    if k.len() != names.len() || names.iter().any(|n| !k.contains_key(&n.name)) {
        return Err(DdbError::validation("The provided starting key is invalid"));
    }
    if names
        .iter()
        .any(|n| k.get(&n.name).is_some_and(|v| v.type_name() != n.ty))
    {
        return Err(DdbError::key_schema_mismatch());
    }
    let table_key: Item = k
        .iter()
        .filter(|(name, _)| {
            *name == &meta.hash_key.name
                || meta.range_key.as_ref().is_some_and(|r| r.name == **name)
        })
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    table_part(&table_key)?;
    index::entry_key(meta, ix, k)
        .ok_or_else(|| DdbError::validation("The provided starting key is invalid"))
}

struct Page {
    items: Vec<Item>,
    count: usize,
    scanned: usize,
    last: Option<Item>,
    bytes: usize,
}

/// Reads `[start, end)` of `source` applying the shared read parameters.
#[allow(clippy::too_many_arguments)]
fn run(
    ctx: &Ctx<'_>,
    meta: &TableMeta,
    source: &Source<'_>,
    params: &ReadParams,
    mut start: Vec<u8>,
    mut end: Vec<u8>,
    forward: bool,
    key_filter: Option<&Cond>,
    segment: Option<(u32, u32)>,
) -> Result<Page, DdbError> {
    if let Some(sk) = &params.start_key {
        let k = start_storage_key(meta, source, sk)?;
        if forward {
            let after = cat(&k, &[0]);
            if after > start {
                start = after;
            }
        } else if k < end {
            end = k;
        }
    }
    let mut page = Page {
        items: Vec::new(),
        count: 0,
        scanned: 0,
        last: None,
        bytes: 0,
    };
    let count_only = params.select == "COUNT";
    let mut visit = |_: &[u8], item: Item| -> Result<bool, DdbError> {
        if let Some((seg, total)) = segment {
            let h = item.get(&meta.hash_key.name).map(enc).unwrap_or_default();
            if crc32fast::hash(&h) % total != seg {
                return Ok(true);
            }
        }
        if let Some(kf) = key_filter
            && !eval::eval(kf, &item)?
        {
            return Ok(true);
        }
        page.scanned += 1;
        page.bytes += item_size(&item);
        let item = match source {
            Source::Index(ix, _) => index::projected(meta, ix, &item),
            Source::Table => item,
        };
        let pass = match &params.filter {
            Some(f) => eval::eval(f, &item)?,
            None => true,
        };
        let at_limit = params.limit.is_some_and(|l| page.scanned >= l);
        let full = page.bytes >= PAGE_BYTES;
        if at_limit || full {
            page.last = Some(last_key(meta, source, &item));
        }
        if pass {
            page.count += 1;
            if !count_only {
                page.items.push(match &params.proj {
                    Some(p) => eval::project(&item, p),
                    None => item,
                });
            }
        }
        Ok(!(at_limit || full))
    };
    ctx.store.read(|txn| match source {
        Source::Table => state::scan_range(txn, &start, &end, !forward, &mut visit),
        Source::Index(..) => index::scan_range(txn, &start, &end, !forward, &mut visit),
    })?;
    Ok(page)
}

fn page_response(
    body: &Body,
    meta: &TableMeta,
    source: &Source<'_>,
    params: &ReadParams,
    page: Page,
) -> Result<Value, DdbError> {
    let mut out = Map::new();
    if params.select != "COUNT" {
        out.insert(
            "Items".into(),
            Value::Array(page.items.iter().map(item_to_json).collect()),
        );
    }
    out.insert("Count".into(), json!(page.count));
    out.insert("ScannedCount".into(), json!(page.scanned));
    if let Some(k) = page.last {
        out.insert("LastEvaluatedKey".into(), item_to_json(&k));
    }
    let units = read_units(page.bytes, params.consistent);
    let usage = match source {
        Source::Table => Usage::table_read(units),
        Source::Index(ix, global) => Usage::index_read(&ix.name, *global, units),
    };
    if let Some(c) = usage.render(capacity::mode(body)?, &meta.name) {
        out.insert("ConsumedCapacity".into(), c);
    }
    Ok(Value::Object(out))
}

/// An ExclusiveStartKey must lie inside what the key condition selects.
fn check_start_key(
    sk: &Item,
    hash: &KeyAttr,
    range: Option<&KeyAttr>,
    hv: &AttrValue,
    rc: Option<&RangeCond>,
) -> Result<(), DdbError> {
    // A start key not of the schema is refused with the schema's own message later.
    let Some(h) = sk.get(&hash.name) else {
        return Ok(());
    };
    match (range, rc) {
        (Some(r), Some(rc)) => {
            if let Some(v) = sk.get(&r.name)
                && !rc.matches(v)
            {
                return Err(DdbError::validation(
                    "The provided starting key does not match the range key predicate",
                ));
            }
            if !eval::equal(h, hv) {
                return Err(DdbError::validation(
                    "The query can return at most one row and cannot be restarted",
                ));
            }
        }
        _ if !eval::equal(h, hv) => {
            return Err(DdbError::validation(
                "The provided starting key is outside query boundaries based on provided conditions",
            ));
        }
        _ => {}
    }
    Ok(())
}

pub fn query(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let name = body.table_name("TableName")?;
    let meta = ctx.table(&name)?;
    let source = match body.opt_str("IndexName")? {
        Some(n) => {
            let ix = find_index(&meta, &n)?;
            Source::Index(ix, meta.gsis.iter().any(|g| g.name == n))
        }
        None => Source::Table,
    };
    let mut r = Resolver::new(&body.expr_input()?)?;
    let key_cond = match body.opt_str("KeyConditionExpression")? {
        Some(e) => {
            if body.has("KeyConditions") {
                return Err(DdbError::validation(
                    "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {KeyConditions} Expression parameters: {KeyConditionExpression}",
                ));
            }
            parse_condition(&e, Kind::KeyCondition, &mut r)?
        }
        None => {
            // Only some legacy operators can select a range of keys.
            for spec in body.opt_object("KeyConditions")?.into_iter().flat_map(|m| m.values()) {
                let op = spec["ComparisonOperator"].as_str().unwrap_or_default();
                if ["NULL", "NOT_NULL", "NE", "CONTAINS", "NOT_CONTAINS", "IN"].contains(&op) {
                    return Err(DdbError::validation(
                        "Attempted conditional constraint is not an indexable operation",
                    ));
                }
            }
            legacy::filter(&body, "KeyConditions")?
        }
        .ok_or_else(|| {
            DdbError::validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
        })?,
    };
    let params = read_params(&body, &meta, &source, &mut r, "QueryFilter")?;
    r.finish(&[
        ("FilterExpression", body.has("FilterExpression")),
        ("KeyConditionExpression", body.has("KeyConditionExpression")),
    ])?;
    let (hash, range) = match &source {
        Source::Table => (&meta.hash_key, meta.range_key.as_ref()),
        Source::Index(ix, _) => (&ix.hash_key, ix.range_key.as_ref()),
    };
    let (hv, rc) = analyze(&key_cond, hash, range)?;
    if let Some(sk) = &params.start_key {
        check_start_key(sk, hash, range, &hv, rc.as_ref())?;
    }
    if let Some(p) = &params.proj {
        nested_key_paths(&meta, p.iter())?;
    }
    if let Some(f) = &params.filter {
        let what = if body.has("QueryFilter") {
            "QueryFilter"
        } else {
            "Filter Expression"
        };
        for k in std::iter::once(hash).chain(range) {
            if keycond::refers_to(f, &k.name) {
                return Err(DdbError::validation(format!(
                    "{what} can only contain non-primary key attributes: Primary key attribute: {}",
                    k.name
                )));
            }
        }
        nested_key_paths(&meta, keycond::paths(f).into_iter())?;
    }
    let prefix = match &source {
        Source::Table => keys::partition_prefix(&meta.id, &hv),
        Source::Index(ix, _) => cat(
            index::index_prefix(&meta.id, &ix.name).as_bytes(),
            &enc(&hv),
        ),
    };
    let (start, end) = key_range(&prefix, rc.as_ref());
    let forward = body.opt_bool("ScanIndexForward")?.unwrap_or(true);
    let page = run(
        ctx,
        &meta,
        &source,
        &params,
        start,
        end,
        forward,
        Some(&key_cond),
        None,
    )?;
    page_response(&body, &meta, &source, &params, page)
}

pub fn scan(ctx: &Ctx<'_>, body: Body) -> Result<Value, DdbError> {
    let name = body.table_name("TableName")?;
    let segment = body.opt_i64("Segment")?;
    let total = body.opt_i64("TotalSegments")?;
    let seg = match (segment, total) {
        (None, None) => None,
        (Some(_), None) => {
            return Err(DdbError::validation(
                "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
            ));
        }
        (None, Some(_)) => {
            return Err(DdbError::validation(
                "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
            ));
        }
        (Some(s), Some(t)) => {
            if !(1..=1_000_000).contains(&t) {
                return Err(DdbError::validation(format!(
                    "1 validation error detected: Value '{t}' at 'totalSegments' failed to satisfy constraint: Member must have value {}",
                    if t < 1 {
                        "greater than or equal to 1"
                    } else {
                        "less than or equal to 1000000"
                    }
                )));
            }
            if s < 0 || s >= t {
                return Err(DdbError::validation(format!(
                    "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {s} is not less than TotalSegments: {t}"
                )));
            }
            Some((s as u32, t as u32))
        }
    };
    let meta = ctx.table(&name)?;
    let source = match body.opt_str("IndexName")? {
        Some(n) => {
            let ix = find_index(&meta, &n)?;
            Source::Index(ix, meta.gsis.iter().any(|g| g.name == n))
        }
        None => Source::Table,
    };
    let mut r = Resolver::new(&body.expr_input()?)?;
    let params = read_params(&body, &meta, &source, &mut r, "ScanFilter")?;
    r.finish(&[("FilterExpression", body.has("FilterExpression"))])?;
    if let Some(p) = &params.proj {
        nested_key_paths(&meta, p.iter())?;
    }
    if let Some(f) = &params.filter {
        nested_key_paths(&meta, keycond::paths(f).into_iter())?;
    }
    let prefix = match &source {
        Source::Table => meta.id.as_bytes().to_vec(),
        Source::Index(ix, _) => index::index_prefix(&meta.id, &ix.name).into_bytes(),
    };
    let end = prefix_end(&prefix);
    let page = run(ctx, &meta, &source, &params, prefix, end, true, None, seg)?;
    page_response(&body, &meta, &source, &params, page)
}
