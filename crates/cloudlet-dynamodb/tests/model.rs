//! Property test: thousands of random PutItem / UpdateItem (SET, REMOVE, ADD, DELETE with
//! conditions) / DeleteItem / GetItem / Query / Scan / BatchWriteItem / TransactWriteItems
//! calls run against the real service
//! (in-process, ephemeral store) and against a `BTreeMap` model of one table; every
//! answer must agree: items, their order, pages under Limit / ExclusiveStartKey, and
//! ConditionalCheckFailed outcomes.
//!
//! The table has a string partition key `pk` and a number sort key `sk`; items carry a
//! number `v`, a string set `s` and a string `t`, and the sparse index `by-t` (`t`, `v`)
//! is queried too — so an empty `t` is refused like any empty index key. Stored cursors
//! outside a query's sort-key condition are refused. The random source is a seeded
//! xorshift so a failure names the seed and step that reproduce it.

use std::collections::{BTreeMap, BTreeSet};

use cloudlet_core::{AccountId, Region, RequestContext, Service, ServiceId, body};
use cloudlet_dynamodb::DynamoDb;
use cloudlet_store::Store;
use serde_json::{Value, json};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

/// One item of the model.
#[derive(Clone, Debug, Default, PartialEq)]
struct Row {
    v: Option<i64>,
    s: Option<BTreeSet<String>>,
    t: Option<String>,
}

type Key = (String, i64);
type Model = BTreeMap<Key, Row>;

const PKS: [&str; 4] = ["a", "ab", "b", "a\u{0}"];
const SET_WORDS: [&str; 3] = ["x", "y", "z"];

fn row_json(k: &Key, r: &Row) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("pk".into(), json!({"S": k.0}));
    m.insert("sk".into(), json!({"N": k.1.to_string()}));
    if let Some(v) = r.v {
        m.insert("v".into(), json!({"N": v.to_string()}));
    }
    if let Some(s) = &r.s {
        m.insert("s".into(), json!({"SS": s.iter().collect::<Vec<_>>()}));
    }
    if let Some(t) = &r.t {
        m.insert("t".into(), json!({"S": t}));
    }
    Value::Object(m)
}

/// Reads an item the service returned back into the model's terms.
fn parse_row(v: &Value) -> (Key, Row) {
    let o = v.as_object().expect("item is an object");
    for k in o.keys() {
        assert!(
            ["pk", "sk", "v", "s", "t"].contains(&k.as_str()),
            "unexpected attribute {k} in {v}"
        );
    }
    let key = (
        o["pk"]["S"].as_str().unwrap().to_string(),
        o["sk"]["N"].as_str().unwrap().parse().unwrap(),
    );
    let row = Row {
        v: o.get("v")
            .map(|n| n["N"].as_str().unwrap().parse().unwrap()),
        s: o.get("s").map(|s| {
            s["SS"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e.as_str().unwrap().to_string())
                .collect()
        }),
        t: o.get("t").map(|t| t["S"].as_str().unwrap().to_string()),
    };
    (key, row)
}

/// An answer: the JSON body, or the error code and message.
type Answer = Result<Value, (String, String)>;

async fn call(ddb: &DynamoDb, op: &str, body: Value) -> Answer {
    let ctx = RequestContext::internal(
        ServiceId::DynamoDb,
        AccountId::default(),
        Region::default(),
        "http://127.0.0.1:4566",
    );
    let req = http::Request::post("/")
        .header("x-amz-target", format!("DynamoDB_20120810.{op}"))
        .header("content-type", "application/x-amz-json-1.0")
        .body(body::full(body.to_string()))
        .unwrap();
    match ddb.handle(ctx, req).await {
        Ok(resp) => {
            assert_eq!(resp.status(), 200);
            let bytes = body::collect(resp.into_body(), 1 << 24).await.unwrap();
            Ok(serde_json::from_slice(&bytes).unwrap())
        }
        Err(e) => Err((e.code.to_string(), e.message)),
    }
}

fn ccf() -> Answer {
    Err((
        "ConditionalCheckFailedException".into(),
        "The conditional request failed".into(),
    ))
}

fn missing_attr() -> Answer {
    Err((
        "ValidationException".into(),
        "The provided expression refers to an attribute that does not exist in the item".into(),
    ))
}

/// `t` is the partition key of the index `by-t`: it may not be empty.
fn empty_index_key() -> Answer {
    Err((
        "ValidationException".into(),
        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: by-t, IndexKey: t".into(),
    ))
}

/// A random write condition, as (expression, values, model predicate).
type Pred = Box<dyn Fn(Option<&Row>) -> bool>;

fn condition(rng: &mut Rng, values: &mut serde_json::Map<String, Value>) -> Option<(String, Pred)> {
    let c = rng.below(100) as i64 % 10 - 5;
    match rng.below(7) {
        0 => Some((
            "attribute_not_exists(pk)".into(),
            Box::new(|r: Option<&Row>| r.is_none()),
        )),
        1 => Some((
            "attribute_exists(v)".into(),
            Box::new(|r: Option<&Row>| r.is_some_and(|r| r.v.is_some())),
        )),
        2 => {
            values.insert(":c".into(), json!({"N": c.to_string()}));
            Some((
                "v < :c".into(),
                Box::new(move |r: Option<&Row>| r.and_then(|r| r.v).is_some_and(|v| v < c)),
            ))
        }
        3 => {
            values.insert(":c".into(), json!({"N": c.to_string()}));
            Some((
                "v <> :c OR attribute_not_exists(t)".into(),
                Box::new(move |r: Option<&Row>| {
                    r.and_then(|r| r.v) != Some(c) || r.and_then(|r| r.t.as_ref()).is_none()
                }),
            ))
        }
        4 => {
            values.insert(":w".into(), json!({"S": "x"}));
            Some((
                "contains(s, :w)".into(),
                Box::new(|r: Option<&Row>| {
                    r.and_then(|r| r.s.as_ref())
                        .is_some_and(|s| s.contains("x"))
                }),
            ))
        }
        _ => None,
    }
}

fn random_row(rng: &mut Rng) -> Row {
    Row {
        v: rng.chance(70).then(|| rng.below(11) as i64 - 5),
        s: rng.chance(40).then(|| random_set(rng)),
        t: rng
            .chance(50)
            .then(|| rng.pick(&["", "p", "q", "p", "q"]).to_string()),
    }
}

fn random_set(rng: &mut Rng) -> BTreeSet<String> {
    let mut s = BTreeSet::new();
    s.insert(rng.pick(&SET_WORDS).to_string());
    if rng.chance(50) {
        s.insert(rng.pick(&SET_WORDS).to_string());
    }
    s
}

fn random_key(rng: &mut Rng) -> Key {
    (rng.pick(&PKS).to_string(), rng.below(9) as i64 - 4)
}

fn key_json(k: &Key) -> Value {
    json!({"pk": {"S": k.0}, "sk": {"N": k.1.to_string()}})
}

fn with_values(mut body: Value, values: serde_json::Map<String, Value>) -> Value {
    if !values.is_empty() {
        body["ExpressionAttributeValues"] = Value::Object(values);
    }
    body
}

fn attrs_of(k: &Key, r: Option<&Row>) -> Value {
    match r {
        Some(r) => json!({"Attributes": row_json(k, r)}),
        None => json!({}),
    }
}

/// Compares a write's answer with the model's; ALL_OLD / ALL_NEW items are compared
/// through `parse_row` so that set order does not matter.
fn same_answer(got: &Answer, want: &Answer) -> bool {
    match (got, want) {
        (Ok(g), Ok(w)) => {
            let ga = g.get("Attributes").map(parse_row);
            let wa = w.get("Attributes").map(parse_row);
            ga == wa
        }
        _ => got == want,
    }
}

async fn put(ddb: &DynamoDb, rng: &mut Rng, model: &mut Model) -> (Value, Answer, Answer) {
    let k = random_key(rng);
    let row = random_row(rng);
    let mut values = serde_json::Map::new();
    let cond = condition(rng, &mut values);
    let mut body =
        json!({"TableName": "model", "Item": row_json(&k, &row), "ReturnValues": "ALL_OLD"});
    let want = match &cond {
        Some((e, p)) => {
            body["ConditionExpression"] = json!(e);
            p(model.get(&k))
        }
        None => true,
    };
    let body = with_values(body, values);
    // The item is checked (index keys included) before its condition.
    let want = if row.t.as_deref() == Some("") {
        empty_index_key()
    } else if want {
        let old = model.insert(k.clone(), row);
        Ok(attrs_of(&k, old.as_ref()))
    } else {
        ccf()
    };
    let got = call(ddb, "PutItem", body.clone()).await;
    (body, got, want)
}

async fn delete(ddb: &DynamoDb, rng: &mut Rng, model: &mut Model) -> (Value, Answer, Answer) {
    let k = random_key(rng);
    let mut values = serde_json::Map::new();
    let cond = condition(rng, &mut values);
    let mut body = json!({"TableName": "model", "Key": key_json(&k), "ReturnValues": "ALL_OLD"});
    let ok = match &cond {
        Some((e, p)) => {
            body["ConditionExpression"] = json!(e);
            p(model.get(&k))
        }
        None => true,
    };
    let body = with_values(body, values);
    let want = if ok {
        let old = model.remove(&k);
        Ok(attrs_of(&k, old.as_ref()))
    } else {
        ccf()
    };
    let got = call(ddb, "DeleteItem", body.clone()).await;
    (body, got, want)
}

async fn update(ddb: &DynamoDb, rng: &mut Rng, model: &mut Model) -> (Value, Answer, Answer) {
    let k = random_key(rng);
    let mut values = serde_json::Map::new();
    let cond = condition(rng, &mut values);
    let old = model.get(&k).cloned();
    let mut new = old.clone().unwrap_or_default();
    let mut fails = false;
    let (mut set, mut remove, mut add, mut del) = (vec![], vec![], vec![], vec![]);
    // v: at most one action.
    let n = rng.below(7) as i64 - 3;
    match rng.below(6) {
        0 => {
            values.insert(":n".into(), json!({"N": n.to_string()}));
            set.push("v = :n");
            new.v = Some(n);
        }
        1 => {
            values.insert(":n".into(), json!({"N": n.to_string()}));
            set.push("v = v + :n");
            match new.v {
                Some(v) => new.v = Some(v + n),
                None => fails = true,
            }
        }
        2 => {
            values.insert(":n".into(), json!({"N": n.to_string()}));
            values.insert(":z".into(), json!({"N": "0"}));
            set.push("v = if_not_exists(v, :z) - :n");
            new.v = Some(new.v.unwrap_or(0) - n);
        }
        3 => {
            values.insert(":n".into(), json!({"N": n.to_string()}));
            add.push("v :n");
            new.v = Some(new.v.unwrap_or(0) + n);
        }
        4 => {
            remove.push("v");
            new.v = None;
        }
        _ => {}
    }
    // s: ADD, DELETE or nothing.
    match rng.below(3) {
        0 => {
            let w = random_set(rng);
            values.insert(":s".into(), json!({"SS": w.iter().collect::<Vec<_>>()}));
            add.push("s :s");
            new.s.get_or_insert_with(BTreeSet::new).extend(w);
        }
        1 => {
            let w = random_set(rng);
            values.insert(":s".into(), json!({"SS": w.iter().collect::<Vec<_>>()}));
            del.push("s :s");
            if let Some(s) = &mut new.s {
                s.retain(|x| !w.contains(x));
                if s.is_empty() {
                    new.s = None;
                }
            }
        }
        _ => {}
    }
    // t: SET, REMOVE or nothing.
    match rng.below(3) {
        0 => {
            let t = rng.pick(&["", "p", "q"]).to_string();
            values.insert(":t".into(), json!({"S": t}));
            set.push("t = :t");
            new.t = Some(t);
        }
        1 => {
            remove.push("t");
            new.t = None;
        }
        _ => {}
    }
    if set.is_empty() && remove.is_empty() && add.is_empty() && del.is_empty() {
        remove.push("t");
        new.t = None;
    }
    let mut expr = Vec::new();
    for (kw, parts) in [
        ("SET", set),
        ("REMOVE", remove),
        ("ADD", add),
        ("DELETE", del),
    ] {
        if !parts.is_empty() {
            expr.push(format!("{kw} {}", parts.join(", ")));
        }
    }
    // Clauses may come in any order.
    if rng.chance(50) {
        expr.reverse();
    }
    let mut body = json!({
        "TableName": "model",
        "Key": key_json(&k),
        "UpdateExpression": expr.join(" "),
        "ReturnValues": "ALL_NEW",
    });
    let ok = match &cond {
        Some((e, p)) => {
            body["ConditionExpression"] = json!(e);
            p(old.as_ref())
        }
        None => true,
    };
    let body = with_values(body, values);
    let want = if !ok {
        ccf()
    } else if fails {
        missing_attr()
    } else if new.t.as_deref() == Some("") {
        empty_index_key()
    } else {
        model.insert(k.clone(), new.clone());
        Ok(json!({"Attributes": row_json(&k, &new)}))
    };
    let got = call(ddb, "UpdateItem", body.clone()).await;
    (body, got, want)
}

/// A row that any index accepts (no empty `t`).
fn indexable_row(rng: &mut Rng) -> Row {
    let mut row = random_row(rng);
    if row.t.as_deref() == Some("") {
        row.t = Some("p".into());
    }
    row
}

/// BatchWriteItem of a few puts and deletes; a key twice is refused whole.
async fn batch_write(ddb: &DynamoDb, rng: &mut Rng, model: &mut Model) -> (Value, Answer, Answer) {
    let n = 1 + rng.below(4);
    let mut writes = Vec::new();
    let mut plan: Vec<(Key, Option<Row>)> = Vec::new();
    for _ in 0..n {
        let k = random_key(rng);
        if rng.chance(60) {
            let row = indexable_row(rng);
            writes.push(json!({"PutRequest": {"Item": row_json(&k, &row)}}));
            plan.push((k, Some(row)));
        } else {
            writes.push(json!({"DeleteRequest": {"Key": key_json(&k)}}));
            plan.push((k, None));
        }
    }
    let body = json!({"RequestItems": {"model": writes}});
    let keys: BTreeSet<&Key> = plan.iter().map(|(k, _)| k).collect();
    let want = if keys.len() < plan.len() {
        Err((
            "ValidationException".to_string(),
            "Provided list of item keys contains duplicates".to_string(),
        ))
    } else {
        for (k, row) in plan {
            match row {
                Some(r) => model.insert(k, r),
                None => model.remove(&k),
            };
        }
        Ok(json!({"UnprocessedItems": {}}))
    };
    let got = call(ddb, "BatchWriteItem", body.clone()).await;
    (body, got, want)
}

/// TransactWriteItems of a few conditional puts, updates, deletes and checks: all or
/// nothing, with one cancellation reason per action.
async fn transact_write(
    ddb: &DynamoDb,
    rng: &mut Rng,
    model: &mut Model,
) -> (Value, Answer, Answer) {
    let n = 1 + rng.below(3);
    let mut items = Vec::new();
    let mut reasons = Vec::new();
    let mut effects: Vec<(Key, Option<Row>)> = Vec::new();
    let mut keys = BTreeSet::new();
    for _ in 0..n {
        let k = random_key(rng);
        keys.insert(k.clone());
        let mut values = serde_json::Map::new();
        let cond = condition(rng, &mut values);
        let kind = rng.below(4);
        let cond = if kind == 3 && cond.is_none() {
            let always: Pred = Box::new(|_| true);
            Some(("attribute_not_exists(nothing_here)".to_string(), always))
        } else {
            cond
        };
        let old = model.get(&k).cloned();
        let ok = cond.as_ref().is_none_or(|(_, p)| p(old.as_ref()));
        reasons.push(if ok { "None" } else { "ConditionalCheckFailed" });
        let mut action = match kind {
            0 => {
                let row = indexable_row(rng);
                effects.push((k.clone(), Some(row.clone())));
                json!({"Put": {"TableName": "model", "Item": row_json(&k, &row)}})
            }
            1 => {
                effects.push((k.clone(), None));
                json!({"Delete": {"TableName": "model", "Key": key_json(&k)}})
            }
            2 => {
                let v = rng.below(7) as i64 - 3;
                values.insert(":nv".into(), json!({"N": v.to_string()}));
                let mut row = old.clone().unwrap_or_default();
                row.v = Some(v);
                effects.push((k.clone(), Some(row)));
                json!({"Update": {"TableName": "model", "Key": key_json(&k), "UpdateExpression": "SET v = :nv"}})
            }
            _ => json!({"ConditionCheck": {"TableName": "model", "Key": key_json(&k)}}),
        };
        let inner = action.as_object_mut().unwrap().values_mut().next().unwrap();
        if let Some((e, _)) = &cond {
            inner["ConditionExpression"] = json!(e);
        }
        if !values.is_empty() {
            inner["ExpressionAttributeValues"] = Value::Object(values);
        }
        items.push(action);
    }
    let body = json!({"TransactItems": items});
    let want = if keys.len() < n as usize {
        Err((
            "ValidationException".to_string(),
            "Transaction request cannot include multiple operations on one item".to_string(),
        ))
    } else if reasons.iter().any(|r| *r != "None") {
        Err((
            "TransactionCanceledException".to_string(),
            format!(
                "Transaction cancelled, please refer cancellation reasons for specific reasons [{}]",
                reasons.join(", ")
            ),
        ))
    } else {
        for (k, row) in effects {
            match row {
                Some(r) => model.insert(k, r),
                None => model.remove(&k),
            };
        }
        Ok(json!({}))
    };
    let got = call(ddb, "TransactWriteItems", body.clone()).await;
    (body, got, want)
}

async fn get(ddb: &DynamoDb, rng: &mut Rng, model: &Model) -> (Value, Answer, Answer) {
    let k = random_key(rng);
    let body = json!({"TableName": "model", "Key": key_json(&k), "ConsistentRead": true});
    let want = Ok(match model.get(&k) {
        Some(r) => json!({"Item": row_json(&k, r)}),
        None => json!({}),
    });
    let got = call(ddb, "GetItem", body.clone())
        .await
        .map(|v| match v.get("Item") {
            Some(i) => {
                let (k, r) = parse_row(i);
                json!({"Item": row_json(&k, &r)})
            }
            None => v,
        });
    (body, got, want)
}

/// One page as the model computes it: the items read, whether the Limit was hit, and the
/// items left after the filter.
struct ModelPage {
    items: Vec<(Key, Row)>,
    last: Option<Key>,
    scanned: usize,
}

fn model_page(
    candidates: &[(Key, Row)],
    start_after: Option<&Key>,
    forward: bool,
    limit: Option<usize>,
    filter: Option<i64>,
) -> ModelPage {
    let after = |k: &Key| match start_after {
        None => true,
        Some(s) => {
            if forward {
                k > s
            } else {
                k < s
            }
        }
    };
    let mut ordered: Vec<&(Key, Row)> = candidates.iter().filter(|(k, _)| after(k)).collect();
    if !forward {
        ordered.reverse();
    }
    let mut page = ModelPage {
        items: vec![],
        last: None,
        scanned: 0,
    };
    for (k, r) in ordered {
        page.scanned += 1;
        if filter.is_none_or(|f| r.v.is_some_and(|v| v > f)) {
            page.items.push((k.clone(), r.clone()));
        }
        if limit.is_some_and(|l| page.scanned >= l) {
            page.last = Some(k.clone());
            break;
        }
    }
    page
}

/// Query or Scan with pagination, both sides page by page.
async fn read(ddb: &DynamoDb, rng: &mut Rng, model: &Model, seed: u64, step: usize) {
    let is_query = rng.chance(60);
    let pk = rng.pick(&PKS).to_string();
    let mut values = serde_json::Map::new();
    let mut body = json!({"TableName": "model", "ConsistentRead": true});
    let mut forward = true;
    let mut has_range = false;
    let mut sort_ok: Box<dyn Fn(i64) -> bool> = Box::new(|_| true);
    let mut candidates: Vec<(Key, Row)> =
        model.iter().map(|(k, r)| (k.clone(), r.clone())).collect();
    if is_query {
        values.insert(":p".into(), json!({"S": pk}));
        let a = rng.below(9) as i64 - 4;
        let b = a + rng.below(4) as i64;
        let (kc, keep): (&str, Box<dyn Fn(i64) -> bool>) = match rng.below(7) {
            0 => ("pk = :p", Box::new(|_| true)),
            1 => ("pk = :p AND sk = :a", Box::new(move |s| s == a)),
            2 => ("pk = :p AND sk < :a", Box::new(move |s| s < a)),
            3 => ("pk = :p AND sk <= :a", Box::new(move |s| s <= a)),
            4 => ("sk > :a AND pk = :p", Box::new(move |s| s > a)),
            5 => ("pk = :p AND sk >= :a", Box::new(move |s| s >= a)),
            _ => (
                "pk = :p AND sk BETWEEN :a AND :b",
                Box::new(move |s| (a..=b).contains(&s)),
            ),
        };
        if kc.contains(":a") {
            values.insert(":a".into(), json!({"N": a.to_string()}));
        }
        if kc.contains(":b") {
            values.insert(":b".into(), json!({"N": b.to_string()}));
        }
        body["KeyConditionExpression"] = json!(kc);
        candidates.retain(|((p, s), _)| *p == pk && keep(*s));
        has_range = kc.contains("sk");
        sort_ok = keep;
        forward = rng.chance(60);
        body["ScanIndexForward"] = json!(forward);
    }
    let filter = rng.chance(30).then(|| rng.below(7) as i64 - 3);
    if let Some(f) = filter {
        values.insert(":f".into(), json!({"N": f.to_string()}));
        body["FilterExpression"] = json!("v > :f");
    }
    let limit = rng.chance(70).then(|| 1 + rng.below(4) as usize);
    if let Some(l) = limit {
        body["Limit"] = json!(l);
    }
    let body = with_values(body, values);
    // Start from a random key now and then, as a client resuming from a stored cursor.
    let mut start: Option<Key> = rng.chance(20).then(|| {
        let mut k = random_key(rng);
        if is_query {
            k.0 = pk.clone();
        }
        k
    });
    let op = if is_query { "Query" } else { "Scan" };
    // A stored cursor outside the sort-key condition is refused.
    if let Some(s) = start.as_ref().filter(|s| has_range && !sort_ok(s.1)) {
        let mut req = body.clone();
        req["ExclusiveStartKey"] = key_json(s);
        let got = call(ddb, op, req.clone()).await;
        let want: Answer = Err((
            "ValidationException".into(),
            "The provided starting key does not match the range key predicate".into(),
        ));
        assert_eq!(got, want, "seed {seed} step {step}: {req}");
        return;
    }
    for page_no in 0..100 {
        let mut req = body.clone();
        if let Some(s) = &start {
            req["ExclusiveStartKey"] = key_json(s);
        }
        let want = model_page(&candidates, start.as_ref(), forward, limit, filter);
        let got = call(ddb, op, req.clone())
            .await
            .unwrap_or_else(|e| panic!("seed {seed} step {step}: {op} {req} failed: {e:?}"));
        let items: Vec<(Key, Row)> = got["Items"]
            .as_array()
            .unwrap()
            .iter()
            .map(parse_row)
            .collect();
        let last = got.get("LastEvaluatedKey").map(|k| {
            (
                k["pk"]["S"].as_str().unwrap().to_string(),
                k["sk"]["N"].as_str().unwrap().parse::<i64>().unwrap(),
            )
        });
        assert_eq!(
            (
                &items,
                &last,
                got["Count"].as_u64(),
                got["ScannedCount"].as_u64()
            ),
            (
                &want.items,
                &want.last,
                Some(want.items.len() as u64),
                Some(want.scanned as u64)
            ),
            "seed {seed} step {step} page {page_no}: {op} {req}"
        );
        match last {
            Some(l) => start = Some(l),
            None => return,
        }
    }
    panic!("seed {seed} step {step}: {op} did not finish in 100 pages");
}

/// A Query of the sparse index `by-t` (items with both `t` and `v`, ordered by `v`, then
/// by table key), paged with Limit and LastEvaluatedKey.
async fn index_read(ddb: &DynamoDb, rng: &mut Rng, model: &Model, seed: u64, step: usize) {
    let t = rng.pick(&["p", "q"]).to_string();
    let a = rng.below(11) as i64 - 5;
    let mut values = serde_json::Map::new();
    values.insert(":t".into(), json!({"S": t}));
    let (kc, keep): (&str, Box<dyn Fn(i64) -> bool>) = match rng.below(3) {
        0 => ("t = :t", Box::new(|_| true)),
        1 => ("t = :t AND v >= :a", Box::new(move |v| v >= a)),
        _ => ("t = :t AND v < :a", Box::new(move |v| v < a)),
    };
    if kc.contains(":a") {
        values.insert(":a".into(), json!({"N": a.to_string()}));
    }
    let forward = rng.chance(50);
    let limit = rng.chance(70).then(|| 1 + rng.below(4) as usize);
    let mut body = json!({
        "TableName": "model",
        "IndexName": "by-t",
        "KeyConditionExpression": kc,
        "ScanIndexForward": forward,
    });
    if let Some(l) = limit {
        body["Limit"] = json!(l);
    }
    let body = with_values(body, values);
    let mut want: Vec<(i64, Key, Row)> = model
        .iter()
        .filter(|(_, r)| r.t.as_deref() == Some(t.as_str()) && r.v.is_some_and(&keep))
        .map(|(k, r)| (r.v.unwrap_or_default(), k.clone(), r.clone()))
        .collect();
    want.sort_by(|x, y| (x.0, &x.1).cmp(&(y.0, &y.1)));
    if !forward {
        want.reverse();
    }
    let mut start: Option<Value> = None;
    let mut seen = 0;
    for page_no in 0..200 {
        let mut req = body.clone();
        if let Some(s) = &start {
            req["ExclusiveStartKey"] = s.clone();
        }
        let got = call(ddb, "Query", req.clone())
            .await
            .unwrap_or_else(|e| panic!("seed {seed} step {step}: {req} failed: {e:?}"));
        let items: Vec<(Key, Row)> = got["Items"]
            .as_array()
            .unwrap()
            .iter()
            .map(parse_row)
            .collect();
        let end = match limit {
            Some(l) => (seen + l).min(want.len()),
            None => want.len(),
        };
        let expected: Vec<(Key, Row)> = want[seen..end]
            .iter()
            .map(|(_, k, r)| (k.clone(), r.clone()))
            .collect();
        let hit_limit = limit.is_some_and(|l| end - seen == l);
        let want_last = hit_limit.then(|| {
            let (v, k, _) = &want[end - 1];
            json!({"pk": {"S": k.0}, "sk": {"N": k.1.to_string()}, "t": {"S": t}, "v": {"N": v.to_string()}})
        });
        assert_eq!(
            (&items, got.get("LastEvaluatedKey")),
            (&expected, want_last.as_ref()),
            "seed {seed} step {step} page {page_no}: {req}"
        );
        seen = end;
        match want_last {
            Some(l) => start = Some(l),
            None => return,
        }
    }
    panic!("seed {seed} step {step}: index query did not finish");
}

async fn run(seed: u64, steps: usize) {
    let store = Store::ephemeral().unwrap();
    let ddb = DynamoDb::new(store);
    call(
        &ddb,
        "CreateTable",
        json!({
            "TableName": "model",
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
                {"AttributeName": "t", "AttributeType": "S"},
                {"AttributeName": "v", "AttributeType": "N"}
            ],
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"}
            ],
            "GlobalSecondaryIndexes": [{
                "IndexName": "by-t",
                "KeySchema": [
                    {"AttributeName": "t", "KeyType": "HASH"},
                    {"AttributeName": "v", "KeyType": "RANGE"}
                ],
                "Projection": {"ProjectionType": "ALL"}
            }],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    )
    .await
    .unwrap();
    let mut rng = Rng(seed);
    let mut model = Model::new();
    for step in 0..steps {
        let (req, got, want) = match rng.below(10) {
            0..=2 => put(&ddb, &mut rng, &mut model).await,
            3..=5 => update(&ddb, &mut rng, &mut model).await,
            6 if rng.chance(30) => batch_write(&ddb, &mut rng, &mut model).await,
            6 if rng.chance(40) => transact_write(&ddb, &mut rng, &mut model).await,
            6 => delete(&ddb, &mut rng, &mut model).await,
            7 => get(&ddb, &mut rng, &model).await,
            8 if rng.chance(40) => {
                index_read(&ddb, &mut rng, &model, seed, step).await;
                continue;
            }
            _ => {
                read(&ddb, &mut rng, &model, seed, step).await;
                continue;
            }
        };
        assert!(
            same_answer(&got, &want),
            "seed {seed} step {step}: {req}\n got: {got:?}\nwant: {want:?}"
        );
    }
    // Finally the whole table, in one unpaginated Scan.
    let got = call(&ddb, "Scan", json!({"TableName": "model"}))
        .await
        .unwrap();
    let items: Vec<(Key, Row)> = got["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(parse_row)
        .collect();
    let want: Vec<(Key, Row)> = model.into_iter().collect();
    assert_eq!(items, want, "seed {seed}: final scan");
}

#[tokio::test]
async fn engine_agrees_with_the_model() {
    for seed in [0x9e37_79b9_7f4a_7c15, 0xdead_beef_cafe_f00d, 42] {
        run(seed, 1500).await;
    }
}
