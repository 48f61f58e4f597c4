//! What DynamoDB checks of an UpdateExpression against the table's keys before reading
//! the item: key attributes are never updated, index key attributes only with values of
//! their type (when the type is known from the expression), and neither is ever reached
//! into with `.` or `[]`.

use crate::error::DdbError;
use crate::expr::ast::{SetValue, UpOperand};
use crate::expr::{Path, PathElem, Update};
use crate::state::{KeyAttr, TableMeta};

/// Every path an update writes.
pub fn touched(u: &Update) -> Vec<Path> {
    let mut v: Vec<Path> = u.set.iter().map(|(p, _)| p.clone()).collect();
    v.extend(u.remove.iter().cloned());
    v.extend(u.add.iter().map(|(p, _)| p.clone()));
    v.extend(u.delete.iter().map(|(p, _)| p.clone()));
    v
}

fn operand_paths<'a>(o: &'a UpOperand, out: &mut Vec<&'a Path>) {
    match o {
        UpOperand::Path(p) => out.push(p),
        UpOperand::Value(_) => {}
        UpOperand::IfNotExists(p, d) => {
            out.push(p);
            operand_paths(d, out);
        }
        UpOperand::ListAppend(a, b) => {
            operand_paths(a, out);
            operand_paths(b, out);
        }
    }
}

/// Every path an update writes or reads.
fn all_paths(u: &Update) -> Vec<Path> {
    let mut v = touched(u);
    let mut read = Vec::new();
    for (_, s) in &u.set {
        match s {
            SetValue::Operand(o) => operand_paths(o, &mut read),
            SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
                operand_paths(a, &mut read);
                operand_paths(b, &mut read);
            }
        }
    }
    v.extend(read.into_iter().cloned());
    v
}

/// The type an operand is known to have before reading the item.
fn static_type(o: &UpOperand) -> Option<&'static str> {
    match o {
        UpOperand::Value(v) => Some(v.type_name()),
        UpOperand::IfNotExists(_, d) => static_type(d),
        UpOperand::ListAppend(..) => Some("L"),
        UpOperand::Path(_) => None,
    }
}

fn head_is(p: &Path, k: &KeyAttr) -> bool {
    matches!(p.first(), Some(PathElem::Attr(a)) if *a == k.name)
}

/// Refuses what DynamoDB refuses of `u` on a table of `meta`, in DynamoDB's order.
pub fn check(meta: &TableMeta, u: &Update) -> Result<(), DdbError> {
    let keys: Vec<&KeyAttr> = std::iter::once(&meta.hash_key)
        .chain(meta.range_key.as_ref())
        .collect();
    let written = touched(u);
    for k in &keys {
        if written.iter().any(|p| head_is(p, k)) {
            return Err(DdbError::invalid(format!(
                "Cannot update attribute {}. This attribute is part of the key",
                k.name
            )));
        }
    }
    for ix in meta.gsis.iter().chain(&meta.lsis) {
        for k in std::iter::once(&ix.hash_key).chain(ix.range_key.as_ref()) {
            let set = u
                .set
                .iter()
                .filter(|(p, _)| p.len() == 1 && head_is(p, k))
                .map(|(_, v)| match v {
                    SetValue::Operand(o) => static_type(o),
                    SetValue::Plus(..) | SetValue::Minus(..) => Some("N"),
                });
            let added = u
                .add
                .iter()
                .filter(|(p, _)| p.len() == 1 && head_is(p, k))
                .map(|(_, v)| Some(v.type_name()));
            if let Some(actual) = set.chain(added).flatten().find(|t| *t != k.ty) {
                return Err(DdbError::invalid(format!(
                    "Type mismatch for Index Key {} Expected: {} Actual: {actual} IndexName: {}",
                    k.name, k.ty, ix.name
                )));
            }
        }
    }
    let paths = all_paths(u);
    nested_key_paths(meta, paths.iter())
}

/// Refuses `.` and `[]` into a key attribute of the table or of one of its indexes, in
/// any of `paths` (projections, filters and updates alike).
pub fn nested_key_paths<'a>(
    meta: &TableMeta,
    paths: impl Iterator<Item = &'a Path>,
) -> Result<(), DdbError> {
    let nested: Vec<&Path> = paths.filter(|p| p.len() > 1).collect();
    let scalars = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed";
    for k in std::iter::once(&meta.hash_key).chain(meta.range_key.as_ref()) {
        if nested.iter().any(|p| head_is(p, k)) {
            return Err(DdbError::validation(format!("{scalars}: Key: {}", k.name)));
        }
    }
    for ix in meta.gsis.iter().chain(&meta.lsis) {
        for k in std::iter::once(&ix.hash_key).chain(ix.range_key.as_ref()) {
            if nested.iter().any(|p| head_is(p, k)) {
                return Err(DdbError::validation(format!(
                    "{scalars}: IndexKey: {}",
                    k.name
                )));
            }
        }
    }
    Ok(())
}
