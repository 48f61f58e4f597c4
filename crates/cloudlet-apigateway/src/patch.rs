//! `patchOperations` (the `Update*` operations): applies add/replace/remove operations to
//! the JSON form of an object, restricted to the paths each operation allows. Pure.

use serde_json::Value;

use crate::error::ApiError;
use crate::protocol::PatchOp;

/// The kind of value a patchable path holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Str,
    Bool,
    Int,
    /// A string map: the op path names one key (`/variables/name`).
    Map,
    /// A bool map: the op path names one key (`/requestParameters/method.request.header.x`).
    BoolMap,
    /// A list of strings: the op path names one item (`/binaryMediaTypes/image~1png`).
    List,
}

/// Unescapes one JSON-pointer token.
fn unescape(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

fn parse_value(kind: Kind, raw: Option<&str>, path: &str) -> Result<Value, ApiError> {
    let raw = raw.unwrap_or("");
    Ok(match kind {
        Kind::Str | Kind::Map | Kind::List => Value::String(raw.to_string()),
        Kind::Bool | Kind::BoolMap => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => {
                return Err(ApiError::bad(format!(
                    "Invalid value '{raw}' specified for path '{path}': must be a boolean"
                )));
            }
        },
        Kind::Int => Value::from(raw.parse::<i64>().map_err(|_| {
            ApiError::bad(format!(
                "Invalid value '{raw}' specified for path '{path}': must be an integer"
            ))
        })?),
    })
}

/// Applies `ops` to `target` (a JSON object), allowing only `rules`.
pub fn apply(target: &mut Value, ops: &[PatchOp], rules: &[(&str, Kind)]) -> Result<(), ApiError> {
    for op in ops {
        let verb = op.op.as_str();
        if !matches!(
            verb,
            "add" | "remove" | "replace" | "move" | "copy" | "test"
        ) {
            return Err(ApiError::bad(
                "Invalid patch operation specified. Must be one of: [add, remove, move, test, replace, copy]",
            ));
        }
        let bad_path = || {
            ApiError::bad(format!(
                "Invalid patch path '{}' specified for op '{verb}'. Must be one of: [{}]",
                op.path,
                rules.iter().map(|r| r.0).collect::<Vec<_>>().join(", ")
            ))
        };
        if matches!(verb, "move" | "copy" | "test") {
            return Err(ApiError::bad(format!(
                "Invalid patch operation specified. Op '{verb}' is not supported for path '{}'",
                op.path
            )));
        }
        let Some(obj) = target.as_object_mut() else {
            return Err(bad_path());
        };
        let (field, kind, tail) = rules
            .iter()
            .find_map(|(p, k)| {
                if op.path == *p {
                    Some((p, *k, None))
                } else {
                    op.path
                        .strip_prefix(p)
                        .and_then(|t| t.strip_prefix('/'))
                        .filter(|t| !t.is_empty())
                        .filter(|_| matches!(k, Kind::Map | Kind::BoolMap | Kind::List))
                        .map(|t| (p, *k, Some(unescape(t))))
                }
            })
            .ok_or_else(bad_path)?;
        let name = unescape(field.trim_start_matches('/'));
        match (kind, tail) {
            (Kind::Map | Kind::BoolMap, Some(key)) => {
                let entry = obj
                    .entry(name)
                    .or_insert_with(|| Value::Object(Default::default()));
                if !entry.is_object() {
                    *entry = Value::Object(Default::default());
                }
                let Some(map) = entry.as_object_mut() else {
                    return Err(bad_path());
                };
                if verb == "remove" {
                    map.remove(&key);
                } else {
                    map.insert(key, parse_value(kind, op.value.as_deref(), &op.path)?);
                }
            }
            (Kind::List, Some(item)) => {
                let entry = obj.entry(name).or_insert_with(|| Value::Array(Vec::new()));
                if !entry.is_array() {
                    *entry = Value::Array(Vec::new());
                }
                let Some(list) = entry.as_array_mut() else {
                    return Err(bad_path());
                };
                list.retain(|v| v.as_str() != Some(item.as_str()));
                match verb {
                    "add" => list.push(Value::String(item)),
                    "replace" => {
                        list.push(Value::String(op.value.clone().unwrap_or_default()));
                    }
                    _ => {}
                }
            }
            (Kind::Map | Kind::BoolMap | Kind::List, None) => {
                if verb == "remove" {
                    obj.remove(&name);
                } else {
                    return Err(bad_path());
                }
            }
            (_, _) => {
                if verb == "remove" {
                    obj.remove(&name);
                } else {
                    obj.insert(name, parse_value(kind, op.value.as_deref(), &op.path)?);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn op(op: &str, path: &str, value: Option<&str>) -> PatchOp {
        PatchOp {
            op: op.into(),
            path: path.into(),
            value: value.map(Into::into),
            from: None,
        }
    }

    const RULES: &[(&str, Kind)] = &[
        ("/name", Kind::Str),
        ("/tracingEnabled", Kind::Bool),
        ("/minimumCompressionSize", Kind::Int),
        ("/variables", Kind::Map),
        ("/binaryMediaTypes", Kind::List),
    ];

    fn check(start: Value, ops: Vec<PatchOp>, want: Result<Value, &str>) {
        let mut v = start;
        let got = apply(&mut v, &ops, RULES)
            .map(|_| v)
            .map_err(|e| e.to_string());
        match (got, want) {
            (Ok(g), Ok(w)) => assert_eq!(g, w),
            (Err(g), Err(w)) => assert!(g.starts_with(w), "{g}"),
            (g, w) => panic!("got {g:?}, want {w:?}"),
        }
    }

    #[test]
    fn patches() {
        check(
            json!({"name": "a"}),
            vec![op("replace", "/name", Some("b"))],
            Ok(json!({"name": "b"})),
        );
        check(
            json!({}),
            vec![
                op("replace", "/variables/env", Some("dev")),
                op("add", "/binaryMediaTypes/image~1png", None),
                op("replace", "/tracingEnabled", Some("true")),
                op("replace", "/minimumCompressionSize", Some("10")),
            ],
            Ok(
                json!({"variables": {"env": "dev"}, "binaryMediaTypes": ["image/png"],
                      "tracingEnabled": true, "minimumCompressionSize": 10}),
            ),
        );
        check(
            json!({"variables": {"a": "1", "b": "2"}}),
            vec![op("remove", "/variables/a", None)],
            Ok(json!({"variables": {"b": "2"}})),
        );
        check(
            json!({}),
            vec![op("replace", "/id", Some("x"))],
            Err("Invalid patch path '/id' specified for op 'replace'"),
        );
        check(
            json!({}),
            vec![op("frob", "/name", Some("x"))],
            Err("Invalid patch operation specified"),
        );
        check(
            json!({}),
            vec![op("replace", "/tracingEnabled", Some("yes"))],
            Err("Invalid value 'yes'"),
        );
    }
}
