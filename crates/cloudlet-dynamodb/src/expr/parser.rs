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
mod tests {
    use super::*;
    use crate::protocol::ExprInput;
    use crate::value::AttrValue;

    fn resolver() -> Resolver {
        let mut names = std::collections::BTreeMap::new();
        names.insert("#s".to_string(), "status".to_string());
        names.insert("#n".to_string(), "name".to_string());
        let mut values = crate::value::Item::new();
        values.insert(":v".into(), AttrValue::S("x".into()));
        values.insert(
            ":n".into(),
            AttrValue::N(crate::number::Number::from_i64(1)),
        );
        values.insert(":ss".into(), AttrValue::Ss(vec!["a".into()]));
        values.insert(":t".into(), AttrValue::S("N".into()));
        Resolver::new(&ExprInput {
            names: Some(names),
            values: Some(values),
        })
        .unwrap()
    }

    /// Parses `src` as `kind` and compares the Debug rendering (or the error message).
    fn check(kind: Kind, src: &str, want: Result<&str, &str>) {
        let mut r = resolver();
        let got = match kind {
            Kind::Update => parse_update(src, &mut r).map(|u| format!("{u:?}")),
            Kind::Projection => parse_projection(src, &mut r).map(|p| format!("{p:?}")),
            _ => parse_condition(src, kind, &mut r).map(|c| format!("{c:?}")),
        };
        let got = got.map_err(|e| e.to_string());
        assert_eq!(
            got.as_deref().map_err(String::as_str),
            want,
            "{kind:?} {src:?}"
        );
    }

    #[test]
    fn conditions() {
        use Kind::Condition as C;
        check(
            C,
            "a = :v",
            Ok(r#"Cmp(Eq, Path([Attr("a")]), Value(S("x")))"#),
        );
        check(
            C,
            "#s <> :v AND NOT attribute_exists(b.c[1])",
            Ok(
                r#"And(Cmp(Ne, Path([Attr("status")]), Value(S("x"))), Not(Exists([Attr("b"), Attr("c"), Index(1)])))"#,
            ),
        );
        check(
            C,
            "a = :v OR b = :v AND c = :v",
            Ok(
                r#"Or(Cmp(Eq, Path([Attr("a")]), Value(S("x"))), And(Cmp(Eq, Path([Attr("b")]), Value(S("x"))), Cmp(Eq, Path([Attr("c")]), Value(S("x")))))"#,
            ),
        );
        check(
            C,
            "size(a) between :n and :n",
            Ok(
                r#"Between(Size([Attr("a")]), Value(N(Number { mantissa: 1, exp: 0 })), Value(N(Number { mantissa: 1, exp: 0 })))"#,
            ),
        );
        check(
            C,
            "a IN (:v, :n)",
            Ok(
                r#"In(Path([Attr("a")]), [Value(S("x")), Value(N(Number { mantissa: 1, exp: 0 }))])"#,
            ),
        );
        check(
            C,
            "status = :v",
            Err(
                "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status",
            ),
        );
        check(
            C,
            "a = :nope",
            Err(
                "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope",
            ),
        );
        check(
            C,
            "#x = :v",
            Err(
                "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #x",
            ),
        );
        check(
            C,
            "a = = :v",
            Err(r#"Invalid ConditionExpression: Syntax error; token: "=", near: "= = :v""#),
        );
        check(
            C,
            "a =",
            Err(r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "=""#),
        );
        check(
            C,
            "   ",
            Err("Invalid ConditionExpression: The expression can not be empty;"),
        );
        check(
            C,
            "foo(a)",
            Err("Invalid ConditionExpression: Invalid function name; function: foo"),
        );
        check(
            C,
            "size(a)",
            Err(
                "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size",
            ),
        );
        check(
            C,
            "a-b = :v",
            Err(r#"Invalid ConditionExpression: Syntax error; token: "-", near: "a-b""#),
        );
    }

    #[test]
    fn condition_syntax_errors() {
        let cases: &[(Kind, &str, &str)] = &[
            (
                Kind::Condition,
                "a = :v AND",
                r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND""#,
            ),
            (
                Kind::Condition,
                "a = :v b",
                r#"Invalid ConditionExpression: Syntax error; token: "b", near: ":v b""#,
            ),
            (
                Kind::Condition,
                "(a = :v",
                r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ":v""#,
            ),
            (
                Kind::Condition,
                "a = :v)",
                r#"Invalid ConditionExpression: Syntax error; token: ")", near: ":v)""#,
            ),
            (
                Kind::Condition,
                "a BETWEEN :v",
                r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ":v""#,
            ),
            (
                Kind::Condition,
                "a BETWEEN :v OR :n",
                r#"Invalid ConditionExpression: Syntax error; token: "OR", near: ":v OR :n""#,
            ),
            (
                Kind::Condition,
                "a IN :v",
                r#"Invalid ConditionExpression: Syntax error; token: ":v", near: "IN :v""#,
            ),
            (
                Kind::Condition,
                "a IN ()",
                r#"Invalid ConditionExpression: Syntax error; token: ")", near: "()""#,
            ),
            (
                Kind::Condition,
                "a",
                r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "a""#,
            ),
            (
                Kind::Condition,
                "a.",
                r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ".""#,
            ),
            (
                Kind::Condition,
                "a[x] = :v",
                r#"Invalid ConditionExpression: Syntax error; token: "x", near: "[x]""#,
            ),
            (
                Kind::Condition,
                "a = :v & b",
                r#"Invalid ConditionExpression: Syntax error; token: "&", near: "&""#,
            ),
            (
                Kind::Condition,
                "a = #",
                r##"Invalid ConditionExpression: Syntax error; token: "#", near: "#""##,
            ),
            (
                Kind::Condition,
                "a = : v",
                r#"Invalid ConditionExpression: Syntax error; token: ":", near: ":""#,
            ),
            (
                Kind::Condition,
                "NOT",
                r#"Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "NOT""#,
            ),
            (
                Kind::Condition,
                "a = :v AND AND b = :v",
                r#"Invalid ConditionExpression: Syntax error; token: "AND", near: "AND AND b""#,
            ),
            // Only ASCII whitespace separates tokens; a multi-byte character before a bad
            // one made "near" cut a character in two (found by fuzzing: this panicked).
            (
                Kind::Condition,
                "\u{85}S%",
                "Invalid ConditionExpression: Syntax error; token: \"\u{85}\", near: \"\u{85}\"",
            ),
            (
                Kind::Update,
                "SET é%",
                r#"Invalid UpdateExpression: Syntax error; token: "é", near: "é""#,
            ),
            (
                Kind::Condition,
                "a = é",
                r#"Invalid ConditionExpression: Syntax error; token: "é", near: "é""#,
            ),
            (
                Kind::KeyCondition,
                "pk = :v AND",
                r#"Invalid KeyConditionExpression: Syntax error; token: "<EOF>", near: "AND""#,
            ),
            (
                Kind::Filter,
                "a <> ",
                r#"Invalid FilterExpression: Syntax error; token: "<EOF>", near: "<>""#,
            ),
            (
                Kind::Filter,
                "",
                "Invalid FilterExpression: The expression can not be empty;",
            ),
        ];
        for (kind, src, want) in cases {
            check(*kind, src, Err(want));
        }
    }

    #[test]
    fn functions_and_reserved_words() {
        use Kind::Condition as C;
        let cases: &[(Kind, &str, &str)] = &[
            (
                C,
                "Size(a) = :n",
                "Invalid ConditionExpression: Invalid function name; function: Size",
            ),
            (
                C,
                "if_not_exists(a, :v)",
                "Invalid ConditionExpression: The function is not allowed in a condition expression; function: if_not_exists",
            ),
            (
                C,
                "list_append(a, :v)",
                "Invalid ConditionExpression: The function is not allowed in a condition expression; function: list_append",
            ),
            (
                C,
                "a = begins_with(b, :v)",
                "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: begins_with",
            ),
            (
                C,
                "size(a) IN (contains(b, :v))",
                "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: contains",
            ),
            (
                C,
                "attribute_exists(:v)",
                "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists",
            ),
            (
                C,
                "attribute_not_exists(size(a))",
                "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_not_exists",
            ),
            (
                C,
                "attribute_exists(a, b)",
                "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2",
            ),
            (
                C,
                "contains(a)",
                "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: contains, number of operands: 1",
            ),
            (
                C,
                "size(a, b) > :n",
                "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: size, number of operands: 2",
            ),
            (
                C,
                "size(:n) > :n",
                "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N",
            ),
            (
                C,
                "a = a",
                "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]",
            ),
            (
                C,
                "a.b[1] <= a.b[1]",
                "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: <=, first operand: [a, b, [1]]",
            ),
            (
                C,
                "contains(#s, status)",
                "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status",
            ),
            (
                C,
                "contains(#n, #n)",
                "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [name]",
            ),
            (
                C,
                "begins_with(a, :n)",
                "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
            ),
            (
                C,
                "begins_with(:ss, a)",
                "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: SS",
            ),
            (
                C,
                "attribute_type(a, :n)",
                "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N",
            ),
            (
                C,
                "attribute_type(a, b)",
                "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}",
            ),
            (
                C,
                "attribute_type(a, :v)",
                "Invalid ConditionExpression: Invalid attribute type name found; type: x, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
            ),
            (
                C,
                "a BETWEEN :n AND :v",
                "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:x}",
            ),
            (
                C,
                "((a = :v))",
                "Invalid ConditionExpression: The expression has redundant parentheses;",
            ),
            (
                C,
                "NOT ((a = :v))",
                "Invalid ConditionExpression: The expression has redundant parentheses;",
            ),
            (
                Kind::Update,
                "SET a = :v + b",
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S",
            ),
            (
                Kind::Update,
                "SET a = b - :ss",
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, operand type: SS",
            ),
            (
                Kind::Update,
                "SET a = list_append(:n, b)",
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: N",
            ),
            (
                Kind::Update,
                "SET a = list_append(b)",
                "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1",
            ),
            (
                Kind::Update,
                "SET a = if_not_exists(:v, b)",
                "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists",
            ),
            (
                Kind::Update,
                "ADD a :v",
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING",
            ),
            (
                Kind::Update,
                "DELETE a :n",
                "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER",
            ),
            (
                C,
                "DATA = :v",
                "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: DATA",
            ),
            (
                C,
                "a.Count = :v",
                "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Count",
            ),
            (
                C,
                "size(value) > :n",
                "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: value",
            ),
            (
                Kind::Projection,
                "id, name",
                "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name",
            ),
            (
                Kind::Update,
                "SET a = size(b)",
                "Invalid UpdateExpression: The function is not allowed in an update expression; function: size",
            ),
            (
                Kind::Update,
                "SET a = nope(b)",
                "Invalid UpdateExpression: Invalid function name; function: nope",
            ),
            (
                Kind::Update,
                "SET year = :v",
                "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: year",
            ),
        ];
        for (kind, src, want) in cases {
            check(*kind, src, Err(want));
        }
        // Placeholders stand in for reserved words; keywords are case-insensitive.
        check(
            C,
            "#s = :v and not #n in (:v)",
            Ok(
                r#"And(Cmp(Eq, Path([Attr("status")]), Value(S("x"))), Not(In(Path([Attr("name")]), [Value(S("x"))])))"#,
            ),
        );
        check(
            C,
            "attribute_type(a, :t) OR begins_with(a, :v) OR contains(a[0].b, :n)",
            Ok(
                r#"Or(Or(Type([Attr("a")], Value(S("N"))), BeginsWith(Path([Attr("a")]), Value(S("x")))), Contains(Path([Attr("a"), Index(0), Attr("b")]), Value(N(Number { mantissa: 1, exp: 0 }))))"#,
            ),
        );
    }

    /// Runs the expressions of one request through one resolver, then `finish`.
    fn check_placeholders(
        names: &[(&str, &str)],
        values: &[&str],
        exprs: &[(Kind, &str)],
        want: Result<(), &str>,
    ) {
        let input = ExprInput {
            names: (!names.is_empty()).then(|| {
                names
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect()
            }),
            values: (!values.is_empty()).then(|| {
                values
                    .iter()
                    .map(|k| (k.to_string(), AttrValue::S("x".into())))
                    .collect()
            }),
        };
        let got = Resolver::new(&input).and_then(|mut r| {
            for (kind, src) in exprs {
                match kind {
                    Kind::Update => parse_update(src, &mut r).map(|_| ())?,
                    Kind::Projection => parse_projection(src, &mut r).map(|_| ())?,
                    k => parse_condition(src, *k, &mut r).map(|_| ())?,
                }
            }
            r.finish()
        });
        assert_eq!(
            got.map_err(|e| e.to_string()),
            want.map_err(str::to_string),
            "{exprs:?}"
        );
    }

    #[test]
    fn placeholders_must_be_defined_and_used() {
        use Kind::*;
        check_placeholders(&[("#a", "a")], &[":x"], &[(Condition, "#a = :x")], Ok(()));
        // Used by any expression of the request counts.
        check_placeholders(
            &[("#a", "a"), ("#b", "b")],
            &[":x", ":y"],
            &[(Update, "SET #a = :x"), (Condition, "#b <> :y")],
            Ok(()),
        );
        check_placeholders(
            &[],
            &[":x", ":y"],
            &[(Condition, "a = :x")],
            Err("Value provided in ExpressionAttributeValues unused in expressions: keys: {:y}"),
        );
        check_placeholders(
            &[("#a", "a"), ("#b", "b"), ("#c", "c")],
            &[],
            &[(Projection, "#b")],
            Err("Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #c}"),
        );
        check_placeholders(
            &[],
            &[":x"],
            &[(Condition, "a = :y")],
            Err(
                "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :y",
            ),
        );
        check_placeholders(
            &[],
            &[],
            &[(Update, "SET a = :x")],
            Err(
                "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :x",
            ),
        );
        check_placeholders(
            &[("#a", "a")],
            &[],
            &[(KeyCondition, "#b = :x")],
            Err(
                "Invalid KeyConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #b",
            ),
        );
        check_placeholders(
            &[("#a", "a")],
            &[],
            &[],
            Err("ExpressionAttributeNames can only be specified when using expressions"),
        );
        check_placeholders(
            &[],
            &[":x"],
            &[],
            Err("ExpressionAttributeValues can only be specified when using expressions"),
        );
        check_placeholders(
            &[("a", "a")],
            &[],
            &[],
            Err(r#"ExpressionAttributeNames contains invalid key: Syntax error; key: "a""#),
        );
        check_placeholders(
            &[],
            &["x"],
            &[],
            Err(r#"ExpressionAttributeValues contains invalid key: Syntax error; key: "x""#),
        );
    }

    #[test]
    fn updates() {
        use Kind::Update as U;
        check(
            U,
            "SET a = a + :n, b = if_not_exists(b, :v) REMOVE c[0] ADD d :n DELETE e :ss",
            Ok(
                r#"Update { set: [([Attr("a")], Plus(Path([Attr("a")]), Value(N(Number { mantissa: 1, exp: 0 })))), ([Attr("b")], Operand(IfNotExists([Attr("b")], Value(S("x")))))], remove: [[Attr("c"), Index(0)]], add: [([Attr("d")], N(Number { mantissa: 1, exp: 0 }))], delete: [([Attr("e")], Ss(["a"]))] }"#,
            ),
        );
        check(
            U,
            "set l = list_append(l, m)",
            Ok(
                r#"Update { set: [([Attr("l")], Operand(ListAppend(Path([Attr("l")]), Path([Attr("m")]))))], remove: [], add: [], delete: [] }"#,
            ),
        );
        check(
            U,
            "SET a = :v SET b = :v",
            Err(
                r#"Invalid UpdateExpression: The "SET" section can only be used once in an update expression;"#,
            ),
        );
        check(
            U,
            "SET a = :v REMOVE a.b",
            Err(
                "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
            ),
        );
        check(
            U,
            "SET a[1] = :v REMOVE a.b",
            Err(
                "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [1]], path two: [a, b]",
            ),
        );
        check(
            U,
            "SET a = :v, b",
            Err(r#"Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "b""#),
        );
        check(
            U,
            "SET a = :v, a = :n",
            Err(
                "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
            ),
        );
        check(
            U,
            "SET a.b[2].c = :v ADD a.b[2] :n",
            Err(
                "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b, [2], c], path two: [a, b, [2]]",
            ),
        );
        check(
            U,
            "REMOVE a.b DELETE a[0] :ss",
            Err(
                "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a, [0]]",
            ),
        );
        // Siblings neither overlap nor conflict.
        check(
            U,
            "SET a.b = :v, a.c = :v REMOVE l[0], l[1]",
            Ok(
                r#"Update { set: [([Attr("a"), Attr("b")], Operand(Value(S("x")))), ([Attr("a"), Attr("c")], Operand(Value(S("x"))))], remove: [[Attr("l"), Index(0)], [Attr("l"), Index(1)]], add: [], delete: [] }"#,
            ),
        );
        check(
            U,
            "REMOVE a ADD b :n SET c = :v DELETE d :ss",
            Ok(
                r#"Update { set: [([Attr("c")], Operand(Value(S("x"))))], remove: [[Attr("a")]], add: [([Attr("b")], N(Number { mantissa: 1, exp: 0 }))], delete: [([Attr("d")], Ss(["a"]))] }"#,
            ),
        );
        check(
            U,
            "SET a = b - if_not_exists(c, :n)",
            Ok(
                r#"Update { set: [([Attr("a")], Minus(Path([Attr("b")]), IfNotExists([Attr("c")], Value(N(Number { mantissa: 1, exp: 0 })))))], remove: [], add: [], delete: [] }"#,
            ),
        );
        let syntax: &[(&str, &str)] = &[
            (
                "SET",
                r#"Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "SET""#,
            ),
            (
                "SET a = :v,",
                r#"Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ",""#,
            ),
            (
                "SET a :v",
                r#"Invalid UpdateExpression: Syntax error; token: ":v", near: "a :v""#,
            ),
            (
                "SET a = :n + :n + :n",
                r#"Invalid UpdateExpression: Syntax error; token: "+", near: ":n + :n""#,
            ),
            (
                "ADD a",
                r#"Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "a""#,
            ),
            (
                "ADD a b",
                r#"Invalid UpdateExpression: Syntax error; token: "b", near: "a b""#,
            ),
            (
                "REMOVE a = :v",
                r#"Invalid UpdateExpression: Syntax error; token: "=", near: "a = :v""#,
            ),
            (
                "DELETE a :ss, ",
                r#"Invalid UpdateExpression: Syntax error; token: "<EOF>", near: ",""#,
            ),
            (
                "remove a REMOVE b",
                r#"Invalid UpdateExpression: The "REMOVE" section can only be used once in an update expression;"#,
            ),
        ];
        for (src, want) in syntax {
            check(U, src, Err(want));
        }
        check(
            U,
            "UPSERT a = :v",
            Err(r#"Invalid UpdateExpression: Syntax error; token: "UPSERT", near: "UPSERT a""#),
        );
    }

    #[test]
    fn projections() {
        check(
            Kind::Projection,
            "a, #n.b[2]",
            Ok(r#"[[Attr("a")], [Attr("name"), Attr("b"), Index(2)]]"#),
        );
        check(
            Kind::Projection,
            "a, a",
            Err(
                "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
            ),
        );
    }
}
