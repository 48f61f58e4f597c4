//! The expression AST: document paths, operands, conditions and update actions, with
//! placeholders already resolved to names and values.

use crate::value::AttrValue;

/// One step of a document path.
#[derive(Clone, Debug, PartialEq)]
pub enum PathElem {
    Attr(String),
    Index(usize),
}

/// A document path such as `a.b[2].c`.
pub type Path = Vec<PathElem>;

/// Renders a path as DynamoDB does in error messages: `[a, b, [2]]` elements.
pub fn path_display(p: &Path) -> String {
    p.iter()
        .map(|e| match e {
            PathElem::Attr(a) => a.clone(),
            PathElem::Index(i) => format!("[{i}]"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A value-producing operand of a condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    Path(Path),
    Value(AttrValue),
    Size(Path),
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

/// A condition (ConditionExpression, FilterExpression, KeyConditionExpression).
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    Cmp(CmpOp, Operand, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    Exists(Path),
    NotExists(Path),
    Type(Path, Operand),
    BeginsWith(Operand, Operand),
    Contains(Operand, Operand),
}

/// An operand on the right of `SET path = …`.
#[derive(Clone, Debug, PartialEq)]
pub enum UpOperand {
    Path(Path),
    Value(AttrValue),
    IfNotExists(Path, Box<UpOperand>),
    ListAppend(Box<UpOperand>, Box<UpOperand>),
}

/// The value of one SET action.
#[derive(Clone, Debug, PartialEq)]
pub enum SetValue {
    Operand(UpOperand),
    Plus(UpOperand, UpOperand),
    Minus(UpOperand, UpOperand),
}

/// A parsed UpdateExpression.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Update {
    pub set: Vec<(Path, SetValue)>,
    pub remove: Vec<Path>,
    pub add: Vec<(Path, AttrValue)>,
    pub delete: Vec<(Path, AttrValue)>,
}
