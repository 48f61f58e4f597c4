//! Evaluation of conditions and projections over an item: document-path lookup, DynamoDB's
//! comparison rules (only same-type S, N and B order; different types are never equal),
//! and the functions `attribute_exists`, `attribute_not_exists`, `attribute_type`,
//! `begins_with`, `contains` and `size`.

use std::cmp::Ordering;

use super::ast::*;
use crate::error::DdbError;
use crate::number::Number;
use crate::value::{AttrValue, Item};

/// The value at `path` in `item`, if any.
pub fn lookup<'a>(item: &'a Item, path: &Path) -> Option<&'a AttrValue> {
    let mut it = path.iter();
    let mut cur = match it.next()? {
        PathElem::Attr(a) => item.get(a)?,
        PathElem::Index(_) => return None,
    };
    for e in it {
        cur = match (e, cur) {
            (PathElem::Attr(a), AttrValue::M(m)) => m.get(a)?,
            (PathElem::Index(i), AttrValue::L(l)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// What `size` gives for a value: characters of a string, bytes of a binary, elements of
/// a set, list or map; nothing for other types.
pub fn size_of(v: &AttrValue) -> Option<Number> {
    let n = match v {
        AttrValue::S(s) => s.chars().count(),
        AttrValue::B(b) => b.len(),
        AttrValue::Ss(s) => s.len(),
        AttrValue::Ns(s) => s.len(),
        AttrValue::Bs(s) => s.len(),
        AttrValue::M(m) => m.len(),
        AttrValue::L(l) => l.len(),
        _ => return None,
    };
    Some(Number::from_i64(n as i64))
}

fn operand<'a>(item: &'a Item, o: &'a Operand) -> Option<std::borrow::Cow<'a, AttrValue>> {
    use std::borrow::Cow;
    match o {
        Operand::Path(p) => lookup(item, p).map(Cow::Borrowed),
        Operand::Value(v) => Some(Cow::Borrowed(v)),
        Operand::Size(p) => lookup(item, p)
            .and_then(size_of)
            .map(|n| Cow::Owned(AttrValue::N(n))),
    }
}

/// Orders two scalar values of the same type (S, N, B); `None` for anything else.
pub fn compare(a: &AttrValue, b: &AttrValue) -> Option<Ordering> {
    match (a, b) {
        (AttrValue::S(x), AttrValue::S(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (AttrValue::N(x), AttrValue::N(y)) => Some(x.cmp(y)),
        (AttrValue::B(x), AttrValue::B(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Value equality as DynamoDB defines it (sets compare as sets).
pub fn equal(a: &AttrValue, b: &AttrValue) -> bool {
    match (a, b) {
        (AttrValue::Ss(x), AttrValue::Ss(y)) => {
            x.len() == y.len() && x.iter().all(|v| y.contains(v))
        }
        (AttrValue::Ns(x), AttrValue::Ns(y)) => {
            x.len() == y.len() && x.iter().all(|v| y.contains(v))
        }
        (AttrValue::Bs(x), AttrValue::Bs(y)) => {
            x.len() == y.len() && x.iter().all(|v| y.contains(v))
        }
        (AttrValue::M(x), AttrValue::M(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).map(|w| equal(v, w)).unwrap_or(false))
        }
        (AttrValue::L(x), AttrValue::L(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| equal(v, w))
        }
        _ => a == b,
    }
}

const TYPES: [&str; 10] = ["S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"];

/// Evaluates a condition against an item (an absent item is an empty one).
pub fn eval(c: &Cond, item: &Item) -> Result<bool, DdbError> {
    Ok(match c {
        Cond::And(a, b) => eval(a, item)? && eval(b, item)?,
        Cond::Or(a, b) => eval(a, item)? || eval(b, item)?,
        Cond::Not(a) => !eval(a, item)?,
        Cond::Exists(p) => lookup(item, p).is_some(),
        Cond::NotExists(p) => lookup(item, p).is_none(),
        Cond::Cmp(op, a, b) => {
            let (Some(x), Some(y)) = (operand(item, a), operand(item, b)) else {
                return Ok(
                    *op == CmpOp::Ne && (operand(item, a).is_some() || operand(item, b).is_some())
                );
            };
            match op {
                CmpOp::Eq => equal(&x, &y),
                CmpOp::Ne => !equal(&x, &y),
                _ => match compare(&x, &y) {
                    None => false,
                    Some(o) => match op {
                        CmpOp::Lt => o == Ordering::Less,
                        CmpOp::Le => o != Ordering::Greater,
                        CmpOp::Gt => o == Ordering::Greater,
                        _ => o != Ordering::Less,
                    },
                },
            }
        }
        Cond::Between(a, lo, hi) => {
            let (Some(x), Some(l), Some(h)) =
                (operand(item, a), operand(item, lo), operand(item, hi))
            else {
                return Ok(false);
            };
            // Literal bounds out of order were refused by the parser; bounds read from
            // the item simply select nothing.
            matches!(compare(&x, &l), Some(Ordering::Greater | Ordering::Equal))
                && matches!(compare(&x, &h), Some(Ordering::Less | Ordering::Equal))
        }
        Cond::In(a, list) => match operand(item, a) {
            None => false,
            Some(x) => list
                .iter()
                .any(|o| operand(item, o).map(|y| equal(&x, &y)).unwrap_or(false)),
        },
        Cond::Type(p, t) => {
            let Some(tv) = operand(item, t) else {
                return Ok(false);
            };
            let AttrValue::S(ty) = tv.as_ref() else {
                return Err(DdbError::validation(format!(
                    "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {}",
                    tv.type_name()
                )));
            };
            if !TYPES.contains(&ty.as_str()) {
                return Err(DdbError::validation(format!(
                    "Invalid ConditionExpression: Invalid attribute type name found; type: {ty}, valid types: {{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}"
                )));
            }
            lookup(item, p)
                .map(|v| v.type_name() == ty)
                .unwrap_or(false)
        }
        Cond::BeginsWith(a, b) => {
            if let Some(v) = operand(item, b)
                && !matches!(v.as_ref(), AttrValue::S(_) | AttrValue::B(_))
                && matches!(b, Operand::Value(_))
            {
                return Err(DdbError::validation(format!(
                    "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: {}",
                    v.type_name()
                )));
            }
            match (operand(item, a), operand(item, b)) {
                (Some(x), Some(y)) => match (x.as_ref(), y.as_ref()) {
                    (AttrValue::S(s), AttrValue::S(p)) => s.starts_with(p.as_str()),
                    (AttrValue::B(s), AttrValue::B(p)) => s.starts_with(p),
                    _ => false,
                },
                _ => false,
            }
        }
        Cond::Contains(a, b) => match (operand(item, a), operand(item, b)) {
            (Some(x), Some(y)) => match (x.as_ref(), y.as_ref()) {
                (AttrValue::S(s), AttrValue::S(p)) => s.contains(p.as_str()),
                (AttrValue::B(s), AttrValue::B(p)) => {
                    p.is_empty() || s.windows(p.len()).any(|w| w == p.as_slice())
                }
                (AttrValue::Ss(s), AttrValue::S(p)) => s.contains(p),
                (AttrValue::Ns(s), AttrValue::N(p)) => s.contains(p),
                (AttrValue::Bs(s), AttrValue::B(p)) => s.contains(p),
                (AttrValue::L(l), v) => l.iter().any(|e| equal(e, v)),
                _ => false,
            },
            _ => false,
        },
    })
}

/// Keeps only the attributes named by `paths` (nested maps and lists pruned accordingly).
pub fn project(item: &Item, paths: &[Path]) -> Item {
    let mut out = Item::new();
    for p in paths {
        if let Some(v) = lookup(item, p) {
            insert_projected(&mut out, p, v.clone());
        }
    }
    // List elements were collected by index; compact them in index order.
    out
}

fn insert_projected(out: &mut Item, path: &Path, v: AttrValue) {
    let Some(PathElem::Attr(first)) = path.first() else {
        return;
    };
    if path.len() == 1 {
        out.insert(first.clone(), v);
        return;
    }
    let slot = out.entry(first.clone()).or_insert_with(|| match path[1] {
        PathElem::Attr(_) => AttrValue::M(Item::new()),
        PathElem::Index(_) => AttrValue::L(Vec::new()),
    });
    insert_nested(slot, &path[1..], v);
}

fn insert_nested(slot: &mut AttrValue, rest: &[PathElem], v: AttrValue) {
    let Some(head) = rest.first() else {
        *slot = v;
        return;
    };
    let make = |next: Option<&PathElem>| match next {
        Some(PathElem::Index(_)) => AttrValue::L(Vec::new()),
        _ => AttrValue::M(Item::new()),
    };
    match (head, slot) {
        (PathElem::Attr(a), AttrValue::M(m)) => {
            if rest.len() == 1 {
                m.insert(a.clone(), v);
            } else {
                let child = m.entry(a.clone()).or_insert_with(|| make(rest.get(1)));
                insert_nested(child, &rest[1..], v);
            }
        }
        (PathElem::Index(_), AttrValue::L(l)) => {
            // Projected list elements keep their relative order, compacted.
            if rest.len() == 1 {
                l.push(v);
            } else {
                let mut child = make(rest.get(1));
                insert_nested(&mut child, &rest[1..], v);
                l.push(child);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parser::{Kind, parse_condition, parse_projection};
    use crate::expr::resolve::Resolver;
    use crate::protocol::ExprInput;
    use crate::value::parse_item;
    use serde_json::json;

    fn item() -> Item {
        parse_item(&json!({
            "id": {"S": "abc"},
            "n": {"N": "10"},
            "tags": {"SS": ["a", "b"]},
            "l": {"L": [{"N": "1"}, {"M": {"x": {"S": "y"}}}]},
            "m": {"M": {"k": {"BOOL": true}, "z": {"NULL": true}}},
            "bin": {"B": "AAEC"}
        }))
        .unwrap()
    }

    fn check(expr: &str, values: serde_json::Value, want: Result<bool, &str>) {
        let vals = parse_item(&values).unwrap();
        let mut r = Resolver::new(&ExprInput {
            names: None,
            values: if vals.is_empty() { None } else { Some(vals) },
        })
        .unwrap();
        let got = parse_condition(expr, Kind::Condition, &mut r)
            .and_then(|c| eval(&c, &item()))
            .map_err(|e| e.to_string());
        assert_eq!(got, want.map_err(str::to_string), "{expr}");
    }

    #[test]
    fn conditions() {
        check("id = :v", json!({":v": {"S": "abc"}}), Ok(true));
        check("id = :v", json!({":v": {"N": "1"}}), Ok(false));
        check("id <> :v", json!({":v": {"N": "1"}}), Ok(true));
        check("absent <> :v", json!({":v": {"N": "1"}}), Ok(true));
        check("absent = :v", json!({":v": {"N": "1"}}), Ok(false));
        check("n > :v", json!({":v": {"N": "9.5"}}), Ok(true));
        check("n < :v", json!({":v": {"S": "z"}}), Ok(false));
        check(
            "n BETWEEN :a AND :b",
            json!({":a": {"N": "10"}, ":b": {"N": "11"}}),
            Ok(true),
        );
        check(
            "n BETWEEN :a AND :b",
            json!({":a": {"N": "11"}, ":b": {"N": "10"}}),
            Err(
                "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:11}, upper bound operand: AttributeValue: {N:10}",
            ),
        );
        check(
            "n IN (:a, :b)",
            json!({":a": {"N": "1"}, ":b": {"N": "10"}}),
            Ok(true),
        );
        check(
            "attribute_exists(m.k) AND attribute_not_exists(m.q)",
            json!({}),
            Ok(true),
        );
        check("attribute_exists(l[1].x)", json!({}), Ok(true));
        check("attribute_exists(l[2])", json!({}), Ok(false));
        check(
            "attribute_type(tags, :t)",
            json!({":t": {"S": "SS"}}),
            Ok(true),
        );
        check(
            "attribute_type(tags, :t)",
            json!({":t": {"S": "XX"}}),
            Err(
                "Invalid ConditionExpression: Invalid attribute type name found; type: XX, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
            ),
        );
        check("begins_with(id, :p)", json!({":p": {"S": "ab"}}), Ok(true));
        check(
            "begins_with(bin, :p)",
            json!({":p": {"B": "AAE="}}),
            Ok(true),
        );
        check(
            "begins_with(id, :p)",
            json!({":p": {"N": "1"}}),
            Err(
                "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
            ),
        );
        check("contains(tags, :p)", json!({":p": {"S": "b"}}), Ok(true));
        check("contains(id, :p)", json!({":p": {"S": "bc"}}), Ok(true));
        check("contains(l, :p)", json!({":p": {"N": "1"}}), Ok(true));
        check(
            "size(tags) = :two AND size(id) = :three",
            json!({":two": {"N": "2"}, ":three": {"N": "3"}}),
            Ok(true),
        );
        check(
            "NOT (n = :a OR n = :b)",
            json!({":a": {"N": "1"}, ":b": {"N": "2"}}),
            Ok(true),
        );
    }

    #[test]
    fn semantics_across_types() {
        let t = |s: &str| json!({":t": {"S": s}});
        // attribute_type names each type exactly; absent attributes have no type.
        for (path, ty) in [
            ("id", "S"),
            ("n", "N"),
            ("tags", "SS"),
            ("l", "L"),
            ("m", "M"),
            ("bin", "B"),
            ("m.k", "BOOL"),
            ("m.z", "NULL"),
            ("l[0]", "N"),
        ] {
            check(&format!("attribute_type({path}, :t)"), t(ty), Ok(true));
            let other = if ty == "S" { "N" } else { "S" };
            check(&format!("attribute_type({path}, :t)"), t(other), Ok(false));
        }
        check("attribute_type(absent, :t)", t("S"), Ok(false));
        check(
            "attribute_type(id, :t)",
            json!({":t": {"N": "1"}}),
            Err(
                "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N",
            ),
        );
        // size: characters of S, bytes of B, elements of sets, lists and maps; nothing for
        // numbers and absent attributes, so comparisons with them are false.
        let n = |v: &str| json!({":v": {"N": v}});
        for (expr, v, want) in [
            ("size(id) = :v", "3", true),
            ("size(bin) = :v", "3", true),
            ("size(tags) = :v", "2", true),
            ("size(l) = :v", "2", true),
            ("size(m) = :v", "2", true),
            ("size(l[1]) = :v", "1", true),
            ("size(n) = :v", "2", false),
            ("size(n) >= :v", "0", false),
            ("size(absent) < :v", "1", false),
            ("size(id) BETWEEN :v AND :v", "3", true),
            ("size(tags) IN (:v)", "2", true),
        ] {
            check(expr, n(v), Ok(want));
        }
        // begins_with: S and B prefixes of S and B attributes only.
        let s = |v: &str| json!({":v": {"S": v}});
        check("begins_with(id, :v)", s(""), Ok(true));
        check("begins_with(id, :v)", s("abcd"), Ok(false));
        check("begins_with(n, :v)", s("1"), Ok(false));
        check("begins_with(tags, :v)", s("a"), Ok(false));
        check("begins_with(absent, :v)", s("a"), Ok(false));
        check(
            "begins_with(bin, :v)",
            json!({":v": {"B": "AAI="}}),
            Ok(false),
        );
        check(
            "begins_with(id, :v)",
            json!({":v": {"B": "YQ=="}}),
            Ok(false),
        );
        check(
            "begins_with(id, :v)",
            json!({":v": {"SS": ["a"]}}),
            Err(
                "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: SS",
            ),
        );
        // contains: substrings of S, subsequences of B, elements of sets and lists.
        for (expr, vals, want) in [
            ("contains(id, :v)", json!({":v": {"S": "b"}}), true),
            ("contains(id, :v)", json!({":v": {"S": ""}}), true),
            ("contains(id, :v)", json!({":v": {"S": "ac"}}), false),
            ("contains(id, :v)", json!({":v": {"N": "1"}}), false),
            ("contains(bin, :v)", json!({":v": {"B": "AQI="}}), true),
            ("contains(bin, :v)", json!({":v": {"B": "AgE="}}), false),
            ("contains(tags, :v)", json!({":v": {"S": "a"}}), true),
            ("contains(tags, :v)", json!({":v": {"S": "c"}}), false),
            ("contains(tags, :v)", json!({":v": {"N": "1"}}), false),
            (
                "contains(l, :v)",
                json!({":v": {"M": {"x": {"S": "y"}}}}),
                true,
            ),
            ("contains(l, :v)", json!({":v": {"S": "1"}}), false),
            ("contains(m, :v)", json!({":v": {"S": "k"}}), false),
            ("contains(n, :v)", json!({":v": {"N": "10"}}), false),
            ("contains(absent, :v)", json!({":v": {"S": "a"}}), false),
        ] {
            check(expr, vals, Ok(want));
        }
        // BETWEEN and comparisons order S by bytes, N by value, B by bytes; mixed types are
        // never in order and never equal.
        for (expr, vals, want) in [
            (
                "id BETWEEN :a AND :b",
                json!({":a": {"S": "abc"}, ":b": {"S": "abc"}}),
                true,
            ),
            (
                "id BETWEEN :a AND :b",
                json!({":a": {"S": "B"}, ":b": {"S": "b"}}),
                true,
            ),
            (
                "id BETWEEN :a AND :b",
                json!({":a": {"S": "abd"}, ":b": {"S": "z"}}),
                false,
            ),
            (
                "n BETWEEN :a AND :b",
                json!({":a": {"N": "9.99"}, ":b": {"N": "1e1"}}),
                true,
            ),
            (
                "n BETWEEN :a AND :b",
                json!({":a": {"S": "1"}, ":b": {"S": "2"}}),
                false,
            ),
            (
                "bin BETWEEN :a AND :b",
                json!({":a": {"B": "AA=="}, ":b": {"B": "AQ=="}}),
                true,
            ),
            (
                "absent BETWEEN :a AND :b",
                json!({":a": {"N": "1"}, ":b": {"N": "2"}}),
                false,
            ),
            ("n = :a", json!({":a": {"N": "10.000"}}), true),
            ("n < :a", json!({":a": {"N": "-11"}}), false),
            ("id > :a", json!({":a": {"S": "ABC"}}), true),
            ("id <= :a", json!({":a": {"S": "ab"}}), false),
            ("tags = :a", json!({":a": {"SS": ["b", "a"]}}), true),
            ("tags = :a", json!({":a": {"SS": ["a"]}}), false),
            ("tags < :a", json!({":a": {"SS": ["z"]}}), false),
            (
                "l = :a",
                json!({":a": {"L": [{"N": "1.0"}, {"M": {"x": {"S": "y"}}}]}}),
                true,
            ),
            (
                "l = :a",
                json!({":a": {"L": [{"M": {"x": {"S": "y"}}}, {"N": "1"}]}}),
                false,
            ),
            ("m.k = :a", json!({":a": {"BOOL": true}}), true),
            ("m.z = :a", json!({":a": {"NULL": true}}), true),
            ("m.k <> :a", json!({":a": {"S": "true"}}), true),
            ("l[0] = n", json!({}), false),
            ("l[0] < n", json!({}), true),
            (
                "id IN (:a, :b)",
                json!({":a": {"N": "1"}, ":b": {"S": "abc"}}),
                true,
            ),
            (
                "id IN (:a, :b)",
                json!({":a": {"N": "1"}, ":b": {"B": "YWJj"}}),
                false,
            ),
            ("absent IN (:a)", json!({":a": {"S": "abc"}}), false),
            ("NOT absent IN (:a)", json!({":a": {"S": "abc"}}), true),
        ] {
            check(expr, vals, Ok(want));
        }
        check(
            "id BETWEEN :a AND :b",
            json!({":a": {"S": "b"}, ":b": {"S": "a"}}),
            Err(
                "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}",
            ),
        );
    }

    #[test]
    fn projection() {
        let mut r = Resolver::new(&ExprInput::default()).unwrap();
        let paths = parse_projection("id, m.k, l[1].x, nope", &mut r).unwrap();
        let got = crate::value::item_to_json(&project(&item(), &paths));
        assert_eq!(
            got,
            json!({"id": {"S": "abc"}, "m": {"M": {"k": {"BOOL": true}}}, "l": {"L": [{"M": {"x": {"S": "y"}}}]}})
        );
    }
}
