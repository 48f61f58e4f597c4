//! Recursive-descent parsers for condition (also filter and key-condition), projection and
//! update expressions, following DynamoDB's precedence (comparisons, IN, BETWEEN,
//! functions, parentheses, NOT, AND, OR) and its error messages.
//!
//! A syntax error stops parsing at once. Every other error (reserved words, undefined
//! placeholders, misused functions, operand types, overlapping paths, …) is noted and
//! parsing goes on: DynamoDB reports the most important one found in the whole
//! expression, in an order that depends on the expression kind (see `Parser::report`).

use std::collections::BTreeMap;

use super::ast::*;
use super::checks;
use super::lexer::{Tok, Token, lex};
use super::resolve::{Resolver, is_reserved};
use crate::error::DdbError;
use crate::value::AttrValue;

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

/// What kind of error was noted while parsing; which one DynamoDB reports depends on the
/// expression kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Cat {
    Parens,
    UnknownFn,
    MisusedFn,
    Reserved,
    Section,
    Name,
    Value,
    Overlap,
    Conflict,
    Operand,
    Distinct,
    Function,
}

struct Parser<'a> {
    src: &'a str,
    toks: Vec<Token>,
    pos: usize,
    r: &'a mut Resolver,
    kind: Kind,
    /// The position of the `)` closing each `(`.
    closing: Vec<Option<usize>>,
    /// The first error noted of each category.
    noted: BTreeMap<Cat, String>,
    /// Conditions: the error of the first condition (comparison, BETWEEN, IN, function)
    /// that had one.
    leaf: Option<String>,
}

type PResult<T> = Result<T, DdbError>;

fn keyword(t: &Tok, kw: &str) -> bool {
    matches!(t, Tok::Ident(s) if s.eq_ignore_ascii_case(kw))
}

const KEYWORDS: [&str; 5] = ["AND", "OR", "NOT", "BETWEEN", "IN"];

const BOOL_FUNCTIONS: [&str; 5] = [
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
];

fn closing_parens(toks: &[Token]) -> Vec<Option<usize>> {
    let mut out = vec![None; toks.len()];
    let mut open = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t.tok {
            Tok::LParen => open.push(i),
            Tok::RParen => {
                if let Some(o) = open.pop() {
                    out[o] = Some(i);
                }
            }
            _ => {}
        }
    }
    out
}

/// The type DynamoDB knows an operand has before reading any item.
fn static_type(o: &Operand) -> Option<&'static str> {
    match o {
        Operand::Value(v) => Some(v.type_name()),
        Operand::Size(_) => Some("N"),
        Operand::Path(_) => None,
    }
}

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
            closing: closing_parens(&toks),
            toks,
            pos: 0,
            r,
            kind,
            noted: BTreeMap::new(),
            leaf: None,
        })
    }

    /// Notes an error of category `cat`, keeping the first of each category. Conditions and
    /// projections keep one slot for undefined names and values.
    fn note(&mut self, cat: Cat, msg: impl Into<String>) {
        let cat = match (cat, self.kind) {
            (Cat::Value, k) if k != Kind::Update => Cat::Name,
            (c, _) => c,
        };
        self.noted.entry(cat).or_insert_with(|| msg.into());
    }

    /// Notes a failed check.
    fn check(&mut self, cat: Cat, c: Result<(), String>) {
        if let Err(m) = c {
            self.note(cat, m);
        }
    }

    /// The end of one condition: its errors (undefined placeholders, operand counts,
    /// non-distinct operands, operand types — in that order) stand for the condition
    /// part of the expression if no earlier condition had one.
    fn end_leaf(&mut self) {
        if self.leaf.is_some() {
            return;
        }
        for c in [Cat::Name, Cat::Operand, Cat::Distinct, Cat::Function] {
            if let Some(m) = self.noted.get(&c) {
                self.leaf = Some(m.clone());
                return;
            }
        }
    }

    /// The error DynamoDB reports for the whole expression, if any was noted.
    fn report(&mut self) -> PResult<()> {
        let order: &[Cat] = match self.kind {
            Kind::Update => &[
                Cat::Reserved,
                Cat::UnknownFn,
                Cat::Section,
                Cat::Name,
                Cat::Value,
                Cat::Overlap,
                Cat::Conflict,
                Cat::Operand,
                Cat::Function,
            ],
            Kind::Projection => &[Cat::Reserved, Cat::Name, Cat::Overlap, Cat::Conflict],
            _ => &[Cat::Parens, Cat::UnknownFn, Cat::MisusedFn, Cat::Reserved],
        };
        for c in order {
            if let Some(m) = self.noted.get(c) {
                return Err(self.err(m));
            }
        }
        match self.leaf.take() {
            Some(m) => Err(self.err(m)),
            None => Ok(()),
        }
    }

    /// `((…))` where the inner parentheses wrap everything the outer ones do.
    fn note_redundant_parens(&mut self) {
        let open = self.pos;
        if *self.peek_at(1) == Tok::LParen
            && let Some(close) = self.closing.get(open).copied().flatten()
            && self.closing.get(open + 1).copied().flatten() == Some(close - 1)
        {
            self.note(Cat::Parens, "The expression has redundant parentheses;");
        }
    }

    /// The token after the `)` closing the `(` at the current position.
    fn after_group(&self) -> &Tok {
        match self.closing.get(self.pos).copied().flatten() {
            Some(c) => &self.toks[(c + 1).min(self.toks.len() - 1)].tok,
            None => &Tok::Eof,
        }
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
                let starts_ok = s
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
                if !starts_ok || KEYWORDS.iter().any(|k| s.eq_ignore_ascii_case(k)) {
                    return Err(self.syntax());
                }
                if is_reserved(&s) {
                    self.note(
                        Cat::Reserved,
                        format!("Attribute name is a reserved keyword; reserved keyword: {s}"),
                    );
                }
                self.bump();
                Ok(s)
            }
            Tok::Name(n) => {
                self.bump();
                match self.r.name(&n) {
                    Ok(v) => Ok(v),
                    Err(m) => {
                        self.note(Cat::Name, m);
                        Ok(n)
                    }
                }
            }
            _ => Err(self.syntax()),
        }
    }

    fn path(&mut self) -> PResult<Path> {
        let p = vec![PathElem::Attr(self.path_elem_name()?)];
        self.path_rest(p)
    }

    /// The `.name` and `[n]` steps after the start of a path.
    fn path_rest(&mut self, mut p: Path) -> PResult<Path> {
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

    fn value(&mut self) -> PResult<AttrValue> {
        match self.peek().clone() {
            Tok::Value(v) => {
                self.bump();
                match self.r.value(&v) {
                    Ok(val) => Ok(val),
                    Err(m) => {
                        self.note(Cat::Value, m);
                        Ok(AttrValue::Null)
                    }
                }
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

    /// Whether the token starts what follows a condition's first operand.
    fn continues_operand(t: &Tok) -> bool {
        matches!(
            t,
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge | Tok::Dot | Tok::LBracket
        ) || keyword(t, "BETWEEN")
            || keyword(t, "IN")
    }

    fn cond_atom(&mut self) -> PResult<Cond> {
        // `(` opens a condition, or an operand when a comparison follows its `)`.
        if *self.peek() == Tok::LParen && !Self::continues_operand(self.after_group()) {
            self.note_redundant_parens();
            self.bump();
            let c = self.cond_or()?;
            self.expect(Tok::RParen)?;
            return Ok(c);
        }
        if self.is_call() {
            let (f, args) = self.call()?;
            if !Self::continues_operand(self.peek()) {
                let c = self.bool_function(&f, args);
                self.end_leaf();
                return Ok(c);
            }
            let left = self.call_operand(&f, args);
            return self.comparison(left);
        }
        let left = self.operand()?;
        self.comparison(left)
    }

    /// The rest of a comparison, BETWEEN or IN whose first operand is `left`.
    fn comparison(&mut self, left: Operand) -> PResult<Cond> {
        let op = match self.peek() {
            Tok::Eq => Some(CmpOp::Eq),
            Tok::Ne => Some(CmpOp::Ne),
            Tok::Lt => Some(CmpOp::Lt),
            Tok::Le => Some(CmpOp::Le),
            Tok::Gt => Some(CmpOp::Gt),
            Tok::Ge => Some(CmpOp::Ge),
            _ => None,
        };
        let c = if let Some(op) = op {
            self.bump();
            let right = self.operand()?;
            self.check(Cat::Distinct, checks::cmp_distinct(op, &left, &right));
            Cond::Cmp(op, left, right)
        } else if keyword(self.peek(), "BETWEEN") {
            self.bump();
            let lo = self.operand()?;
            if !keyword(self.peek(), "AND") {
                return Err(self.syntax());
            }
            self.bump();
            let hi = self.operand()?;
            self.check(Cat::Function, checks::between(&lo, &hi));
            Cond::Between(left, lo, hi)
        } else if keyword(self.peek(), "IN") {
            self.bump();
            self.expect(Tok::LParen)?;
            let mut list = vec![self.operand()?];
            while *self.peek() == Tok::Comma {
                self.bump();
                list.push(self.operand()?);
            }
            self.expect(Tok::RParen)?;
            self.check(Cat::Function, checks::in_list(list.len()));
            Cond::In(left, list)
        } else {
            return Err(self.syntax());
        };
        self.end_leaf();
        Ok(c)
    }

    fn operand(&mut self) -> PResult<Operand> {
        match self.peek().clone() {
            Tok::LParen => {
                self.note_redundant_parens();
                self.bump();
                let inner = self.operand()?;
                self.expect(Tok::RParen)?;
                match inner {
                    // A parenthesized path may go on: `(a.b).c[1]`.
                    Operand::Path(p) => Ok(Operand::Path(self.path_rest(p)?)),
                    other => Ok(other),
                }
            }
            Tok::Value(_) => Ok(Operand::Value(self.value()?)),
            Tok::Ident(_) if *self.peek_at(1) == Tok::LParen => {
                let (f, args) = self.call()?;
                Ok(self.call_operand(&f, args))
            }
            _ => Ok(Operand::Path(self.path()?)),
        }
    }

    /// Notes the first two paths where one is a prefix of (or equal to) the other
    /// ("overlap"), and the first two that disagree on whether a step is an attribute or
    /// a list index ("conflict").
    fn check_overlaps(&mut self, paths: &[&Path]) {
        for (i, a) in paths.iter().enumerate() {
            for b in &paths[i + 1..] {
                let mut cat = Some(Cat::Overlap);
                for (x, y) in a.iter().zip(b.iter()) {
                    match (x, y) {
                        (PathElem::Attr(x), PathElem::Attr(y)) if x == y => {}
                        (PathElem::Index(x), PathElem::Index(y)) if x == y => {}
                        (PathElem::Attr(_), PathElem::Index(_))
                        | (PathElem::Index(_), PathElem::Attr(_)) => {
                            cat = Some(Cat::Conflict);
                            break;
                        }
                        _ => {
                            cat = None;
                            break;
                        }
                    }
                }
                if let Some(cat) = cat {
                    let what = if cat == Cat::Overlap {
                        "overlap"
                    } else {
                        "conflict"
                    };
                    self.note(
                        cat,
                        format!(
                            "Two document paths {what} with each other; must remove or rewrite one of these paths; path one: [{}], path two: [{}]",
                            path_display(a),
                            path_display(b)
                        ),
                    );
                }
            }
        }
    }
}

/// Parses a condition-like expression (condition, filter, key condition).
pub fn parse_condition(src: &str, kind: Kind, r: &mut Resolver) -> PResult<Cond> {
    let mut p = Parser::new(src, r, kind)?;
    let c = p.cond_or()?;
    p.at_eof()?;
    p.report()?;
    Ok(c)
}

/// Parses a ProjectionExpression into its paths.
pub fn parse_projection(src: &str, r: &mut Resolver) -> PResult<Vec<Path>> {
    let mut p = Parser::new(src, r, Kind::Projection)?;
    let mut out = vec![p.operand_path()?];
    while *p.peek() == Tok::Comma {
        p.bump();
        out.push(p.operand_path()?);
    }
    p.at_eof()?;
    let refs: Vec<&Path> = out.iter().collect();
    p.check_overlaps(&refs);
    p.report()?;
    Ok(out)
}

impl Parser<'_> {
    /// A projected path; parentheses may group its start: `(a.b)[1]`.
    fn operand_path(&mut self) -> PResult<Path> {
        if *self.peek() == Tok::LParen {
            self.bump();
            let p = self.operand_path()?;
            self.expect(Tok::RParen)?;
            return self.path_rest(p);
        }
        self.path()
    }
}

mod functions;
mod updates;
pub use updates::parse_update;

#[cfg(test)]
#[path = "parser_tests.rs"]
mod tests;
