//! The awsJson1_0 wire format: `X-Amz-Target: DynamoDB_20120810.<Op>` plus a JSON body
//! become one typed [`Operation`]; responses are JSON bodies with DynamoDB's content type
//! and CRC32 header.
//!
//! This module parses and shapes; it does not execute anything.

use std::collections::BTreeMap;

use bytes::Bytes;
use cloudlet_core::Response;
use serde_json::{Map, Value};

use crate::error::DdbError;
use crate::value::{Item, parse_item};

/// The expression inputs shared by item operations.
#[derive(Clone, Debug, Default)]
pub struct ExprInput {
    pub names: Option<BTreeMap<String, String>>,
    pub values: Option<Item>,
}

/// One request's parsed body, with typed accessors that produce DynamoDB's errors.
pub struct Body(pub Map<String, Value>);

fn camel(member: &str) -> String {
    let mut c = member.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

impl Body {
    pub fn parse(bytes: &[u8]) -> Result<Body, DdbError> {
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Ok(Body(Map::new()));
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(m)) => Ok(Body(m)),
            _ => Err(DdbError::Serialization(
                "Start of structure or map found where not expected".into(),
            )),
        }
    }

    fn get(&self, k: &str) -> Option<&Value> {
        self.0.get(k).filter(|v| !v.is_null())
    }

    pub fn has(&self, k: &str) -> bool {
        self.get(k).is_some()
    }

    pub fn opt_str(&self, k: &str) -> Result<Option<String>, DdbError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(DdbError::Serialization(format!(
                "NUMBER_VALUE cannot be converted to String ({k})"
            ))),
        }
    }

    pub fn req_str(&self, k: &str) -> Result<String, DdbError> {
        self.opt_str(k)?.ok_or_else(|| {
            DdbError::validation(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                camel(k)
            ))
        })
    }

    /// A table name member, checked against DynamoDB's length and pattern constraints.
    pub fn table_name(&self, k: &str) -> Result<String, DdbError> {
        let name = self.req_str(k)?;
        check_table_name(&name, &camel(k))?;
        Ok(name)
    }

    pub fn opt_i64(&self, k: &str) -> Result<Option<i64>, DdbError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| DdbError::Serialization(format!("Unexpected value for {k}"))),
        }
    }

    pub fn opt_bool(&self, k: &str) -> Result<Option<bool>, DdbError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| DdbError::Serialization(format!("Unexpected value for {k}"))),
        }
    }

    pub fn opt_item(&self, k: &str) -> Result<Option<Item>, DdbError> {
        self.get(k).map(parse_item).transpose()
    }

    pub fn req_item(&self, k: &str) -> Result<Item, DdbError> {
        self.opt_item(k)?.ok_or_else(|| {
            DdbError::validation(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                camel(k)
            ))
        })
    }

    pub fn opt_array(&self, k: &str) -> Result<Option<&Vec<Value>>, DdbError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(_) => Err(DdbError::Serialization(format!(
                "Unexpected value type for {k}"
            ))),
        }
    }

    pub fn opt_object(&self, k: &str) -> Result<Option<&Map<String, Value>>, DdbError> {
        match self.get(k) {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(_) => Err(DdbError::Serialization(format!(
                "Unexpected value type for {k}"
            ))),
        }
    }

    pub fn str_list(&self, k: &str) -> Result<Option<Vec<String>>, DdbError> {
        match self.opt_array(k)? {
            None => Ok(None),
            Some(a) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| DdbError::Serialization(format!("Unexpected value in {k}")))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
        }
    }

    pub fn expr_input(&self) -> Result<ExprInput, DdbError> {
        let names = match self.opt_object("ExpressionAttributeNames")? {
            None => None,
            Some(m) => {
                let mut out = BTreeMap::new();
                for (k, v) in m {
                    let v = v.as_str().ok_or_else(|| {
                        DdbError::Serialization(
                            "Unexpected value in ExpressionAttributeNames".into(),
                        )
                    })?;
                    out.insert(k.clone(), v.to_string());
                }
                Some(out)
            }
        };
        let values = match self.get("ExpressionAttributeValues") {
            None => None,
            Some(v) => {
                let m = v.as_object().ok_or_else(|| {
                    DdbError::Serialization("Unexpected value type in payload".into())
                })?;
                let mut out = Item::new();
                for (k, v) in m {
                    // "ExpressionAttributeValues contains invalid value: <why> for key :k"
                    let val = crate::value::AttrValue::from_json(v).map_err(|e| match e {
                        DdbError::Validation(why) => DdbError::validation(format!(
                            "ExpressionAttributeValues contains invalid value: {why} for key {k}"
                        )),
                        other => other,
                    })?;
                    out.insert(k.clone(), val);
                }
                Some(out)
            }
        };
        Ok(ExprInput { names, values })
    }

    /// A sub-structure (e.g. one element of TransactItems) as a body of its own.
    pub fn sub(v: &Value) -> Result<Body, DdbError> {
        match v {
            Value::Object(m) => Ok(Body(m.clone())),
            _ => Err(DdbError::Serialization(
                "Unexpected value type in payload".into(),
            )),
        }
    }
}

/// Checks a table name: 3–255 characters of `[a-zA-Z0-9_.-]`.
pub fn check_table_name(name: &str, member: &str) -> Result<(), DdbError> {
    let mut errs = Vec::new();
    if name.len() < 3 {
        errs.push(format!(
            "Value '{name}' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to 3"
        ));
    }
    if name.len() > 255 {
        errs.push(format!(
            "Value '{name}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to 255"
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
    {
        errs.push(format!(
            "Value '{name}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
        ));
    }
    if errs.is_empty() {
        return Ok(());
    }
    Err(DdbError::validation(format!(
        "{} validation error{} detected: {}",
        errs.len(),
        if errs.len() == 1 { "" } else { "s" },
        errs.join("; ")
    )))
}

/// The operations cloudlet serves, by `X-Amz-Target` suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    CreateTable,
    DescribeTable,
    ListTables,
    DeleteTable,
    UpdateTable,
    PutItem,
    GetItem,
    DeleteItem,
    UpdateItem,
    Query,
    Scan,
    BatchGetItem,
    BatchWriteItem,
    TransactWriteItems,
    TransactGetItems,
    DescribeTimeToLive,
    UpdateTimeToLive,
    TagResource,
    UntagResource,
    ListTagsOfResource,
    DescribeLimits,
    DescribeEndpoints,
}

impl Operation {
    /// The operation named by an `X-Amz-Target` header value.
    pub fn from_target(target: &str) -> Result<Operation, DdbError> {
        let unknown = || DdbError::UnknownOperation(String::new());
        let name = target
            .strip_prefix("DynamoDB_20120810.")
            .ok_or_else(unknown)?;
        Ok(match name {
            "CreateTable" => Operation::CreateTable,
            "DescribeTable" => Operation::DescribeTable,
            "ListTables" => Operation::ListTables,
            "DeleteTable" => Operation::DeleteTable,
            "UpdateTable" => Operation::UpdateTable,
            "PutItem" => Operation::PutItem,
            "GetItem" => Operation::GetItem,
            "DeleteItem" => Operation::DeleteItem,
            "UpdateItem" => Operation::UpdateItem,
            "Query" => Operation::Query,
            "Scan" => Operation::Scan,
            "BatchGetItem" => Operation::BatchGetItem,
            "BatchWriteItem" => Operation::BatchWriteItem,
            "TransactWriteItems" => Operation::TransactWriteItems,
            "TransactGetItems" => Operation::TransactGetItems,
            "DescribeTimeToLive" => Operation::DescribeTimeToLive,
            "UpdateTimeToLive" => Operation::UpdateTimeToLive,
            "TagResource" => Operation::TagResource,
            "UntagResource" => Operation::UntagResource,
            "ListTagsOfResource" => Operation::ListTagsOfResource,
            "DescribeLimits" => Operation::DescribeLimits,
            "DescribeEndpoints" => Operation::DescribeEndpoints,
            _ => return Err(unknown()),
        })
    }
}

/// A 200 response with a JSON body, DynamoDB's content type and its CRC32 header.
pub fn json_response(v: &Value) -> Response {
    let bytes = Bytes::from(v.to_string());
    let crc = crc32fast::hash(&bytes);
    let mut resp = Response::new(cloudlet_core::body::full(bytes));
    let h = resp.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    if let Ok(v) = http::HeaderValue::from_str(&crc.to_string()) {
        h.insert("x-amz-crc32", v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names() {
        let cases: [(&str, Result<(), &str>); 4] = [
            ("hello-member", Ok(())),
            ("a.b_c-1", Ok(())),
            (
                "ab",
                Err(
                    "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
                ),
            ),
            (
                "a b",
                Err(
                    "1 validation error detected: Value 'a b' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
                ),
            ),
        ];
        for (name, want) in cases {
            let got = check_table_name(name, "tableName").map_err(|e| e.to_string());
            assert_eq!(got, want.map_err(str::to_string), "{name}");
        }
    }
}
