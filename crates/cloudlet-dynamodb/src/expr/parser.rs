//! Recursive-descent parsers for condition (also filter and key-condition), projection and
//! update expressions, following DynamoDB's precedence (comparisons, IN, BETWEEN,
//! functions, parentheses, NOT, AND, OR) and its error messages.

use super::ast::*;
use super::checks;
use super::lexer::{Tok, Token, lex};
use super::resolve::{Resolver, is_reserved};
use crate::error::DdbError;

/// Which expression is being parsed; names the "Invalid …:" prefix of errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Condition,
    KeyCondition,
    Filter,
    Projection,
    Update,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Condition => "ConditionExpression",
            Kind::KeyCondition => "KeyConditionExpression",
            Kind::Filter => "FilterExpression",
            Kind::Projection => "ProjectionExpression",
            Kind::Update => "UpdateExpression",
        }
    }
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    r: &'a mut Resolver,
    kind: Kind,
    /// Token positions (open, close) of every parenthesized condition, to refuse `((…))`.
    parens: Vec<(usize, usize)>,
}

type PResult<T> = Result<T, DdbError>;

fn keyword(t: &Tok, kw: &str) -> bool {
    matches!(t, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
}

const KEYWORDS: [&str; 5] = ["AND", "OR", "NOT", "BETWEEN", "IN"];

impl<'a> Parser<'a> {
    fn new(src: &'a str, r: &'a mut Resolver, kind: Kind) -> PResult<Parser<'a>> {
        if src.trim().is_empty() {
            return Err(DdbError::validation(format!(
                "Invalid {}: The expression can not be empty;",
                kind.name()
            )));
        }
        r.expression_seen();
        let toks = match lex(src) {
            Ok(t) => t,
            Err(bad) => {
                let near_end = src[bad.start..]
                    .char_indices()
                    .nth(1)
                    .map(|(i, _)| bad.start + i)
                    .unwrap_or(src.len());
                // The whitespace before the bad character may be several bytes long.
                let near_start = src[..bad.start]
                    .char_indices()
                    .rev()
                    .find(|(_, c)| c.is_whitespace())
                    .map(|(i, c)| i + c.len_utf8())
                    .unwrap_or(0);
                return Err(DdbError::validation(format!(
                    "Invalid {}: Syntax error; token: \"{}\", near: \"{}\"",
                    kind.name(),
                    bad.text,
                    &src[near_start..near_end]
                )));
            }
        };
        Ok(Parser {
            src,
            toks,
            pos: 0,
            r,
            kind,
            parens: Vec::new(),
        })
    }

    /// Turns a check's message into this expression's error.
    fn check(&self, c: Result<(), String>) -> PResult<()> {
        c.map_err(|m| self.err(m))
    }

    fn err(&self, msg: impl std::fmt::Display) -> DdbError {
        DdbError::validation(format!("Invalid {}: {msg}", self.kind.name()))
    }

    fn peek(&self) -> &Tok {
        &self.toks[self.pos.min(self.toks.len() - 1)].tok
    }

    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)].tok
    }

    fn bump(&mut self) -> Token {
        let t = self.toks[self.pos.min(self.toks.len() - 1)].clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }

    /// DynamoDB's syntax error at the current token.
    fn syntax(&self) -> DdbError {
        let i = self.pos.min(self.toks.len() - 1);
        let t = &self.toks[i];
        let text = if t.tok == Tok::Eof {
            "<EOF>".to_string()
        } else {
            self.src[t.start..t.end].to_string()
        };
        let start = if i > 0 {
            self.toks[i - 1].start
        } else {
            t.start
        };
        let end = match self.toks.get(i + 1) {
            Some(n) if n.tok != Tok::Eof => n.end,
            // At the end, "near" stops at the last token, not at trailing whitespace.
            _ if t.tok == Tok::Eof && i > 0 => self.toks[i - 1].end,
            _ => t.end,
        };
        self.err(format!(
            "Syntax error; token: \"{text}\", near: \"{}\"",
            &self.src[start..end]
        ))
    }

    fn expect(&mut self, want: Tok) -> PResult<()> {
        if *self.peek() == want {
            self.bump();
            Ok(())
        } else {
            Err(self.syntax())
        }
    }

    fn at_eof(&self) -> PResult<()> {
        if *self.peek() == Tok::Eof {
            Ok(())
        } else {
            Err(self.syntax())
        }
    }

    // ----- paths -----

    fn path_elem_name(&mut self) -> PResult<String> {
        match self.peek().clone() {
            Tok::Ident(s) => {
                if KEYWORDS.iter().any(|k| s.eq_ignore_ascii_case(k)) {
                    return Err(self.syntax());
                }
                if is_reserved(&s) {
                    return Err(self.err(format!(
                        "Attribute name is a reserved keyword; reserved keyword: {s}"
                    )));
                }
                self.bump();
                Ok(s)
            }
            Tok::Name(n) => {
                self.bump();
                self.r.name(&n).map_err(|m| self.err(m))
            }
            _ => Err(self.syntax()),
        }
    }

    fn path(&mut self) -> PResult<Path> {
        let mut p = vec![PathElem::Attr(self.path_elem_name()?)];
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.bump();
                    p.push(PathElem::Attr(self.path_elem_name()?));
                }
                Tok::LBracket => {
                    self.bump();
                    let n = match self.peek().clone() {
                        Tok::Int(n) => n,
                        _ => return Err(self.syntax()),
                    };
                    let idx: usize = n.parse().map_err(|_| self.syntax())?;
                    self.bump();
                    self.expect(Tok::RBracket)?;
                    p.push(PathElem::Index(idx));
                }
                _ => return Ok(p),
            }
        }
    }

    fn value(&mut self) -> PResult<crate::value::AttrValue> {
        match self.peek().clone() {
            Tok::Value(v) => {
                self.bump();
                self.r.value(&v).map_err(|m| self.err(m))
            }
            _ => Err(self.syntax()),
        }
    }

    fn is_call(&self) -> bool {
        matches!(self.peek(), Tok::Ident(_)) && *self.peek_at(1) == Tok::LParen
    }

    // ----- conditions -----

    fn cond_or(&mut self) -> PResult<Cond> {
        let mut c = self.cond_and()?;
        while keyword(self.peek(), "OR") {
            self.bump();
            let r = self.cond_and()?;
            c = Cond::Or(Box::new(c), Box::new(r));
        }
        Ok(c)
    }

    fn cond_and(&mut self) -> PResult<Cond> {
        let mut c = self.cond_not()?;
        while keyword(self.peek(), "AND") {
            self.bump();
            let r = self.cond_not()?;
            c = Cond::And(Box::new(c), Box::new(r));
        }
        Ok(c)
    }

    fn cond_not(&mut self) -> PResult<Cond> {
        if keyword(self.peek(), "NOT") {
            self.bump();
            return Ok(Cond::Not(Box::new(self.cond_not()?)));
        }
        self.cond_atom()
    }

    fn cond_atom(&mut self) -> PResult<Cond> {
        if *self.peek() == Tok::LParen {
            let open = self.pos;
            self.bump();
            let c = self.cond_or()?;
            let close = self.pos;
            self.expect(Tok::RParen)?;
            if self.parens.contains(&(open + 1, close - 1)) {
                return Err(self.err("The expression has redundant parentheses;"));
            }
            self.parens.push((open, close));
            return Ok(c);
        }
        if self.is_call() {
            let Tok::Ident(f) = self.peek().clone() else {
                return Err(self.syntax());
            };
            if f != "size" {
                return self.bool_function(&f);
            }
        }
        let left = self.operand()?;
        let op = match self.peek() {
            Tok::Eq => Some(CmpOp::Eq),
            Tok::Ne => Some(CmpOp::Ne),
            Tok::Lt => Some(CmpOp::Lt),
            Tok::Le => Some(CmpOp::Le),
            Tok::Gt => Some(CmpOp::Gt),
            Tok::Ge => Some(CmpOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.bump();
            let right = self.operand()?;
            self.check(checks::cmp_distinct(op, &left, &right))?;
            return Ok(Cond::Cmp(op, left, right));
        }
        if keyword(self.peek(), "BETWEEN") {
            self.bump();
            let lo = self.operand()?;
            if !keyword(self.peek(), "AND") {
                return Err(self.syntax());
            }
            self.bump();
            let hi = self.operand()?;
            self.check(checks::between(&lo, &hi))?;
            return Ok(Cond::Between(left, lo, hi));
        }
        if keyword(self.peek(), "IN") {
            self.bump();
            self.expect(Tok::LParen)?;
            let mut list = vec![self.operand()?];
            while *self.peek() == Tok::Comma {
                self.bump();
                list.push(self.operand()?);
            }
            self.expect(Tok::RParen)?;
            self.check(checks::in_list(list.len()))?;
            return Ok(Cond::In(left, list));
        }
        if let Operand::Size(_) = left {
            return Err(self.err(
                "The function is not allowed to be used this way in an expression; function: size",
            ));
        }
        Err(self.syntax())
    }

    /// The comma-separated operands of a call, after its `(`, through its `)`.
    fn call_args(&mut self) -> PResult<Vec<Operand>> {
        let mut args = vec![self.operand()?];
        while *self.peek() == Tok::Comma {
            self.bump();
            args.push(self.operand()?);
        }
        self.expect(Tok::RParen)?;
        Ok(args)
    }

    fn bool_function(&mut self, f: &str) -> PResult<Cond> {
        let want = match f {
            "attribute_exists" | "attribute_not_exists" => 1,
            "attribute_type" | "begins_with" | "contains" => 2,
            "if_not_exists" | "list_append" => {
                return Err(self.err(format!(
                    "The function is not allowed in a condition expression; function: {f}"
                )));
            }
            _ => return Err(self.err(format!("Invalid function name; function: {f}"))),
        };
        self.bump();
        self.expect(Tok::LParen)?;
        let args = self.call_args()?;
        self.check(checks::arity(f, want, args.len()))?;
        let mut args = args.into_iter();
        let (a, b) = (args.next(), args.next());
        let path = |p: Option<Operand>| {
            p.ok_or_else(|| checks::requires_path(f))
                .and_then(|o| checks::path_arg(f, o))
        };
        let c = match (f, a, b) {
            ("attribute_exists", a, _) => Cond::Exists(path(a).map_err(|m| self.err(m))?),
            ("attribute_not_exists", a, _) => Cond::NotExists(path(a).map_err(|m| self.err(m))?),
            ("attribute_type", a, Some(t)) => {
                let p = path(a).map_err(|m| self.err(m))?;
                self.check(checks::attribute_type(&t))?;
                Cond::Type(p, t)
            }
            ("begins_with", Some(a), Some(b)) => {
                self.check(checks::distinct(f, &a, &b))?;
                self.check(checks::begins_with(&[a.clone(), b.clone()]))?;
                Cond::BeginsWith(a, b)
            }
            ("contains", Some(a), Some(b)) => {
                self.check(checks::distinct(f, &a, &b))?;
                Cond::Contains(a, b)
            }
            _ => return Err(self.syntax()),
        };
        Ok(c)
    }

    fn operand(&mut self) -> PResult<Operand> {
        match self.peek().clone() {
            Tok::Value(_) => Ok(Operand::Value(self.value()?)),
            Tok::Ident(f) if *self.peek_at(1) == Tok::LParen => {
                match f.as_str() {
                    "size" => {
                        self.bump();
                        self.bump();
                        let args = self.call_args()?;
                        self.check(checks::arity("size", 1, args.len()))?;
                        match args.into_iter().next() {
                            Some(Operand::Path(p)) => Ok(Operand::Size(p)),
                            Some(Operand::Value(v)) => Err(self.err(checks::size_of_value(&v))),
                            _ => Err(self.err(
                                "The function is not allowed to be used this way in an expression; function: size",
                            )),
                        }
                    }
                    "attribute_exists" | "attribute_not_exists" | "attribute_type"
                    | "begins_with" | "contains" | "if_not_exists" | "list_append" => {
                        Err(self.err(format!(
                            "The function is not allowed to be used this way in an expression; function: {f}"
                        )))
                    }
                    _ => Err(self.err(format!("Invalid function name; function: {f}"))),
                }
            }
            _ => Ok(Operand::Path(self.path()?)),
        }
    }

    // ----- updates -----

    fn up_operand(&mut self) -> PResult<UpOperand> {
        match self.peek().clone() {
            Tok::Value(_) => Ok(UpOperand::Value(self.value()?)),
            Tok::Ident(f) if *self.peek_at(1) == Tok::LParen => {
                if f != "if_not_exists" && f != "list_append" {
                    return Err(self.err(match f.as_str() {
                        "attribute_exists"
                        | "attribute_not_exists"
                        | "attribute_type"
                        | "begins_with"
                        | "contains"
                        | "size" => format!(
                            "The function is not allowed in an update expression; function: {f}"
                        ),
                        _ => format!("Invalid function name; function: {f}"),
                    }));
                }
                self.bump();
                self.bump();
                let mut args = vec![self.up_operand()?];
                while *self.peek() == Tok::Comma {
                    self.bump();
                    args.push(self.up_operand()?);
                }
                self.expect(Tok::RParen)?;
                self.check(checks::arity(&f, 2, args.len()))?;
                let b = args.pop().map(Box::new);
                let a = args.pop();
                match (f.as_str(), a, b) {
                    ("if_not_exists", Some(UpOperand::Path(p)), Some(b)) => {
                        Ok(UpOperand::IfNotExists(p, b))
                    }
                    ("if_not_exists", _, _) => Err(self.err(checks::requires_path(&f))),
                    (_, Some(a), Some(b)) => {
                        self.check(checks::update_operands("list_append", "L", &[&a, &b]))?;
                        Ok(UpOperand::ListAppend(Box::new(a), b))
                    }
                    _ => Err(self.syntax()),
                }
            }
            _ => Ok(UpOperand::Path(self.path()?)),
        }
    }

    fn set_value(&mut self) -> PResult<SetValue> {
        let a = self.up_operand()?;
        match self.peek() {
            Tok::Plus => {
                self.bump();
                let b = self.up_operand()?;
                self.check(checks::update_operands("+", "N", &[&a, &b]))?;
                Ok(SetValue::Plus(a, b))
            }
            Tok::Minus => {
                self.bump();
                let b = self.up_operand()?;
                self.check(checks::update_operands("-", "N", &[&a, &b]))?;
                Ok(SetValue::Minus(a, b))
            }
            _ => Ok(SetValue::Operand(a)),
        }
    }

    fn update(&mut self) -> PResult<Update> {
        let mut u = Update::default();
        let mut seen = [false; 4];
        loop {
            let clause = match self.peek() {
                Tok::Eof if seen.iter().any(|s| *s) => break,
                Tok::Ident(s) => s.to_ascii_uppercase(),
                _ => return Err(self.syntax()),
            };
            let idx = match clause.as_str() {
                "SET" => 0,
                "REMOVE" => 1,
                "ADD" => 2,
                "DELETE" => 3,
                _ => return Err(self.syntax()),
            };
            if seen[idx] {
                return Err(self.err(format!(
                    "The \"{clause}\" section can only be used once in an update expression;"
                )));
            }
            seen[idx] = true;
            self.bump();
            loop {
                match idx {
                    0 => {
                        let p = self.path()?;
                        self.expect(Tok::Eq)?;
                        let v = self.set_value()?;
                        u.set.push((p, v));
                    }
                    1 => u.remove.push(self.path()?),
                    2 => {
                        let p = self.path()?;
                        let v = self.value()?;
                        self.check(checks::add_delete("ADD", &v))?;
                        u.add.push((p, v));
                    }
                    _ => {
                        let p = self.path()?;
                        let v = self.value()?;
                        self.check(checks::add_delete("DELETE", &v))?;
                        u.delete.push((p, v));
                    }
                }
                if *self.peek() == Tok::Comma {
                    self.bump();
                } else {
                    break;
                }
            }
        }
        Ok(u)
    }
}

/// Refuses two paths where one is a prefix of (or equal to) the other, or which disagree
/// on whether a step is an attribute or a list index.
fn check_overlaps(kind: Kind, paths: &[&Path]) -> PResult<()> {
    for (i, a) in paths.iter().enumerate() {
        for b in &paths[i + 1..] {
            let n = a.len().min(b.len());
            let mut conflict = false;
            let mut same = true;
            for k in 0..n {
                match (&a[k], &b[k]) {
                    (PathElem::Attr(x), PathElem::Attr(y)) if x == y => {}
                    (PathElem::Index(x), PathElem::Index(y)) if x == y => {}
                    (PathElem::Attr(_), PathElem::Index(_))
                    | (PathElem::Index(_), PathElem::Attr(_)) => {
                        conflict = true;
                        same = false;
                        break;
                    }
                    _ => {
                        same = false;
                        break;
                    }
                }
            }
            let what = if conflict {
                "conflict"
            } else if same {
                "overlap"
            } else {
                continue;
            };
            return Err(DdbError::validation(format!(
                "Invalid {}: Two document paths {what} with each other; must remove or rewrite one of these paths; path one: [{}], path two: [{}]",
                kind.name(),
                path_display(a),
                path_display(b)
            )));
        }
    }
    Ok(())
}

/// Parses a condition-like expression (condition, filter, key condition).
pub fn parse_condition(src: &str, kind: Kind, r: &mut Resolver) -> PResult<Cond> {
    let mut p = Parser::new(src, r, kind)?;
    let c = p.cond_or()?;
    p.at_eof()?;
    Ok(c)
}

/// Parses a ProjectionExpression into its paths.
pub fn parse_projection(src: &str, r: &mut Resolver) -> PResult<Vec<Path>> {
    let mut p = Parser::new(src, r, Kind::Projection)?;
    let mut out = vec![p.path()?];
    while *p.peek() == Tok::Comma {
        p.bump();
        out.push(p.path()?);
    }
    p.at_eof()?;
    let refs: Vec<&Path> = out.iter().collect();
    check_overlaps(Kind::Projection, &refs)?;
    Ok(out)
}

/// Parses an UpdateExpression.
pub fn parse_update(src: &str, r: &mut Resolver) -> PResult<Update> {
    let mut p = Parser::new(src, r, Kind::Update)?;
    let u = p.update()?;
    p.at_eof()?;
    let mut refs: Vec<&Path> = Vec::new();
    refs.extend(u.set.iter().map(|(p, _)| p));
    refs.extend(u.remove.iter());
    refs.extend(u.add.iter().map(|(p, _)| p));
    refs.extend(u.delete.iter().map(|(p, _)| p));
    check_overlaps(Kind::Update, &refs)?;
    Ok(u)
}

#[cfg(test)]
#[path = "parser_tests.rs"]
mod tests;
