//! Key conditions: a parsed KeyConditionExpression (or legacy KeyConditions) checked the
//! way DynamoDB checks it — first its shape (operators, one key attribute per condition,
//! no nesting, one condition per key), then against the key schema of the table or index
//! queried — and split into the partition value and the optional sort-key condition.
//!
//! Pure: it knows key schemas and conditions, nothing of storage.

use std::cmp::Ordering;

use crate::error::DdbError;
use crate::expr::ast::{CmpOp, Operand};
use crate::expr::{Cond, PathElem, eval};
use crate::state::KeyAttr;
use crate::value::AttrValue;

/// The sort-key part of a key condition.
#[derive(Clone, Debug, PartialEq)]
pub enum RangeCond {
    Cmp(CmpOp, AttrValue),
    Between(AttrValue, AttrValue),
    BeginsWith(AttrValue),
}

impl RangeCond {
    /// Whether a sort-key value satisfies the condition (for ExclusiveStartKey checks).
    pub fn matches(&self, v: &AttrValue) -> bool {
        let cmp = |w: &AttrValue| eval::compare(v, w);
        match self {
            RangeCond::Cmp(op, w) => match (op, cmp(w)) {
                (_, None) => false,
                (CmpOp::Eq, Some(o)) => o == Ordering::Equal,
                (CmpOp::Lt, Some(o)) => o == Ordering::Less,
                (CmpOp::Le, Some(o)) => o != Ordering::Greater,
                (CmpOp::Gt, Some(o)) => o == Ordering::Greater,
                (CmpOp::Ge, Some(o)) => o != Ordering::Less,
                (CmpOp::Ne, Some(o)) => o != Ordering::Equal,
            },
            RangeCond::Between(lo, hi) => {
                matches!(cmp(lo), Some(Ordering::Greater | Ordering::Equal))
                    && matches!(cmp(hi), Some(Ordering::Less | Ordering::Equal))
            }
            RangeCond::BeginsWith(p) => match (v, p) {
                (AttrValue::S(s), AttrValue::S(p)) => s.starts_with(p.as_str()),
                (AttrValue::B(s), AttrValue::B(p)) => s.starts_with(p),
                _ => false,
            },
        }
    }
}

/// One condition on one key attribute, the attribute on the left.
enum Part<'a> {
    Cmp(CmpOp, &'a Operand),
    Between(&'a Operand, &'a Operand),
    BeginsWith(&'a Operand),
}

fn invalid(msg: &str) -> DdbError {
    DdbError::validation(msg)
}

fn invalid_operator(op: &str) -> DdbError {
    DdbError::validation(format!(
        "Invalid operator used in KeyConditionExpression: {op}"
    ))
}

fn first_operand(op: &str) -> DdbError {
    DdbError::validation(format!(
        "Invalid condition in KeyConditionExpression: {op} operator must have the key attribute as its first operand"
    ))
}

/// The one key attribute among `operands`, and its position.
fn key_attr(operands: &[&Operand]) -> Result<(String, usize), DdbError> {
    let mut found: Option<(String, usize)> = None;
    for (i, o) in operands.iter().enumerate() {
        match o {
            Operand::Path(p) => {
                if found.is_some() {
                    return Err(invalid(
                        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
                    ));
                }
                match p.as_slice() {
                    [PathElem::Attr(a)] => found = Some((a.clone(), i)),
                    _ => {
                        return Err(invalid(
                            "KeyConditionExpressions cannot have conditions on nested attributes",
                        ));
                    }
                }
            }
            Operand::Size(_) => {
                return Err(invalid(
                    "KeyConditionExpressions cannot contain nested operations",
                ));
            }
            Operand::Value(_) => {}
        }
    }
    found.ok_or_else(|| {
        invalid("Invalid condition in KeyConditionExpression: No key attribute specified")
    })
}

fn flipped(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        other => other,
    }
}

/// The conditions of `c`, in order, each on one attribute.
fn parts<'a>(c: &'a Cond, out: &mut Vec<(String, Part<'a>)>) -> Result<(), DdbError> {
    let (attr, part) = match c {
        Cond::And(a, b) => {
            parts(a, out)?;
            return parts(b, out);
        }
        Cond::Or(..) => return Err(invalid_operator("OR")),
        Cond::Not(..) => return Err(invalid_operator("NOT")),
        Cond::In(..) => return Err(invalid_operator("IN")),
        Cond::Cmp(CmpOp::Ne, ..) => return Err(invalid_operator("<>")),
        Cond::Contains(..) => return Err(invalid_operator("contains")),
        Cond::Exists(_) => return Err(invalid_operator("attribute_exists")),
        Cond::NotExists(_) => return Err(invalid_operator("attribute_not_exists")),
        Cond::Type(..) => return Err(invalid_operator("attribute_type")),
        Cond::Cmp(op, a, b) => {
            let (attr, at) = key_attr(&[a, b])?;
            if at == 0 {
                (attr, Part::Cmp(*op, b))
            } else {
                (attr, Part::Cmp(flipped(*op), a))
            }
        }
        Cond::Between(a, lo, hi) => {
            if !matches!(a, Operand::Path(_)) {
                return Err(first_operand("BETWEEN"));
            }
            (key_attr(&[a, lo, hi])?.0, Part::Between(lo, hi))
        }
        Cond::BeginsWith(a, p) => {
            if !matches!(a, Operand::Path(_)) {
                return Err(first_operand("begins_with"));
            }
            (key_attr(&[a, p])?.0, Part::BeginsWith(p))
        }
    };
    if out.iter().any(|(a, _)| *a == attr) {
        return Err(invalid(
            "KeyConditionExpressions must only contain one condition per key",
        ));
    }
    out.push((attr, part));
    Ok(())
}

fn unsupported() -> DdbError {
    DdbError::validation("Query key condition not supported")
}

fn missed(k: &KeyAttr) -> DdbError {
    DdbError::validation(format!(
        "Query condition missed key schema element: {}",
        k.name
    ))
}

fn value_of<'a>(o: &'a Operand, k: &KeyAttr) -> Result<&'a AttrValue, DdbError> {
    match o {
        Operand::Value(v) if v.type_name() == k.ty => Ok(v),
        Operand::Value(_) => Err(DdbError::invalid(
            "Condition parameter type does not match schema type",
        )),
        _ => Err(unsupported()),
    }
}

/// Splits a key condition into the partition value and the optional sort-key condition,
/// for the key schema `hash` (+ `range`).
pub fn analyze(
    c: &Cond,
    hash: &KeyAttr,
    range: Option<&KeyAttr>,
) -> Result<(AttrValue, Option<RangeCond>), DdbError> {
    let mut ps = Vec::new();
    parts(c, &mut ps)?;
    if ps.len() > 2 {
        return Err(invalid("Conditions can be of length 1 or 2 only"));
    }
    if range.is_none() && ps.len() > 1 {
        return Err(unsupported());
    }
    let find = |k: &KeyAttr| ps.iter().find(|(a, _)| *a == k.name).map(|(_, p)| p);
    let hv = match find(hash) {
        None => return Err(missed(hash)),
        Some(Part::Cmp(op, v)) => {
            let v = value_of(v, hash)?;
            if *op != CmpOp::Eq {
                return Err(unsupported());
            }
            v.clone()
        }
        Some(Part::Between(lo, hi)) => {
            value_of(lo, hash)?;
            value_of(hi, hash)?;
            return Err(unsupported());
        }
        Some(Part::BeginsWith(v)) => {
            value_of(v, hash)?;
            return Err(unsupported());
        }
    };
    let Some(r) = range else {
        return Ok((hv, None));
    };
    let rc = match find(r) {
        None if ps.len() > 1 => return Err(missed(r)),
        None => None,
        Some(Part::Cmp(op, v)) => Some(RangeCond::Cmp(*op, value_of(v, r)?.clone())),
        Some(Part::Between(lo, hi)) => Some(RangeCond::Between(
            value_of(lo, r)?.clone(),
            value_of(hi, r)?.clone(),
        )),
        Some(Part::BeginsWith(v)) => Some(RangeCond::BeginsWith(value_of(v, r)?.clone())),
    };
    Ok((hv, rc))
}

/// Every document path condition `c` reads.
pub fn paths(c: &Cond) -> Vec<&crate::expr::Path> {
    fn operand<'a>(o: &'a Operand, out: &mut Vec<&'a crate::expr::Path>) {
        if let Operand::Path(p) | Operand::Size(p) = o {
            out.push(p);
        }
    }
    fn walk<'a>(c: &'a Cond, out: &mut Vec<&'a crate::expr::Path>) {
        match c {
            Cond::And(a, b) | Cond::Or(a, b) => {
                walk(a, out);
                walk(b, out);
            }
            Cond::Not(a) => walk(a, out),
            Cond::Exists(p) | Cond::NotExists(p) => out.push(p),
            Cond::Type(p, t) => {
                out.push(p);
                operand(t, out);
            }
            Cond::Cmp(_, a, b) | Cond::BeginsWith(a, b) | Cond::Contains(a, b) => {
                operand(a, out);
                operand(b, out);
            }
            Cond::Between(a, b, d) => {
                for o in [a, b, d] {
                    operand(o, out);
                }
            }
            Cond::In(a, l) => {
                operand(a, out);
                l.iter().for_each(|o| operand(o, out));
            }
        }
    }
    let mut out = Vec::new();
    walk(c, &mut out);
    out
}

/// Whether condition `c` reads attribute `attr` (at the top of any of its paths).
pub fn refers_to(c: &Cond, attr: &str) -> bool {
    let head = |p: &crate::expr::Path| matches!(p.first(), Some(PathElem::Attr(a)) if a == attr);
    let operand = |o: &Operand| match o {
        Operand::Path(p) | Operand::Size(p) => head(p),
        Operand::Value(_) => false,
    };
    match c {
        Cond::And(a, b) | Cond::Or(a, b) => refers_to(a, attr) || refers_to(b, attr),
        Cond::Not(a) => refers_to(a, attr),
        Cond::Exists(p) | Cond::NotExists(p) => head(p),
        Cond::Type(p, t) => head(p) || operand(t),
        Cond::Cmp(_, a, b) | Cond::BeginsWith(a, b) | Cond::Contains(a, b) => {
            operand(a) || operand(b)
        }
        Cond::Between(a, b, d) => operand(a) || operand(b) || operand(d),
        Cond::In(a, l) => operand(a) || l.iter().any(operand),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::Resolver;
    use crate::expr::parser::{Kind, parse_condition};
    use crate::protocol::ExprInput;
    use crate::value::parse_item;
    use serde_json::json;

    fn key(name: &str, ty: &str) -> KeyAttr {
        KeyAttr {
            name: name.into(),
            ty: ty.into(),
        }
    }

    /// Analyzes `expr` for a table keyed `pk` (S) + `sk` (N), or `pk` alone, and renders
    /// the outcome as `partition value; sort condition`.
    fn check(expr: &str, with_range: bool, want: Result<&str, &str>) {
        let values = parse_item(&json!({
            ":p": {"S": "a"}, ":n": {"N": "1"}, ":m": {"N": "2"}, ":s": {"S": "x"}
        }))
        .unwrap();
        let mut r = Resolver::new(&ExprInput {
            names: None,
            values: Some(values),
        })
        .unwrap();
        let range = key("sk", "N");
        let got = parse_condition(expr, Kind::KeyCondition, &mut r)
            .and_then(|c| analyze(&c, &key("pk", "S"), with_range.then_some(&range)))
            .map(|(h, rc)| format!("{}; {rc:?}", h.to_json()))
            .map_err(|e| e.to_string());
        assert_eq!(got.as_deref().map_err(String::as_str), want, "{expr}");
    }

    #[test]
    fn shapes_and_schema() {
        let ok: &[(&str, &str)] = &[
            ("pk = :p", r#"{"S":"a"}; None"#),
            (":p = pk", r#"{"S":"a"}; None"#),
            (
                "pk = :p AND sk = :n",
                r#"{"S":"a"}; Some(Cmp(Eq, N(Number { mantissa: 1, exp: 0 })))"#,
            ),
            (
                ":n > sk AND pk = :p",
                r#"{"S":"a"}; Some(Cmp(Lt, N(Number { mantissa: 1, exp: 0 })))"#,
            ),
            (
                "pk = :p AND sk BETWEEN :n AND :m",
                r#"{"S":"a"}; Some(Between(N(Number { mantissa: 1, exp: 0 }), N(Number { mantissa: 2, exp: 0 })))"#,
            ),
            (
                "(pk = :p) AND (sk >= :n)",
                r#"{"S":"a"}; Some(Cmp(Ge, N(Number { mantissa: 1, exp: 0 })))"#,
            ),
        ];
        for (expr, want) in ok {
            check(expr, true, Ok(want));
        }
        let errors: &[(&str, &str)] = &[
            ("sk = :n", "Query condition missed key schema element: pk"),
            (
                "colour = :p",
                "Query condition missed key schema element: pk",
            ),
            (
                "pk = :p AND colour = :n",
                "Query condition missed key schema element: sk",
            ),
            (
                "pk = :p OR sk = :n",
                "Invalid operator used in KeyConditionExpression: OR",
            ),
            (
                "NOT pk = :p",
                "Invalid operator used in KeyConditionExpression: NOT",
            ),
            (
                "pk IN (:p)",
                "Invalid operator used in KeyConditionExpression: IN",
            ),
            (
                "pk = :p AND sk <> :n",
                "Invalid operator used in KeyConditionExpression: <>",
            ),
            (
                "pk = :p AND contains(sk, :n)",
                "Invalid operator used in KeyConditionExpression: contains",
            ),
            (
                "pk = :p AND attribute_exists(sk)",
                "Invalid operator used in KeyConditionExpression: attribute_exists",
            ),
            (
                "pk = :p AND pk = :p",
                "KeyConditionExpressions must only contain one condition per key",
            ),
            (
                "pk = :p AND sk > :n AND sk < :m",
                "KeyConditionExpressions must only contain one condition per key",
            ),
            (
                "pk = :p AND sk > :n AND colour = :m",
                "Conditions can be of length 1 or 2 only",
            ),
            (
                "pk = sk",
                "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
            ),
            (
                ":p = :s",
                "Invalid condition in KeyConditionExpression: No key attribute specified",
            ),
            (
                "pk.x = :p",
                "KeyConditionExpressions cannot have conditions on nested attributes",
            ),
            (
                "pk = :p AND size(sk) = :n",
                "KeyConditionExpressions cannot contain nested operations",
            ),
            (
                ":n BETWEEN sk AND :m",
                "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand",
            ),
            (
                "begins_with(:s, sk)",
                "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand",
            ),
            ("pk < :p", "Query key condition not supported"),
            ("begins_with(pk, :p)", "Query key condition not supported"),
            (
                "pk = :n",
                "One or more parameter values were invalid: Condition parameter type does not match schema type",
            ),
            (
                "pk = :p AND sk = :s",
                "One or more parameter values were invalid: Condition parameter type does not match schema type",
            ),
            (
                "pk = :p AND begins_with(sk, :n)",
                "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
            ),
        ];
        for (expr, want) in errors {
            check(expr, true, Err(want));
        }
        // A table without a sort key takes one condition.
        check("pk = :p", false, Ok(r#"{"S":"a"}; None"#));
        check(
            "pk = :p AND sk = :n",
            false,
            Err("Query key condition not supported"),
        );
    }

    #[test]
    fn start_keys_against_sort_conditions() {
        let n = |s: &str| AttrValue::N(crate::number::Number::parse(s).unwrap());
        let s = |v: &str| AttrValue::S(v.into());
        let cases = [
            (RangeCond::Cmp(CmpOp::Lt, n("5")), n("4"), true),
            (RangeCond::Cmp(CmpOp::Lt, n("5")), n("5"), false),
            (RangeCond::Cmp(CmpOp::Ge, n("5")), n("5"), true),
            (RangeCond::Between(n("1"), n("3")), n("3"), true),
            (RangeCond::Between(n("1"), n("3")), n("0.5"), false),
            (RangeCond::BeginsWith(s("ab")), s("abc"), true),
            (RangeCond::BeginsWith(s("ab")), s("b"), false),
            (RangeCond::Cmp(CmpOp::Eq, s("a")), n("1"), false),
        ];
        for (rc, v, want) in cases {
            assert_eq!(rc.matches(&v), want, "{rc:?} {v:?}");
        }
    }
}
