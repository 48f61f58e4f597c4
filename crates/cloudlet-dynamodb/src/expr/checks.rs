//! The checks DynamoDB makes on a parsed expression before reading any item: function
//! arity, arguments that must be document paths, operand types known from literal
//! values, operands that must differ, BETWEEN bounds and the size of IN lists. Each
//! returns the message without its "Invalid …Expression:" prefix.

use super::ast::{CmpOp, Operand, Path, UpOperand, path_display};
use crate::value::AttrValue;

/// The most values an IN list may hold.
pub const MAX_IN_OPERANDS: usize = 100;

type Check = Result<(), String>;

pub fn arity(function: &str, want: usize, got: usize) -> Check {
    if want == got {
        return Ok(());
    }
    Err(format!(
        "Incorrect number of operands for operator or function; operator or function: {function}, number of operands: {got}"
    ))
}

pub fn requires_path(function: &str) -> String {
    format!("Operator or function requires a document path; operator or function: {function}")
}

pub fn incorrect_type(function: &str, ty: &str) -> String {
    format!(
        "Incorrect operand type for operator or function; operator or function: {function}, operand type: {ty}"
    )
}

/// `a = a`, `contains(a, a)`: the first operand must differ from the others.
pub fn distinct(operator: &str, a: &Operand, b: &Operand) -> Check {
    match (a, b) {
        (Operand::Path(x), Operand::Path(y)) if x == y => Err(format!(
            "The first operand must be distinct from the remaining operands for this operator or function; operator: {operator}, first operand: [{}]",
            path_display(x)
        )),
        _ => Ok(()),
    }
}

pub fn cmp_distinct(op: CmpOp, a: &Operand, b: &Operand) -> Check {
    distinct(op.symbol(), a, b)
}

/// attribute_type's second operand is a type name.
pub fn attribute_type(t: &Operand) -> Check {
    match t {
        Operand::Value(AttrValue::S(ty)) => {
            const TYPES: [&str; 10] = ["S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"];
            if TYPES.contains(&ty.as_str()) {
                Ok(())
            } else {
                Err(format!(
                    "Invalid attribute type name found; type: {ty}, valid types: {{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}"
                ))
            }
        }
        Operand::Value(v) => Err(incorrect_type("attribute_type", v.type_name())),
        Operand::Size(_) => Err(incorrect_type("attribute_type", "N")),
        Operand::Path(_) => Err(incorrect_type(
            "attribute_type",
            "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}",
        )),
    }
}

/// size of a literal number, boolean or null.
pub fn size_of_value(v: &AttrValue) -> String {
    incorrect_type("size", v.type_name())
}

/// Literal BETWEEN bounds must share a type and be in order.
pub fn between(lo: &Operand, hi: &Operand) -> Check {
    let (Operand::Value(l), Operand::Value(h)) = (lo, hi) else {
        return Ok(());
    };
    let shown = |v: &AttrValue| format!("AttributeValue: {{{}:{}}}", v.type_name(), scalar_text(v));
    if l.type_name() != h.type_name() {
        return Err(format!(
            "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: {}, upper bound operand: {}",
            shown(l),
            shown(h)
        ));
    }
    if super::eval::compare(l, h) == Some(std::cmp::Ordering::Greater) {
        return Err(format!(
            "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: {}, upper bound operand: {}",
            shown(l),
            shown(h)
        ));
    }
    Ok(())
}

/// The text DynamoDB shows for a scalar in messages.
fn scalar_text(v: &AttrValue) -> String {
    match v {
        AttrValue::S(s) => s.clone(),
        AttrValue::N(n) => n.to_string(),
        other => format!("{:?}", other.to_json()),
    }
}

pub fn in_list(n: usize) -> Check {
    if n <= MAX_IN_OPERANDS {
        return Ok(());
    }
    Err(format!(
        "The IN operator is provided with too many operands; number of operands: {n}"
    ))
}

/// `+`, `-` and list_append with literal operands of the wrong type.
pub fn update_operands(function: &str, want: &str, args: &[&UpOperand]) -> Check {
    for a in args {
        if let UpOperand::Value(v) = a
            && v.type_name() != want
        {
            return Err(incorrect_type(function, v.type_name()));
        }
    }
    Ok(())
}

/// ADD takes numbers and sets, DELETE sets only.
pub fn add_delete(operator: &str, v: &AttrValue) -> Check {
    let name = match v {
        AttrValue::S(_) => "STRING",
        AttrValue::N(_) if operator == "ADD" => return Ok(()),
        AttrValue::N(_) => "NUMBER",
        AttrValue::B(_) => "BINARY",
        AttrValue::Bool(_) => "BOOLEAN",
        AttrValue::Null => "NULL",
        AttrValue::M(_) => "MAP",
        AttrValue::L(_) => "LIST",
        AttrValue::Ss(_) | AttrValue::Ns(_) | AttrValue::Bs(_) => return Ok(()),
    };
    Err(format!(
        "Incorrect operand type for operator or function; operator: {operator}, operand type: {name}"
    ))
}

/// A document path argument, or the "requires a document path" message.
pub fn path_arg(function: &str, o: Operand) -> Result<Path, String> {
    match o {
        Operand::Path(p) => Ok(p),
        _ => Err(requires_path(function)),
    }
}
