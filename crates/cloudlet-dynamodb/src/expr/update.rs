//! Applying an UpdateExpression to an item: SET (with `+`, `-`, `if_not_exists`,
//! `list_append`), REMOVE, ADD and DELETE, on nested paths and list indexes. All
//! right-hand sides are evaluated against the item as it was before the update.

use super::ast::*;
use super::eval::{equal, lookup};
use crate::error::DdbError;
use crate::value::{AttrValue, Item};

fn invalid_path() -> DdbError {
    DdbError::validation(
        "The document path provided in the update expression is invalid for update",
    )
}

fn missing_attr() -> DdbError {
    DdbError::validation(
        "The provided expression refers to an attribute that does not exist in the item",
    )
}

fn bad_type() -> DdbError {
    DdbError::validation("An operand in the update expression has an incorrect data type")
}

fn operand_type_name(v: &AttrValue) -> &'static str {
    match v {
        AttrValue::S(_) => "STRING",
        AttrValue::N(_) => "NUMBER",
        AttrValue::B(_) => "BINARY",
        AttrValue::Bool(_) => "BOOLEAN",
        AttrValue::Null => "NULL",
        AttrValue::M(_) => "MAP",
        AttrValue::L(_) => "LIST",
        AttrValue::Ss(_) => "SET",
        AttrValue::Ns(_) => "SET",
        AttrValue::Bs(_) => "SET",
    }
}

fn eval_operand(old: &Item, o: &UpOperand) -> Result<AttrValue, DdbError> {
    match o {
        UpOperand::Value(v) => Ok(v.clone()),
        UpOperand::Path(p) => lookup(old, p).cloned().ok_or_else(missing_attr),
        UpOperand::IfNotExists(p, d) => match lookup(old, p) {
            Some(v) => Ok(v.clone()),
            None => eval_operand(old, d),
        },
        UpOperand::ListAppend(a, b) => {
            let (a, b) = (eval_operand(old, a)?, eval_operand(old, b)?);
            match (a, b) {
                (AttrValue::L(mut x), AttrValue::L(y)) => {
                    x.extend(y);
                    Ok(AttrValue::L(x))
                }
                // Literal operands of the wrong type were refused by the parser.
                _ => Err(bad_type()),
            }
        }
    }
}

fn eval_set(old: &Item, v: &SetValue) -> Result<AttrValue, DdbError> {
    match v {
        SetValue::Operand(o) => eval_operand(old, o),
        SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
            let (x, y) = (eval_operand(old, a)?, eval_operand(old, b)?);
            let (AttrValue::N(x), AttrValue::N(y)) = (&x, &y) else {
                return Err(bad_type());
            };
            let r = if matches!(v, SetValue::Plus(..)) {
                x.add(y)
            } else {
                x.sub(y)
            };
            r.map(AttrValue::N)
                .map_err(|e| DdbError::validation(e.message()))
        }
    }
}

/// The parent container of the last path step, for writing.
fn parent_mut<'a>(item: &'a mut Item, path: &Path) -> Result<Option<&'a mut AttrValue>, DdbError> {
    if path.len() == 1 {
        return Ok(None);
    }
    let Some(PathElem::Attr(first)) = path.first() else {
        return Err(invalid_path());
    };
    let mut cur = item.get_mut(first).ok_or_else(invalid_path)?;
    for e in &path[1..path.len() - 1] {
        cur = match (e, cur) {
            (PathElem::Attr(a), AttrValue::M(m)) => m.get_mut(a).ok_or_else(invalid_path)?,
            (PathElem::Index(i), AttrValue::L(l)) => l.get_mut(*i).ok_or_else(invalid_path)?,
            _ => return Err(invalid_path()),
        };
    }
    Ok(Some(cur))
}

fn set_path(item: &mut Item, path: &Path, v: AttrValue) -> Result<(), DdbError> {
    let last = path.last().ok_or_else(invalid_path)?;
    match parent_mut(item, path)? {
        None => match last {
            PathElem::Attr(a) => {
                item.insert(a.clone(), v);
                Ok(())
            }
            PathElem::Index(_) => Err(invalid_path()),
        },
        Some(parent) => match (last, parent) {
            (PathElem::Attr(a), AttrValue::M(m)) => {
                m.insert(a.clone(), v);
                Ok(())
            }
            (PathElem::Index(i), AttrValue::L(l)) => {
                if *i < l.len() {
                    l[*i] = v;
                } else {
                    l.push(v);
                }
                Ok(())
            }
            _ => Err(invalid_path()),
        },
    }
}

/// Whether the container the last step of `path` needs is there (the item itself for a
/// top-level attribute).
fn parent_ok(item: &Item, path: &Path) -> bool {
    if path.len() <= 1 {
        return matches!(path.first(), Some(PathElem::Attr(_)));
    }
    matches!(
        (lookup(item, &path[..path.len() - 1].to_vec()), path.last()),
        (Some(AttrValue::M(_)), Some(PathElem::Attr(_)))
            | (Some(AttrValue::L(_)), Some(PathElem::Index(_)))
    )
}

/// Removes what `path` names; a missing attribute or element is no error, a missing or
/// mistyped container is.
fn remove_path(item: &mut Item, path: &Path) -> Result<(), DdbError> {
    let Some(last) = path.last() else {
        return Ok(());
    };
    if !parent_ok(item, path) {
        return Err(invalid_path());
    }
    let parent = parent_mut(item, path)?;
    match parent {
        None => {
            if let PathElem::Attr(a) = last {
                item.remove(a);
            }
        }
        Some(AttrValue::M(m)) => {
            if let PathElem::Attr(a) = last {
                m.remove(a);
            }
        }
        Some(AttrValue::L(l)) => {
            if let PathElem::Index(i) = last
                && *i < l.len()
            {
                l.remove(*i);
            }
        }
        Some(_) => {}
    }
    Ok(())
}

fn add_value(existing: Option<&AttrValue>, v: &AttrValue) -> Result<AttrValue, DdbError> {
    match (existing, v) {
        (None, AttrValue::N(_) | AttrValue::Ss(_) | AttrValue::Ns(_) | AttrValue::Bs(_)) => {
            Ok(v.clone())
        }
        (Some(AttrValue::N(a)), AttrValue::N(b)) => a
            .add(b)
            .map(AttrValue::N)
            .map_err(|e| DdbError::validation(e.message())),
        (Some(AttrValue::Ss(a)), AttrValue::Ss(b)) => {
            let mut r = a.clone();
            r.extend(b.iter().filter(|x| !a.contains(x)).cloned());
            Ok(AttrValue::Ss(r))
        }
        (Some(AttrValue::Ns(a)), AttrValue::Ns(b)) => {
            let mut r = a.clone();
            r.extend(b.iter().filter(|x| !a.contains(x)).cloned());
            Ok(AttrValue::Ns(r))
        }
        (Some(AttrValue::Bs(a)), AttrValue::Bs(b)) => {
            let mut r = a.clone();
            r.extend(b.iter().filter(|x| !a.contains(x)).cloned());
            Ok(AttrValue::Bs(r))
        }
        (_, AttrValue::N(_) | AttrValue::Ss(_) | AttrValue::Ns(_) | AttrValue::Bs(_)) => {
            Err(bad_type())
        }
        (_, other) => Err(DdbError::validation(format!(
            "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: {}",
            operand_type_name(other)
        ))),
    }
}

fn delete_value(
    existing: Option<&AttrValue>,
    v: &AttrValue,
) -> Result<Option<AttrValue>, DdbError> {
    let r = match (existing, v) {
        (None, AttrValue::Ss(_) | AttrValue::Ns(_) | AttrValue::Bs(_)) => return Ok(None),
        (Some(AttrValue::Ss(a)), AttrValue::Ss(b)) => {
            let r: Vec<String> = a.iter().filter(|x| !b.contains(x)).cloned().collect();
            (!r.is_empty()).then_some(AttrValue::Ss(r))
        }
        (Some(AttrValue::Ns(a)), AttrValue::Ns(b)) => {
            let r: Vec<_> = a.iter().filter(|x| !b.contains(x)).cloned().collect();
            (!r.is_empty()).then_some(AttrValue::Ns(r))
        }
        (Some(AttrValue::Bs(a)), AttrValue::Bs(b)) => {
            let r: Vec<_> = a.iter().filter(|x| !b.contains(x)).cloned().collect();
            (!r.is_empty()).then_some(AttrValue::Bs(r))
        }
        (_, AttrValue::Ss(_) | AttrValue::Ns(_) | AttrValue::Bs(_)) => return Err(bad_type()),
        (_, other) => {
            return Err(DdbError::validation(format!(
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: {}",
                operand_type_name(other)
            )));
        }
    };
    Ok(r)
}

/// Applies `u` to `old`, returning the new item.
pub fn apply(u: &Update, old: &Item) -> Result<Item, DdbError> {
    // Evaluate every SET right-hand side against the old item first.
    let mut sets = Vec::with_capacity(u.set.len());
    for (p, v) in &u.set {
        sets.push((p, eval_set(old, v)?));
    }
    // "If you add multiple elements in a single SET operation, the elements are sorted in
    // order by element number": appends past a list's end go in index order.
    sets.sort_by_key(|(p, _)| index_key(p));
    let mut new = old.clone();
    for (p, v) in sets {
        set_path(&mut new, p, v)?;
    }
    // REMOVE list elements from the highest index down so earlier removals don't shift
    // later ones.
    let mut removes: Vec<&Path> = u.remove.iter().collect();
    removes.sort_by(|a, b| {
        b.len()
            .cmp(&a.len())
            .then_with(|| index_key(b).cmp(&index_key(a)))
    });
    for p in removes {
        remove_path(&mut new, p)?;
    }
    for (p, v) in &u.add {
        let r = add_value(lookup(old, p), v)?;
        set_path(&mut new, p, r)?;
    }
    for (p, v) in &u.delete {
        if !parent_ok(old, p) {
            return Err(invalid_path());
        }
        match delete_value(lookup(old, p), v)? {
            Some(r) => set_path(&mut new, p, r)?,
            None => remove_path(&mut new, p)?,
        }
    }
    Ok(new)
}

fn index_key(p: &Path) -> usize {
    match p.last() {
        Some(PathElem::Index(i)) => *i,
        _ => 0,
    }
}

/// Whether two values are equal (re-exported for ReturnValues UPDATED_* diffs).
pub fn same(a: &AttrValue, b: &AttrValue) -> bool {
    equal(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::parser::parse_update;
    use crate::expr::resolve::Resolver;
    use crate::protocol::ExprInput;
    use crate::value::{item_to_json, parse_item};
    use serde_json::{Value, json};

    fn check(start: Value, expr: &str, values: Value, want: Result<Value, &str>) {
        let vals = parse_item(&values).unwrap();
        let mut r = Resolver::new(&ExprInput {
            names: None,
            values: if vals.is_empty() { None } else { Some(vals) },
        })
        .unwrap();
        let old = parse_item(&start).unwrap();
        let got = parse_update(expr, &mut r)
            .and_then(|u| apply(&u, &old))
            .map(|i| item_to_json(&i))
            .map_err(|e| e.to_string());
        assert_eq!(got, want.map_err(str::to_string), "{expr}");
    }

    #[test]
    fn updates() {
        check(
            json!({"n": {"N": "1"}}),
            "SET n = n + :d, m = :d - n",
            json!({":d": {"N": "2.5"}}),
            Ok(json!({"n": {"N": "3.5"}, "m": {"N": "1.5"}})),
        );
        check(
            json!({}),
            "SET n = n + :d",
            json!({":d": {"N": "1"}}),
            Err("The provided expression refers to an attribute that does not exist in the item"),
        );
        check(
            json!({}),
            "SET n = if_not_exists(n, :z) + :d",
            json!({":d": {"N": "1"}, ":z": {"N": "0"}}),
            Ok(json!({"n": {"N": "1"}})),
        );
        check(
            json!({"s": {"S": "x"}}),
            "SET n = s + :d",
            json!({":d": {"N": "1"}}),
            Err("An operand in the update expression has an incorrect data type"),
        );
        check(
            json!({"l": {"L": [{"N": "1"}]}}),
            "SET l = list_append(l, :x), l2 = list_append(:x, l)",
            json!({":x": {"L": [{"S": "a"}]}}),
            Ok(
                json!({"l": {"L": [{"N": "1"}, {"S": "a"}]}, "l2": {"L": [{"S": "a"}, {"N": "1"}]}}),
            ),
        );
        check(
            json!({"l": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}]}, "m": {"M": {"a": {"S": "x"}}}}),
            "REMOVE l[0], l[2], m.a, nope",
            json!({}),
            Ok(json!({"l": {"L": [{"N": "1"}]}, "m": {"M": {}}})),
        );
        check(
            json!({"m": {"M": {}}, "l": {"L": []}}),
            "SET m.a.b = :x",
            json!({":x": {"S": "v"}}),
            Err("The document path provided in the update expression is invalid for update"),
        );
        check(
            json!({"m": {"M": {}}, "l": {"L": [{"S": "a"}]}}),
            "SET m.a = :x, l[5] = :x, l[0] = :x",
            json!({":x": {"S": "v"}}),
            Ok(json!({"m": {"M": {"a": {"S": "v"}}}, "l": {"L": [{"S": "v"}, {"S": "v"}]}})),
        );
        check(
            json!({"l": {"L": [{"S": "a"}]}}),
            "SET l[9] = :z, l[7] = :y, l[0] = :x, l[8] = :w",
            json!({":x": {"S": "x"}, ":y": {"S": "y"}, ":z": {"S": "z"}, ":w": {"S": "w"}}),
            Ok(json!({"l": {"L": [{"S": "x"}, {"S": "y"}, {"S": "w"}, {"S": "z"}]}})),
        );
        check(
            json!({"c": {"N": "5"}, "s": {"SS": ["a"]}}),
            "ADD c :one, s :ss, fresh :one",
            json!({":one": {"N": "1"}, ":ss": {"SS": ["a", "b"]}}),
            Ok(json!({"c": {"N": "6"}, "s": {"SS": ["a", "b"]}, "fresh": {"N": "1"}})),
        );
        check(
            json!({}),
            "ADD c :s",
            json!({":s": {"S": "x"}}),
            Err(
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING",
            ),
        );
        check(
            json!({"s": {"SS": ["a", "b"]}, "t": {"SS": ["a"]}}),
            "DELETE s :a, t :a",
            json!({":a": {"SS": ["a"]}}),
            Ok(json!({"s": {"SS": ["b"]}})),
        );
    }

    #[test]
    fn operand_types() {
        let bad = "An operand in the update expression has an incorrect data type";
        let start = || {
            json!({
                "n": {"N": "1"}, "s": {"S": "x"}, "ss": {"SS": ["a"]}, "ns": {"NS": ["1"]},
                "l": {"L": [{"S": "a"}]}, "m": {"M": {"k": {"N": "2"}}}
            })
        };
        let vals = || {
            json!({
                ":n": {"N": "2"}, ":s": {"S": "y"}, ":ss": {"SS": ["b"]}, ":ns": {"NS": ["2"]},
                ":l": {"L": [{"N": "0"}]}, ":m": {"M": {}}, ":b": {"BOOL": true}
            })
        };
        let errors = [
            (
                "SET n = n + :s",
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S".to_string(),
            ),
            (
                "SET n = :s - :n",
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, operand type: S".to_string(),
            ),
            ("SET n = s + :n", bad.to_string()),
            ("SET n = :n - ss", bad.to_string()),
            ("SET n = l + :n", bad.to_string()),
            ("SET n = m.k + ss", bad.to_string()),
            ("ADD s :n", bad.to_string()),
            ("ADD ss :ns", bad.to_string()),
            ("ADD n :ss", bad.to_string()),
            ("DELETE s :ss", bad.to_string()),
            ("DELETE ns :ss", bad.to_string()),
            ("DELETE n :ns", bad.to_string()),
            (
                "ADD l :l",
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST".to_string(),
            ),
            (
                "ADD m :m",
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: MAP".to_string(),
            ),
            (
                "ADD n :b",
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: BOOLEAN".to_string(),
            ),
            (
                "DELETE ss :s",
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: STRING".to_string(),
            ),
            (
                "DELETE ns :n",
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER".to_string(),
            ),
            (
                "SET l = list_append(l, :s)",
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S".to_string(),
            ),
            (
                "SET l = list_append(:m, l)",
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: M".to_string(),
            ),
            (
                "SET n = absent - :n",
                "The provided expression refers to an attribute that does not exist in the item".to_string(),
            ),
            (
                "SET l = list_append(absent, :l)",
                "The provided expression refers to an attribute that does not exist in the item".to_string(),
            ),
            (
                "SET s[0] = :s",
                "The document path provided in the update expression is invalid for update".to_string(),
            ),
            (
                "SET n.x = :s",
                "The document path provided in the update expression is invalid for update".to_string(),
            ),
            (
                "SET absent.x = :s",
                "The document path provided in the update expression is invalid for update".to_string(),
            ),
        ];
        for (expr, want) in errors {
            let used = serde_json::from_str::<Value>(&vals().to_string()).unwrap();
            let only: serde_json::Map<String, Value> = used
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, _)| {
                    expr.split(|c: char| " ,()".contains(c))
                        .any(|w| w == k.as_str())
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            check(start(), expr, Value::Object(only), Err(&want));
        }
        // REMOVE and DELETE need the container of what they name (a missing attribute or
        // element is fine); list_append of a non-list read from the item is a type error.
        let invalid = "The document path provided in the update expression is invalid for update";
        for expr in [
            "REMOVE absent.x",
            "REMOVE s.x",
            "REMOVE m[0]",
            "REMOVE l.x",
            "DELETE absent.x :ss",
            "DELETE m[1] :ss",
        ] {
            let vals = if expr.contains(":ss") {
                json!({":ss": {"SS": ["a"]}})
            } else {
                json!({})
            };
            check(start(), expr, vals, Err(invalid));
        }
        check(
            start(),
            "REMOVE m.absent, l[7], absent DELETE m.nothing :ss",
            json!({":ss": {"SS": ["a"]}}),
            Ok(start()),
        );
        check(start(), "SET l = list_append(l, ns)", json!({}), Err(bad));
        // What works: sets grow and shrink by their own element type, numbers add exactly,
        // DELETE of the last elements removes the attribute, ADD creates what is absent.
        check(
            start(),
            "ADD ns :ns, n :n, fresh :ss DELETE ss :ss2",
            json!({":ns": {"NS": ["2", "1.0"]}, ":n": {"N": "-0.5"}, ":ss": {"SS": ["b"]}, ":ss2": {"SS": ["a"]}}),
            Ok(json!({
                "n": {"N": "0.5"}, "s": {"S": "x"}, "ns": {"NS": ["1", "2"]}, "fresh": {"SS": ["b"]},
                "l": {"L": [{"S": "a"}]}, "m": {"M": {"k": {"N": "2"}}}
            })),
        );
        check(
            start(),
            "SET m.k = m.k + :n, l[0] = :s, m.fresh = if_not_exists(m.k, :n) REMOVE s",
            json!({":n": {"N": "2"}, ":s": {"S": "y"}}),
            Ok(json!({
                "n": {"N": "1"}, "ss": {"SS": ["a"]}, "ns": {"NS": ["1"]},
                "l": {"L": [{"S": "y"}]}, "m": {"M": {"k": {"N": "4"}, "fresh": {"N": "2"}}}
            })),
        );
    }
}
