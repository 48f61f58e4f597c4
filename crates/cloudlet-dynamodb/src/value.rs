//! Attribute values (S, N, B, BOOL, NULL, M, L, SS, NS, BS): parsing from DynamoDB's wire
//! JSON with DynamoDB's validation messages, rendering back, sizes and type names.
//!
//! It knows nothing of tables, keys or expressions.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Map, Value};

use crate::error::DdbError;
use crate::number::Number;

/// An item: attribute name → value.
pub type Item = BTreeMap<String, AttrValue>;

/// One DynamoDB attribute value.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    S(String),
    N(Number),
    B(Vec<u8>),
    Bool(bool),
    Null,
    M(Item),
    L(Vec<AttrValue>),
    Ss(Vec<String>),
    Ns(Vec<Number>),
    Bs(Vec<Vec<u8>>),
}

/// How many maps and lists may enclose one another.
const MAX_NESTING: usize = 32;

impl AttrValue {
    /// The wire type descriptor (`S`, `N`, `SS`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            AttrValue::S(_) => "S",
            AttrValue::N(_) => "N",
            AttrValue::B(_) => "B",
            AttrValue::Bool(_) => "BOOL",
            AttrValue::Null => "NULL",
            AttrValue::M(_) => "M",
            AttrValue::L(_) => "L",
            AttrValue::Ss(_) => "SS",
            AttrValue::Ns(_) => "NS",
            AttrValue::Bs(_) => "BS",
        }
    }

    /// Parses one wire AttributeValue, validating it as DynamoDB does.
    pub fn from_json(v: &Value) -> Result<AttrValue, DdbError> {
        AttrValue::from_json_at(v, 0)
    }

    /// Parses a value inside `depth` maps and lists (DynamoDB allows 32 levels).
    fn from_json_at(v: &Value, depth: usize) -> Result<AttrValue, DdbError> {
        let obj = v.as_object().ok_or_else(|| {
            DdbError::Serialization("Start of structure or map found where not expected".into())
        })?;
        let mut set = obj.iter().filter(|(_, v)| !v.is_null());
        let (k, val) = match (set.next(), set.next()) {
            (None, _) => {
                return Err(DdbError::validation(
                    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(DdbError::validation(
                    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                ));
            }
            (Some(kv), None) => kv,
        };
        let ser = |what: &str| DdbError::Serialization(format!("Unexpected value type for {what}"));
        if matches!(k.as_str(), "M" | "L") && depth >= MAX_NESTING {
            return Err(DdbError::validation(
                "Nesting Levels have exceeded supported limits",
            ));
        }
        Ok(match k.as_str() {
            "S" => AttrValue::S(val.as_str().ok_or_else(|| ser("S"))?.to_string()),
            "N" => AttrValue::N(parse_number(val.as_str().ok_or_else(|| ser("N"))?)?),
            "B" => AttrValue::B(parse_binary(val)?),
            "BOOL" => AttrValue::Bool(val.as_bool().ok_or_else(|| ser("BOOL"))?),
            "NULL" => {
                if val.as_bool() != Some(true) {
                    return Err(DdbError::invalid(
                        "Null attribute value types must have the value of true",
                    ));
                }
                AttrValue::Null
            }
            "M" => {
                let m = val.as_object().ok_or_else(|| ser("M"))?;
                let mut item = Item::new();
                for (k, v) in m {
                    item.insert(k.clone(), AttrValue::from_json_at(v, depth + 1)?);
                }
                AttrValue::M(item)
            }
            "L" => {
                let l = val.as_array().ok_or_else(|| ser("L"))?;
                AttrValue::L(
                    l.iter()
                        .map(|v| AttrValue::from_json_at(v, depth + 1))
                        .collect::<Result<_, _>>()?,
                )
            }
            "SS" => {
                let l = val.as_array().ok_or_else(|| ser("SS"))?;
                let v: Vec<String> = l
                    .iter()
                    .map(|x| x.as_str().map(str::to_string).ok_or_else(|| ser("SS")))
                    .collect::<Result<_, _>>()?;
                if v.is_empty() {
                    return Err(DdbError::invalid("An string set  may not be empty"));
                }
                check_dupes(&v, |s| s.clone(), "SS")?;
                AttrValue::Ss(v)
            }
            "NS" => {
                let l = val.as_array().ok_or_else(|| ser("NS"))?;
                let raw: Vec<&str> = l
                    .iter()
                    .map(|x| x.as_str().ok_or_else(|| ser("NS")))
                    .collect::<Result<_, _>>()?;
                if raw.is_empty() {
                    return Err(DdbError::invalid("An number set  may not be empty"));
                }
                let v: Vec<Number> = raw
                    .iter()
                    .map(|s| parse_number(s))
                    .collect::<Result<_, _>>()?;
                check_dupes(&v, |n| n.to_string(), "NS")?;
                AttrValue::Ns(v)
            }
            "BS" => {
                let l = val.as_array().ok_or_else(|| ser("BS"))?;
                let v: Vec<Vec<u8>> = l.iter().map(parse_binary).collect::<Result<_, _>>()?;
                if v.is_empty() {
                    return Err(DdbError::invalid("Binary sets should not be empty"));
                }
                check_dupes(&v, |b| B64.encode(b), "BS")?;
                AttrValue::Bs(v)
            }
            _ => {
                return Err(DdbError::Serialization(format!(
                    "Unknown AttributeValue type: {k}"
                )));
            }
        })
    }

    /// The wire JSON of this value.
    pub fn to_json(&self) -> Value {
        let mut m = Map::with_capacity(1);
        let (k, v) = match self {
            AttrValue::S(s) => ("S", Value::String(s.clone())),
            AttrValue::N(n) => ("N", Value::String(n.to_string())),
            AttrValue::B(b) => ("B", Value::String(B64.encode(b))),
            AttrValue::Bool(b) => ("BOOL", Value::Bool(*b)),
            AttrValue::Null => ("NULL", Value::Bool(true)),
            AttrValue::M(item) => ("M", item_to_json(item)),
            AttrValue::L(l) => (
                "L",
                Value::Array(l.iter().map(AttrValue::to_json).collect()),
            ),
            AttrValue::Ss(v) => (
                "SS",
                Value::Array(v.iter().map(|s| Value::String(s.clone())).collect()),
            ),
            AttrValue::Ns(v) => (
                "NS",
                Value::Array(v.iter().map(|n| Value::String(n.to_string())).collect()),
            ),
            AttrValue::Bs(v) => (
                "BS",
                Value::Array(v.iter().map(|b| Value::String(B64.encode(b))).collect()),
            ),
        };
        m.insert(k.to_string(), v);
        Value::Object(m)
    }

    /// The size DynamoDB counts for this value (without its attribute name).
    pub fn size(&self) -> usize {
        match self {
            AttrValue::S(s) => s.len(),
            AttrValue::N(n) => n.size(),
            AttrValue::B(b) => b.len(),
            AttrValue::Bool(_) | AttrValue::Null => 1,
            AttrValue::M(m) => 3 + m.iter().map(|(k, v)| k.len() + v.size() + 1).sum::<usize>(),
            AttrValue::L(l) => 3 + l.iter().map(|v| v.size() + 1).sum::<usize>(),
            AttrValue::Ss(v) => v.iter().map(String::len).sum(),
            AttrValue::Ns(v) => v.iter().map(Number::size).sum(),
            AttrValue::Bs(v) => v.iter().map(Vec::len).sum(),
        }
    }
}

fn parse_number(s: &str) -> Result<Number, DdbError> {
    Number::parse(s).map_err(|e| DdbError::validation(e.message()))
}

fn parse_binary(v: &Value) -> Result<Vec<u8>, DdbError> {
    let s = v
        .as_str()
        .ok_or_else(|| DdbError::Serialization("Unexpected value type for B".into()))?;
    B64.decode(s).map_err(|_| {
        DdbError::Serialization("Base64 encoded length is expected a multiple of 4 bytes".into())
    })
}

/// Refuses a set with a repeated element; DynamoDB words this differently for each set
/// type (a number set's message names neither the set nor its type).
fn check_dupes<T, K: Ord + std::fmt::Display>(
    v: &[T],
    key: impl Fn(&T) -> K,
    set_type: &str,
) -> Result<(), DdbError> {
    let mut seen = std::collections::BTreeSet::new();
    for x in v {
        if !seen.insert(key(x)) {
            let shown: Vec<String> = v.iter().map(|x| key(x).to_string()).collect();
            let shown = shown.join(", ");
            return Err(match set_type {
                "NS" => DdbError::validation("Input collection contains duplicates"),
                "BS" => DdbError::invalid(format!(
                    "Input collection [{shown}]of type BS contains duplicates."
                )),
                _ => DdbError::invalid(format!("Input collection [{shown}] contains duplicates.")),
            });
        }
    }
    Ok(())
}

/// Parses a wire map of attribute name → AttributeValue.
pub fn parse_item_map(m: &Map<String, Value>) -> Result<Item, DdbError> {
    let mut item = Item::new();
    for (k, v) in m {
        item.insert(k.clone(), AttrValue::from_json(v)?);
    }
    Ok(item)
}

/// Parses an optional request member that must be an item map.
pub fn parse_item(v: &Value) -> Result<Item, DdbError> {
    match v.as_object() {
        Some(m) => parse_item_map(m),
        None => Err(DdbError::Serialization(
            "Unexpected value type in payload".into(),
        )),
    }
}

/// The wire JSON of an item.
pub fn item_to_json(item: &Item) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
}

/// Whether maps and lists in `item` enclose one another deeper than DynamoDB allows (an
/// update can build what no single value could).
pub fn too_deep(item: &Item) -> bool {
    fn depth(v: &AttrValue) -> usize {
        match v {
            AttrValue::M(m) => 1 + m.values().map(depth).max().unwrap_or(0),
            AttrValue::L(l) => 1 + l.iter().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }
    item.values().map(depth).max().unwrap_or(0) > MAX_NESTING
}

/// The size of an item as DynamoDB counts it (names plus values).
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + v.size()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(input: Value, want: Result<Value, &str>) {
        let got = AttrValue::from_json(&input)
            .map(|v| v.to_json())
            .map_err(|e| e.to_string());
        assert_eq!(got, want.map_err(str::to_string), "input {input}");
    }

    #[test]
    fn parse_values() {
        check(json!({"S": "x"}), Ok(json!({"S": "x"})));
        check(json!({"N": "1.50"}), Ok(json!({"N": "1.5"})));
        check(json!({"B": "AAE="}), Ok(json!({"B": "AAE="})));
        check(json!({"BOOL": false}), Ok(json!({"BOOL": false})));
        check(json!({"NULL": true}), Ok(json!({"NULL": true})));
        check(
            json!({"M": {"a": {"L": [{"N": "1"}, {"SS": ["x"]}]}}}),
            Ok(json!({"M": {"a": {"L": [{"N": "1"}, {"SS": ["x"]}]}}})),
        );
        check(json!({"NS": ["1", "2.0"]}), Ok(json!({"NS": ["1", "2"]})));
        check(
            json!({"NULL": false}),
            Err(
                "One or more parameter values were invalid: Null attribute value types must have the value of true",
            ),
        );
        check(
            json!({"SS": []}),
            Err("One or more parameter values were invalid: An string set  may not be empty"),
        );
        check(
            json!({"NS": []}),
            Err("One or more parameter values were invalid: An number set  may not be empty"),
        );
        check(
            json!({"BS": []}),
            Err("One or more parameter values were invalid: Binary sets should not be empty"),
        );
        check(
            json!({"SS": ["a", "b", "a"]}),
            Err(
                "One or more parameter values were invalid: Input collection [a, b, a] contains duplicates.",
            ),
        );
        check(
            json!({"NS": ["1", "1.0"]}),
            Err("Input collection contains duplicates"),
        );
        check(
            json!({}),
            Err(
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes",
            ),
        );
        check(
            json!({"S": "a", "N": "1"}),
            Err(
                "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
            ),
        );
        check(
            json!({"N": "x1"}),
            Err("A value provided cannot be converted into a number"),
        );
        // 32 levels of maps and lists are allowed, 33 are not.
        let nest = |levels: usize| {
            let mut v = json!({"S": "leaf"});
            for i in 0..levels {
                v = if i % 2 == 0 {
                    json!({"M": {"k": v}})
                } else {
                    json!({"L": [v]})
                };
            }
            v
        };
        assert!(AttrValue::from_json(&nest(32)).is_ok());
        check(
            nest(33),
            Err("Nesting Levels have exceeded supported limits"),
        );
    }
}
