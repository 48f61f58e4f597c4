//! DynamoDB's legacy (pre-expression) parameters, translated into the expression AST:
//! `Expected`, `KeyConditions`, `QueryFilter`, `ScanFilter` (with `ConditionalOperator`)
//! become a [`Cond`]; `AttributeUpdates` becomes an [`Update`].

use serde_json::{Map, Value};

use crate::error::DdbError;
use crate::expr::ast::{CmpOp, Operand, SetValue, UpOperand};
use crate::expr::{Cond, PathElem, Update};
use crate::protocol::Body;
use crate::value::AttrValue;

fn values(spec: &Map<String, Value>) -> Result<Vec<AttrValue>, DdbError> {
    match spec.get("AttributeValueList").and_then(Value::as_array) {
        Some(a) => a.iter().map(AttrValue::from_json).collect(),
        None => Ok(Vec::new()),
    }
}

fn arity(op: &str, got: usize, want: usize) -> Result<(), DdbError> {
    if got != want {
        return Err(DdbError::invalid(format!(
            "Invalid number of argument(s) for the {op} ComparisonOperator"
        )));
    }
    Ok(())
}

/// DynamoDB's checks of an AttributeValueList, in its order: how many values, one type
/// for all, a type the operator takes, BETWEEN bounds in order.
fn check_values(op: &str, vals: &[AttrValue]) -> Result<(), DdbError> {
    let (count_ok, types): (bool, &[&str]) = match op {
        "NULL" | "NOT_NULL" => (vals.is_empty(), &[]),
        "EQ" | "NE" => (vals.len() == 1, &["S", "N", "B", "SS", "NS", "BS"]),
        "LE" | "LT" | "GE" | "GT" | "CONTAINS" | "NOT_CONTAINS" => {
            (vals.len() == 1, &["S", "N", "B"])
        }
        "BEGINS_WITH" => (vals.len() == 1, &["S", "B"]),
        "IN" => (!vals.is_empty(), &["S", "N", "B"]),
        "BETWEEN" => (vals.len() == 2, &["S", "N", "B"]),
        // Unknown operators are refused by name when the condition is built.
        _ => return Ok(()),
    };
    if !count_ok {
        return arity(op, vals.len(), usize::MAX);
    }
    if let Some(first) = vals.first()
        && vals.iter().any(|v| v.type_name() != first.type_name())
    {
        return Err(DdbError::invalid(
            "AttributeValues inside AttributeValueList must be of same type",
        ));
    }
    if let Some(v) = vals.iter().find(|v| !types.contains(&v.type_name())) {
        return Err(DdbError::invalid(format!(
            "ComparisonOperator {op} is not valid for {} AttributeValue type",
            v.type_name()
        )));
    }
    if op == "BETWEEN"
        && crate::expr::eval::compare(&vals[0], &vals[1]) == Some(std::cmp::Ordering::Greater)
    {
        return Err(DdbError::validation(
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
        ));
    }
    Ok(())
}

/// One `{ComparisonOperator, AttributeValueList}` condition on attribute `name`.
fn comparison(name: &str, spec: &Map<String, Value>) -> Result<Cond, DdbError> {
    let path = vec![PathElem::Attr(name.to_string())];
    let p = || Operand::Path(path.clone());
    let op = spec
        .get("ComparisonOperator")
        .and_then(Value::as_str)
        .unwrap_or("EQ");
    let mut vals = values(spec)?;
    let n = vals.len();
    check_values(op, &vals)?;
    let one = |vals: &mut Vec<AttrValue>| -> Result<Operand, DdbError> {
        arity(op, n, 1)?;
        Ok(Operand::Value(vals.remove(0)))
    };
    Ok(match op {
        "EQ" => Cond::Cmp(CmpOp::Eq, p(), one(&mut vals)?),
        "NE" => Cond::Cmp(CmpOp::Ne, p(), one(&mut vals)?),
        "LT" => Cond::Cmp(CmpOp::Lt, p(), one(&mut vals)?),
        "LE" => Cond::Cmp(CmpOp::Le, p(), one(&mut vals)?),
        "GT" => Cond::Cmp(CmpOp::Gt, p(), one(&mut vals)?),
        "GE" => Cond::Cmp(CmpOp::Ge, p(), one(&mut vals)?),
        "BEGINS_WITH" => Cond::BeginsWith(p(), one(&mut vals)?),
        "CONTAINS" => Cond::Contains(p(), one(&mut vals)?),
        "NOT_CONTAINS" => {
            let v = one(&mut vals)?;
            Cond::And(
                Box::new(Cond::Exists(path.clone())),
                Box::new(Cond::Not(Box::new(Cond::Contains(p(), v)))),
            )
        }
        "NOT_NULL" => {
            arity(op, n, 0)?;
            Cond::Exists(path)
        }
        "NULL" => {
            arity(op, n, 0)?;
            Cond::NotExists(path)
        }
        "IN" => {
            if n == 0 {
                return Err(DdbError::invalid(
                    "Invalid number of argument(s) for the IN ComparisonOperator",
                ));
            }
            Cond::In(p(), vals.into_iter().map(Operand::Value).collect())
        }
        "BETWEEN" => {
            arity(op, n, 2)?;
            let hi = vals.remove(1);
            let lo = vals.remove(0);
            Cond::Between(p(), Operand::Value(lo), Operand::Value(hi))
        }
        other => {
            return Err(DdbError::validation(format!(
                "1 validation error detected: Value '{other}' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]"
            )));
        }
    })
}

fn combine(conds: Vec<Cond>, or: bool) -> Option<Cond> {
    conds.into_iter().reduce(|a, b| {
        if or {
            Cond::Or(Box::new(a), Box::new(b))
        } else {
            Cond::And(Box::new(a), Box::new(b))
        }
    })
}

fn conditional_or(body: &Body) -> Result<bool, DdbError> {
    match body.opt_str("ConditionalOperator")?.as_deref() {
        None | Some("AND") => Ok(false),
        Some("OR") => Ok(true),
        Some(o) => Err(DdbError::validation(format!(
            "1 validation error detected: Value '{o}' at 'conditionalOperator' failed to satisfy constraint: Member must satisfy enum value set: [OR, AND]"
        ))),
    }
}

/// The legacy `Expected` map of a write.
pub fn expected(body: &Body) -> Result<Option<Cond>, DdbError> {
    let Some(m) = body.opt_object("Expected")? else {
        return Ok(None);
    };
    let mut conds = Vec::new();
    for (name, spec) in m {
        let spec = spec.as_object().cloned().unwrap_or_default();
        let path = vec![PathElem::Attr(name.clone())];
        let exists = spec.get("Exists").and_then(Value::as_bool);
        if spec.contains_key("ComparisonOperator") {
            conds.push(comparison(name, &spec)?);
        } else if let Some(v) = spec.get("Value") {
            if exists == Some(false) {
                return Err(DdbError::invalid(format!(
                    "Value cannot be used when Exists is false for Attribute: {name}"
                )));
            }
            conds.push(Cond::Cmp(
                CmpOp::Eq,
                Operand::Path(path),
                Operand::Value(AttrValue::from_json(v)?),
            ));
        } else if exists == Some(false) {
            conds.push(Cond::NotExists(path));
        } else {
            return Err(DdbError::invalid(format!(
                "Value must be provided when Exists is true for Attribute: {name}"
            )));
        }
    }
    Ok(combine(conds, conditional_or(body)?))
}

/// A legacy filter map (`KeyConditions`, `QueryFilter`, `ScanFilter`).
pub fn filter(body: &Body, member: &str) -> Result<Option<Cond>, DdbError> {
    let Some(m) = body.opt_object(member)? else {
        return Ok(None);
    };
    let mut conds = Vec::new();
    for (name, spec) in m {
        conds.push(comparison(
            name,
            &spec.as_object().cloned().unwrap_or_default(),
        )?);
    }
    let or = member != "KeyConditions" && conditional_or(body)?;
    Ok(combine(conds, or))
}

/// The legacy `AttributeUpdates` of UpdateItem.
pub fn attribute_updates(body: &Body) -> Result<Option<Update>, DdbError> {
    let Some(m) = body.opt_object("AttributeUpdates")? else {
        return Ok(None);
    };
    let mut u = Update::default();
    for (name, spec) in m {
        let path = vec![PathElem::Attr(name.clone())];
        let action = spec["Action"].as_str().unwrap_or("PUT");
        let value = spec
            .get("Value")
            .filter(|v| !v.is_null())
            .map(AttrValue::from_json)
            .transpose()?;
        match (action, value) {
            ("PUT", Some(v)) => u.set.push((path, SetValue::Operand(UpOperand::Value(v)))),
            ("PUT", None) => {
                return Err(DdbError::invalid(format!(
                    "Only DELETE action is allowed when no attribute value is specified for Attribute: {name}"
                )));
            }
            ("DELETE", None) => u.remove.push(path),
            ("DELETE", Some(v)) => u.delete.push((path, v)),
            ("ADD", Some(AttrValue::L(l))) => u.set.push((
                path.clone(),
                SetValue::Operand(UpOperand::ListAppend(
                    Box::new(UpOperand::IfNotExists(
                        path,
                        Box::new(UpOperand::Value(AttrValue::L(Vec::new()))),
                    )),
                    Box::new(UpOperand::Value(AttrValue::L(l))),
                )),
            )),
            ("ADD", Some(v)) => u.add.push((path, v)),
            ("ADD", None) => {
                return Err(DdbError::invalid(format!(
                    "Only DELETE action is allowed when no attribute value is specified for Attribute: {name}"
                )));
            }
            (other, _) => {
                return Err(DdbError::validation(format!(
                    "1 validation error detected: Value '{other}' at 'attributeUpdates.{name}.member.action' failed to satisfy constraint: Member must satisfy enum value set: [ADD, PUT, DELETE]"
                )));
            }
        }
    }
    Ok(Some(u))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Builds the condition of one legacy `{ComparisonOperator, AttributeValueList}`.
    fn check(spec: Value, want: Result<&str, &str>) {
        let got = comparison("a", spec.as_object().unwrap())
            .map(|c| format!("{c:?}"))
            .map_err(|e| e.to_string());
        assert_eq!(got.as_deref().map_err(String::as_str), want, "{spec}");
    }

    #[test]
    fn attribute_value_lists() {
        check(
            json!({"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "x"}]}),
            Ok(r#"BeginsWith(Path([Attr("a")]), Value(S("x")))"#),
        );
        check(
            json!({"ComparisonOperator": "NULL"}),
            Ok(r#"NotExists([Attr("a")])"#),
        );
        let errors = [
            (
                json!({"ComparisonOperator": "EQ"}),
                "One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator",
            ),
            (
                json!({"ComparisonOperator": "NOT_NULL", "AttributeValueList": [{"S": "x"}]}),
                "One or more parameter values were invalid: Invalid number of argument(s) for the NOT_NULL ComparisonOperator",
            ),
            (
                json!({"ComparisonOperator": "IN", "AttributeValueList": [{"S": "x"}, {"N": "1"}]}),
                "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type",
            ),
            (
                json!({"ComparisonOperator": "LT", "AttributeValueList": [{"SS": ["x"]}]}),
                "One or more parameter values were invalid: ComparisonOperator LT is not valid for SS AttributeValue type",
            ),
            (
                json!({"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"N": "1"}]}),
                "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type",
            ),
            (
                json!({"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "2"}, {"N": "1"}]}),
                "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound",
            ),
            (
                json!({"ComparisonOperator": "LIKE", "AttributeValueList": [{"S": "x"}]}),
                "1 validation error detected: Value 'LIKE' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]",
            ),
        ];
        for (spec, want) in errors {
            check(spec, Err(want));
        }
    }
}
